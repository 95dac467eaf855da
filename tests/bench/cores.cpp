// Every core (issue 16): one-core and two-core wall clock and CPU side by side, in one run.
//   build/tests/bench_cores [CLAIMS=100000] [ROUNDS=3] [RECORDS=2000]
// 1. `claimgate validate --format summary` on a generated 837P batch of CLAIMS claims, as its own
//    process: under `taskset -c 0` (one thread: --jobs defaults to the CPUs it may use), under
//    `taskset -c 0,1` (two) and `taskset -c 0,1 ... --jobs 4`; beside them the machine's own
//    ceiling: two independent one-core processes at once (taskset -c 0 and -c 1). Wall clock and
//    CPU (user + system, wait4) of each, ROUNDS rounds interleaved, the best wall of each and
//    the speedup; the summaries must be byte for byte the same.
// 2. The Kafka worker's batch processing in this process (engine/stream/worker.hpp with an
//    in-memory client: no broker): RECORDS records of 10 claims each (X12), batches of 500, on
//    one thread (affinity CPU 0) and on two (CPUs 0 and 1, stream.threads 2); the committed
//    outputs must be the same.
// The load average is printed before and after: the wall clock of a loaded machine measures the
// scheduler's share, not the program. On a shared machine run it as `chrt -f 10 bench_cores`
// (root; real-time FIFO, inherited by the claimgate processes): it then takes the CPUs it is
// pinned to whatever else runs, which is what a quiet machine would give it.
#include "engine/pipeline.hpp"
#include "engine/stream/worker.hpp"
#include "tests/support/gen837.hpp"
#include "transforms/x12_parallel.hpp"

#include <sched.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <deque>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

namespace fs = std::filesystem;
using namespace cg;

namespace {

std::string loadavg() {
  std::ifstream in("/proc/loadavg");
  std::string a, b, c;
  in >> a >> b >> c;
  return a + " " + b + " " + c;
}

std::string slurp(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

struct Timing {
  double wall = 0, cpu = 0;
  long rss_kb = 0;
};

double now_s() {
  return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

// Starts argv with standard output to `out`; returns the pid.
pid_t spawn(const std::vector<std::string>& args, const fs::path& out) {
  std::fflush(stdout);
  const pid_t pid = fork();
  if (pid == 0) {
    if (std::freopen(out.c_str(), "w", stdout) == nullptr) _exit(126);
    std::vector<char*> argv;
    for (const auto& a : args) argv.push_back(const_cast<char*>(a.c_str()));
    argv.push_back(nullptr);
    execvp(argv[0], argv.data());
    _exit(127);
  }
  return pid;
}

Timing finish(pid_t pid, double t0) {
  int status = 0;
  rusage ru{};
  wait4(pid, &status, 0, &ru);
  Timing t;
  t.wall = now_s() - t0;
  t.cpu = static_cast<double>(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) +
          static_cast<double>(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e6;
  t.rss_kb = ru.ru_maxrss;
  // validate exits 1 when a claim is rejected (the generated batch has some): not a failure.
  if (!WIFEXITED(status) || WEXITSTATUS(status) > 1) {
    std::fprintf(stderr, "bench_cores: a claimgate run failed (status %d)\n", status);
    std::exit(1);
  }
  return t;
}

std::vector<std::string> validate_args(const std::string& cpus, const fs::path& file, const char* jobs) {
  std::vector<std::string> a;
  for (const char* s : {"taskset", "-c"}) a.emplace_back(s);
  a.push_back(cpus);
  a.emplace_back(CG_CLAIMGATE_EXE);
  for (const char* s : {"validate", "--format", "summary", "--today", "2026-01-15"}) a.emplace_back(s);
  a.push_back(file.string());
  if (jobs != nullptr) {
    a.emplace_back("--jobs");
    a.emplace_back(jobs);
  }
  return a;
}

void row(const char* what, const std::vector<Timing>& runs, double base_wall) {
  Timing best = runs.front();
  double cpu_sum = 0;
  for (const auto& t : runs) {
    if (t.wall < best.wall) best = t;
    cpu_sum += t.cpu;
  }
  std::printf("%-44s %7.3f s  %7.3f s  %6ld MB  %5.2fx   (walls:", what, best.wall, cpu_sum / static_cast<double>(runs.size()),
              best.rss_kb / 1024, base_wall / best.wall);
  for (const auto& t : runs) std::printf(" %.3f", t.wall);
  std::printf(")\n");
}

// --- the stream worker, with an in-memory client ----------------------------------------------

class MemoryClient final : public engine::stream::Client {
 public:
  std::deque<engine::stream::InRecord> input;
  std::vector<engine::stream::OutRecord> committed;
  std::optional<engine::stream::InRecord> poll(std::chrono::milliseconds) override {
    if (input.empty()) return std::nullopt;
    engine::stream::InRecord r = std::move(input.front());
    input.pop_front();
    return r;
  }
  std::vector<engine::stream::TopicPartition> take_revoked() override { return {}; }
  engine::stream::Status begin() override { return {}; }
  engine::stream::Status produce(const engine::stream::OutRecord& r) override {
    open_.push_back(r);
    return {};
  }
  engine::stream::Status send_offsets(const std::map<engine::stream::TopicPartition, std::int64_t>&) override {
    return {};
  }
  engine::stream::Status commit() override {
    committed.insert(committed.end(), std::make_move_iterator(open_.begin()), std::make_move_iterator(open_.end()));
    open_.clear();
    return {};
  }
  engine::stream::Status abort() override {
    open_.clear();
    return {};
  }
  void rewind(const std::map<engine::stream::TopicPartition, std::int64_t>&) override {}

 private:
  std::vector<engine::stream::OutRecord> open_;
};

void set_cpus(std::initializer_list<int> cpus) {
  cpu_set_t set;
  CPU_ZERO(&set);
  for (int c : cpus) CPU_SET(c, &set);
  if (sched_setaffinity(0, sizeof set, &set) != 0) std::perror("sched_setaffinity");
}

double process_cpu() {
  timespec ts{};
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) / 1e9;
}

}  // namespace

int main(int argc, char** argv) {
  const long claims = argc > 1 ? std::atol(argv[1]) : 100000;
  const int rounds = argc > 2 ? std::max(1, std::atoi(argv[2])) : 3;
  const int records = argc > 3 ? std::max(1, std::atoi(argv[3])) : 2000;
  const fs::path dir = fs::path(CG_BINARY_DIR) / "bench-cores";
  fs::create_directories(dir);
  const fs::path file = dir / "batch.x12";
  {
    test::Gen837 gen(test::Gen837::Kind::Professional);
    std::string s;
    gen.begin(s);
    for (long i = 0; i < claims; ++i) gen.claim(s);
    gen.end(s);
    std::ofstream(file, std::ios::binary) << s;
    std::printf("claimgate validate --format summary, %ld claims (%.1f MB), %u CPUs, load average %s\n", claims,
                static_cast<double>(s.size()) / 1e6, transforms::WorkPool::available_cpus(), loadavg().c_str());
  }

  std::vector<Timing> one, two, four, pair;
  for (int r = 0; r < rounds; ++r) {
    double t0 = now_s();
    one.push_back(finish(spawn(validate_args("0", file, nullptr), dir / "one.txt"), t0));
    t0 = now_s();
    two.push_back(finish(spawn(validate_args("0,1", file, nullptr), dir / "two.txt"), t0));
    t0 = now_s();
    four.push_back(finish(spawn(validate_args("0,1", file, "4"), dir / "four.txt"), t0));
    t0 = now_s();
    const pid_t a = spawn(validate_args("0", file, nullptr), dir / "pair0.txt");
    const pid_t b = spawn(validate_args("1", file, nullptr), dir / "pair1.txt");
    const Timing ta = finish(a, t0), tb = finish(b, t0);
    pair.push_back(Timing{std::max(ta.wall, tb.wall), ta.cpu + tb.cpu, std::max(ta.rss_kb, tb.rss_kb)});
  }
  const std::string expected = slurp(dir / "one.txt");
  for (const char* f : {"two.txt", "four.txt", "pair0.txt", "pair1.txt"})
    if (slurp(dir / f) != expected) {
      std::fprintf(stderr, "bench_cores: %s differs from the one-thread summary\n", f);
      return 1;
    }
  double base = one.front().wall;
  for (const auto& t : one) base = std::min(base, t.wall);
  std::printf("%-44s %9s  %9s  %9s  %6s\n", "", "best wall", "mean CPU", "peak RSS", "speedup");
  row("taskset -c 0 (jobs 1)", one, base);
  row("taskset -c 0,1 (jobs 2)", two, base);
  row("taskset -c 0,1 --jobs 4", four, base);
  // Twice the work in the time shown: the throughput of two independent processes.
  for (auto& t : pair) t.wall /= 2;
  row("two processes, -c 0 and -c 1 (per batch)", pair, base);
  std::printf("load average after: %s\n\n", loadavg().c_str());

  // The Kafka worker.
  std::vector<engine::stream::InRecord> in;
  std::size_t in_bytes = 0;
  for (int n = 0; n < records; ++n) {
    test::Gen837 g(test::Gen837::Kind::Professional, static_cast<std::uint64_t>(n) + 1);
    engine::stream::InRecord r;
    r.topic = "bench-in";
    r.partition = n % 4;
    r.offset = n / 4;
    r.timestamp_ms = 1'767'225'600'000;
    g.begin(r.value, 1000);
    for (int i = 0; i < 10; ++i) g.claim(r.value);
    g.end(r.value);
    in_bytes += r.value.size();
    in.push_back(std::move(r));
  }
  std::printf("claimgate stream worker (in-memory client, no broker): %d records of 10 claims (%.1f MB), batches of 500, load average %s\n",
              records, static_cast<double>(in_bytes) / 1e6, loadavg().c_str());
  auto loaded = codesets::Icd10Index::load(CG_BINARY_DIR "/icd10cm.cgx");
  if (!std::holds_alternative<std::shared_ptr<const codesets::Icd10Index>>(loaded)) {
    std::fprintf(stderr, "bench_cores: no code set at %s\n", CG_BINARY_DIR "/icd10cm.cgx");
    return 1;
  }
  engine::StreamConfig cfg;
  cfg.brokers = "127.0.0.1:9";
  cfg.input_topic = "bench-in";
  cfg.answers_topic = "bench-answers";
  cfg.verdicts_topic = "bench-verdicts";
  cfg.dead_letter_topic = "bench-dead";
  cfg.payer_topics = {{"*", "bench-payer"}};
  std::string first_out;
  double base_wall = 0;
  for (unsigned threads : {1u, 2u}) {
    if (threads == 1)
      set_cpus({0});
    else
      set_cpus({0, 1});
    engine::PipelineOptions o;
    o.codes = std::get<std::shared_ptr<const codesets::Icd10Index>>(loaded);
    if (threads > 1) o.pool = std::make_shared<transforms::WorkPool>(threads - 1);
    const engine::Pipeline pipeline(std::move(o));
    const auto numbers = engine::ControlNumbers::counting_from(1);
    MemoryClient client;
    client.input.assign(in.begin(), in.end());
    engine::stream::StreamMetrics metrics;
    engine::stream::WorkerLimits limits;
    limits.max_records = 500;
    limits.linger = std::chrono::milliseconds(1);
    engine::stream::Worker worker(pipeline, *numbers, cfg, client, metrics, limits);
    const double t0 = now_s(), c0 = process_cpu();
    std::string error;
    while (metrics.records_in.load() < static_cast<std::uint64_t>(records))
      if (!worker.run_batch(error)) {
        std::fprintf(stderr, "bench_cores: the worker stopped: %s\n", error.c_str());
        return 1;
      }
    const double wall = now_s() - t0, cpu = process_cpu() - c0;
    if (threads == 1) base_wall = wall;
    std::string out;
    for (const auto& r : client.committed) out += r.topic + r.key + r.value;
    if (threads == 1)
      first_out = std::move(out);
    else if (out != first_out) {
      std::fprintf(stderr, "bench_cores: the worker's outputs on %u threads differ from one thread's\n", threads);
      return 1;
    }
    std::printf("  stream.threads %u (CPUs %s)   %7.3f s wall  %7.3f s CPU  %8.0f claims/s  %5.2fx\n", threads,
                threads == 1 ? "0  " : "0,1", wall, cpu, static_cast<double>(records) * 10 / wall, base_wall / wall);
  }
  std::printf("load average after: %s\n", loadavg().c_str());
  return 0;
}
