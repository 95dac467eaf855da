#include "parsers/x12/segment.hpp"

namespace cg::x12 {

std::size_t Segment::comp_count(std::size_t i) const {
  const std::string_view v = el(i);
  if (v.empty()) return 0;
  std::size_t n = 1;
  for (char ch : v) n += ch == delims->component;
  return n;
}

}  // namespace cg::x12
