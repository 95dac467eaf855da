// dx.pointer.missing (reject; FHIR: warn)
// Enforces: every service line of a professional (837P) or dental (837D) claim points at
// least at one diagnosis. A FHIR professional/oral Claim.item with no diagnosisSequence while
// the claim lists diagnoses is a warning (diagnosisSequence is 0..* in FHIR R4).
// Source: 005010X222A1 2400 SV107 (required), 005010X224A2 SV311; FHIR R4 Claim.item.
// Passes: SV1*HC:99213*100*UN*1***1:2~  Fails: SV1*HC:99213*100*UN*1~ (no SV107).
#include "rulesets/kinds/builtin.hpp"
#include "rulesets/kinds/common.hpp"

namespace cg::rules::kinds {

void check_dx_pointer_missing(const Claim& claim, const RuleEnv&, const BuiltinRule& rule,
                              Findings& out) noexcept {
  if (!has_line_pointers(claim)) return;
  const bool fhir = claim.format == Format::Fhir;
  // 837D: HI is situational and SV311 is required only when diagnoses are sent; FHIR likewise.
  if ((fhir || claim.kind == ClaimKind::Dental) && claim.diagnoses.empty()) return;
  for (const auto& line : claim.lines) {
    if (!line.pointers.empty()) continue;
    if (fhir) {
      add_finding(out, rule.id, Severity::Warn,
                  line_label(line) + " has no diagnosisSequence; add the sequence of the "
                  "diagnosis this service treats.",
                  line.src, "", line.number, 0);
    } else {
      add_finding(out, rule.id, rule.severity,
                  line_label(line) + " has no diagnosis pointer (" +
                      std::string(pointer_element(claim)) +
                      "); point it at the diagnosis this service treats (1 to 4 positions from "
                      "the claim's diagnoses).",
                  line.src, "", line.number, 0);
    }
  }
}

}  // namespace cg::rules::kinds
