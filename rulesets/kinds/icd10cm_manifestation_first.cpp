// icd10cm.manifestation-first (reject)
// Enforces: a manifestation code (tabular "in diseases classified elsewhere", under a "Code
// first" note) is never the principal or first-listed diagnosis: the underlying condition
// comes first.
// Source: ICD-10-CM Official Guidelines I.A.13 (etiology/manifestation convention).
// Passes: E11.42, G63   Fails: G63 first-listed.
#include "rulesets/kinds/builtin.hpp"
#include "rulesets/kinds/common.hpp"

namespace cg::rules::kinds {

void check_icd10cm_manifestation_first(const Claim& claim, const RuleEnv& env,
                                       const BuiltinRule& rule, Findings& out) noexcept {
  const auto* index = env.index();
  if (index == nullptr) return;
  const int i = first_listed(claim);
  if (i < 0) return;
  const auto& d = claim.diagnoses[static_cast<std::size_t>(i)];
  if (!is_cm(d)) return;
  ClaimFacts scratch;
  const ClaimFacts& facts = facts_for(claim, env, scratch);
  const auto& f = facts.dx[static_cast<std::size_t>(i)];
  if (!f.was_checked(0)) return;
  if (!index->is_manifestation(d.code, f.first_date())) return;
  add_finding(out, rule.id, rule.severity,
              dx_label(d) + " is a manifestation code (\"in diseases classified elsewhere\") and "
              "may not be the principal or first-listed diagnosis; list the underlying "
              "condition first and this code after it.",
              d.src, d.code_as_sent, f.first_line(), d.position);
}

}  // namespace cg::rules::kinds
