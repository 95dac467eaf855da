// dx.pointer.too-many (reject on 837P/837D; warn on FHIR professional/oral)
// Enforces: at most 4 diagnosis pointers per service line. A FHIR item may list more, but a
// payer that takes the claim as an 837P or a CMS-1500 keeps only the first 4: warning.
// Source: 005010X222A1 SV107 (composite C004: 4 components), 005010X224A2 SV311.
// Passes: SV107 = 1:2:3:4   Fails: 5 pointers on one line.
#include "rulesets/kinds/builtin.hpp"
#include "rulesets/kinds/common.hpp"

namespace cg::rules::kinds {

void check_dx_pointer_too_many(const Claim& claim, const RuleEnv&, const BuiltinRule& rule,
                               Findings& out) noexcept {
  if (!has_line_pointers(claim)) return;
  constexpr std::size_t kMax = 4;
  const bool fhir = claim.format == Format::Fhir;
  for (const auto& line : claim.lines) {
    if (line.pointers.size() <= kMax) continue;
    const auto& fifth = line.pointers[kMax];
    std::string msg = line_label(line) + " has " + std::to_string(line.pointers.size()) +
                      " diagnosis pointers; ";
    msg += fhir ? "a professional claim carries at most 4 per line (payers keep the first 4): "
                  "list the 4 that support the service first."
                : "at most 4 are allowed: keep the 4 that support the service.";
    add_finding(out, rule.id, fhir ? Severity::Warn : rule.severity, std::move(msg), fifth.src,
                fifth.raw, line.number, 0);
  }
}

}  // namespace cg::rules::kinds
