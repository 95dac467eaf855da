// The registry of built-in rules: the one place that lists them (id, default severity,
// one-line description, check). Ids are a public interface (issue 5): never rename one.
// Adding a rule: one file in rulesets/kinds/, one line here, one line in docs/rules.md, a
// failing and a passing conformance case.
#include "rulesets/core/rule.hpp"
#include "rulesets/kinds/builtin.hpp"

#include <array>

namespace cg::rules {
namespace {

using enum Severity;
using namespace kinds;

constexpr std::array kBuiltins{
    // Pointers (837P SV107, 837D SV311, FHIR item.diagnosisSequence)
    BuiltinRule{"dx.pointer.missing", Reject,
                "A professional or dental service line has no diagnosis pointer", &check_dx_pointer_missing},
    BuiltinRule{"dx.pointer.invalid", Reject,
                "A diagnosis pointer is not a number 1-12 (X12) or a positive integer (FHIR)", &check_dx_pointer_invalid},
    BuiltinRule{"dx.pointer.unresolved", Reject,
                "A diagnosis pointer refers to a diagnosis position the claim does not have", &check_dx_pointer_unresolved},
    BuiltinRule{"dx.pointer.duplicate", Reject,
                "The same diagnosis pointer appears twice on one service line", &check_dx_pointer_duplicate},
    BuiltinRule{"dx.pointer.too-many", Reject,
                "More than 4 diagnosis pointers on an 837P/837D service line", &check_dx_pointer_too_many},
    BuiltinRule{"dx.unreferenced", Warn,
                "A diagnosis no service line points to (professional and dental claims)", &check_dx_unreferenced},
    // Codes
    BuiltinRule{"dx.duplicate-code", Reject,
                "The same diagnosis code appears twice on one claim", &check_dx_duplicate_code},
    BuiltinRule{"icd10cm.qualifier-mismatch", Reject,
                "ICD-9-CM on a date from 2015-10-01, ICD-10-CM before it, or a code system that is not ICD-10-CM", &check_icd10cm_qualifier_mismatch},
    BuiltinRule{"icd10cm.code-set-not-loaded", Warn,
                "The date of service is past the newest loaded ICD-10-CM release (or no code set is loaded)", &check_icd10cm_code_set_not_loaded},
    BuiltinRule{"icd10cm.unknown", Reject,
                "The diagnosis code is not an ICD-10-CM code (or could not be read to be checked)", &check_icd10cm_unknown},
    BuiltinRule{"icd10cm.header", Reject,
                "The diagnosis code is a category header, not billable on the date of service", &check_icd10cm_header},
    BuiltinRule{"icd10cm.not-yet-effective", Reject,
                "The diagnosis code takes effect after the date of service", &check_icd10cm_not_yet_effective},
    BuiltinRule{"icd10cm.deleted", Reject,
                "The diagnosis code was deleted before the date of service", &check_icd10cm_deleted},
    BuiltinRule{"icd10cm.invalid-extension", Reject,
                "The 7th character is missing, not allowed or not defined, or a placeholder X is wrong", &check_icd10cm_invalid_extension},
    BuiltinRule{"icd10cm.excludes1", Reject,
                "Two diagnoses on the claim are in an Excludes1 relation", &check_icd10cm_excludes1},
    BuiltinRule{"icd10cm.external-cause-first", Reject,
                "An external-cause code (V00-Y99) is the principal or first-listed diagnosis", &check_icd10cm_external_cause_first},
    BuiltinRule{"icd10cm.manifestation-first", Reject,
                "A manifestation code is the principal or first-listed diagnosis", &check_icd10cm_manifestation_first},
    BuiltinRule{"icd10cm.age-conflict", Reject,
                "The diagnosis does not fit the patient's age (maternity, newborn, MCE age edits)", &check_icd10cm_age_conflict},
    BuiltinRule{"icd10cm.sex-conflict", Reject,
                "The diagnosis does not fit the patient's sex (maternity, MCE sex edits)", &check_icd10cm_sex_conflict},
    BuiltinRule{"icd10cm.poa-required", Reject,
                "An inpatient 837I diagnosis not on the CMS POA-exempt list has no present-on-admission indicator", &check_icd10cm_poa_required},
    BuiltinRule{"icd10cm.poa-exempt", Warn,
                "A present-on-admission indicator was sent for a code on the CMS POA-exempt list (leave it empty)", &check_icd10cm_poa_exempt},
    // Procedures: ICD-10-PCS (837I HI BBR/BBQ, FHIR Claim.procedure), HCPCS / CPT on the lines
    BuiltinRule{"icd10pcs.code-set-not-loaded", Warn,
                "No loaded ICD-10-PCS release covers a procedure's date (or no code set is loaded)", &check_icd10pcs_code_set_not_loaded},
    BuiltinRule{"icd10pcs.unknown", Reject,
                "The procedure code is in no ICD-10-PCS release", &check_icd10pcs_unknown},
    BuiltinRule{"icd10pcs.header", Reject,
                "The procedure code is an ICD-10-PCS table or partial code, not a 7-character code", &check_icd10pcs_header},
    BuiltinRule{"icd10pcs.not-yet-effective", Reject,
                "The ICD-10-PCS code takes effect after the procedure's date", &check_icd10pcs_not_yet_effective},
    BuiltinRule{"icd10pcs.deleted", Reject,
                "The ICD-10-PCS code was deleted before the procedure's date", &check_icd10pcs_deleted},
    BuiltinRule{"icd10pcs.principal-missing", Reject,
                "Other procedures (HI*BBQ) are reported without a principal procedure (HI*BBR)", &check_icd10pcs_principal_missing},
    BuiltinRule{"icd10pcs.not-inpatient", Warn,
                "ICD-10-PCS procedures (HI*BBR/BBQ) on an 837I whose type of bill is not inpatient", &check_icd10pcs_not_inpatient},
    BuiltinRule{"icd10pcs.on-service-line", Reject,
                "An ICD-10-PCS code where only a HCPCS/CPT code belongs (SV101, SV202, item.productOrService)", &check_icd10pcs_on_service_line},
    BuiltinRule{"hcpcs.code-set-not-loaded", Warn,
                "No loaded HCPCS (or licensee CPT) release covers a service line's date", &check_hcpcs_code_set_not_loaded},
    BuiltinRule{"hcpcs.unknown", Reject,
                "The line's HCPCS Level II code (or licensee-loaded CPT code) is not in the release in force", &check_hcpcs_unknown},
    BuiltinRule{"hcpcs.terminated", Reject,
                "The line's HCPCS code was terminated before the line's date", &check_hcpcs_terminated},
    BuiltinRule{"hcpcs.not-yet-effective", Reject,
                "The line's HCPCS code takes effect after the line's date", &check_hcpcs_not_yet_effective},
    BuiltinRule{"hcpcs.modifier", Reject,
                "A modifier is not in the HCPCS Level II modifier list in force on the line's date", &check_hcpcs_modifier},
    BuiltinRule{"cpt.format", Reject,
                "A CPT code is not five digits, or four digits and F, T or U", &check_cpt_format},
    // Claim
    BuiltinRule{"claim.balance", Reject,
                "The claim total differs from the sum of the line charges", &check_claim_balance},
    BuiltinRule{"claim.npi", Reject,
                "The billing provider NPI is not 10 digits with a valid check digit", &check_claim_npi},
    BuiltinRule{"claim.future-date", Reject,
                "A date of service is after the day the claim is received", &check_claim_future_date},
    BuiltinRule{"claim.no-date-of-service", Reject,
                "The claim has no date of service at all, so its codes cannot be checked", &check_claim_no_date_of_service},
    BuiltinRule{"claim.birth-date-after-service", Reject,
                "The patient's birth date is after a date of service", &check_claim_birth_date_after_service},
};

}  // namespace

std::span<const BuiltinRule> builtin_rules() noexcept { return kBuiltins; }

}  // namespace cg::rules
