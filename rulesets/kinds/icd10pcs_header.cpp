// icd10pcs.header (reject)
// Enforces: an ICD-10-PCS procedure code is a table (its first 3 characters, a header row of
// the order file) or any other partial code: only complete 7-character codes are valid.
// Source: CMS ICD-10-PCS order file layout (flag 0 = table header, not valid for submission).
// Passes: HI*BBR:0SG0070:D8:20240502   Fails: HI*BBR:0SG00:D8:20240502 (11 codes under it).
#include "rulesets/kinds/builtin.hpp"
#include "rulesets/kinds/common.hpp"
#include "rulesets/kinds/procedure_common.hpp"

namespace cg::rules::kinds {

void check_icd10pcs_header(const Claim& claim, const RuleEnv& env, const BuiltinRule& rule, Findings& out) noexcept {
  for_each_pcs(claim, env, [&](const ClaimProcedure& p, Date date, codesets::ProcedureStatus s) {
    if (s != codesets::ProcedureStatus::Header) return;
    const auto ex = procedure_codes(env)->lookup(codesets::ProcedureCatalog::Icd10Pcs, p.code, date);
    std::string msg = procedure_label(p) + " is an ICD-10-PCS table or partial code" +
                      (ex.title.empty() ? std::string() : " (" + ex.title + ")") + ", not a complete 7-character code; " +
                      std::to_string(ex.valid_children) + " valid codes start with it on " + procedure_on(p, date);
    if (!ex.children_sample.empty() && ex.valid_children <= ex.children_sample.size())
      msg += ": " + join_or(ex.children_sample) + '.';
    else
      msg += ": code the complete procedure (claimgate code " + p.code + " --system icd10pcs lists them).";
    auto& f = add_finding(out, rule.id, rule.severity, std::move(msg), p.src, p.code_as_sent, 0, 0);
    f.procedure = p.position;
    if (ex.valid_children <= ex.children_sample.size()) f.suggestions = ex.children_sample;
  });
}

}  // namespace cg::rules::kinds
