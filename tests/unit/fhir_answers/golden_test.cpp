// Golden answers: conformance/answers/fhir/<case>/input.json through the real pipeline
// (read_fhir_claims -> RuleSet::builtins()->evaluate with the compiled ICD-10-CM index and a
// fixed today), rendered with a fixed stamp, compared exactly with the expected files:
// - a single Claim: claim-response.json (create / $submit, queued) and operation-outcome.json
//   ($validate);
// - a batch Bundle: batch-response.json;
// - an input with no Claim at all: input-error-outcome.json.
// Expected files hold the compact output pretty-printed (2 spaces), so a review reads them.
// CG_UPDATE_GOLDEN=1 rewrites them (then review the diff by eye).
#include "fhir_r4_check.hpp"

#include "rulesets/core/rule.hpp"
#include "transforms/fhir_answers.hpp"
#include "transforms/fhir_claims.hpp"

#include <boost/test/unit_test.hpp>
#include <rapidjson/document.h>
#include <rapidjson/prettywriter.h>
#include <rapidjson/stringbuffer.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>

using namespace cg;
using namespace cg::transforms;
namespace fs = std::filesystem;

namespace {

const fs::path kCases = fs::path(CG_SOURCE_DIR) / "conformance" / "answers" / "fhir";
constexpr const char* kToday = "2027-11-23";

FhirAnswerStamp golden_stamp() {
  FhirAnswerStamp s;
  s.now = "2026-11-23T10:00:00Z";
  s.id_prefix = "cg";
  s.sequence = 1;
  return s;
}

std::string slurp(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

std::string pretty(const std::string& compact) {
  rapidjson::Document d;
  d.Parse(compact.c_str(), compact.size());
  if (d.HasParseError()) return "not JSON: " + compact;
  rapidjson::StringBuffer buf;
  rapidjson::PrettyWriter<rapidjson::StringBuffer> w(buf);
  w.SetIndent(' ', 2);
  d.Accept(w);
  return std::string(buf.GetString(), buf.GetSize()) + "\n";
}

const std::shared_ptr<const codesets::Icd10Index>& index() {
  static const std::shared_ptr<const codesets::Icd10Index> idx = [] {
    auto r = codesets::Icd10Index::load(CG_BINARY_DIR "/icd10cm.cgx");
    if (auto* p = std::get_if<std::shared_ptr<const codesets::Icd10Index>>(&r)) return *p;
    return std::shared_ptr<const codesets::Icd10Index>();
  }();
  return idx;
}

struct Run {
  std::vector<rules::Claim> claims;
  std::vector<rules::Verdict> verdicts;
  std::vector<rules::Finding> errors;
};

Run run_pipeline(const std::string& bytes) {
  Run run;
  std::vector<rules::Findings> prior;
  (void)read_fhir_claims(
      bytes, "input.json", InputLimits{},
      [&](rules::Claim&& c, rules::Findings&& f) {
        run.claims.push_back(std::move(c));
        prior.push_back(std::move(f));
      },
      [&](rules::Finding&& f) { run.errors.push_back(std::move(f)); });
  rules::RuleEnv env;
  env.codes = index();
  env.today = *rules::parse_iso_date(kToday);
  const auto rs = rules::RuleSet::builtins();
  for (std::size_t i = 0; i < run.claims.size(); ++i)
    run.verdicts.push_back(rs->evaluate(run.claims[i], env, std::move(prior[i])));
  return run;
}

// Index n of a "Bundle.entry[n]..." path, -1 when the path is not about an entry.
int entry_of(std::string_view path) {
  constexpr std::string_view kPrefix = "Bundle.entry[";
  if (!path.starts_with(kPrefix)) return -1;
  int n = 0;
  std::size_t i = kPrefix.size();
  if (i >= path.size() || path[i] < '0' || path[i] > '9') return -1;
  for (; i < path.size() && path[i] >= '0' && path[i] <= '9'; ++i) n = n * 10 + (path[i] - '0');
  return n;
}

// The request entries of a batch Bundle, each a Claim with its verdict or an unreadable entry
// with its input errors; entries that are neither (resources the Claims reference) are skipped.
std::vector<BatchEntry> batch_entries(const std::string& bytes, const Run& run) {
  rapidjson::Document d;
  d.Parse(bytes.c_str(), bytes.size());
  BOOST_TEST_REQUIRE(!d.HasParseError());
  BOOST_TEST_REQUIRE((d.HasMember("entry") && d["entry"].IsArray()));
  const int n = static_cast<int>(d["entry"].Size());
  std::vector<BatchEntry> out;
  for (int i = 0; i < n; ++i) {
    BatchEntry e;
    for (std::size_t k = 0; k < run.claims.size(); ++k) {
      if (run.claims[k].fhir.entry_index == i) {
        e.claim = &run.claims[k];
        e.verdict = &run.verdicts[k];
      }
    }
    for (const auto& f : run.errors)
      if (entry_of(f.src.fhirpath) == i) e.input_errors.push_back(f);
    if (e.claim != nullptr || !e.input_errors.empty()) out.push_back(std::move(e));
  }
  for (const auto& f : run.errors) BOOST_TEST(entry_of(f.src.fhirpath) >= 0, "error outside an entry: " << f.message);
  return out;
}

void compare(const fs::path& dir, const char* name, const std::string& actual) {
  const auto problems = fhir_answers_test::check_r4(actual);
  BOOST_TEST(problems.empty(), dir.filename().string() << "/" << name << ":\n" << fhir_answers_test::joined(problems));
  const fs::path file = dir / name;
  const std::string got = pretty(actual);
  const char* update = std::getenv("CG_UPDATE_GOLDEN");
  if (update != nullptr && std::string_view(update) == "1") {
    std::ofstream(file, std::ios::binary) << got;
    BOOST_TEST_MESSAGE("wrote " << file.string());
    return;
  }
  BOOST_TEST_REQUIRE(fs::exists(file), "missing " << file.string() << " (CG_UPDATE_GOLDEN=1 writes it)");
  const std::string want = slurp(file);
  BOOST_TEST(got == want, dir.filename().string() << "/" << name << " differs; got:\n" << got);
}

void run_case(const std::string& name) {
  BOOST_TEST_REQUIRE(index() != nullptr, "no ICD-10-CM index at " CG_BINARY_DIR "/icd10cm.cgx");
  const fs::path dir = kCases / name;
  const std::string input = slurp(dir / "input.json");
  BOOST_TEST_REQUIRE(!input.empty(), "no input in " << dir.string());
  const Run run = run_pipeline(input);
  const FhirAnswerStamp stamp = golden_stamp();
  rapidjson::Document d;
  d.Parse(input.c_str(), input.size());
  const bool batch = !d.HasParseError() && d.IsObject() && d.HasMember("resourceType") &&
                     d["resourceType"] == "Bundle" && d.HasMember("type") && d["type"] == "batch";
  if (run.claims.empty()) {
    compare(dir, "input-error-outcome.json", input_error_outcome_json(run.errors, stamp));
  } else if (batch) {
    compare(dir, "batch-response.json", batch_response_json(batch_entries(input, run), stamp));
  } else {
    BOOST_TEST_REQUIRE(run.claims.size() == 1u);
    BOOST_TEST_REQUIRE(run.errors.empty());
    compare(dir, "claim-response.json", claim_response_json(run.claims[0], run.verdicts[0], stamp));
    compare(dir, "operation-outcome.json", operation_outcome_json(run.verdicts[0].findings, stamp));
  }
}

}  // namespace

BOOST_AUTO_TEST_SUITE(fhir_answers_golden)

BOOST_AUTO_TEST_CASE(accepted) { run_case("accepted"); }
BOOST_AUTO_TEST_CASE(rejected) { run_case("rejected"); }
BOOST_AUTO_TEST_CASE(validate_clean) { run_case("validate-clean"); }
BOOST_AUTO_TEST_CASE(accepted_with_warning) { run_case("accepted-warning"); }
BOOST_AUTO_TEST_CASE(batch) { run_case("batch"); }
BOOST_AUTO_TEST_CASE(unreadable) { run_case("unreadable"); }

// Every case folder is run by one of the cases above.
BOOST_AUTO_TEST_CASE(every_case_folder_is_tested) {
  const std::vector<std::string> known = {"accepted",  "rejected", "validate-clean", "accepted-warning",
                                          "batch", "unreadable"};
  for (const auto& e : fs::directory_iterator(kCases)) {
    if (!e.is_directory()) continue;
    const std::string n = e.path().filename().string();
    BOOST_TEST((std::find(known.begin(), known.end(), n) != known.end()), "untested case folder " << n);
  }
}

BOOST_AUTO_TEST_SUITE_END()
