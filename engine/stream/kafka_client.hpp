// The worker's Kafka side on librdkafka: a consumer in the group (cooperative-sticky,
// read_committed, no auto commit, no offset store) and a transactional producer
// (transactional.id = "<transactional_id_prefix>-<instance_id>", acks=all, idempotent) whose
// transactions carry the consumed offsets (KIP-447: with the consumer's group metadata, so a
// member fenced by a rebalance cannot commit). Pass-through properties (stream.librdkafka) go
// to both clients.
//
// Thread safety: one thread drives the Client interface; lag() and close() from that thread.
#pragma once

#include "engine/config.hpp"
#include "engine/stream/worker.hpp"

#include <memory>

namespace cg::engine::stream {

class KafkaClient final : public Client {
 public:
  // Creates both clients, initialises the transactions (fencing an older producer with the
  // same transactional id) and subscribes. Throws ConfigError when a pass-through property is
  // refused (naming it), std::runtime_error when the cluster cannot be reached in time.
  KafkaClient(const StreamConfig& config, const std::string& instance_id, StreamMetrics& metrics);
  ~KafkaClient() override;
  KafkaClient(const KafkaClient&) = delete;
  KafkaClient& operator=(const KafkaClient&) = delete;

  std::optional<InRecord> poll(std::chrono::milliseconds wait) override;
  std::vector<TopicPartition> take_revoked() override;
  Status begin() override;
  Status produce(const OutRecord& r) override;
  Status send_offsets(const std::map<TopicPartition, std::int64_t>& next) override;
  Status commit() override;
  Status abort() override;
  void rewind(const std::map<TopicPartition, std::int64_t>& first) override;

  // Refreshes the consumer-lag gauge of the metrics (high watermark - committed offset).
  void update_lag();
  // Leaves the group (revoking every partition) and flushes the producer. Idempotent.
  void close();

  struct Impl;

 private:
  std::unique_ptr<Impl> impl_;
};

}  // namespace cg::engine::stream
