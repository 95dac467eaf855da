// X12 answers: 999/TA1, 277CA and the re-enveloped 837, through the real pipeline (real code
// set), compared with golden files under conformance/answers/x12 (control numbers and time
// injected), and checked by our own reader: every generated interchange passes the envelope
// checks, the split re-parses to exactly the accepted claims, byte for byte.
#include "engine/pipeline.hpp"
#include "tests/support/gen837.hpp"
#include "tests/support/printing.hpp"
#include "tests/support/x12_control.hpp"
#include "transforms/x12_claims.hpp"

#include <boost/test/unit_test.hpp>

#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <sstream>
#include <vector>

namespace fs = std::filesystem;
using namespace cg;

namespace {

std::string slurp(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

const engine::Pipeline& pipeline() {
  static const engine::Pipeline p = [] {
    engine::PipelineOptions o;
    auto loaded = codesets::Icd10Index::load(std::string(CG_BINARY_DIR) + "/icd10cm.cgx");
    BOOST_REQUIRE(std::holds_alternative<std::shared_ptr<const codesets::Icd10Index>>(loaded));
    o.codes = std::get<std::shared_ptr<const codesets::Icd10Index>>(loaded);
    o.identity.sender_id = "CLAIMGATE";
    o.identity.payer_receiver_id = "PAYER";
    return engine::Pipeline(o);
  }();
  return p;
}

const engine::Stamp kStamp{7001, "20260115", "0930", {}};
const rules::Date kToday{2026, 1, 15};

struct Parsed {
  std::vector<rules::Claim> claims;
  std::vector<x12::SyntaxError> errors;
};

// Our own reader over generated output: claims (with raw segments) and every syntax error.
Parsed reparse(std::string_view text, bool any_set = false) {
  Parsed p;
  transforms::X12ClaimReader r(
      "generated", transforms::InputLimits{},
      [&](rules::Claim&& c, rules::Findings&&) { p.claims.push_back(std::move(c)); }, [](rules::Finding&&) {},
      [&](const x12::SyntaxError& e) { p.errors.push_back(e); }, transforms::X12ReadOptions{nullptr, true});
  if (!any_set) {
    r.feed(text);
    r.finish();
    return p;
  }
  // Acknowledgments: envelope checks only.
  struct Sink : x12::Handler {
    std::vector<x12::SyntaxError>* errors;
    void on_error(const x12::SyntaxError& e) override { errors->push_back(e); }
  } sink;
  sink.errors = &p.errors;
  x12::ReaderLimits limits;
  limits.any_transaction_set = true;
  x12::Reader reader(sink, limits);
  reader.feed(text);
  reader.finish();
  return p;
}

std::string describe(const std::vector<x12::SyntaxError>& errors) {
  std::string s;
  for (const auto& e : errors) s += e.code + " " + e.segment_id + " " + e.message + "\n";
  return s;
}

void golden(const fs::path& path, const std::string& actual) {
  if (std::getenv("CG_UPDATE_GOLDEN")) {
    fs::create_directories(path.parent_path());
    std::ofstream(path, std::ios::binary) << actual;
    return;
  }
  BOOST_TEST_CONTEXT(path.string()) { BOOST_TEST(slurp(path) == actual); }
}

}  // namespace

BOOST_AUTO_TEST_SUITE(x12_answers)

// Every generated defect file: its 999 and 277CA equal the reviewed golden files, and both
// interchanges pass our envelope checks.
BOOST_AUTO_TEST_CASE(defect_files_answers_match_golden) {
  const fs::path in_dir = fs::path(CG_SOURCE_DIR) / "conformance/x12/defects";
  const fs::path out_dir = fs::path(CG_SOURCE_DIR) / "conformance/answers/x12";
  std::size_t n = 0;
  for (const auto& entry : fs::directory_iterator(in_dir)) {
    if (entry.path().extension() != ".x12") continue;
    ++n;
    const std::string name = entry.path().stem().string();
    const engine::X12Result r = pipeline().process_x12(slurp(entry.path()), name, "", kToday, kStamp);
    BOOST_TEST_CONTEXT(name) {
      BOOST_TEST(r.usable);
      golden(out_dir / name / "999.x12", r.ack_999);
      golden(out_dir / name / "277ca.x12", r.ack_277ca);
      const Parsed a = reparse(r.ack_999, true);
      BOOST_TEST(a.errors.empty(), describe(a.errors));
      const Parsed b = reparse(r.ack_277ca, true);
      BOOST_TEST(b.errors.empty(), describe(b.errors));
      for (const auto& f : r.forward) {
        const Parsed c = reparse(f.body);
        BOOST_TEST(c.errors.empty(), describe(c.errors));
      }
    }
  }
  BOOST_TEST(n >= 17u);
}

BOOST_AUTO_TEST_CASE(envelope_errors_in_the_999) {
  const fs::path dir = fs::path(CG_SOURCE_DIR) / "conformance/x12/defects";
  // SE01 wrong: the transaction set is rejected (IK5 R 4), so no 277CA and no 837.
  const auto se = pipeline().process_x12(slurp(dir / "bad_se_count.x12"), "t", "", kToday, kStamp);
  BOOST_TEST(se.ack_999.find("IK5*R*4~") != std::string::npos);
  BOOST_TEST(se.ack_999.find("AK9*R*1*1*0~") != std::string::npos);
  BOOST_TEST(se.ack_277ca.empty());
  BOOST_TEST(se.forward.empty());
  // A date that is not a date: IK3 at its segment position with the IK4 copy of the value.
  const auto date = pipeline().process_x12(slurp(dir / "bad_date.x12"), "t", "", kToday, kStamp);
  BOOST_TEST(date.ack_999.find("IK3*DTP*179*2400*8~\nCTX*CLM01:PCN00000011~\nIK4*3*1251*8*20241341~") !=
             std::string::npos);
  // GE01 off by one: the group is rejected with AK905 5 and the declared count in AK902.
  const auto ge = pipeline().process_x12(slurp(dir / "bad_ge_count.x12"), "t", "", kToday, kStamp);
  BOOST_TEST(ge.ack_999.find("AK9*R*2*1*1*5~") != std::string::npos);
  // IEA02 wrong: a TA1 rejects the interchange (note 001) and nothing goes on.
  const auto iea = pipeline().process_x12(slurp(dir / "bad_iea_ctrl.x12"), "t", "", kToday, kStamp);
  BOOST_TEST(iea.ack_999.find("TA1*000000101*250115*1200*R*001~") != std::string::npos);
  BOOST_TEST(iea.ack_999.find("GS*FA") == std::string::npos);
  BOOST_TEST(iea.forward.empty());
}

BOOST_AUTO_TEST_CASE(business_rejections_in_the_277ca) {
  const fs::path dir = fs::path(CG_SOURCE_DIR) / "conformance/x12/defects";
  const auto r = pipeline().process_x12(slurp(dir / "bad_icd.x12"), "t", "", kToday, kStamp);
  BOOST_TEST(r.ack_999.find("IK5*A~") != std::string::npos);  // syntax is fine
  BOOST_TEST(r.counts.rejected == 1u);
  BOOST_TEST(r.ack_277ca.find("TRN*2*PCN00000011~\nSTC*A7:254*20260115*U*") != std::string::npos);
  BOOST_TEST(r.ack_277ca.find("QTY*90*19~") != std::string::npos);
  BOOST_TEST(r.ack_277ca.find("QTY*AA*1~") != std::string::npos);
  BOOST_REQUIRE(r.forward.size() >= 1u);
  std::size_t forwarded = 0;
  for (const auto& f : r.forward) forwarded += f.claim_ids.size();
  BOOST_TEST(forwarded == 19u);
}

// 5,000 claims, every 7th with a header code: the split holds exactly the accepted claims, each
// one's segments byte for byte, under renumbered HLs, with correct counts.
BOOST_AUTO_TEST_CASE(split_round_trip_5000_claims) {
  std::string body;
  int segments = 0;
  auto seg = [&](const std::string& s) {
    body += s + "~\n";
    ++segments;
  };
  seg("BHT*0019*00*RT0001*20260110*1200*CH");
  seg("NM1*41*2*ROUND TRIP CLINIC*****46*RT001");
  seg("PER*IC*DESK*TE*6155550100");
  seg("NM1*40*2*CLAIMGATE*****46*CG0001");
  seg("HL*1**20*1");
  seg("NM1*85*2*ROUND TRIP CLINIC*****XX*1234567893");
  seg("N3*1 LOOP ROAD");
  seg("N4*NASHVILLE*TN*372031234");
  seg("REF*EI*621234567");
  int hl = 1;
  for (int i = 1; i <= 5000; ++i) {
    const bool bad = i % 7 == 0;
    seg("HL*" + std::to_string(++hl) + "*1*22*0");
    seg("SBR*P*18*GRP" + std::to_string(i) + "******CI");
    seg("NM1*IL*1*TESTPATIENT*N" + std::to_string(i) + "****MI*XEX" + std::to_string(100000 + i));
    seg("DMG*D8*19700101*F");
    seg("NM1*PR*2*EXAMPLE PLAN*****PI*87726");
    seg("CLM*RT" + std::to_string(i) + "*100***11:B:1*Y*A*Y*Y");
    seg(std::string("HI*ABK:") + (bad ? "M545" : "M5450") + "*ABF:G8929");
    seg("LX*1");
    seg("SV1*HC:99213*100*UN*1***1:2");
    seg("DTP*472*D8*20251201");
  }
  const std::string text = "ISA*00*          *00*          *ZZ*RTSENDER       *ZZ*CLAIMGATE      *260110*1200*^*00501*000000042*0*P*:~\n"
                           "GS*HC*RTSENDER*CLAIMGATE*20260110*1200*42*X*005010X222A1~\nST*837*0001*005010X222A1~\n" +
                           body + "SE*" + std::to_string(segments + 2) + "*0001~\nGE*1*42~\nIEA*1*000000042~\n";
  const Parsed original = reparse(text);
  BOOST_REQUIRE(original.errors.empty());
  BOOST_REQUIRE(original.claims.size() == 5000u);

  const engine::X12Result r = pipeline().process_x12(text, "rt", "", kToday, kStamp);
  BOOST_TEST(r.counts.accepted == 5000u - 5000u / 7);
  BOOST_TEST(r.counts.rejected == 5000u / 7);
  BOOST_REQUIRE(r.forward.size() == 1u);
  BOOST_TEST(r.forward[0].payer_id == "87726");
  const Parsed split = reparse(r.forward[0].body);
  BOOST_TEST(split.errors.empty(), describe(split.errors));
  BOOST_REQUIRE(split.claims.size() == r.counts.accepted);
  std::size_t k = 0;
  for (const auto& c : original.claims) {
    const bool bad = std::stoi(c.id.substr(2)) % 7 == 0;
    if (bad) continue;
    BOOST_TEST_REQUIRE(split.claims[k].id == c.id);
    BOOST_TEST_REQUIRE(split.claims[k].x12.raw_claim == c.x12.raw_claim);
    BOOST_TEST_REQUIRE(split.claims[k].x12.raw_subscriber.substr(split.claims[k].x12.raw_subscriber.find('~')) ==
                       c.x12.raw_subscriber.substr(c.x12.raw_subscriber.find('~')));
    ++k;
  }
  for (const auto& c : split.claims) BOOST_TEST_REQUIRE(c.id.find("RT") == 0u);
}

BOOST_AUTO_TEST_CASE(test_interchanges_stay_test_interchanges) {
  std::string text = slurp(fs::path(CG_SOURCE_DIR) / "conformance/x12/defects/none.x12");
  const auto at = text.find("*0*P*:~");
  BOOST_REQUIRE(at != std::string::npos);
  text.replace(at, 7, "*0*T*:~");
  const engine::X12Result r = pipeline().process_x12(text, "t", "", kToday, kStamp);
  BOOST_REQUIRE(!r.forward.empty());
  for (const auto& f : r.forward) BOOST_TEST(f.body.substr(0, 106).find("*0*T*:~") != std::string::npos);
  BOOST_TEST(r.ack_277ca.substr(0, 106).find("*0*T*:~") != std::string::npos);
  BOOST_TEST(r.ack_999.substr(0, 106).find("*0*T*:~") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(all_rejected_transaction_produces_no_837) {
  const std::string text = slurp(fs::path(CG_SOURCE_DIR) / "conformance/x12/defects/none.x12");
  const engine::X12Result r = pipeline().process_x12(text, "t", "", rules::Date{2015, 1, 1}, kStamp);
  // Dates of service in 2025 are all in the future on 2015-01-01: every claim is rejected.
  BOOST_TEST(r.counts.accepted == 0u);
  BOOST_TEST(r.forward.empty());
  BOOST_TEST(!r.ack_277ca.empty());
}

// Two transaction sets with the same control numbers: the error of the second (SE01 wrong,
// and its ST02 a duplicate: IK502 23) stays with the second set's claims.
BOOST_AUTO_TEST_CASE(errors_stay_with_their_own_transaction_set) {
  const std::string one = slurp(fs::path(CG_SOURCE_DIR) / "conformance/x12/defects/none.x12");
  const auto st = one.find("ST*837*"), ge = one.find("GE*1*");
  std::string second = one.substr(st, ge - st);
  const auto se = second.find("SE*");
  second.replace(se, second.find('*', se + 3) - se, "SE*9999");
  std::string text = one.substr(0, ge) + second + "GE*2*" + one.substr(ge + 5);
  const engine::X12Result r = pipeline().process_x12(text, "t", "", kToday, kStamp);
  BOOST_TEST(r.ack_999.find("IK5*A~") != std::string::npos);
  BOOST_TEST(r.ack_999.find("IK5*R*23*4~") != std::string::npos);
  std::size_t accepted = 0, rejected = 0;
  for (std::size_t i = 0; i < r.outcomes.size(); ++i) {
    const bool first = r.outcomes[i].claim.x12.set_index == 1;
    for (const auto& f : r.outcomes[i].verdict.findings)
      if (first) BOOST_TEST(f.rule != "x12.transaction");
    (first ? accepted : rejected) += 1;
  }
  BOOST_TEST(accepted == 20u);
  BOOST_TEST(rejected == 20u);
  std::size_t forwarded = 0;
  for (const auto& f : r.forward) forwarded += f.claim_ids.size();
  BOOST_TEST(forwarded <= 20u);
}

// The 999 keeps the IK502 of a set whose segment errors passed the IK3/IK4 cap, and an IK3
// names an unreadable segment id with a readable IK301.
BOOST_AUTO_TEST_CASE(ik5_codes_survive_the_error_cap_and_ik301_is_never_empty) {
  std::string text = slurp(fs::path(CG_SOURCE_DIR) / "conformance/x12/defects/none.x12");
  const auto lx = text.find("LX*1~");
  std::string odd = text;
  odd.insert(lx, "*ODD~\n");
  const engine::X12Result u = pipeline().process_x12(odd, "t", "", kToday, kStamp);
  BOOST_TEST(u.ack_999.find("IK3**") == std::string::npos);
  BOOST_TEST(u.ack_999.find("IK3*UNK*") != std::string::npos);
  std::string junk;
  for (int i = 0; i < 1100; ++i) junk += "ZZQ*1~\n";
  text.insert(lx, junk);
  const engine::X12Result r = pipeline().process_x12(text, "t", "", kToday, kStamp);
  BOOST_TEST(r.ack_999.find("IK5*R*4*5~") != std::string::npos);
}

// IK303 carries the loop id of the 837 transaction set diagram (data element 447 is 1-4
// characters): the guide's 2010BB is 2010, 2330B is 2330, 2010AA is 2010; the header's BHT is in
// no loop.
BOOST_AUTO_TEST_CASE(ik303_is_the_loop_of_the_transaction_set_diagram) {
  const fs::path guide = fs::path(CG_SOURCE_DIR) / "conformance/x12/guide";
  const auto ack = [&](const char* file) {
    return pipeline().process_x12(slurp(guide / file), "t", "", kToday, kStamp).ack_999;
  };
  BOOST_TEST(ack("837d/ik403_4_too_short.x12").find("IK3*NM1*15*2010*8~") != std::string::npos);
  BOOST_TEST(ack("837p/ik304_4_loop_repeat_exceeded.x12").find("IK3*NM1*11*2010*4~") != std::string::npos);
  BOOST_TEST(ack("837i/ik403_7_code_of_another_place.x12").find("IK3*DTP*") != std::string::npos);
  BOOST_TEST(ack("837d/ik403_9_invalid_time.x12").find("IK3*BHT*2**8~") != std::string::npos);
}

// Every corpus and defect file: the 999 has every required element of AK1, AK2, IK3, IK4,
// IK5 and AK9 filled, and no value with a control character.
BOOST_AUTO_TEST_CASE(every_999_has_its_required_elements) {
  for (const char* folder : {"conformance/x12/corpus", "conformance/x12/defects", "conformance/x12/guide/837p",
                             "conformance/x12/guide/837i", "conformance/x12/guide/837d"}) {
    for (const auto& entry : fs::directory_iterator(fs::path(CG_SOURCE_DIR) / folder)) {
      const std::string name = entry.path().filename().string();
      if (entry.path().extension() != ".x12" && folder != std::string_view("conformance/x12/corpus")) continue;
      if (name == "expected.tsv" || entry.path().extension() == ".md") continue;
      const engine::X12Result r = pipeline().process_x12(slurp(entry.path()), "t", "", kToday, kStamp);
      std::istringstream in(r.ack_999);
      std::string seg;
      while (std::getline(in, seg, '~')) {
        if (!seg.empty() && seg.front() == '\n') seg.erase(0, 1);
        std::vector<std::string> el;
        std::size_t at = 0;
        while (true) {
          const auto next = seg.find('*', at);
          el.push_back(seg.substr(at, next == std::string::npos ? std::string::npos : next - at));
          if (next == std::string::npos) break;
          at = next + 1;
        }
        std::vector<std::size_t> required;
        if (el[0] == "AK1" || el[0] == "AK2") required = {1, 2};
        else if (el[0] == "IK3") required = {1, 2, 4};
        else if (el[0] == "IK4") required = {1, 3};
        else if (el[0] == "IK5") required = {1};
        else if (el[0] == "AK9") required = {1, 2, 3, 4};
        BOOST_TEST_CONTEXT(name << ": " << seg) {
          for (std::size_t k : required) BOOST_TEST((k < el.size() && !el[k].empty()));
          if (el[0] == "IK3") BOOST_TEST((el[1].size() >= 2 && el[1].size() <= 3));
          // IK303 (447, AN 1/4): empty or a loop of the 837 transaction set diagram.
          static const std::set<std::string> kLoops = {"",     "1000", "2000", "2010", "2300", "2310",
                                                       "2320", "2330", "2400", "2410", "2420", "2430", "2440"};
          if (el[0] == "IK3") BOOST_TEST((el.size() > 3 && kLoops.count(el[3]) == 1));
          for (char c : seg) BOOST_TEST((static_cast<unsigned char>(c) >= 0x20 && c != 0x7F));
        }
      }
    }
  }
}

BOOST_AUTO_TEST_SUITE_END()

// Issue 15: a request with 5 payers reused control numbers (one ISA13 on two 837s, a 999/277CA
// reusing an 837's). Every interchange written takes its own number from the allocator, one
// call per interchange, per sender identity.
BOOST_AUTO_TEST_SUITE(control_numbers_of_what_is_written)

// A generated 837P batch whose claims go to five payers in turn.
std::string five_payer_batch(std::uint64_t seed, int per_st, int claims) {
  test::Gen837 gen(test::Gen837::Kind::Professional, seed);
  std::string text;
  gen.begin(text, per_st);
  for (int i = 0; i < claims; ++i) gen.claim(text);
  gen.end(text);
  const std::string marker = "NM1*PR*2*GENERATED PAYER*****PI*";
  const char* payers[] = {"11111", "22222", "33333", "44444", "55555"};
  int n = 0;
  for (std::size_t at = text.find(marker); at != std::string::npos; at = text.find(marker, at + 1))
    text.replace(at + marker.size(), 5, payers[n++ % 5]);
  return text;
}

std::vector<std::string> isa13s(std::string_view text) {
  std::vector<std::string> out;
  for (std::size_t at = text.find("ISA"); at != std::string_view::npos; at = text.find("ISA", at + 1)) {
    if (at != 0 && text[at - 1] != '\n' && text[at - 1] != '~') continue;
    const char el = text[at + 3];
    std::size_t p = at;
    for (int k = 0; k < 13; ++k) p = text.find(el, p + 1);
    out.emplace_back(text.substr(p + 1, 9));
  }
  return out;
}

BOOST_AUTO_TEST_CASE(five_payers_get_five_837s_and_no_number_twice) {
  const std::string text = five_payer_batch(15, 4, 20);

  std::map<std::string, std::uint64_t> next;  // per sender identity
  std::vector<std::string> calls;
  engine::Stamp stamp{1, "20260115", "0930", {}};
  stamp.allocate = [&](std::string_view q, std::string_view id) {
    calls.push_back(std::string(q) + "/" + std::string(id));
    return ++next[std::string(q) + "/" + std::string(id)] + 500;
  };
  const engine::X12Result r = pipeline().process_x12(text, "five", "", rules::Date{2024, 6, 1}, stamp);
  BOOST_REQUIRE(r.counts.accepted > 10u);
  BOOST_REQUIRE(r.forward.size() == 5u);

  std::vector<std::string> ours;  // interchanges sent as CLAIMGATE: 277CA and the 837s
  for (const auto& f : r.forward) {
    const auto v = isa13s(f.body);
    BOOST_TEST(v.size() == 1u);
    ours.insert(ours.end(), v.begin(), v.end());
    BOOST_TEST(f.body.find("*ZZ*CLAIMGATE      *ZZ*PAYER          *") != std::string::npos);
  }
  for (const auto& v : isa13s(r.ack_277ca)) ours.push_back(v);
  std::set<std::string> distinct(ours.begin(), ours.end());
  BOOST_TEST(distinct.size() == ours.size());
  const auto acks = isa13s(r.ack_999);
  BOOST_TEST(calls.size() == ours.size() + acks.size());  // one number per interchange written
  BOOST_TEST(next["ZZ/CLAIMGATE"] == ours.size());
}

// Issue 15: the 277CA's ISA07 was "ZZ" whatever the submitter's qualifier. It goes back to the
// submitter as it named itself (ISA05/ISA06, GS02), like the 999; claimgate's side (ISA05/ISA06)
// is its identity.
BOOST_AUTO_TEST_CASE(the_277ca_is_addressed_with_the_submitters_own_qualifier) {
  std::string text = slurp(fs::path(CG_SOURCE_DIR) / "conformance/x12/defects/none.x12");
  BOOST_REQUIRE(text.compare(0, 4, "ISA*") == 0);
  const auto isa = test::split(text.substr(0, 106), '*');
  BOOST_REQUIRE(isa.at(5) == "ZZ");
  text.replace(4 + isa[1].size() + 1 + isa[2].size() + 1 + isa[3].size() + 1 + isa[4].size() + 1, 2, "01");
  engine::PipelineOptions o = pipeline().options();
  o.identity.sender_qualifier = "30";
  const engine::X12Result r = engine::Pipeline(o).process_x12(text, "q", "", kToday, kStamp);
  BOOST_REQUIRE(!r.ack_277ca.empty());
  const auto a277 = test::split(r.ack_277ca.substr(0, 106), '*');
  BOOST_TEST(a277.at(5) == "30");
  BOOST_TEST(a277.at(6) == "CLAIMGATE      ");
  BOOST_TEST(a277.at(7) == "01");
  BOOST_TEST(a277.at(8) == isa.at(6));
  const auto a999 = test::split(r.ack_999.substr(0, 106), '*');
  BOOST_TEST(a999.at(7) == "01");  // the 999 mirrors the envelope too
}

// A submitter writing with other delimiters ('|' and '!') may put ours into the ISA05/06/08 and
// GS02/03 that the answers mirror: they must not split the TA1, 999 or 277CA into forged segments.
BOOST_AUTO_TEST_CASE(mirrored_envelope_ids_cannot_forge_answer_segments) {
  std::string text = slurp(fs::path(CG_SOURCE_DIR) / "conformance/x12/defects/none.x12");
  BOOST_REQUIRE(text.compare(0, 4, "ISA*") == 0);
  for (char& ch : text) ch = ch == '*' ? '|' : ch == '~' ? '!' : ch;
  auto isa = test::split(text.substr(0, 105), '|');
  BOOST_REQUIRE(isa.size() == 17u);
  isa[5] = "Z~";
  isa[6] = "A~ST*999*9~IK5 ";  // 15 characters, like every ISA06
  isa[8] = "B~AK9*A*1*1*1~ ";
  isa[14] = "1";  // a TA1 too
  std::string head;
  for (std::size_t k = 0; k < isa.size(); ++k) head += (k ? "|" : "") + isa[k];
  BOOST_REQUIRE(head.size() == 105u);
  text.replace(0, 105, head);
  const std::size_t gs = text.find("GS|");
  auto gs_els = test::split(text.substr(gs, text.find('!', gs) - gs), '|');
  gs_els[2] = "C~GE*1*1";
  gs_els[3] = "D:E^F";
  std::string gs_seg;
  for (std::size_t k = 0; k < gs_els.size(); ++k) gs_seg += (k ? "|" : "") + gs_els[k];
  text.replace(gs, text.find('!', gs) - gs, gs_seg);
  const engine::X12Result r = pipeline().process_x12(text, "hostile", "", kToday, kStamp);
  BOOST_REQUIRE(r.usable);
  BOOST_REQUIRE(!r.ack_999.empty());
  BOOST_REQUIRE(!r.ack_277ca.empty());
  for (const std::string* answer : {&r.ack_999, &r.ack_277ca}) {
    const Parsed p = reparse(*answer, true);
    BOOST_TEST(p.errors.empty(), describe(p.errors));
    // One segment a line, its terminator the line's last character: nothing split off.
    std::istringstream lines(*answer);
    for (std::string line; std::getline(lines, line);) BOOST_TEST(line.find('~') == line.size() - 1, line);
    const auto a = test::split(answer->substr(0, 106), '*');
    BOOST_REQUIRE(a.size() == 17u);
    BOOST_TEST(a[6].size() == 15u);
    BOOST_TEST(a[8].size() == 15u);
  }
  const auto a999 = test::split(r.ack_999.substr(0, 106), '*');
  BOOST_TEST(a999.at(6) == "BAK9A111       ");  // ISA08 mirrored without our delimiters
  BOOST_TEST(a999.at(7) == "Z ");
  BOOST_TEST(a999.at(8) == "AST9999IK5     ");
}

BOOST_AUTO_TEST_CASE(trading_partners_give_each_payer_its_envelope) {
  engine::PipelineOptions o = pipeline().options();
  engine::TradingPartner uhc;
  uhc.receiver = transforms::X12Party{"30", "870000000", "", "UHC837"};
  uhc.sender = transforms::X12Party{"ZZ", "SUBMIT42", "", ""};
  o.identity.trading_partners["87726"] = uhc;
  const engine::Pipeline p(o);
  test::Gen837 gen(test::Gen837::Kind::Professional, 7);
  std::string text;
  gen.begin(text, 10);
  for (int i = 0; i < 10; ++i) gen.claim(text);
  gen.end(text);
  const engine::X12Result r = p.process_x12(text, "tp", "", rules::Date{2024, 6, 1}, kStamp);
  bool saw_uhc = false, saw_default = false;
  for (const auto& f : r.forward) {
    if (f.payer_id == "87726") {
      saw_uhc = true;
      BOOST_TEST(f.body.find("*ZZ*SUBMIT42       *30*870000000      *") != std::string::npos, f.body.substr(0, 120));
      BOOST_TEST(f.body.find("GS*HC*SUBMIT42*UHC837*") != std::string::npos);
    } else {
      saw_default = true;
      BOOST_TEST(f.body.find("*ZZ*CLAIMGATE      *ZZ*PAYER          *") != std::string::npos, f.body.substr(0, 120));
    }
  }
  BOOST_TEST(saw_uhc);
  BOOST_TEST(saw_default);
}

BOOST_AUTO_TEST_SUITE_END()

// validate --out streams: the answers written set by set (begin_x12_streaming) are the answers
// of the whole-body session, byte for byte (control numbers fixed), on several transaction
// sets, five payers and a transaction set the 999 rejects.
BOOST_AUTO_TEST_SUITE(streaming_answers)

BOOST_AUTO_TEST_CASE(streamed_answers_equal_the_whole_body_answers) {
  std::string text = control_numbers_of_what_is_written::five_payer_batch(21, 3, 14);
  // The second transaction set gets a wrong SE01: the 999 rejects it, its claims go nowhere.
  const std::size_t se = text.find("SE*", text.find("SE*") + 1);
  BOOST_REQUIRE(se != std::string::npos);
  text.replace(se, 3, "SE*9");

  const auto fixed = [](int& calls) {
    engine::Stamp s{1, "20260115", "0930", {}};
    s.allocate = [&calls](std::string_view, std::string_view) {
      ++calls;
      return std::uint64_t{424242};
    };
    return s;
  };
  int whole_calls = 0, stream_calls = 0;
  const rules::Date today{2024, 6, 1};
  const engine::X12Result whole = pipeline().process_x12(text, "s", "", today, fixed(whole_calls));
  BOOST_TEST_REQUIRE(whole.forward.size() >= 3u);
  BOOST_TEST(whole.counts.rejected >= 3u);

  std::string ack277;
  std::map<std::string, std::string> by_payer;
  std::vector<std::string> reported;
  engine::X12Outputs out;
  out.on_outcome = [&](transforms::ClaimOutcome&& o) { reported.push_back(o.claim.id); };
  out.ack_277ca = [&](std::string_view b) { ack277.append(b); };
  out.payer_837 = [&](const std::string& payer, std::string_view b) { by_payer[payer].append(b); };
  auto session = pipeline().begin_x12_streaming("s", "", today, fixed(stream_calls), std::move(out));
  for (std::size_t i = 0; i < text.size(); i += 777) session->feed(std::string_view(text).substr(i, 777));
  const engine::X12Result streamed = session->finish();

  BOOST_TEST(streamed.ack_999 == whole.ack_999);
  BOOST_TEST(ack277 == whole.ack_277ca);
  BOOST_TEST(by_payer.size() == whole.forward.size());
  for (const auto& f : whole.forward) BOOST_TEST(by_payer[f.payer_id] == f.body, f.payer_id);
  BOOST_TEST(stream_calls == whole_calls);
  BOOST_TEST(streamed.counts.claims == whole.counts.claims);
  BOOST_TEST(streamed.counts.accepted == whole.counts.accepted);
  BOOST_TEST(streamed.outcomes.empty());  // nothing kept
  BOOST_REQUIRE(reported.size() == whole.outcomes.size());
  for (std::size_t i = 0; i < reported.size(); ++i) BOOST_TEST(reported[i] == whole.outcomes[i].claim.id);
}

// An interchange without a claim (or whose guide is refused before any claim) still gets its
// 999 from the streaming session, and nothing else.
BOOST_AUTO_TEST_CASE(streaming_without_claims_answers_the_999_only) {
  for (const char* name : {"header_only.x12", "guide_pre_errata.x12"}) {
    const std::string text = slurp(fs::path(CG_SOURCE_DIR) / "conformance/x12/defects" / name);
    std::string ack277, payers;
    engine::X12Outputs out;
    out.ack_277ca = [&](std::string_view b) { ack277.append(b); };
    out.payer_837 = [&](const std::string&, std::string_view b) { payers.append(b); };
    auto session = pipeline().begin_x12_streaming(name, "", kToday, kStamp, std::move(out));
    session->feed(text);
    const engine::X12Result r = session->finish();
    const engine::X12Result whole = pipeline().process_x12(text, name, "", kToday, kStamp);
    BOOST_TEST(r.ack_999 == whole.ack_999, name);
    BOOST_TEST(ack277 == whole.ack_277ca, name);
    BOOST_TEST(payers.empty());
  }
}

BOOST_AUTO_TEST_SUITE_END()
