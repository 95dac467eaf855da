// The "kafka" forward target: each spool entry becomes one record on the target's topic, keyed
// by payer id, with the headers claimgate-key (the spool entry's idempotency key),
// content-type and claimgate-sender. The producer is idempotent with acks=all; send() returns
// only once the brokers acknowledged the record (or gave up), so the forwarder marks the
// entry done only after the acknowledgement. A retried entry is produced again under the same
// claimgate-key (consumers deduplicate on it, as HTTP payers do on Idempotency-Key).
//
// Thread safety: send() from any number of forwarder threads at once.
#pragma once

#include "engine/config.hpp"
#include "engine/delivery/spool.hpp"

#include <memory>
#include <string>

namespace cg::engine {

class KafkaTarget {
 public:
  struct Result {
    bool acknowledged = false;
    bool permanent = false;  // retrying cannot help (record too large, not authorised ...)
    std::string error;
  };

  // Throws ConfigError naming "<key>.librdkafka.<property>" for a refused property.
  KafkaTarget(const TargetConfig& config, const std::string& key, std::uint32_t timeout_ms);
  ~KafkaTarget();  // flushes what is in flight (bounded by the timeout)
  KafkaTarget(const KafkaTarget&) = delete;
  KafkaTarget& operator=(const KafkaTarget&) = delete;

  [[nodiscard]] Result send(const SpoolEntry& e);

  struct State;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace cg::engine
