#include "parsers/x12/segment.hpp"

namespace cg::x12 {

std::string_view component(std::string_view v, char sep, std::size_t c) {
  // Composites are short: a plain loop beats a library call per component.
  const char* p = v.data();
  const char* const end = p + v.size();
  for (std::size_t k = 1; k < c; ++k) {
    while (p != end && *p != sep) ++p;
    if (p == end) return {};
    ++p;
  }
  const char* start = p;
  while (p != end && *p != sep) ++p;
  return {start, static_cast<std::size_t>(p - start)};
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
