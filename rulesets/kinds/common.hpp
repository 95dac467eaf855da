// Shared by the built-in rules and the pack rule kinds: per-claim facts (which date decides
// each diagnosis, its code status on that date), pointer resolution, and finding/message
// helpers. Internal to rulesets/.
//
// Dates (issue 5): a diagnosis a line points at is checked on that line's date of service
// (service_from, else service_to), falling back to the claim date (Claim::claim_date(): the
// through date, else the from date); a diagnosis no line points at (and every diagnosis of
// an institutional claim) is checked on Claim::claim_date(). A claim with no date at all is
// checked on RuleEnv::today.
#pragma once

#include "rulesets/core/rule.hpp"

#include <boost/container/small_vector.hpp>

#include <array>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace cg::rules {

// ICD-10-CM replaced ICD-9-CM for dates of service from this day.
inline constexpr Date kIcd10CmCutover{2015, 10, 1};

struct DxDate {
  Date date;
  int line = 0;  // the pointing line's number; 0 = the claim date decided
};

struct DxFacts {
  static constexpr std::size_t kMaxDates = 4;  // distinct dates kept per diagnosis
  std::array<DxDate, kMaxDates> dates{};
  std::array<codesets::CodeStatus, kMaxDates> status{};
  std::uint8_t n_dates = 0;
  std::uint8_t checked = 0;  // bit i set: status[i] came from the index
  bool pointed = false;      // some line's valid pointer resolves to it
  // The index's MCE edits on the first date (when the claim has a birth date or a sex and the
  // code was checked): computed once for icd10cm.age-conflict and icd10cm.sex-conflict.
  bool mce_done = false;
  codesets::DemographicEdits::Sex mce_sex = codesets::DemographicEdits::Sex::Any;
  bool mce_has_age = false;
  std::int16_t mce_age_lo = 0;
  std::int16_t mce_age_hi = 0;

  [[nodiscard]] Date first_date() const noexcept { return dates[0].date; }
  [[nodiscard]] bool was_checked(std::size_t i) const noexcept { return (checked >> i) & 1u; }
};

struct ClaimFacts {
  const Claim* claim = nullptr;
  boost::container::small_vector<DxFacts, 16> dx;  // parallel to claim.diagnoses
};

// Fills `out` for `claim` (one status() probe per diagnosis and distinct date).
void compute_facts(const Claim& claim, const RuleEnv& env, ClaimFacts& out) noexcept;
// The facts RuleSet::evaluate computed for this claim, else computes them into `scratch`.
[[nodiscard]] const ClaimFacts& facts_for(const Claim& claim, const RuleEnv& env,
                                          ClaimFacts& scratch) noexcept;

// Index into claim.diagnoses of the diagnosis at `position` (HI position / sequence), -1 if none.
[[nodiscard]] int dx_index(const Claim& claim, int position) noexcept;
// The date that decides a line: service_from, service_to, the claim date, today.
[[nodiscard]] Date line_date(const Claim& claim, const ServiceLine& line, Date today) noexcept;
[[nodiscard]] Date claim_check_date(const Claim& claim, Date today) noexcept;
// Claims whose lines carry diagnosis pointers: professional and dental.
[[nodiscard]] bool has_line_pointers(const Claim& claim) noexcept;
[[nodiscard]] bool is_x12(const Claim& claim) noexcept;
// The diagnosis that is principal / first-listed: role Principal, else the lowest position.
[[nodiscard]] int first_listed(const Claim& claim) noexcept;
// A diagnosis the code-set rules look at: ICD-10-CM with a code.
[[nodiscard]] bool is_cm(const Diagnosis& d) noexcept;

// "Diagnosis 2 (M54.5)": position and the code with its dot (as sent when not ICD-10-CM).
[[nodiscard]] std::string dx_label(const Diagnosis& d);
// The code as shown to people: dotted for ICD-10-CM, else as sent.
[[nodiscard]] std::string dx_display(const Diagnosis& d);
// "Line 2 (99213)" or "Line 2".
[[nodiscard]] std::string line_label(const ServiceLine& l);
// The element that carries pointers: SV107 (837P), SV311 (837D), diagnosisSequence (FHIR).
[[nodiscard]] std::string_view pointer_element(const Claim& claim) noexcept;

// Calls f(diagnosis, facts, k) once per ICD-10-CM diagnosis whose status on its k-th date is
// `status` (the first such date).
template <class F>
void for_each_status(const Claim& claim, const ClaimFacts& facts, codesets::CodeStatus status,
                     F&& f) {
  for (std::size_t i = 0; i < claim.diagnoses.size(); ++i) {
    const DxFacts& x = facts.dx[i];
    for (std::size_t k = 0; k < x.n_dates; ++k) {
      if (x.was_checked(k) && x.status[k] == status) {
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
