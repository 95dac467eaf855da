// Routing by target format (issue 14, engine/routing.hpp) through the one pipeline every front
// end calls: an accepted X12 claim for a payer whose target takes FHIR is forwarded as a batch
// Bundle, an accepted FHIR claim for an X12 target as a complete 837 interchange (envelope from
// the trading-partner table, contact from the identity, ISA13 from the caller's stamp); both
// read back clean. A claim that cannot be converted is rejected with convert.target-needs at
// the element it lacks (FHIRPath / X12 location), in the answer, and nothing of it is forwarded.
#include "engine/pipeline.hpp"
#include "rulesets/codesets/icd10cm.hpp"
#include "tests/support/gen837.hpp"
#include "transforms/claim_fhir.hpp"
#include "transforms/input.hpp"

#include <boost/test/unit_test.hpp>

#include <string>
#include <vector>

using namespace cg;

namespace {

std::shared_ptr<const codesets::Icd10Index> codes() {
  static const auto c = [] {
    auto loaded = codesets::Icd10Index::load(std::string(CG_BINARY_DIR) + "/icd10cm.cgx");
    BOOST_REQUIRE(std::holds_alternative<std::shared_ptr<const codesets::Icd10Index>>(loaded));
    return std::get<std::shared_ptr<const codesets::Icd10Index>>(loaded);
  }();
  return c;
}

// Payer 87726's target takes FHIR, every other payer's X12.
engine::PipelineOptions routed() {
  engine::PipelineOptions o;
  o.codes = codes();
  o.identity.contact_name = "EDI DESK";
  o.identity.contact_phone = "8005551212";
  engine::TradingPartner p;
  p.receiver = transforms::X12Party{"30", "990001234", "", "PAYERAPP"};
  o.identity.trading_partners["00590"] = p;
  o.routing.by_payer["87726"] = engine::WireFormat::Fhir;
  o.routing.fallback = engine::WireFormat::X12;
  return o;
}

const rules::Date kToday{2024, 2, 1};

std::string gen(int claims, std::uint64_t seed) {
  test::Gen837 g(test::Gen837::Kind::Professional, seed);
  std::string s;
  g.begin(s, 1000);
  for (int i = 0; i < claims; ++i) g.claim(s);
  g.end(s);
  return s;
}

struct ReadBack {
  std::vector<rules::Claim> claims;
  std::vector<std::string> problems;
};

ReadBack read_back(std::string_view text) {
  ReadBack r;
  transforms::read_claims(
      text, "forwarded", {},
      [&](rules::Claim&& c, rules::Findings&& f) {
        for (const auto& x : f) r.problems.push_back(x.rule + ": " + x.message);
        r.claims.push_back(std::move(c));
      },
      [&](rules::Finding&& f) { r.problems.push_back(f.rule + ": " + f.message); });
  return r;
}

// The Bundle (type collection) `claimgate convert --to fhir` writes for the first claim of `x12`.
std::string fhir_of(const std::string& x12, std::size_t index = 0) {
  const ReadBack r = read_back(x12);
  BOOST_REQUIRE(r.claims.size() > index);
  const transforms::Conversion c = transforms::claim_to_fhir(r.claims[index], transforms::FhirBundleType::Collection);
  BOOST_REQUIRE(c.ok());
  return c.text;
}

const rules::Finding* finding(const rules::Verdict& v, std::string_view rule) {
  for (const auto& f : v.findings)
    if (f.rule == rule) return &f;
  return nullptr;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(routing)

BOOST_AUTO_TEST_CASE(x12_claims_for_a_fhir_target_are_forwarded_as_batch_bundles) {
  const engine::Pipeline p(routed());
  const std::string in = gen(12, 31);
  const engine::X12Result r = p.process_x12(in, "t", "", kToday, engine::Stamp{900, "20240201", "0800", {}});
  std::size_t bundles = 0, x12_claims = 0, accepted_87726 = 0, accepted_other = 0;
  for (const auto& o : r.outcomes)
    if (o.verdict.accepted) ++(o.claim.payer_id == "87726" ? accepted_87726 : accepted_other);
  BOOST_TEST_REQUIRE(accepted_87726 > 0u);
  BOOST_TEST_REQUIRE(accepted_other > 0u);
  for (const auto& f : r.forward) {
    if (f.payer_id == "87726") {
      ++bundles;
      BOOST_TEST(f.content_type == "application/fhir+json");
      BOOST_TEST(f.body.starts_with(R"({"resourceType":"Bundle","type":"batch","entry":[)"));
      BOOST_TEST_REQUIRE(f.claim_ids.size() == 1u);
      const ReadBack b = read_back(f.body);
      BOOST_TEST(b.problems.empty(), (b.problems.empty() ? "" : b.problems[0]));
      BOOST_TEST_REQUIRE(b.claims.size() == 1u);
      BOOST_TEST(b.claims[0].id == f.claim_ids[0]);
      BOOST_TEST(b.claims[0].payer_id == "87726");
    } else {
      BOOST_TEST(f.content_type == "application/edi-x12");  // an X12 target: re-enveloped as received
      x12_claims += f.claim_ids.size();
      BOOST_TEST(f.body.find("*30*990001234      *") != std::string::npos);  // the trading partner's ISA07/ISA08
    }
  }
  BOOST_TEST(bundles == accepted_87726);
  BOOST_TEST(x12_claims == accepted_other);
}

BOOST_AUTO_TEST_CASE(a_fhir_claim_for_an_x12_target_is_forwarded_as_an_837_interchange) {
  const engine::Pipeline p(routed());
  const std::string in = gen(1, 2);  // payer 00590 (an X12 target with a trading-partner entry)
  const std::string fhir = fhir_of(in);
  BOOST_TEST_REQUIRE(fhir.find("00590") != std::string::npos);
  const engine::FhirResult r = p.process_fhir(fhir, engine::FhirOperation::Submit, "", kToday, "2024-02-01T08:00:00Z",
                                              "request", "req-1", true, engine::Stamp{4242, "20240201", "0800", {}});
  BOOST_TEST_REQUIRE(r.http_status == 200, r.body);
  BOOST_TEST_REQUIRE(r.forward.size() == 1u);
  const engine::ForwardItem& f = r.forward[0];
  BOOST_TEST(f.content_type == "application/edi-x12");
  BOOST_TEST(f.key == "req-1-1");
  BOOST_TEST(f.body.starts_with("ISA*00*          *00*          *ZZ*CLAIMGATE      *30*990001234      *240201*0800*"));
  BOOST_TEST(f.body.find("*000004242*0*P*:~") != std::string::npos);  // ISA13 from the stamp
  BOOST_TEST(f.body.find("GS*HC*CLAIMGATE*PAYERAPP*20240201*0800*") != std::string::npos);
  BOOST_TEST(f.body.find("PER*IC*EDI DESK*TE*8005551212~") != std::string::npos);
  BOOST_TEST(f.body.find("IEA*1*000004242~") != std::string::npos);
  const ReadBack b = read_back(f.body);
  BOOST_TEST(b.problems.empty(), (b.problems.empty() ? "" : b.problems[0]));
  BOOST_TEST_REQUIRE(b.claims.size() == 1u);
  BOOST_TEST(b.claims[0].id == f.claim_ids.at(0));
  // Without routing the Claim goes as it came.
  engine::PipelineOptions plain = routed();
  plain.routing = {};
  const engine::FhirResult same = engine::Pipeline(plain).process_fhir(fhir, engine::FhirOperation::Submit, "", kToday);
  BOOST_TEST_REQUIRE(same.forward.size() == 1u);
  BOOST_TEST(same.forward[0].content_type == "application/fhir+json");
  BOOST_TEST(same.forward[0].body.find(R"("resourceType":"Claim")") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(a_fhir_claim_the_837_cannot_be_built_from_is_rejected_with_its_fhirpath) {
  const engine::Pipeline p(routed());
  std::string fhir = fhir_of(gen(1, 2));
  // The billing provider's tax id (EIN identifier) removed: the rules accept the claim, the 837 needs it.
  const std::string ein =
      R"(,{"type":{"coding":[{"system":"http://codesystem.x12.org/005010/128","code":"EI"},)"
      R"({"system":"http://terminology.hl7.org/CodeSystem/v2-0203","code":"TAX"}]},)"
      R"("system":"urn:oid:2.16.840.1.113883.4.4","value":"621234567"})";
  const std::size_t at = fhir.find(ein);
  BOOST_TEST_REQUIRE(at != std::string::npos);
  fhir.erase(at, ein.size());
  const engine::FhirResult r = p.process_fhir(fhir, engine::FhirOperation::Submit, "", kToday, "2024-02-01T08:00:00Z",
                                              "request", "req-2", true, engine::Stamp{77, "20240201", "0800", {}});
  BOOST_TEST(r.http_status == 422, r.body);
  BOOST_TEST(r.forward.empty());
  BOOST_TEST_REQUIRE(r.outcomes.size() == 1u);
  const rules::Finding* f = finding(r.outcomes[0].verdict, engine::kConvertTargetNeeds);
  BOOST_TEST_REQUIRE(f != nullptr);
  BOOST_TEST(f->src.fhirpath == "Claim.provider");
  BOOST_TEST(f->message.find("tax id") != std::string::npos);
  BOOST_TEST(r.body.find(R"("code":"convert.target-needs")") != std::string::npos);
  BOOST_TEST(r.body.find(R"("expression":["Claim.provider"])") != std::string::npos);
  BOOST_TEST(r.counts.rejected == 1u);
  // The same claim for a FHIR target is accepted and goes as it came.
  engine::PipelineOptions fhir_target = routed();
  fhir_target.routing.fallback = engine::WireFormat::Fhir;
  const engine::FhirResult ok = engine::Pipeline(fhir_target).process_fhir(fhir, engine::FhirOperation::Submit, "", kToday);
  BOOST_TEST(ok.http_status == 200, ok.body);
  BOOST_TEST(ok.forward.size() == 1u);
}

BOOST_AUTO_TEST_CASE(an_x12_claim_fhir_cannot_hold_is_rejected_in_the_277ca_and_the_report) {
  // Two teeth on one 837D line: a FHIR Claim.item has one bodySite.
  const std::string two =
      "ISA*00*          *00*          *ZZ*DENTIST        *ZZ*PAYER          *240301*1200*^*00501*000000002*0*P*:~"
      "GS*HC*DENTIST*PAYER*20240301*1200*2*X*005010X224A2~ST*837*0001*005010X224A2~"
      "BHT*0019*00*0001*20240301*1200*CH~NM1*41*2*SMILE DENTAL*****46*DENTIST~PER*IC*FRONT DESK*TE*6155550101~"
      "NM1*40*2*PAYER*****46*PAYER~HL*1**20*1~NM1*85*2*SMILE DENTAL*****XX*1234567893~N3*5 MAIN ST~"
      "N4*NASHVILLE*TN*372031234~REF*EI*621234567~HL*2*1*22*0~SBR*P*18*GRP7******CI~"
      "NM1*IL*1*DOE*JANE****MI*D987654~N3*9 ELM ST~N4*NASHVILLE*TN*372111186~DMG*D8*19850202*F~"
      "NM1*PR*2*DENTAL PLAN*****PI*87726~CLM*DENT-1*250***11:B:1*Y*A*Y*Y~HI*ABK:K0252~"
      "LX*1~SV3*AD:D2392*150****1*****1~TOO*JP*3*M:O~TOO*JP*4~DTP*472*D8*20240215~LX*2~SV3*AD:D1110*100****1*****1~TOO*JP*14~"
      "DTP*472*D8*20240215~SE*29*0001~GE*1*2~IEA*1*000000002~";
  const engine::Pipeline p(routed());
  const engine::X12Result r = p.process_x12(two, "t", "", rules::Date{2024, 3, 2}, engine::Stamp{10, "20240302", "0900", {}});
  BOOST_TEST_REQUIRE(r.outcomes.size() == 1u);
  BOOST_TEST(!r.outcomes[0].verdict.accepted, r.report_json);
  const rules::Finding* f = finding(r.outcomes[0].verdict, engine::kConvertTargetNeeds);
  BOOST_TEST_REQUIRE(f != nullptr, r.report_json);
  BOOST_TEST(f->src.x12.render() == "seg 20 LX01 (loop 2400)");
  BOOST_TEST(f->message.find("the payer's target takes FHIR R4") != std::string::npos);
  BOOST_TEST(r.forward.empty());
  BOOST_TEST(r.ack_277ca.find("STC*A7:21") != std::string::npos, r.ack_277ca);
  BOOST_TEST(r.report_json.find(R"("rule":"convert.target-needs")") != std::string::npos);
  // Without the second tooth the same claim goes to the FHIR target, its TOO surfaces kept.
  std::string one = two;
  one.replace(one.find("TOO*JP*4~"), 9, "");
  one.replace(one.find("SE*29"), 5, "SE*28");
  const engine::X12Result ok = p.process_x12(one, "t", "", rules::Date{2024, 3, 2}, engine::Stamp{10, "20240302", "0900", {}});
  BOOST_TEST_REQUIRE(ok.forward.size() == 1u, ok.report_json);
  BOOST_TEST(ok.forward[0].content_type == "application/fhir+json");
  BOOST_TEST(ok.forward[0].body.find("ADAUniversalToothDesignationSystem") != std::string::npos);
}

BOOST_AUTO_TEST_SUITE_END()
