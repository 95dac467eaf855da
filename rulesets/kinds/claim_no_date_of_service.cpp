// claim.no-date-of-service (reject)
// Enforces: a claim with diagnoses carries a date of service somewhere (a service line date,
// DTP*472 / item.servicedDate / servicedPeriod, or the claim's statement dates /
// billablePeriod). Without one, no release of ICD-10-CM can be chosen: the codes are not
// checked (never against "today"), and the claim says exactly that. A claim where only some
// lines lack a date is not this rule: those lines take the claim date, and a line date the
// guide requires is a syntax error of the reader (999 IK3/IK4).
// Source: 005010X222A1/X223A2/X224A2 (dates of service required); ICD-10-CM is chosen by the
// date of service (HIPAA code-set rule, 45 CFR 162.1002).
// Passes: any claim with a line date   Fails: a FHIR Claim with no servicedDate,
//         servicedPeriod nor billablePeriod.
#include "rulesets/kinds/builtin.hpp"
#include "rulesets/kinds/common.hpp"

namespace cg::rules::kinds {

void check_claim_no_date_of_service(const Claim& claim, const RuleEnv& /*env*/,
                                    const BuiltinRule& rule, Findings& out) noexcept {
  if (claim.diagnoses.empty() || claim.claim_date()) return;
  for (const auto& line : claim.lines)
    if (line.service_from || line.service_to) return;
  add_finding(out, rule.id, rule.severity,
              "The claim has no date of service (no service line date and no claim dates), so "
              "its diagnosis codes could not be checked against the ICD-10-CM release in force; "
              "send the date of service of every line.",
              claim.src, "", 0, 0);
}

}  // namespace cg::rules::kinds
