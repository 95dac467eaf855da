// The check functions of the built-in rules, one per file in rulesets/kinds/, listed with
// their ids, severities and descriptions in rulesets/kinds/registry.cpp.
#pragma once

#include "rulesets/core/rule.hpp"

namespace cg::rules::kinds {

#define CG_BUILTIN_CHECK(name) \
  void name(const Claim& claim, const RuleEnv& env, const BuiltinRule& rule, Findings& out) noexcept

CG_BUILTIN_CHECK(check_dx_pointer_missing);
CG_BUILTIN_CHECK(check_dx_pointer_invalid);
CG_BUILTIN_CHECK(check_dx_pointer_unresolved);
CG_BUILTIN_CHECK(check_dx_pointer_duplicate);
CG_BUILTIN_CHECK(check_dx_pointer_too_many);
CG_BUILTIN_CHECK(check_dx_unreferenced);
CG_BUILTIN_CHECK(check_dx_duplicate_code);
CG_BUILTIN_CHECK(check_icd10cm_qualifier_mismatch);
CG_BUILTIN_CHECK(check_icd10cm_code_set_not_loaded);
CG_BUILTIN_CHECK(check_icd10cm_unknown);
CG_BUILTIN_CHECK(check_icd10cm_header);
CG_BUILTIN_CHECK(check_icd10cm_not_yet_effective);
CG_BUILTIN_CHECK(check_icd10cm_deleted);
CG_BUILTIN_CHECK(check_icd10cm_invalid_extension);
CG_BUILTIN_CHECK(check_icd10cm_excludes1);
CG_BUILTIN_CHECK(check_icd10cm_external_cause_first);
CG_BUILTIN_CHECK(check_icd10cm_manifestation_first);
CG_BUILTIN_CHECK(check_icd10cm_age_conflict);
CG_BUILTIN_CHECK(check_icd10cm_sex_conflict);
CG_BUILTIN_CHECK(check_icd10cm_poa_required);
CG_BUILTIN_CHECK(check_icd10cm_poa_exempt);
CG_BUILTIN_CHECK(check_icd10pcs_code_set_not_loaded);
CG_BUILTIN_CHECK(check_icd10pcs_unknown);
CG_BUILTIN_CHECK(check_icd10pcs_header);
CG_BUILTIN_CHECK(check_icd10pcs_not_yet_effective);
CG_BUILTIN_CHECK(check_icd10pcs_deleted);
CG_BUILTIN_CHECK(check_icd10pcs_principal_missing);
CG_BUILTIN_CHECK(check_icd10pcs_not_inpatient);
CG_BUILTIN_CHECK(check_icd10pcs_on_service_line);
CG_BUILTIN_CHECK(check_hcpcs_code_set_not_loaded);
CG_BUILTIN_CHECK(check_hcpcs_unknown);
CG_BUILTIN_CHECK(check_hcpcs_terminated);
CG_BUILTIN_CHECK(check_hcpcs_not_yet_effective);
CG_BUILTIN_CHECK(check_hcpcs_modifier);
CG_BUILTIN_CHECK(check_cpt_format);
CG_BUILTIN_CHECK(check_claim_balance);
CG_BUILTIN_CHECK(check_claim_future_date);
CG_BUILTIN_CHECK(check_claim_npi);
CG_BUILTIN_CHECK(check_claim_no_date_of_service);
CG_BUILTIN_CHECK(check_claim_birth_date_after_service);

}  // namespace cg::rules::kinds
