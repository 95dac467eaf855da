// The operations console (docs/server.md, "Operations console"): a page for the people who run
// the gateway, served under the admin credential at GET /admin/console (its script and
// stylesheet at /admin/console/console.js and /admin/console/console.css, its icon, compiled into the
// binary from engine/server/console/), and the JSON it polls, GET /admin/status.
//
// /admin/status is derived from what /metrics and `claimgate dead-letter list` already read:
// the Metrics counters (verdicts, findings by rule id, rejections by sender and payer, forward
// targets and their circuit state), the spool's statistics, the dead-letter folder and the
// loaded pipeline (code-set releases, rule packs). The only state of its own is a bounded
// series of the claim counters sampled every `step` (traffic over time).
//
// No PHI: counts, rule ids, sender and payer ids, entry keys and target names only; never a
// claim id (CLM01) or anything from a claim; a dead letter's reason is cut before the
// upstream's answer text (it may quote the claim).
//
// Thread safety: every member may be called from any thread.
#pragma once

#include "engine/metrics.hpp"
#include "transforms/x12_out.hpp"

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <map>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

namespace cg::engine {

class Pipeline;
class Spool;
struct ServerConfig;

// Claim traffic over time: record() keeps the counters at a point in time (at most `points`
// samples); the series is the difference between consecutive samples.
class TrafficHistory {
 public:
  struct Point {
    std::uint64_t start_ms = 0, requests = 0, accepted = 0, rejected = 0, refused = 0;
  };
  TrafficHistory(std::chrono::milliseconds step, std::size_t points);
  void record(std::uint64_t unix_ms, const Metrics::Snapshot& counters);
  // One point per recorded step, oldest first, then the step in progress (from the last sample
  // to `now`).
  [[nodiscard]] std::vector<Point> series(std::uint64_t now_ms, const Metrics::Snapshot& now) const;
  [[nodiscard]] std::chrono::milliseconds step() const { return step_; }

 private:
  std::chrono::milliseconds step_;
  std::size_t points_;
  mutable std::mutex mutex_;
  std::deque<Point> samples_;  // start_ms: when the counters were read; the counters themselves
};

// A file of the console page: the page itself ("" or "/"), "/console.js", "/console.css",
// "/console.svg" (its icon).
struct ConsoleAsset {
  std::string_view content_type;
  std::string_view body;
};
[[nodiscard]] const ConsoleAsset* console_asset(std::string_view path_after_console);

// Headers of every console answer (the page, its files and /admin/status): a
// Content-Security-Policy that allows only the page's own script, style and JSON (no inline
// script or style, no framing), no caching, no sniffing, no referrer.
[[nodiscard]] const std::vector<std::pair<std::string, std::string>>& console_headers();

// Rejected claims per payer id among a request's outcomes (for Metrics::rejections).
[[nodiscard]] std::map<std::string, std::size_t> rejected_by_payer(const std::vector<transforms::ClaimOutcome>& outcomes);

class Console {
 public:
  // Starts sampling the claim counters every `step` (keeping `points` of them).
  Console(const ServerConfig& config, const Metrics& metrics, const Spool* spool,
          std::chrono::milliseconds step = std::chrono::seconds(10), std::size_t points = 360);
  ~Console();
  Console(const Console&) = delete;
  Console& operator=(const Console&) = delete;

  // GET /admin/status. pipeline: the one requests are validated with now (code set, packs).
  [[nodiscard]] std::string status_json(const Pipeline* pipeline) const;

  // Dead letters listed in /admin/status (the newest); the count covers all.
  static constexpr std::size_t kMaxDeadLetters = 200;
  // Rows of the findings and top-rejecting tables.
  static constexpr std::size_t kMaxFindings = 100;
  static constexpr std::size_t kTopRejecting = 10;

 private:
  void sampler();

  const ServerConfig& config_;
  const Metrics& metrics_;
  const Spool* spool_;
  std::chrono::milliseconds step_;
  std::uint64_t started_ms_;
  TrafficHistory history_;
  std::mutex mutex_;
  std::condition_variable cv_;
  bool stopping_ = false;
  std::thread thread_;
};

}  // namespace cg::engine
