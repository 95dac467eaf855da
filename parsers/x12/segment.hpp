// Stage 1 output: one X12 segment as views into the reader's buffer, valid only during the
// callback that receives it (copy what you keep).
#pragma once

#include "parsers/x12/delimiters.hpp"

#include <cstdint>
#include <span>
#include <string_view>

namespace cg::x12 {

// A segment id packed into an integer ("HL" -> 0x484C), for switch-based dispatch.
[[nodiscard]] constexpr std::uint32_t seg_code(std::string_view id) {
  std::uint32_t v = 0;
  for (std::size_t i = 0; i < id.size() && i < 4; ++i) v = (v << 8) | static_cast<unsigned char>(id[i]);
  return id.size() > 4 ? 0 : v;
}

// Whether text is the literal lit: the length compare first, then a fixed-size compare the
// compiler turns into one or two integer compares (no library call on the hot path).
template <std::size_t N>
[[nodiscard]] inline bool eq(std::string_view text, const char (&lit)[N]) {
  return text.size() == N - 1 && __builtin_memcmp(text.data(), lit, N - 1) == 0;
}

struct Segment {
  std::string_view id;
  std::string_view raw;            // the whole segment without its terminator
  std::span<const std::string_view> elements;  // elements[0] is the id; elements[i] is element i
  std::uint64_t offset = 0;        // byte offset of the segment's first character in the stream
  const Delimiters* delims = nullptr;
  std::uint32_t code = 0;          // seg_code(id)

  [[nodiscard]] std::size_t size() const { return elements.empty() ? 0 : elements.size() - 1; }
  // Element i (1-based); empty when absent.
  [[nodiscard]] std::string_view el(std::size_t i) const {
    return i < elements.size() ? elements[i] : std::string_view{};
  }
  // Component c (1-based) of element i; a simple element is its own component 1.
  [[nodiscard]] std::string_view comp(std::size_t i, std::size_t c) const;  // below
  // Number of components of element i (0 when the element is empty).
  [[nodiscard]] std::size_t comp_count(std::size_t i) const;
};

// Component c (1-based) of a composite value split by sep. Composites are short: a plain loop
// beats a library call per component; inline, since the builder and the walker call it for
// every component they read.
[[nodiscard]] inline std::string_view component(std::string_view v, char sep, std::size_t c) {
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

inline std::string_view Segment::comp(std::size_t i, std::size_t c) const {
  return component(el(i), delims->component, c);
}

}  // namespace cg::x12
