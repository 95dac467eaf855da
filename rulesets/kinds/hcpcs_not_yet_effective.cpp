// hcpcs.not-yet-effective (reject)
// Enforces: a HCPCS Level II code whose ADD DT is after the line's date of service is not yet
// valid on it (also a code first listed in a later file); CPT likewise by release.
// Source: CMS Alpha-Numeric HCPCS file ADD DT; A4563 added 2019-01-01.
// Passes: A4563 on 2019-02-04   Fails: A4563 on 2018-11-05.
#include "rulesets/kinds/builtin.hpp"
#include "rulesets/kinds/common.hpp"
#include "rulesets/kinds/procedure_common.hpp"

namespace cg::rules::kinds {

void check_hcpcs_not_yet_effective(const Claim& claim, const RuleEnv& env, const BuiltinRule& rule,
                                   Findings& out) noexcept {
  for_each_line_code(claim, env, [&](const ServiceLine& l, codesets::ProcedureCatalog c, Date date,
                                     codesets::ProcedureStatus s) {
    if (s != codesets::ProcedureStatus::NotYetEffective) return;
    const auto ex = procedure_codes(env)->lookup(c, l.procedure.code, date);
    add_finding(out, rule.id, rule.severity,
                line_label(l) + ": " + std::string(catalog_name(c)) + " code " + l.procedure.code +
                    " takes effect on " + (ex.effective_from ? ex.effective_from->iso() : std::string("a later date")) +
                    " and is not valid on " + date.iso() + ": send the code in force on the date of service.",
                l.procedure.src, l.procedure.code, l.number, 0);
  });
}

}  // namespace cg::rules::kinds
