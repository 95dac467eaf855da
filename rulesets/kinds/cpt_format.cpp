// cpt.format (reject)
// Enforces: a CPT code on a service line (qualifier HC with a digit first, or FHIR system
// http://www.ama-assn.org/go/cpt) has the CPT shape: five digits (Category I), or four digits
// and F (Category II), T (Category III) or U (proprietary laboratory analyses). Only the shape:
// CPT is licensed by the AMA and claimgate ships no CPT codes; a licensee who compiles their own
// CPT file in (claimgate code-set build --cpt) gets hcpcs.unknown / terminated /
// not-yet-effective for CPT codes too.
// Source: AMA CPT code structure; 005010X222A1 SV101-2; 277CA A7:454.
// Passes: SV1*HC:99213   Fails: SV1*HC:9921 (four digits).
#include "rulesets/kinds/builtin.hpp"
#include "rulesets/kinds/common.hpp"
#include "rulesets/kinds/procedure_common.hpp"

namespace cg::rules::kinds {

void check_cpt_format(const Claim& claim, const RuleEnv& env, const BuiltinRule& rule, Findings& out) noexcept {
  ClaimFacts scratch;
  const ClaimFacts& facts = facts_for(claim, env, scratch);
  for (std::size_t i = 0; i < claim.lines.size(); ++i) {
    const auto& l = claim.lines[i];
    const std::string& c = l.procedure.code;
    if (c.empty() || facts.lines[i].system != ProcedureSystem::Cpt) continue;
    const auto digit = [](char ch) { return ch >= '0' && ch <= '9'; };
    const bool shaped = c.size() == 5 && digit(c[0]) && digit(c[1]) && digit(c[2]) && digit(c[3]) &&
                        (digit(c[4]) || c[4] == 'F' || c[4] == 'T' || c[4] == 'U');
    if (shaped) continue;
    if (facts.lines[i].pcs) continue;  // icd10pcs.on-service-line says it
    add_finding(out, rule.id, rule.severity,
                line_label(l) + ": '" + c +
                    "' is not a CPT code: CPT codes are five digits, or four digits and F, T or U.",
                l.procedure.src, c, l.number, 0);
  }
}

}  // namespace cg::rules::kinds
