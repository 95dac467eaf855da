// icd10pcs.on-service-line (reject)
// Enforces: a service line's procedure (837P SV101-2, 837I SV202-2, FHIR
// item.productOrService) is a HCPCS or CPT code (qualifier HC); an ICD-10-PCS code there is an
// invalid code value (999 IK403 7; 277CA A7:454): ICD-10-PCS procedures go in loop 2300 HI*BBR
// / BBQ (FHIR Claim.procedure) of an inpatient claim.
// Source: 005010X222A1 SV101-1 / 005010X223A2 SV202-1 (HC: HCPCS codes), CMS ICD-10-PCS files.
// Passes: SV2*0360*HC:27130   Fails: SV2*0360*HC:0SR9019 (an ICD-10-PCS hip replacement code).
#include "rulesets/kinds/builtin.hpp"
#include "rulesets/kinds/common.hpp"
#include "rulesets/kinds/procedure_common.hpp"

namespace cg::rules::kinds {

void check_icd10pcs_on_service_line(const Claim& claim, const RuleEnv& env, const BuiltinRule& rule,
                                    Findings& out) noexcept {
  const bool x12 = claim.format != Format::Fhir;
  ClaimFacts scratch;
  const ClaimFacts& facts = facts_for(claim, env, scratch);
  for (std::size_t i = 0; i < claim.lines.size(); ++i) {
    const auto& l = claim.lines[i];
    if (l.procedure.code.empty() || !facts.lines[i].pcs) continue;
    add_finding(out, rule.id, rule.severity,
                std::string(x12 ? "(IK403 7) " : "") + line_label(l) +
                    " carries an ICD-10-PCS code where only a HCPCS or CPT code belongs; " +
                    (x12 ? "report ICD-10-PCS procedures in HI*BBR / HI*BBQ (loop 2300) of an inpatient claim and "
                           "a HCPCS/CPT code on the line."
                         : "report ICD-10-PCS procedures in Claim.procedure and a HCPCS/CPT code in "
                           "item.productOrService."),
                l.procedure.src, l.procedure.code, l.number, 0);
  }
}

}  // namespace cg::rules::kinds
