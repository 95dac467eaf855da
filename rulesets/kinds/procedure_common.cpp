#include "rulesets/kinds/procedure_common.hpp"

namespace cg::rules::kinds {

std::optional<Date> procedure_date(const Claim& claim, const ClaimProcedure& p) {
  if (p.date) return p.date;
  return claim.claim_date();
}

std::string procedure_label(const ClaimProcedure& p) {
  if (p.role == ProcedureRole::Principal) return "The principal procedure " + p.code_as_sent;
  return "Other procedure " + std::to_string(p.position) + " (" + p.code_as_sent + ')';
}

std::string procedure_on(const ClaimProcedure& p, Date date) {
  return date.iso() + (p.date ? " (its procedure date)" : " (the claim's through date: the procedure has no date)");
}

const codesets::ProcedureCodes* procedure_codes(const RuleEnv& env) noexcept {
  const auto* index = env.index();
  return index ? &index->procedures() : nullptr;
}

std::optional<codesets::ProcedureCatalog> line_catalog(const ServiceLine& l, const RuleEnv& env) {
  switch (procedure_system(l.procedure.system, l.procedure.code)) {
    case ProcedureSystem::Hcpcs: return codesets::ProcedureCatalog::Hcpcs;
    case ProcedureSystem::Cpt: {
      const auto* codes = procedure_codes(env);
      if (codes && codes->loaded(codesets::ProcedureCatalog::Cpt)) return codesets::ProcedureCatalog::Cpt;
      return std::nullopt;
    }
    default: return std::nullopt;
  }
}

bool pcs_on_line(const ServiceLine& l, Date date, const RuleEnv& env) {
  const auto sys = procedure_system(l.procedure.system, l.procedure.code);
  if (sys == ProcedureSystem::Icd10Pcs) return true;
  if ((sys != ProcedureSystem::Hcpcs && sys != ProcedureSystem::Cpt) || l.procedure.code.size() != 7) return false;
  const auto* codes = procedure_codes(env);
  if (!codes) return false;
  const auto s = codes->status(codesets::ProcedureCatalog::Icd10Pcs, l.procedure.code, date);
  return s != codesets::ProcedureStatus::Unknown && s != codesets::ProcedureStatus::NotLoaded;
}

std::string_view catalog_name(codesets::ProcedureCatalog c) {
  switch (c) {
    case codesets::ProcedureCatalog::Icd10Pcs: return "ICD-10-PCS";
    case codesets::ProcedureCatalog::Hcpcs: return "HCPCS Level II";
    case codesets::ProcedureCatalog::HcpcsModifier: return "HCPCS Level II modifier";
    case codesets::ProcedureCatalog::Cpt: return "CPT";
  }
  return "";
}

}  // namespace cg::rules::kinds
