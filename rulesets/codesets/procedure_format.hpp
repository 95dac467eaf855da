// The procedure code sets' part of a compiled index (*.cgx): ICD-10-PCS, HCPCS Level II codes
// and modifiers, and a licensee's CPT, as sections of their own in the same file as the
// ICD-10-CM sections (icd10cm_format.hpp: same header, section table and string rules). The
// ICD-10-CM loader skips these ids; ProcedureCodes reads them. Not public API.
#pragma once

#include <cstdint>

namespace cg::codesets::pfmt {

enum SectionId : std::uint32_t {
  kStrings = 0x100,  // NUL-terminated strings, referenced by byte offset
  kReleases,         // Release[], sorted by (catalog, from_days)
  kCodes,            // Code[], sorted by (catalog, key)
  kTitles,           // Title[]
  kDates,            // Dates[] (HCPCS ADD DT / TERM DT per release file)
  kSuccessors,       // std::uint32_t code indexes
};

inline constexpr std::uint32_t kMaxReleases = 32;  // per catalog: release sets are u32 masks
inline constexpr std::int32_t kNoDate = INT32_MIN;

struct Release {
  std::uint32_t catalog;  // codesets::ProcedureCatalog (never HcpcsModifier: modifiers share Hcpcs)
  std::uint32_t name;
  std::int32_t from_days;
  std::int32_t to_days;     // inclusive
  std::uint32_t derivation; // "" for a release read from its own file
  std::uint32_t pad;
};

// Bit r of a mask is the catalog's r-th release (by date).
struct Code {
  std::uint64_t key;        // code_key.hpp pack_code: big-endian characters, prefix order
  std::uint32_t catalog;
  std::uint32_t present;    // listed in the release (an order-file header row counts)
  std::uint32_t valid;      // a code valid for submission in the release
  std::uint32_t title_begin;
  std::uint32_t date_begin;
  std::uint32_t succ_begin;
  std::uint16_t title_count;
  std::uint16_t date_count;
  std::uint16_t succ_count;
  std::uint16_t pad;
};
static_assert(sizeof(Code) == 40);

struct Title {
  std::uint32_t from_release;  // applies from this release until the next Title of the code
  std::uint32_t short_title;
  std::uint32_t long_title;
};

struct Dates {
  std::uint32_t release;
  std::int32_t add_days;   // ADD DT, kNoDate when blank
  std::int32_t term_days;  // TERM DT (last day of use), kNoDate when blank
};

}  // namespace cg::codesets::pfmt
