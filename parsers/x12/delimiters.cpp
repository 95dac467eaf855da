#include "parsers/x12/delimiters.hpp"

#include <cctype>

namespace cg::x12 {

std::optional<Delimiters> read_delimiters(std::string_view isa) {
  if (isa.size() < kIsaLength || isa.substr(0, 3) != "ISA") return std::nullopt;
  Delimiters d;
  d.element = isa[3];
  d.repetition = isa[82];
  d.component = isa[104];
  d.segment = isa[105];
  const auto alnum = [](char c) { return std::isalnum(static_cast<unsigned char>(c)) != 0; };
  if (alnum(d.element) || alnum(d.component) || d.element == d.component ||
      d.segment == d.element || d.segment == d.component)
    return std::nullopt;
  if (alnum(d.repetition) || d.repetition == ' ' || d.repetition == d.element ||
      d.repetition == d.component || d.repetition == d.segment)
    d.repetition = 0;
  return d;
}

}  // namespace cg::x12
