// icd10pcs.unknown (reject)
// Enforces: an ICD-10-PCS procedure code (837I HI*BBR / HI*BBQ, FHIR Claim.procedure with the
// ICD-10-PCS system) is in no loaded ICD-10-PCS release: not a code at all, a typo, or
// something else sent as ICD-10-PCS.
// Source: CMS ICD-10-PCS order files FY2016-FY2027 (only flag-1 codes are valid for
// submission); 005010X223A2 loop 2300 HI Principal / Other Procedure Information.
// Passes: HI*BBR:0SG0070:D8:20240502   Fails: HI*BBR:0SG0Z70:D8:20240502 (no such code).
#include "rulesets/kinds/builtin.hpp"
#include "rulesets/kinds/common.hpp"
#include "rulesets/kinds/procedure_common.hpp"

namespace cg::rules::kinds {

void check_icd10pcs_unknown(const Claim& claim, const RuleEnv& env, const BuiltinRule& rule, Findings& out) noexcept {
  for_each_pcs(claim, env, [&](const ClaimProcedure& p, Date date, codesets::ProcedureStatus s) {
    if (s != codesets::ProcedureStatus::Unknown) return;
    auto& f = add_finding(out, rule.id, rule.severity,
                          procedure_label(p) + " is not an ICD-10-PCS code in any release: on " + procedure_on(p, date) +
                              " send a valid 7-character ICD-10-PCS code.",
                          p.src, p.code_as_sent, 0, 0);
    f.procedure = p.position;
  });
}

}  // namespace cg::rules::kinds
