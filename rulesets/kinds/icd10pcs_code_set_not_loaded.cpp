// icd10pcs.code-set-not-loaded (warn)
// Enforces: says so, once per claim, when an ICD-10-PCS procedure could not be checked because
// no loaded ICD-10-PCS release covers its date (before FY2016, after the newest release, or no
// code set at all).
// Source: ICD-10-PCS release cycle (FY N from October 1 of year N-1, April updates).
// Passes: 0SG0070 on 2024-05-02   Fails: the same procedure on 2027-10-04.
#include "rulesets/kinds/builtin.hpp"
#include "rulesets/kinds/common.hpp"
#include "rulesets/kinds/procedure_common.hpp"

namespace cg::rules::kinds {

void check_icd10pcs_code_set_not_loaded(const Claim& claim, const RuleEnv& env, const BuiltinRule& rule,
                                        Findings& out) noexcept {
  bool said = false;
  for_each_pcs(claim, env, [&](const ClaimProcedure& p, Date date, codesets::ProcedureStatus s) {
    if (said || s != codesets::ProcedureStatus::NotLoaded) return;
    said = true;
    const auto* codes = procedure_codes(env);
    std::string msg = "No loaded ICD-10-PCS release covers " + procedure_on(p, date);
    if (codes && codes->loaded(codesets::ProcedureCatalog::Icd10Pcs)) {
      const auto& rs = codes->releases(codesets::ProcedureCatalog::Icd10Pcs);
      msg += " (loaded: " + rs.front().name + " from " + rs.front().effective_from.iso() + " to " + rs.back().name +
             " through " + rs.back().effective_to.iso() + ')';
    }
    msg += ", so the procedure codes on this claim were not checked; load the release in force "
           "(claimgate code-set build).";
    auto& f = add_finding(out, rule.id, rule.severity, std::move(msg), p.src, p.code_as_sent, 0, 0);
    f.procedure = p.position;
  });
}

}  // namespace cg::rules::kinds
