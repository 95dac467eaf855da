// icd10cm.poa-exempt (warn)
// Enforces: a diagnosis on the CMS POA-exempt list in force on the through (discharge) date
// carries no present-on-admission indicator: in 5010 the element (HI0n-9) is left empty for an
// exempt code ("1", the 4010 exempt value, is no 5010 value and is an x12.element error of the
// reader). A Y/N/U/W sent for an exempt code is a warning: the guidelines say to leave it blank,
// and payers ignore it. Same list choice as icd10cm.poa-required (newest list past its fiscal
// year, said in the message). X12 837I and FHIR diagnosis.onAdmission alike.
// Source: ICD-10-CM Official Guidelines, Appendix I ("Leave the 'present on admission' field
// blank if the condition is on the list of ICD-10-CM codes for which this field is not
// applicable"); 005010X223A2 HI0n-9 (1073) code values Y, N, U, W; CMS POA-exempt lists.
// 277CA (when made a rejection by a pack): A7 with status code 688.
// Passes: Z38.00 with no indicator   Fails (warn): Z38.00 with Y.
#include "rulesets/kinds/builtin.hpp"
#include "rulesets/kinds/icd10cm_poa.hpp"

#include <algorithm>

namespace cg::rules::kinds {

void check_icd10cm_poa_exempt(const Claim& claim, const RuleEnv& env, const BuiltinRule& rule,
                              Findings& out) noexcept {
  const auto sent = [](const Diagnosis& d) { return d.poa == 'Y' || d.poa == 'N' || d.poa == 'U' || d.poa == 'W'; };
  if (std::none_of(claim.diagnoses.begin(), claim.diagnoses.end(), sent)) return;  // most claims: no lookups
  for_each_poa_dx(claim, env, [&](const Diagnosis& d, const DxFacts& f, const codesets::PoaExemption& p, Date date) {
    // No indicator is right; any value other than Y/N/U/W is the reader's x12.element error.
    if (!p.exempt || !sent(d)) return;
    add_finding(out, rule.id, rule.severity,
                dx_label(d) + " is exempt from present-on-admission reporting on " + date.iso() + poa_list_text(p) +
                    ", but the POA indicator '" + std::string(1, d.poa) + "' was sent; leave it empty for an " +
                    "exempt code.",
                poa_src(d), std::string_view(&d.poa, 1), f.first_line(), d.position);
  });
}

}  // namespace cg::rules::kinds
