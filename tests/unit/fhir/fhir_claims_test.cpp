// FHIR R4 Claim -> canonical Claim: every mapped element and every input error, with exact
// FHIRPaths (0-based indexes, relative to the Claim) and exact line / column / byte offsets.
#include "fhir_test_util.hpp"

#include "transforms/claim_json.hpp"

#include <boost/test/unit_test.hpp>

using namespace cg;
using namespace cg::fhir_test;
using rules::CodeSystem;
using rules::DxRole;

namespace {

std::string iso(const std::optional<rules::Date>& d) { return d ? d->iso() : "-"; }

// The one finding of claim 0 (fails the test when there is not exactly one).
rules::Finding only_finding(const ReadResult& r) {
  BOOST_TEST_REQUIRE(r.claims.size() == 1u);
  BOOST_TEST_REQUIRE(r.findings[0].size() == 1u);
  return r.findings[0][0];
}

rules::Finding only_error(const ReadResult& r) {
  BOOST_TEST_REQUIRE(r.errors.size() == 1u);
  return r.errors[0];
}

}  // namespace

BOOST_AUTO_TEST_SUITE(fhir_claim_mapping)

BOOST_AUTO_TEST_CASE(valid_claim_maps_every_element) {
  const auto r = read(ClaimBuilder().json());
  BOOST_TEST_REQUIRE(r.claims.size() == 1u);
  BOOST_TEST(r.errors.empty());
  BOOST_TEST(r.findings[0].empty());
  BOOST_TEST(r.summary.claims == 1u);
  BOOST_TEST(r.summary.usable);
  BOOST_TEST((r.summary.kind == transforms::InputKind::Fhir));
  const auto& c = r.claims[0];
  BOOST_TEST(c.id == "PCN-77");  // identifier[0].value first
  BOOST_TEST(c.fhir.resource_id == "c-1");
  BOOST_TEST(c.fhir.identifier == "PCN-77");
  BOOST_TEST((c.format == rules::Format::Fhir));
  BOOST_TEST((c.kind == rules::ClaimKind::Professional));
  BOOST_TEST(c.source_name == "test");
  BOOST_TEST(c.payer_id == "PAYER01");
  BOOST_TEST(c.billing_npi == "1234567893");
  BOOST_TEST(iso(c.birth_date) == "1980-02-03");
  BOOST_TEST(c.sex == 'F');
  BOOST_TEST(iso(c.date_from) == "2024-01-15");  // no billablePeriod: earliest item date
  BOOST_TEST(iso(c.date_to) == "2024-01-17");    // latest item date
  BOOST_TEST(c.total.present);
  BOOST_TEST(c.total.units == 1460000);
  BOOST_TEST(c.total_src.fhirpath == "Claim.total");
  BOOST_TEST(c.src.fhirpath == "Claim");
  BOOST_TEST(c.fhir.status == "active");
  BOOST_TEST(c.fhir.use == "claim");
  BOOST_TEST(c.fhir.type_code == "professional");
  BOOST_TEST(c.fhir.priority == "normal");
  BOOST_TEST(c.fhir.created == "2024-01-20T10:00:00-05:00");
  BOOST_TEST(c.fhir.patient_reference == "#pat");
  BOOST_TEST(c.fhir.provider_reference == "#org");
  BOOST_TEST(c.fhir.coverage_reference == "#cov");
  BOOST_TEST(c.fhir.focal_insurance == 0);
  BOOST_TEST(c.fhir.focal_count == 1);
  BOOST_TEST(c.fhir.entry_index == -1);
  BOOST_TEST(c.fhir.ndjson_line == 0u);

  BOOST_TEST_REQUIRE(c.diagnoses.size() == 2u);
  BOOST_TEST(c.diagnoses[0].position == 1);
  BOOST_TEST(c.diagnoses[0].code_as_sent == "M54.50");
  BOOST_TEST(c.diagnoses[0].code == "M5450");
  BOOST_TEST((c.diagnoses[0].system == CodeSystem::Icd10Cm));
  BOOST_TEST(c.diagnoses[0].system_as_sent == "http://hl7.org/fhir/sid/icd-10-cm");
  BOOST_TEST((c.diagnoses[0].role == DxRole::Principal));
  BOOST_TEST(c.diagnoses[0].src.fhirpath == "Claim.diagnosis[0].diagnosisCodeableConcept.coding[0].code");
  BOOST_TEST(c.diagnoses[1].position == 2);
  BOOST_TEST(c.diagnoses[1].code_as_sent == "G8929");  // without the dot, kept as sent
  BOOST_TEST(c.diagnoses[1].code == "G8929");
  BOOST_TEST((c.diagnoses[1].role == DxRole::Other));
  BOOST_TEST(c.diagnoses[1].poa == 0);

  BOOST_TEST_REQUIRE(c.lines.size() == 2u);
  const auto& l1 = c.lines[0];
  BOOST_TEST(l1.number == 1);
  BOOST_TEST(l1.src.fhirpath == "Claim.item[0]");
  BOOST_TEST(l1.procedure.code == "99213");
  BOOST_TEST(l1.procedure.system == "http://www.ama-assn.org/go/cpt");
  BOOST_TEST(l1.procedure.src.fhirpath == "Claim.item[0].productOrService");
  BOOST_TEST_REQUIRE(l1.procedure.modifiers.size() == 1u);
  BOOST_TEST(l1.procedure.modifiers[0] == "25");
  BOOST_TEST(l1.charge.units == 1250000);
  BOOST_TEST(l1.units.value_or(-1) == 1.0);
  BOOST_TEST(iso(l1.service_from) == "2024-01-15");
  BOOST_TEST(iso(l1.service_to) == "2024-01-15");
  BOOST_TEST(l1.date_src.fhirpath == "Claim.item[0].servicedDate");
  BOOST_TEST(l1.pointers_present);
  BOOST_TEST_REQUIRE(l1.pointers.size() == 2u);
  BOOST_TEST(l1.pointers[0].raw == "1");
  BOOST_TEST(l1.pointers[0].value == 1);
  BOOST_TEST(l1.pointers[1].raw == "2");
  BOOST_TEST(l1.pointers[1].value == 2);
  BOOST_TEST(l1.pointers[1].src.fhirpath == "Claim.item[0].diagnosisSequence[1]");
  const auto& l2 = c.lines[1];
  BOOST_TEST(l2.procedure.code == "J1030");
  BOOST_TEST(l2.procedure.system == "http://www.cms.gov/Medicare/Coding/HCPCSReleaseCodeSets");
  BOOST_TEST(l2.charge.units == 210000);  // no net: quantity 2 x unitPrice 10.5
  BOOST_TEST(iso(l2.service_from) == "2024-01-16");
  BOOST_TEST(iso(l2.service_to) == "2024-01-17");
  BOOST_TEST(l2.date_src.fhirpath == "Claim.item[1].servicedPeriod.start");
}

BOOST_AUTO_TEST_CASE(id_when_no_identifier) {
  const auto r = read(ClaimBuilder().drop("identifier").json());
  BOOST_TEST_REQUIRE(r.claims.size() == 1u);
  BOOST_TEST(r.claims[0].id == "c-1");
  BOOST_TEST(r.claims[0].fhir.identifier.empty());
}

BOOST_AUTO_TEST_CASE(claim_type_to_kind) {
  const std::pair<const char*, rules::ClaimKind> cases[] = {
      {"professional", rules::ClaimKind::Professional},
      {"institutional", rules::ClaimKind::Institutional},
      {"oral", rules::ClaimKind::Dental},
      {"vision", rules::ClaimKind::Other},
      {"pharmacy", rules::ClaimKind::Other},
  };
  for (const auto& [code, kind] : cases) {
    const auto r = read(ClaimBuilder()
                            .set("type", std::string(R"({"coding":[{"system":"http://terminology.hl7.org/CodeSystem/claim-type","code":")") +
                                             code + "\"}]}")
                            .json());
    BOOST_TEST_REQUIRE(r.claims.size() == 1u);
    BOOST_TEST((r.claims[0].kind == kind), code);
  }
}

BOOST_AUTO_TEST_CASE(billable_period_sets_claim_dates) {
  const auto r = read(ClaimBuilder().set("billablePeriod", R"({"start":"2024-01-01","end":"2024-01-31T23:59:00Z"})").json());
  BOOST_TEST_REQUIRE(r.claims.size() == 1u);
  BOOST_TEST(r.findings[0].empty());
  BOOST_TEST(iso(r.claims[0].date_from) == "2024-01-01");
  BOOST_TEST(iso(r.claims[0].date_to) == "2024-01-31");
}

BOOST_AUTO_TEST_CASE(diagnosis_code_systems) {
  const std::pair<const char*, CodeSystem> cases[] = {
      {R"("system":"http://hl7.org/fhir/sid/icd-10-cm",)", CodeSystem::Icd10Cm},
      {R"("system":"http://hl7.org/fhir/sid/icd-10",)", CodeSystem::Icd10Who},
      {R"("system":"http://hl7.org/fhir/sid/icd-9-cm",)", CodeSystem::Icd9Cm},
      {R"("system":"http://snomed.info/sct",)", CodeSystem::Other},
      {"", CodeSystem::None},
  };
  for (const auto& [sys, expected] : cases) {
    const auto r = read(ClaimBuilder()
                            .set("diagnosis", std::string(R"([{"sequence":1,"diagnosisCodeableConcept":{"coding":[{)") + sys +
                                                  R"("code":"m54.5"}]}}])")
                            .json());
    BOOST_TEST_REQUIRE(r.claims.size() == 1u);
    BOOST_TEST_REQUIRE(r.claims[0].diagnoses.size() == 1u);
    BOOST_TEST((r.claims[0].diagnoses[0].system == expected), sys);
    BOOST_TEST(r.claims[0].diagnoses[0].code_as_sent == "m54.5");
    BOOST_TEST(r.claims[0].diagnoses[0].code == "M545");
  }
}

BOOST_AUTO_TEST_CASE(icd10cm_coding_preferred_among_several) {
  const auto r = read(ClaimBuilder()
                          .set("diagnosis", R"([{"sequence":1,"diagnosisCodeableConcept":{"coding":[)"
                                            R"({"system":"http://snomed.info/sct","code":"279039007"},)"
                                            R"({"system":"http://hl7.org/fhir/sid/icd-10-cm","code":"M54.50"}]}}])")
                          .json());
  BOOST_TEST_REQUIRE(r.claims[0].diagnoses.size() == 1u);
  BOOST_TEST(r.claims[0].diagnoses[0].code == "M5450");
  BOOST_TEST(r.claims[0].diagnoses[0].src.fhirpath == "Claim.diagnosis[0].diagnosisCodeableConcept.coding[1].code");
}

BOOST_AUTO_TEST_CASE(diagnosis_roles_and_poa) {
  const auto r = read(ClaimBuilder()
                          .set("diagnosis",
                               R"([{"sequence":1,"diagnosisCodeableConcept":{"coding":[{"code":"A"}]},"type":[{"coding":[{"code":"principal"}]}],"onAdmission":{"coding":[{"code":"y"}]}},)"
                               R"({"sequence":2,"diagnosisCodeableConcept":{"coding":[{"code":"B"}]},"type":[{"coding":[{"code":"admitting"}]}],"onAdmission":{"coding":[{"code":"N"}]}},)"
                               R"({"sequence":3,"diagnosisCodeableConcept":{"coding":[{"code":"C"}]},"type":[{"coding":[{"system":"http://hl7.org/fhir/us/carin-bb/CodeSystem/C4BBClaimDiagnosisType","code":"patientreasonforvisit"}]}]},)"
                               R"({"sequence":4,"diagnosisCodeableConcept":{"coding":[{"code":"D"}]},"type":[{"coding":[{"code":"externalcauseofinjury"}]}]},)"
                               R"({"sequence":5,"diagnosisCodeableConcept":{"coding":[{"code":"E"}]},"type":[{"coding":[{"code":"discharge"}]}],"onAdmission":{"coding":[{"code":"w"}]}}])")
                          .set("item", "[]")
                          .json());
  BOOST_TEST_REQUIRE(r.claims.size() == 1u);
  BOOST_TEST(r.findings[0].empty());
  const auto& d = r.claims[0].diagnoses;
  BOOST_TEST_REQUIRE(d.size() == 5u);
  BOOST_TEST((d[0].role == DxRole::Principal));
  BOOST_TEST(d[0].poa == 'Y');
  BOOST_TEST((d[1].role == DxRole::Admitting));
  BOOST_TEST(d[1].poa == 'N');
  BOOST_TEST((d[2].role == DxRole::ReasonForVisit));
  BOOST_TEST((d[3].role == DxRole::ExternalCause));
  BOOST_TEST((d[4].role == DxRole::Other));
  BOOST_TEST(d[4].poa == 'W');
}

// Claim.procedure: ICD-10-PCS coding preferred, its date, the principal one (typed, else the
// lowest sequence), and item.modifier locations.
BOOST_AUTO_TEST_CASE(claim_procedures_and_modifier_locations) {
  const auto r = read(ClaimBuilder()
                          .set("procedure",
                               R"([{"sequence":2,"date":"2024-01-03T10:00:00Z","procedureCodeableConcept":{"coding":[)"
                               R"({"system":"http://snomed.info/sct","code":"1"},{"system":"http://www.cms.gov/Medicare/Coding/ICD10","code":"0sg1070"}]}},)"
                               R"({"sequence":1,"procedureCodeableConcept":{"coding":[{"system":"http://www.cms.gov/Medicare/Coding/ICD10","code":"0SG0070"}]}}])")
                          .set("item", R"([{"sequence":1,"productOrService":{"coding":[{"system":"https://www.cms.gov/Medicare/Coding/HCPCSReleaseCodeSets","code":"J1100"}]},)"
                                       R"("modifier":[{"coding":[{"code":"JW"}]}],"servicedDate":"2024-01-03"}])")
                          .json());
  BOOST_TEST_REQUIRE(r.claims.size() == 1u);
  BOOST_TEST(r.findings[0].empty());
  const auto& p = r.claims[0].procedures;
  BOOST_TEST_REQUIRE(p.size() == 2u);
  BOOST_TEST(p[0].code == "0SG1070");
  BOOST_TEST((p[0].system == rules::ProcedureSystem::Icd10Pcs));
  BOOST_TEST((p[0].role == rules::ProcedureRole::Other));
  BOOST_TEST(iso(p[0].date) == "2024-01-03");
  BOOST_TEST(p[0].src.fhirpath == "Claim.procedure[0].procedureCodeableConcept.coding[1].code");
  BOOST_TEST(p[0].date_src.fhirpath == "Claim.procedure[0].date");
  BOOST_TEST((p[1].role == rules::ProcedureRole::Principal));
  BOOST_TEST(!p[1].date.has_value());
  const auto& proc = r.claims[0].lines.at(0).procedure;
  BOOST_TEST((rules::procedure_system(proc.system, proc.code) == rules::ProcedureSystem::Hcpcs));
  BOOST_TEST_REQUIRE(proc.modifier_src.size() == 1u);
  BOOST_TEST(proc.modifier_src[0].fhirpath == "Claim.item[0].modifier[0]");
}

BOOST_AUTO_TEST_CASE(diagnosis_reference_resolved_in_contained_or_kept) {
  const auto r = read(
      ClaimBuilder()
          .set("contained",
               R"([{"resourceType":"Condition","id":"cond1","code":{"coding":[{"system":"http://hl7.org/fhir/sid/icd-10-cm","code":"M51.36"}]}}])")
          .set("diagnosis", R"([{"sequence":1,"diagnosisReference":{"reference":"#cond1"}},)"
                            R"({"sequence":2,"diagnosisReference":{"reference":"Condition/elsewhere"}}])")
          .json());
  BOOST_TEST_REQUIRE(r.claims.size() == 1u);
  BOOST_TEST(r.findings[0].empty());
  const auto& d = r.claims[0].diagnoses;
  BOOST_TEST_REQUIRE(d.size() == 2u);
  BOOST_TEST(d[0].code == "M5136");
  BOOST_TEST((d[0].system == CodeSystem::Icd10Cm));
  BOOST_TEST(d[0].reference.empty());
  BOOST_TEST(d[0].src.fhirpath == "Claim.diagnosis[0].diagnosisReference");
  BOOST_TEST(d[1].code.empty());
  BOOST_TEST(d[1].reference == "Condition/elsewhere");
  BOOST_TEST((d[1].system == CodeSystem::None));
}

BOOST_AUTO_TEST_CASE(unresolvable_references_are_absent_not_errors) {
  const auto r = read(ClaimBuilder()
                          .drop("contained")
                          .set("patient", R"({"reference":"Patient/nowhere"})")
                          .set("provider", R"({"reference":"Organization/nowhere"})")
                          .set("insurance", R"([{"sequence":1,"focal":true,"coverage":{"reference":"Coverage/nowhere"}}])")
                          .json());
  BOOST_TEST_REQUIRE(r.claims.size() == 1u);
  BOOST_TEST(r.findings[0].empty());
  BOOST_TEST(r.claims[0].payer_id.empty());
  BOOST_TEST(r.claims[0].billing_npi.empty());
  BOOST_TEST(!r.claims[0].birth_date.has_value());
  BOOST_TEST(r.claims[0].sex == 0);
}

BOOST_AUTO_TEST_CASE(logical_references_and_insurer_fallback) {
  const auto r = read(ClaimBuilder()
                          .drop("contained")
                          .set("provider", R"({"identifier":{"system":"http://hl7.org/fhir/sid/us-npi","value":"1999999984"}})")
                          .set("insurer", R"({"identifier":{"system":"urn:payer","value":"60054"}})")
                          .set("insurance", R"([{"sequence":1,"focal":false,"coverage":{"reference":"#x"}},)"
                                            R"({"sequence":2,"focal":true,"coverage":{"reference":"#y"}}])")
                          .json());
  BOOST_TEST_REQUIRE(r.claims.size() == 1u);
  BOOST_TEST(r.findings[0].empty());
  BOOST_TEST(r.claims[0].billing_npi == "1999999984");
  BOOST_TEST(r.claims[0].payer_id == "60054");
  BOOST_TEST(r.claims[0].fhir.focal_insurance == 1);
  BOOST_TEST(r.claims[0].fhir.coverage_reference == "#y");
}

BOOST_AUTO_TEST_CASE(hcpcs_variants_and_procedure_coding_choice) {
  const auto r = read(ClaimBuilder()
                          .set("item", R"([{"sequence":1,"productOrService":{"coding":[{"system":"http://example.org/local","code":"X1"},)"
                                       R"({"system":"https://bluebutton.cms.gov/resources/codesystem/hcpcs","code":"G0439"}]},)"
                                       R"("modifier":[{"coding":[{"code":"59"}]},{"coding":[{"code":"RT"}]}],"servicedDate":"2024-02-01","unitPrice":{"value":80}}])")
                          .json());
  BOOST_TEST_REQUIRE(r.claims.size() == 1u);
  BOOST_TEST(r.findings[0].empty());
  const auto& l = r.claims[0].lines.at(0);
  BOOST_TEST(l.procedure.code == "G0439");
  BOOST_TEST(l.procedure.system == "https://bluebutton.cms.gov/resources/codesystem/hcpcs");
  BOOST_TEST(l.procedure.modifiers.size() == 2u);
  BOOST_TEST(l.procedure.modifiers[1] == "RT");
  BOOST_TEST(l.charge.units == 800000);  // quantity defaults to 1
  BOOST_TEST(!l.units.has_value());
  BOOST_TEST(!l.pointers_present);
  BOOST_TEST(l.pointers.empty());
}

BOOST_AUTO_TEST_CASE(bundle_resolves_by_full_url_and_type_id) {
  const std::string bundle = R"({"resourceType":"Bundle","id":"b1","type":"batch","entry":[)"
                             R"({"fullUrl":"urn:uuid:1111","resource":)" +
                             ClaimBuilder()
                                 .drop("contained")
                                 .set("patient", R"({"reference":"urn:uuid:2222"})")
                                 .set("provider", R"({"reference":"Practitioner/dr"})")
                                 .set("insurance", R"([{"sequence":1,"focal":true,"coverage":{"reference":"http://x.org/fhir/Coverage/cv/_history/3"}}])")
                                 .json() +
                             R"(},{"fullUrl":"urn:uuid:2222","resource":{"resourceType":"Patient","birthDate":"1950-12-31","gender":"male"}},)"
                             R"({"resource":{"resourceType":"Practitioner","id":"dr","identifier":[{"system":"urn:x","value":"no"},{"system":"http://hl7.org/fhir/sid/us-npi","value":"1111111112"}]}},)"
                             R"({"resource":{"resourceType":"Coverage","id":"cv","payor":[{"reference":"Organization/pay"}]}},)"
                             R"({"resource":{"resourceType":"Organization","id":"pay","identifier":[{"value":"87726"}]}}]})";
  const auto r = read(bundle);
  BOOST_TEST(r.errors.empty());
  BOOST_TEST_REQUIRE(r.claims.size() == 1u);
  BOOST_TEST(r.findings[0].empty());
  const auto& c = r.claims[0];
  BOOST_TEST(iso(c.birth_date) == "1950-12-31");
  BOOST_TEST(c.sex == 'M');
  BOOST_TEST(c.billing_npi == "1111111112");
  BOOST_TEST(c.payer_id == "87726");
  BOOST_TEST(c.fhir.entry_index == 0);
  BOOST_TEST(c.fhir.full_url == "urn:uuid:1111");
  BOOST_TEST(c.fhir.bundle_type == "batch");
  BOOST_TEST(c.fhir.bundle_id == "b1");
}

BOOST_AUTO_TEST_CASE(batch_of_request_bundles_and_one_bad_claim) {
  const std::string inner = R"({"resourceType":"Bundle","type":"collection","entry":[{"resource":)" +
                            ClaimBuilder().drop("contained").set("patient", R"({"reference":"Patient/p9"})").json() +
                            R"(},{"resource":{"resourceType":"Patient","id":"p9","birthDate":"2001-05-06","gender":"unknown"}}]})";
  const std::string bundle = R"({"resourceType":"Bundle","type":"batch","entry":[)"
                             R"({"resource":)" + ClaimBuilder().set("item", R"([{"sequence":"1","productOrService":{"coding":[{"code":"1"}]}}])").json() +
                             R"(},{"resource":)" + inner + R"(},{"request":{"method":"POST"}},)"
                             R"({"resource":)" + ClaimBuilder().json() + "}]}";
  const auto r = read(bundle);
  BOOST_TEST_REQUIRE(r.claims.size() == 3u);
  BOOST_TEST_REQUIRE(r.findings[0].size() == 1u);
  BOOST_TEST(r.findings[0][0].rule == "fhir.structure");
  BOOST_TEST(r.findings[0][0].src.fhirpath == "Claim.item[0].sequence");
  BOOST_TEST(r.findings[1].empty());
  BOOST_TEST(iso(r.claims[1].birth_date) == "2001-05-06");
  BOOST_TEST(r.claims[1].sex == 'U');
  BOOST_TEST(r.claims[1].fhir.entry_index == 1);
  BOOST_TEST(r.claims[1].fhir.inner_entry_index == 0);
  BOOST_TEST(r.claims[2].fhir.entry_index == 3);
  BOOST_TEST(r.findings[2].empty());
  const auto e = only_error(r);
  BOOST_TEST(e.rule == "fhir.required");
  BOOST_TEST(e.src.fhirpath == "Bundle.entry[2].resource");
  BOOST_TEST(r.summary.claims == 3u);
  BOOST_TEST(r.summary.errors == 1u);
}

BOOST_AUTO_TEST_CASE(pas_bundle_from_corpus) {
  const auto r = read(slurp(kCorpusDir + "/claim/paskit__conformant_pas_bundle_v110.json"));
  BOOST_TEST(r.errors.empty());
  BOOST_TEST_REQUIRE(r.claims.size() == 1u);
  BOOST_TEST(r.findings[0].empty());
  const auto& c = r.claims[0];
  BOOST_TEST(c.id == "111099");
  BOOST_TEST(c.fhir.resource_id == "ReferralAuthorizationExample");
  BOOST_TEST(c.fhir.use == "preauthorization");
  BOOST_TEST(c.fhir.bundle_type == "collection");
  BOOST_TEST(c.payer_id == "789312");       // Coverage.payor -> Organization/InsurerExample
  BOOST_TEST(c.billing_npi == "8189991234");  // provider Organization/UMOExample
  BOOST_TEST(c.sex == 'M');
  BOOST_TEST(!c.birth_date.has_value());  // the Patient has no birthDate
}

BOOST_AUTO_TEST_CASE(canonical_json_line) {
  const auto r = read(ClaimBuilder().json());
  BOOST_TEST_REQUIRE(r.claims.size() == 1u);
  BOOST_TEST(transforms::claim_to_json(r.claims[0], {.with_locations = false}) ==
             R"({"claim_id":"PCN-77","format":"FHIR","kind":"professional","payer_id":"PAYER01","billing_npi":"1234567893",)"
             R"("patient":{"birth_date":"1980-02-03","sex":"F"},"date_from":"2024-01-15","date_to":"2024-01-17","frequency_code":"1","total":146,)"
             R"("diagnoses":[{"position":1,"code":"M5450","system":"ICD-10-CM","role":"principal"},)"
             R"({"position":2,"code":"G8929","system":"ICD-10-CM","role":"other"}],)"
             R"("lines":[{"number":1,"procedure":{"code":"99213","modifiers":["25"]},"charge":125,"units":1.0,"service_from":"2024-01-15","service_to":"2024-01-15",)"
             R"("pointers":[{"raw":"1","value":1},{"raw":"2","value":2}]},)"
             R"({"number":2,"procedure":{"code":"J1030"},"charge":21,"units":2.0,"service_from":"2024-01-16","service_to":"2024-01-17",)"
             R"("pointers":[{"raw":"2","value":2}]}]})");
}

BOOST_AUTO_TEST_CASE(facility_and_frequency) {
  {  // professional: place of service from the item location; an original claim
    const auto r = read(ClaimBuilder()
                            .set("item", R"([{"sequence":1,"productOrService":{"coding":[{"code":"99213"}]},"locationCodeableConcept":{"coding":[{"code":"22"}]}}])")
                            .json());
    BOOST_TEST(r.claims.at(0).facility_code == "22");
    BOOST_TEST(r.claims.at(0).frequency_code == "1");
  }
  {  // institutional: NUBC type of bill in subType
    const auto r = read(ClaimBuilder()
                            .set("type", R"({"coding":[{"code":"institutional"}]})")
                            .set("subType", R"({"coding":[{"system":"https://www.cms.gov/codes/billtype","code":"0137"}]})")
                            .json());
    BOOST_TEST(r.claims.at(0).facility_code == "13");
    BOOST_TEST(r.claims.at(0).frequency_code == "7");
  }
  {  // replacement and void
    const auto r = read(ClaimBuilder().set("related", R"([{"relationship":{"coding":[{"code":"prior"}]}}])").json());
    BOOST_TEST(r.claims.at(0).frequency_code == "7");
    const auto v = read(ClaimBuilder().set("status", R"("cancelled")").json());
    BOOST_TEST(v.claims.at(0).frequency_code == "8");
  }
}

// conformance/equivalence/claim.json must map to what an 837P reader makes of claim.x12.
BOOST_AUTO_TEST_CASE(equivalence_pair_fhir_side) {
  const auto r = read(slurp(std::string(CG_SOURCE_DIR) + "/conformance/equivalence/claim.json"));
  BOOST_TEST(r.errors.empty());
  BOOST_TEST_REQUIRE(r.claims.size() == 1u);
  BOOST_TEST(r.findings[0].empty());
  BOOST_TEST(transforms::claim_to_json(r.claims[0], {.with_locations = false}) ==
             R"({"claim_id":"PCN-77","format":"FHIR","kind":"professional","payer_id":"PAYER01","billing_npi":"1234567893",)"
             R"("patient":{"birth_date":"1980-02-03","sex":"F"},"date_from":"2024-01-15","date_to":"2024-01-16",)"
             R"("frequency_code":"1","facility_code":"11","total":146,)"
             R"("diagnoses":[{"position":1,"code":"M5450","system":"ICD-10-CM","role":"principal"},)"
             R"({"position":2,"code":"G8929","system":"ICD-10-CM","role":"other"},)"
             R"({"position":3,"code":"M5416","system":"ICD-10-CM","role":"other"}],)"
             R"("lines":[{"number":1,"procedure":{"code":"99213","modifiers":["25"]},"charge":125,"units":1.0,)"
             R"("service_from":"2024-01-15","service_to":"2024-01-15","pointers":[{"raw":"1","value":1},{"raw":"2","value":2}]},)"
             R"({"number":2,"procedure":{"code":"J1030"},"charge":21,"units":2.0,"service_from":"2024-01-16","service_to":"2024-01-16",)"
             R"("pointers":[{"raw":"2","value":2},{"raw":"3","value":3}]}]})");
}

BOOST_AUTO_TEST_SUITE_END()

// ---------------------------------------------------------------------------------------------
BOOST_AUTO_TEST_SUITE(fhir_claim_errors)

BOOST_AUTO_TEST_CASE(issue_code_table) {
  BOOST_TEST(transforms::fhir_issue_code("fhir.syntax") == "structure");
  BOOST_TEST(transforms::fhir_issue_code("fhir.structure") == "structure");
  BOOST_TEST(transforms::fhir_issue_code("fhir.value") == "value");
  BOOST_TEST(transforms::fhir_issue_code("fhir.required") == "required");
  BOOST_TEST(transforms::fhir_issue_code("fhir.code-invalid") == "code-invalid");
  BOOST_TEST(transforms::fhir_issue_code("fhir.resource-type") == "invalid");
  BOOST_TEST(transforms::fhir_issue_code("fhir.not-supported") == "not-supported");
  BOOST_TEST(transforms::fhir_issue_code("fhir.limit") == "too-long");
  BOOST_TEST(transforms::fhir_issue_code("fhir.duplicate-key") == "structure");
  BOOST_TEST(transforms::fhir_issue_code("fhir.duplicate-sequence") == "invariant");
  BOOST_TEST(transforms::fhir_issue_code("dx.pointer.unresolved").empty());
  BOOST_TEST(transforms::fhir_rules().size() == 10u);
}

BOOST_AUTO_TEST_CASE(missing_required_elements) {
  const char* required[] = {"status", "type", "use", "patient", "created", "provider", "priority", "insurance"};
  for (const char* el : required) {
    const auto r = read(ClaimBuilder().drop(el).json());
    const auto f = only_finding(r);
    BOOST_TEST(f.rule == "fhir.required", el);
    BOOST_TEST(f.src.fhirpath == std::string("Claim.") + el);
    BOOST_TEST((f.severity == rules::Severity::Reject));
    BOOST_TEST(f.message.find(std::string("Claim.") + el + " is missing") == 0u, f.message);
    BOOST_TEST(r.errors.empty());
  }
}

BOOST_AUTO_TEST_CASE(all_required_missing_still_maps_the_rest) {
  ClaimBuilder b;
  for (const char* el : {"status", "type", "use", "patient", "created", "provider", "priority", "insurance"}) b.drop(el);
  const auto r = read(b.json());
  BOOST_TEST_REQUIRE(r.claims.size() == 1u);
  BOOST_TEST(r.of(0, "fhir.required").size() == 8u);
  BOOST_TEST(r.claims[0].diagnoses.size() == 2u);
  BOOST_TEST(r.claims[0].lines.size() == 2u);
  BOOST_TEST((r.claims[0].kind == rules::ClaimKind::Other));
}

BOOST_AUTO_TEST_CASE(empty_insurance_array) {
  const auto f = only_finding(read(ClaimBuilder().set("insurance", "[]").json()));
  BOOST_TEST(f.rule == "fhir.required");
  BOOST_TEST(f.src.fhirpath == "Claim.insurance");
}

BOOST_AUTO_TEST_CASE(insurance_elements) {
  const auto r = read(ClaimBuilder().set("insurance", R"([{"sequence":1,"focal":"yes"},{"focal":true,"coverage":{"reference":"#cov"}}])").json());
  BOOST_TEST_REQUIRE(r.claims.size() == 1u);
  const auto& f = r.findings[0];
  BOOST_TEST_REQUIRE(f.size() == 3u);
  BOOST_TEST(f[0].rule == "fhir.structure");
  BOOST_TEST(f[0].src.fhirpath == "Claim.insurance[0].focal");
  BOOST_TEST(f[1].rule == "fhir.required");
  BOOST_TEST(f[1].src.fhirpath == "Claim.insurance[0].coverage");
  BOOST_TEST(f[2].rule == "fhir.required");
  BOOST_TEST(f[2].src.fhirpath == "Claim.insurance[1].sequence");
  BOOST_TEST(r.claims[0].payer_id == "PAYER01");  // the focal one still resolves
}

BOOST_AUTO_TEST_CASE(sequence_as_string_is_a_structure_error) {
  const auto r = read(ClaimBuilder()
                          .set("item", R"([{"sequence":1,"productOrService":{"coding":[{"code":"99213"}]}},)"
                                       R"({"sequence":"2","productOrService":{"coding":[{"code":"99214"}]}}])")
                          .json());
  const auto f = only_finding(r);
  BOOST_TEST(f.rule == "fhir.structure");
  BOOST_TEST(f.src.fhirpath == "Claim.item[1].sequence");
  BOOST_TEST(f.value == "\"2\"");
  BOOST_TEST(f.message == "Claim.item[1].sequence: expected a positiveInt (a JSON number 1 or more), got a string \"2\"");
  BOOST_TEST(r.claims[0].lines.at(1).number == 0);
  BOOST_TEST(r.claims[0].lines.at(1).procedure.code == "99214");
}

BOOST_AUTO_TEST_CASE(sequence_zero_negative_fraction_are_value_errors) {
  for (const char* v : {"0", "-1", "1.5", "1e0"}) {
    const auto r = read(ClaimBuilder()
                            .set("diagnosis", std::string(R"([{"sequence":)") + v +
                                                  R"(,"diagnosisCodeableConcept":{"coding":[{"code":"A00"}]}}])")
                            .set("item", "[]")
                            .json());
    const auto f = only_finding(r);
    BOOST_TEST(f.rule == "fhir.value", v);
    BOOST_TEST(f.src.fhirpath == "Claim.diagnosis[0].sequence");
    BOOST_TEST(f.value == v);
    BOOST_TEST(f.message == std::string("Claim.diagnosis[0].sequence: expected a positiveInt (a whole number 1 or more), got ") + v);
    BOOST_TEST(r.claims[0].diagnoses.at(0).position == 0);
  }
}

BOOST_AUTO_TEST_CASE(diagnosis_sequence_pointers_kept_as_sent) {
  const auto r = read(ClaimBuilder()
                          .set("item", R"([{"sequence":1,"productOrService":{"coding":[{"code":"99213"}]}},)"
                                       R"({"sequence":2,"diagnosisSequence":[0,"1",13,-2,true],"productOrService":{"coding":[{"code":"99214"}]}}])")
                          .json());
  BOOST_TEST_REQUIRE(r.claims.size() == 1u);
  const auto& p = r.claims[0].lines.at(1).pointers;
  BOOST_TEST_REQUIRE(p.size() == 5u);
  BOOST_TEST(p[0].raw == "0");
  BOOST_TEST(p[0].value == 0);
  BOOST_TEST(p[1].raw == "\"1\"");
  BOOST_TEST(p[1].value == -1);
  BOOST_TEST(p[2].raw == "13");  // a valid positiveInt that resolves to nothing: the rules' job
  BOOST_TEST(p[2].value == 13);
  BOOST_TEST(p[3].raw == "-2");
  BOOST_TEST(p[3].value == -1);
  BOOST_TEST(p[4].raw == "true");
  BOOST_TEST(p[4].value == -1);
  BOOST_TEST(p[1].src.fhirpath == "Claim.item[1].diagnosisSequence[1]");
  BOOST_TEST(!r.claims[0].lines.at(0).pointers_present);
  BOOST_TEST(r.claims[0].lines.at(1).pointers_present);
  const auto& f = r.findings[0];
  BOOST_TEST_REQUIRE(f.size() == 4u);
  BOOST_TEST(f[0].rule == "fhir.value");
  BOOST_TEST(f[0].src.fhirpath == "Claim.item[1].diagnosisSequence[0]");
  BOOST_TEST(f[0].line == 2);
  BOOST_TEST(f[1].rule == "fhir.structure");
  BOOST_TEST(f[1].src.fhirpath == "Claim.item[1].diagnosisSequence[1]");
  BOOST_TEST(f[2].rule == "fhir.value");
  BOOST_TEST(f[2].src.fhirpath == "Claim.item[1].diagnosisSequence[3]");
  BOOST_TEST(f[3].rule == "fhir.structure");
  BOOST_TEST(f[3].src.fhirpath == "Claim.item[1].diagnosisSequence[4]");
}

BOOST_AUTO_TEST_CASE(diagnosis_sequence_not_an_array) {
  const auto f = only_finding(read(ClaimBuilder()
                                       .set("item", R"([{"sequence":1,"diagnosisSequence":1,"productOrService":{"coding":[{"code":"99213"}]}}])")
                                       .json()));
  BOOST_TEST(f.rule == "fhir.structure");
  BOOST_TEST(f.src.fhirpath == "Claim.item[0].diagnosisSequence");
}

BOOST_AUTO_TEST_CASE(item_and_diagnosis_required_parts) {
  const auto r = read(ClaimBuilder()
                          .set("diagnosis", R"([{"diagnosisCodeableConcept":{"coding":[{"code":"A00"}]}},{"sequence":2}])")
                          .set("item", R"([{"servicedDate":"2024-01-01"}])")
                          .json());
  const auto& f = r.findings.at(0);
  BOOST_TEST_REQUIRE(f.size() == 4u);
  BOOST_TEST(f[0].src.fhirpath == "Claim.diagnosis[0].sequence");
  BOOST_TEST(f[1].src.fhirpath == "Claim.diagnosis[1].diagnosis[x]");
  BOOST_TEST(f[1].diagnosis == 2);
  BOOST_TEST(f[2].src.fhirpath == "Claim.item[0].sequence");
  BOOST_TEST(f[3].src.fhirpath == "Claim.item[0].productOrService");
  for (const auto& x : f) BOOST_TEST(x.rule == "fhir.required");
}

BOOST_AUTO_TEST_CASE(wrong_json_types) {
  const std::pair<ClaimBuilder, std::string> cases[] = {
      {ClaimBuilder().set("status", "1"), "Claim.status"},
      {ClaimBuilder().set("type", R"("professional")"), "Claim.type"},
      {ClaimBuilder().set("type", R"({"coding":{"code":"professional"}})"), "Claim.type.coding"},
      {ClaimBuilder().set("type", R"({"coding":[{"code":7}]})"), "Claim.type.coding[0].code"},
      {ClaimBuilder().set("patient", R"("Patient/1")"), "Claim.patient"},
      {ClaimBuilder().set("patient", R"({"reference":5})"), "Claim.patient.reference"},
      {ClaimBuilder().set("created", "20240101"), "Claim.created"},
      {ClaimBuilder().set("diagnosis", R"({"sequence":1})"), "Claim.diagnosis"},
      {ClaimBuilder().set("diagnosis", R"([[1]])"), "Claim.diagnosis[0]"},
      {ClaimBuilder().set("total", R"({"value":"146.00"})"), "Claim.total.value"},
      {ClaimBuilder().set("total", "146"), "Claim.total"},
      {ClaimBuilder().set("item", R"([{"sequence":1,"productOrService":{"coding":[{"code":"1"}]},"quantity":{"value":"2"}}])"),
       "Claim.item[0].quantity.value"},
      {ClaimBuilder().set("item", R"([{"sequence":1,"productOrService":{"coding":[{"code":"1"}]},"servicedDate":20240101}])"),
       "Claim.item[0].servicedDate"},
      {ClaimBuilder().set("identifier", R"({"value":"x"})"), "Claim.identifier"},
      {ClaimBuilder().set("insurance", R"({"sequence":1})"), "Claim.insurance"},
  };
  for (const auto& [b, path] : cases) {
    const auto f = only_finding(read(b.json()));
    BOOST_TEST(f.rule == "fhir.structure", path);
    BOOST_TEST(f.src.fhirpath == path);
  }
}

BOOST_AUTO_TEST_CASE(bad_values) {
  const std::tuple<ClaimBuilder, std::string, std::string> cases[] = {
      {ClaimBuilder().set("status", R"("open")"), "fhir.code-invalid", "Claim.status"},
      {ClaimBuilder().set("use", R"("bill")"), "fhir.code-invalid", "Claim.use"},
      {ClaimBuilder().set("created", R"("2024-13-01")"), "fhir.value", "Claim.created"},
      {ClaimBuilder().set("created", R"("2024-01-01T10:00:00")"), "fhir.value", "Claim.created"},  // time without zone
      {ClaimBuilder().set("billablePeriod", R"({"start":"2024-02-30"})"), "fhir.value", "Claim.billablePeriod.start"},
      {ClaimBuilder().set("total", R"({"value":1.23456})"), "fhir.value", "Claim.total.value"},
      {ClaimBuilder().set("item", R"([{"sequence":1,"productOrService":{"coding":[{"code":"1"}]},"servicedDate":"2024-01"}])"),
       "fhir.value", "Claim.item[0].servicedDate"},
      {ClaimBuilder().set("item", R"([{"sequence":1,"productOrService":{"coding":[{"code":"1"}]},"net":{"value":1e3}}])"),
       "fhir.value", "Claim.item[0].net.value"},
  };
  for (const auto& [b, rule, path] : cases) {
    const auto f = only_finding(read(b.json()));
    BOOST_TEST(f.rule == rule, path);
    BOOST_TEST(f.src.fhirpath == path);
  }
}

BOOST_AUTO_TEST_CASE(created_accepts_date_and_partial_forms) {
  for (const char* v : {R"("2024")", R"("2024-01")", R"("2024-01-20")", R"("2024-01-20T10:00:00.123Z")"}) {
    const auto r = read(ClaimBuilder().set("created", v).json());
    BOOST_TEST(r.findings.at(0).empty(), v);
  }
}

BOOST_AUTO_TEST_CASE(wrong_resource_type_goes_to_on_error) {
  const auto r = read(R"({"resourceType":"Patient","id":"p"})");
  BOOST_TEST(r.claims.empty());
  const auto e = only_error(r);
  BOOST_TEST(e.rule == "fhir.resource-type");
  BOOST_TEST(e.src.fhirpath == "Patient");
  BOOST_TEST(e.value == "Patient");
  BOOST_TEST(e.message == "resourceType \"Patient\" is not accepted; expected a Claim or a Bundle of Claims");
  BOOST_TEST(r.summary.usable);
}

BOOST_AUTO_TEST_CASE(missing_or_wrong_resource_type) {
  {
    const auto e = only_error(read(R"({"id":"x"})"));
    BOOST_TEST(e.rule == "fhir.required");
    BOOST_TEST(e.src.fhirpath == "resourceType");
  }
  {
    const auto e = only_error(read(R"({"resourceType":1})"));
    BOOST_TEST(e.rule == "fhir.structure");
  }
  {
    const auto e = only_error(read(R"([{"resourceType":"Claim"}])"));
    BOOST_TEST(e.rule == "fhir.structure");
  }
}

BOOST_AUTO_TEST_CASE(bundle_errors) {
  {
    const auto e = only_error(read(R"({"resourceType":"Bundle","type":"searchset","entry":[]})"));
    BOOST_TEST(e.rule == "fhir.not-supported");
    BOOST_TEST(e.src.fhirpath == "Bundle.type");
  }
  {
    const auto e = only_error(read(R"({"resourceType":"Bundle","entry":[]})"));
    BOOST_TEST(e.rule == "fhir.required");
    BOOST_TEST(e.src.fhirpath == "Bundle.type");
  }
  {
    const auto e = only_error(read(R"({"resourceType":"Bundle","type":"collection","entry":[{"resource":{"resourceType":"Patient"}}]})"));
    BOOST_TEST(e.rule == "fhir.resource-type");
    BOOST_TEST(e.src.fhirpath == "Bundle");
  }
  {
    const auto e = only_error(read(R"({"resourceType":"Bundle","type":"batch","entry":{}})"));
    BOOST_TEST(e.rule == "fhir.structure");
    BOOST_TEST(e.src.fhirpath == "Bundle.entry");
  }
}

BOOST_AUTO_TEST_SUITE_END()

// ---------------------------------------------------------------------------------------------
BOOST_AUTO_TEST_SUITE(fhir_syntax_and_limits)

BOOST_AUTO_TEST_CASE(not_json) {
  const auto r = read("hello");
  const auto e = only_error(r);
  BOOST_TEST(e.rule == "fhir.syntax");
  BOOST_TEST(e.src.fhirpath.empty());
  BOOST_TEST(e.message == "Invalid value at line 1, column 1 (byte offset 0)");
  BOOST_TEST(!r.summary.usable);
}

BOOST_AUTO_TEST_CASE(trailing_comma) {
  const auto e = only_error(read(R"({"resourceType":"Claim",})"));
  BOOST_TEST(e.message == "Missing a name for object member at line 1, column 25 (byte offset 24)");
}

BOOST_AUTO_TEST_CASE(truncated) {
  const auto e = only_error(read("{\n  \"resourceType\": \"Claim\",\n  \"status\": \"act"));
  BOOST_TEST(e.rule == "fhir.syntax");
  BOOST_TEST(e.message == "Missing a closing quotation mark in string at line 3, column 17 (byte offset 45)");
}

BOOST_AUTO_TEST_CASE(bad_literal_on_line_two) {
  const auto e = only_error(read("{\n  \"status\": tru\n}"));
  BOOST_TEST(e.message == "Invalid value at line 2, column 16 (byte offset 17)");
}

BOOST_AUTO_TEST_CASE(invalid_utf8) {
  const auto e = only_error(read("{\"resourceType\":\"Cl\xC3\x28im\"}"));
  BOOST_TEST(e.rule == "fhir.syntax");
  BOOST_TEST(e.message ==
             "invalid UTF-8 byte sequence in a string; FHIR JSON must be UTF-8 at line 1, column 20 (byte offset 19)");
}

BOOST_AUTO_TEST_CASE(bom_counts_in_offsets) {
  const auto e = only_error(read("\xEF\xBB\xBF{\"a\":}"));
  BOOST_TEST(e.message == "Invalid value at line 1, column 9 (byte offset 8)");
  const auto ok = read("\xEF\xBB\xBF" + ClaimBuilder().json());
  BOOST_TEST(ok.claims.size() == 1u);
}

BOOST_AUTO_TEST_CASE(nul_byte) {
  const auto e = only_error(read(std::string("{\"a\":1}\0x", 9)));
  BOOST_TEST(e.rule == "fhir.syntax");
  BOOST_TEST(e.message == "NUL byte in the JSON text (is it UTF-16?); expected UTF-8 JSON at line 1, column 8 (byte offset 7)");
}

BOOST_AUTO_TEST_CASE(trailing_garbage) {
  const auto e = only_error(read(R"({"resourceType":"Claim"} x)"));
  BOOST_TEST(e.message == "The document root must not be followed by other values at line 1, column 26 (byte offset 25)");
}

BOOST_AUTO_TEST_CASE(empty_input) {
  const auto e = only_error(read(" \n "));
  BOOST_TEST(e.rule == "fhir.syntax");
}

BOOST_AUTO_TEST_CASE(nesting_depth_limit) {
  // {"a": [[[...: the root object is level 1, the k-th '[' level k+1 at offset 4+k.
  const std::string deep = "{\"a\":" + std::string(100000, '[') + std::string(100000, ']') + "}";
  const auto e = only_error(read(deep));
  BOOST_TEST(e.rule == "fhir.limit");
  BOOST_TEST(e.message == "JSON nesting deeper than the limit of 64 levels at line 1, column 69 (byte offset 68)");
  transforms::InputLimits lim;
  lim.max_fhir_depth = 200000;  // no stack overflow even when the limit allows it
  const auto r = read(deep, lim);
  BOOST_TEST_REQUIRE(r.errors.size() == 1u);
  BOOST_TEST(r.errors[0].rule == "fhir.required");  // parsed fine; it just has no resourceType
}

BOOST_AUTO_TEST_CASE(document_size_limit) {
  transforms::InputLimits lim;
  lim.max_fhir_bytes = 100;
  const auto r = read(ClaimBuilder().json(), lim);
  const auto e = only_error(r);
  BOOST_TEST(e.rule == "fhir.limit");
  BOOST_TEST(e.message.find("; the limit is 100 bytes at line 1, column 1 (byte offset 0)") != std::string::npos, e.message);
}

BOOST_AUTO_TEST_CASE(bundle_entry_limit) {
  transforms::InputLimits lim;
  lim.max_fhir_entries = 2;
  const auto r = read(R"({"resourceType":"Bundle","type":"batch","entry":[{},{},{}]})", lim);
  const auto e = only_error(r);
  BOOST_TEST(e.rule == "fhir.limit");
  BOOST_TEST(e.src.fhirpath == "Bundle.entry");
  BOOST_TEST(e.message == "Bundle has 3 entries; the limit is 2 (split the Bundle)");
}

BOOST_AUTO_TEST_CASE(ndjson_lines_limit) {
  transforms::InputLimits lim;
  lim.max_fhir_entries = 2;
  const std::string c = ClaimBuilder().json();
  const auto r = read(c + "\n" + c + "\n\n" + c + "\n", lim);
  BOOST_TEST(r.claims.empty());
  const auto e = only_error(r);
  BOOST_TEST(e.rule == "fhir.limit");
  BOOST_TEST(e.message == "the NDJSON input has 3 resources; the limit is 2 (split the file)");
}

BOOST_AUTO_TEST_CASE(ndjson_one_bad_line_does_not_stop_the_others) {
  const std::string c = ClaimBuilder().json();
  const std::string bad = R"({"resourceType":"Claim","status":)";
  const std::string input = c + "\n\n" + bad + "\r\n" + c + "\n" + R"({"resourceType":"Patient"})" + "\n";
  const auto r = read(input);
  BOOST_TEST_REQUIRE(r.claims.size() == 2u);
  BOOST_TEST(r.claims[0].fhir.ndjson_line == 1u);
  BOOST_TEST(r.claims[1].fhir.ndjson_line == 4u);
  BOOST_TEST_REQUIRE(r.errors.size() == 2u);
  BOOST_TEST(r.errors[0].rule == "fhir.syntax");
  const std::size_t off = c.size() + 2 + bad.size();  // the CR where a value was expected
  BOOST_TEST(r.errors[0].message == "NDJSON line 3: Invalid value at line 3, column " + std::to_string(bad.size() + 2) +
                                        " (byte offset " + std::to_string(off + 1) + ")");
  BOOST_TEST(r.errors[1].rule == "fhir.resource-type");
  BOOST_TEST(r.errors[1].message.find("NDJSON line 5: ") == 0u);
  BOOST_TEST(r.summary.claims == 2u);
  BOOST_TEST(r.summary.errors == 2u);
  BOOST_TEST(r.summary.usable);
}

BOOST_AUTO_TEST_CASE(ndjson_line_too_long) {
  transforms::InputLimits lim;
  const std::string c = ClaimBuilder().json();
  lim.max_fhir_bytes = c.size();
  const auto r = read(c + "\n" + c + " \n" + c, lim);
  BOOST_TEST(r.claims.size() == 2u);
  const auto e = only_error(r);
  BOOST_TEST(e.rule == "fhir.limit");
  BOOST_TEST(e.message.find("NDJSON line 2: ") == 0u);
}

BOOST_AUTO_TEST_CASE(pretty_printed_single_claim_is_not_ndjson) {
  const std::string pretty = "{\n  \"resourceType\": \"Claim\",\n  \"contained\": [\n{\"resourceType\":\"Patient\",\"id\":\"p\"}\n],\n  \"status\": \"active\"\n}\n";
  const auto r = read(pretty);
  BOOST_TEST(r.errors.empty());
  BOOST_TEST(r.claims.size() == 1u);
}

BOOST_AUTO_TEST_SUITE_END()
