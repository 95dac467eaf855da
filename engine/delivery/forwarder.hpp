// The forwarder drains the spool to the targets: worker threads take due entries, send each
// to the target of its payer id (or the default), and mark it done, retry it later with
// capped exponential backoff and jitter, or move it to the dead-letter folder once it was
// accepted ForwardConfig::retry_for_s ago (or max_attempts failed, when set), or at once on an
// answer retrying cannot change (a 4xx other than 408/409/425/429). A 409 means the payer
// already has this idempotency key: done. Entries failing alert_after_s after acceptance are
// logged as forward.overdue.
//
// Targets: an outbox directory (one file per forwarded batch of up to kOutboxBatch entries due
// together and per content type, named by its first key: "<key>[+N].x12" = the interchanges
// one after the other, "<key>[+N].json" = a FHIR batch Bundle whose entries' fullUrl is
// "urn:claimgate:entry:<key>" (a claim converted for a FHIR target (engine/routing.hpp) adds
// its Bundle's entries instead), and "<key>[+N].keys", the manifest (append_manifest_line); each
// written to a temp name, fdatasynced, renamed (manifest last), then the directory fsynced) or
// an HTTP(S) upstream (X12 POSTed to x12_url, FHIR Claims to <fhir_url>/Claim and the batch
// Bundle of a converted claim to <fhir_url>, with
// "Idempotency-Key: <key>"; one keep-alive connection per worker; a circuit breaker per
// target: breaker_failures consecutive failures open it for breaker_open_ms, then one probe
// decides) or a Kafka topic (engine/delivery/kafka_target.hpp: done once the brokers
// acknowledged the record, acks=all).
//
// Thread safety: start()/stop() from one thread; the rest is internal.
#pragma once

#include "engine/config.hpp"
#include "engine/metrics.hpp"
#include "engine/delivery/spool.hpp"

#include <atomic>
#include <memory>
#include <random>
#include <string>
#include <thread>
#include <vector>

namespace cg::engine {

class HttpClient;
class Receipts;

class Forwarder {
 public:
  // Throws ConfigError when a kafka target's client properties are refused.
  Forwarder(const ForwardConfig& config, Spool& spool, Metrics& metrics, std::string dead_letter_dir);
  ~Forwarder();
  Forwarder(const Forwarder&) = delete;
  Forwarder& operator=(const Forwarder&) = delete;

  // One line of an outbox manifest (.keys): key TAB payer id ("-" when none) TAB claim ids
  // separated by ','; in each field every byte below 0x20, DEL, '%' and ',' is written %XX.
  static void append_manifest_line(std::string& out, const SpoolItem& item);

  // Target names in metrics order (index = position); pass to Metrics' constructor.
  [[nodiscard]] static std::vector<std::string> target_names(const ForwardConfig& config);

  // Where forwarded entries are recorded (GET /claims/{key}); optional, set before start().
  void set_receipts(Receipts* receipts) { receipts_ = receipts; }

  void start();
  // Stops taking entries; sends in flight finish (bounded by the upstream timeout). Entries
  // not forwarded stay in the spool for the next start.
  void stop();

 private:
  struct Target;
  enum class Verdict;
  struct SendResult;
  static constexpr std::size_t kOutboxBatch = 64;

  void worker();
  void send_one(SpoolEntry& e, Target& t, HttpClient& client, std::mt19937_64& rng);
  void write_outbox(Target& t, std::vector<SpoolEntry>& batch, std::mt19937_64& rng);
  // receipted: its receipt was already written with its batch's (write_outbox).
  void settle(SpoolEntry& e, Target& t, const SendResult& r, double ms, std::mt19937_64& rng, bool receipted = false);
  [[nodiscard]] Target& route(const std::string& payer_id);

  ForwardConfig config_;
  Spool& spool_;
  Metrics& metrics_;
  std::string dead_letter_dir_;
  Receipts* receipts_ = nullptr;
  std::vector<std::unique_ptr<Target>> targets_;
  std::size_t default_target_ = 0;
  std::atomic<bool> stopping_{false};
  std::vector<std::thread> threads_;
};

}  // namespace cg::engine
