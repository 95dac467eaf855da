// icd10pcs.not-inpatient (warn)
// Enforces: ICD-10-PCS procedures (HI*BBR / BBQ) are reported on inpatient institutional
// claims; the 837I guide's situational rule for both segments is "required on inpatient claims"
// and says not to send them otherwise, so on an outpatient type of bill (CLM05-1, e.g. 13
// hospital outpatient) they are implementation-dependent "not used" segments present (999
// IK304 I9). A warning, not a rejection: some payers ask for them on outpatient surgery.
// Inpatient here: type of facility 1, 2, 4 or 6 (hospital, SNF, religious nonmedical,
// intermediate care) with bill classification 1, 2 (inpatient) or 8 (swing bed).
// Source: 005010X223A2 loop 2300 HI Principal / Other Procedure Information; NUBC type of bill.
// Passes: CLM05-1 11 with HI*BBR   Fails: CLM05-1 13 with HI*BBR.
#include "rulesets/kinds/builtin.hpp"
#include "rulesets/kinds/common.hpp"

namespace cg::rules::kinds {

void check_icd10pcs_not_inpatient(const Claim& claim, const RuleEnv&, const BuiltinRule& rule,
                                  Findings& out) noexcept {
  if (claim.format != Format::X12_837I || claim.procedures.empty()) return;
  const std::string& tob = claim.facility_code;
  if (tob.size() != 2) return;
  const bool facility = tob[0] == '1' || tob[0] == '2' || tob[0] == '4' || tob[0] == '6';
  const bool inpatient = facility && (tob[1] == '1' || tob[1] == '2' || tob[1] == '8');
  if (inpatient) return;
  const ClaimProcedure& first = claim.procedures.front();
  auto& f = add_finding(out, rule.id, rule.severity,
                        "(IK304 I9) The claim's type of bill (CLM05-1 " + tob +
                            ") is not inpatient, but it reports ICD-10-PCS procedures (HI*" + first.system_as_sent +
                            "); the 837I guide sends them on inpatient claims only: report outpatient procedures "
                            "as HCPCS/CPT codes on the service lines (SV202).",
                        first.src, first.code_as_sent, 0, 0);
  f.procedure = first.position;
}

}  // namespace cg::rules::kinds
