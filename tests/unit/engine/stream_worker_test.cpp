// The stream worker's transaction boundaries, with a fake Kafka client that records every call
// and keeps a committed log: offsets go to the transaction only after every record of the
// batch was produced, and are committed only by the commit of that transaction; an aborted
// batch is read again and yields the same records under the same claimgate-key; a revoked
// partition's records leave the batch; a fatal error stops the worker without a commit. Also
// the "stream" configuration section (every error names its key) and process_record.
#include "engine/config.hpp"
#include "engine/log.hpp"
#include "engine/pipeline_config.hpp"
#include "engine/stream/worker.hpp"
#include "scratch_dir.hpp"
#include "tests/support/gen837.hpp"
#include "tests/support/x12_control.hpp"
#include "transforms/x12_parallel.hpp"

#include <boost/test/unit_test.hpp>
#include <rapidjson/document.h>

#include <deque>
#include <limits>
#include <set>
#include <fstream>
#include <sstream>

using namespace cg::engine;
using namespace cg::engine::stream;
using namespace cg;
using cg::test::isa13s;
using cg::test::without_control_numbers;

namespace {

std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

PipelineOptions pipeline_options() {
  PipelineOptions o;
  auto loaded = codesets::Icd10Index::load(CG_BINARY_DIR "/icd10cm.cgx");
  BOOST_TEST_REQUIRE(std::holds_alternative<std::shared_ptr<const codesets::Icd10Index>>(loaded));
  o.codes = std::get<std::shared_ptr<const codesets::Icd10Index>>(loaded);
  return o;
}

const Pipeline& pipeline() {
  static const Pipeline p(pipeline_options());
  return p;
}

// The workers' durable control numbers (one state for the whole test program).
ControlNumbers& numbers() {
  static const std::shared_ptr<ControlNumbers> n =
      ControlNumbers::durable(cg::test::fresh_dir("stream-control-numbers").string(), 64);
  return *n;
}

StreamConfig stream_config() {
  StreamConfig c;
  c.brokers = "127.0.0.1:9";
  c.input_topic = "claims";
  c.answers_topic = "answers";
  c.verdicts_topic = "verdicts";
  c.dead_letter_topic = "dead";
  c.payer_topics = {{"*", "payer-default"}};
  return c;
}

std::string x12_accepted() { return read_file(CG_SOURCE_DIR "/conformance/cases/837p/clean-office-visit/input.x12"); }
std::string x12_rejected() {
  return read_file(CG_SOURCE_DIR "/conformance/cases/837p/age-pediatric-code-on-adult/input.x12");
}

// A partitioned input log, a transaction log and the committed state of a pretend cluster.
class FakeClient final : public Client {
 public:
  std::map<std::int32_t, std::vector<std::string>> input;  // partition -> record values
  std::map<std::int32_t, std::int64_t> position;           // next offset the consumer reads
  std::vector<std::string> calls;
  std::vector<OutRecord> open, committed_out;
  std::map<TopicPartition, std::int64_t> txn_offsets, committed_offsets;
  std::deque<Status> commit_results, offsets_results;
  std::vector<TopicPartition> revoke_on_poll;  // revoked at the next poll
  bool in_txn = false;

  std::optional<InRecord> poll(std::chrono::milliseconds) override {
    calls.push_back("poll");
    for (auto& [p, values] : input) {
      auto& pos = position[p];
      if (pos < static_cast<std::int64_t>(values.size())) {
        InRecord r;
        r.topic = "claims";
        r.partition = p;
        r.offset = pos;
        r.timestamp_ms = 1'767'225'600'000 + pos;  // 2026-01-01
        r.has_key = true;
        r.key = "sender-" + std::to_string(p);
        r.value = values[static_cast<std::size_t>(pos++)];
        return r;
      }
    }
    return std::nullopt;
  }
  std::vector<TopicPartition> take_revoked() override {
    std::vector<TopicPartition> out;
    out.swap(revoke_on_poll);
    for (const auto& tp : out) position[tp.partition] = committed(tp);
    return out;
  }
  Status begin() override {
    BOOST_TEST(!in_txn);
    calls.push_back("begin");
    in_txn = true;
    return {};
  }
  Status produce(const OutRecord& r) override {
    BOOST_TEST(in_txn);
    BOOST_TEST(txn_offsets.empty());  // offsets only after the last record
    calls.push_back("produce");
    open.push_back(r);
    return {};
  }
  Status send_offsets(const std::map<TopicPartition, std::int64_t>& next) override {
    BOOST_TEST(in_txn);
    calls.push_back("offsets");
    Status s = next_result(offsets_results);
    if (s.ok()) txn_offsets = next;
    return s;
  }
  Status commit() override {
    BOOST_TEST(in_txn);
    calls.push_back("commit");
    Status s = next_result(commit_results);
    if (!s.ok()) return s;
    in_txn = false;
    for (const auto& [tp, o] : txn_offsets) committed_offsets[tp] = o;
    txn_offsets.clear();
    committed_out.insert(committed_out.end(), open.begin(), open.end());
    open.clear();
    return s;
  }
  Status abort() override {
    calls.push_back("abort");
    in_txn = false;
    txn_offsets.clear();
    open.clear();
    return {};
  }
  void rewind(const std::map<TopicPartition, std::int64_t>& first) override {
    calls.push_back("rewind");
    for (const auto& [tp, o] : first) position[tp.partition] = o;
  }
  std::int64_t committed(const TopicPartition& tp) const {
    const auto it = committed_offsets.find(tp);
    return it == committed_offsets.end() ? 0 : it->second;
  }

 private:
  static Status next_result(std::deque<Status>& q) {
    if (q.empty()) return {};
    Status s = q.front();
    q.pop_front();
    return s;
  }
};

WorkerLimits fast_limits() {
  WorkerLimits l;
  l.linger = std::chrono::milliseconds(5);
  return l;
}

std::size_t count(const std::vector<std::string>& calls, const std::string& what) {
  return static_cast<std::size_t>(std::count(calls.begin(), calls.end(), what));
}

}  // namespace

BOOST_AUTO_TEST_SUITE(stream_worker)

BOOST_AUTO_TEST_CASE(offsets_join_the_transaction_after_every_record_and_commit_with_it) {
  FakeClient c;
  c.input[0] = {x12_accepted(), x12_rejected()};
  c.input[1] = {x12_accepted(), "not a claim at all"};
  StreamMetrics m;
  const StreamConfig cfg = stream_config();
  Worker w(pipeline(), numbers(), cfg, c, m, fast_limits());
  std::string error;
  BOOST_TEST(w.run_batch(error));
  // begin, every produce, then the offsets, then the commit: nothing else in between.
  std::vector<std::string> txn;
  for (const auto& call : c.calls)
    if (call != "poll") txn.push_back(call);
  BOOST_TEST_REQUIRE(txn.size() >= 4u);
  BOOST_TEST(txn.front() == "begin");
  BOOST_TEST(txn[txn.size() - 2] == "offsets");
  BOOST_TEST(txn.back() == "commit");
  BOOST_TEST(count(txn, "produce") == txn.size() - 3);
  BOOST_TEST(c.committed(TopicPartition{"claims", 0}) == 2);
  BOOST_TEST(c.committed(TopicPartition{"claims", 1}) == 2);
  BOOST_TEST(m.records_in.load() == 4u);
  BOOST_TEST(m.transactions.load() == 1u);
  BOOST_TEST(m.dead_letters.load() == 1u);
  BOOST_TEST(m.claims_accepted.load() == 2u);
  BOOST_TEST(m.claims_rejected.load() == 1u);

  std::map<std::string, std::string> by_key;
  std::size_t payer = 0, answers = 0, dead = 0;
  for (const auto& r : c.committed_out) {
    BOOST_TEST(by_key.emplace(r.header("claimgate-key"), r.value).second);  // keys unique
    payer += r.topic == "payer-default";
    answers += r.topic == "answers";
    dead += r.topic == "dead";
  }
  BOOST_TEST(payer == 2u);
  BOOST_TEST(answers == 3u * 2 + 1);  // 999 + 277CA per X12 record, an error answer for the dead letter
  BOOST_TEST(dead == 1u);
  BOOST_TEST(by_key.count("claims/1/1/dead-letter") == 1u);
  BOOST_TEST(by_key.at("claims/1/1/dead-letter") == "not a claim at all");
  BOOST_TEST(by_key.count("claims/0/0/payer//0") + by_key.count("claims/0/0/payer/PAYER01/0") == 1u);
}

BOOST_AUTO_TEST_CASE(an_aborted_transaction_commits_nothing_and_the_retry_yields_the_same_records) {
  FakeClient c;
  c.input[0] = {x12_accepted(), x12_rejected(), x12_accepted()};
  c.commit_results.push_back({Status::Kind::Abortable, "broker said no"});
  StreamMetrics m;
  const StreamConfig cfg = stream_config();
  Worker w(pipeline(), numbers(), cfg, c, m, fast_limits());
  std::string error;
  BOOST_TEST(w.run_batch(error));
  BOOST_TEST(count(c.calls, "abort") == 1u);
  BOOST_TEST(count(c.calls, "rewind") == 1u);
  BOOST_TEST(c.committed_offsets.empty());
  BOOST_TEST(c.committed_out.empty());
  BOOST_TEST(m.aborts.load() == 1u);
  BOOST_TEST(m.records_in.load() == 0u);
  BOOST_TEST(c.position[0] == 0);  // rewound to the batch's first offset

  // What the aborted attempt produced, as a real broker would have kept it (uncommitted).
  std::vector<OutRecord> aborted;
  {
    FakeClient probe;
    probe.input = c.input;
    StreamMetrics m2;
    Worker w2(pipeline(), numbers(), cfg, probe, m2, fast_limits());
    BOOST_TEST(w2.run_batch(error));
    aborted = probe.committed_out;
  }
  c.calls.clear();
  BOOST_TEST(w.run_batch(error));
  BOOST_TEST(count(c.calls, "commit") == 1u);
  BOOST_TEST(c.committed(TopicPartition{"claims", 0}) == 3);
  BOOST_TEST_REQUIRE(c.committed_out.size() == aborted.size());
  std::set<std::string> seen;
  for (std::size_t i = 0; i < aborted.size(); ++i) {
    BOOST_TEST(c.committed_out[i].header("claimgate-key") == aborted[i].header("claimgate-key"));
    // The same outputs, with fresh control numbers: never one the aborted attempt wrote.
    BOOST_TEST(without_control_numbers(c.committed_out[i].value) == without_control_numbers(aborted[i].value));
    BOOST_TEST(c.committed_out[i].topic == aborted[i].topic);
    for (const auto& n : isa13s(aborted[i].value)) BOOST_TEST(seen.insert(n).second, "ISA13 " << n << " twice");
    for (const auto& n : isa13s(c.committed_out[i].value)) BOOST_TEST(seen.insert(n).second, "ISA13 " << n << " twice");
  }
  BOOST_TEST(seen.size() >= 6u);
}

// Control numbers are durable and unique per sender identity: two workers sharing a data dir
// (or one restarted after a crash) never write one twice; workers on other hosts sending under
// the same identity draw from disjoint ranges (stream.control_number_first / _last).
BOOST_AUTO_TEST_CASE(control_numbers_never_repeat_across_workers_restarts_and_ranges) {
  const std::string dir = cg::test::fresh_dir("stream-cn-shared").string();
  const StreamConfig cfg = stream_config();
  std::set<std::string> seen;
  const auto run = [&](ControlNumbers& n, std::int64_t offset) {
    InRecord in;
    in.topic = "claims";
    in.offset = offset;
    in.timestamp_ms = 1'767'225'600'000;
    in.value = x12_accepted();
    const RecordOutcome r = process_record(pipeline(), n, cfg, in, {});
    std::vector<std::string> all;
    for (const auto& o : r.out)
      for (const auto& isa : isa13s(o.value)) all.push_back(isa);
    BOOST_TEST(all.size() == 3u);  // 999, 277CA, the payer's 837
    for (const auto& isa : all) BOOST_TEST(seen.insert(isa).second, "ISA13 " << isa << " twice");
    return all;
  };
  auto a = ControlNumbers::durable(dir, 64);
  auto b = ControlNumbers::durable(dir, 64);  // a second worker on the same data dir
  run(*a, 1);
  run(*b, 2);
  run(*a, 3);
  // A restart while a's state was never written back (a crash): the rest of its block is a gap.
  auto restarted = ControlNumbers::durable(dir, 64);
  run(*restarted, 1);  // the same record again: new numbers
  run(*a, 4);
  auto ranged = ControlNumbers::durable(dir, 64, 500'000'000, 500'000'010);
  for (int i = 0; i < 3; ++i)
    for (const auto& isa : run(*ranged, 10 + i)) {
      const auto v = std::stoull(isa.substr(isa.rfind('/') + 1));
      BOOST_TEST((v >= 500'000'000u && v <= 500'000'010u));
    }
}

BOOST_AUTO_TEST_CASE(a_retriable_commit_is_retried_not_aborted) {
  FakeClient c;
  c.input[0] = {x12_accepted()};
  c.commit_results.push_back({Status::Kind::Retriable, "coordinator loading"});
  StreamMetrics m;
  const StreamConfig cfg = stream_config();
  Worker w(pipeline(), numbers(), cfg, c, m, fast_limits());
  std::string error;
  BOOST_TEST(w.run_batch(error));
  BOOST_TEST(count(c.calls, "commit") == 2u);
  BOOST_TEST(count(c.calls, "abort") == 0u);
  BOOST_TEST(c.committed(TopicPartition{"claims", 0}) == 1);
}

BOOST_AUTO_TEST_CASE(a_fatal_error_stops_the_worker_without_committing) {
  FakeClient c;
  c.input[0] = {x12_accepted()};
  c.offsets_results.push_back({Status::Kind::Fatal, "producer fenced"});
  StreamMetrics m;
  const StreamConfig cfg = stream_config();
  Worker w(pipeline(), numbers(), cfg, c, m, fast_limits());
  std::string error;
  BOOST_TEST(!w.run_batch(error));
  BOOST_TEST(error == "producer fenced");
  BOOST_TEST(count(c.calls, "commit") == 0u);
  BOOST_TEST(c.committed_offsets.empty());
}

BOOST_AUTO_TEST_CASE(records_of_a_revoked_partition_leave_the_batch) {
  FakeClient c;
  c.input[0] = {x12_accepted()};
  c.input[1] = {x12_accepted()};
  StreamMetrics m;
  const StreamConfig cfg = stream_config();
  WorkerLimits l = fast_limits();
  l.max_records = 2;
  Worker w(pipeline(), numbers(), cfg, c, m, l);
  // Partition 0 is read first, then revoked while the batch gathers.
  (void)c.poll(std::chrono::milliseconds(0));
  c.position[0] = 0;
  c.calls.clear();
  c.revoke_on_poll = {TopicPartition{"claims", 0}};
  c.input.erase(0);  // now owned by another worker
  std::string error;
  BOOST_TEST(w.run_batch(error));
  BOOST_TEST(c.committed_offsets.count(TopicPartition{"claims", 0}) == 0u);
  BOOST_TEST(c.committed(TopicPartition{"claims", 1}) == 1);
  for (const auto& r : c.committed_out) BOOST_TEST(r.header("claimgate-inbound-partition") == "1");
}

BOOST_AUTO_TEST_CASE(a_batch_holds_at_most_max_in_flight_records) {
  FakeClient c;
  for (int i = 0; i < 7; ++i) c.input[0].push_back(x12_rejected());
  StreamMetrics m;
  const StreamConfig cfg = stream_config();
  WorkerLimits l = fast_limits();
  l.max_records = 3;
  Worker w(pipeline(), numbers(), cfg, c, m, l);
  std::string error;
  BOOST_TEST(w.run_batch(error));
  BOOST_TEST(c.committed(TopicPartition{"claims", 0}) == 3);
  BOOST_TEST(w.run_batch(error));
  BOOST_TEST(w.run_batch(error));
  BOOST_TEST(c.committed(TopicPartition{"claims", 0}) == 7);
  BOOST_TEST(m.transactions.load() == 3u);
}

// stream.threads: the records of a batch validated on a pool of threads yield the records of
// one thread, byte for byte and in the same order, control numbers included (they are drawn in
// batch order); large X12 records are cut into runs on the same pool.
BOOST_AUTO_TEST_CASE(a_batch_on_two_or_three_threads_yields_the_records_of_one) {
  std::vector<std::string> values;
  for (int i = 0; i < 30; ++i) {
    switch (i % 6) {
      case 0: values.push_back(x12_accepted()); break;
      case 1: values.push_back(x12_rejected()); break;
      case 2: values.push_back(read_file(CG_SOURCE_DIR "/conformance/cases/fhir/clean-professional/input.json")); break;
      case 3: values.push_back(i == 3 ? "not a claim at all" : read_file(CG_SOURCE_DIR "/conformance/answers/fhir/rejected/input.json")); break;
      default: {
        cg::test::Gen837 g(cg::test::Gen837::Kind::Professional, static_cast<std::uint64_t>(i));
        std::string x;
        g.begin(x, 7);  // several transaction sets: runs for the pool
        for (int k = 0; k < 40 + i; ++k) g.claim(x);
        g.end(x);
        values.push_back(std::move(x));
      }
    }
  }
  const StreamConfig cfg = stream_config();
  const auto run = [&](const Pipeline& p) {
    FakeClient c;
    for (std::size_t i = 0; i < values.size(); ++i) c.input[static_cast<std::int32_t>(i % 3)].push_back(values[i]);
    StreamMetrics m;
    const auto n = ControlNumbers::counting_from(1);
    WorkerLimits l = fast_limits();
    l.max_records = 12;  // three batches
    Worker w(p, *n, cfg, c, m, l);
    std::string error;
    for (int b = 0; b < 20 && m.records_in.load() < values.size(); ++b) BOOST_TEST_REQUIRE(w.run_batch(error));
    BOOST_TEST(m.records_in.load() == values.size());
    BOOST_TEST(m.transactions.load() == 3u);
    std::string all;
    for (const auto& r : c.committed_out) {
      all += r.topic + " " + r.key + "\n";
      for (const auto& [k, v] : r.headers) all += k + "=" + v + "\n";
      all += r.value + "\n";
    }
    return all;
  };
  const std::string one = run(pipeline());
  BOOST_TEST(one.find("claims/2/9/") != std::string::npos);
  for (unsigned threads : {1u, 2u}) {
    PipelineOptions o = pipeline_options();
    o.pool = std::make_shared<transforms::WorkPool>(threads, 1);  // and every transaction set a run
    const Pipeline pooled(std::move(o));
    const std::string got = run(pooled);
    BOOST_TEST((got == one), "with " << threads + 1 << " threads");
  }
}

BOOST_AUTO_TEST_CASE(outputs_are_a_function_of_the_record) {
  const StreamConfig cfg = stream_config();
  InRecord in;
  in.topic = "claims";
  in.partition = 2;
  in.offset = 41;
  in.timestamp_ms = 1'767'225'600'000;
  in.value = x12_accepted();
  const RecordOutcome a = process_record(pipeline(), numbers(), cfg, in, {});
  const RecordOutcome b = process_record(pipeline(), numbers(), cfg, in, {});
  BOOST_TEST_REQUIRE(a.out.size() == b.out.size());
  for (std::size_t i = 0; i < a.out.size(); ++i) {
    BOOST_TEST(without_control_numbers(a.out[i].value) == without_control_numbers(b.out[i].value));
    BOOST_TEST(a.out[i].headers == b.out[i].headers);
  }
  BOOST_TEST(isa13s(a.out.front().value) != isa13s(b.out.front().value));  // never a number twice
  in.offset = 42;
  const RecordOutcome c = process_record(pipeline(), numbers(), cfg, in, {});
  BOOST_TEST(c.out.front().header("claimgate-key") == "claims/2/42/999");
  BOOST_TEST(a.out.front().header("claimgate-inbound-offset") == "41");

  RecordLimits small;
  small.max_record_bytes = 10;
  const RecordOutcome big = process_record(pipeline(), numbers(), cfg, in, small);
  BOOST_TEST(big.dead_lettered);
  BOOST_TEST(big.out.front().header("claimgate-reason").rfind("too_large", 0) == 0u);
}

// The ids of the FHIR resources answered: from the record's place, so two records never share
// one (the same Claim sent twice included) and a replay answers the same.
BOOST_AUTO_TEST_CASE(fhir_answer_ids_are_unique_per_record_and_stable_on_replay) {
  const StreamConfig cfg = stream_config();
  const auto answer_id = [&](const std::string& topic, std::int64_t offset) {
    InRecord in;
    in.topic = topic;
    in.partition = 3;
    in.offset = offset;
    in.timestamp_ms = 1'767'225'600'000;
    in.value = read_file(CG_SOURCE_DIR "/conformance/cases/fhir/clean-professional/input.json");
    const RecordOutcome r = process_record(pipeline(), numbers(), cfg, in, {});
    BOOST_TEST_REQUIRE(!r.dead_lettered);
    rapidjson::Document d;
    d.Parse(r.out.front().value.data(), r.out.front().value.size());  // with its length: no SSE4.2 read past the end
    BOOST_TEST_REQUIRE((d.IsObject() && d.HasMember("id")));
    return std::string(d["id"].GetString());
  };
  const std::string a = answer_id("claims", 7);
  BOOST_TEST(a == "claims.3.7-1");
  BOOST_TEST(answer_id("claims", 7) == a);
  BOOST_TEST(answer_id("claims", 8) == "claims.3.8-1");
  BOOST_TEST(answer_id("claims-b", 7) == "claims-b.3.7-1");
  // Characters an id may not hold, or a long topic: a hash of the topic tells them apart.
  const std::string dotted = answer_id("claims.in", 7), underscored = answer_id("claims_in", 7);
  BOOST_TEST(dotted != underscored);
  BOOST_TEST(dotted.rfind("claims-in.", 0) == 0u);
  const std::string long_topic(200, 'x');
  const std::string l = answer_id(long_topic, 9'000'000'000'000);
  BOOST_TEST(l.size() <= 64u);
  BOOST_TEST(l != answer_id(long_topic + "y", 9'000'000'000'000));
}

// stream.topic_formats: the worker forwards what the payer's topic takes, converted by the
// shared pipeline: an 837 claim as a FHIR batch Bundle, and that Bundle (a FHIR record) for an
// X12 topic as an 837 interchange whose ISA13 comes from the worker's control numbers.
BOOST_AUTO_TEST_CASE(a_claim_is_produced_in_the_format_of_its_payer_topic) {
  StreamConfig cfg = stream_config();
  cfg.payer_topics = {{"*", "payer-fhir"}};
  cfg.topic_formats = {{"payer-fhir", "fhir"}};
  PipelineOptions o = pipeline().options();
  o.routing = stream_routing(cfg);
  o.identity.contact_name = "EDI DESK";
  o.identity.contact_phone = "8005551212";
  const Pipeline to_fhir(o);
  InRecord in;
  in.topic = "claims";
  in.partition = 1;
  in.offset = 5;
  in.timestamp_ms = 1'767'225'600'000;
  in.value = x12_accepted();
  const RecordOutcome a = process_record(to_fhir, numbers(), cfg, in, {});
  const OutRecord* bundle = nullptr;
  for (const auto& r : a.out)
    if (r.topic == "payer-fhir") bundle = &r;
  BOOST_TEST_REQUIRE(bundle != nullptr);
  BOOST_TEST(bundle->header("content-type") == "application/fhir+json");
  BOOST_TEST(bundle->value.rfind(R"({"resourceType":"Bundle","type":"batch",)", 0) == 0u);

  StreamConfig x12_cfg = cfg;
  x12_cfg.topic_formats = {{"payer-fhir", "x12"}};
  o.routing = stream_routing(x12_cfg);
  const Pipeline to_x12(o);
  InRecord fhir = in;
  fhir.offset = 6;
  fhir.value = bundle->value;
  fhir.headers = {{"content-type", "application/fhir+json"}};
  const auto counting = ControlNumbers::counting_from(900);
  const RecordOutcome b = process_record(to_x12, *counting, x12_cfg, fhir, {});
  const OutRecord* x12 = nullptr;
  for (const auto& r : b.out)
    if (r.topic == "payer-fhir") x12 = &r;
  BOOST_TEST_REQUIRE(x12 != nullptr);
  BOOST_TEST(x12->header("content-type") == "application/edi-x12");
  BOOST_TEST(x12->value.rfind("ISA*00*", 0) == 0u);
  BOOST_TEST(x12->value.find("*000000900*0*P*:~") != std::string::npos);  // the worker's control numbers
  BOOST_TEST(x12->value.find("PER*IC*EDI DESK*TE*8005551212~") != std::string::npos);
  BOOST_TEST(b.counts.accepted == 1u);
}

BOOST_AUTO_TEST_CASE(stream_configuration_errors_name_their_key) {
  auto error_of = [](const std::string& json) -> std::string {
    try {
      const ServerConfig c = parse_config(json);
      require_stream(c.stream);
    } catch (const ConfigError& e) {
      return e.what();
    }
    return {};
  };
  const std::string ok =
      R"({"stream":{"brokers":"k:9092","input_topic":"in","answers_topic":"a","verdicts_topic":"v",
          "dead_letter_topic":"d","payer_topics":{"*":"p","87726":"p-uhc"},"librdkafka":{"security.protocol":"ssl"}}})";
  BOOST_TEST(error_of(ok).empty());
  BOOST_TEST(error_of(R"({"stream":{"brokers":"k:9092"}})").rfind("stream.input_topic:", 0) == 0u);
  BOOST_TEST(error_of(R"({"stream":{"brokers":"k","input_topic":"in","answers_topic":"a","verdicts_topic":"v",
      "dead_letter_topic":"d","payer_topics":{"1":"p"}}})").rfind("stream.payer_topics:", 0) == 0u);
  BOOST_TEST(error_of(R"({"stream":{"input_topic":"bad topic"}})").rfind("stream.input_topic:", 0) == 0u);
  BOOST_TEST(error_of(R"({"stream":{"librdkafka":{"isolation.level":"read_uncommitted"}}})")
                 .rfind("stream.librdkafka.isolation.level:", 0) == 0u);
  BOOST_TEST(error_of(R"({"stream":{"librdkafka":{"linger.ms":5}}})").rfind("stream.librdkafka.linger.ms:", 0) == 0u);
  BOOST_TEST(error_of(R"({"stream":{"max_in_flight_records":0}})").rfind("stream.max_in_flight_records:", 0) == 0u);
  BOOST_TEST(error_of(R"({"stream":{"group":"x"}})").rfind("stream.group:", 0) == 0u);
  BOOST_TEST(error_of(R"({"stream":{"threads":257}})").rfind("stream.threads:", 0) == 0u);
  BOOST_TEST(error_of(R"({"stream":{"threads":"2"}})").rfind("stream.threads:", 0) == 0u);
  BOOST_TEST(parse_config(R"({"stream":{"threads":3}})").stream.threads == 3u);
  BOOST_TEST(error_of(R"({"forward":{"targets":{"k":{"type":"kafka","topic":"t"}}}})")
                 .rfind("forward.targets.k.brokers:", 0) == 0u);
  BOOST_TEST(error_of(R"({"forward":{"targets":{"k":{"type":"kafka","brokers":"b","topic":"t","dir":"x"}}}})")
                 .rfind("forward.targets.k.dir:", 0) == 0u);
}

BOOST_AUTO_TEST_SUITE_END()

// The record timestamp is the producer's (CreateTime): a hostile or broken producer may set any
// int64. The answers' dates come from it: beyond year 9999 it wrote a 13-digit GS04. Such a
// record is dead-lettered with the reason; one at the limit or before 1970 gets well-formed answers.
// A record without a timestamp (librdkafka: -1) has no day to judge dates against: answered
// with 1970-01-01 as today it would see every date of service in the future.
BOOST_AUTO_TEST_CASE(a_record_without_a_timestamp_is_dead_lettered) {
  const StreamConfig cfg = stream_config();
  for (const std::int64_t ts : {std::int64_t{-1}, std::int64_t{-5}, std::numeric_limits<std::int64_t>::min()}) {
    InRecord in;
    in.topic = "claims";
    in.offset = 8;
    in.timestamp_ms = ts;
    in.value = x12_accepted();
    const RecordOutcome r = process_record(pipeline(), numbers(), cfg, in, {});
    BOOST_TEST(r.dead_lettered, "timestamp " << ts);
    std::size_t letters = 0;
    for (const auto& o : r.out) {
      if (o.topic != cfg.dead_letter_topic) {
        BOOST_TEST(o.value.rfind("ISA", 0) != 0u, "no answer is written for timestamp " << ts);
        continue;
      }
      ++letters;
      BOOST_TEST(o.header("claimgate-reason").rfind("bad_timestamp: the record has no timestamp", 0) == 0u);
    }
    BOOST_TEST(letters == 1u);
  }
}

BOOST_AUTO_TEST_CASE(a_record_timestamp_beyond_year_9999_is_dead_lettered) {
  const StreamConfig cfg = stream_config();
  for (const std::int64_t ts : {std::numeric_limits<std::int64_t>::max(), std::int64_t{253'402'300'800'000},
                                std::int64_t{253'402'300'799'999}, std::int64_t{1'767'225'600'000}}) {
    InRecord in;
    in.topic = "claims";
    in.offset = 7;
    in.timestamp_ms = ts;
    in.value = x12_accepted();
    const RecordOutcome r = process_record(pipeline(), numbers(), cfg, in, {});
    BOOST_TEST_REQUIRE(!r.out.empty());
    const bool too_late = ts > 253'402'300'799'999;
    BOOST_TEST(r.dead_lettered == too_late, "timestamp " << ts);
    if (too_late) BOOST_TEST(r.out.front().header("claimgate-reason").rfind("bad_timestamp: ", 0) == 0u);
    for (const auto& o : r.out) {
      if (o.topic == cfg.dead_letter_topic || o.value.rfind("ISA", 0) != 0) continue;  // the record as received
      BOOST_TEST(!too_late);
      std::istringstream lines(o.value);
      for (std::string line; std::getline(lines, line);) {
        if (line.rfind("GS*", 0) != 0) continue;
        std::vector<std::string> el;
        std::string cur;
        for (char ch : line) {
          if (ch == '*' || ch == '~') {
            el.push_back(cur);
            cur.clear();
          } else {
            cur += ch;
          }
        }
        BOOST_TEST_REQUIRE(el.size() > 5u);
        BOOST_TEST(el[4].size() == 8u, "GS04 " << el[4] << " of timestamp " << ts);
        BOOST_TEST(el[5].size() == 4u, "GS05 " << el[5] << " of timestamp " << ts);
      }
    }
  }
}
