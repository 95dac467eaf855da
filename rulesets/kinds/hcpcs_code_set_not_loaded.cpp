// hcpcs.code-set-not-loaded (warn)
// Enforces: says so, once per claim, when a service line's HCPCS Level II code (or CPT code,
// when a CPT file is compiled in) could not be checked because no loaded release covers the
// line's date. The bundled HCPCS files are the 2017-2019 annual ones: load the current
// quarterly file with `claimgate code-set build`.
// Source: CMS HCPCS quarterly update cycle.
// Passes: J1100 on 2019-02-04   Fails: J1100 on 2024-05-06.
#include "rulesets/kinds/builtin.hpp"
#include "rulesets/kinds/common.hpp"
#include "rulesets/kinds/procedure_common.hpp"

namespace cg::rules::kinds {

void check_hcpcs_code_set_not_loaded(const Claim& claim, const RuleEnv& env, const BuiltinRule& rule,
                                     Findings& out) noexcept {
  bool said = false;
  for_each_line_code(claim, env, [&](const ServiceLine& l, codesets::ProcedureCatalog c, Date date,
                                     codesets::ProcedureStatus s) {
    if (said || s != codesets::ProcedureStatus::NotLoaded) return;
    said = true;
    const auto* codes = procedure_codes(env);
    std::string msg = "No loaded " + std::string(catalog_name(c)) + " release covers " + date.iso() + " (" +
                      line_label(l) + ')';
    if (codes && codes->loaded(c)) {
      const auto& rs = codes->releases(c);
      msg += "; loaded: " + rs.front().name + " from " + rs.front().effective_from.iso() + " to " + rs.back().name +
             " through " + rs.back().effective_to.iso();
    }
    msg += ", so the line procedure codes were not checked; load the current file (claimgate code-set build --hcpcs).";
    add_finding(out, rule.id, rule.severity, std::move(msg), l.procedure.src, l.procedure.code, l.number, 0);
  });
}

}  // namespace cg::rules::kinds
