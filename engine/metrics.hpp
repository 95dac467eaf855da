// Server statistics in the Prometheus text exposition format (version 0.0.4).
//
// Counters are relaxed atomics in fixed arrays (no lock on the request path); findings by rule
// id, the only open-ended label, take a mutex and are updated only for claims with findings.
//
// Thread safety: every member may be called from any thread.
#pragma once

#include <array>
#include <atomic>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

namespace cg::engine {

enum class Endpoint : std::uint8_t {
  X12, FhirClaim, FhirSubmit, FhirValidate, FhirBatch, FhirMetadata, Healthz, Readyz, Metrics, Admin,
  ClaimStatus, FhirClaimResponse, OpenApi, Other,
};
inline constexpr std::size_t kEndpointCount = 14;
[[nodiscard]] std::string_view to_string(Endpoint e) noexcept;

// Why a request or connection was refused before validation.
enum class Refusal : std::uint8_t {
  BodyTooLarge,    // 413
  HeaderTooLarge,  // 431
  TooManyClaims,   // 413
  ReadTimeout,     // 408
  MaxConnections,  // 503
  SpoolFull,       // 503 + Retry-After
  Unauthorized,    // 401
  ShuttingDown,    // 503
  ClientConnections,  // 503: over limits.max_connections_per_client
  BodyBudget,      // 503 + Retry-After: limits.max_buffered_body_bytes
  Forbidden,       // 403: wrong kind of credential, sender bindings, admin endpoints disabled
  RateLimited,     // 429: per-sender rate or daily quota
  MisdirectedHost, // 421: Host not in allowed_hosts
  BadFraming,      // 400/501: Transfer-Encoding other than exactly chunked, TE with Content-Length
};
inline constexpr std::size_t kRefusalCount = 14;
[[nodiscard]] std::string_view to_string(Refusal r) noexcept;

enum class CircuitState : std::uint8_t { Closed = 0, Open = 1, HalfOpen = 2 };

class Metrics {
 public:
  // target_names: the forwarding targets, in the order of their index.
  explicit Metrics(std::vector<std::string> target_names = {});

  void request(Endpoint e, int status, double seconds) noexcept;
  void refusal(Refusal r) noexcept;
  // rejections_by_rule: the findings among findings_by_rule whose severity is reject.
  void claims(std::size_t accepted, std::size_t rejected, const std::map<std::string, std::size_t>& findings_by_rule,
              const std::map<std::string, std::size_t>& rejections_by_rule = {});
  // Rejected claims of one request: its sender, and how many per payer id (empty: none named).
  void rejections(std::string_view sender, const std::map<std::string, std::size_t>& by_payer);
  void connection_opened() noexcept { connections_.fetch_add(1, std::memory_order_relaxed); }
  void connection_closed() noexcept { connections_.fetch_sub(1, std::memory_order_relaxed); }

  void forward_attempt(std::size_t target) noexcept;
  void forward_failure(std::size_t target) noexcept;
  void forward_success(std::size_t target) noexcept;
  void dead_lettered(std::size_t target) noexcept;
  void circuit(std::size_t target, CircuitState s) noexcept;

  // Appended to render(): gauges owned elsewhere (spool depth ...), already formatted.
  void set_extra(std::function<void(std::string&)> extra) { extra_ = std::move(extra); }

  [[nodiscard]] std::string render() const;

  // The figures render() writes, for the operations console (engine/server/console.hpp).
  struct TargetFigures {
    std::string name;
    std::uint64_t attempts = 0, failures = 0, forwarded = 0, dead_letters = 0;
    CircuitState circuit = CircuitState::Closed;
  };
  struct Snapshot {
    std::uint64_t requests = 0;  // answered on the claim endpoints (/x12, /fhir...)
    std::uint64_t accepted = 0, rejected = 0, refused = 0;
    std::vector<std::pair<std::string, std::uint64_t>> refusals;  // by reason, non-zero only
    std::map<std::string, std::uint64_t> findings;                // by rule id
    std::map<std::string, std::uint64_t> rejections;              // findings of severity reject, by rule id
    std::map<std::string, std::uint64_t> rejected_by_sender, rejected_by_payer;
    std::vector<TargetFigures> targets;
    std::int64_t open_connections = 0;
  };
  // detail = false: the counters only (requests, accepted, rejected, refused), no lock taken.
  [[nodiscard]] Snapshot snapshot(bool detail = true) const;

  // Distinct senders / payer ids kept as labels; the rest are counted under kOtherLabel.
  static constexpr std::size_t kMaxRejectionLabels = 1000;
  static constexpr std::string_view kOtherLabel = "_other";

 private:
  static constexpr std::array<int, 20> kStatuses{200, 201, 202, 400, 401, 403, 404, 405, 408, 409, 413, 415, 421, 422, 429, 431, 500, 501, 503, 0};
  static constexpr std::array<double, 14> kBuckets{0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05,
                                                   0.1,    0.25,  0.5,    1,     2.5,   5,     10};
  struct Histogram {
    std::array<std::atomic<std::uint64_t>, kBuckets.size() + 1> buckets{};
    std::atomic<std::uint64_t> count{0};
    std::atomic<std::uint64_t> sum_us{0};
  };
  struct TargetStats {
    std::string name;
    std::atomic<std::uint64_t> attempts{0}, failures{0}, successes{0}, dead{0};
    std::atomic<std::uint8_t> circuit{0};
  };

  std::array<std::array<std::atomic<std::uint64_t>, kStatuses.size()>, kEndpointCount> requests_{};
  std::array<Histogram, kEndpointCount> latency_{};
  std::array<std::atomic<std::uint64_t>, kRefusalCount> refusals_{};
  std::atomic<std::uint64_t> accepted_{0}, rejected_{0};
  std::atomic<std::int64_t> connections_{0};
  std::vector<std::unique_ptr<TargetStats>> targets_;
  mutable std::mutex findings_mutex_;
  std::map<std::string, std::uint64_t, std::less<>> findings_, rejections_;
  std::map<std::string, std::uint64_t, std::less<>> rejected_by_sender_, rejected_by_payer_;  // findings_mutex_
  std::function<void(std::string&)> extra_;
};

}  // namespace cg::engine
