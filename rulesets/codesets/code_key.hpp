// ICD-10-CM codes as 64-bit keys: up to 7 characters, no dot, upper case, packed big-endian
// (first character in the top byte) so that integer order is code order and a prefix is a mask.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace cg::codesets {

inline constexpr int kMaxCodeLen = 7;

// Normalizes "m54.5 " -> "M545" into out; returns the length, or 0 when it is not code-shaped
// (3..7 letters/digits after removing blanks at the ends and dots; first a letter).
inline int normalize_code(std::string_view in, char (&out)[8]) noexcept {
  std::size_t b = 0, e = in.size();
  while (b < e && (in[b] == ' ' || in[b] == '\t' || in[b] == '\r' || in[b] == '\n')) ++b;
  while (e > b && (in[e - 1] == ' ' || in[e - 1] == '\t' || in[e - 1] == '\r' || in[e - 1] == '\n')) --e;
  int n = 0;
  for (std::size_t i = b; i < e; ++i) {
    char c = in[i];
    if (c == '.') continue;
    if (c >= 'a' && c <= 'z') c = static_cast<char>(c - 'a' + 'A');
    const bool ok = (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
    if (!ok || n == kMaxCodeLen) return 0;
    out[n++] = c;
  }
  if (n < 3 || !(out[0] >= 'A' && out[0] <= 'Z')) return 0;
  out[n] = '\0';
  return n;
}

inline constexpr std::uint64_t pack_code(const char* s, int n) noexcept {
  std::uint64_t k = 0;
  for (int i = 0; i < 8; ++i) k = (k << 8) | (i < n ? static_cast<unsigned char>(s[i]) : 0u);
  return k;
}

inline std::uint64_t code_key(std::string_view s) noexcept {
  char buf[8];
  const int n = normalize_code(s, buf);
  return n == 0 ? 0 : pack_code(buf, n);
}

inline constexpr int key_len(std::uint64_t k) noexcept {
  int n = 0;
  while (n < 8 && ((k >> (56 - 8 * n)) & 0xFF) != 0) ++n;
  return n;
}

inline constexpr std::uint64_t key_prefix(std::uint64_t k, int n) noexcept {
  return n <= 0 ? 0 : n >= 8 ? k : k & ~(~0ull >> (8 * n));
}

inline constexpr char key_char(std::uint64_t k, int i) noexcept {
  return static_cast<char>((k >> (56 - 8 * i)) & 0xFF);
}

inline std::string key_string(std::uint64_t k) {  // "M545"
  std::string s;
  for (int i = 0; i < 8 && key_char(k, i) != 0; ++i) s.push_back(key_char(k, i));
  return s;
}

inline std::string key_dotted(std::uint64_t k) {  // "M54.5"
  std::string s = key_string(k);
  if (s.size() > 3) s.insert(3, 1, '.');
  return s;
}

inline std::string dotted_code(std::string_view nodot) {
  std::string s(nodot);
  if (s.size() > 3) s.insert(3, 1, '.');
  return s;
}

}  // namespace cg::codesets
