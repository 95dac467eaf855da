// icd10cm.external-cause-first (reject)
// Enforces: an external-cause code (chapter 20, V00-Y99) is never the principal or
// first-listed diagnosis (HI01 ABK / the principal or lowest-sequence FHIR diagnosis).
// Source: ICD-10-CM Official Guidelines I.C.20 ("external cause codes ... never be sequenced
// as the first-listed or principal diagnosis").
// Passes: S32.010A, W19.XXXA   Fails: W19.XXXA first.
#include "rulesets/kinds/builtin.hpp"
#include "rulesets/kinds/common.hpp"

namespace cg::rules::kinds {

void check_icd10cm_external_cause_first(const Claim& claim, const RuleEnv& env,
                                        const BuiltinRule& rule, Findings& out) noexcept {
  const int i = first_listed(claim);
  if (i < 0) return;
  const auto& d = claim.diagnoses[static_cast<std::size_t>(i)];
  if (!is_cm(d)) return;
  const char c = d.code[0];
  if (c != 'V' && c != 'W' && c != 'X' && c != 'Y') return;
  ClaimFacts scratch;
  const ClaimFacts& facts = facts_for(claim, env, scratch);
  // An unknown code is icd10cm.unknown's business: only a real chapter 20 code counts here.
  const DxFacts& f = facts.dx[static_cast<std::size_t>(i)];
  if (f.first_status() == codesets::CodeStatus::Unknown) return;
  add_finding(out, rule.id, rule.severity,
              dx_label(d) + " is an external-cause code (V00-Y99), which may not be the "
              "principal or first-listed diagnosis; list the injury or condition it explains "
              "first.",
              d.src, d.code_as_sent, facts.dx[static_cast<std::size_t>(i)].first_line(),
              d.position);
}

}  // namespace cg::rules::kinds
