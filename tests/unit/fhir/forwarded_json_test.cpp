// What is forwarded for a FHIR Claim (Claim::fhir.raw_json, captured by the reader) is a
// faithful re-serialisation: numbers stay JSON numbers with their exact source text, strings
// are re-escaped, member order is kept. (It once turned every number into a string:
// "sequence":"1", unitPrice.value "125.00", which is not valid FHIR.)
#include "fhir_test_util.hpp"

#include <rapidjson/document.h>

#include <boost/test/unit_test.hpp>

using namespace cg;
using namespace cg::fhir_test;

namespace {

std::string forwarded(const std::string& json) {
  transforms::InputLimits limits;
  limits.capture_raw = true;
  const auto r = read(json, limits);
  BOOST_TEST_REQUIRE(r.claims.size() == 1u);
  return r.claims[0].fhir.raw_json;
}

// RapidJSON is built with SSE4.2 (RAPIDJSON_SSE42): its scanner loads aligned 16-byte blocks
// and may read past the terminator, so the text gets NUL padding (as JsonDocument does).
void parse(rapidjson::Document& doc, const std::string& json) {
  std::string padded = json;
  padded.append(32, '\0');
  doc.Parse(padded.c_str());
}

}  // namespace

BOOST_AUTO_TEST_SUITE(fhir_forwarded_json)

BOOST_AUTO_TEST_CASE(numbers_stay_numbers_with_their_source_text) {
  const std::string claim = ClaimBuilder()
                                .set("item", R"([{"sequence":1,"diagnosisSequence":[1,2],
                                   "productOrService":{"coding":[{"code":"99213"}]},"servicedDate":"2026-03-02",
                                   "quantity":{"value":1.50},"unitPrice":{"value":125.00,"currency":"USD"},
                                   "factor":1e0,"net":{"value":-0.0,"currency":"USD"}}])")
                                .json();
  const std::string out = forwarded(claim);
  BOOST_TEST(out.find("\"sequence\":1") != std::string::npos, out);
  BOOST_TEST(out.find("\"diagnosisSequence\":[1,2]") != std::string::npos, out);
  BOOST_TEST(out.find("\"value\":125.00") != std::string::npos, out);
  BOOST_TEST(out.find("\"value\":1.50") != std::string::npos, out);
  BOOST_TEST(out.find("\"factor\":1e0") != std::string::npos, out);
  BOOST_TEST(out.find("\"value\":-0.0") != std::string::npos, out);
  BOOST_TEST(out.find("\"sequence\":\"") == std::string::npos, out);
  BOOST_TEST(out.find("\"value\":\"125") == std::string::npos, out);

  // Parsed by an ordinary JSON reader: the same tree as the input, numbers as numbers.
  rapidjson::Document in_doc, out_doc;
  parse(in_doc, claim);
  parse(out_doc, out);
  BOOST_TEST_REQUIRE(!out_doc.HasParseError());
  BOOST_TEST((in_doc == out_doc));
  BOOST_TEST(out_doc["item"][0]["unitPrice"]["value"].IsNumber());
  BOOST_TEST(out_doc["item"][0]["sequence"].IsInt());
}

BOOST_AUTO_TEST_CASE(strings_that_look_like_numbers_stay_strings_and_escapes_survive) {
  const std::string claim = ClaimBuilder()
                                .set("identifier", R"([{"value":"125.00"},{"value":"tab\there \"quoted\" \u00e9 \\ /"}])")
                                .json();
  const std::string out = forwarded(claim);
  rapidjson::Document in_doc, out_doc;
  parse(in_doc, claim);
  parse(out_doc, out);
  BOOST_TEST_REQUIRE(!out_doc.HasParseError());
  BOOST_TEST((in_doc == out_doc));
  BOOST_TEST(out_doc["identifier"][0]["value"].IsString());
  BOOST_TEST(out.find("\\t") != std::string::npos);
  BOOST_TEST(out.find('\t') == std::string::npos);
}

BOOST_AUTO_TEST_CASE(a_claim_inside_a_bundle_is_forwarded_alone_and_faithfully) {
  const std::string claim = ClaimBuilder().json();
  const std::string bundle = R"({"resourceType":"Bundle","type":"batch","entry":[{"resource":)" + claim +
                             R"(,"request":{"method":"POST","url":"Claim"}}]})";
  const std::string out = forwarded(bundle);
  rapidjson::Document in_doc, out_doc;
  parse(in_doc, claim);
  parse(out_doc, out);
  BOOST_TEST_REQUIRE(!out_doc.HasParseError());
  BOOST_TEST((in_doc == out_doc));
}

BOOST_AUTO_TEST_SUITE_END()
