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
  [[nodiscard]] std::string_view comp(std::size_t i, std::size_t c) const;
  // Number of components of element i (0 when the element is empty).
  [[nodiscard]] std::size_t comp_count(std::size_t i) const;
};

// Component c (1-based) of a composite value split by sep.
[[nodiscard]] std::string_view component(std::string_view value, char sep, std::size_t c);

}  // namespace cg::x12
