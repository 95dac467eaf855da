// Claims built in code for the rule tests: an 837P-like and a FHIR-like claim with realistic
// source references, and the shared ICD-10-CM index (when the build produced one).
#pragma once

#include "rulesets/codesets/icd10cm.hpp"
#include "rulesets/core/claim.hpp"
#include "rulesets/core/rule.hpp"

#include <boost/test/unit_test.hpp>

#include <algorithm>
#include <initializer_list>
#include <memory>
#include <string>
#include <vector>

namespace cg::rules::test {

inline Date d(const char* iso) { return *parse_iso_date(iso); }

inline SourceRef x12_ref(const char* seg, std::uint32_t pos, int element, int component,
                         const char* loop) {
  SourceRef r;
  r.x12.set_segment(seg);
  r.x12.position = pos;
  r.x12.element = static_cast<std::uint16_t>(element);
  r.x12.component = static_cast<std::uint16_t>(component);
  r.x12.set_loop(loop);
  return r;
}

inline SourceRef fhir_ref(std::string path) {
  SourceRef r;
  r.fhirpath = std::move(path);
  return r;
}

struct LineSpec {
  std::string procedure;
  std::vector<std::string> pointers;  // raw values
  const char* date = "2023-03-15";
  const char* charge = "100";
};

// 837P: diagnoses in HI (ABK then ABF), lines LX/SV1/DTP*472 with SV107 pointers.
inline Claim make_837p(std::initializer_list<const char*> codes, std::initializer_list<LineSpec> lines,
                       const char* dos = "2023-03-15") {
  Claim c;
  c.id = "PCN-1001";
  c.format = Format::X12_837P;
  c.kind = ClaimKind::Professional;
  c.src = x12_ref("CLM", 20, 0, 0, "2300");
  c.total_src = x12_ref("CLM", 20, 2, 0, "2300");
  c.date_from = d(dos);
  c.date_to = d(dos);
  int pos = 0;
  for (const char* code : codes) {
    Diagnosis dx;
    dx.position = ++pos;
    dx.code_as_sent = code;
    dx.code = normalize_code(code);
    dx.system = CodeSystem::Icd10Cm;
    dx.system_as_sent = pos == 1 ? "ABK" : "ABF";
    dx.role = pos == 1 ? DxRole::Principal : DxRole::Other;
    dx.src = x12_ref("HI", 22, pos, 2, "2300");
    c.diagnoses.push_back(dx);
  }
  std::uint32_t seg = 30;
  int n = 0;
  std::int64_t total = 0;
  for (const auto& spec : lines) {
    ServiceLine l;
    l.number = ++n;
    l.src = x12_ref("LX", seg, 0, 0, "2400");
    l.procedure.system = "HC";
    l.procedure.code = spec.procedure;
    l.procedure.src = x12_ref("SV1", seg + 1, 1, 2, "2400");
    l.charge = *parse_amount(spec.charge);
    total += l.charge.units;
    int k = 0;
    for (const auto& raw : spec.pointers) {
      DiagnosisPointer p;
      p.raw = raw;
      p.value = (!raw.empty() && raw.size() < 6 &&
                 std::all_of(raw.begin(), raw.end(), [](char ch) { return ch >= '0' && ch <= '9'; }))
                    ? std::stoi(raw)
                    : -1;
      p.src = x12_ref("SV1", seg + 1, 7, ++k, "2400");
      l.pointers.push_back(p);
    }
    l.pointers_present = !spec.pointers.empty();
    if (spec.date != nullptr) {
      l.service_from = d(spec.date);
      l.service_to = d(spec.date);
      l.date_src = x12_ref("DTP", seg + 2, 3, 0, "2400");
    }
    c.lines.push_back(l);
    seg += 3;
  }
  c.total = Amount{total, true};
  return c;
}

// FHIR professional Claim: diagnosis[i].sequence = i+1, item[j].diagnosisSequence.
inline Claim make_fhir(std::initializer_list<const char*> codes, std::initializer_list<LineSpec> lines,
                       const char* dos = "2023-03-15") {
  Claim c = make_837p(codes, lines, dos);
  c.format = Format::Fhir;
  c.src = fhir_ref("Claim");
  c.total_src = fhir_ref("Claim.total");
  for (std::size_t i = 0; i < c.diagnoses.size(); ++i) {
    auto& dx = c.diagnoses[i];
    dx.system_as_sent = "http://hl7.org/fhir/sid/icd-10-cm";
    dx.src = fhir_ref("Claim.diagnosis[" + std::to_string(i) + "].diagnosisCodeableConcept.coding[0].code");
  }
  for (std::size_t j = 0; j < c.lines.size(); ++j) {
    auto& l = c.lines[j];
    const std::string item = "Claim.item[" + std::to_string(j) + "]";
    l.src = fhir_ref(item);
    l.procedure.system = "http://www.ama-assn.org/go/cpt";
    l.procedure.src = fhir_ref(item + ".productOrService.coding[0].code");
    l.date_src = fhir_ref(item + ".servicedDate");
    for (std::size_t k = 0; k < l.pointers.size(); ++k) {
      l.pointers[k].src = fhir_ref(item + ".diagnosisSequence[" + std::to_string(k) + "]");
    }
  }
  return c;
}

// The index the build compiled, or null (code-set tests are skipped then).
inline std::shared_ptr<const codesets::Icd10Index> shared_index() {
  static const std::shared_ptr<const codesets::Icd10Index> index = [] {
    auto r = codesets::Icd10Index::load(CG_BINARY_DIR "/icd10cm.cgx");
    if (auto* p = std::get_if<std::shared_ptr<const codesets::Icd10Index>>(&r)) return *p;
    return std::shared_ptr<const codesets::Icd10Index>();
  }();
  return index;
}

// A Boost.Test precondition: the suite runs only when the build compiled the index.
struct IndexLoaded {
  boost::test_tools::assertion_result operator()(boost::unit_test::test_unit_id) const {
    boost::test_tools::assertion_result r(shared_index() != nullptr);
    if (!r) r.message() << "no ICD-10-CM index at " CG_BINARY_DIR "/icd10cm.cgx";
    return r;
  }
};

inline RuleEnv env_with_index(const char* today = "2026-01-15") {
  RuleEnv env;
  env.codes = shared_index();
  env.today = d(today);
  return env;
}

inline RuleEnv env_without_index(const char* today = "2026-01-15") {
  RuleEnv env;
  env.today = d(today);
  return env;
}

// Findings of one rule id.
inline std::vector<Finding> of(const Findings& all, std::string_view rule) {
  std::vector<Finding> out;
  for (const auto& f : all) {
    if (f.rule == rule) out.push_back(f);
  }
  return out;
}

// Runs one built-in rule alone.
inline Findings run(std::string_view id, const Claim& claim, const RuleEnv& env) {
  Findings out;
  if (const auto* row = find_builtin(id)) row->check(claim, env, *row, out);
  return out;
}

}  // namespace cg::rules::test
