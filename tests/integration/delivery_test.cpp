// Delivery under faults, end to end on 127.0.0.1: kill -9 while the disk fills up and frees
// again (a small tmpfs, when this runs as root and may mount one) and while the payer fails,
// drops connections and stalls; and outbox manifests that a claim identifier cannot forge.
#include "tests/integration/harness.hpp"

#include <boost/test/unit_test.hpp>

#include <sys/mount.h>

#include <algorithm>
#include <cstdio>

using namespace cg::itest;

namespace {

const fs::path kSource = CG_SOURCE_DIR;

// A tmpfs of `mib` MiB mounted on `dir` for the test's lifetime; mounted() is false when this
// process may not mount (not root, or no mount namespace rights): the disk-full part is skipped.
class Tmpfs {
 public:
  Tmpfs(const fs::path& dir, int mib) : dir_(dir) {
    fs::create_directories(dir_);
    const std::string opts = "size=" + std::to_string(mib) + "m,mode=0755";
    mounted_ = ::mount("tmpfs", dir_.c_str(), "tmpfs", 0, opts.c_str()) == 0;
  }
  ~Tmpfs() {
    if (mounted_) ::umount2(dir_.c_str(), MNT_DETACH);
  }
  [[nodiscard]] bool mounted() const { return mounted_; }
  // Fills the file system up to the last byte (a file written until ENOSPC).
  void fill() {
    const int fd = ::open((dir_ / "filler").c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (fd < 0) return;
    std::string chunk(1 << 16, 'x');
    for (int i = 0; i < 1 << 16; ++i) {
      if (::write(fd, chunk.data(), chunk.size()) < 0) break;
    }
    for (std::size_t n = 4096; n > 0; n /= 2)  // the last partial blocks
      while (::write(fd, chunk.data(), n) > 0) {
      }
    ::close(fd);
  }
  void free() { fs::remove(dir_ / "filler"); }

 private:
  fs::path dir_;
  bool mounted_ = false;
};

std::string delivery_config(std::uint16_t upstream_port) {
  const std::string base = "http://127.0.0.1:" + std::to_string(upstream_port);
  // The defaults for giving up (retry_for_s: a day, no attempt limit): only the backoff is short.
  return "{\"threads\": 2, \"log\": {\"level\": \"info\"},\n"
         " \"forward\": {\"workers\": 4, \"backoff_initial_ms\": 20, \"backoff_max_ms\": 300, \"timeout_ms\": 500,\n"
         "   \"connect_timeout_ms\": 300, \"breaker_failures\": 5, \"breaker_open_ms\": 200,\n"
         "   \"targets\": {\"payer\": {\"type\": \"http\", \"x12_url\": \"" + base + "/x12\", \"fhir_url\": \"" + base +
         "/fhir\"}}, \"default_target\": \"payer\"}}\n";
}

}  // namespace

BOOST_AUTO_TEST_SUITE(delivery)

// 6,000 claims in 600 requests from 4 clients. While they run: the payer cycles through 500s,
// dropped connections, stalls past the timeout and normal answers; the disk fills up for about
// a second and frees again; the gateway is killed (-9) and restarted. Every claim answered
// "accepted" arrives upstream in exactly one entry; nothing answered "not accepted" (503)
// arrives; a key arrives twice only when an answer was lost in the kill.
BOOST_AUTO_TEST_CASE(kill9_with_disk_full_and_upstream_faults) {
  const fs::path dir = scratch("kill9-faults");
  Tmpfs disk(dir / "var", 48);
  if (!disk.mounted()) BOOST_TEST_MESSAGE("kill9-faults: cannot mount a tmpfs here (not root?): no disk-full phase");
  Upstream up;
  ServerProcess srv(dir, delivery_config(up.port()));
  BOOST_REQUIRE_MESSAGE(srv.start(), srv.log());
  constexpr int kRequests = 600, kClaimsPer = 10, kClients = 4;
  std::vector<std::string> bodies;
  for (int i = 0; i < kRequests; ++i) bodies.push_back(gen_x12(kClaimsPer, 5000 + static_cast<std::uint64_t>(i)));

  std::mutex mutex;
  std::size_t accepted_claims = 0;
  std::set<std::string> accepted_keys;
  std::atomic<int> next{0}, answered{0}, lost{0}, refused503{0};
  std::size_t max_keys_per_answer = 1;  // one entry per payer id of a request
  std::atomic<std::uint16_t> port{srv.port()};
  std::atomic<bool> restarting{false}, stop_faults{false};
  const auto deadline = std::chrono::steady_clock::now() + 120s;
  auto client = [&] {
    for (int i = next++; i < kRequests && std::chrono::steady_clock::now() < deadline; i = next++) {
      for (int attempt = 0; attempt < 400 && std::chrono::steady_clock::now() < deadline; ++attempt) {
        while (restarting.load() && std::chrono::steady_clock::now() < deadline) std::this_thread::sleep_for(5ms);
        const Response r = post(port.load(), "/x12", bodies[static_cast<std::size_t>(i)]);
        if (r.status == 200) {
          std::lock_guard lock(mutex);
          const auto keys = split_keys(r.header("X-Claimgate-Entry-Keys"));
          max_keys_per_answer = std::max(max_keys_per_answer, keys.size());
          for (auto& k : keys) accepted_keys.insert(k);
          const auto summary = r.body.rfind("\"summary\"");
          const auto acc = r.body.find("\"accepted\":", summary == std::string::npos ? 0 : summary);
          if (summary != std::string::npos && acc != std::string::npos) accepted_claims += std::stoul(r.body.substr(acc + 11));
          ++answered;
          break;
        }
        if (r.status == 503) ++refused503;  // spool unwritable (disk full) or full: not accepted
        else ++lost;                         // no answer (killed mid-request): maybe accepted
        std::this_thread::sleep_for(20ms);
      }
    }
  };
  // The payer misbehaves in turns: 500, dropped connection, a stall past the 500 ms timeout.
  std::thread faults([&] {
    const Upstream::Mode cycle[] = {Upstream::Mode::Fail500, Upstream::Mode::Ok, Upstream::Mode::Drop,
                                    Upstream::Mode::Ok, Upstream::Mode::Slow, Upstream::Mode::Ok};
    up.slow_ms(700);
    for (int i = 0; !stop_faults.load(); ++i) {
      up.mode(cycle[i % 6]);
      std::this_thread::sleep_for(150ms);
    }
    up.mode(Upstream::Mode::Ok);
  });
  std::vector<std::thread> clients;
  for (int c = 0; c < kClients; ++c) clients.emplace_back(client);

  double write_failures = 0;
  if (disk.mounted()) {
    BOOST_TEST(wait_for([&] { return answered.load() >= kRequests / 5; }, 60s));
    restarting = true;  // the clients pause while the disk fills, so that they meet it full
    disk.fill();
    restarting = false;
    BOOST_TEST(wait_for([&] { return refused503.load() > 0; }, 10s));
    std::this_thread::sleep_for(1s);
    disk.free();
    // It heals by itself: ready again, and requests are accepted again.
    BOOST_TEST(wait_for([&] { return get(port.load(), "/readyz").status == 200; }, 10s));
    const std::string m = get(port.load(), "/metrics").body;
    write_failures = metric(m, "claimgate_spool_write_failures_total");
    BOOST_TEST(write_failures >= 1);
    BOOST_TEST(metric(m, "claimgate_spool_healthy") == 1);
  }
  BOOST_TEST(wait_for([&] { return answered.load() >= kRequests / 2; }, 60s));
  restarting = true;
  srv.kill9();
  BOOST_REQUIRE_MESSAGE(srv.start(), srv.log());
  port = srv.port();
  restarting = false;
  for (auto& t : clients) t.join();
  stop_faults = true;
  faults.join();
  BOOST_TEST(answered.load() == kRequests);

  BOOST_TEST(wait_for([&] {
    const auto got = up.keys();
    for (const auto& k : accepted_keys)
      if (got.count(k) == 0) return false;
    return true;
  }, 60s));
  // Let anything still pending arrive, then compare.
  BOOST_TEST(wait_for([&] { return metric(get(port.load(), "/metrics").body, "claimgate_spool_pending_entries") == 0; }, 30s));
  const auto got = up.keys();
  const auto bodies_got = up.bodies();
  std::size_t missing = 0, duplicated = 0, claims = 0, unexpected = 0;
  for (const auto& k : accepted_keys) {
    const auto it = got.find(k);
    if (it == got.end()) ++missing;
    else if (it->second > 1) ++duplicated;
    if (bodies_got.count(k)) claims += count_of(bodies_got.at(k), "CLM*");
  }
  for (const auto& [k, n] : got)
    if (!accepted_keys.count(k)) ++unexpected;
  BOOST_TEST(missing == 0u);
  BOOST_TEST(claims == accepted_claims);
  // Keys never answered "accepted" arrive only for answers lost in the kill (the spool had the
  // entries, the client saw the connection close and sent again): never for a 503.
  BOOST_TEST(unexpected <= static_cast<std::size_t>(lost.load()) * max_keys_per_answer);
  // Duplicates: sends whose answer the kill or the payer's stalls and drops swallowed (the
  // payer got the entry, the forwarder saw a failure and sent again under the same key).
  BOOST_TEST(duplicated <= accepted_keys.size());
  const std::string log = srv.log();
  if (disk.mounted()) {
    BOOST_TEST(log.find("spool.write_failed") != std::string::npos);
    BOOST_TEST(log.find("spool.write_recovered") != std::string::npos);
  }
  BOOST_TEST(log.find("forward.dead_letter") == std::string::npos);  // faults of seconds: nothing given up
  BOOST_TEST_MESSAGE("kill9-faults: " << accepted_keys.size() << " entries, " << claims << " claims upstream, "
                                      << refused503.load() << " answers 503, " << lost.load() << " lost answers, "
                                      << unexpected << " unexpected keys, " << duplicated << " keys sent twice, "
                                      << write_failures << " journal write failures");
  srv.signal(SIGTERM);
  BOOST_TEST(srv.wait_exit(10s) == 0);
}

// A claim identifier with a newline and TABs (legal inside a JSON string) must not add a line
// or a column to the outbox manifest.
BOOST_AUTO_TEST_CASE(claim_identifiers_cannot_forge_outbox_manifest_lines) {
  ServerProcess srv(scratch("manifest-forge"), "{}");
  BOOST_REQUIRE_MESSAGE(srv.start(), srv.log());
  std::string claim = read_text(kSource / "tests/integration/data/claim-accepted.json");
  const std::string pcn = "\"value\": \"PCN-1001\"";
  const auto at = claim.find(pcn);
  BOOST_REQUIRE(at != std::string::npos);
  claim.replace(at, pcn.size(), "\"value\": \"PCN\\nforged-1\\t87726\\tX,Y\\r%\"");
  const Response r = post(srv.port(), "/fhir/Claim", claim, {{"Content-Type", "application/fhir+json"}});
  BOOST_TEST_REQUIRE(r.status == 201, r.body);
  const auto keys = split_keys(r.header("X-Claimgate-Entry-Keys"));
  BOOST_REQUIRE(keys.size() == 1u);
  const fs::path outbox = srv.var() / "outbox";
  BOOST_REQUIRE(wait_for([&] { return outbox_keys(outbox).count(keys[0]) == 1; }, 10s));
  const auto listed = outbox_keys(outbox);
  BOOST_TEST(listed.size() == 1u);
  BOOST_TEST(listed.count("forged-1") == 0u);
  std::string manifest;
  for (const auto& e : fs::directory_iterator(outbox))
    if (e.path().extension() == ".keys") manifest += read_text(e.path());
  BOOST_TEST(manifest == keys[0] + "\t-\tPCN%0Aforged-1%0987726%09X%2CY%0D%25\n");
  srv.signal(SIGTERM);
  BOOST_TEST(srv.wait_exit(10s) == 0);
}

BOOST_AUTO_TEST_SUITE_END()
