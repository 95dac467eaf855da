// X12 delimiters as the ISA declares them. Nothing here assumes '*', ':' or '~'.
#pragma once

#include <optional>
#include <string_view>

namespace cg::x12 {

struct Delimiters {
  char element = '*';
  char component = ':';
  char repetition = '^';  // ISA11 in 00501; 0 when ISA11 is 'U' (pre-5010) or alphanumeric
  char segment = '~';
};

// The ISA segment is fixed length: "ISA" + element separator + 16 elements of fixed widths,
// 106 characters including its terminator.
inline constexpr std::size_t kIsaLength = 106;

// Reads the delimiters from the first kIsaLength bytes of an interchange (which must start with
// "ISA"). nullopt when the bytes cannot be an ISA of the fixed layout.
[[nodiscard]] std::optional<Delimiters> read_delimiters(std::string_view isa);

}  // namespace cg::x12
