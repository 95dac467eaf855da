#include "rulesets/core/claim.hpp"

#include <cctype>
#include <limits>

namespace cg::rules {

const Party& PartyRef::none() {
  static const Party kNone;
  return kNone;
}

std::string Amount::to_string() const {
  std::int64_t v = units;
  std::string out;
  if (v < 0) {
    out += '-';
    v = -v;
  }
  out += std::to_string(v / kScale);
  std::int64_t frac = v % kScale;
  if (frac != 0) {
    std::string digits = std::to_string(frac + kScale).substr(1);
    while (!digits.empty() && digits.back() == '0') digits.pop_back();
    out += '.';
    out += digits;
  }
  return out;
}

std::optional<Amount> parse_amount(std::string_view t) {
  if (t.empty()) return std::nullopt;
  bool neg = false;
  std::size_t i = 0;
  if (t[0] == '-' || t[0] == '+') {
    neg = t[0] == '-';
    i = 1;
  }
  std::int64_t whole = 0, frac = 0;
  int frac_digits = 0, int_digits = 0;
  for (; i < t.size() && t[i] != '.'; ++i) {
    if (t[i] < '0' || t[i] > '9' || ++int_digits > 14) return std::nullopt;
    whole = whole * 10 + (t[i] - '0');
  }
  if (i < t.size()) {
    for (++i; i < t.size(); ++i) {
      if (t[i] < '0' || t[i] > '9' || ++frac_digits > 4) return std::nullopt;
      frac = frac * 10 + (t[i] - '0');
    }
  }
  if (int_digits == 0 && frac_digits == 0) return std::nullopt;
  for (int k = frac_digits; k < 4; ++k) frac *= 10;
  const std::int64_t u = whole * Amount::kScale + frac;
  return Amount{neg ? -u : u, true};
}

std::string_view to_string(Format f) {
  switch (f) {
    case Format::X12_837P: return "837P";
    case Format::X12_837I: return "837I";
    case Format::X12_837D: return "837D";
    case Format::Fhir: return "FHIR";
  }
  return "?";
}

std::string_view to_string(ClaimKind k) {
  switch (k) {
    case ClaimKind::Professional: return "professional";
    case ClaimKind::Institutional: return "institutional";
    case ClaimKind::Dental: return "dental";
    case ClaimKind::Other: return "other";
  }
  return "?";
}

std::string_view to_string(CodeSystem s) {
  switch (s) {
    case CodeSystem::Icd10Cm: return "ICD-10-CM";
    case CodeSystem::Icd9Cm: return "ICD-9-CM";
    case CodeSystem::Icd10Who: return "ICD-10";
    case CodeSystem::Other: return "other";
    case CodeSystem::None: return "none";
  }
  return "?";
}

std::string_view to_string(DxRole r) {
  switch (r) {
    case DxRole::Principal: return "principal";
    case DxRole::Other: return "other";
    case DxRole::Admitting: return "admitting";
    case DxRole::ReasonForVisit: return "reason-for-visit";
    case DxRole::ExternalCause: return "external-cause";
  }
  return "?";
}

std::string_view to_string(ProcedureSystem s) {
  switch (s) {
    case ProcedureSystem::Icd10Pcs: return "ICD-10-PCS";
    case ProcedureSystem::Icd9Cm: return "ICD-9-CM";
    case ProcedureSystem::Hcpcs: return "HCPCS";
    case ProcedureSystem::Cpt: return "CPT";
    case ProcedureSystem::Cdt: return "CDT";
    case ProcedureSystem::Other: return "other";
    case ProcedureSystem::None: return "none";
  }
  return "?";
}

std::string_view to_string(ProcedureRole r) {
  return r == ProcedureRole::Principal ? "principal" : "other";
}

ProcedureSystem procedure_system(std::string_view s, std::string_view code) {
  const bool digit_first = !code.empty() && code[0] >= '0' && code[0] <= '9';
  if (s.empty()) return ProcedureSystem::None;
  // X12 product/service id qualifiers (SV101-1, SV202-1, SV301-1).
  if (s == "HC") return digit_first ? ProcedureSystem::Cpt : ProcedureSystem::Hcpcs;
  if (s == "AD") return ProcedureSystem::Cdt;
  // FHIR system URIs (terminology.hl7.org: CPT, HCPCS, ICD-10-PCS, CDT).
  if (s == "http://www.ama-assn.org/go/cpt" || s == "urn:oid:2.16.840.1.113883.6.12")
    return ProcedureSystem::Cpt;
  if (s == "http://www.cms.gov/Medicare/Coding/HCPCSReleaseCodeSets" ||
      s == "https://www.cms.gov/Medicare/Coding/HCPCSReleaseCodeSets" ||
      s == "https://bluebutton.cms.gov/resources/codesystem/hcpcs" || s == "urn:oid:2.16.840.1.113883.6.285")
    return digit_first ? ProcedureSystem::Cpt : ProcedureSystem::Hcpcs;
  if (s == "http://www.cms.gov/Medicare/Coding/ICD10" || s == "urn:oid:2.16.840.1.113883.6.4" ||
      s == "http://hl7.org/fhir/sid/icd-10-pcs")
    return ProcedureSystem::Icd10Pcs;
  if (s == "http://hl7.org/fhir/sid/icd-9-cm" || s == "urn:oid:2.16.840.1.113883.6.104" ||
      s == "http://hl7.org/fhir/sid/icd-9-cm/procedure")
    return ProcedureSystem::Icd9Cm;
  if (s == "http://www.ada.org/cdt" || s == "urn:oid:2.16.840.1.113883.6.13") return ProcedureSystem::Cdt;
  return ProcedureSystem::Other;
}

std::string_view fhir_system_uri(ProcedureSystem s) {
  switch (s) {
    case ProcedureSystem::Icd10Pcs: return "http://www.cms.gov/Medicare/Coding/ICD10";
    case ProcedureSystem::Icd9Cm: return "http://hl7.org/fhir/sid/icd-9-cm";
    case ProcedureSystem::Hcpcs: return "http://www.cms.gov/Medicare/Coding/HCPCSReleaseCodeSets";
    case ProcedureSystem::Cpt: return "http://www.ama-assn.org/go/cpt";
    case ProcedureSystem::Cdt: return "http://www.ada.org/cdt";
    case ProcedureSystem::Other:
    case ProcedureSystem::None: return "";
  }
  return "";
}

std::string normalize_code(std::string_view code) {
  std::string out;
  out.reserve(code.size());
  for (char c : code) {
    if (c == '.' || c == ' ' || c == '\t') continue;
    out += static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  }
  return out;
}

}  // namespace cg::rules
