#include "parsers/fhir/json_document.hpp"

#include <rapidjson/error/en.h>
#include <rapidjson/reader.h>

#include <cstring>

namespace cg::fhir {
namespace {

constexpr std::size_t kPoolBytes = 64u << 10;
constexpr std::size_t kSimdPadding = 16;  // DOM of a typical Claim fits: no malloc
constexpr unsigned kParseFlags = rapidjson::kParseInsituFlag | rapidjson::kParseValidateEncodingFlag |
                                 rapidjson::kParseIterativeFlag |
                                 rapidjson::kParseNumbersAsStringsFlag;
// Pure ASCII text cannot hold invalid UTF-8: it is parsed without encoding validation, which
// keeps RapidJSON's SSE4.2 string scanning on.
constexpr unsigned kParseFlagsAscii = kParseFlags & ~static_cast<unsigned>(rapidjson::kParseValidateEncodingFlag);

bool is_ascii(std::string_view text) {
  unsigned char any = 0;
  for (unsigned char c : text) any |= c;  // vectorized by the compiler
  return (any & 0x80u) == 0;
}

// Forwards SAX events to the DOM builder and stops the parse when the nesting gets too deep.
class DepthGuard {
 public:
  DepthGuard(rapidjson::Document& doc, unsigned max_depth) : doc_(doc), max_depth_(max_depth) {}

  bool Null() { return doc_.Null(); }
  bool Bool(bool b) { return doc_.Bool(b); }
  bool Int(int i) { return doc_.Int(i); }
  bool Uint(unsigned u) { return doc_.Uint(u); }
  bool Int64(std::int64_t i) { return doc_.Int64(i); }
  bool Uint64(std::uint64_t u) { return doc_.Uint64(u); }
  bool Double(double d) { return doc_.Double(d); }
  bool RawNumber(const char* s, rapidjson::SizeType n, bool copy) { return doc_.RawNumber(s, n, copy); }
  bool String(const char* s, rapidjson::SizeType n, bool copy) { return doc_.String(s, n, copy); }
  bool Key(const char* s, rapidjson::SizeType n, bool copy) { return doc_.Key(s, n, copy); }
  bool StartObject() { return enter() && doc_.StartObject(); }
  bool EndObject(rapidjson::SizeType n) {
    --depth_;
    return doc_.EndObject(n);
  }
  bool StartArray() { return enter() && doc_.StartArray(); }
  bool EndArray(rapidjson::SizeType n) {
    --depth_;
    return doc_.EndArray(n);
  }

  [[nodiscard]] bool too_deep() const { return too_deep_; }

 private:
  bool enter() {
    if (++depth_ > max_depth_) {
      too_deep_ = true;
      return false;
    }
    return true;
  }

  rapidjson::Document& doc_;
  unsigned max_depth_;
  unsigned depth_ = 0;
  bool too_deep_ = false;
};

struct Generator {
  char* text;
  unsigned max_depth;
  rapidjson::ParseResult result;
  bool too_deep = false;
  bool ascii = false;

  bool operator()(rapidjson::Document& doc) {
    DepthGuard guard(doc, max_depth);
    rapidjson::InsituStringStream is(text);
    rapidjson::Reader reader;
    result = ascii ? reader.Parse<kParseFlagsAscii>(is, guard) : reader.Parse<kParseFlags>(is, guard);
    too_deep = guard.too_deep();
    return !result.IsError();
  }
};

}  // namespace

Position position_in(std::string_view text, std::size_t offset, Position start) {
  if (offset > text.size()) offset = text.size();
  Position p = start;
  p.offset = start.offset + offset;
  std::size_t line_begin = 0;
  bool moved = false;
  for (std::size_t i = 0; i < offset; ++i) {
    if (text[i] == '\n') {
      ++p.line;
      line_begin = i + 1;
      moved = true;
    }
  }
  p.column = moved ? static_cast<std::uint32_t>(offset - line_begin + 1)
                   : static_cast<std::uint32_t>(start.column + offset);
  return p;
}

std::string describe(const Position& p) {
  return "line " + std::to_string(p.line) + ", column " + std::to_string(p.column) +
         " (byte offset " + std::to_string(p.offset) + ")";
}

const Value* member(const Value& obj, std::string_view name) noexcept {
  if (!obj.IsObject()) return nullptr;
  for (auto m = obj.MemberBegin(); m != obj.MemberEnd(); ++m)
    if (key(m) == name) return &m->value;
  return nullptr;
}

JsonDocument::JsonDocument()
    : pool_buf_(new char[kPoolBytes]), pool_(pool_buf_.get(), kPoolBytes), doc_(&pool_) {}

JsonDocument::~JsonDocument() = default;

bool JsonDocument::parse(std::string_view text, const JsonLimits& limits, JsonError& err,
                         Position start) {
  doc_.SetNull();
  pool_.Clear();
  err = JsonError{};
  if (text.size() > limits.max_bytes) {
    err.kind = JsonErrorKind::TooLarge;
    err.where = start;
    err.message = "the JSON text is " + std::to_string(text.size()) +
                  " bytes long; the limit is " + std::to_string(limits.max_bytes) + " bytes";
    return false;
  }
  // RapidJSON reads a NUL as the end of the text: refuse embedded NULs explicitly.
  if (const void* nul = std::memchr(text.data(), '\0', text.size())) {
    err.kind = JsonErrorKind::Syntax;
    err.where = position_in(text, static_cast<std::size_t>(static_cast<const char*>(nul) - text.data()), start);
    err.message = "NUL byte in the JSON text (is it UTF-16?); expected UTF-8 JSON";
    return false;
  }
  // NUL terminated, plus padding: RapidJSON's SSE4.2 whitespace skipping loads whole aligned
  // 16-byte blocks and may read up to 15 bytes past the terminator.
  buf_.resize(text.size() + 1 + kSimdPadding);
  if (!text.empty()) std::memcpy(buf_.data(), text.data(), text.size());
  std::memset(buf_.data() + text.size(), 0, 1 + kSimdPadding);

  Generator gen{buf_.data(), limits.max_depth, {}, false, is_ascii(text)};
  doc_.Populate(gen);
  if (!gen.result.IsError()) return true;

  doc_.SetNull();
  std::size_t off = gen.result.Offset();
  if (gen.too_deep) {
    // The iterative parser stops on the '[' or '{' that opens the level too many.
    err.kind = JsonErrorKind::TooDeep;
    err.message = "JSON nesting deeper than the limit of " + std::to_string(limits.max_depth) +
                  " levels";
  } else if (gen.result.Code() == rapidjson::kParseErrorStringInvalidEncoding) {
    err.kind = JsonErrorKind::Encoding;
    err.message = "invalid UTF-8 byte sequence in a string; FHIR JSON must be UTF-8";
  } else {
    err.kind = JsonErrorKind::Syntax;
    err.message = rapidjson::GetParseError_En(gen.result.Code());
    if (!err.message.empty() && err.message.back() == '.') err.message.pop_back();
    if (gen.result.Code() == rapidjson::kParseErrorDocumentEmpty && !text.empty())
      err.message = "no JSON value: the text is only blanks";
  }
  err.where = position_in(text, off, start);
  return false;
}

bool JsonDocument::is_number(const Value& v) const noexcept {
  if (!v.IsString()) return false;
  const char* p = v.GetString();
  const char* b = buf_.data();
  if (p <= b || p >= b + buf_.size()) return false;
  // In situ, a string's characters start right after its opening quote; a number's text
  // starts after ':', ',', '[' or a blank.
  return p[-1] != '"';
}

std::ptrdiff_t JsonDocument::offset_of(const Value& v) const noexcept {
  if (!v.IsString()) return -1;
  const char* p = v.GetString();
  const char* b = buf_.data();
  if (p < b || p >= b + buf_.size()) return -1;
  return p - b;
}

}  // namespace cg::fhir
