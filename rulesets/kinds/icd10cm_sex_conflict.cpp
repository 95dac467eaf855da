// icd10cm.sex-conflict (reject)
// Enforces: when the patient's sex is known (M or F), the diagnosis fits the sex edits
// (male-only, female-only) of the CMS Medicare Code Editor list in force on the date of
// service (demographics.hpp: only edits the list holds; past FY2020 the newest list, v37, and
// the message says so). Maternity codes are on the MCE female-only list.
// Source: CMS "Definitions of Medicare Code Edits" v33-v37, sex conflict edit.
// Passes: N40.0 for a male patient   Fails: N40.0 for a female patient; O80 for a male.
#include "rulesets/kinds/builtin.hpp"
#include "rulesets/kinds/demographics.hpp"

namespace cg::rules::kinds {

void check_icd10cm_sex_conflict(const Claim& claim, const RuleEnv& env, const BuiltinRule& rule,
                                Findings& out) noexcept {
  if (claim.sex != 'M' && claim.sex != 'F') return;
  ClaimFacts scratch;
  const ClaimFacts& facts = facts_for(claim, env, scratch);
  if (!facts.mce_sex) return;  // no diagnosis has such an edit
  using Sex = codesets::DemographicEdits::Sex;
  for (std::size_t i = 0; i < claim.diagnoses.size(); ++i) {
    const auto& d = claim.diagnoses[i];
    const auto& f = facts.dx[i];
    if (!is_cm(d)) continue;
    if (f.first_status() && *f.first_status() != codesets::CodeStatus::Billable) continue;
    const auto e = age_sex_edit(f);
    const bool conflict = (e.sex == Sex::MaleOnly && claim.sex == 'F') ||
                          (e.sex == Sex::FemaleOnly && claim.sex == 'M');
    if (!conflict) continue;
    add_finding(out, rule.id, rule.severity,
                dx_label(d) + " is for " + (e.sex == Sex::MaleOnly ? "male" : "female") +
                    " patients only" + edit_source(f) + ", but the patient's sex is " + claim.sex +
                    "; check the code and the patient's sex.",
                d.src, d.code_as_sent, f.first_line(), d.position);
  }
}

}  // namespace cg::rules::kinds
