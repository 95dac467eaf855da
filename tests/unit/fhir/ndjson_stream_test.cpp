// NDJSON larger than max_fhir_bytes: the limit is per line (docs/fhir-input.md), so a bulk
// export of any size is read line by line, one line in memory. FhirNdjsonStream must give what
// read_fhir_claims gives for the same bytes, in any chunking; InputStream (the CLI's and the C
// ABI's reader) switches to it when the input outgrows the limit.
#include "fhir_test_util.hpp"

#include "transforms/input_stream.hpp"

#include <boost/test/unit_test.hpp>

using namespace cg;
using namespace cg::fhir_test;

namespace {

// What a reader handed out, as comparable text.
struct Seen {
  std::vector<std::string> claims;  // "id@line: finding rules"
  std::vector<std::string> errors;  // "rule fhirpath: message"
  transforms::ClaimCallback on_claim() {
    return [this](rules::Claim&& c, rules::Findings&& f) {
      std::string s = c.id + "@" + std::to_string(c.fhir.ndjson_line) + ":";
      for (const auto& x : f) s += " " + x.rule + "(" + x.src.fhirpath + ")";
      claims.push_back(s);
    };
  }
  transforms::ErrorCallback on_error() {
    return [this](rules::Finding&& f) { errors.push_back(f.rule + " " + f.src.fhirpath + ": " + f.message); };
  }
};

std::string claim_line(int n) {
  return ClaimBuilder().set("identifier", "[{\"value\":\"NDJ-" + std::to_string(n) + "\"}]").json();
}

Seen streamed(const std::string& input, std::size_t chunk, const transforms::InputLimits& limits) {
  Seen s;
  transforms::FhirNdjsonStream stream("t", limits, s.on_claim(), s.on_error());
  for (std::size_t i = 0; i < input.size(); i += chunk) stream.feed(std::string_view(input).substr(i, chunk));
  (void)stream.finish();
  return s;
}

Seen whole(const std::string& input, const transforms::InputLimits& limits) {
  Seen s;
  (void)transforms::read_fhir_claims(input, "t", limits, s.on_claim(), s.on_error());
  return s;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(fhir_ndjson_stream)

BOOST_AUTO_TEST_CASE(same_as_the_whole_input_in_any_chunking) {
  // BOM, CRLF, blank lines, a truncated line, a line with a repeated member, a Patient, a line
  // over the size limit, and a last line without LF.
  transforms::InputLimits limits;
  const std::string c1 = claim_line(1);
  limits.max_fhir_bytes = c1.size() + 10;
  const std::string input = "\xEF\xBB\xBF" + c1 + "\r\n\n  \n" + R"({"resourceType":"Claim","status":)" + "\n" +
                            claim_line(2) + "\n" + R"({"resourceType":"Patient","id":"p","id":"q"})" + "\n" +
                            R"({"resourceType":"Patient","id":"p"})" + "\n" + claim_line(3) + std::string(40, ' ') +
                            "\n" + claim_line(4);
  const Seen expected = whole(input, limits);
  BOOST_TEST_REQUIRE(expected.claims.size() == 3u);
  BOOST_TEST_REQUIRE(expected.errors.size() == 4u);
  for (std::size_t chunk : {std::size_t{1}, std::size_t{2}, std::size_t{7}, std::size_t{64}, std::size_t{1000},
                            input.size()}) {
    BOOST_TEST_CONTEXT("chunk " << chunk) {
      const Seen got = streamed(input, chunk, limits);
      BOOST_TEST(got.claims == expected.claims, boost::test_tools::per_element());
      BOOST_TEST(got.errors == expected.errors, boost::test_tools::per_element());
    }
  }
}

BOOST_AUTO_TEST_CASE(input_stream_reads_ndjson_larger_than_the_limit) {
  // 200 Claims of ~1.9 KB with a limit of 3 lines' size: the input is ~70 times the limit.
  transforms::InputLimits limits;
  limits.max_fhir_bytes = 3 * claim_line(100).size();
  std::string input;
  for (int i = 1; i <= 200; ++i) input += claim_line(i) + "\n";
  Seen s;
  transforms::InputStream stream("big.ndjson", limits, s.on_claim(), s.on_error());
  for (std::size_t i = 0; i < input.size(); i += 4096) stream.feed(std::string_view(input).substr(i, 4096));
  const auto summary = stream.finish();
  BOOST_TEST(s.errors.empty(), (s.errors.empty() ? "" : s.errors[0]));  // before: "the document is larger than ..."
  BOOST_TEST_REQUIRE(s.claims.size() == 200u);
  BOOST_TEST(s.claims[199] == "NDJ-200@200:");
  BOOST_TEST(summary.claims == 200u);
  BOOST_TEST(summary.usable);
  BOOST_TEST((summary.kind == transforms::InputKind::Fhir));
}

BOOST_AUTO_TEST_CASE(input_stream_still_refuses_one_document_over_the_limit) {
  transforms::InputLimits limits;
  const std::string pretty = "{\n  \"resourceType\": \"Bundle\",\n  \"type\": \"batch\",\n  \"entry\": [\n" +
                             std::string(20000, ' ') + "\n]}\n";
  limits.max_fhir_bytes = 10000;
  Seen s;
  transforms::InputStream stream("doc.json", limits, s.on_claim(), s.on_error());
  for (std::size_t i = 0; i < pretty.size(); i += 4096) stream.feed(std::string_view(pretty).substr(i, 4096));
  (void)stream.finish();
  BOOST_TEST_REQUIRE(s.errors.size() == 1u);
  BOOST_TEST(s.errors[0] == "fhir.limit : the document is larger than the limit of 10000 bytes");
}

BOOST_AUTO_TEST_CASE(stream_refuses_the_lines_past_the_resource_limit) {
  transforms::InputLimits limits;
  limits.max_fhir_entries = 2;
  const std::string input = claim_line(1) + "\n\n" + claim_line(2) + "\n" + claim_line(3) + "\n" + claim_line(4) + "\n";
  const Seen s = streamed(input, 100, limits);
  BOOST_TEST(s.claims.size() == 2u);
  BOOST_TEST_REQUIRE(s.errors.size() == 1u);
  BOOST_TEST(s.errors[0] ==
             "fhir.limit : NDJSON line 4: the input has more than 2 resources, the limit (split the file); this line "
             "and the ones after it were not read");
}

BOOST_AUTO_TEST_SUITE_END()
