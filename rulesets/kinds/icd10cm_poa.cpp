#include "rulesets/kinds/icd10cm_poa.hpp"

namespace cg::rules::kinds {

bool takes_poa(const Diagnosis& d) noexcept {
  return is_cm(d) && (d.role == DxRole::Principal || d.role == DxRole::Other || d.role == DxRole::ExternalCause);
}

SourceRef poa_src(const Diagnosis& d) {
  SourceRef s = d.src;
  if (!s.x12.empty()) {
    s.x12.component = 9;
    s.x12.data_element = 1073;
  }
  if (!s.fhirpath.empty()) {
    // "Claim.diagnosis[2].diagnosisCodeableConcept.coding[0].code" -> "Claim.diagnosis[2].onAdmission"
    const auto at = s.fhirpath.find(".diagnosis[");
    const auto close = at == std::string::npos ? at : s.fhirpath.find(']', at);
    if (close != std::string::npos) s.fhirpath = s.fhirpath.substr(0, close + 1) + ".onAdmission";
  }
  return s;
}

std::string poa_list_text(const codesets::PoaExemption& p) {
  std::string s = " (CMS POA-exempt list " + p.list + ")";
  if (p.beyond_list)
    s += "; no POA-exempt list after " + p.list + " is loaded, so the " + p.list + " list was used";
  return s;
}

}  // namespace cg::rules::kinds
