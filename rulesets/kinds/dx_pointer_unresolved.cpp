// dx.pointer.unresolved (reject)
// Enforces: a well-formed pointer refers to a diagnosis the claim has (X12: an HI position
// that is filled; FHIR: an existing diagnosis.sequence).
// Source: 005010X222A1 SV107 note (pointers refer to HI positions); FHIR R4 Claim.item
// invariant "diagnosisSequence must match a diagnosis.sequence".
// Passes: 3 diagnoses, SV107 = 1:3   Fails: 3 diagnoses, SV107 = 1:4.
#include "rulesets/kinds/builtin.hpp"
#include "rulesets/kinds/common.hpp"

namespace cg::rules::kinds {

void check_dx_pointer_unresolved(const Claim& claim, const RuleEnv&, const BuiltinRule& rule,
                                 Findings& out) noexcept {
  const bool x12 = is_x12(claim);
  for (const auto& line : claim.lines) {
    for (const auto& p : line.pointers) {
      if (p.value < 1 || (x12 && p.value > 12)) continue;  // dx.pointer.invalid
      if (dx_index(claim, p.value) >= 0) continue;
      std::string msg = line_label(line) + " points to diagnosis " + std::to_string(p.value) +
                        ", but the claim ";
      if (claim.diagnoses.empty()) {
        msg += "lists no diagnoses; add the diagnosis or correct the pointer.";
      } else {
        bool contiguous = true;
        for (std::size_t i = 0; i < claim.diagnoses.size(); ++i) {
          contiguous = contiguous && claim.diagnoses[i].position == static_cast<int>(i) + 1;
        }
        if (contiguous) {
          const auto n = claim.diagnoses.size();
          msg += n == 1 ? std::string("lists only 1 diagnosis; point it at 1.")
                        : "lists only " + std::to_string(n) + " diagnoses; point it at 1 to " +
                              std::to_string(n) + '.';
        } else {
          msg += "has no diagnosis with sequence " + std::to_string(p.value) +
                 "; point it at an existing diagnosis.";
        }
      }
      add_finding(out, rule.id, rule.severity, std::move(msg), p.src, p.raw, line.number, 0);
    }
  }
}

}  // namespace cg::rules::kinds
