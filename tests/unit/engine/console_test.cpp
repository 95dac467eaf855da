// The operations console's data (engine/server/console.hpp): /admin/status from the metrics,
// the spool and the dead-letter folder, without PHI; the traffic series; the rejections by
// sender and payer in the metrics (bounded labels); the Basic credential of a browser.
#include "engine/config.hpp"
#include "tests/unit/engine/scratch_dir.hpp"
#include "engine/delivery/dead_letter.hpp"
#include "engine/delivery/spool.hpp"
#include "engine/metrics.hpp"
#include "engine/server/auth.hpp"
#include "engine/server/console.hpp"

#include <boost/test/unit_test.hpp>

#include <rapidjson/document.h>

#include <filesystem>

namespace fs = std::filesystem;
using namespace cg::engine;
using namespace std::chrono_literals;

namespace {

using cg::test::fresh_dir;

rapidjson::Document parse(const std::string& text) {
  rapidjson::Document d;
  d.Parse(text.c_str(), text.size());
  BOOST_TEST_REQUIRE(!d.HasParseError(), text);
  BOOST_TEST_REQUIRE(d.IsObject());
  return d;
}

Metrics::Snapshot counters(std::uint64_t requests, std::uint64_t accepted, std::uint64_t rejected, std::uint64_t refused) {
  Metrics::Snapshot s;
  s.requests = requests;
  s.accepted = accepted;
  s.rejected = rejected;
  s.refused = refused;
  return s;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(console)

BOOST_AUTO_TEST_CASE(traffic_is_the_difference_between_samples_and_bounded) {
  TrafficHistory h(10s, 3);
  h.record(1000, counters(0, 0, 0, 0));
  h.record(11000, counters(5, 3, 2, 1));
  h.record(21000, counters(5, 3, 2, 1));
  auto p = h.series(25000, counters(9, 6, 3, 1));
  BOOST_TEST_REQUIRE(p.size() == 3u);
  BOOST_TEST(p[0].start_ms == 1000u);
  BOOST_TEST(p[0].requests == 5u);
  BOOST_TEST(p[0].accepted == 3u);
  BOOST_TEST(p[0].rejected == 2u);
  BOOST_TEST(p[0].refused == 1u);
  BOOST_TEST(p[1].requests == 0u);
  BOOST_TEST(p[2].start_ms == 21000u);  // the step in progress
  BOOST_TEST(p[2].accepted == 3u);
  // Only `points` steps are kept.
  h.record(31000, counters(9, 6, 3, 1));
  h.record(41000, counters(10, 7, 3, 1));
  p = h.series(45000, counters(10, 7, 3, 1));
  BOOST_TEST(p.size() == 4u);  // 3 recorded steps + the one in progress
  BOOST_TEST(p[0].start_ms == 11000u);
  BOOST_TEST(p[2].accepted == 1u);
}

BOOST_AUTO_TEST_CASE(rejections_by_sender_and_payer_have_bounded_labels) {
  Metrics m({"outbox"});
  m.rejections("clinic-a", {{"87726", 2}, {"", 1}, {"60054", 0}});
  m.rejections("clinic-b", {});
  const auto s = m.snapshot();
  BOOST_TEST(s.rejected_by_sender.at("clinic-a") == 3u);
  BOOST_TEST(s.rejected_by_sender.count("clinic-b") == 0u);
  BOOST_TEST(s.rejected_by_payer.at("87726") == 2u);
  BOOST_TEST(s.rejected_by_payer.at("") == 1u);
  BOOST_TEST(s.rejected_by_payer.count("60054") == 0u);
  const std::string text = m.render();
  BOOST_TEST(text.find("claimgate_sender_rejected_claims_total{sender=\"clinic-a\"} 3\n") != std::string::npos, text);
  BOOST_TEST(text.find("claimgate_payer_rejected_claims_total{payer=\"87726\"} 2\n") != std::string::npos, text);

  for (std::size_t i = 0; i < Metrics::kMaxRejectionLabels + 50; ++i) m.rejections("s" + std::to_string(i), {{"p" + std::to_string(i), 1}});
  const auto b = m.snapshot();
  BOOST_TEST(b.rejected_by_sender.size() == Metrics::kMaxRejectionLabels + 1);
  BOOST_TEST(b.rejected_by_sender.at(std::string(Metrics::kOtherLabel)) == 51u);  // clinic-a holds one of the places
  BOOST_TEST(b.rejected_by_payer.at(std::string(Metrics::kOtherLabel)) == 52u);  // "87726" and "" hold two
  m.rejections("clinic-a", {{"87726", 1}});  // a known label still counts as itself
  BOOST_TEST(m.snapshot().rejected_by_sender.at("clinic-a") == 4u);
}

BOOST_AUTO_TEST_CASE(status_is_the_metrics_spool_and_dead_letters_without_phi) {
  const fs::path dir = fresh_dir("console-status");
  ServerConfig config = parse_config(R"({"forward": {"targets": {"payer": {"type": "http", "x12_url": "http://127.0.0.1:9/x12"}},
                                                    "by_payer": {"87726": "payer"}}})");
  config.data_dir = dir.string();
  config.resolve();
  std::string error;
  SpoolOptions so;
  so.dir = config.spool_dir;
  auto spool = Spool::open(so, error);
  BOOST_TEST_REQUIRE(spool != nullptr, error);
  Metrics metrics({"outbox", "payer"});
  metrics.claims(4, 2, {{"icd10cm.header", 2}, {"claim.balance", 1}, {"icd10cm.poa-exempt", 3}},
                 {{"icd10cm.header", 2}, {"claim.balance", 1}});
  metrics.rejections("clinic-a", {{"87726", 2}});
  metrics.circuit(1, CircuitState::Open);
  metrics.dead_lettered(1);
  metrics.refusal(Refusal::SpoolFull);

  SpoolEntry e;
  e.seq = 7;
  e.accepted_ms = 1'700'000'000'000;
  e.item = {"inst-7", "87726", "application/edi-x12", "clinic-a", {"PATIENT-ACCT-991"}, "ISA*...~"};
  BOOST_TEST_REQUIRE(write_dead_letter(config.dead_letter_dir, e, "payer",
                                       "upstream answered 400: claim PATIENT-ACCT-991 for DOE JANE refused", error), error);
  BOOST_TEST(count_dead_letters(config.dead_letter_dir) == 1u);

  Console console(config, metrics, spool.get(), 1h);
  const std::string text = console.status_json(nullptr);
  const auto d = parse(text);
  BOOST_TEST(d["claims"]["accepted"].GetUint64() == 4u);
  BOOST_TEST(d["claims"]["rejected"].GetUint64() == 2u);
  BOOST_TEST(d["refusals"]["spool_full"].GetUint64() == 1u);
  // The rules that rejected most first, then by findings.
  BOOST_TEST(d["findings"][0]["rule"].GetString() == std::string("icd10cm.header"));
  BOOST_TEST(d["findings"][0]["rejecting"].GetUint64() == 2u);
  BOOST_TEST(d["findings"][1]["rule"].GetString() == std::string("claim.balance"));
  BOOST_TEST(d["findings"][2]["rule"].GetString() == std::string("icd10cm.poa-exempt"));
  BOOST_TEST(d["findings"][2]["count"].GetUint64() == 3u);
  BOOST_TEST(d["findings"][2]["rejecting"].GetUint64() == 0u);
  const std::string exposition = metrics.render();
  BOOST_TEST(exposition.find("claimgate_rejections_total{rule=\"icd10cm.header\"} 2\n") != std::string::npos);
  BOOST_TEST(exposition.find("claimgate_rejections_total{rule=\"icd10cm.poa-exempt\"}") == std::string::npos);
  BOOST_TEST(d["top_rejecting_senders"][0]["sender"].GetString() == std::string("clinic-a"));
  BOOST_TEST(d["top_rejecting_payers"][0]["payer"].GetString() == std::string("87726"));
  BOOST_TEST(d["spool"]["healthy"].GetBool());
  BOOST_TEST(d["spool"]["pending_entries"].GetUint64() == 0u);
  const auto& payer = d["targets"][1];
  BOOST_TEST(payer["name"].GetString() == std::string("payer"));
  BOOST_TEST(payer["type"].GetString() == std::string("http"));
  BOOST_TEST(payer["circuit"].GetString() == std::string("open"));
  BOOST_TEST(payer["dead_letters"].GetUint64() == 1u);
  BOOST_TEST(payer["payers"][0].GetString() == std::string("87726"));
  BOOST_TEST(d["dead_letters"]["count"].GetUint64() == 1u);
  const auto& letter = d["dead_letters"]["letters"][0];
  BOOST_TEST(letter["key"].GetString() == std::string("inst-7"));
  BOOST_TEST(letter["claims"].GetUint64() == 1u);
  BOOST_TEST(letter["reason"].GetString() == std::string("upstream answered 400"));  // the answer text may quote the claim
  BOOST_TEST(letter["dead_at"].GetStringLength() == 24u);
  BOOST_TEST(text.find("PATIENT-ACCT-991") == std::string::npos, text);
  BOOST_TEST(text.find("DOE") == std::string::npos, text);
  BOOST_TEST(d["traffic"]["step_ms"].GetUint64() == 3'600'000u);
  BOOST_TEST(d["traffic"]["points"].Size() == 1u);  // the step in progress
  BOOST_TEST(d["traffic"]["points"][0].Size() == 5u);
  spool->close();
}

BOOST_AUTO_TEST_CASE(assets_and_headers) {
  const ConsoleAsset* page = console_asset("");
  BOOST_TEST_REQUIRE(page != nullptr);
  BOOST_TEST(page == console_asset("/"));
  BOOST_TEST(page->content_type.starts_with("text/html"));
  BOOST_TEST(page->body.find("<script src=\"/admin/console/console.js\"") != std::string_view::npos);
  BOOST_TEST(console_asset("/console.js")->body.find("/admin/status") != std::string_view::npos);
  BOOST_TEST(console_asset("/console.css") != nullptr);
  BOOST_TEST(console_asset("/console.svg") != nullptr);
  BOOST_TEST(console_asset("/../server.cpp") == nullptr);
  BOOST_TEST(console_asset("/console.js/") == nullptr);
  bool csp = false;
  for (const auto& [k, v] : console_headers())
    if (k == "Content-Security-Policy") csp = v.find("script-src 'self';") != std::string::npos && v.find("unsafe") == std::string::npos;
  BOOST_TEST(csp);
}

BOOST_AUTO_TEST_CASE(basic_password_of_an_authorization_value) {
  BOOST_TEST(basic_password("Basic b3BzOnNlY3JldC1rZXk=") == "secret-key");  // ops:secret-key
  BOOST_TEST(basic_password("basic   b3BzOnNlY3JldC1rZXk=  ") == "secret-key");
  BOOST_TEST(basic_password("Basic OnNlY3JldDpjb2xvbg==") == "secret:colon");  // no user; a colon in the password
  BOOST_TEST(basic_password("Basic b3Bz") == "");        // "ops": no colon
  BOOST_TEST(basic_password("Basic b3BzOg==") == "");    // "ops:": empty password
  BOOST_TEST(basic_password("Basic not base64!") == "");
  BOOST_TEST(basic_password("Bearer b3BzOnNlY3JldC1rZXk=") == "");
  BOOST_TEST(basic_password("Basic ") == "");
}

BOOST_AUTO_TEST_SUITE_END()
