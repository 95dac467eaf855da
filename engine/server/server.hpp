// The HTTP(S) front of `claimgate serve` (Boost.Beast on Boost.Asio, C++20 coroutines): a
// listener, one coroutine per connection (HTTP/1.1 keep-alive, the limits of
// ServerConfig::limits, each refusal a clear answer and a metric), and the router:
//
//   POST /x12                   streamed X12 837 -> JSON report, or with
//                               "Accept: application/edi-x12" the 999 followed by the 277CA
//   POST /fhir/Claim            Claim or request Bundle -> 201 ClaimResponse / 422 OperationOutcome
//   POST /fhir/Claim/$submit    same, 200 when accepted
//   POST /fhir/Claim/$validate  200 OperationOutcome, never forwarded
//   POST /fhir                  batch Bundle -> batch-response Bundle
//   GET  /fhir/metadata         CapabilityStatement
//   GET  /claims/{key}          what became of a spool entry: queued / forwarded / dead-lettered
//   GET  /fhir/ClaimResponse/{key}  the same as a ClaimResponse (FHIR read)
//   GET  /healthz, /readyz, /metrics
//   GET  /admin/dead-letters, POST /admin/dead-letters/replay[?key=K]   (admin credential)
//   POST /admin/reload          the configuration, packs and code set again (as SIGHUP)
//   GET  /admin/console[/FILE], /admin/status   the operations console (console.hpp; admin credential)
//
// Accepted claims are appended to the spool and fsynced before the answer is written.
// Security (docs/security.md): senders and admins authenticate by API key or client
// certificate (auth.hpp), senders are held to their submitter ids, payers, rate and quota; the
// Host header is checked; Transfer-Encoding other than exactly "chunked" is refused; per-client
// connection limits, a budget for buffered bodies, and reserved probe capacity; every
// submission and refusal goes to the audit log (audit.hpp); Idempotency-Key answers are kept
// (idempotency.hpp). Every answer carries X-Request-Id: the client's own when it sent a usable
// one (then X-Claimgate-Request-Id carries the gateway's), else the gateway's, unique across
// restarts; the gateway's prefixes the ids of the FHIR resources answered and the spool keys.
// No exception escapes a connection; every counter and slot is held by an
// RAII guard, so it is given back on every path.
// Beast and Asio stay inside server.cpp: this header is cheap to include.
//
// Thread safety: start() and wait() from one thread; request_stop() from any thread or a
// signal handler context (it only posts).
#pragma once

#include "engine/config.hpp"
#include "engine/metrics.hpp"
#include "engine/pipeline.hpp"
#include "engine/delivery/control_numbers.hpp"
#include "engine/delivery/spool.hpp"

#include <cstdint>
#include <functional>
#include <string_view>
#include <memory>
#include <string>
#include <vector>

namespace cg::engine {

class AuditLog;
class IdempotencyStore;
class Receipts;

// What a reload (SIGHUP, POST /admin/reload) produced.
struct Reload {
  std::shared_ptr<const Pipeline> pipeline;  // null: nothing changed, `error` says why
  // The new configuration: its senders and admins (keys, bindings, rates, quotas), limits (but
  // spool_max_bytes), log.level and log.requests take effect with the pipeline; null: kept.
  std::shared_ptr<const ServerConfig> config;
  std::string error;
  std::vector<std::string> restart_needed;  // changed settings that take effect only at a restart
};

struct ServerParts {
  std::shared_ptr<const Pipeline> pipeline;
  // Re-reads the configuration, rule packs and code set into a new pipeline (claimgate serve);
  // runs on a worker thread, one at a time. Without it SIGHUP and POST /admin/reload answer
  // that reloading is not available. Requests in flight finish on the pipeline they started with.
  std::function<Reload()> reload;
  Spool* spool = nullptr;
  Metrics* metrics = nullptr;
  std::shared_ptr<ControlNumbers> control_numbers;  // ISA13 of the answers and 837s written
  AuditLog* audit = nullptr;               // optional
  IdempotencyStore* idempotency = nullptr;  // optional: without it Idempotency-Key is ignored
  Receipts* receipts = nullptr;             // optional: forwarded entries for GET /claims/{key}
  // Tests only: called at each stage of a request ("accept", "header", "route", "body",
  // "pipeline" (on a worker thread for bodies over 64 KiB, else on the io thread), "spool_done"
  // (inside a completion handler), "answer");
  // a throw there must cost one request, never a slot or the server.
  std::function<void(std::string_view stage)> fault;
};

class Server {
 public:
  Server(ServerConfig config, ServerParts parts);
  ~Server();
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  // Binds, listens and starts the io threads; SIGTERM/SIGINT start a graceful shutdown.
  // Returns an error message (empty on success).
  [[nodiscard]] std::string start();
  [[nodiscard]] std::uint16_t port() const;
  // Blocks until shut down: stop accepting, let in-flight requests finish (at most
  // limits.shutdown_grace_ms), close idle connections, join the threads.
  void wait();
  void request_stop();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace cg::engine
