// Conformance over the FHIR corpus copied into conformance/fhir/corpus: every Claim sample (read
// from the directory at test time) parses into Claims without input findings; the diagnoses and
// pointers of the samples that carry ICD codes (MANIFEST.tsv columns dx_sample and diag_pointers)
// come out as listed. When ../shared is present, every FHIR file there must be copied unchanged.
#include "fhir_test_util.hpp"

#include <boost/test/unit_test.hpp>

#include <filesystem>
#include <map>

using namespace cg;
using namespace cg::fhir_test;

namespace {

const std::string kClaimDir = kCorpusDir + "/claim";

// MANIFEST.tsv rows: path -> column value.
std::map<std::string, std::map<std::string, std::string>> manifest() {
  std::map<std::string, std::map<std::string, std::string>> out;
  std::istringstream in(slurp(kCorpusDir + "/MANIFEST.tsv"));
  std::string line;
  std::vector<std::string> header;
  auto split = [](const std::string& l) {
    std::vector<std::string> cols;
    std::size_t b = 0;
    for (;;) {
      const auto t = l.find('\t', b);
      cols.push_back(l.substr(b, t == std::string::npos ? std::string::npos : t - b));
      if (t == std::string::npos) break;
      b = t + 1;
    }
    return cols;
  };
  while (std::getline(in, line)) {
    const auto cols = split(line);
    if (header.empty()) {
      header = cols;
      continue;
    }
    for (std::size_t i = 0; i < cols.size() && i < header.size(); ++i) out[cols[0]][header[i]] = cols[i];
  }
  return out;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(fhir_corpus)

BOOST_AUTO_TEST_CASE(every_claim_sample_parses) {
  std::size_t files = 0;
  for (const auto& e : std::filesystem::directory_iterator(kClaimDir)) {
    if (!e.is_regular_file()) continue;
    ++files;
    const auto r = read(slurp(e.path().string()));
    const std::string name = e.path().filename().string();
    BOOST_TEST(r.errors.empty(), name);
    BOOST_TEST(r.claims.size() == 1u, name);
    for (std::size_t i = 0; i < r.claims.size(); ++i) {
      BOOST_TEST(r.findings[i].empty(), name << ": " << (r.findings[i].empty() ? "" : r.findings[i][0].message));
      BOOST_TEST(!r.claims[i].id.empty(), name);
      BOOST_TEST(!r.claims[i].diagnoses.empty(), name);
      BOOST_TEST(!r.claims[i].lines.empty(), name);
    }
  }
  BOOST_TEST(files >= 14u);
}

// dx_sample lists "system:code" per diagnosis in order (e.g. "icd-10-cm:G89.4"); the claims with
// ICD codes must give exactly those codes, and every diagnosisSequence must resolve
// (diag_pointers "unmatched=0").
BOOST_AUTO_TEST_CASE(diagnoses_and_pointers_match_manifest) {
  const auto rows = manifest();
  std::size_t checked = 0;
  for (const auto& [path, cols] : rows) {
    if (path.rfind("fhir/claim/", 0) != 0) continue;
    const std::string& sample = cols.at("dx_sample");
    if (sample.find("icd-10") == std::string::npos) continue;
    const auto r = read(slurp(kCorpusDir + "/" + path.substr(std::string_view("fhir/").size())));
    BOOST_TEST_REQUIRE(r.claims.size() == 1u, path);
    const auto& c = r.claims[0];
    std::string got;
    for (const auto& d : c.diagnoses) {
      if (!got.empty()) got += ' ';
      const std::string_view sys = d.system_as_sent;
      got += std::string(sys.substr(sys.rfind('/') + 1)) + ':' + d.code_as_sent;
    }
    BOOST_TEST(got == sample, path);
    std::size_t with_ptrs = 0, unmatched = 0;
    for (const auto& l : c.lines) {
      if (!l.pointers.empty()) ++with_ptrs;
      for (const auto& p : l.pointers) {
        bool found = false;
        for (const auto& d : c.diagnoses) found = found || d.position == p.value;
        if (!found) ++unmatched;
      }
    }
    BOOST_TEST(cols.at("diag_pointers") == "items_with_diagnosisSequence=" + std::to_string(with_ptrs) +
                                               "; unmatched=" + std::to_string(unmatched),
               path);
    ++checked;
  }
  BOOST_TEST(checked == 4u);
}

BOOST_AUTO_TEST_CASE(exact_values_of_icd_samples) {
  {
    const auto r = read(slurp(kClaimDir + "/hl7r4ex__Claim-MED-00050.json"));
    const auto& c = r.claims.at(0);
    BOOST_TEST(c.id == "MED-00050");
    BOOST_TEST((c.kind == rules::ClaimKind::Institutional));
    BOOST_TEST(c.payer_id == "123456");  // contained Coverage.payor identifier
    BOOST_TEST(c.birth_date->iso() == "1954-06-11");
    BOOST_TEST(c.sex == 'F');
    BOOST_TEST_REQUIRE(c.diagnoses.size() == 4u);
    BOOST_TEST((c.diagnoses[0].system == rules::CodeSystem::Icd10Who));  // icd-10, not icd-10-cm
    BOOST_TEST(c.diagnoses[3].code == "M47816");
    BOOST_TEST(c.diagnoses[3].position == 4);
    BOOST_TEST_REQUIRE(c.lines.size() == 1u);
    BOOST_TEST(c.lines[0].procedure.code == "62264");
    BOOST_TEST(c.lines[0].pointers.size() == 2u);
    BOOST_TEST(c.lines[0].pointers[0].value == 2);
    BOOST_TEST(c.lines[0].pointers[1].value == 4);
    BOOST_TEST(c.lines[0].pointers[1].src.fhirpath == "Claim.item[0].diagnosisSequence[1]");
    BOOST_TEST(c.lines[0].charge.units == 125000000);
    BOOST_TEST(c.total.units == 125000000);
  }
  for (const char* f : {"/paskit__pas_claim.json", "/paskit__conformant_pas_bundle_v110.json"}) {
    const auto r = read(slurp(kClaimDir + f));
    const auto& c = r.claims.at(0);
    BOOST_TEST_REQUIRE(c.diagnoses.size() == 1u);
    BOOST_TEST(c.diagnoses[0].code == "G894");
    BOOST_TEST((c.diagnoses[0].system == rules::CodeSystem::Icd10Cm));
    BOOST_TEST(c.lines.at(0).pointers.at(0).raw == "1");
    BOOST_TEST(c.lines.at(0).pointers.at(0).value == 1);
  }
}

BOOST_AUTO_TEST_CASE(non_claim_samples_are_rejected_cleanly) {
  for (const char* dir : {"/claimresponse", "/eob", "/operationoutcome"}) {
    for (const auto& e : std::filesystem::directory_iterator(kCorpusDir + dir)) {
      const auto r = read(slurp(e.path().string()));
      BOOST_TEST(r.claims.empty(), e.path().string());
      BOOST_TEST_REQUIRE(r.errors.size() >= 1u, e.path().string());
      BOOST_TEST((r.errors[0].rule == "fhir.resource-type" || r.errors[0].rule == "fhir.not-supported"),
                 e.path().string() << ": " << r.errors[0].rule);
    }
  }
}

// The copy must stay the corpus: every file of ../shared/corpus/fhir is here, byte for byte, and
// listed in the copied MANIFEST.tsv. A clone without ../shared runs on the copies alone.
BOOST_AUTO_TEST_CASE(every_shared_fhir_file_is_copied) {
  const std::filesystem::path shared = std::filesystem::path(CG_SHARED_DIR) / "corpus/fhir";
  if (!std::filesystem::exists(shared)) return;
  const auto rows = manifest();
  std::size_t files = 0;
  for (const auto& e : std::filesystem::recursive_directory_iterator(shared)) {
    if (!e.is_regular_file()) continue;
    const std::string rel = std::filesystem::relative(e.path(), shared).generic_string();
    BOOST_TEST_CONTEXT(rel) {
      BOOST_TEST((slurp(kCorpusDir + "/" + rel) == slurp(e.path().string())), "not copied unchanged");
      BOOST_TEST(rows.count("fhir/" + rel) == 1u, "not in MANIFEST.tsv");
    }
    ++files;
  }
  BOOST_TEST(files == rows.size());
}

BOOST_AUTO_TEST_SUITE_END()
