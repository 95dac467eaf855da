// icd10cm.age-conflict (reject)
// Enforces: when the patient's birth date is known, the age on the date of service fits the
// age edits of the CMS Medicare Code Editor list in force on that date (newborn 0, pediatric
// 0-17, maternity 12-55, adult 15-124): only edits the list holds (demographics.hpp). MCE
// lists bundled: v33-v37 (FY2016-FY2020); later dates use v37 and the message says so.
// Source: CMS "Definitions of Medicare Code Edits" v33-v37, age conflict edit; ICD-10-CM
// chapter 16 note (P00-P96 "even if morbidity occurs later": no age edit of its own).
// Passes: O80 for a 30-year-old; P92.6 for a 46-year-old in 2024 (no list holds it then).
// Fails:  O80 for a 62-year-old; P92.6 for a 46-year-old in FY2016 (MCE v33 newborn list).
#include "rulesets/kinds/builtin.hpp"
#include "rulesets/kinds/demographics.hpp"

namespace cg::rules::kinds {

void check_icd10cm_age_conflict(const Claim& claim, const RuleEnv& env, const BuiltinRule& rule,
                                Findings& out) noexcept {
  if (!claim.birth_date) return;
  ClaimFacts scratch;
  const ClaimFacts& facts = facts_for(claim, env, scratch);
  if (!facts.mce_age) return;  // no diagnosis has such an edit
  for (std::size_t i = 0; i < claim.diagnoses.size(); ++i) {
    const auto& d = claim.diagnoses[i];
    const auto& f = facts.dx[i];
    if (!is_cm(d)) continue;
    // Codes the index rejects are reported by the status rules; age edits would only add noise.
    if (f.first_status() && *f.first_status() != codesets::CodeStatus::Billable) continue;
    const Date dos = f.first_date();
    const int age = age_in_years(*claim.birth_date, dos);
    if (age < 0) continue;
    const auto e = age_sex_edit(f);
    if (!e.age || (age >= e.age->first && age <= e.age->second)) continue;
    const std::string category = age_category(env.index(), d, dos);
    std::string range = e.age->first == e.age->second
                            ? "age " + std::to_string(e.age->first)
                            : "ages " + std::to_string(e.age->first) + '-' +
                                  std::to_string(e.age->second);
    std::string what = category.empty() ? std::string("an age-specific code")
                                        : std::string(article(category)) + ' ' + category + " code";
    add_finding(out, rule.id, rule.severity,
                dx_label(d) + " is " + what + " (" + range + ')' + edit_source(f) +
                    " but the patient is " + std::to_string(age) + " on the date of service " +
                    dos.iso() + "; check the code and the patient's birth date.",
                d.src, d.code_as_sent, f.first_line(), d.position);
  }
}

}  // namespace cg::rules::kinds
