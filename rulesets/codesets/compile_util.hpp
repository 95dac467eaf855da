// Text helpers shared by the code-set compilers (icd10cm_compiler.cpp, procedure_compiler.cpp).
// Not public API.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace cg::codesets {

inline std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t' || s.front() == '\r')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r' || s.back() == '\n'))
    s.remove_suffix(1);
  return s;
}

// Lines without their LF / CRLF.
inline std::vector<std::string_view> split_lines(std::string_view text) {
  std::vector<std::string_view> lines;
  std::size_t pos = 0;
  while (pos < text.size()) {
    std::size_t nl = text.find('\n', pos);
    if (nl == std::string_view::npos) nl = text.size();
    std::string_view line = text.substr(pos, nl - pos);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    lines.push_back(line);
    pos = nl + 1;
  }
  return lines;
}

inline std::vector<std::string_view> split(std::string_view s, char sep) {
  std::vector<std::string_view> out;
  std::size_t pos = 0;
  for (;;) {
    const std::size_t p = s.find(sep, pos);
    if (p == std::string_view::npos) {
      out.push_back(s.substr(pos));
      return out;
    }
    out.push_back(s.substr(pos, p - pos));
    pos = p + 1;
  }
}

// "fy2021/x.txt.xz" out of ".../icd10cm/fy2021/x.txt.xz" (for messages stored in the index).
inline std::string short_path(const std::string& path) {
  const auto a = path.rfind('/');
  if (a == std::string::npos || a == 0) return path;
  const auto b = path.rfind('/', a - 1);
  return b == std::string::npos ? path : path.substr(b + 1);
}

// "file:line: " for error messages.
inline std::string at_line(const std::string& file, std::size_t line) {
  return file + ":" + std::to_string(line) + ": ";
}

// NUL-terminated strings referenced by byte offset; offset 0 is "".
class StringPool {
 public:
  StringPool() { data_.push_back('\0'); }
  std::uint32_t add(std::string_view s) {
    if (s.empty()) return 0;
    auto it = index_.find(std::string(s));
    if (it != index_.end()) return it->second;
    const auto off = static_cast<std::uint32_t>(data_.size());
    data_.append(s);
    data_.push_back('\0');
    index_.emplace(std::string(s), off);
    return off;
  }
  const std::string& data() const { return data_; }

 private:
  std::string data_;
  std::unordered_map<std::string, std::uint32_t> index_;
};

}  // namespace cg::codesets
