// X12 on several threads (transforms/x12_parallel.hpp, PipelineOptions::pool): every output of
// the pipeline - the validation stream, the whole-body answers (report, TA1/999, 277CA, the
// per-payer 837s, forward items) and the streaming answers - is byte for byte the same with one
// thread and with two and four, on the corpus and on generated batches with several
// interchanges, groups and sets, errors in the middle, a truncated tail and interchange-level
// faults. Nothing here depends on timing: the runs are cut at every set (run_bytes 1) or every
// few kilobytes, and which thread reads which run does not change the result.
#include "engine/pipeline.hpp"
#include "engine/report.hpp"
#include "tests/support/gen837.hpp"
#include "transforms/x12_parallel.hpp"

#include <boost/test/unit_test.hpp>

#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>

namespace fs = std::filesystem;
using namespace cg;
using cg::test::Gen837;

namespace {

const rules::Date kToday{2026, 1, 15};

std::shared_ptr<const codesets::Icd10Index> codes() {
  static const auto index = [] {
    auto loaded = codesets::Icd10Index::load(CG_BINARY_DIR "/icd10cm.cgx");
    BOOST_TEST_REQUIRE(std::holds_alternative<std::shared_ptr<const codesets::Icd10Index>>(loaded));
    return std::get<std::shared_ptr<const codesets::Icd10Index>>(loaded);
  }();
  return index;
}

engine::Pipeline make_pipeline(unsigned threads, std::size_t run_bytes) {
  engine::PipelineOptions o;
  o.codes = codes();
  if (threads > 0) o.pool = std::make_shared<transforms::WorkPool>(threads, run_bytes);
  return engine::Pipeline(o);
}

std::string batch(Gen837::Kind kind, int claims, int per_st, std::uint64_t seed) {
  Gen837 g(kind, seed);
  std::string s;
  g.begin(s, per_st);
  for (int i = 0; i < claims; ++i) g.claim(s);
  g.end(s);
  return s;
}

// `text` with the n-th (0-based) occurrence of `what` replaced by `with`; unchanged when absent.
std::string replace_nth(std::string text, std::string_view what, std::string_view with, int n) {
  std::size_t at = text.find(what);
  for (int i = 0; i < n && at != std::string::npos; ++i) at = text.find(what, at + 1);
  if (at != std::string::npos) text.replace(at, what.size(), with);
  return text;
}

std::string replace_all(std::string text, std::string_view what, std::string_view with) {
  for (std::size_t at = text.find(what); at != std::string::npos; at = text.find(what, at + with.size()))
    text.replace(at, what.size(), with);
  return text;
}

std::map<std::string, std::string> inputs() {
  std::map<std::string, std::string> in;
  const std::string p = batch(Gen837::Kind::Professional, 400, 20, 7);
  const std::string i = batch(Gen837::Kind::Institutional, 200, 15, 11);
  in["837p"] = p;
  in["837i"] = i;
  // Two interchanges, the second with other delimiters and ISA13.
  std::string other = replace_all(replace_all(i, "000000001", "000000002"), "~\n", "!");
  other = replace_all(other, "*", "|");
  in["two interchanges"] = p + other;
  // Two groups in one interchange.
  const std::size_t ge = p.rfind("IEA*");
  const std::size_t gs = i.find("GS*"), iea = i.rfind("IEA*");
  std::string group = replace_nth(i.substr(gs, iea - gs), "*1*X*", "*2*X*", 0);
  group.replace(group.rfind("*1~"), 3, "*2~");  // GE02 = GS06
  in["two groups"] = p.substr(0, ge) + group + "IEA*2*000000001~\n";
  // Errors in the middle.
  in["bad code"] = replace_nth(p, "HI*ABK:", "HI*ABK:Q", 200);
  in["bad amount"] = replace_nth(p, "CLM*GEN250*", "CLM*GEN250*X", 0);
  in["SE count"] = replace_nth(p, "SE*", "SE*9", 9);
  in["ST02 reused"] = replace_nth(replace_nth(p, "ST*837*0015*", "ST*837*0003*", 0), "*0015~", "*0003~", 0);
  in["stray segment"] = replace_nth(p, "ST*837*", "NTE*ADD*STRAY~\nST*837*", 12);
  in["no SE"] = [&] {
    std::string t = p;
    const std::size_t at = replace_nth(t, "SE*", "@@@", 7).find("@@@");
    t.erase(at, t.find('\n', at) + 1 - at);
    return t;
  }();
  in["no BHT"] = replace_nth(p, "BHT*0019*00*GEN0011", "REF*XX*1", 0);
  in["truncated"] = p.substr(0, p.size() * 7 / 10);
  in["truncated mid-set"] = p.substr(0, p.find("ST*837*0012") + 5000);
  // Interchange and group faults (TA1, AK9).
  in["IEA02"] = replace_all(p, "IEA*1*000000001", "IEA*1*000000009");
  in["ISA12"] = replace_nth(p, "*00501*", "*00401*", 0);
  in["junk first"] = "not x12 at all\n" + p;
  in["GE01"] = replace_nth(p, "GE*20*1", "GE*19*1", 0);
  in["no GE"] = replace_nth(p, "GE*20*1~\n", "", 0);
  in["CRLF"] = replace_all(p, "~\n", "~\r\n");
  return in;
}

std::vector<fs::path> corpus() {
  std::vector<fs::path> files;
  std::vector<fs::path> roots{fs::path(CG_SOURCE_DIR) / "conformance"};
  if (fs::exists(fs::path(CG_SHARED_DIR) / "corpus")) roots.push_back(fs::path(CG_SHARED_DIR) / "corpus");
  for (const auto& root : roots)
    for (const auto& e : fs::recursive_directory_iterator(root)) {
      const std::string ext = e.path().extension().string();
      if (e.is_regular_file() && (ext == ".x12" || ext == ".edi" || ext == ".837" || ext == ".txt"))
        files.push_back(e.path());
    }
  std::sort(files.begin(), files.end());
  return files;
}

std::string slurp(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

void feed(auto& session, std::string_view text, std::size_t chunk) {
  for (std::size_t at = 0; at < text.size(); at += chunk) session.feed(text.substr(at, chunk));
}

std::string counts(const engine::Counts& c) {
  std::string s = std::to_string(c.claims) + "/" + std::to_string(c.accepted) + "/" + std::to_string(c.rejected) +
                  "/" + std::to_string(c.warnings) + "/" + std::to_string(c.input_errors);
  for (const auto& [rule, n] : c.findings_by_rule) s += " " + rule + "=" + std::to_string(n);
  return s;
}

// Everything the pipeline hands over for one input, as text.
std::string outputs(const engine::Pipeline& p, std::string_view text, std::size_t chunk) {
  std::string out;
  {
    engine::JsonReportBuffer report;
    auto s = p.begin_validation(
        "in", "", kToday, [&](transforms::ClaimVerdict&& v) { report.writer().claim(v, "in"); },
        [&](rules::Finding&& f) { report.writer().input_error("in", f); });
    feed(*s, text, chunk);
    const transforms::ReadSummary sum = s->finish();
    out += "== validation\n" + report.finish() + "\nsummary " +
           std::to_string(sum.claims) + " " + std::to_string(sum.errors) + " " + std::to_string(sum.usable) + "\n";
  }
  {
    const engine::X12Result r = p.process_x12(text, "in", "", kToday, engine::Stamp{7001, "20260115", "0930", {}});
    out += "== whole\n" + r.report_json + "\n" + r.ack + "\n" + counts(r.counts) + "\n";
    for (const auto& f : r.forward) {
      out += "forward " + f.payer_id + " " + f.key + "\n" + f.body + "\n";
      for (const auto& id : f.claim_ids) out += id + " ";
    }
    for (const auto& c : r.control_numbers) out += c + " ";
  }
  {
    std::vector<transforms::ClaimOutcome> outcomes;
    rules::Findings errors;
    std::string ack277;
    std::map<std::string, std::string> payers;
    engine::X12Outputs o;
    o.on_outcome = [&](transforms::ClaimOutcome&& c) { outcomes.push_back(std::move(c)); };
    o.on_error = [&](rules::Finding&& f) { errors.push_back(std::move(f)); };
    o.ack_277ca = [&](std::string_view b) { ack277.append(b); };
    o.payer_837 = [&](const std::string& payer, std::string_view b) { payers[payer].append(b); };
    auto s = p.begin_x12_streaming("in", "", kToday, engine::Stamp{9001, "20260115", "0930", {}}, std::move(o));
    feed(*s, text, chunk);
    const engine::X12Result r = s->finish();
    out += "== streamed\n" + engine::report_json(outcomes, errors, "in") + "\n" + ack277 + "\n" + r.ack_999 + "\n" +
           counts(r.counts) + "\n";
    for (const auto& [payer, body] : payers) out += payer + "\n" + body + "\n";
  }
  return out;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(parallel_x12)

BOOST_AUTO_TEST_CASE(every_output_is_the_same_on_one_two_and_four_threads) {
  const engine::Pipeline one = make_pipeline(0, 0);
  const engine::Pipeline two = make_pipeline(1, 1);
  const engine::Pipeline four = make_pipeline(3, 4096);
  std::map<std::string, std::string> in = inputs();
  for (const auto& f : corpus()) in["corpus " + f.filename().string()] = slurp(f);
  BOOST_TEST(in.size() > 30u);
  for (const auto& [name, text] : in) {
    BOOST_TEST_CONTEXT(name) {
      const std::string expected = outputs(one, text, 4096);
      BOOST_TEST((outputs(two, text, 4096) == expected));
      BOOST_TEST((outputs(four, text, 777) == expected));
      BOOST_TEST((outputs(two, text, text.size() + 1) == expected));
    }
  }
}

// The split happens (runs are read on the pool and replayed), and the reader of a clean batch
// falls back to reading a run itself only where the pre-scan cannot follow.
BOOST_AUTO_TEST_CASE(runs_are_read_on_the_pool) {
  transforms::WorkPool pool(1, 1);
  const std::string text = batch(Gen837::Kind::Professional, 200, 10, 3);
  std::size_t claims = 0;
  transforms::ParallelX12Reader r(
      "in", transforms::InputLimits{},
      [](const rules::Claim&, rules::Findings&& prior) {
        rules::Verdict v;
        v.findings = std::move(prior);
        return v;
      },
      [&](transforms::ClaimOutcome&&) { ++claims; }, transforms::VerdictSink{}, [](rules::Finding&&) {}, {}, {},
      &pool);
  r.feed(text);
  r.finish();
  BOOST_TEST(claims == 200u);
  BOOST_TEST(r.claims() == 200u);
  BOOST_TEST(r.errors() == 0u);
  // 20 sets, 20 runs: each read on the pool (or by the calling thread while it waits) and
  // replayed; none had to be read again in place.
  BOOST_TEST(r.runs_replayed() == 20u);
}

// One transaction set: one run, read on the calling thread with no hand-over at all.
BOOST_AUTO_TEST_CASE(a_single_set_is_not_handed_over) {
  transforms::WorkPool pool(1, 1);
  const std::string text = batch(Gen837::Kind::Professional, 30, 100, 5);
  std::size_t claims = 0;
  transforms::ParallelX12Reader r(
      "in", transforms::InputLimits{}, [](const rules::Claim&, rules::Findings&&) { return rules::Verdict{}; },
      [&](transforms::ClaimOutcome&&) { ++claims; }, transforms::VerdictSink{}, [](rules::Finding&&) {}, {}, {},
      &pool);
  r.feed(text);
  r.finish();
  BOOST_TEST(claims == 30u);
  BOOST_TEST(r.runs_replayed() == 0u);
}

BOOST_AUTO_TEST_SUITE_END()
