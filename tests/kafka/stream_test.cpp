// claimgate stream end to end on the Kafka mock cluster (claimgate-kafka-mock, 3 brokers on
// 127.0.0.1): 10,000 claims in 2,000 X12 records plus FHIR and unreadable records; two, then
// three workers in one group; one killed with SIGKILL while it works and another started; a
// broker taken down and request errors injected meanwhile. Then every output topic is read
// and checked against `claimgate validate` on the same claims. The mock writes no transaction
// markers (a read_committed reader also sees aborted records), so a claim may be found twice:
// it must then be under the same claimgate-key with the same body, which a real broker would
// have shown once.
#include "engine/clock.hpp"
#include "tests/kafka/kafka_harness.hpp"
#include "tests/support/gen837.hpp"
#include "tests/support/x12_control.hpp"

#include <rapidjson/document.h>

#include <boost/test/unit_test.hpp>

#include <cstdio>

using namespace cg::itest;

namespace {

const fs::path kSource = CG_SOURCE_DIR;
constexpr int kInputPartitions = 6;
constexpr int kX12Records = 2000;
constexpr int kClaimsPerRecord = 5;

// One interchange of 5 claims; claim ids unique over the run; every 7th record with a header
// code (icd10cm.header-code: rejected).
std::string x12_record(int n) {
  cg::test::Gen837 g(n % 3 == 0 ? cg::test::Gen837::Kind::Institutional : cg::test::Gen837::Kind::Professional,
                     static_cast<std::uint64_t>(n) + 1);
  std::string s;
  g.begin(s, 1000);
  for (int i = 0; i < kClaimsPerRecord; ++i) g.claim(s);
  g.end(s);
  const std::string id = "CLM*R" + std::to_string(n) + "G";
  for (std::size_t at = 0; (at = s.find("CLM*GEN", at)) != std::string::npos; at += id.size()) s.replace(at, 7, id);
  if (n % 7 == 0) {
    const std::size_t hi = s.find("HI*ABK:");
    if (hi != std::string::npos) {
      const std::size_t end = s.find_first_of(":*~", hi + 7);
      s.replace(hi + 7, end - (hi + 7), "M54");
    }
  }
  return s;
}

// claim id -> verdict, from `claimgate validate --format json`.
std::map<std::string, std::string> validate(const fs::path& file) {
  std::map<std::string, std::string> out;
  const std::string cmd =
      std::string(CG_CLAIMGATE_EXE) + " validate --format json --today " + cg::engine::utc_datetime_now().substr(0, 10) + " '" + file.string() + "'";
  std::FILE* p = ::popen(cmd.c_str(), "r");
  if (!p) return out;
  std::string json;
  char buf[65536];
  for (std::size_t n; (n = std::fread(buf, 1, sizeof buf, p)) > 0;) json.append(buf, n);
  ::pclose(p);
  rapidjson::Document d;
  d.Parse(json.data(), json.size());
  if (d.HasParseError() || !d.IsObject() || !d.HasMember("claims") || !d["claims"].IsArray()) return out;
  for (const auto& c : d["claims"].GetArray()) {
    if (c.IsObject() && c.HasMember("claim_id") && c["claim_id"].IsString() && c.HasMember("verdict") &&
        c["verdict"].IsString())
      out[c["claim_id"].GetString()] = c["verdict"].GetString();
  }
  return out;
}

double lag_sum(const std::string& metrics) {
  double sum = 0;
  const std::string series = "\nclaimgate_stream_consumer_lag{";
  for (std::size_t at = 0; (at = metrics.find(series, at)) != std::string::npos; ++at) {
    const std::size_t space = metrics.find("} ", at);
    if (space != std::string::npos) sum += std::stod(metrics.substr(space + 2));
  }
  return sum;
}

std::vector<std::string> x12_claim_ids(const std::string& body) {
  std::vector<std::string> ids;
  for (std::size_t at = 0; (at = body.find("CLM*", at)) != std::string::npos; at += 4) {
    if (at > 0 && body[at - 1] != '~' && body[at - 1] != '\n') continue;
    ids.push_back(body.substr(at + 4, body.find('*', at + 4) - (at + 4)));
  }
  return ids;
}

std::string config_json(const std::string& bootstrap, const fs::path& data_dir) {
  return R"({
  "listen": "127.0.0.1:0",
  "data_dir": ")" + data_dir.string() + R"(",
  "log": {"level": "info"},
  "stream": {
    "brokers": ")" + bootstrap + R"(",
    "group_id": "claimgate-itest",
    "input_topic": "claims-in",
    "answers_topic": "claims-answers",
    "verdicts_topic": "claims-verdicts",
    "dead_letter_topic": "claims-dead",
    "payer_topics": {"87726": "payer-87726", "*": "payer-other"},
    "transactional_id_prefix": "claimgate-itest",
    "max_in_flight_records": 25,
    "transaction_ms": 20,
    "librdkafka": {"session.timeout.ms": "6000", "heartbeat.interval.ms": "500", "socket.connection.setup.timeout.ms": "3000"}
  }
})";
}

}  // namespace

BOOST_AUTO_TEST_SUITE(kafka_stream)

BOOST_AUTO_TEST_CASE(ten_thousand_claims_through_a_changing_group_exactly_once) {
  const fs::path dir = scratch("kafka-stream");
  MockCluster mock({"claims-in:" + std::to_string(kInputPartitions), "claims-answers:3", "claims-verdicts:3",
                    "claims-dead:1", "payer-87726:3", "payer-other:3"});
  BOOST_TEST_REQUIRE(!mock.bootstrap().empty());
  const std::string config = (dir / "config.json").string();
  write_text(config, config_json(mock.bootstrap(), dir / "var"));  // the workers share control numbers

  // The input, and what `claimgate validate` says of it.
  std::vector<std::pair<std::string, std::string>> x12;
  std::string all_x12;
  for (int n = 0; n < kX12Records; ++n) {
    x12.emplace_back("sender-" + std::to_string(n % 17), x12_record(n));
    all_x12 += x12.back().second;
  }
  write_text(dir / "all.x12", all_x12);
  std::map<std::string, std::string> expected = validate(dir / "all.x12");
  BOOST_TEST_REQUIRE(expected.size() == static_cast<std::size_t>(kX12Records * kClaimsPerRecord));
  std::size_t fhir_claims = 0;
  std::vector<std::pair<std::string, std::string>> fhir;
  for (const char* f : {"claim-accepted.json", "claim-rejected.json", "batch.json"}) {
    const fs::path p = kSource / "tests/integration/data" / f;
    fhir.emplace_back(std::string("fhir-") + f, read_text(p));
    for (const auto& [id, verdict] : validate(p)) {
      ++fhir_claims;
      expected.emplace("fhir:" + id, verdict);
    }
  }
  BOOST_TEST_REQUIRE(fhir_claims >= 3u);
  const std::vector<std::pair<std::string, std::string>> garbage{
      {"junk-1", "this is not a claim"}, {"junk-2", "\x01\x02\x03 binary"}, {"junk-3", "<xml>nope</xml>"}};
  // (no newline inside: kcat sends one record per line)
  const std::size_t total_records = x12.size() + fhir.size() + garbage.size();

  std::size_t accepted = 0, rejected = 0;
  for (const auto& [id, v] : expected) (v == "accepted" ? accepted : rejected) += 1;
  BOOST_TEST(rejected > 0u);
  BOOST_TEST(accepted > 0u);

  const std::vector<std::pair<std::string, std::string>> first_half(x12.begin(), x12.begin() + kX12Records / 2);
  const std::vector<std::pair<std::string, std::string>> second_half(x12.begin() + kX12Records / 2, x12.end());
  BOOST_TEST_REQUIRE(produce_all(mock.bootstrap(), "claims-in", first_half));

  // Progress: inbound records with an answer. (Not the group's committed offsets: the mock of
  // librdkafka 2.0.2 acknowledges TxnOffsetCommit without storing the offsets, so a partition
  // that moves to another worker is read again from the start there; its outputs come again
  // under the same claimgate-key.)
  const auto answered_records = [&] {
    std::set<std::pair<std::string, std::string>> seen;
      for (Record& r : read_topic(mock.bootstrap(), "claims-answers", 3))
      seen.insert({r.headers["claimgate-inbound-partition"], r.headers["claimgate-inbound-offset"]});
    return static_cast<std::int64_t>(seen.size());
  };
  StreamWorker a(dir, config, "a"), b(dir, config, "b"), c(dir, config, "c"), d(dir, config, "d");
  BOOST_TEST_REQUIRE(a.start());
  BOOST_TEST_REQUIRE(b.start());
  BOOST_TEST_REQUIRE(wait_for([&] { return answered_records() >= 200; }, 60s));

  BOOST_TEST_REQUIRE(c.start());
  BOOST_TEST_REQUIRE(produce_all(mock.bootstrap(), "claims-in", second_half));
  BOOST_TEST_REQUIRE(produce_all(mock.bootstrap(), "claims-in", fhir, {{"content-type", "application/fhir+json"}}));
  // The unreadable records come from kcat (Debian kcat, installed by deploy/test.sh), as a
  // sender's own tooling would send them.
  for (const auto& [key, value] : garbage) {
    const std::string cmd = "kcat -b " + mock.bootstrap() + " -t claims-in -P -k " + key + " 2>&1";
    std::FILE* k = ::popen(cmd.c_str(), "w");
    BOOST_TEST_REQUIRE(k != nullptr);
    std::fwrite(value.data(), 1, value.size(), k);
    BOOST_TEST_REQUIRE(::pclose(k) == 0, "kcat failed (is the Debian package kcat installed?)");
  }
  // A worker dies while it works (records waiting in its partitions, so it is inside or
  // between transactions); a broker goes away and requests fail meanwhile.
  BOOST_TEST_REQUIRE(wait_for(
      [&] {
        const Response r = get(a.port(), "/metrics");
        return metric(r.body, "claimgate_stream_records_in_total") > 0 && lag_sum(r.body) > 0;
      },
      60s));
  a.signal(SIGKILL);
  BOOST_TEST(a.wait_exit(10s) == -1);
  BOOST_TEST(mock.command("request-errors 0 6 6 7") == "ok");  // Produce: not leader, timed out
  BOOST_TEST(mock.command("request-errors 28 22") == "ok");  // TxnOffsetCommit: illegal generation
  BOOST_TEST(mock.command("broker-down 2") == "ok");
  std::this_thread::sleep_for(1500ms);
  BOOST_TEST(mock.command("broker-up 2") == "ok");
  BOOST_TEST_REQUIRE(d.start());

  std::int64_t answered_n = 0;
  const bool finished = wait_for(
      [&] {
        answered_n = answered_records();
        return answered_n == static_cast<std::int64_t>(total_records);
      },
      240s);
  BOOST_TEST_REQUIRE(finished, "answered " << answered_n << " of " << total_records << " inbound records");

  // Metrics of a live worker.
  const Response m = get(b.port(), "/metrics");
  BOOST_TEST(m.status == 200);
  BOOST_TEST(metric(m.body, "claimgate_stream_records_in_total") > 0);
  BOOST_TEST(metric(m.body, "claimgate_stream_rebalances_total") > 0);
  BOOST_TEST(m.body.find("claimgate_stream_consumer_lag{topic=\"claims-in\",partition=\"") != std::string::npos);
  BOOST_TEST(get(b.port(), "/readyz").status == 200);

  // Graceful shutdown: every worker commits and leaves the group.
  for (StreamWorker* w : {&b, &c, &d}) w->signal(SIGTERM);
  for (StreamWorker* w : {&b, &c, &d}) BOOST_TEST(w->wait_exit(30s) == 0, w->log().substr(0, 2000));

  // Payer topics: every accepted X12 claim, no rejected one; a claim found twice only under
  // the same claimgate-key with the same body (but for its fresh control numbers). No control
  // number twice per sender identity, across workers, the one killed and records read again.
  std::set<std::string> control_numbers;
  std::size_t interchanges = 0;
  const auto no_control_number_twice = [&](const std::string& body) {
    for (const std::string& n : cg::test::isa13s(body)) {
      ++interchanges;
      BOOST_TEST(control_numbers.insert(n).second, "control number " << n << " written twice");
    }
  };
  std::map<std::string, std::set<std::pair<std::string, std::string>>> found;  // claim id -> (key, body)
  std::map<std::string, int> records_of;                                       // claim id -> records
  std::set<std::string> fhir_payer_keys;
  for (const char* topic : {"payer-87726", "payer-other"}) {
    for (const Record& r : read_topic(mock.bootstrap(), topic, 3)) {
      const std::string key = r.headers.count("claimgate-key") ? r.headers.at("claimgate-key") : "";
      BOOST_TEST(!key.empty());
      no_control_number_twice(r.value);
      if (r.headers.count("content-type") && r.headers.at("content-type") == "application/fhir+json") {
        fhir_payer_keys.insert(key);
        continue;
      }
      for (const std::string& id : x12_claim_ids(r.value)) {
        found[id].insert({key, cg::test::without_control_numbers(r.value)});
        ++records_of[id];
        // routed by payer id
        BOOST_TEST((r.key == "87726") == (std::string(topic) == "payer-87726"));
      }
    }
  }
  std::size_t x12_accepted = 0, duplicated = 0;
  for (const auto& [id, verdict] : expected) {
    if (id.rfind("fhir:", 0) == 0) continue;
    if (verdict == "accepted") {
      ++x12_accepted;
      BOOST_TEST(found.count(id) == 1u, "accepted claim " << id << " is on no payer topic");
    } else {
      BOOST_TEST(found.count(id) == 0u, "rejected claim " << id << " is on a payer topic");
    }
  }
  for (const auto& [id, copies] : found) {
    BOOST_TEST(copies.size() == 1u, "claim " << id << " under different keys or bodies");
    duplicated += records_of[id] > 1;
  }
  BOOST_TEST(found.size() == x12_accepted);
  std::size_t fhir_accepted = 0;
  for (const auto& [id, verdict] : expected) fhir_accepted += id.rfind("fhir:", 0) == 0 && verdict == "accepted";
  BOOST_TEST(fhir_payer_keys.size() == fhir_accepted);

  // Answers: every inbound record has one, keyed by the inbound key, naming where it came from.
  std::set<std::pair<int, std::int64_t>> answered;
  std::map<std::string, std::string> answer_body;
  for (const Record& r : read_topic(mock.bootstrap(), "claims-answers", 3)) {
    answered.insert({std::stoi(r.headers.at("claimgate-inbound-partition")), std::stoll(r.headers.at("claimgate-inbound-offset"))});
    const std::string key = r.headers.at("claimgate-key");
    const std::string body = cg::test::without_control_numbers(r.value);
    const auto [it, fresh] = answer_body.emplace(key, body);
    BOOST_TEST((fresh || it->second == body), "answer " << key << " differs between copies");
    no_control_number_twice(r.value);
    BOOST_TEST(r.headers.at("claimgate-inbound-topic") == "claims-in");
    BOOST_TEST(!r.key.empty());
  }
  BOOST_TEST(answered.size() == total_records);
  BOOST_TEST(interchanges > 2 * kX12Records);

  // Verdict events: one per claim (by key), the same verdict as claimgate validate.
  std::map<std::string, std::string> verdict_by_key;
  std::map<std::string, std::string> verdict_of;  // claim id -> verdict
  for (const Record& r : read_topic(mock.bootstrap(), "claims-verdicts", 3)) {
    rapidjson::Document v;
    v.Parse(r.value.data(), r.value.size());
    BOOST_TEST_REQUIRE(v.IsObject());
    const std::string id = v["claim_id"].GetString();
    const std::string format = v["format"].GetString();
    verdict_by_key[r.headers.at("claimgate-key")] = v["verdict"].GetString();
    verdict_of[(format == "fhir" ? "fhir:" : "") + id] = v["verdict"].GetString();
  }
  BOOST_TEST(verdict_by_key.size() == expected.size());
  std::size_t v_accepted = 0, v_rejected = 0;
  for (const auto& [key, verdict] : verdict_by_key) (verdict == "accepted" ? v_accepted : v_rejected) += 1;
  BOOST_TEST(v_accepted == accepted);
  BOOST_TEST(v_rejected == rejected);
  for (const auto& [id, verdict] : expected) {
    if (id.rfind("fhir:", 0) == 0) continue;
    BOOST_TEST(verdict_of[id] == verdict, "claim " << id);
  }

  // Dead letters: the unreadable records, as received, with the reason.
  std::set<std::string> dead;
  for (const Record& r : read_topic(mock.bootstrap(), "claims-dead", 1)) {
    dead.insert(r.key);
    BOOST_TEST(r.headers.at("claimgate-reason").rfind("not_claims:", 0) == 0u);
  }
  BOOST_TEST(dead == (std::set<std::string>{"junk-1", "junk-2", "junk-3"}));
  BOOST_TEST_MESSAGE("accepted " << accepted << ", rejected " << rejected << ", accepted claims on more than one record (same key and body: replays a real broker would not show) " << duplicated);
}

BOOST_AUTO_TEST_CASE(a_bad_stream_configuration_is_refused_with_the_key) {
  const fs::path dir = scratch("kafka-stream-config");
  const std::string config = (dir / "config.json").string();
  write_text(config, R"({"stream": {"brokers": "127.0.0.1:1", "input_topic": "in", "answers_topic": "a",
    "verdicts_topic": "v", "dead_letter_topic": "d", "payer_topics": {"*": "p"},
    "librdkafka": {"no.such.property": "1"}}})");
  const std::string cmd = std::string(CG_CLAIMGATE_EXE) + " stream --config " + config + " 2>&1";
  std::FILE* p = ::popen(cmd.c_str(), "r");
  std::string out;
  char buf[4096];
  for (std::size_t n; (n = std::fread(buf, 1, sizeof buf, p)) > 0;) out.append(buf, n);
  const int status = ::pclose(p);
  BOOST_TEST(WEXITSTATUS(status) == 2);
  BOOST_TEST(out.find("stream.librdkafka.no.such.property") != std::string::npos, out);
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(kafka_forward_target)

BOOST_AUTO_TEST_CASE(the_gateway_marks_an_entry_done_only_after_the_brokers_acknowledged_it) {
  const fs::path dir = scratch("kafka-target");
  MockCluster mock({"payer-bus:2"});
  BOOST_TEST_REQUIRE(!mock.bootstrap().empty());
  ServerProcess server(dir, R"({"threads": 2, "log": {"level": "info"},
    "forward": {"workers": 2, "backoff_initial_ms": 50, "backoff_max_ms": 300, "timeout_ms": 1500,
      "max_attempts": 1000, "breaker_failures": 1000,
      "targets": {"bus": {"type": "kafka", "brokers": ")" + mock.bootstrap() + R"(", "topic": "payer-bus",
                          "librdkafka": {"socket.connection.setup.timeout.ms": "1000"}}},
      "default_target": "bus"}})");
  for (int b = 1; b <= 3; ++b) BOOST_TEST(mock.command("broker-down " + std::to_string(b)) == "ok");
  BOOST_TEST_REQUIRE(server.start());

  cg::test::Gen837 g(cg::test::Gen837::Kind::Professional, 7);
  std::string x12;
  g.begin(x12, 100);
  for (int i = 0; i < 3; ++i) g.claim(x12);
  g.end(x12);
  const Response r = post(server.port(), "/x12", x12);
  BOOST_TEST_REQUIRE(r.status == 200);
  const std::string keys = r.header("X-Claimgate-Entry-Keys");
  BOOST_TEST_REQUIRE(!keys.empty());

  // No broker: the entry stays in the spool, attempts fail.
  BOOST_TEST(wait_for([&] { return metric(get(server.port(), "/metrics").body, "claimgate_forward_failures_total{target=\"bus\"}") > 0; }, 20s));
  BOOST_TEST(metric(get(server.port(), "/metrics").body, "claimgate_spool_pending_entries") >= 1);

  for (int b = 1; b <= 3; ++b) BOOST_TEST(mock.command("broker-up " + std::to_string(b)) == "ok");
  BOOST_TEST(wait_for([&] { return metric(get(server.port(), "/metrics").body, "claimgate_spool_pending_entries") == 0; }, 30s),
             server.log().substr(0, 3000));

  std::set<std::string> found_keys;
  for (const Record& rec : read_topic(mock.bootstrap(), "payer-bus", 2)) {
    found_keys.insert(rec.headers.at("claimgate-key"));
    BOOST_TEST(rec.headers.at("content-type") == "application/edi-x12");
    BOOST_TEST(x12_claim_ids(rec.value).size() >= 1u);
  }
  std::set<std::string> expected_keys;
  for (std::size_t start = 0; start < keys.size();) {
    const std::size_t comma = std::min(keys.find(',', start), keys.size());
    expected_keys.insert(keys.substr(start, comma - start));
    start = comma + 1;
  }
  BOOST_TEST(found_keys == expected_keys);
  server.signal(SIGTERM);
  BOOST_TEST(server.wait_exit(30s) == 0);
}

BOOST_AUTO_TEST_SUITE_END()
