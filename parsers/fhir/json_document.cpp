#include "parsers/fhir/json_document.hpp"

#include <rapidjson/error/en.h>
#include <rapidjson/reader.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <algorithm>
#include <cstring>
#include <string>

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

// Forwards SAX events to the DOM builder. Stops the parse when the nesting gets too deep, and
// notes the first object that holds the same member name twice (RFC 8259 leaves such an object
// to the reader's choice; FHIR JSON never has one), with the path to that member.
class Guard {
 public:
  Guard(rapidjson::Document& doc, unsigned max_depth) : doc_(doc), max_depth_(max_depth) {}

  bool Null() { return value() && doc_.Null(); }
  bool Bool(bool b) { return value() && doc_.Bool(b); }
  bool Int(int i) { return value() && doc_.Int(i); }
  bool Uint(unsigned u) { return value() && doc_.Uint(u); }
  bool Int64(std::int64_t i) { return value() && doc_.Int64(i); }
  bool Uint64(std::uint64_t u) { return value() && doc_.Uint64(u); }
  bool Double(double d) { return value() && doc_.Double(d); }
  bool RawNumber(const char* s, rapidjson::SizeType n, bool copy) { return value() && doc_.RawNumber(s, n, copy); }
  bool String(const char* s, rapidjson::SizeType n, bool copy) { return value() && doc_.String(s, n, copy); }
  bool Key(const char* s, rapidjson::SizeType n, bool copy) {
    keys_.emplace_back(s, n);
    return doc_.Key(s, n, copy);
  }
  bool StartObject() { return value() && enter(true) && doc_.StartObject(); }
  bool EndObject(rapidjson::SizeType n) {
    if (!duplicate_.data()) check_duplicates();
    keys_.resize(frames_.back().first_key);
    frames_.pop_back();
    return doc_.EndObject(n);
  }
  bool StartArray() { return value() && enter(false) && doc_.StartArray(); }
  bool EndArray(rapidjson::SizeType n) {
    frames_.pop_back();
    return doc_.EndArray(n);
  }

  [[nodiscard]] bool too_deep() const { return too_deep_; }
  // The second occurrence of the first repeated member name (in situ), and its path from the
  // root (".item[1].sequence"); data() null when every object has distinct names.
  [[nodiscard]] std::string_view duplicate() const { return duplicate_; }
  [[nodiscard]] const std::string& duplicate_path() const { return duplicate_path_; }

 private:
  struct Frame {
    bool object;
    std::uint32_t first_key;  // objects: index of its first member name in keys_
    std::uint32_t elements;   // arrays: elements begun so far
  };

  // Counts array elements, for the path of a duplicate.
  bool value() {
    if (!frames_.empty() && !frames_.back().object) ++frames_.back().elements;
    return true;
  }
  bool enter(bool object) {
    if (frames_.size() + 1 > max_depth_) {
      too_deep_ = true;
      return false;
    }
    frames_.push_back(Frame{object, static_cast<std::uint32_t>(keys_.size()), 0});
    return true;
  }

  void check_duplicates() {
    const std::size_t b = frames_.back().first_key, n = keys_.size() - b;
    if (n < 2) return;
    std::string_view second;  // the earliest second occurrence in the text
    if (n <= 16) {
      for (std::size_t j = b + 1; j < keys_.size() && !second.data(); ++j)
        for (std::size_t i = b; i < j; ++i)
          if (keys_[i] == keys_[j]) {
            second = keys_[j];
            break;
          }
    } else {
      // Large objects: sorted, so a crafted object with many members stays O(n log n).
      sorted_.assign(keys_.begin() + static_cast<std::ptrdiff_t>(b), keys_.end());
      std::sort(sorted_.begin(), sorted_.end(), [](std::string_view x, std::string_view y) {
        return x != y ? x < y : x.data() < y.data();
      });
      for (std::size_t i = 1; i < n; ++i)
        if (sorted_[i] == sorted_[i - 1] && (!second.data() || sorted_[i].data() < second.data())) second = sorted_[i];
    }
    if (!second.data()) return;
    duplicate_ = second;
    // Path: in each enclosing object the member being read is its last name so far.
    for (std::size_t f = 0; f + 1 < frames_.size(); ++f) {
      if (frames_[f].object) {
        duplicate_path_ += '.';
        duplicate_path_ += keys_[frames_[f + 1].first_key - 1];
      } else {
        duplicate_path_ += '[' + std::to_string(frames_[f].elements - 1) + ']';
      }
    }
    duplicate_path_ += '.';
    duplicate_path_ += second;
  }

  rapidjson::Document& doc_;
  unsigned max_depth_;
  std::vector<Frame> frames_;
  std::vector<std::string_view> keys_;  // member names of the open objects, in situ
  std::vector<std::string_view> sorted_;
  bool too_deep_ = false;
  std::string_view duplicate_;
  std::string duplicate_path_;
};

struct Generator {
  char* text;
  unsigned max_depth;
  rapidjson::ParseResult result;
  bool too_deep = false;
  bool ascii = false;
  std::string_view duplicate;
  std::string duplicate_path;

  bool operator()(rapidjson::Document& doc) {
    Guard guard(doc, max_depth);
    rapidjson::InsituStringStream is(text);
    rapidjson::Reader reader;
    result = ascii ? reader.Parse<kParseFlagsAscii>(is, guard) : reader.Parse<kParseFlags>(is, guard);
    too_deep = guard.too_deep();
    duplicate = guard.duplicate();
    duplicate_path = guard.duplicate_path();
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

JsonError too_large(std::size_t size, std::size_t max, Position start) {
  JsonError err;
  err.kind = JsonErrorKind::TooLarge;
  err.where = start;
  err.message = "the JSON text is " + std::to_string(size) + " bytes long; the limit is " + std::to_string(max) + " bytes";
  return err;
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
    err = too_large(text.size(), limits.max_bytes, start);
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

  Generator gen{buf_.data(), limits.max_depth, {}, false, is_ascii(text), {}, {}};
  doc_.Populate(gen);
  if (!gen.result.IsError() && !gen.duplicate.data()) return true;
  if (!gen.result.IsError()) {
    // Which of the two values counts would be a guess: the whole text is refused.
    const std::string_view type = str(member(doc_, "resourceType"));
    doc_.SetNull();
    err.kind = JsonErrorKind::Duplicate;
    err.where = position_in(text, static_cast<std::size_t>(gen.duplicate.data() - buf_.data()), start);
    err.path = std::string(type.empty() ? "$" : type) + gen.duplicate_path;
    err.message = "the member \"" + std::string(gen.duplicate.substr(0, 64)) + "\" appears twice in one object (" +
                  err.path + "); each name may appear once, and which value counts would be a guess";
    return false;
  }

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

namespace {

template <class W>
void write_value(const JsonDocument& doc, const Value& v, W& w) {
  switch (v.GetType()) {
    case rapidjson::kObjectType:
      w.StartObject();
      for (auto m = v.MemberBegin(); m != v.MemberEnd(); ++m) {
        w.Key(m->name.GetString(), m->name.GetStringLength());
        write_value(doc, m->value, w);
      }
      w.EndObject();
      return;
    case rapidjson::kArrayType:
      w.StartArray();
      for (const auto& e : v.GetArray()) write_value(doc, e, w);
      w.EndArray();
      return;
    case rapidjson::kStringType:
      if (doc.is_number(v)) w.RawValue(v.GetString(), v.GetStringLength(), rapidjson::kNumberType);
      else w.String(v.GetString(), v.GetStringLength());
      return;
    default:
      v.Accept(w);  // null, true, false (numbers are strings in this DOM)
  }
}

}  // namespace

void JsonDocument::write(const Value& v, std::string& out) const {
  rapidjson::StringBuffer buf;
  rapidjson::Writer<rapidjson::StringBuffer> w(buf);
  write_value(*this, v, w);
  out.append(buf.GetString(), buf.GetSize());
}

}  // namespace cg::fhir
