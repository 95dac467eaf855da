// FHIR JSON syntax layer: one JSON text -> one RapidJSON DOM, with exact error positions.
//
// Input: a std::string_view that is never modified. It is copied into a buffer owned by the
// JsonDocument and reused from one parse to the next (NDJSON lines, request after request), so
// the DOM can be built in situ: strings and numbers of the DOM point into that buffer.
//
// Parsing runs RapidJSON's iterative parser (no recursion, whatever the nesting) with UTF-8
// validation; a handler in front of the DOM counts the nesting depth and stops at the limit,
// so deep input can neither blow the stack nor grow the DOM past the limit. An object that
// holds the same member name twice (compared after unescaping) makes the text an error: no
// reader downstream has to choose between first-wins and last-wins. Numbers are kept as
// their source text (a positiveInt "1.0" or a decimal "12500.00" stays exactly as sent); use
// is_number() to tell a number from a string.
//
// Errors: a JsonError with the kind, the position (line and column 1-based, column counted in
// bytes from the start of the line; byte offset 0-based) and one sentence. Positions are
// counted in the whole input when the caller passes the Position of the text's first byte
// (NDJSON line n starts at {n, 1, offset}).
//
// Lifetime: root() and every value, string and number view taken from it are valid until the
// next parse() or the destruction of the JsonDocument.
// Thread safety: one JsonDocument per thread.
#pragma once

#include <rapidjson/document.h>

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace cg::fhir {

struct JsonLimits {
  std::size_t max_bytes = 64u << 20;  // size of one JSON text
  unsigned max_depth = 64;            // nesting of objects and arrays; the root object is 1
};

struct Position {
  std::uint32_t line = 1;    // 1-based
  std::uint32_t column = 1;  // 1-based, in bytes from the start of the line
  std::uint64_t offset = 0;  // 0-based byte offset
};

// The position of `offset` in `text`, given the position of text[0].
[[nodiscard]] Position position_in(std::string_view text, std::size_t offset,
                                   Position start = {});

enum class JsonErrorKind : std::uint8_t {
  None,
  Syntax,    // not JSON, truncated, trailing data, NUL byte
  Encoding,  // invalid UTF-8
  TooDeep,   // nesting depth over JsonLimits::max_depth
  TooLarge,  // text longer than JsonLimits::max_bytes
  Duplicate, // an object with the same member name twice
};

struct JsonError {
  JsonErrorKind kind = JsonErrorKind::None;
  Position where;
  std::string message;  // what is wrong, without the position
  // Duplicate: the FHIRPath of the repeated member, from the root resource
  // ("Bundle.entry[0].resource.item[1].sequence"; "$" stands for a root without resourceType).
  std::string path;
};

// The error for a JSON text of `size` bytes, over the limit of `max`, that starts at `start`.
[[nodiscard]] JsonError too_large(std::size_t size, std::size_t max, Position start);

// "line 3, column 14 (byte offset 45)"
[[nodiscard]] std::string describe(const Position& p);

using Value = rapidjson::Value;

class JsonDocument {
 public:
  JsonDocument();
  ~JsonDocument();
  JsonDocument(const JsonDocument&) = delete;
  JsonDocument& operator=(const JsonDocument&) = delete;

  // Parses `text`. On failure returns false and fills `err`; root() is then null.
  [[nodiscard]] bool parse(std::string_view text, const JsonLimits& limits, JsonError& err,
                           Position start = {});

  [[nodiscard]] const Value& root() const { return doc_; }

  // True when `v` (a string in the DOM) was written as a JSON number in the text.
  [[nodiscard]] bool is_number(const Value& v) const noexcept;

  // Byte offset (0-based, in the parsed text) where a DOM string or number begins: for a
  // string, the offset just after its opening quote. -1 when `v` is not a string or number
  // of this document.
  [[nodiscard]] std::ptrdiff_t offset_of(const Value& v) const noexcept;

  // `v` (a value of this document) as compact JSON, appended to `out`: a faithful
  // re-serialisation, numbers written exactly as their source text (not as strings), strings
  // re-escaped, member order and everything else kept.
  void write(const Value& v, std::string& out) const;

 private:
  std::vector<char> buf_;  // the text copy, NUL terminated; DOM strings point into it
  std::unique_ptr<char[]> pool_buf_;
  rapidjson::MemoryPoolAllocator<> pool_;
  rapidjson::Document doc_;
};

// Text accessors that never assert: every one checks the type first.
[[nodiscard]] inline std::string_view str(const Value& v) noexcept {
  return v.IsString() ? std::string_view(v.GetString(), v.GetStringLength()) : std::string_view();
}
[[nodiscard]] inline std::string_view str(const Value* v) noexcept { return v ? str(*v) : std::string_view(); }
[[nodiscard]] inline std::string_view key(const Value::ConstMemberIterator& m) noexcept {
  return std::string_view(m->name.GetString(), m->name.GetStringLength());
}
// The member named `name` of an object, or nullptr (also when `obj` is not an object).
[[nodiscard]] const Value* member(const Value& obj, std::string_view name) noexcept;

}  // namespace cg::fhir
