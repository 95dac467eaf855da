// claim.birth-date-after-service (reject)
// Enforces: the patient's birth date is not after any date of service of the claim (a line's
// DTP*472 / servicedDate, else the claim's dates). Reported once, on the earliest such date;
// age edits (icd10cm.age-conflict) cannot judge such a claim. Located at the birth date (DMG02 of
// loop 2010CA when the patient is not the subscriber, else 2010BA; FHIR Patient.birthDate, or
// Claim.contained[k].birthDate for a contained Patient): that is the value to correct or confirm.
// Source: 005010X222A1 2010BA/2010CA DMG02 (birth date) and 2400 DTP*472; a service cannot
// precede the patient's birth (WEDI SNIP level 4 date consistency).
// Passes: born 2025-03-01, line on 2025-03-01   Fails: born 2025-03-02, line on 2025-03-01.
#include "rulesets/kinds/builtin.hpp"
#include "rulesets/kinds/common.hpp"

namespace cg::rules::kinds {

void check_claim_birth_date_after_service(const Claim& claim, const RuleEnv& /*env*/,
                                          const BuiltinRule& rule, Findings& out) noexcept {
  if (!claim.birth_date) return;
  const Date birth = *claim.birth_date;
  const ServiceLine* first = nullptr;
  Date earliest{};
  for (const auto& line : claim.lines) {
    const auto d = line.service_from ? line.service_from : line.service_to;
    if (d && *d < birth && (first == nullptr || *d < earliest || (*d == earliest && line.number < first->number))) {
      first = &line;
      earliest = *d;
    }
  }
  if (first != nullptr) {
    add_finding(out, rule.id, rule.severity,
                "The patient's birth date " + birth.iso() + " is after the date of service " +
                    earliest.iso() + " of " + line_label(*first) +
                    "; correct the birth date or the date of service.",
                claim.birth_date_src.empty() ? claim.src : claim.birth_date_src, birth.iso(), first->number, 0);
    return;
  }
  const auto claim_from = claim.date_from ? claim.date_from : claim.date_to;
  if (!claim_from || !(*claim_from < birth)) return;
  add_finding(out, rule.id, rule.severity,
              "The patient's birth date " + birth.iso() + " is after the claim's date of service " +
                  claim_from->iso() + "; correct the birth date or the dates of service.",
              claim.birth_date_src.empty() ? claim.src : claim.birth_date_src, birth.iso(), 0, 0);
}

}  // namespace cg::rules::kinds
