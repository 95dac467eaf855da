// icd10pcs.not-yet-effective (reject)
// Enforces: an ICD-10-PCS code that takes effect after the procedure's date (October 1 or, since
// FY2022, April 1 new-technology updates) is not valid on that date.
// Source: CMS ICD-10-PCS order files and addenda; 3E033AZ added 2026-04-01.
// Passes: 3E033AZ on 2026-05-04   Fails: 3E033AZ on 2026-01-12.
#include "rulesets/kinds/builtin.hpp"
#include "rulesets/kinds/common.hpp"
#include "rulesets/kinds/procedure_common.hpp"

namespace cg::rules::kinds {

void check_icd10pcs_not_yet_effective(const Claim& claim, const RuleEnv& env, const BuiltinRule& rule,
                                      Findings& out) noexcept {
  for_each_pcs(claim, env, [&](const ClaimProcedure& p, Date date, codesets::ProcedureStatus s) {
    if (s != codesets::ProcedureStatus::NotYetEffective) return;
    const auto ex = procedure_codes(env)->lookup(codesets::ProcedureCatalog::Icd10Pcs, p.code, date);
    std::string msg = procedure_label(p) + " takes effect on " +
                      (ex.effective_from ? ex.effective_from->iso() : std::string("a later date")) +
                      " and is not valid on " + procedure_on(p, date) + ": code the procedure with the " +
                      ex.release + " ICD-10-PCS code set.";
    auto& f = add_finding(out, rule.id, rule.severity, std::move(msg), p.src, p.code_as_sent, 0, 0);
    f.procedure = p.position;
  });
}

}  // namespace cg::rules::kinds
