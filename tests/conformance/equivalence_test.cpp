// An X12 837P and a FHIR Claim written to describe the same claim (conformance/equivalence)
// become the same canonical model, apart from source locations and the syntax they came in.
#include "tests/support/printing.hpp"
#include "transforms/claim_json.hpp"
#include "transforms/input.hpp"

#include <boost/test/unit_test.hpp>

#include <filesystem>
#include <fstream>
#include <sstream>

using namespace cg;

namespace {

std::vector<rules::Claim> read_all(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  const std::string bytes = ss.str();
  std::vector<rules::Claim> claims;
  std::size_t errors = 0;
  transforms::read_claims(
      bytes, path, transforms::InputLimits{},
      [&](rules::Claim&& c, rules::Findings&& f) {
        errors += f.size();
        claims.push_back(std::move(c));
      },
      [&](rules::Finding&&) { ++errors; });
  BOOST_TEST(errors == 0u, path << " reads without errors");
  return claims;
}

}  // namespace

BOOST_AUTO_TEST_CASE(x12_and_fhir_describe_the_same_claim) {
  const std::string dir = std::string(CG_SOURCE_DIR) + "/conformance/equivalence/";
  auto x12 = read_all(dir + "claim.x12");
  auto fhir = read_all(dir + "claim.json");
  BOOST_REQUIRE(x12.size() == 1u);
  BOOST_REQUIRE(fhir.size() == 1u);
  BOOST_TEST(x12[0].format == rules::Format::X12_837P);
  BOOST_TEST(fhir[0].format == rules::Format::Fhir);
  fhir[0].format = x12[0].format;  // the syntax differs by design; everything else must not
  const transforms::ClaimJsonOptions no_locations{false};
  BOOST_TEST(transforms::claim_to_json(x12[0], no_locations) == transforms::claim_to_json(fhir[0], no_locations));
}
