// The ICD-10-CM code set: every loaded release (FY2016 .. newest, with the mid-year updates)
// compiled from the official CMS/CDC files into one immutable, date-aware index.
//
// Contract
// - Codes are accepted with or without the dot, any case, surrounding blanks ignored.
// - `status()` is the hot path: no allocation, a hash/sorted probe; safe from any thread.
// - `lookup()` builds the full explanation (titles, children, replacements ...): it allocates
//   and is meant for findings and the `claimgate code` command.
// - An Icd10Index is immutable once loaded; share it as std::shared_ptr<const Icd10Index>.
// - Loading never throws on a bad file: it returns an error string naming the file and the
//   problem.
#pragma once

#include "rulesets/codesets/procedure_codes.hpp"
#include "rulesets/core/date.hpp"

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace cg::codesets {

using rules::Date;

enum class CodeStatus : std::uint8_t {
  Billable,          // a leaf code valid on the date
  Header,            // exists on the date but has children: not billable
  NotYetEffective,   // first appears in a later release than the one in force
  Deleted,           // was valid in an earlier release, absent from the one in force
  InvalidExtension,  // 7th character missing, not allowed, not defined, or bad placeholder;
                     // also a header whose every code needs a 7th character (S32.010, W19)
  Unknown,           // never part of any loaded release (and not explained by the above)
};

[[nodiscard]] std::string_view to_string(CodeStatus s);  // billable, header, not-yet-effective, ...

struct ReleaseInfo {
  std::string name;  // "FY2022", "FY2022-APR", ...
  Date effective_from;
  Date effective_to;  // inclusive; for the newest release: the day before the next FY starts
  std::string derivation;  // empty for a release read from its own order file; else how it
                           // was derived ("derived from FY2021-JAN minus ...")
};

// The 7th-character explanation for InvalidExtension (and for any code whose category defines
// 7th characters).
struct SeventhCharRule {
  std::string defined_at;             // the code whose sevenChrDef applies ("S32.0")
  std::vector<char> allowed;          // 'A', 'B', 'D', 'G', 'K', 'S'; empty = takes none
  std::vector<std::string> meanings;  // parallel to allowed: "initial encounter for ..."
};

// An Excludes1/Excludes2 reference as parsed from the tabular note text.
struct CodeRef {
  std::string first;  // normalized, no dot: "M431" ; a single code when last is empty
  std::string last;   // range end ("D49") for "(C00-D49)"; empty for a single code / prefix
  bool prefix = false;  // "(M43.1-)": the code and all its descendants
  std::string note;   // the note text it came from, for messages
  std::string declared_at;  // the code or category the note sits under (with dot)
  // The "with" form ("(E08-E13 with .42)"): besides first/last, the code's characters must fit
  // this pattern (internal encoding, 0 = none); `with` says it in words ("with .42").
  std::uint64_t with_pattern = 0;
  std::string with;
  [[nodiscard]] bool matches(std::string_view normalized_code) const;
};

struct CodeExplanation {
  std::string code;   // as given, normalized with the dot ("M54.5")
  Date dos;
  std::string release;  // release in force on dos (name)
  bool release_in_force_loaded = true;  // false when dos is past the newest loaded release
  CodeStatus status = CodeStatus::Unknown;
  std::string title;       // long title in the release in force, else the latest known
  std::string short_title;
  std::vector<std::string> billable_children;  // for headers (with dots)
  std::optional<Date> effective_from;  // first day it is/was valid (NotYetEffective: when)
  std::optional<Date> last_valid;      // Deleted: last day it was valid
  std::optional<Date> header_since;    // Header: first day of its current run as a header
  std::optional<Date> billable_until;  // Header that was billable before: the last such day
  // What to report instead on dos: Deleted: the codes the conversion tables (or a change list)
  // name as its successors; NotYetEffective: the codes it replaced (the tables' "previous
  // code(s)"), billable on dos. Never guessed: see `related`.
  std::vector<std::string> replacements;
  // Deleted with no named successor: the billable codes under its nearest listed ancestor on
  // dos ("related codes": a starting point, not a replacement).
  std::vector<std::string> related;
  std::optional<SeventhCharRule> seventh;  // when a 7th-character rule applies to this code
  std::string extension_problem;  // InvalidExtension: "M51.A1 takes no 7th character", ...
  std::string corrected;  // InvalidExtension by a missing placeholder X: the code meant ("S06.0X1A")
  std::vector<CodeRef> excludes1;  // inherited down the tree
  std::vector<CodeRef> excludes2;
  bool manifestation = false;   // "in diseases classified elsewhere" / code-first convention
  std::string notes_release;    // which release's tabular the notes came from
};

// Age/sex edits from the CMS Medicare Code Editor lists: only the list of the MCE version in force
// on the date (each list is in force from its effective date to the next one's; the newest one
// for later dates too, with beyond_list set). Never an edit that list does not contain.
struct DemographicEdits {
  enum class Sex : std::uint8_t { Any, MaleOnly, FemaleOnly };
  Sex sex = Sex::Any;
  // Age range in years (inclusive) when the code is age-specific: newborn 0-0, pediatric 0-17,
  // maternity 12-55, adult 15-124; nullopt = no age edit.
  std::optional<std::pair<int, int>> age;
  std::string age_category;  // "newborn", "pediatric", "maternity", "adult"
  std::string source;        // "MCE v37" ...: the list in force on the date of service
  // True when the date is after the fiscal year of the newest loaded MCE list (that list was
  // used: no newer one is bundled); messages say so.
  bool beyond_list = false;
};

// Present-On-Admission reporting (837I HI0n-9, FHIR diagnosis.onAdmission): whether the code is
// on the CMS POA-exempt list in force on the date (the discharge / through date). Each list is in
// force from its effective date until the next one's; the newest for later dates too, with
// beyond_list set (no newer list is loaded).
struct PoaExemption {
  bool exempt = false;
  std::string list;  // "FY2026": the list in force; empty when no list is loaded for the date
  bool beyond_list = false;
};

class Icd10Index {
 public:
  // Loads a compiled index file (the output of `claimgate code-set build`).
  [[nodiscard]] static std::variant<std::shared_ptr<const Icd10Index>, std::string> load(
      const std::string& path);

  [[nodiscard]] CodeStatus status(std::string_view code, Date dos) const noexcept;
  [[nodiscard]] CodeExplanation lookup(std::string_view code, Date dos) const;

  // True when a and b are in an Excludes1 relation on dos (either direction, inherited notes,
  // ranges and prefixes). When true and `why` is non-null, *why gets the reference that matched.
  [[nodiscard]] bool excludes1(std::string_view a, std::string_view b, Date dos,
                               CodeRef* why = nullptr) const;
  // For checking many pairs (a claim's diagnoses): resolve each code's notes once with
  // notes_ref(), then test pairs without further lookups. Refs of different releases never
  // match (compare codes on one date).
  struct NotesRef {
    std::uint64_t key = 0;
    std::uint32_t node = 0xFFFFFFFFu;
    int release = -1;
  };
  [[nodiscard]] NotesRef notes_ref(std::string_view code, Date dos) const noexcept;
  [[nodiscard]] bool excludes1(const NotesRef& a, const NotesRef& b, CodeRef* why = nullptr) const;
  // The same without allocating: where the matching note sits and its text, as views into the
  // index.
  struct NoteView {
    std::string_view declared_at;  // "M43.0"
    std::string_view note;
  };
  [[nodiscard]] bool excludes1(const NotesRef& a, const NotesRef& b, NoteView* why) const noexcept;
  [[nodiscard]] bool is_manifestation(std::string_view code, Date dos) const noexcept;
  [[nodiscard]] DemographicEdits demographics(std::string_view code, Date dos) const;
  // The same without allocating (the rules' hot path): the strings view the index's own.
  struct DemographicsRef {
    DemographicEdits::Sex sex = DemographicEdits::Sex::Any;
    std::optional<std::pair<int, int>> age;
    std::string_view age_category;
    std::string_view source;
    bool beyond_list = false;
  };
  [[nodiscard]] DemographicsRef demographics_ref(std::string_view code, Date dos) const noexcept;

  // What the rules' per-claim facts need about one code on one date, from one parse and one
  // probe of the code: status(), notes_ref() and, when `demographics` is set and the code is
  // billable, demographics_ref(). No allocation.
  struct CodeProbe {
    CodeStatus status = CodeStatus::Unknown;
    NotesRef notes;
    std::optional<DemographicsRef> demographics;
  };
  [[nodiscard]] CodeProbe probe(std::string_view code, Date dos, bool demographics) const noexcept;
  [[nodiscard]] PoaExemption poa_exemption(std::string_view code, Date dos) const;

  // The tabular chapter number (1..22) of the code, from the tabular XML that applies on dos;
  // 0 when no tabular places it. See kChapter* for the chapters rules care about.
  [[nodiscard]] int chapter(std::string_view code, Date dos) const noexcept;
  static constexpr int kChapterMaternity = 15;      // O00-O9A pregnancy, childbirth, puerperium
  static constexpr int kChapterNewborn = 16;        // P00-P96 perinatal conditions
  static constexpr int kChapterExternalCause = 20;  // V00-Y99 external causes of morbidity

  [[nodiscard]] const std::vector<ReleaseInfo>& releases() const noexcept;
  [[nodiscard]] const ReleaseInfo* release_on(Date dos) const noexcept;  // nullptr before FY2016
  [[nodiscard]] bool beyond_newest(Date dos) const noexcept;  // dos after the newest release ends
  [[nodiscard]] std::size_t size_bytes() const noexcept;
  // The procedure code sets compiled into the same file (ICD-10-PCS, HCPCS, CPT); empty
  // catalogs when the index has none.
  [[nodiscard]] const ProcedureCodes& procedures() const noexcept;

  Icd10Index(const Icd10Index&) = delete;
  Icd10Index& operator=(const Icd10Index&) = delete;
  ~Icd10Index();

  struct Impl;

 private:
  explicit Icd10Index(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace cg::codesets
