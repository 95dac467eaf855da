// Every real 837 file in conformance/x12/corpus (copied from shared/corpus with PROVENANCE.md)
// and every generated defect file in conformance/x12/defects either parses cleanly or fails
// with exactly the syntax errors asserted in expected.tsv: claim count, then each error as
// level:code@segment:position (levels I interchange, G group, T transaction, S segment,
// E element). When ../shared is present, every 837 file there must be asserted here too.
#include "tests/support/printing.hpp"
#include "transforms/x12_claims.hpp"

#include <boost/test/unit_test.hpp>

#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>

namespace fs = std::filesystem;
using namespace cg;

namespace {

std::string slurp(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

char level_letter(x12::ErrorLevel l) {
  switch (l) {
    case x12::ErrorLevel::Interchange: return 'I';
    case x12::ErrorLevel::Group: return 'G';
    case x12::ErrorLevel::Transaction: return 'T';
    case x12::ErrorLevel::Segment: return 'S';
    case x12::ErrorLevel::Element: return 'E';
  }
  return '?';
}

// "claims<TAB>errors" for one file.
std::string signature(const std::string& text) {
  std::size_t claims = 0;
  std::vector<std::string> errors;
  transforms::X12ClaimReader reader(
      "conformance", transforms::InputLimits{}, [&](rules::Claim&&, rules::Findings&&) { ++claims; },
      [](rules::Finding&&) {},
      [&](const x12::SyntaxError& e) {
        std::string s(1, level_letter(e.level));
        s.push_back(':');
        s.append(e.code);
        if (!e.segment_id.empty()) {
          s.push_back('@');
          s.append(e.segment_id).append(":").append(std::to_string(e.position));
        }
        errors.push_back(s);
      });
  reader.feed(text);
  reader.finish();
  std::string out = std::to_string(claims) + '\t';
  for (std::size_t i = 0; i < errors.size(); ++i) {
    if (i) out.push_back(';');
    out.append(errors[i]);
  }
  return out;
}

std::map<std::string, std::string> load_expected(const fs::path& tsv) {
  std::map<std::string, std::string> m;
  std::ifstream in(tsv);
  std::string line;
  while (std::getline(in, line)) {
    if (line.empty() || line[0] == '#') continue;
    const auto tab = line.find('\t');
    m[line.substr(0, tab)] = line.substr(tab + 1);
  }
  return m;
}

void check_folder(const fs::path& dir) {
  const auto expected = load_expected(dir / "expected.tsv");
  BOOST_TEST_REQUIRE(!expected.empty(), "no expected.tsv in " << dir);
  std::size_t seen = 0;
  std::ofstream update;
  if (std::getenv("CG_UPDATE_EXPECTED")) update.open(dir / "expected.tsv.new");
  for (const auto& entry : fs::directory_iterator(dir)) {
    const std::string name = entry.path().filename().string();
    if (name == "expected.tsv" || name.ends_with(".md") || name.ends_with(".new")) continue;
    ++seen;
    const std::string actual = signature(slurp(entry.path()));
    if (update.is_open()) {
      update << name << '\t' << actual << '\n';
      continue;
    }
    const auto it = expected.find(name);
    BOOST_TEST_CONTEXT(name) {
      BOOST_TEST_REQUIRE((it != expected.end()), "file not asserted in expected.tsv");
      BOOST_TEST(it->second == actual);
    }
  }
  if (!update.is_open())
    BOOST_TEST(seen == expected.size(), "expected.tsv lists files that are not in " << dir);
}

}  // namespace

BOOST_AUTO_TEST_SUITE(x12_conformance)

BOOST_AUTO_TEST_CASE(real_837_files) { check_folder(fs::path(CG_SOURCE_DIR) / "conformance/x12/corpus"); }

BOOST_AUTO_TEST_CASE(generated_defects) { check_folder(fs::path(CG_SOURCE_DIR) / "conformance/x12/defects"); }

// One case per IK304 / IK403 code the walker and the guide model produce, on each guide
// (conformance/x12/guide/make_cases.py).
BOOST_AUTO_TEST_CASE(guide_codes) {
  for (const char* guide : {"837p", "837i", "837d"})
    BOOST_TEST_CONTEXT(guide) { check_folder(fs::path(CG_SOURCE_DIR) / "conformance/x12/guide" / guide); }
}

BOOST_AUTO_TEST_CASE(every_shared_837_file_is_asserted) {
  const fs::path shared = fs::path(CG_SHARED_DIR) / "corpus/x12";
  if (!fs::exists(shared)) return;  // a clone without ../shared runs on the copies alone
  const auto expected = load_expected(fs::path(CG_SOURCE_DIR) / "conformance/x12/corpus/expected.tsv");
  for (const char* sub : {"837p", "837i", "837d"}) {
    for (const auto& entry : fs::directory_iterator(shared / sub)) {
      const std::string name = entry.path().filename().string();
      BOOST_TEST_CONTEXT(name) {
        const auto it = expected.find(name);
        BOOST_TEST_REQUIRE((it != expected.end()), "shared corpus file not copied and asserted");
        BOOST_TEST(it->second == signature(slurp(entry.path())));
      }
    }
  }
}

BOOST_AUTO_TEST_SUITE_END()
