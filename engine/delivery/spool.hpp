// The durable spool: an append-only journal of accepted forward items, so that a claim the
// sender was told "accepted" survives a crash (kill -9, power loss after the fsync) and is
// forwarded after a restart.
//
// Layout: <dir>/journal-<first seq, 20 digits>.log segments of records
//   [u32 magic "CGJ1"][u8 type][3 pad][u32 payload length][u32 crc32][u64 seq][payload]
// type 1 = entry (payload: key, payer id, content type, sender, time, claim ids, body),
// 2 = done (forwarded), 3 = dead (moved to the dead-letter folder), 4 = void (an append whose
// write failed: refused, never to be forwarded), 5 = attempt (u32: failed attempts so far). <dir>/instance holds the
// random id that prefixes every idempotency key; <dir>/LOCK is held (flock) while open.
// Recovery reads every segment, drops a torn tail (bad crc or short record) and rebuilds the
// set of pending entries; a segment is deleted once it and every older one hold no pending
// entry.
//
// Group commit: append() queues the records and returns at once; a writer thread writes
// everything queued in one write(2) and one fdatasync(2), then calls each callback. Requests
// arriving together share the fsync. Done/dead records ride along without an fsync of their
// own: losing one re-forwards an entry under the same idempotency key, never loses one.
//
// Disk full / I/O errors: a failed write or fsync answers its appends "not accepted", cuts what
// reached the file off again (ftruncate) and queues void records for them; appends are then
// refused at once while the writer retries every SpoolOptions::retry_interval in a fresh
// segment. Records written during the outage (done/dead/attempt) are kept in memory until they
// can be written: none is dropped. The first successful write + fsync makes it healthy again.
//
// Thread safety: every member may be called from any thread. Callbacks run on the writer
// thread and must not block.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <thread>
#include <unordered_map>
#include <vector>

namespace cg::engine {

struct SpoolItem {
  std::string key;  // idempotency key; empty: "<instance>-<seq>" is assigned
  std::string payer_id;
  std::string content_type;
  std::string sender;
  std::vector<std::string> claim_ids;
  std::string body;
};

struct SpoolEntry {
  std::uint64_t seq = 0;
  std::uint64_t accepted_ms = 0;  // unix time of the append
  std::uint32_t attempts = 0;     // failed attempts so far (journaled: they survive a restart)
  SpoolItem item;
};

struct SpoolOptions {
  std::string dir;
  std::uint64_t segment_bytes = 64ull << 20;
  std::uint64_t max_pending_bytes = 1ull << 30;  // over_limit() beyond
  bool fsync = true;                             // false only for benchmarks of the HTTP path
  // After a failed write (disk full, I/O error) appends are refused; the writer tries again
  // this often, in a fresh segment, and the spool is healthy again once a write and its fsync
  // succeed.
  std::chrono::milliseconds retry_interval{1000};
};

// A pending entry as find() reports it (the body is not read).
struct SpoolPending {
  std::uint64_t seq = 0;
  std::uint64_t accepted_ms = 0;
  std::uint32_t attempts = 0;
  bool in_flight = false;
  std::string payer_id, sender;
};

struct SpoolStats {
  std::uint64_t pending_entries = 0, pending_bytes = 0, in_flight = 0;
  std::uint64_t appended = 0, fsyncs = 0, segments = 0;
  std::uint64_t fsync_ns = 0;  // time spent in the group commits' fdatasync (the disk's latency)
  bool healthy = true;
  std::uint64_t write_failures = 0;          // failed journal writes or fsyncs
  std::uint64_t unwritten_record_bytes = 0;  // done/dead/void/attempt records waiting for the disk
  std::uint64_t retrying = 0;                // pending entries with at least one failed attempt
  std::uint64_t oldest_retrying_ms = 0;      // unix ms an entry among those was accepted; 0: none
};

class Spool {
 public:
  using AppendCallback = std::function<void(bool ok, const std::vector<std::string>& keys)>;

  // Opens (creating the directory) and recovers. Returns nullptr and sets `error` when the
  // directory cannot be used or another process holds it.
  [[nodiscard]] static std::unique_ptr<Spool> open(const SpoolOptions& options, std::string& error);
  ~Spool();  // close(): writes what is queued, fsyncs, stops the writer
  Spool(const Spool&) = delete;
  Spool& operator=(const Spool&) = delete;

  // Queues the items; `done(true, keys)` runs once they are on disk (fsynced), `done(false, {})`
  // when the journal cannot be written (they will then never be forwarded; later appends are
  // refused until the writer's retry succeeds).
  void append(std::vector<SpoolItem> items, AppendCallback done);
  // Blocking convenience (tests, dead-letter replay). Returns the keys, empty on failure.
  [[nodiscard]] std::vector<std::string> append_wait(std::vector<SpoolItem> items);

  [[nodiscard]] bool over_limit() const;
  [[nodiscard]] SpoolStats stats() const;
  [[nodiscard]] const std::string& instance() const { return instance_; }
  // The pending entry with this key (the last appended, when a key was appended twice), or
  // nothing when no pending entry has it (forwarded, dead-lettered, never accepted).
  [[nodiscard]] std::optional<SpoolPending> find(const std::string& key) const;

  // Forwarder side. take() waits up to `wait` for an entry that is due and not in flight and
  // returns it (read back from the journal), marked in flight.
  [[nodiscard]] std::optional<SpoolEntry> take(std::chrono::milliseconds wait);
  void done(std::uint64_t seq);                   // forwarded: leaves the spool
  void dead(std::uint64_t seq);                   // dead-lettered: leaves the spool
  // Back to the queue, due at `when`; count_attempt: a failed attempt (false: not tried, e.g.
  // circuit open).
  void retry_at(std::uint64_t seq, std::chrono::steady_clock::time_point when, bool count_attempt);
  // Wakes every take() (shutdown).
  void wake_all();

  void close();

 private:
  struct Loc {
    std::uint64_t segment = 0;  // first seq of the segment file
    std::uint64_t offset = 0;   // of the payload
    std::uint32_t length = 0;   // payload bytes
    std::uint32_t attempts = 0;
    bool in_flight = false;
    std::chrono::steady_clock::time_point due{};
    std::uint64_t accepted_ms = 0;
    std::string key;
  };
  struct Segment {
    int fd = -1;
    std::uint64_t live = 0;  // pending entries in it
    std::uint64_t size = 0;
  };
  struct Batch {
    std::string bytes;
    std::vector<std::pair<std::uint64_t, std::uint32_t>> entries;  // seq, payload length
    std::vector<std::uint64_t> payload_offsets;                       // within bytes
    std::vector<std::string> keys;
    AppendCallback done;
  };

  explicit Spool(SpoolOptions options);
  [[nodiscard]] std::string recover();
  [[nodiscard]] bool open_segment(std::uint64_t first_seq, std::string& error);
  void writer_loop();
  void drop_drained_segments_locked();
  [[nodiscard]] bool reopen_locked();
  void mark_gone(std::uint64_t seq, std::uint8_t type);
  void forget_key_locked(const std::string& key, std::uint64_t seq);
  [[nodiscard]] std::string segment_path(std::uint64_t first) const;

  SpoolOptions options_;
  std::string instance_;
  int lock_fd_ = -1;

  mutable std::mutex mutex_;
  std::condition_variable ready_cv_;   // take()
  std::condition_variable writer_cv_;  // writer thread
  std::map<std::uint64_t, Loc> index_;               // pending entries
  std::unordered_map<std::string, std::uint64_t> by_key_;  // pending entries by key
  std::set<std::pair<std::int64_t, std::uint64_t>> ready_;  // (due ns, seq), not in flight
  std::map<std::uint64_t, Segment> segments_;        // by first seq; last = active
  std::uint64_t next_seq_ = 1;
  std::uint64_t pending_bytes_ = 0;
  std::uint64_t in_flight_ = 0;
  std::uint64_t appended_ = 0, fsyncs_ = 0, fsync_ns_ = 0;
  bool healthy_ = true;
  std::uint64_t write_failures_ = 0;
  std::chrono::steady_clock::time_point retry_at_{};
  bool stopping_ = false;
  bool takers_stopped_ = false;
  bool closed_ = false;
  std::vector<Batch> queue_;
  std::string gone_records_;  // done/dead/void/attempt records waiting for the writer
  std::thread writer_;
};

}  // namespace cg::engine
