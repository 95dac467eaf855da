// What the procedure code rules share (icd10pcs.*, hcpcs.*, cpt.format): the date each
// procedure is checked on, its label in messages, and walks over the claim's ICD-10-PCS
// procedures and its service-line HCPCS / CPT codes with their status in the code set.
#pragma once

#include "rulesets/codesets/procedure_codes.hpp"
#include "rulesets/core/rule.hpp"
#include "rulesets/kinds/common.hpp"

#include <optional>
#include <string>

namespace cg::rules::kinds {

// A claim procedure's date: its own (HI0n-4, Claim.procedure.date); else, where the guide lets
// it be absent (FHIR), the claim's through date, else its from date.
[[nodiscard]] std::optional<Date> procedure_date(const Claim& claim, const ClaimProcedure& p);
// "The principal procedure 0SG0070" / "Other procedure 2 (0SG1070)".
[[nodiscard]] std::string procedure_label(const ClaimProcedure& p);
// "on 2024-05-01 (its procedure date)" / "on 2024-05-01 (the claim's through date: no procedure date)".
[[nodiscard]] std::string procedure_on(const ClaimProcedure& p, Date date);

[[nodiscard]] const codesets::ProcedureCodes* procedure_codes(const RuleEnv& env) noexcept;

// Calls fn(procedure, date, status) for each ICD-10-PCS claim procedure that has a date.
template <class Fn>
void for_each_pcs(const Claim& claim, const RuleEnv& env, Fn&& fn) {
  const auto* codes = procedure_codes(env);
  for (const auto& p : claim.procedures) {
    if (p.system != ProcedureSystem::Icd10Pcs) continue;
    const auto date = procedure_date(claim, p);
    if (!date) continue;
    const auto status = codes ? codes->status(codesets::ProcedureCatalog::Icd10Pcs, p.code, *date)
                              : codesets::ProcedureStatus::NotLoaded;
    fn(p, *date, status);
  }
}

// The catalog a service line's code is checked in: HCPCS Level II codes (a letter first), and
// CPT codes when a licensee compiled a CPT release in; nullopt for anything else.
[[nodiscard]] std::optional<codesets::ProcedureCatalog> line_catalog(const ServiceLine& l, const RuleEnv& env);

// True when a service line carries an ICD-10-PCS code (FHIR system ICD-10-PCS, or an X12 HC
// code that is a 7-character ICD-10-PCS code on the date): icd10pcs.on-service-line.
[[nodiscard]] bool pcs_on_line(const ServiceLine& l, Date date, const RuleEnv& env);

// Calls fn(line, catalog, date, status) for each service line with a HCPCS / CPT code to check.
// Calls fn(line, catalog, date, status) for each line with a HCPCS (or loaded CPT) code and a
// date that is not an ICD-10-PCS code (LineFacts::coded).
template <class Fn>
void for_each_line_code(const Claim& claim, const RuleEnv& env, Fn&& fn) {
  ClaimFacts scratch;
  const ClaimFacts& facts = facts_for(claim, env, scratch);
  for (std::size_t i = 0; i < claim.lines.size(); ++i) {
    const LineFacts& x = facts.lines[i];
    if (x.coded) fn(claim.lines[i], x.catalog, *x.date, x.status);
  }
}

[[nodiscard]] std::string_view catalog_name(codesets::ProcedureCatalog c);

}  // namespace cg::rules::kinds
