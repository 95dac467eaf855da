// Shared by the built-in rules and the pack rule kinds: per-claim facts (which date decides
// each diagnosis, its code status on that date), pointer resolution, and finding/message
// helpers. Internal to rulesets/.
//
// Dates (issues 5 and 10): a diagnosis a line points at is checked on the date of EVERY line
// that points at it (service_from, else service_to, else the claim date), however many lines
// and dates there are; a diagnosis no line points at (and every diagnosis of an institutional
// claim) is checked on Claim::claim_date(). Dates are kept sorted (then by line number), so no
// verdict depends on the order of the lines. Nothing falls back to "today": a diagnosis with
// no date is not checked against the code set, and claim.no-date-of-service says why.
#pragma once

#include "rulesets/core/rule.hpp"

#include <boost/container/small_vector.hpp>

#include <array>
#include <optional>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace cg::rules {

// ICD-10-CM replaced ICD-9-CM for dates of service from this day.
inline constexpr Date kIcd10CmCutover{2015, 10, 1};

struct DxDate {
  Date date;
  int line = 0;  // the lowest pointing line's number on that date; 0 = the claim date decided
  codesets::CodeStatus status = codesets::CodeStatus::Unknown;
  bool checked = false;  // status came from the index
};

struct DxFacts {
  // Every distinct date, ascending; empty when neither a line nor the claim has one.
  boost::container::small_vector<DxDate, 4> dates;
  bool pointed = false;      // some line's valid pointer resolves to it
  // The index's MCE edits on the first date (when the claim has a birth date or a sex and the
  // code was checked): computed once for icd10cm.age-conflict and icd10cm.sex-conflict.
  bool mce_done = false;
  codesets::DemographicEdits::Sex mce_sex = codesets::DemographicEdits::Sex::Any;
  bool mce_has_age = false;
  std::int16_t mce_age_lo = 0;
  std::int16_t mce_age_hi = 0;
  std::string_view mce_source;  // "MCE v37" (the index's own string)
  bool mce_newer_than_list = false;  // the date is past the newest MCE list's fiscal year
  codesets::Icd10Index::NotesRef notes;  // the tabular notes on the first date (when checked)

  [[nodiscard]] bool dated() const noexcept { return !dates.empty(); }
  [[nodiscard]] Date first_date() const noexcept { return dates.empty() ? Date{} : dates[0].date; }
  [[nodiscard]] int first_line() const noexcept { return dates.empty() ? 0 : dates[0].line; }
  [[nodiscard]] bool was_checked(std::size_t i) const noexcept {
    return i < dates.size() && dates[i].checked;
  }
  // The status on the first date when it was checked; nullopt otherwise.
  [[nodiscard]] std::optional<codesets::CodeStatus> first_status() const noexcept {
    if (!was_checked(0)) return std::nullopt;
    return dates[0].status;
  }
};

// A service line's procedure code, classified once for the line-code rules.
struct LineFacts {
  std::optional<Date> date;                             // line_date()
  ProcedureSystem system = ProcedureSystem::None;       // procedure_system(system, code)
  bool pcs = false;  // dated, and an ICD-10-PCS code where only HCPCS/CPT belongs (pcs_on_line)
  // A HCPCS (or loaded CPT) code with a date that is not ICD-10-PCS: its status in `catalog`.
  bool coded = false;
  codesets::ProcedureCatalog catalog = codesets::ProcedureCatalog::Hcpcs;
  codesets::ProcedureStatus status = codesets::ProcedureStatus::NotLoaded;
};

struct ClaimFacts {
  const Claim* claim = nullptr;
  boost::container::small_vector<DxFacts, 16> dx;     // parallel to claim.diagnoses
  boost::container::small_vector<LineFacts, 8> lines;  // parallel to claim.lines
  // Summaries that let most rules return at once on a clean claim.
  std::uint32_t statuses = 0;  // bit 1 << CodeStatus of every checked date
  bool mce_age = false;        // some diagnosis has an MCE age edit
  bool mce_sex = false;        // some diagnosis has an MCE sex edit
  bool beyond_newest = false;  // some ICD-10-CM diagnosis date is past the newest loaded release
  [[nodiscard]] bool any_status(codesets::CodeStatus s) const noexcept {
    return (statuses >> static_cast<unsigned>(s)) & 1u;
  }
};

// Fills `out` for `claim` (one status() probe per diagnosis and distinct date, one per line code).
void compute_facts(const Claim& claim, const RuleEnv& env, ClaimFacts& out) noexcept;
// The facts RuleSet::evaluate computed for this claim, else computes them into `scratch`.
[[nodiscard]] const ClaimFacts& facts_for(const Claim& claim, const RuleEnv& env,
                                          ClaimFacts& scratch) noexcept;

// Index into claim.diagnoses of the diagnosis at `position` (HI position / sequence), -1 if none.
[[nodiscard]] int dx_index(const Claim& claim, int position) noexcept;
// The date that decides a line: service_from, service_to, the claim date; nullopt when none.
[[nodiscard]] std::optional<Date> line_date(const Claim& claim, const ServiceLine& line) noexcept;
// The claim's own date (through, else from); nullopt when none.
[[nodiscard]] std::optional<Date> claim_check_date(const Claim& claim) noexcept;
// Claims whose lines carry diagnosis pointers: professional and dental.
[[nodiscard]] bool has_line_pointers(const Claim& claim) noexcept;
[[nodiscard]] bool is_x12(const Claim& claim) noexcept;
// The diagnosis that is principal / first-listed: role Principal, else the lowest position.
[[nodiscard]] int first_listed(const Claim& claim) noexcept;
// A diagnosis the code-set rules look at: ICD-10-CM with a code.
[[nodiscard]] bool is_cm(const Diagnosis& d) noexcept;

// "Diagnosis 2 (M54.5)": position and the code with its dot (as sent when not ICD-10-CM).
[[nodiscard]] std::string dx_label(const Diagnosis& d);
void append_dx_label(std::string& out, const Diagnosis& d);
// The code as shown to people: dotted for ICD-10-CM, else as sent.
[[nodiscard]] std::string dx_display(const Diagnosis& d);
void append_dx_display(std::string& out, const Diagnosis& d);
// "Line 2 (99213)" or "Line 2".
[[nodiscard]] std::string line_label(const ServiceLine& l);
// The element that carries pointers: SV107 (837P), SV311 (837D), diagnosisSequence (FHIR).
[[nodiscard]] std::string_view pointer_element(const Claim& claim) noexcept;

// Calls f(diagnosis, facts, k) once per ICD-10-CM diagnosis whose status on its k-th date is
// `status` (the first such date).
template <class F>
void for_each_status(const Claim& claim, const ClaimFacts& facts, codesets::CodeStatus status,
                     F&& f) {
  if (!facts.any_status(status)) return;
  for (std::size_t i = 0; i < claim.diagnoses.size(); ++i) {
    const DxFacts& x = facts.dx[i];
    for (std::size_t k = 0; k < x.dates.size(); ++k) {
      if (x.dates[k].checked && x.dates[k].status == status) {
        f(claim.diagnoses[i], x, k);
        break;
      }
    }
  }
}

// Dotted codes from a list of codes with or without dots.
[[nodiscard]] std::vector<std::string> dotted_all(const std::vector<std::string>& codes);

Finding& add_finding(Findings& out, std::string_view rule, Severity severity, std::string message,
                     const SourceRef& src, std::string_view value, int line, int diagnosis);

}  // namespace cg::rules
