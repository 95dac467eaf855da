// The one JSON string writer of the project: every string value or key that reaches JSON
// output (reports, `claimgate parse` claim objects, FHIR answers, log lines, spool and
// dead-letter records, server error bodies) goes through append_json_escaped, directly or
// through write_json_string for RapidJSON writers.
//
// Input bytes come from senders and need not be UTF-8 (an X12 element may hold Latin-1 or
// garbage): every byte that is not part of a well-formed UTF-8 sequence (RFC 3629: no
// overlongs, no surrogates, nothing above U+10FFFF) becomes U+FFFD, so the output is always
// valid JSON in UTF-8 (RFC 8259 section 8.1). '"', '\' and the control characters U+0000 to
// U+001F are escaped; everything else is copied.
//
// Thread safety: pure functions.
#pragma once

#include <rapidjson/rapidjson.h>

#include <cstddef>
#include <string>
#include <string_view>

namespace cg::text {

// Length of the well-formed UTF-8 sequence at s[i] (1 to 4), 0 when there is none.
[[nodiscard]] std::size_t utf8_sequence_length(std::string_view s, std::size_t i) noexcept;

// True when every byte of `s` is part of a well-formed UTF-8 sequence.
[[nodiscard]] bool is_valid_utf8(std::string_view s) noexcept;

// Appends `s` escaped, without the surrounding quotes.
void append_json_escaped(std::string& out, std::string_view s);

// `s` as a JSON string literal, quotes included.
[[nodiscard]] std::string json_quoted(std::string_view s);

// Writes `s` as a string value through a RapidJSON Writer / PrettyWriter, escaped by
// append_json_escaped rather than by RapidJSON (which copies invalid UTF-8 as it is). Member
// names written with Writer::Key must be our own ASCII constants.
template <class Writer>
bool write_json_string(Writer& w, std::string_view s) {
  const std::string q = json_quoted(s);
  return w.RawValue(q.data(), q.size(), rapidjson::kStringType);
}

}  // namespace cg::text
