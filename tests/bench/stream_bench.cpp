// Benchmark of `claimgate stream` on the Kafka mock cluster (claimgate-kafka-mock, 3 brokers,
// 127.0.0.1): records/s and claims/s through one worker and through two workers in one group,
// beside `claimgate validate` on the same claims (one process, one file) as the baseline, in
// one run. Each worker case starts a fresh cluster, lets the workers join, then produces the
// records and measures until the workers' claimgate_stream_records_in_total reaches them all.
//   build/tests/bench_stream_bench [RECORDS=1000] [CLAIMS_PER_RECORD=10]
#include "tests/kafka/kafka_harness.hpp"
#include "tests/support/gen837.hpp"

#include <cstdio>
#include <cstdlib>

using namespace cg::itest;

namespace {

double seconds_since(std::chrono::steady_clock::time_point t0) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

void report(const char* what, std::size_t records, std::size_t claims, double s) {
  std::printf("%-34s %8.2f s  %9.0f records/s  %9.0f claims/s\n", what, s, records / s, claims / s);
}

}  // namespace

int main(int argc, char** argv) {
  const int records = argc > 1 ? std::atoi(argv[1]) : 1000;
  const int per_record = argc > 2 ? std::atoi(argv[2]) : 10;
  const std::size_t claims = static_cast<std::size_t>(records) * static_cast<std::size_t>(per_record);
  const fs::path dir = fs::path(CG_BINARY_DIR) / "bench-stream";
  fs::remove_all(dir);
  fs::create_directories(dir);

  std::vector<std::pair<std::string, std::string>> input;
  std::string all;
  for (int n = 0; n < records; ++n) {
    cg::test::Gen837 g(cg::test::Gen837::Kind::Professional, static_cast<std::uint64_t>(n) + 1);
    std::string s;
    g.begin(s, 1000);
    for (int i = 0; i < per_record; ++i) g.claim(s);
    g.end(s);
    all += s;
    input.emplace_back("sender-" + std::to_string(n % 13), std::move(s));
  }
  write_text(dir / "all.x12", all);
  std::printf("%d records of %d claims (%zu claims, %.1f MB), %u cores\n", records, per_record, claims,
              static_cast<double>(all.size()) / 1e6, std::thread::hardware_concurrency());

  {
    const auto t0 = std::chrono::steady_clock::now();
    const std::string cmd = std::string(CG_CLAIMGATE_EXE) + " validate --format summary '" + (dir / "all.x12").string() +
                            "' > /dev/null";
    const int rc = std::system(cmd.c_str());
    report("claimgate validate (baseline)", static_cast<std::size_t>(records), claims, seconds_since(t0));
    if (rc == -1) return 1;
  }

  for (int workers : {1, 2}) {
    MockCluster mock({"bench-in:4", "bench-answers:4", "bench-verdicts:4", "bench-dead:1", "bench-payer:4"});
    if (mock.bootstrap().empty()) return 1;
    const std::string config = (dir / ("config-" + std::to_string(workers) + ".json")).string();
    write_text(config, R"({"listen": "127.0.0.1:0", "log": {"level": "info"},
      "stream": {"brokers": ")" + mock.bootstrap() + R"(", "group_id": "bench", "input_topic": "bench-in",
        "answers_topic": "bench-answers", "verdicts_topic": "bench-verdicts", "dead_letter_topic": "bench-dead",
        "payer_topics": {"*": "bench-payer"}, "librdkafka": {"session.timeout.ms": "6000"}}})");
    std::vector<std::unique_ptr<StreamWorker>> ws;
    for (int w = 0; w < workers; ++w) {
      ws.push_back(std::make_unique<StreamWorker>(dir, config, "w" + std::to_string(workers) + std::to_string(w)));
      if (!ws.back()->start()) return 1;
    }
    // Every worker in the group with its partitions before the records arrive.
    const bool joined = wait_for(
        [&] {
          for (const auto& w : ws)
            if (w->log().find("\"change\":\"assign\"") == std::string::npos) return false;
          return true;
        },
        30s);
    if (!joined) return 1;
    std::this_thread::sleep_for(2s);
    const auto t0 = std::chrono::steady_clock::now();
    if (!produce_all(mock.bootstrap(), "bench-in", input)) return 1;
    const double produced = seconds_since(t0);
    const bool done = wait_for(
        [&] {
          double sum = 0;
          for (const auto& w : ws) sum += std::max(0.0, metric(get(w->port(), "/metrics").body, "claimgate_stream_records_in_total"));
          return sum >= records;
        },
        600s);
    const double s = seconds_since(t0);
    if (!done) return 1;
    const std::string label = "claimgate stream, " + std::to_string(workers) + " worker" + (workers > 1 ? "s" : "");
    report(label.c_str(), static_cast<std::size_t>(records), claims, s);
    std::printf("%-34s %8.2f s  (the input's production, inside the figure above)\n", "", produced);
    for (auto& w : ws) w->signal(SIGTERM);
    for (auto& w : ws) w->wait_exit(30s);
  }
  return 0;
}
