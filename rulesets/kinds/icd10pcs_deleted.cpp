// icd10pcs.deleted (reject)
// Enforces: an ICD-10-PCS code valid in an earlier release but not in the one in force on the
// procedure's date is invalid; the message names its last valid day and, where the CMS files
// give one (a code added the same day with its title word for word), its replacement.
// Source: CMS ICD-10-PCS order files and addenda; 0SG604Z deleted 2025-04-01 (FY2025 April
// update), 30233AZ deleted 2026-04-01.
// Passes: 0SG604Z on 2024-11-04   Fails: 0SG604Z on 2025-06-02.
#include "rulesets/kinds/builtin.hpp"
#include "rulesets/kinds/common.hpp"
#include "rulesets/kinds/procedure_common.hpp"

namespace cg::rules::kinds {

void check_icd10pcs_deleted(const Claim& claim, const RuleEnv& env, const BuiltinRule& rule, Findings& out) noexcept {
  for_each_pcs(claim, env, [&](const ClaimProcedure& p, Date date, codesets::ProcedureStatus s) {
    if (s != codesets::ProcedureStatus::Deleted) return;
    const auto ex = procedure_codes(env)->lookup(codesets::ProcedureCatalog::Icd10Pcs, p.code, date);
    std::string msg = procedure_label(p) + " was deleted from ICD-10-PCS" +
                      (ex.last_valid ? " (last valid " + ex.last_valid->iso() + ')' : std::string()) +
                      " and is not valid on " + procedure_on(p, date);
    if (!ex.replacements.empty())
      msg += "; use " + join_or(ex.replacements) + '.';
    else
      msg += "; no code replaces it one for one: code the procedure with the " + ex.release + " code set.";
    auto& f = add_finding(out, rule.id, rule.severity, std::move(msg), p.src, p.code_as_sent, 0, 0);
    f.procedure = p.position;
    f.suggestions = ex.replacements;
  });
}

}  // namespace cg::rules::kinds
