// icd10cm.qualifier-mismatch (reject; warn when the code cannot be checked)
// Enforces: ICD-9-CM (HI qualifiers BK/BF/BJ..., FHIR system http://hl7.org/fhir/sid/icd-9-cm)
// only for dates of service before 2015-10-01, ICD-10-CM (ABK/ABF..., FHIR
// http://hl7.org/fhir/sid/icd-10-cm) only from 2015-10-01. Decided here (issue 5: "decide
// sensibly"): a diagnosis coded in WHO ICD-10, in another system, or with no system is a
// warning that it cannot be checked against ICD-10-CM; the code-set rules skip it.
// Source: HIPAA code-set rule (45 CFR 162.1002), ICD-10 compliance date 2015-10-01;
// 005010X222A1 HI01-1 qualifiers.
// 837I HI*ABN (external cause of injury) with a code outside V00-Y99 is a mismatch too. Advice
// never names ICD-10-CM for a date before 2015-10-01.
// Source (ABN): 005010X223A2 2300 HI External Cause of Injury (ABN, ICD-10-CM chapter 20).
// Passes: ABK:M5450 on 2021-10-01; ABN:W010XXA   Fails: BK:7248 on 2016-03-01; ABK:M5450 on
// 2015-09-30; ABN:S72001A.
#include "rulesets/kinds/builtin.hpp"
#include "rulesets/kinds/common.hpp"

namespace cg::rules::kinds {

void check_icd10cm_qualifier_mismatch(const Claim& claim, const RuleEnv& env,
                                      const BuiltinRule& rule, Findings& out) noexcept {
  if (claim.diagnoses.empty()) return;
  ClaimFacts scratch;
  const ClaimFacts& facts = facts_for(claim, env, scratch);
  const bool x12 = is_x12(claim);
  for (std::size_t i = 0; i < claim.diagnoses.size(); ++i) {
    const auto& d = claim.diagnoses[i];
    const auto& f = facts.dx[i];
    if (d.code.empty()) continue;  // reference-only diagnoses: icd10cm.unknown
    const auto sent_as = [&] {
      return d.system_as_sent.empty()
                 ? std::string()
                 : (x12 ? " (qualifier " : " (system ") + d.system_as_sent + ')';
    };
    // Advice names the code system in force on the diagnosis's (first) date.
    const bool icd9_era = f.dated() && f.first_date() < kIcd10CmCutover;
    const auto advice = [&] {
      return icd9_era ? std::string("send the ICD-9-CM code, in force on ") + f.first_date().iso() +
                       (x12 ? " (qualifier BK/BF)." : " (system http://hl7.org/fhir/sid/icd-9-cm).")
                 : std::string("send the ICD-10-CM code") +
                       (x12 ? " with qualifier ABK/ABF." : " (system http://hl7.org/fhir/sid/icd-10-cm).");
    };
    // 837I HI*ABN (external cause of injury) carries only V00-Y99 (chapter 20).
    if (d.system == CodeSystem::Icd10Cm && d.role == DxRole::ExternalCause &&
        !(d.code[0] >= 'V' && d.code[0] <= 'Y')) {
      add_finding(out, rule.id, rule.severity,
                  dx_label(d) + " is sent as an external cause of injury" + sent_as() +
                      ", but external-cause codes are V00-Y99; send it as an other diagnosis "
                      "(qualifier ABF), or send the external-cause code.",
                  d.src, d.code_as_sent, f.first_line(), d.position);
      continue;
    }
    switch (d.system) {
      case CodeSystem::Icd10Cm:
        for (std::size_t k = 0; k < f.dates.size(); ++k) {
          if (!(f.dates[k].date < kIcd10CmCutover)) continue;
          add_finding(out, rule.id, rule.severity,
                      dx_label(d) + " is sent as ICD-10-CM" + sent_as() +
                          ", but the date of service " + f.dates[k].date.iso() +
                          " is before 2015-10-01, when ICD-9-CM applied; send the ICD-9-CM code" +
                          (x12 ? " with qualifier BK/BF." : " (system http://hl7.org/fhir/sid/icd-9-cm)."),
                      d.src, d.code_as_sent, f.dates[k].line, d.position);
          break;
        }
        break;
      case CodeSystem::Icd9Cm:
        for (std::size_t k = 0; k < f.dates.size(); ++k) {
          if (f.dates[k].date < kIcd10CmCutover) continue;
          add_finding(out, rule.id, rule.severity,
                      dx_label(d) + " is sent as ICD-9-CM" + sent_as() + ", but the date of service " +
                          f.dates[k].date.iso() +
                          " is on or after 2015-10-01, when ICD-10-CM replaced ICD-9-CM; send the "
                          "ICD-10-CM code" +
                          (x12 ? " with qualifier ABK/ABF." : " (system http://hl7.org/fhir/sid/icd-10-cm)."),
                      d.src, d.code_as_sent, f.dates[k].line, d.position);
          break;
        }
        break;
      case CodeSystem::Icd10Who:
        add_finding(out, rule.id, Severity::Warn,
                    dx_label(d) + " is coded in WHO ICD-10" + sent_as() +
                        ", not ICD-10-CM, so it was not checked against the US code set; " + advice(),
                    d.src, d.code_as_sent, f.first_line(), d.position);
        break;
      case CodeSystem::Other:
      case CodeSystem::None:
        add_finding(out, rule.id, Severity::Warn,
                    dx_label(d) + " is not coded in ICD-10-CM" +
                        (d.system_as_sent.empty() ? std::string(" (no code system given)") : sent_as()) +
                        ", so it was not checked; " + advice(),
                    d.src, d.code_as_sent, f.first_line(), d.position);
        break;
    }
  }
}

}  // namespace cg::rules::kinds
