// FHIR input that a reader could read two ways: a member name twice in one object (RFC 8259
// leaves the choice to the reader; we refuse the text with its position and FHIRPath) and two
// Claim.diagnosis entries with one sequence (every diagnosisSequence naming it is ambiguous).
#include "fhir_test_util.hpp"

#include <boost/test/unit_test.hpp>

using namespace cg;
using namespace cg::fhir_test;

namespace {

rules::Finding only_error(const ReadResult& r) {
  BOOST_TEST_REQUIRE(r.errors.size() == 1u);
  BOOST_TEST(r.claims.empty());
  return r.errors[0];
}

}  // namespace

BOOST_AUTO_TEST_SUITE(fhir_ambiguous_input)

BOOST_AUTO_TEST_CASE(member_twice_at_the_root) {
  // Before: first-wins in member(), last-wins in the mapper's loops; now neither.
  const std::string text = ClaimBuilder().set("status", R"("active","status":"cancelled")").json();
  const auto e = only_error(read(text));
  BOOST_TEST(e.rule == "fhir.duplicate-key");
  BOOST_TEST(e.src.fhirpath == "Claim.status");
  const std::size_t off = text.rfind("\"status\"") + 1;  // the repeated name's first character
  BOOST_TEST(e.message == "the member \"status\" appears twice in one object (Claim.status); each name may appear once, "
                          "and which value counts would be a guess at line 1, column " +
                              std::to_string(off + 1) + " (byte offset " + std::to_string(off) + ")");
}

BOOST_AUTO_TEST_CASE(member_twice_deep_in_an_item) {
  const std::string items =
      R"([{"sequence":1,"productOrService":{"coding":[{"code":"99213"}]},"servicedDate":"2024-01-15"},)"
      R"({"sequence":2,"productOrService":{"coding":[{"code":"99214","code":"99215"}]}}])";
  const auto e = only_error(read(ClaimBuilder().set("item", items).json()));
  BOOST_TEST(e.rule == "fhir.duplicate-key");
  BOOST_TEST(e.src.fhirpath == "Claim.item[1].productOrService.coding[0].code");
}

BOOST_AUTO_TEST_CASE(names_compare_after_unescaping) {
  const auto e = only_error(read(ClaimBuilder().set("use", R"("claim","\u0075se":"claim")").json()));
  BOOST_TEST(e.rule == "fhir.duplicate-key");
  BOOST_TEST(e.src.fhirpath == "Claim.use");
}

BOOST_AUTO_TEST_CASE(member_twice_in_a_bundle_entry_and_in_a_referenced_resource) {
  const std::string claim = ClaimBuilder().json();
  const std::string bundle = R"({"resourceType":"Bundle","type":"batch","entry":[{"resource":)" + claim +
                             R"(},{"fullUrl":"urn:uuid:1","resource":{"resourceType":"Patient","id":"p",)"
                             R"("birthDate":"1980-01-01","gender":"male","birthDate":"2001-01-01"}}]})";
  const auto e = only_error(read(bundle));
  BOOST_TEST(e.rule == "fhir.duplicate-key");
  BOOST_TEST(e.src.fhirpath == "Bundle.entry[1].resource.birthDate");
}

BOOST_AUTO_TEST_CASE(large_object_reports_the_earliest_repeat) {
  // Over 16 members the check sorts; it still names the first repeat in text order.
  std::string obj = R"({"resourceType":"Claim")";
  for (int i = 0; i < 40; ++i) obj += ",\"k" + std::to_string(i) + "\":" + std::to_string(i);
  obj += R"(,"k30":1,"k7":2})";
  const auto e = only_error(read(obj));
  BOOST_TEST(e.src.fhirpath == "Claim.k30");
  const std::size_t off = obj.rfind("\"k30\"") + 1;
  BOOST_TEST(e.message.find("(byte offset " + std::to_string(off) + ")") != std::string::npos, e.message);
}

BOOST_AUTO_TEST_CASE(names_alike_but_distinct_are_fine_and_a_repeat_among_them_is_found) {
  // Names of one length that differ only in their third character, in objects checked pair by
  // pair (up to 16 names) and sorted (larger ones): no false repeat, and a real one is named.
  for (const int n : {5, 16, 17, 40}) {
    std::string obj = R"({"resourceType":"Claim")";
    for (int i = 0; i < n; ++i) obj += ",\"ab" + std::string(1, static_cast<char>('0' + i)) + "cxyd\":" + std::to_string(i);
    const auto ok = read(obj + "}");
    BOOST_TEST(ok.errors.empty(), n);
    // The same names with the third one again, then more names after it.
    const auto e = only_error(read(obj + R"(,"ab2cxyd":1,"zz":2})"));
    BOOST_TEST(e.rule == "fhir.duplicate-key");
    BOOST_TEST(e.src.fhirpath == "Claim.ab2cxyd", n);
  }
  // A repeat among the first names of an object that grows past 16 names is still the one named.
  std::string obj = R"({"resourceType":"Claim","a1":1,"a2":2,"a1":3)";
  for (int i = 0; i < 30; ++i) obj += ",\"b" + std::to_string(i) + "\":" + std::to_string(i);
  obj += R"(,"b3":1})";
  const auto e = only_error(read(obj));
  BOOST_TEST(e.src.fhirpath == "Claim.a1");
}

BOOST_AUTO_TEST_CASE(same_names_in_sibling_objects_are_fine) {
  const auto r = read(ClaimBuilder().json());
  BOOST_TEST(r.errors.empty());
  BOOST_TEST_REQUIRE(r.claims.size() == 1u);
  BOOST_TEST(r.findings[0].empty());
}

BOOST_AUTO_TEST_CASE(ndjson_line_with_a_repeat_is_refused_alone) {
  const std::string good = ClaimBuilder().json();
  const std::string bad = ClaimBuilder().set("id", R"("a","id":"b")").json();
  const auto r = read(good + "\n" + bad + "\n" + good + "\n");
  BOOST_TEST(r.claims.size() == 2u);
  BOOST_TEST_REQUIRE(r.errors.size() == 1u);
  BOOST_TEST(r.errors[0].rule == "fhir.duplicate-key");
  BOOST_TEST(r.errors[0].src.fhirpath == "Claim.id");
  BOOST_TEST(r.errors[0].message.find("NDJSON line 2: ") == 0u);
  BOOST_TEST(r.errors[0].message.find("at line 2, column ") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(two_diagnoses_with_one_sequence) {
  const std::string dx =
      R"([{"sequence":1,"diagnosisCodeableConcept":{"coding":[{"system":"http://hl7.org/fhir/sid/icd-10-cm","code":"M54.50"}]}},)"
      R"({"sequence":2,"diagnosisCodeableConcept":{"coding":[{"system":"http://hl7.org/fhir/sid/icd-10-cm","code":"G8929"}]}},)"
      R"({"sequence":1,"diagnosisCodeableConcept":{"coding":[{"system":"http://hl7.org/fhir/sid/icd-10-cm","code":"M54.16"}]}},)"
      R"({"sequence":1,"diagnosisCodeableConcept":{"coding":[{"system":"http://hl7.org/fhir/sid/icd-10-cm","code":"M54.17"}]}}])";
  const auto r = read(ClaimBuilder().set("diagnosis", dx).json());
  BOOST_TEST(r.errors.empty());
  BOOST_TEST_REQUIRE(r.claims.size() == 1u);
  BOOST_TEST(r.claims[0].diagnoses.size() == 4u);  // still mapped, for the answer
  BOOST_TEST_REQUIRE(r.findings[0].size() == 2u);
  const auto& f = r.findings[0][0];
  BOOST_TEST(f.rule == "fhir.duplicate-sequence");
  BOOST_TEST((f.severity == rules::Severity::Reject));
  BOOST_TEST(f.src.fhirpath == "Claim.diagnosis[2].sequence");
  BOOST_TEST(f.value == "1");
  BOOST_TEST(f.diagnosis == 1);
  BOOST_TEST(f.message == "Claim.diagnosis[2].sequence: 1 is already the sequence of Claim.diagnosis[0]; a "
                          "diagnosisSequence 1 could mean either diagnosis. Give each diagnosis its own sequence.");
  BOOST_TEST(r.findings[0][1].src.fhirpath == "Claim.diagnosis[3].sequence");
}

BOOST_AUTO_TEST_CASE(distinct_sequences_in_any_order_are_fine) {
  const std::string dx =
      R"([{"sequence":2,"diagnosisCodeableConcept":{"coding":[{"system":"http://hl7.org/fhir/sid/icd-10-cm","code":"G8929"}]}},)"
      R"({"sequence":1,"diagnosisCodeableConcept":{"coding":[{"system":"http://hl7.org/fhir/sid/icd-10-cm","code":"M54.50"}]}}])";
  const auto r = read(ClaimBuilder().set("diagnosis", dx).json());
  BOOST_TEST_REQUIRE(r.claims.size() == 1u);
  BOOST_TEST(r.findings[0].empty());
}

BOOST_AUTO_TEST_SUITE_END()
