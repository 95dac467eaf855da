#include "parsers/fhir/ndjson.hpp"

#include <cstring>

namespace cg::fhir {
namespace {

bool is_ws(char c) noexcept { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; }

std::string_view trim(std::string_view s) noexcept {
  while (!s.empty() && is_ws(s.front())) s.remove_prefix(1);
  while (!s.empty() && is_ws(s.back())) s.remove_suffix(1);
  return s;
}

}  // namespace

bool is_blank(std::string_view text) noexcept { return trim(text).empty(); }

bool NdjsonCursor::next(NdjsonLine& out) noexcept {
  while (pos_ < input_.size()) {
    const char* b = input_.data() + pos_;
    const void* nl = std::memchr(b, '\n', input_.size() - pos_);
    const std::size_t len = nl ? static_cast<std::size_t>(static_cast<const char*>(nl) - b)
                               : input_.size() - pos_;
    const std::string_view text(b, len);
    const std::size_t begin = pos_;
    pos_ += len + (nl ? 1 : 0);
    ++line_;
    if (is_blank(text)) continue;
    out.text = text;
    out.start = Position{line_, 1, begin};
    return true;
  }
  return false;
}

std::size_t count_ndjson_lines(std::string_view input) noexcept {
  NdjsonCursor c(input);
  NdjsonLine l;
  std::size_t n = 0;
  while (c.next(l)) ++n;
  return n;
}

bool looks_like_ndjson(std::string_view input) noexcept {
  NdjsonCursor c(input);
  NdjsonLine first, second;
  if (!c.next(first) || !c.next(second)) return false;
  const std::string_view a = trim(first.text), b = trim(second.text);
  if (b.front() != '{') return false;
  const char last = a.back();
  return last != '{' && last != '[' && last != ',' && last != ':';
}

}  // namespace cg::fhir
