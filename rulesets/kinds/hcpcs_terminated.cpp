// hcpcs.terminated (reject)
// Enforces: a HCPCS Level II code whose termination date (TERM DT, its last day of use) is
// before the line's date of service, or that was dropped from the files, is not valid; with a
// licensee's CPT file, a CPT code no longer in the release in force.
// Source: CMS Alpha-Numeric HCPCS file TERM DT; A4466 terminated 2016-12-31 (2017 file).
// Passes: A4466 on 2016 dates (not loaded here) / J1100 on 2019-02-04   Fails: A4466 on 2017-03-06.
#include "rulesets/kinds/builtin.hpp"
#include "rulesets/kinds/common.hpp"
#include "rulesets/kinds/procedure_common.hpp"

namespace cg::rules::kinds {

void check_hcpcs_terminated(const Claim& claim, const RuleEnv& env, const BuiltinRule& rule, Findings& out) noexcept {
  for_each_line_code(claim, env, [&](const ServiceLine& l, codesets::ProcedureCatalog c, Date date,
                                     codesets::ProcedureStatus s) {
    if (s != codesets::ProcedureStatus::Deleted) return;
    const auto ex = procedure_codes(env)->lookup(c, l.procedure.code, date);
    add_finding(out, rule.id, rule.severity,
                line_label(l) + ": " + std::string(catalog_name(c)) + " code " + l.procedure.code +
                    " was terminated" + (ex.last_valid ? " (last day of use " + ex.last_valid->iso() + ')' : std::string()) +
                    " and is not valid on " + date.iso() + ": send the code in force on the date of service.",
                l.procedure.src, l.procedure.code, l.number, 0);
  });
}

}  // namespace cg::rules::kinds
