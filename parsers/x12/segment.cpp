#include "parsers/x12/segment.hpp"

namespace cg::x12 {

std::string_view component(std::string_view v, char sep, std::size_t c) {
  std::size_t start = 0;
  for (std::size_t k = 1;; ++k) {
    const std::size_t end = v.find(sep, start);
    if (k == c) return v.substr(start, end == std::string_view::npos ? v.npos : end - start);
    if (end == std::string_view::npos) return {};
    start = end + 1;
  }
}

std::string_view Segment::comp(std::size_t i, std::size_t c) const {
  return component(el(i), delims->component, c);
}

std::size_t Segment::comp_count(std::size_t i) const {
  const std::string_view v = el(i);
  if (v.empty()) return 0;
  std::size_t n = 1;
  for (char ch : v) n += ch == delims->component;
  return n;
}

}  // namespace cg::x12
