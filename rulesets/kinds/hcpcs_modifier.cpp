// hcpcs.modifier (reject)
// Enforces: a HCPCS Level II modifier on a service line (SV101-3..6, SV202-3..6,
// item.modifier) is in the Level II modifier list of the HCPCS release in force on the line's
// date, added by then and not terminated. Two-digit modifiers are CPT (Level I) modifiers and are
// not in that list: not checked here.
// Source: CMS Alpha-Numeric HCPCS file, modifier records (record id 7); 277CA A7:453.
// Passes: SV1*HC:J1100:JW on 2019-02-04   Fails: SV1*HC:J1100:Q9 on 2019-02-04.
#include "rulesets/kinds/builtin.hpp"
#include "rulesets/kinds/common.hpp"
#include "rulesets/kinds/procedure_common.hpp"

#include <algorithm>

namespace cg::rules::kinds {

void check_hcpcs_modifier(const Claim& claim, const RuleEnv& env, const BuiltinRule& rule, Findings& out) noexcept {
  const auto* codes = procedure_codes(env);
  if (!codes || !codes->loaded(codesets::ProcedureCatalog::HcpcsModifier)) return;
  ClaimFacts scratch;
  const ClaimFacts& facts = facts_for(claim, env, scratch);
  for (std::size_t i = 0; i < claim.lines.size(); ++i) {
    const auto& l = claim.lines[i];
    const auto sys = facts.lines[i].system;
    if (sys != ProcedureSystem::Hcpcs && sys != ProcedureSystem::Cpt) continue;
    const auto& date = facts.lines[i].date;
    if (!date) continue;
    for (std::size_t k = 0; k < l.procedure.modifiers.size(); ++k) {
      const std::string& m = l.procedure.modifiers[k];
      if (std::all_of(m.begin(), m.end(), [](char c) { return c >= '0' && c <= '9'; })) continue;
      const auto status = codes->status(codesets::ProcedureCatalog::HcpcsModifier, m, *date);
      if (status != codesets::ProcedureStatus::Unknown && status != codesets::ProcedureStatus::Deleted &&
          status != codesets::ProcedureStatus::NotYetEffective)
        continue;  // valid: no explanation to build
      const auto ex = codes->lookup(codesets::ProcedureCatalog::HcpcsModifier, m, *date);
      std::string why;
      switch (ex.status) {
        case codesets::ProcedureStatus::Unknown: why = "is not a HCPCS Level II modifier"; break;
        case codesets::ProcedureStatus::Deleted:
          why = "was terminated" + (ex.last_valid ? " (last day of use " + ex.last_valid->iso() + ')' : std::string());
          break;
        case codesets::ProcedureStatus::NotYetEffective:
          why = "takes effect on " + (ex.effective_from ? ex.effective_from->iso() : std::string("a later date"));
          break;
        default: continue;
      }
      const SourceRef& at = k < l.procedure.modifier_src.size() ? l.procedure.modifier_src[k] : l.procedure.src;
      add_finding(out, rule.id, rule.severity,
                  line_label(l) + ": modifier " + m + ' ' + why + " on " + date->iso() + " (HCPCS release " +
                      ex.release + "): send a valid modifier or none.",
                  at, m, l.number, 0);
    }
  }
}

}  // namespace cg::rules::kinds
