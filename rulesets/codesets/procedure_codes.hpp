// The procedure code sets of a compiled index: ICD-10-PCS (837I HI*BBR / BBQ, FHIR
// Claim.procedure), HCPCS Level II codes and modifiers (service lines, qualifier HC), and the
// CPT codes a licensee compiled in from their own file (claimgate ships no CPT content).
// Compiled by `claimgate code-set build` into the same *.cgx file as ICD-10-CM and reached
// through Icd10Index::procedures().
//
// Contract
// - Codes are accepted in any case, blanks at the ends and dots ignored.
// - Each catalog has its own releases, ordered by date; a release is in force from its date
//   until the next one starts; the newest until its end date (see docs/codeset.md). A date that
//   no release covers answers NotLoaded: nothing is known about the code on it.
// - `status()` allocates nothing and is safe from any thread; `lookup()` builds the full
//   explanation for findings and `claimgate code`.
// - Views into the index file's bytes: lives as long as the Icd10Index that holds it.
#pragma once

#include "rulesets/core/date.hpp"

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace cg::codesets {

enum class ProcedureCatalog : std::uint8_t { Icd10Pcs = 0, Hcpcs = 1, HcpcsModifier = 2, Cpt = 3 };
inline constexpr int kProcedureCatalogs = 4;

enum class ProcedureStatus : std::uint8_t {
  Valid,            // a code valid for submission on the date
  Header,           // ICD-10-PCS: a table (3 characters) or any partial code of valid codes
  NotYetEffective,  // valid only from a later date (a later release, or HCPCS ADD DT)
  Deleted,          // valid earlier, not on the date (ICD-10-PCS deleted; HCPCS terminated)
  Unknown,          // in no loaded release
  NotLoaded,        // no release of the catalog covers the date
};

[[nodiscard]] std::string_view to_string(ProcedureStatus s);
[[nodiscard]] std::string_view to_string(ProcedureCatalog c);  // icd10pcs, hcpcs, hcpcs-modifier, cpt

struct ProcedureRelease {
  std::string name;
  rules::Date effective_from;
  rules::Date effective_to;  // inclusive
  std::string derivation;    // empty when read from its own file
};

struct ProcedureExplanation {
  std::string code;  // normalized
  ProcedureCatalog catalog = ProcedureCatalog::Icd10Pcs;
  rules::Date dos;
  std::string release;  // in force on dos; empty when NotLoaded
  ProcedureStatus status = ProcedureStatus::Unknown;
  std::string title;    // long title in the release in force, else the latest known
  std::string short_title;
  std::optional<rules::Date> effective_from;  // NotYetEffective: first day valid; Valid HCPCS: ADD DT
  std::optional<rules::Date> last_valid;      // Deleted: last day valid (HCPCS: TERM DT)
  // Deleted: the codes added when it was deleted that carry its long title word for word (the
  // CMS files name no successor otherwise). Never guessed beyond that.
  std::vector<std::string> replacements;
  std::size_t valid_children = 0;            // Header: valid codes under it on dos
  std::vector<std::string> children_sample;  // Header: the first few of them
};

class ProcedureCodes {
 public:
  // Reads the procedure sections of an index file (already checked by Icd10Index::load);
  // `file` must outlive the result. An index without them loads as empty.
  [[nodiscard]] static std::variant<std::unique_ptr<const ProcedureCodes>, std::string> attach(
      const unsigned char* file, std::size_t size);

  [[nodiscard]] bool loaded(ProcedureCatalog c) const noexcept { return !releases(c).empty(); }
  [[nodiscard]] const std::vector<ProcedureRelease>& releases(ProcedureCatalog c) const noexcept;
  // The release in force on dos; nullptr when none covers it.
  [[nodiscard]] const ProcedureRelease* release_on(ProcedureCatalog c, rules::Date dos) const noexcept;
  [[nodiscard]] ProcedureStatus status(ProcedureCatalog c, std::string_view code, rules::Date dos) const noexcept;
  [[nodiscard]] ProcedureExplanation lookup(ProcedureCatalog c, std::string_view code, rules::Date dos) const;
  [[nodiscard]] std::size_t code_count() const noexcept;

  ProcedureCodes(const ProcedureCodes&) = delete;
  ProcedureCodes& operator=(const ProcedureCodes&) = delete;
  ~ProcedureCodes();

  struct Impl;

 private:
  explicit ProcedureCodes(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

// Normalizes a procedure code ("0sg.0070 " -> "0SG0070"); empty when it holds anything but
// letters and digits (dots and blanks at the ends aside) or is longer than 7.
[[nodiscard]] std::string normalize_procedure_code(std::string_view code);

}  // namespace cg::codesets
