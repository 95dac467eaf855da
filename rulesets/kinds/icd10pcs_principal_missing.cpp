// icd10pcs.principal-missing (reject)
// Enforces: an institutional claim that reports other procedures (HI*BBQ / BQ) reports its
// principal procedure (HI*BBR / BR) too: the other procedures are the ones "additional" to it.
// X12: the Principal Procedure Information HI is an implementation-dependent segment missing
// (999 IK304 I6); 277CA A6:465 (principal procedure code).
// Source: 005010X223A2 loop 2300 HI Principal Procedure Information ("required on inpatient
// claims when a procedure was performed") and Other Procedure Information.
// Passes: HI*BBR:0SG0070:D8:20240502 then HI*BBQ:0SG1070:D8:20240502   Fails: the BBQ alone.
#include "rulesets/kinds/builtin.hpp"
#include "rulesets/kinds/common.hpp"

#include <algorithm>

namespace cg::rules::kinds {

void check_icd10pcs_principal_missing(const Claim& claim, const RuleEnv&, const BuiltinRule& rule,
                                      Findings& out) noexcept {
  const auto& ps = claim.procedures;
  if (ps.empty() || claim.kind != ClaimKind::Institutional) return;
  if (std::any_of(ps.begin(), ps.end(), [](const ClaimProcedure& p) { return p.role == ProcedureRole::Principal; }))
    return;
  const ClaimProcedure& first = ps.front();
  const bool x12 = claim.format != Format::Fhir;
  auto& f = add_finding(out, rule.id, rule.severity,
                        std::string(x12 ? "(IK304 I6) " : "") + "The claim reports " + std::to_string(ps.size()) +
                            " other procedure" + (ps.size() == 1 ? "" : "s") + " (first " + first.code_as_sent +
                            ") but no principal procedure; " +
                            (x12 ? "send the principal procedure in HI*BBR (loop 2300) before the HI*BBQ."
                                 : "mark the principal procedure with type \"primary\"."),
                        first.src, first.code_as_sent, 0, 0);
  f.procedure = first.position;
}

}  // namespace cg::rules::kinds
