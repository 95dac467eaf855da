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

std::string_view procedure_system(std::string_view q, std::string_view code) {
  if (q == "AD") return kCdt;
  if (q != "HC") return {};
  // CPT: five digits (Category I), or four digits and F / T / U (Categories II, III, PLA).
  auto digit = [](char c) { return c >= '0' && c <= '9'; };
  const bool cpt = code.size() == 5 && digit(code[0]) && digit(code[1]) && digit(code[2]) && digit(code[3]) &&
                   (digit(code[4]) || code[4] == 'F' || code[4] == 'T' || code[4] == 'U');
  return cpt ? kCpt : kHcpcs;
}

std::string_view procedure_qualifier(std::string_view s) {
  if (s == kCpt || s == "urn:oid:2.16.840.1.113883.6.12" || s == kHcpcs ||
      s == "https://www.cms.gov/Medicare/Coding/HCPCSReleaseCodeSets" || s == "urn:oid:2.16.840.1.113883.6.285" ||
      s == "https://bluebutton.cms.gov/resources/codesystem/hcpcs")
    return "HC";
  if (s == kCdt) return "AD";
  return {};
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
