// Delivery under faults: the spool with ENOSPC / EIO injected at every write and fsync (it
// recovers by itself, answers "not accepted" only for what it will never forward, loses no done
// record), attempt counts across restarts, dead-letter replay racing a new dead letter for the
// same key, and outbox manifests that no claim id can forge lines in.
#include "engine/config.hpp"
#include "engine/delivery/dead_letter.hpp"
#include "engine/delivery/forwarder.hpp"
#include "engine/delivery/spool.hpp"
#include "engine/files.hpp"
#include "engine/log.hpp"

#include <boost/test/unit_test.hpp>

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>
#include <thread>

namespace fs = std::filesystem;
using namespace cg::engine;
using namespace std::chrono_literals;

namespace {

// `in_memory`: under /dev/shm when there is one (the fault runs inject their failures and
// need no real disk; a thousand fsyncs on it would only make them slow).
fs::path fresh_dir(const std::string& name, bool in_memory = false) {
  const fs::path base = in_memory && fs::is_directory("/dev/shm") ? fs::path("/dev/shm") / ("claimgate-unit-" + std::to_string(::getpid()))
                                                                   : fs::path(CG_BINARY_DIR) / "unit-engine-scratch";
  const fs::path p = base / name;
  fs::remove_all(p);
  fs::create_directories(p);
  return p;
}

std::string slurp(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

SpoolItem item(const std::string& body) {
  SpoolItem it;
  it.payer_id = "87726";
  it.content_type = "application/fhir+json";
  it.sender = "clinic";
  it.claim_ids = {"PCN-" + body};
  it.body = "{\"resourceType\":\"Claim\",\"id\":\"" + body + "\"}";
  return it;
}

std::unique_ptr<Spool> open_spool(const fs::path& dir) {
  std::string error;
  SpoolOptions o;
  o.dir = dir.string();
  o.retry_interval = 5ms;
  auto s = Spool::open(o, error);
  BOOST_TEST_REQUIRE(s != nullptr, error);
  return s;
}

// Fault hook state: fail operations number [fail_from, fail_from + fail_count) with fail_errno.
std::atomic<int> g_ops{0}, g_fail_from{-1}, g_fail_count{0}, g_fail_errno{ENOSPC};
int counting_hook(FileOp) {
  const int n = g_ops.fetch_add(1);
  return n >= g_fail_from.load() && n < g_fail_from.load() + g_fail_count.load() ? g_fail_errno.load() : 0;
}

struct HookGuard {
  HookGuard() {
    g_ops = 0;
    set_fault_hook(&counting_hook);
  }
  ~HookGuard() { set_fault_hook(nullptr); }
};

// The injected failures log errors on purpose: to /dev/null.
struct QuietLogs {
  int fd = ::open("/dev/null", O_WRONLY | O_CLOEXEC);
  QuietLogs() { log::configure(fd, log::Level::Error); }
  ~QuietLogs() {
    log::configure(2, log::Level::Error);
    ::close(fd);
  }
};

// One run: appends in rounds, forwards (done) part of what is pending after each round. Every
// answer is recorded; then the spool is reopened and what it still holds must be exactly the
// accepted entries not marked done.
struct Outcome {
  std::set<std::string> accepted, refused, done;
  std::set<std::string> after_restart;
  bool recovered = true;
  int ops = 0;
};

Outcome run_with_faults(const fs::path& dir, int fail_from, int fail_count, int err) {
  Outcome o;
  {
    auto spool = open_spool(dir);
    HookGuard hook;
    g_fail_from = fail_from;
    g_fail_count = fail_count;
    g_fail_errno = err;
    int n = 0;
    for (int round = 0; round < 6; ++round) {
      for (int k = 0; k < 2; ++k) {
        std::vector<SpoolItem> items{item(std::to_string(n)), item(std::to_string(n + 1))};
        n += 2;
        const auto keys = spool->append_wait(std::move(items));
        if (keys.empty()) o.refused.insert(std::to_string(n - 2)), o.refused.insert(std::to_string(n - 1));
        for (const auto& key : keys) o.accepted.insert(key);
      }
      // "Forward" every other pending entry: its done record is written with the next write.
      bool odd = false;
      while (auto e = spool->take(0ms)) {
        if ((odd = !odd)) {
          spool->done(e->seq);
          o.done.insert(e->item.key);
        } else {
          spool->retry_at(e->seq, std::chrono::steady_clock::now() + 1h, true);
        }
      }
      std::this_thread::sleep_for(1ms);
    }
    // Once the fault is gone the spool must become healthy again by itself and accept again
    // (a sender retries its refused request; the fault may also hit this one).
    const auto until = std::chrono::steady_clock::now() + 5s;
    std::vector<std::string> keys;
    while (keys.empty() && std::chrono::steady_clock::now() < until) {
      keys = spool->append_wait({item("last")});
      if (keys.empty()) std::this_thread::sleep_for(2ms);
    }
    o.recovered = !keys.empty() && spool->stats().healthy;
    for (const auto& key : keys) o.accepted.insert(key);
    o.ops = g_ops.load();
  }
  auto again = open_spool(dir);
  while (auto e = again->take(0ms)) {
    o.after_restart.insert(e->item.key);
    again->retry_at(e->seq, std::chrono::steady_clock::now() + 1h, false);
  }
  return o;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(delivery)

BOOST_AUTO_TEST_CASE(spool_survives_enospc_and_eio_at_every_write_and_fsync) {
  QuietLogs quiet;
  const Outcome clean = run_with_faults(fresh_dir("faults-none", true), -1, 0, 0);
  BOOST_TEST(clean.refused.empty());
  BOOST_TEST_REQUIRE(clean.ops > 10);
  int runs = 0, with_refusals = 0;
  for (const int err : {ENOSPC, EIO}) {
    for (const int count : {1, 3}) {  // one failed operation; a short outage
      for (int at = 0; at < clean.ops; ++at) {
        const std::string ctx = std::string(err == ENOSPC ? "ENOSPC" : "EIO") + " at op " + std::to_string(at) +
                                " x" + std::to_string(count);
        const Outcome o = run_with_faults(fresh_dir("faults", true), at, count, err);
        ++runs;
        if (!o.refused.empty()) ++with_refusals;
        BOOST_TEST(o.recovered, ctx);
        // Exactly the accepted entries not forwarded are still there; nothing refused came back
        // (bodies are "<n>": keys differ, so compare counts and membership).
        std::set<std::string> expected;
        for (const auto& k : o.accepted)
          if (!o.done.count(k)) expected.insert(k);
        BOOST_TEST((o.after_restart == expected), ctx << ": " << o.after_restart.size() << " pending after restart, "
                                                      << expected.size() << " expected");
        BOOST_TEST(o.accepted.size() + o.refused.size() == clean.accepted.size(), ctx);
        BOOST_TEST(!o.accepted.empty(), ctx);
      }
    }
  }
  BOOST_TEST(with_refusals > 0);  // the faults did hit appends
  if (fs::is_directory("/dev/shm")) fs::remove_all(fs::path("/dev/shm") / ("claimgate-unit-" + std::to_string(::getpid())));
  BOOST_TEST_MESSAGE(runs << " fault runs, " << with_refusals << " with refused appends");
}

BOOST_AUTO_TEST_CASE(refused_append_whose_bytes_reached_the_file_never_comes_back) {
  // The write succeeds but its fsync fails: the bytes are in the file. The sender is told "not
  // accepted", so the entry must not be forwarded after a restart.
  QuietLogs quiet;
  const fs::path dir = fresh_dir("fsync-fails");
  {
    auto spool = open_spool(dir);
    HookGuard hook;
    g_fail_from = 1;  // op 0: the write, op 1: its fsync
    g_fail_count = 1;
    g_fail_errno = EIO;
    BOOST_TEST(spool->append_wait({item("refused")}).empty());
    BOOST_TEST(spool->stats().write_failures == 1u);
  }
  auto again = open_spool(dir);
  BOOST_TEST(again->stats().pending_entries == 0u);
  BOOST_TEST(!again->take(0ms).has_value());
}

BOOST_AUTO_TEST_CASE(attempts_count_across_restarts) {
  const fs::path dir = fresh_dir("attempts");
  {
    auto spool = open_spool(dir);
    BOOST_TEST_REQUIRE(spool->append_wait({item("a")}).size() == 1u);
    for (int i = 0; i < 3; ++i) {
      auto e = spool->take(1s);
      BOOST_TEST_REQUIRE(e.has_value());
      BOOST_TEST(e->attempts == static_cast<std::uint32_t>(i));
      spool->retry_at(e->seq, std::chrono::steady_clock::now(), true);
    }
    auto e = spool->take(1s);
    BOOST_TEST_REQUIRE(e.has_value());
    spool->retry_at(e->seq, std::chrono::steady_clock::now(), false);  // circuit open: not an attempt
    const auto st = spool->stats();
    BOOST_TEST(st.retrying == 1u);
    BOOST_TEST(st.oldest_retrying_ms > 0u);
  }
  auto again = open_spool(dir);
  auto e = again->take(1s);
  BOOST_TEST_REQUIRE(e.has_value());
  BOOST_TEST(e->attempts == 3u);
  BOOST_TEST(e->accepted_ms > 0u);
}

namespace {
// Plays the forwarder that dead-letters the replayed entry again the moment the spool writes it.
std::string g_dl_dir;
SpoolEntry g_again;
thread_local bool g_in_hook = false;
std::atomic<int> g_redead{0};
int redead_hook(FileOp op) {
  if (op != FileOp::Write || g_in_hook || g_redead.load() > 0) return 0;
  g_in_hook = true;
  std::string err;
  if (write_dead_letter(g_dl_dir, g_again, "payer", "upstream answered 500", err)) ++g_redead;
  g_in_hook = false;
  return 0;
}
}  // namespace

BOOST_AUTO_TEST_CASE(replay_never_deletes_a_new_dead_letter_of_the_same_key) {
  const fs::path dir = fresh_dir("replay-race");
  g_dl_dir = (dir / "dead-letter").string();
  auto spool = open_spool(dir / "spool");
  SpoolEntry e;
  e.seq = 7;
  e.accepted_ms = 1;
  e.attempts = 8;
  e.item = item("x");
  e.item.key = "abc-7";
  std::string err;
  BOOST_TEST_REQUIRE(write_dead_letter(g_dl_dir, e, "payer", "upstream answered 500", err), err);
  g_again = e;
  g_again.attempts = 9;
  g_redead = 0;
  set_fault_hook(&redead_hook);
  const std::size_t n = replay_dead_letters(g_dl_dir, *spool, "", err);
  set_fault_hook(nullptr);
  BOOST_TEST(n == 1u, err);
  BOOST_TEST(g_redead.load() == 1);
  // The entry is in the spool again, and the new dead letter (written while the replay was
  // under way) is whole: its metadata and its body.
  auto taken = spool->take(1s);
  BOOST_TEST_REQUIRE(taken.has_value());
  BOOST_TEST(taken->item.key == "abc-7");
  BOOST_TEST(fs::exists(fs::path(g_dl_dir) / "abc-7.json"));
  BOOST_TEST(slurp(fs::path(g_dl_dir) / "abc-7.body") == e.item.body);
  BOOST_TEST(slurp(fs::path(g_dl_dir) / "abc-7.json").find("\"attempts\":9") != std::string::npos);
  // A second replay takes the new one; two replays never take one letter twice.
  BOOST_TEST(replay_dead_letters(g_dl_dir, *spool, "", err) == 1u);
  BOOST_TEST(replay_dead_letters(g_dl_dir, *spool, "", err) == 0u);
}

BOOST_AUTO_TEST_CASE(replay_claims_left_by_a_crash_go_back) {
  const fs::path dir = fresh_dir("replay-crash");
  const std::string dl = (dir / "dead-letter").string();
  SpoolEntry e;
  e.seq = 3;
  e.item = item("y");
  e.item.key = "abc-3";
  std::string err;
  BOOST_TEST_REQUIRE(write_dead_letter(dl, e, "payer", "upstream answered 500", err));
  // A replay that died after claiming the letter.
  fs::rename(fs::path(dl) / "abc-3.json", fs::path(dl) / ".abc-3.replaying.json");
  fs::rename(fs::path(dl) / "abc-3.body", fs::path(dl) / ".abc-3.replaying.body");
  BOOST_TEST(list_dead_letters(dl, err).empty());
  auto spool = open_spool(dir / "spool");
  BOOST_TEST(replay_dead_letters(dl, *spool, "abc-3", err) == 1u, err);
  auto taken = spool->take(1s);
  BOOST_TEST_REQUIRE(taken.has_value());
  BOOST_TEST(taken->item.body == e.item.body);
}

BOOST_AUTO_TEST_CASE(manifest_fields_cannot_forge_lines_or_columns) {
  SpoolItem it = item("m");
  it.key = "abc-1";
  it.payer_id = "PAY\tER";
  it.claim_ids = {"A\nabc-999\t-\tFORGED", "B,C", "50%", "plain-1"};
  std::string line;
  Forwarder::append_manifest_line(line, it);
  BOOST_TEST(std::count(line.begin(), line.end(), '\n') == 1);
  BOOST_TEST(line.back() == '\n');
  BOOST_TEST(std::count(line.begin(), line.end(), '\t') == 2);
  BOOST_TEST(line == "abc-1\tPAY%09ER\tA%0Aabc-999%09-%09FORGED,B%2CC,50%25,plain-1\n");
  std::string none;
  it.payer_id.clear();
  it.claim_ids = {"x"};
  Forwarder::append_manifest_line(none, it);
  BOOST_TEST(none == "abc-1\t-\tx\n");
}

BOOST_AUTO_TEST_CASE(retry_configuration) {
  const ServerConfig d = parse_config("{}");
  BOOST_TEST(d.forward.retry_for_s >= 86'400u);  // a payer outage of a day does not dead-letter
  BOOST_TEST(d.forward.max_attempts == 0u);
  BOOST_TEST(d.forward.alert_after_s < d.forward.retry_for_s);
  const ServerConfig c = parse_config(R"({"forward": {"retry_for_s": 7200, "alert_after_s": 600, "max_attempts": 50}})");
  BOOST_TEST(c.forward.retry_for_s == 7200u);
  BOOST_TEST(c.forward.alert_after_s == 600u);
  BOOST_TEST(c.forward.max_attempts == 50u);
  std::string msg;
  try {
    (void)parse_config(R"({"forward": {"retry_for_s": 60, "alert_after_s": 600}})");
  } catch (const ConfigError& e) {
    msg = e.what();
  }
  BOOST_TEST(msg.find("forward.alert_after_s") != std::string::npos, msg);
}

BOOST_AUTO_TEST_SUITE_END()
