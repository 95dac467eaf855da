// dx.pointer.duplicate (reject)
// Enforces: one service line does not repeat a diagnosis pointer.
// Source: 005010X222A1 SV107 (each pointer once per line); clearinghouse edit practice.
// Passes: SV107 = 1:2   Fails: SV107 = 1:1 (reported on the second occurrence).
#include "rulesets/kinds/builtin.hpp"
#include "rulesets/kinds/common.hpp"

namespace cg::rules::kinds {

void check_dx_pointer_duplicate(const Claim& claim, const RuleEnv&, const BuiltinRule& rule,
                                Findings& out) noexcept {
  for (const auto& line : claim.lines) {
    const auto& ps = line.pointers;
    for (std::size_t i = 1; i < ps.size(); ++i) {
      for (std::size_t j = 0; j < i; ++j) {
        const bool same = (ps[i].value >= 1 && ps[i].value == ps[j].value) ||
                          (ps[i].value < 1 && ps[i].raw == ps[j].raw);
        if (!same) continue;
        add_finding(out, rule.id, rule.severity,
                    line_label(line) + " lists diagnosis pointer " + ps[i].raw +
                        " twice; remove the repeated pointer.",
                    ps[i].src, ps[i].raw, line.number, ps[i].value > 0 ? ps[i].value : 0);
        break;
      }
    }
  }
}

}  // namespace cg::rules::kinds
