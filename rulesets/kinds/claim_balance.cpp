// claim.balance (reject)
// Enforces: the claim total equals the sum of the line charges: CLM02 = sum of SV102 / SV203 /
// SV302 (837), Claim.total = sum of item.net (FHIR). Skipped when the total or any line charge
// is absent (FHIR net is optional). Amounts compare exactly (fixed point, 4 decimals).
// Source: WEDI SNIP level 3 (balancing); 005010X222A1 CLM02 note; FHIR R4 Claim.total.
// Passes: CLM02 300, lines 100 + 200   Fails: CLM02 300, lines 100 + 150.
#include "rulesets/kinds/builtin.hpp"
#include "rulesets/kinds/common.hpp"

namespace cg::rules::kinds {

void check_claim_balance(const Claim& claim, const RuleEnv&, const BuiltinRule& rule,
                         Findings& out) noexcept {
  if (!claim.total.present || claim.lines.empty()) return;
  Amount sum{0, true};
  for (const auto& line : claim.lines) {
    if (!line.charge.present) return;
    sum.units += line.charge.units;
  }
  if (sum.units == claim.total.units) return;
  const bool fhir = claim.format == Format::Fhir;
  std::string msg = fhir ? "Claim.total " + claim.total.to_string() +
                               " differs from the sum of item.net, " + sum.to_string()
                         : "The claim total charge " + claim.total.to_string() +
                               " (CLM02) differs from the sum of the line charges, " +
                               sum.to_string();
  msg += "; correct the total or the line charges.";
  auto& f = add_finding(out, rule.id, rule.severity, std::move(msg), claim.total_src,
                        claim.total.to_string(), 0, 0);
  f.suggestions.push_back(sum.to_string());
}

}  // namespace cg::rules::kinds
