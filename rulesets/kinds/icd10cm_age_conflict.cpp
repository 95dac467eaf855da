// icd10cm.age-conflict (reject)
// Enforces: when the patient's birth date is known, the age on the date of service fits the
// diagnosis: maternity codes (chapter 15, O00-O9A) ages 12-55, newborn codes (chapter 16,
// P00-P96) age 0, and the age-specific lists of the CMS Medicare Code Editor (pediatric 0-17,
// adult 15-124 ...). The MCE lists shipped cover FY2016-FY2020 (v33-v37); the newest applies to
// later dates of service.
// Source: ICD-10-CM chapter conventions (O, P); CMS MCE "age conflict" edit.
// Passes: O80 for a 30-year-old   Fails: O80 for a 62-year-old; P07.30 for a 3-year-old.
#include "rulesets/kinds/builtin.hpp"
#include "rulesets/kinds/demographics.hpp"

namespace cg::rules::kinds {

void check_icd10cm_age_conflict(const Claim& claim, const RuleEnv& env, const BuiltinRule& rule,
                                Findings& out) noexcept {
  if (!claim.birth_date) return;
  ClaimFacts scratch;
  const ClaimFacts& facts = facts_for(claim, env, scratch);
  for (std::size_t i = 0; i < claim.diagnoses.size(); ++i) {
    const auto& d = claim.diagnoses[i];
    const auto& f = facts.dx[i];
    if (!is_cm(d)) continue;
    // Codes the index rejects are reported by the status rules; age edits would only add noise.
    if (f.was_checked(0) && f.status[0] != codesets::CodeStatus::Billable) continue;
    const Date dos = f.first_date();
    const int age = age_in_years(*claim.birth_date, dos);
    if (age < 0) continue;
    const auto e = age_sex_edit(d, f);
    if (!e.age || (age >= e.age->first && age <= e.age->second)) continue;
    const std::string category = age_category(env.index(), d, dos, e);
    std::string range = e.age->first == e.age->second
                            ? "age " + std::to_string(e.age->first)
                            : "ages " + std::to_string(e.age->first) + '-' +
                                  std::to_string(e.age->second);
    std::string what = category.empty() ? std::string("an age-specific code")
                                        : "a " + category + " code";
    add_finding(out, rule.id, rule.severity,
                dx_label(d) + " is " + what + " (" + range + ") but the patient is " +
                    std::to_string(age) + " on the date of service " + dos.iso() +
                    "; check the code and the patient's birth date.",
                d.src, d.code_as_sent, f.dates[0].line, d.position);
  }
}

}  // namespace cg::rules::kinds
