// The stream worker: consume -> pipeline -> produce, one Kafka transaction per batch.
//
// A batch gathers up to max_in_flight_records records / max_in_flight_bytes bytes, or what
// arrives within transaction_ms; every record goes through process_record() (the shared
// pipeline); then, in one transaction: begin, produce every output, send the consumed offsets
// (next offset per partition) to the transaction, commit. The consumed offsets are never
// committed any other way (no auto commit, no consumer commit): a record's outputs and its
// offset become visible together or not at all. When the transaction fails (an abortable
// error, a fenced generation after a rebalance, a broker that stays away) it is aborted and
// the consumer rewound to the batch's first offsets, so the same records are read and
// processed again, yielding the same outputs under the same claimgate-key (with fresh control
// numbers: those of the aborted attempt are never reused). A fatal error
// (this producer fenced by another with the same transactional id), or control numbers that
// cannot be reserved on disk, stops the worker; its uncommitted records go to the next owner.
// Records of partitions revoked while a batch gathers are dropped from it (their new owner
// reads them from the committed offset).
//
// Thread safety: run() on one thread; stop() and the metrics from any thread.
#pragma once

#include "engine/stream/record.hpp"

#include <atomic>
#include <chrono>
#include <compare>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

namespace cg::engine::stream {

struct TopicPartition {
  std::string topic;
  std::int32_t partition = 0;
  friend auto operator<=>(const TopicPartition&, const TopicPartition&) = default;
};

struct Status {
  enum class Kind { Ok, Retriable, Abortable, Fatal } kind = Kind::Ok;
  std::string message;
  [[nodiscard]] bool ok() const { return kind == Kind::Ok; }
};

// The Kafka side of the worker (KafkaClient in production; tests use a fake).
class Client {
 public:
  virtual ~Client() = default;
  // The next inbound record, waiting up to `wait`; nullopt when none arrived.
  [[nodiscard]] virtual std::optional<InRecord> poll(std::chrono::milliseconds wait) = 0;
  // Partitions revoked from this worker since the last call.
  [[nodiscard]] virtual std::vector<TopicPartition> take_revoked() = 0;
  [[nodiscard]] virtual Status begin() = 0;
  [[nodiscard]] virtual Status produce(const OutRecord& r) = 0;
  // Waits until every produced record is acknowledged, then adds the offsets to the transaction.
  [[nodiscard]] virtual Status send_offsets(const std::map<TopicPartition, std::int64_t>& next) = 0;
  [[nodiscard]] virtual Status commit() = 0;
  [[nodiscard]] virtual Status abort() = 0;
  // After an abort: the consumer reads these partitions again from these offsets.
  virtual void rewind(const std::map<TopicPartition, std::int64_t>& first) = 0;
};

class StreamMetrics {
 public:
  std::atomic<std::uint64_t> records_in{0}, records_out{0}, transactions{0}, aborts{0}, rebalances{0},
      dead_letters{0}, claims_accepted{0}, claims_rejected{0}, bytes_in{0};
  void set_lag(std::map<TopicPartition, std::int64_t> lag);
  [[nodiscard]] std::string render() const;  // Prometheus text (claimgate_stream_*)

 private:
  mutable std::mutex mutex_;
  std::map<TopicPartition, std::int64_t> lag_;
};

struct WorkerLimits {
  std::uint32_t max_records = 1000;
  std::uint64_t max_bytes = 32ull << 20;
  std::chrono::milliseconds linger{100};
  std::uint32_t commit_retries = 5;  // retriable commit errors before the batch is aborted
  RecordLimits record;
};

class Worker {
 public:
  Worker(const Pipeline& pipeline, ControlNumbers& numbers, const StreamConfig& config, Client& client,
         StreamMetrics& metrics, WorkerLimits limits);

  // Runs batches until stop(); the batch in hand is finished (committed or aborted) first.
  // `between` runs after each batch (or idle poll). Returns an empty string after stop(),
  // else the fatal error that ended it.
  [[nodiscard]] std::string run(const std::function<void()>& between = {});
  // One batch: gathers, processes and commits. Returns false on a fatal error (in `error`).
  [[nodiscard]] bool run_batch(std::string& error);
  void stop() { stopping_.store(true); }

 private:
  // Every record through process_record(), on the pipeline's WorkPool (PipelineOptions::pool)
  // and this thread; the outcomes and the control numbers drawn are those of one thread, in
  // batch order. Throws ControlNumberError.
  std::vector<RecordOutcome> process_batch(const std::vector<InRecord>& batch);
  // Returns Ok, Abortable (aborted and rewound) or Fatal.
  Status transact(const std::vector<InRecord>& batch, const std::vector<RecordOutcome>& outcomes);

  const Pipeline& pipeline_;
  ControlNumbers& numbers_;
  const StreamConfig& config_;
  Client& client_;
  StreamMetrics& metrics_;
  WorkerLimits limits_;
  std::atomic<bool> stopping_{false};
  std::uint32_t consecutive_aborts_ = 0;
};

}  // namespace cg::engine::stream
