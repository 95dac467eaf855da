// Absurdly long values (10-50 MB identifiers) must be refused with a limit error, never copied
// whole into the Claim (and from there into answers, reports, logs and manifests). Each value the
// reader keeps has the size of the X12 element it maps to (CLM01 38, HI01-2 30, SV101-2 48,
// SV101-3 2, NM109 80) or FHIR's own (id: 64), 4096 bytes for anything else it keeps.
#include "fhir_test_util.hpp"

#include <boost/test/unit_test.hpp>

using namespace cg;
using namespace cg::fhir_test;

namespace {

// The findings of claim 0 with rule fhir.limit, as "fhirpath: message".
std::vector<rules::Finding> limit_findings(const ReadResult& r) {
  BOOST_TEST_REQUIRE(r.claims.size() == 1u);
  return r.of(0, "fhir.limit");
}

const std::string kHuge(10u << 20, '7');  // a 10 MiB value

}  // namespace

BOOST_AUTO_TEST_SUITE(fhir_value_limits)

BOOST_AUTO_TEST_CASE(claim_identifier_of_ten_megabytes) {
  const auto r = read(ClaimBuilder().set("identifier", R"([{"system":"urn:clinic","value":")" + kHuge + "\"}]").json());
  const auto f = limit_findings(r);
  BOOST_TEST_REQUIRE(f.size() == 1u);
  BOOST_TEST(f[0].src.fhirpath == "Claim.identifier[0].value");
  BOOST_TEST((f[0].severity == rules::Severity::Reject));
  BOOST_TEST(f[0].message == "Claim.identifier[0].value is 10485760 bytes long; the limit is 38 (X12 CLM01, the "
                             "patient control number it maps to)");
  BOOST_TEST(f[0].value.empty());
  BOOST_TEST(r.claims[0].id.size() == 38u);  // what is kept is bounded
  BOOST_TEST(r.claims[0].fhir.identifier.size() == 38u);
}

BOOST_AUTO_TEST_CASE(limits_are_the_mapped_element_sizes) {
  // At the limit: accepted as is; one byte more: refused.
  const std::string at38(38, 'A'), over38(39, 'A');
  BOOST_TEST(limit_findings(read(ClaimBuilder().set("identifier", "[{\"value\":\"" + at38 + "\"}]").json())).empty());
  BOOST_TEST(limit_findings(read(ClaimBuilder().set("identifier", "[{\"value\":\"" + over38 + "\"}]").json())).size() == 1u);

  const std::string id64(64, 'a');
  BOOST_TEST(limit_findings(read(ClaimBuilder().set("id", '"' + id64 + '"').json())).empty());
  const auto id = limit_findings(read(ClaimBuilder().set("id", '"' + id64 + "a\"").json()));
  BOOST_TEST_REQUIRE(id.size() == 1u);
  BOOST_TEST(id[0].src.fhirpath == "Claim.id");
}

BOOST_AUTO_TEST_CASE(id_character_set) {
  const auto r = read(ClaimBuilder().set("id", R"("c 1\n")").json());
  const auto f = r.of(0, "fhir.value");
  BOOST_TEST_REQUIRE(f.size() == 1u);
  BOOST_TEST(f[0].src.fhirpath == "Claim.id");
}

BOOST_AUTO_TEST_CASE(codes_of_the_chosen_coding) {
  const std::string dx =
      R"([{"sequence":1,"diagnosisCodeableConcept":{"coding":[{"system":"http://snomed.info/sct","code":")" +
      std::string(200, '1') + R"("},{"system":"http://hl7.org/fhir/sid/icd-10-cm","code":")" + std::string(31, 'M') +
      R"("}]}}])";
  const std::string items =
      R"([{"sequence":1,"diagnosisSequence":[1],"productOrService":{"coding":[{"system":"http://www.ama-assn.org/go/cpt","code":")" +
      std::string(49, '9') + R"("}]},"modifier":[{"coding":[{"code":"259"}]}],"servicedDate":"2024-01-15"}])";
  const auto r = read(ClaimBuilder().set("diagnosis", dx).set("item", items).json());
  const auto f = limit_findings(r);
  BOOST_TEST_REQUIRE(f.size() == 3u);  // the 200-digit SNOMED code is not the one kept: not checked
  BOOST_TEST(f[0].src.fhirpath == "Claim.diagnosis[0].diagnosisCodeableConcept.coding[1].code");
  BOOST_TEST(f[0].message.find("the limit is 30 (X12 HI01-2") != std::string::npos, f[0].message);
  BOOST_TEST(f[1].src.fhirpath == "Claim.item[0].productOrService.coding[0].code");
  BOOST_TEST(f[1].message.find("the limit is 48 (") != std::string::npos);
  BOOST_TEST(f[2].src.fhirpath == "Claim.item[0].modifier[0].coding[0].code");
  BOOST_TEST(f[2].message.find("the limit is 2 (X12 SV101-3") != std::string::npos);
  BOOST_TEST(r.claims[0].diagnoses.at(0).code_as_sent.size() == 30u);
  BOOST_TEST(r.claims[0].lines.at(0).procedure.code.size() == 48u);
}

BOOST_AUTO_TEST_CASE(resolved_payer_and_provider_identifiers) {
  const std::string contained =
      R"([{"resourceType":"Patient","id":"pat","birthDate":"1980-02-03","gender":"female"},)"
      R"({"resourceType":"Coverage","id":"cov","status":"active","payor":[{"identifier":{"value":")" + kHuge + R"("}}]},)"
      R"({"resourceType":"Organization","id":"org","identifier":[{"system":"http://hl7.org/fhir/sid/us-npi","value":")" +
      std::string(81, '1') + R"("}]}])";
  const auto r = read(ClaimBuilder().set("contained", contained).json());
  const auto f = limit_findings(r);
  BOOST_TEST_REQUIRE(f.size() == 2u);
  BOOST_TEST(f[0].src.fhirpath == "Claim.insurance[0].coverage (the payer identifier)");
  BOOST_TEST(f[0].message.find("is 10485760 bytes long; the limit is 80 (X12 NM109") != std::string::npos, f[0].message);
  BOOST_TEST(f[1].src.fhirpath == "Claim.provider (the provider identifier)");
  BOOST_TEST(r.claims[0].payer_id.size() == 80u);
  BOOST_TEST(r.claims[0].billing_npi.size() == 80u);
}

BOOST_AUTO_TEST_CASE(references_and_numbers) {
  const auto r = read(ClaimBuilder()
                          .set("patient", R"({"reference":"Patient/)" + kHuge + "\"}")
                          .set("item", R"([{"sequence":1,"diagnosisSequence":[)" + std::string(300, '7') +
                                           R"(],"productOrService":{"coding":[{"code":"99213"}]}}])")
                          .json());
  const auto f = limit_findings(r);
  BOOST_TEST_REQUIRE(f.size() == 1u);
  BOOST_TEST(f[0].src.fhirpath == "Claim.patient.reference");
  BOOST_TEST(r.claims[0].fhir.patient_reference.size() == 4096u);
  // A 300-digit number is not a positiveInt; neither the finding nor the pointer holds it whole
  // (RapidJSON refuses numbers beyond a double's range as a syntax error).
  const auto v = r.of(0, "fhir.value");
  BOOST_TEST_REQUIRE(v.size() == 1u);
  BOOST_TEST(v[0].message.size() < 200u);
  BOOST_TEST(r.claims[0].lines.at(0).pointers.at(0).raw.size() == 64u);
}

BOOST_AUTO_TEST_CASE(bundle_values_copied_into_every_claim) {
  const std::string claim = ClaimBuilder().json();
  const std::string bundle = R"({"resourceType":"Bundle","id":")" + std::string(65, 'b') +
                             R"(","type":"batch","entry":[{"fullUrl":"urn:)" + kHuge + R"(","resource":)" + claim +
                             "}]}";
  const auto r = read(bundle);
  BOOST_TEST_REQUIRE(r.claims.size() == 1u);
  BOOST_TEST_REQUIRE(r.errors.size() == 2u);
  BOOST_TEST(r.errors[0].rule == "fhir.limit");
  BOOST_TEST(r.errors[0].src.fhirpath == "Bundle.id");
  BOOST_TEST(r.errors[1].src.fhirpath == "Bundle.entry[0].fullUrl");
  BOOST_TEST(r.claims[0].fhir.bundle_id.size() == 64u);
  BOOST_TEST(r.claims[0].fhir.full_url.size() == 4096u);
}

BOOST_AUTO_TEST_SUITE_END()
