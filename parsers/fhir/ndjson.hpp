// NDJSON (newline-delimited JSON, as FHIR bulk export writes it): one resource per line.
// Lines end with LF (a CR before it is JSON whitespace); blank lines are skipped; every line
// is its own JSON text with its own line number and byte offset in the whole input.
//
// Thread safety: plain functions and a value-type cursor over caller-owned bytes.
#pragma once

#include "parsers/fhir/json_document.hpp"

#include <cstddef>
#include <string_view>

namespace cg::fhir {

// True when the input holds more than one JSON text, one per line: the second non-blank line
// starts with '{' and the first does not end with a character that would let a single
// pretty-printed document continue on the next line ('{', '[', ',' or ':'). A single JSON text
// on one line is not NDJSON (it reads the same either way).
[[nodiscard]] bool looks_like_ndjson(std::string_view input) noexcept;

struct NdjsonLine {
  std::string_view text;  // without the LF
  Position start;         // line number, column 1, byte offset of the first byte
};

class NdjsonCursor {
 public:
  explicit NdjsonCursor(std::string_view input, std::size_t begin = 0) noexcept
      : input_(input), pos_(begin) {}
  // The next non-blank line; false at the end of the input.
  [[nodiscard]] bool next(NdjsonLine& out) noexcept;

 private:
  std::string_view input_;
  std::size_t pos_ = 0;
  std::uint32_t line_ = 0;  // number of the last line returned or skipped
};

// Number of non-blank lines (a cheap pre-count, for the entry limit).
[[nodiscard]] std::size_t count_ndjson_lines(std::string_view input) noexcept;

// True when the text is empty or JSON whitespace only.
[[nodiscard]] bool is_blank(std::string_view text) noexcept;

}  // namespace cg::fhir
