// The on-disk layout of a compiled ICD-10-CM index (`claimgate code-set build` output, *.cgx).
// Shared by the compiler (icd10cm_compiler.cpp) and the loader (icd10cm.cpp); not public API.
//
// File: FileHeader, then SectionEntry[section_count], then the sections, each 8-byte aligned.
// All integers little-endian (the only target is x86-64/aarch64 little-endian Linux). Strings
// live NUL-terminated in the kStrings section and are referenced by byte offset.
// payload_hash covers every byte after the header (corruption check at load).
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string_view>

namespace cg::codesets::fmt {

inline constexpr char kMagic[8] = {'C', 'G', 'X', 'I', 'C', 'D', '1', '0'};
inline constexpr std::uint32_t kFormatVersion = 3;
inline constexpr std::uint32_t kNone = 0xFFFFFFFFu;
inline constexpr std::size_t kMaxReleases = 32;  // release sets are u32 bit masks

struct FileHeader {
  char magic[8];
  std::uint32_t version;
  std::uint32_t section_count;
  std::uint64_t file_size;
  std::uint64_t payload_hash;
};

enum SectionId : std::uint32_t {
  kStrings = 1,
  kReleases,
  kCodes,
  kTitles,
  kSuccessors,
  kTabulars,
  kNodes,
  kRefs,
  kSevenDefs,
  kSevenChars,
  kMceVersions,
  kMceEntries,
  kPredecessors,
  kPredecessorRefs,
  kPoaLists,
  kPoaEntries,
  kSectionLimit,
};

struct SectionEntry {
  std::uint32_t id;
  std::uint32_t elem_size;
  std::uint64_t offset;  // from the start of the file
  std::uint64_t count;   // elements
};

struct Release {
  std::uint32_t name;
  std::int32_t from_days;  // Date::days()
  std::int32_t to_days;    // inclusive
  std::uint32_t derivation;  // string: how the code set was obtained ("" = its own order file)
};

// One per code ever listed in a loaded order file (all lengths 3..7), sorted by key.
// Bit r of a mask is release r (releases sorted by effective date).
struct Code {
  std::uint64_t key;
  std::uint32_t present;
  std::uint32_t billable;
  std::uint32_t needs7;  // header whose every descendant is a 7-character code
  std::uint32_t title_begin;
  std::uint32_t succ_begin;
  std::uint16_t title_count;
  std::uint16_t succ_count;
};

struct Title {
  std::uint32_t from_release;  // applies from this release until the next Title of the code
  std::uint32_t short_title;
  std::uint32_t long_title;
};

// Successors: std::uint32_t code indexes (conversion tables: codes that list this one as their
// previous assignment).

// Predecessors: the conversion-table "previous code(s)" of a code (what to use before it took
// effect), sorted by code; refs in the kPredecessorRefs section (fmt::Ref, note unused).
struct Predecessor {
  std::uint32_t code;  // code index
  std::uint32_t ref_begin;
  std::uint32_t ref_count;
  std::uint32_t pad;
};

struct Tabular {
  std::uint32_t name;     // release name of the tabular XML
  std::uint32_t release;  // index of that release
  std::uint32_t node_begin;
  std::uint32_t node_count;
};

inline constexpr std::uint32_t kNodeManifestation = 1u << 0;  // "in diseases classified elsewhere"
inline constexpr std::uint32_t kNodeCodeFirst = 1u << 1;
inline constexpr std::uint32_t kNodeSection = 1u << 2;
inline constexpr std::uint32_t kNodeChapter = 1u << 3;
inline constexpr int kNodeChapterShift = 8;  // bits 8..15: chapter number

// A diag, section or chapter of one tabular XML; sorted by key within its tabular. Sections and
// chapters get synthetic keys with the top byte 0xFF (after every code).
struct Node {
  std::uint64_t key;
  std::uint32_t parent;  // node index (global), kNone at a chapter
  std::uint32_t name;    // "M43.0", "M40-M43", "13"
  std::uint32_t e1_begin;  // Excludes1 refs, then the Excludes2 refs right after them
  std::uint16_t e1_count;
  std::uint16_t e2_count;
  std::uint32_t seven;  // SevenDef index or kNone
  std::uint32_t flags;
};
static_assert(sizeof(Node) == 32);

inline constexpr std::uint32_t kRefPrefix = 1u << 0;
inline constexpr std::uint32_t kRefRange = 1u << 1;

struct Ref {
  std::uint64_t first;
  std::uint64_t last;  // 0 unless kRefRange
  std::uint32_t note;
  std::uint32_t flags;
  std::uint64_t with = 0;  // WithPattern::pack(): the "with" form of a note, 0 = none
};

// The "with" form of an Excludes note, "(E08-E13 with .42)", "(I69. with final characters
// -20)", "(M51.- with fifth character 4)": besides matching first/last, the code's characters
// at `pos` (0-based, in the code without its dot) or its final characters equal `lo`, or lie
// between `lo` and `hi` ("(E08-E13 with .51-.52)"). Packed in 64 bits: mode 2, pos 3, len 2,
// lo and hi 3 characters of 6 bits each.
struct WithPattern {
  enum Mode : std::uint8_t { kNone = 0, kAt = 1, kFinal = 2 };
  Mode mode = kNone;
  int pos = 0;
  int len = 0;
  char lo[3] = {}, hi[3] = {};

  static std::uint64_t enc(char c) {
    return c >= '0' && c <= '9' ? static_cast<std::uint64_t>(c - '0' + 1)
           : c >= 'A' && c <= 'Z' ? static_cast<std::uint64_t>(c - 'A' + 11) : 0;
  }
  static char dec(std::uint64_t v) {
    return v >= 1 && v <= 10 ? static_cast<char>('0' + v - 1) : v >= 11 && v <= 36 ? static_cast<char>('A' + v - 11) : 0;
  }
  std::uint64_t pack() const {
    if (mode == kNone) return 0;
    std::uint64_t v = static_cast<std::uint64_t>(mode) | static_cast<std::uint64_t>(pos & 7) << 2 |
                      static_cast<std::uint64_t>(len & 3) << 5;
    for (int i = 0; i < 3; ++i) v |= enc(lo[i]) << (7 + 6 * i) | enc(hi[i]) << (25 + 6 * i);
    return v;
  }
  static WithPattern unpack(std::uint64_t v) {
    WithPattern w;
    w.mode = static_cast<Mode>(v & 3);
    w.pos = static_cast<int>((v >> 2) & 7);
    w.len = static_cast<int>((v >> 5) & 3);
    for (int i = 0; i < 3; ++i) {
      w.lo[i] = dec((v >> (7 + 6 * i)) & 63);
      w.hi[i] = dec((v >> (25 + 6 * i)) & 63);
    }
    return w;
  }
  // `chars`/`n`: the code without its dot.
  bool matches(const char* chars, int n) const {
    if (mode == kNone) return true;
    const int start = mode == kFinal ? n - len : pos;
    if (len <= 0 || start < 0 || start + len > n) return false;
    bool ge = true, le = true, eq_lo = true, eq_hi = true;
    for (int i = 0; i < len; ++i) {
      const char c = chars[start + i];
      if (eq_lo && c != lo[i]) { ge = c > lo[i]; eq_lo = false; }
      if (eq_hi && c != hi[i]) { le = c < hi[i]; eq_hi = false; }
    }
    return ge && le;
  }
};

struct SevenDef {
  std::uint32_t begin;  // SevenChar index
  std::uint32_t count;
};

struct SevenChar {
  std::uint32_t meaning;
  std::uint32_t ch;
};

struct MceVersion {
  std::uint32_t name;  // "MCE v37"
  std::int32_t from_days;
};

inline constexpr std::uint8_t kMceAgeNone = 0, kMceNewborn = 1, kMcePediatric = 2,
                              kMceMaternity = 3, kMceAdult = 4;
inline constexpr std::uint8_t kMceSexAny = 0, kMceMale = 1, kMceFemale = 2;
inline constexpr std::uint8_t kMcePrincipalManifestation = 1;

struct MceEntry {  // sorted by (key, version)
  std::uint64_t key;
  std::uint32_t version;
  std::uint8_t age;
  std::uint8_t sex;
  std::uint8_t flags;
  std::uint8_t pad;
};

// POA-exempt lists (CMS), sorted by effective date; at most 32 (entries carry a bit mask).
struct PoaList {
  std::uint32_t name;  // "FY2026"
  std::int32_t from_days;
};
inline constexpr std::size_t kMaxPoaLists = 32;

struct PoaEntry {  // one per code on any list, sorted by key
  std::uint64_t key;
  std::uint32_t lists;  // bit l: on list l
  std::uint32_t pad;
};

// 64-bit hash of the payload, 8 bytes at a time (the tail zero-padded).
inline std::uint64_t payload_hash(const unsigned char* p, std::size_t n) {
  // Four independent lanes so the multiplies overlap.
  std::uint64_t h = 0x9E3779B97F4A7C15ull ^ n, h1 = 1, h2 = 2, h3 = 3;
  std::size_t i = 0;
  for (; i + 32 <= n; i += 32) {
    std::uint64_t w[4];
    std::memcpy(w, p + i, sizeof w);
    h = (h ^ w[0]) * 0xff51afd7ed558ccdull;
    h1 = (h1 ^ w[1]) * 0xff51afd7ed558ccdull;
    h2 = (h2 ^ w[2]) * 0xff51afd7ed558ccdull;
    h3 = (h3 ^ w[3]) * 0xff51afd7ed558ccdull;
    h ^= h >> 29;
    h1 ^= h1 >> 29;
    h2 ^= h2 >> 29;
    h3 ^= h3 >> 29;
  }
  h ^= h1 * 3 + h2 * 5 + h3 * 7;
  for (; i + 8 <= n; i += 8) {
    std::uint64_t w;
    std::memcpy(&w, p + i, sizeof w);
    h = (h ^ w) * 0xff51afd7ed558ccdull;
    h ^= h >> 29;
  }
  std::uint64_t w = 0;
  for (std::size_t j = n; j > i; --j) w = (w << 8) | p[j - 1];
  h = (h ^ w) * 0xc4ceb9fe1a85ec53ull;
  return h ^ (h >> 32);
}

}  // namespace cg::codesets::fmt
