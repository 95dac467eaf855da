// dx.unreferenced (warn)
// Enforces: on a professional or dental claim (837P, 837D, FHIR professional/oral) every
// diagnosis is pointed to by at least one service line; an unreferenced diagnosis supports
// nothing and often means a pointer is wrong. Institutional claims have no line pointers.
// Source: 005010X222A1 2300 HI / 2400 SV107; CMS-1500 item 21/24E practice.
// Passes: diagnoses 1-2, lines point 1 and 2   Fails: diagnosis 3 that no line points to.
#include "rulesets/kinds/builtin.hpp"
#include "rulesets/kinds/common.hpp"

namespace cg::rules::kinds {

void check_dx_unreferenced(const Claim& claim, const RuleEnv& env, const BuiltinRule& rule,
                           Findings& out) noexcept {
  if (!has_line_pointers(claim) || claim.lines.empty()) return;
  ClaimFacts scratch;
  const ClaimFacts& facts = facts_for(claim, env, scratch);
  for (std::size_t i = 0; i < claim.diagnoses.size(); ++i) {
    if (facts.dx[i].pointed) continue;
    const auto& d = claim.diagnoses[i];
    std::string msg;  // one allocation: written into its final buffer
    msg.reserve(120);
    append_dx_label(msg, d);
    msg += " is not pointed to by any service line; point the line it supports at it, or remove it.";
    add_finding(out, rule.id, rule.severity, std::move(msg), d.src, d.code_as_sent, 0, d.position);
  }
}

}  // namespace cg::rules::kinds
