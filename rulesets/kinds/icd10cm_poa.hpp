// Shared by icd10cm.poa-required and icd10cm.poa-exempt: which diagnoses carry a
// present-on-admission indicator, where it sits, and the POA-exempt list that decides it.
// Internal to rulesets/kinds.
#pragma once

#include "rulesets/kinds/common.hpp"

#include <string>

namespace cg::rules::kinds {

// Diagnoses that take a POA indicator: on an 837I (and a FHIR institutional claim) the principal,
// other and external-cause diagnoses (HI ABK/ABF/ABN; never admitting ABJ or reason for visit
// APR), coded in ICD-10-CM.
[[nodiscard]] bool takes_poa(const Diagnosis& d) noexcept;
// Where the indicator is (HI0n-9, data element 1073) or would be; FHIR: diagnosis[n].onAdmission.
[[nodiscard]] SourceRef poa_src(const Diagnosis& d);
// Calls f(diagnosis, facts, exemption, through date) for every diagnosis that takes a POA
// indicator and is billable on the claim's through (discharge) date, with the POA-exempt list in
// force on that date. Nothing without an index or a date.
template <class F>
void for_each_poa_dx(const Claim& claim, const RuleEnv& env, F&& f) {
  const codesets::Icd10Index* idx = env.index();
  const auto date = claim.claim_date();
  if (idx == nullptr || !date) return;
  ClaimFacts scratch;
  const ClaimFacts& facts = facts_for(claim, env, scratch);
  for (std::size_t i = 0; i < claim.diagnoses.size(); ++i) {
    const auto& d = claim.diagnoses[i];
    const auto& x = facts.dx[i];
    if (!takes_poa(d) || !x.first_status() || *x.first_status() != codesets::CodeStatus::Billable) continue;
    const auto p = idx->poa_exemption(d.code, *date);
    if (!p.list.empty()) f(d, x, p, *date);
  }
}

// " (CMS POA-exempt list FY2026)" and, past the newest list's fiscal year, that it was used
// because no newer list is loaded.
[[nodiscard]] std::string poa_list_text(const codesets::PoaExemption& p);

}  // namespace cg::rules::kinds
