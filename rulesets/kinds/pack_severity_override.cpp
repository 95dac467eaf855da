// Pack kind "severity-override"
// Enforces: nothing itself; sets the severity of every finding of another rule (a built-in or
// a rule of the selected packs) to the entry's "severity" while this pack is selected, e.g.
// lowering icd10cm.excludes1 to warn for a payer that accepts the "unrelated conditions"
// exception. No since/until/message: it applies to the rule as a whole.
// Params: {"rule": "icd10cm.excludes1"}
// Source: issue 5 (severities can be overridden per pack); DESIGN.md "Rules".
// Passes/fails: see the rule it overrides.
#include "rulesets/kinds/pack_support.hpp"

namespace cg::rules::packs {

SeverityOverride make_severity_override(const EntryCommon& e, JsonFields& params) {
  SeverityOverride o;
  o.rule = *params.string("rule", true);
  if (!e.severity_given) throw PackError(e.where + ": severity: required (the new severity)");
  if (e.since || e.until) {
    throw PackError(e.where + ": since/until do not apply to a severity-override");
  }
  if (!e.message.empty()) throw PackError(e.where + ": message does not apply to a severity-override");
  o.severity = e.severity;
  o.origin = e.where;
  return o;
}

}  // namespace cg::rules::packs
