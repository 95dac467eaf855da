// icd10cm.poa-required (reject)
// Enforces: on an inpatient hospital 837I (CLM05-1 facility type 11, type of bill 11x), every
// principal, other and external-cause ICD-10-CM diagnosis (HI ABK/ABF/ABN) billable on the
// through date carries a present-on-admission indicator (HI0n-9: Y, N, U or W) unless the code
// is on the CMS POA-exempt list in force on the through (discharge) date; for an exempt code the
// element stays empty. The list in force: each list from its effective date to the next one's;
// after the newest list's fiscal year the newest list (FY2026 for FY2027 dates: no FY2027 list
// is loaded) and the message says so. Admitting (ABJ) and reason-for-visit (APR) diagnoses
// take no POA. FHIR claims are not checked for a missing indicator (no type of bill).
// Source: 005010X223A2 2300 HI Principal/Other Diagnosis and External Cause of Injury, HI0n-9
// Present on Admission Indicator (1073); ICD-10-CM Official Guidelines, Appendix I (POA
// reporting guidelines: "Leave the 'present on admission' field blank if the condition is on the
// list of ICD-10-CM codes for which this field is not applicable. This is the only circumstance
// in which the field may be left blank"); CMS POA-exempt lists (POAexemptCodes*.txt).
// 277CA: A6 (missing information) with status code 688 (present on admission indicator).
// Passes: I10 with Y; Z38.00 (exempt) with no indicator   Fails: I10 with no indicator.
#include "rulesets/kinds/builtin.hpp"
#include "rulesets/kinds/icd10cm_poa.hpp"

namespace cg::rules::kinds {

void check_icd10cm_poa_required(const Claim& claim, const RuleEnv& env, const BuiltinRule& rule,
                                Findings& out) noexcept {
  if (claim.format != Format::X12_837I || claim.facility_code != "11") return;
  for_each_poa_dx(claim, env, [&](const Diagnosis& d, const DxFacts& f, const codesets::PoaExemption& p, Date date) {
    if (d.poa != 0 || p.exempt) return;
    const std::string el = d.src.x12.empty() ? std::string("the POA indicator")
                                             : std::string(d.src.x12.segment_id()) + (d.src.x12.element < 10 ? "0" : "") +
                                                   std::to_string(d.src.x12.element) + "-9";
    add_finding(out, rule.id, rule.severity,
                dx_label(d) + " has no present-on-admission indicator (" + el + "); on an inpatient claim " +
                    "(type of bill 11x) it is required for every code not on the POA-exempt list, and " +
                    dx_display(d) + " is not on it on " + date.iso() + poa_list_text(p) +
                    ". Send Y (present at admission), N (not present), U (documentation insufficient) or W " +
                    "(clinically undetermined).",
                poa_src(d), "", f.first_line(), d.position);
  });
}

}  // namespace cg::rules::kinds
