// Helpers for the FHIR reader tests: run read_fhir_claims and collect what it hands out, and
// build a Claim resource from named top-level elements so each test changes one thing.
#pragma once

#include "transforms/fhir_claims.hpp"

#include <fstream>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

namespace cg::fhir_test {

struct ReadResult {
  std::vector<rules::Claim> claims;
  std::vector<rules::Findings> findings;  // per claim
  std::vector<rules::Finding> errors;     // on_error
  transforms::ReadSummary summary;

  // The findings of claim i with rule `rule` (all rules when empty).
  [[nodiscard]] std::vector<rules::Finding> of(std::size_t i, std::string_view rule = {}) const {
    std::vector<rules::Finding> out;
    for (const auto& f : findings.at(i))
      if (rule.empty() || f.rule == rule) out.push_back(f);
    return out;
  }
};

inline ReadResult read(std::string_view bytes, const transforms::InputLimits& limits = {}) {
  ReadResult r;
  r.summary = transforms::read_fhir_claims(
      bytes, "test", limits,
      [&](rules::Claim&& c, rules::Findings&& f) {
        r.claims.push_back(std::move(c));
        r.findings.push_back(std::move(f));
      },
      [&](rules::Finding&& f) { r.errors.push_back(std::move(f)); });
  return r;
}

// The FHIR corpus copied into the project (conformance/fhir/corpus, see its PROVENANCE.md).
inline const std::string kCorpusDir = std::string(CG_SOURCE_DIR) + "/conformance/fhir/corpus";

inline std::string slurp(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// A valid professional Claim, element by element (JSON text of each value).
struct ClaimBuilder {
  std::vector<std::pair<std::string, std::string>> parts = {
      {"resourceType", R"("Claim")"},
      {"id", R"("c-1")"},
      {"contained",
       R"([{"resourceType":"Patient","id":"pat","birthDate":"1980-02-03","gender":"female"},)"
       R"({"resourceType":"Coverage","id":"cov","status":"active","payor":[{"identifier":{"value":"PAYER01"}}]},)"
       R"({"resourceType":"Organization","id":"org","identifier":[{"system":"http://hl7.org/fhir/sid/us-npi","value":"1234567893"}]}])"},
      {"identifier", R"([{"system":"urn:clinic","value":"PCN-77"}])"},
      {"status", R"("active")"},
      {"type", R"({"coding":[{"system":"http://terminology.hl7.org/CodeSystem/claim-type","code":"professional"}]})"},
      {"use", R"("claim")"},
      {"patient", R"({"reference":"#pat"})"},
      {"created", R"("2024-01-20T10:00:00-05:00")"},
      {"provider", R"({"reference":"#org"})"},
      {"priority", R"({"coding":[{"code":"normal"}]})"},
      {"diagnosis",
       R"([{"sequence":1,"diagnosisCodeableConcept":{"coding":[{"system":"http://hl7.org/fhir/sid/icd-10-cm","code":"M54.50"}]},"type":[{"coding":[{"code":"principal"}]}]},)"
       R"({"sequence":2,"diagnosisCodeableConcept":{"coding":[{"system":"http://hl7.org/fhir/sid/icd-10-cm","code":"G8929"}]}}])"},
      {"insurance", R"([{"sequence":1,"focal":true,"coverage":{"reference":"#cov"}}])"},
      {"item",
       R"([{"sequence":1,"diagnosisSequence":[1,2],"productOrService":{"coding":[{"system":"http://www.ama-assn.org/go/cpt","code":"99213"}]},)"
       R"("modifier":[{"coding":[{"code":"25"}]}],"servicedDate":"2024-01-15","quantity":{"value":1},"unitPrice":{"value":125.00,"currency":"USD"},"net":{"value":125.00,"currency":"USD"}},)"
       R"({"sequence":2,"diagnosisSequence":[2],"productOrService":{"coding":[{"system":"http://www.cms.gov/Medicare/Coding/HCPCSReleaseCodeSets","code":"J1030"}]},)"
       R"("servicedPeriod":{"start":"2024-01-16","end":"2024-01-17"},"quantity":{"value":2},"unitPrice":{"value":10.5,"currency":"USD"}}])"},
      {"total", R"({"value":146.00,"currency":"USD"})"},
  };

  ClaimBuilder& set(const std::string& k, std::string v) {
    for (auto& [key, val] : parts)
      if (key == k) {
        val = std::move(v);
        return *this;
      }
    parts.emplace_back(k, std::move(v));
    return *this;
  }
  ClaimBuilder& drop(const std::string& k) {
    std::erase_if(parts, [&](const auto& p) { return p.first == k; });
    return *this;
  }
  [[nodiscard]] std::string json() const {
    std::string s = "{";
    for (std::size_t i = 0; i < parts.size(); ++i) {
      if (i) s += ',';
      s += '"' + parts[i].first + "\":" + parts[i].second;
    }
    return s + "}";
  }
};

}  // namespace cg::fhir_test
