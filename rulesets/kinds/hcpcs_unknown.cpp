// hcpcs.unknown (reject)
// Enforces: a service line's HCPCS Level II code (qualifier HC, a letter and four digits) is
// not in the HCPCS release in force on the line's date nor added by a later file by then; with a
// licensee's CPT file compiled in, the same for CPT (HCPCS Level I) codes.
// Source: CMS Alpha-Numeric HCPCS file (record layout: code, ADD DT, TERM DT); 277CA A7:454.
// Passes: SV1*HC:J1100 on 2019-02-04   Fails: SV1*HC:J1199 on 2019-02-04.
#include "rulesets/kinds/builtin.hpp"
#include "rulesets/kinds/common.hpp"
#include "rulesets/kinds/procedure_common.hpp"

namespace cg::rules::kinds {

void check_hcpcs_unknown(const Claim& claim, const RuleEnv& env, const BuiltinRule& rule, Findings& out) noexcept {
  for_each_line_code(claim, env, [&](const ServiceLine& l, codesets::ProcedureCatalog c, Date date,
                                     codesets::ProcedureStatus s) {
    if (s != codesets::ProcedureStatus::Unknown) return;
    const auto* rel = procedure_codes(env)->release_on(c, date);
    add_finding(out, rule.id, rule.severity,
                line_label(l) + ": " + l.procedure.code + " is not a " + std::string(catalog_name(c)) +
                    " code on " + date.iso() + " (release " + (rel ? rel->name : std::string("?")) +
                    "): send a valid code.",
                l.procedure.src, l.procedure.code, l.number, 0);
  });
}

}  // namespace cg::rules::kinds
