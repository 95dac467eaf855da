// FHIR answers renderer: the issue-code mapping, OperationOutcome, ClaimResponse,
// batch-response Bundle and the input-error outcome, on hand-made findings and claims, each
// resource also checked for R4 structure (fhir_r4_check.hpp).
#include "fhir_r4_check.hpp"

#include "transforms/fhir_answers.hpp"
#include "transforms/fhir_claims.hpp"

#include <boost/test/unit_test.hpp>
#include <rapidjson/document.h>

using namespace cg;
using namespace cg::transforms;
using cg::fhir_answers_test::check_r4;
using cg::fhir_answers_test::joined;

namespace {

FhirAnswerStamp stamp(std::uint64_t seq = 1) {
  FhirAnswerStamp s;
  s.now = "2026-11-23T10:00:00Z";
  s.sequence = seq;
  return s;
}

rules::Finding finding(std::string rule, rules::Severity sev, std::string message, std::string path = {},
                       int line = 0) {
  rules::Finding f;
  f.rule = std::move(rule);
  f.severity = sev;
  f.message = std::move(message);
  f.src.fhirpath = std::move(path);
  f.line = line;
  return f;
}

rapidjson::Document parse(const std::string& json) {
  rapidjson::Document d;
  d.Parse(json.c_str(), json.size());
  BOOST_TEST_REQUIRE(!d.HasParseError());
  BOOST_TEST_REQUIRE(d.IsObject());
  return d;
}

void require_valid(const std::string& json) {
  const auto problems = check_r4(json);
  BOOST_TEST(problems.empty(), joined(problems) << json);
}

rules::Claim fhir_claim() {
  rules::Claim c;
  c.id = "PCN-77";
  c.format = rules::Format::Fhir;
  c.payer_id = "PAYER01";
  c.billing_npi = "1234567893";
  c.fhir.resource_id = "c-1";
  c.fhir.identifier = "PCN-77";
  c.fhir.status = "active";
  c.fhir.use = "claim";
  c.fhir.type_code = "professional";
  c.fhir.patient_reference = "Patient/p1";
  c.fhir.provider_reference = "Organization/o1";
  c.fhir.insurer_reference = "Organization/payer";
  return c;
}

rules::Verdict verdict(rules::Findings f) {
  rules::Verdict v;
  v.findings = std::move(f);
  for (const auto& x : v.findings) {
    if (x.severity == rules::Severity::Reject) {
      ++v.rejects;
    } else {
      ++v.warnings;
    }
  }
  v.accepted = v.rejects == 0;
  return v;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(fhir_answers_issue_code)

BOOST_AUTO_TEST_CASE(every_rule_family_maps_to_an_r4_issue_type) {
  struct Row {
    std::string_view rule, code;
  };
  const Row rows[] = {
      {"fhir.syntax", "structure"},
      {"fhir.structure", "structure"},
      {"fhir.value", "value"},
      {"fhir.required", "required"},
      {"fhir.code-invalid", "code-invalid"},
      {"fhir.resource-type", "invalid"},
      {"fhir.not-supported", "not-supported"},
      {"fhir.limit", "too-long"},
      {"fhir.some-future-id", "invalid"},
      {"icd10cm.unknown", "code-invalid"},
      {"icd10cm.header", "code-invalid"},
      {"icd10cm.not-yet-effective", "code-invalid"},
      {"icd10cm.deleted", "code-invalid"},
      {"icd10cm.invalid-extension", "code-invalid"},
      {"icd10cm.qualifier-mismatch", "code-invalid"},
      {"icd10cm.code-set-not-loaded", "informational"},
      {"icd10cm.excludes1", "business-rule"},
      {"icd10cm.external-cause-first", "business-rule"},
      {"icd10cm.manifestation-first", "business-rule"},
      {"icd10cm.age-conflict", "business-rule"},
      {"icd10cm.sex-conflict", "business-rule"},
      {"dx.pointer.missing", "business-rule"},
      {"dx.pointer.invalid", "business-rule"},
      {"dx.pointer.unresolved", "business-rule"},
      {"dx.pointer.duplicate", "business-rule"},
      {"dx.pointer.too-many", "business-rule"},
      {"dx.unreferenced", "business-rule"},
      {"dx.duplicate-code", "business-rule"},
      {"claim.balance", "business-rule"},
      {"claim.future-date", "business-rule"},
      {"x12.segment-order", "structure"},
      {"x12.envelope", "structure"},
      {"spine.63030-requires-disc-dx", "business-rule"},
      {"", "business-rule"},
  };
  for (const auto& r : rows) BOOST_TEST(operation_outcome_code(r.rule) == r.code, "rule " << r.rule);
}

BOOST_AUTO_TEST_CASE(fhir_input_table_agrees) {
  for (const auto& r : fhir_rules()) BOOST_TEST(operation_outcome_code(r.rule) == r.issue_code);
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(fhir_answers_operation_outcome)

BOOST_AUTO_TEST_CASE(no_findings_is_one_information_issue) {
  const std::string json = operation_outcome_json({}, stamp(7));
  BOOST_TEST(json ==
             R"({"resourceType":"OperationOutcome","id":"cg-7","issue":[{"severity":"information",)"
             R"("code":"informational","details":{"text":"All checks passed"}}]})");
  require_valid(json);
}

BOOST_AUTO_TEST_CASE(one_issue_per_finding_in_order) {
  const rules::Findings f = {
      finding("dx.pointer.unresolved", rules::Severity::Reject, "Pointer 4 matches no diagnosis.",
              "Claim.item[0].diagnosisSequence[1]", 1),
      finding("icd10cm.code-set-not-loaded", rules::Severity::Warn, "Not fully checked.",
              "Claim.diagnosis[0].diagnosisCodeableConcept.coding[0].code"),
      finding("claim.balance", rules::Severity::Reject, "Total differs."),
  };
  const std::string json = operation_outcome_json(f, stamp());
  require_valid(json);
  const auto d = parse(json);
  const auto& issues = d["issue"];
  BOOST_TEST_REQUIRE(issues.Size() == 3u);
  BOOST_TEST(std::string(issues[0]["severity"].GetString()) == "error");
  BOOST_TEST(std::string(issues[0]["code"].GetString()) == "business-rule");
  BOOST_TEST(std::string(issues[0]["details"]["coding"][0]["system"].GetString()) == "urn:claimgate:rule");
  BOOST_TEST(std::string(issues[0]["details"]["coding"][0]["code"].GetString()) == "dx.pointer.unresolved");
  BOOST_TEST(std::string(issues[0]["details"]["text"].GetString()) == "Pointer 4 matches no diagnosis.");
  BOOST_TEST(std::string(issues[0]["diagnostics"].GetString()) == "dx.pointer.unresolved");
  BOOST_TEST(std::string(issues[0]["expression"][0].GetString()) == "Claim.item[0].diagnosisSequence[1]");
  BOOST_TEST(std::string(issues[1]["severity"].GetString()) == "warning");
  BOOST_TEST(std::string(issues[1]["code"].GetString()) == "informational");
  BOOST_TEST(!issues[2].HasMember("expression"));  // claim level without a path: no expression
  BOOST_TEST(std::string(issues[2]["severity"].GetString()) == "error");
}

BOOST_AUTO_TEST_CASE(strings_are_made_valid_fhir) {
  // Invalid UTF-8, a control character, surrounding blanks, an empty message.
  const rules::Findings f = {
      finding("pack.x", rules::Severity::Reject, "  bad \xC3\x28 byte\x01 here  ", "Claim.item[0]"),
      finding("pack.y", rules::Severity::Reject, ""),
      finding("", rules::Severity::Reject, ""),
  };
  const std::string json = operation_outcome_json(f, stamp());
  require_valid(json);
  const auto d = parse(json);
  BOOST_TEST(std::string(d["issue"][0]["details"]["text"].GetString()) == "bad \xEF\xBF\xBD( byte  here");
  BOOST_TEST(!d["issue"][1]["details"].HasMember("text"));
  BOOST_TEST(std::string(d["issue"][2]["details"]["text"].GetString()) == "Rejected by a validation rule");
  BOOST_TEST(!d["issue"][2].HasMember("diagnostics"));
}

BOOST_AUTO_TEST_CASE(ids_are_valid_fhir_ids) {
  FhirAnswerStamp s = stamp(42);
  s.id_prefix = "req 9/a_b";
  BOOST_TEST(std::string(parse(operation_outcome_json({}, s))["id"].GetString()) == "req-9-a-b-42");
  s.id_prefix = std::string(100, 'x');
  const std::string id = parse(operation_outcome_json({}, s))["id"].GetString();
  BOOST_TEST(id.size() == 64u);
  BOOST_TEST(id.ends_with("x-42"));
  s.id_prefix.clear();
  BOOST_TEST(std::string(parse(operation_outcome_json({}, s))["id"].GetString()) == "cg-42");
}

BOOST_AUTO_TEST_CASE(input_error_outcome_is_fatal) {
  const rules::Findings f = {finding("fhir.syntax", rules::Severity::Reject,
                                     "Missing a name for object member at line 1, column 2 (byte offset 1)")};
  const std::string json = input_error_outcome_json(f, stamp(3));
  BOOST_TEST(json ==
             R"({"resourceType":"OperationOutcome","id":"cg-3","issue":[{"severity":"fatal","code":"structure",)"
             R"("details":{"coding":[{"system":"urn:claimgate:rule","code":"fhir.syntax"}],)"
             R"j("text":"Missing a name for object member at line 1, column 2 (byte offset 1)"},)j"
             R"("diagnostics":"fhir.syntax"}]})");
  require_valid(json);
  const std::string empty = input_error_outcome_json({}, stamp());
  require_valid(empty);
  const auto d = parse(empty);
  BOOST_TEST(std::string(d["issue"][0]["severity"].GetString()) == "fatal");
  BOOST_TEST(std::string(d["issue"][0]["code"].GetString()) == "invalid");
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(fhir_answers_claim_response)

BOOST_AUTO_TEST_CASE(accepted_is_queued_with_references_from_the_claim) {
  const rules::Claim c = fhir_claim();
  const std::string json = claim_response_json(c, verdict({}), stamp(5));
  BOOST_TEST(json ==
             R"({"resourceType":"ClaimResponse","id":"cg-5","status":"active","type":{"coding":[{"system":)"
             R"("http://terminology.hl7.org/CodeSystem/claim-type","code":"professional"}]},"use":"claim",)"
             R"("patient":{"reference":"Patient/p1"},"created":"2026-11-23T10:00:00Z",)"
             R"("insurer":{"reference":"Organization/payer"},"requestor":{"reference":"Organization/o1"},)"
             R"("request":{"reference":"Claim/c-1","identifier":{"value":"PCN-77"}},"outcome":"queued",)"
             R"("disposition":"Accepted for processing"})");
  require_valid(json);
  const auto d = parse(claim_response_json(c, verdict({}), stamp(), "complete"));
  BOOST_TEST(std::string(d["outcome"].GetString()) == "complete");
  BOOST_TEST(std::string(d["disposition"].GetString()) == "Accepted");
  BOOST_TEST(std::string(parse(claim_response_json(c, verdict({}), stamp(), "partial"))["outcome"].GetString()) ==
             "queued");
}

BOOST_AUTO_TEST_CASE(rejected_lists_errors_with_item_sequence) {
  const rules::Claim c = fhir_claim();
  const auto v = verdict({
      // About line 1 (whose date decided the code set), but the error is in Claim.diagnosis,
      // outside the item structure: no itemSequence.
      finding("icd10cm.header", rules::Severity::Reject, "E11 is a category header.",
              "Claim.diagnosis[1].diagnosisCodeableConcept.coding[0].code", 1),
      finding("dx.unreferenced", rules::Severity::Warn, "Diagnosis 3 is not pointed at.", "Claim.diagnosis[2]"),
      finding("dx.pointer.unresolved", rules::Severity::Reject, "Pointer 4 matches no diagnosis.",
              "Claim.item[1].diagnosisSequence[0]", 2),
  });
  const std::string json = claim_response_json(c, v, stamp());
  require_valid(json);
  const auto d = parse(json);
  BOOST_TEST(std::string(d["outcome"].GetString()) == "error");
  BOOST_TEST(std::string(d["disposition"].GetString()) == "Rejected: 2 problems; first: E11 is a category header.");
  const auto& errors = d["error"];
  BOOST_TEST_REQUIRE(errors.Size() == 2u);
  BOOST_TEST(!errors[0].HasMember("itemSequence"));
  BOOST_TEST(std::string(errors[0]["code"]["coding"][0]["code"].GetString()) == "icd10cm.header");
  BOOST_TEST(std::string(errors[0]["code"]["text"].GetString()) == "E11 is a category header.");
  BOOST_TEST(errors[1]["itemSequence"].GetInt() == 2);
  BOOST_TEST(std::string(errors[1]["code"]["coding"][0]["code"].GetString()) == "dx.pointer.unresolved");
  BOOST_TEST_REQUIRE(d["processNote"].Size() == 1u);
  BOOST_TEST(std::string(d["processNote"][0]["text"].GetString()) ==
             "Diagnosis 3 is not pointed at. (dx.unreferenced)");
}

BOOST_AUTO_TEST_CASE(disposition_counts_dropped_findings) {
  auto v = verdict({finding("claim.balance", rules::Severity::Reject, "Total differs.")});
  BOOST_TEST(std::string(parse(claim_response_json(fhir_claim(), v, stamp()))["disposition"].GetString()) ==
             "Rejected: 1 problem: Total differs.");
  v.rejects = 205;
  v.dropped = 204;
  BOOST_TEST(std::string(parse(claim_response_json(fhir_claim(), v, stamp()))["disposition"].GetString()) ==
             "Rejected: 205 problems (first 1 listed); first: Total differs.");
}

BOOST_AUTO_TEST_CASE(contained_references_do_not_leak) {
  rules::Claim c = fhir_claim();
  c.fhir.patient_reference = "#pat";
  c.fhir.provider_reference = "#org";
  c.fhir.insurer_reference = "#payer";
  const std::string json = claim_response_json(c, verdict({}), stamp());
  require_valid(json);
  const auto d = parse(json);
  BOOST_TEST(std::string(d["patient"]["display"].GetString()) == "Patient #pat contained in Claim/c-1");
  BOOST_TEST(std::string(d["insurer"]["identifier"]["value"].GetString()) == "PAYER01");
  BOOST_TEST(std::string(d["requestor"]["identifier"]["system"].GetString()) == "http://hl7.org/fhir/sid/us-npi");
  BOOST_TEST(std::string(d["requestor"]["identifier"]["value"].GetString()) == "1234567893");
  c.payer_id.clear();
  c.billing_npi.clear();
  c.fhir.resource_id.clear();
  const auto d2 = parse(claim_response_json(c, verdict({}), stamp()));
  BOOST_TEST(std::string(d2["insurer"]["display"].GetString()) ==
             "Organization #payer contained in the submitted Claim");
  BOOST_TEST(std::string(d2["requestor"]["display"].GetString()) == "provider #org contained in the submitted Claim");
}

BOOST_AUTO_TEST_CASE(absent_data_stays_valid) {
  rules::Claim c;  // a FHIR Claim that lacked nearly everything
  c.format = rules::Format::Fhir;
  c.fhir.use = "bogus";
  const std::string json = claim_response_json(c, verdict({}), stamp());
  BOOST_TEST(json ==
             R"({"resourceType":"ClaimResponse","id":"cg-1","status":"active","type":{"extension":[{"url":)"
             R"("http://hl7.org/fhir/StructureDefinition/data-absent-reason","valueCode":"unknown"}]},)"
             R"("use":"claim","patient":{"extension":[{"url":"http://hl7.org/fhir/StructureDefinition/)"
             R"(data-absent-reason","valueCode":"unknown"}],"display":"unknown"},"created":"2026-11-23T10:00:00Z",)"
             R"("insurer":{"extension":[{"url":"http://hl7.org/fhir/StructureDefinition/data-absent-reason",)"
             R"("valueCode":"unknown"}],"display":"unknown"},"outcome":"queued","disposition":"Accepted for processing"})");
  require_valid(json);

  FhirAnswerStamp no_time = stamp();
  no_time.now.clear();
  const std::string j2 = claim_response_json(c, verdict({}), no_time);
  require_valid(j2);
  BOOST_TEST(parse(j2).HasMember("_created"));
}

BOOST_AUTO_TEST_CASE(type_use_and_request_variants) {
  rules::Claim c = fhir_claim();
  c.fhir.type_code = "custom-type";
  c.fhir.use = "preauthorization";
  c.fhir.full_url = "urn:uuid:0c3151bd-1cbf-4d64-b04d-cd9187a4c6e0";
  auto d = parse(claim_response_json(c, verdict({}), stamp()));
  BOOST_TEST(std::string(d["type"]["text"].GetString()) == "custom-type");
  BOOST_TEST(std::string(d["use"].GetString()) == "preauthorization");
  BOOST_TEST(std::string(d["request"]["reference"].GetString()) == "urn:uuid:0c3151bd-1cbf-4d64-b04d-cd9187a4c6e0");

  rules::Claim x;  // an X12 claim: type from the claim kind, request by CLM01
  x.id = "CLM-1";
  x.kind = rules::ClaimKind::Dental;
  x.format = rules::Format::X12_837D;
  x.payer_id = "PAYER9";
  d = parse(claim_response_json(x, verdict({}), stamp()));
  BOOST_TEST(std::string(d["type"]["coding"][0]["code"].GetString()) == "oral");
  BOOST_TEST(!d["request"].HasMember("reference"));
  BOOST_TEST(std::string(d["request"]["identifier"]["value"].GetString()) == "CLM-1");
  BOOST_TEST(std::string(d["insurer"]["identifier"]["value"].GetString()) == "PAYER9");
  require_valid(claim_response_json(x, verdict({}), stamp()));
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(fhir_answers_batch)

BOOST_AUTO_TEST_CASE(statuses_locations_and_ids) {
  const rules::Claim good = fhir_claim();
  rules::Claim warned = fhir_claim();
  warned.fhir.resource_id = "c-2";
  const rules::Claim bad = fhir_claim();
  const auto v_good = verdict({});
  const auto v_warned = verdict({finding("dx.unreferenced", rules::Severity::Warn, "Diagnosis 2 unused.")});
  const auto v_bad = verdict({finding("claim.balance", rules::Severity::Reject, "Total differs.", "Claim.total")});
  std::vector<BatchEntry> entries(4);
  entries[0].claim = &good;
  entries[0].verdict = &v_good;
  entries[1].claim = &bad;
  entries[1].verdict = &v_bad;
  entries[2].input_errors = {finding("fhir.required", rules::Severity::Reject, "resourceType is missing",
                                     "Bundle.entry[2].resource.resourceType")};
  entries[3].claim = &warned;
  entries[3].verdict = &v_warned;
  const std::string json = batch_response_json(entries, stamp(10));
  require_valid(json);
  const auto d = parse(json);
  BOOST_TEST(std::string(d["id"].GetString()) == "cg-10");
  BOOST_TEST(std::string(d["type"].GetString()) == "batch-response");
  BOOST_TEST(std::string(d["timestamp"].GetString()) == "2026-11-23T10:00:00Z");
  const auto& e = d["entry"];
  BOOST_TEST_REQUIRE(e.Size() == 4u);
  BOOST_TEST(std::string(e[0]["response"]["status"].GetString()) == "201 Created");
  BOOST_TEST(std::string(e[0]["resource"]["id"].GetString()) == "cg-11");
  BOOST_TEST(std::string(e[0]["response"]["location"].GetString()) == "ClaimResponse/cg-11");
  BOOST_TEST(!e[0]["response"].HasMember("outcome"));
  BOOST_TEST(std::string(e[1]["response"]["status"].GetString()) == "422 Unprocessable Entity");
  BOOST_TEST(!e[1].HasMember("resource"));
  BOOST_TEST(std::string(e[1]["response"]["outcome"]["id"].GetString()) == "cg-12");
  BOOST_TEST(std::string(e[1]["response"]["outcome"]["issue"][0]["expression"][0].GetString()) == "Claim.total");
  BOOST_TEST(std::string(e[2]["response"]["status"].GetString()) == "400 Bad Request");
  BOOST_TEST(std::string(e[2]["response"]["outcome"]["issue"][0]["severity"].GetString()) == "fatal");
  BOOST_TEST(std::string(e[2]["response"]["outcome"]["issue"][0]["code"].GetString()) == "required");
  BOOST_TEST(std::string(e[2]["response"]["outcome"]["id"].GetString()) == "cg-13");
  BOOST_TEST(std::string(e[3]["resource"]["id"].GetString()) == "cg-14");
  BOOST_TEST(std::string(e[3]["response"]["outcome"]["id"].GetString()) == "cg-15");
  BOOST_TEST(std::string(e[3]["response"]["outcome"]["issue"][0]["severity"].GetString()) == "warning");
}

BOOST_AUTO_TEST_CASE(empty_and_timestamp_rules) {
  FhirAnswerStamp s = stamp();
  s.now = "2026-11-23";  // a date is not an instant: no timestamp
  const std::string json = batch_response_json({}, s);
  BOOST_TEST(json == R"({"resourceType":"Bundle","id":"cg-1","type":"batch-response"})");
  require_valid(json);
  s.now = "2026-11-23T10:00:00.123-05:00";
  BOOST_TEST(parse(batch_response_json({}, s)).HasMember("timestamp"));
  std::vector<BatchEntry> one(1);  // unreadable without errors: still a fatal issue
  require_valid(batch_response_json(one, s));
}

BOOST_AUTO_TEST_SUITE_END()
