// dx.pointer.invalid (reject)
// Enforces: each diagnosis pointer is a number 1-12 on an X12 claim (SV107/SV311 components
// are positions in the HI composites, at most 12), a positive integer on a FHIR claim
// (item.diagnosisSequence is positiveInt).
// Source: 005010X222A1 SV107 (data element 1328, values 1-12); FHIR R4 Claim.item.
// Passes: SV107 = 1:2   Fails: SV107 = A, 0 or 13; FHIR diagnosisSequence [0].
#include "rulesets/kinds/builtin.hpp"
#include "rulesets/kinds/common.hpp"

namespace cg::rules::kinds {

void check_dx_pointer_invalid(const Claim& claim, const RuleEnv&, const BuiltinRule& rule,
                              Findings& out) noexcept {
  const bool x12 = is_x12(claim);
  for (const auto& line : claim.lines) {
    for (const auto& p : line.pointers) {
      const bool ok = x12 ? (p.value >= 1 && p.value <= 12) : p.value >= 1;
      if (ok) continue;
      std::string msg = line_label(line) + " has diagnosis pointer \"" + p.raw + "\", which is not ";
      msg += x12 ? "a number from 1 to 12 (" + std::string(pointer_element(claim)) +
                       " lists positions of the claim's diagnoses)"
                 : std::string("a positive integer (diagnosisSequence lists diagnosis.sequence values)");
      msg += "; correct the pointer.";
      add_finding(out, rule.id, rule.severity, std::move(msg), p.src, p.raw, line.number, 0);
    }
  }
}

}  // namespace cg::rules::kinds
