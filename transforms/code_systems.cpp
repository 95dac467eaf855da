#include "transforms/code_systems.hpp"

namespace cg::transforms::code_systems {

std::string_view diagnosis_system(rules::CodeSystem s) {
  switch (s) {
    case rules::CodeSystem::Icd10Cm: return kIcd10Cm;
    case rules::CodeSystem::Icd9Cm: return kIcd9Cm;
    default: return {};
  }
}

std::pair<std::string_view, std::string_view> diagnosis_type(rules::DxRole r) {
  switch (r) {
    case rules::DxRole::Principal: return {kDiagnosisType, "principal"};
    case rules::DxRole::Admitting: return {kDiagnosisType, "admitting"};
    case rules::DxRole::ReasonForVisit: return {kC4bbDiagnosisType, "patientreasonforvisit"};
    case rules::DxRole::ExternalCause: return {kC4bbDiagnosisType, "externalcauseofinjury"};
    case rules::DxRole::Other: break;
  }
  return {};
}

std::string_view line_procedure_qualifier(const rules::Procedure& p) {
  switch (rules::procedure_system(p.system, p.code)) {
    case rules::ProcedureSystem::Cpt:
    case rules::ProcedureSystem::Hcpcs: return "HC";
    case rules::ProcedureSystem::Cdt: return "AD";
    default: return {};
  }
}

std::string_view line_procedure_uri(const rules::Procedure& p) {
  return line_procedure_qualifier(p).empty() ? std::string_view() : rules::fhir_system_uri(rules::procedure_system(p.system, p.code));
}

std::string_view modifier_system(std::string_view m) {
  const bool digits = m.size() == 2 && m[0] >= '0' && m[0] <= '9' && m[1] >= '0' && m[1] <= '9';
  return digits ? kCpt : kHcpcs;
}

std::string_view identifier_system_for(std::string_view q) {
  if (q == "XX") return kNpi;
  if (q == "EI") return kEin;
  if (q == "SY") return kSsn;
  return {};
}

std::string_view identifier_type_for(std::string_view q) {
  if (q == "XX") return "npi";
  if (q == "PI") return "payerid";
  if (q == "MI") return "MB";
  if (q == "EI" || q == "SY") return "TAX";
  return {};
}

std::string_view identifier_type_system_for(std::string_view q) {
  return q == "XX" || q == "PI" ? kC4bbIdentifierType : kV2IdentifierType;
}

std::string_view subscriber_relationship(std::string_view c) {
  if (c == "18") return "self";
  if (c == "01") return "spouse";
  if (c == "19") return "child";
  if (c == "53") return "common";
  if (c == "G8" || c == "20" || c == "21" || c == "39" || c == "40") return "other";
  return {};
}

std::string_view nubc_system_for(std::string_view q) {
  if (q == "BE") return kNubcValue;
  if (q == "BG") return kNubcCondition;
  if (q == "BI") return kNubcOccurrenceSpan;
  return kNubcOccurrence;
}

}  // namespace cg::transforms::code_systems
