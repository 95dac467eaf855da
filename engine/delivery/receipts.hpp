// Delivery receipts: what became of the spool entries that left the spool, so that
// GET /claims/{key} can still answer "forwarded (when, where)" after the journal segment holding
// the entry is gone. One JSON line per entry forwarded, appended to <dir>/receipts.log:
//   {"key","state":"forwarded","at_ms","target","payer_id","sender"}
// Each receipt is written and fdatasync'd before the forwarder writes the entry's done record
// to the spool (Forwarder::settle calls forwarded() first), so after a crash an entry forwarded
// is still pending in the spool (and is forwarded again under its key) or has its receipt: a
// status lookup never answers "unknown" for a claim the payer has. One fdatasync per batch of
// entries forwarded together (an outbox batch file: one fdatasync, not one per entry, since
// every fdatasync on the file system delays the spool's group commits), on the forwarder's
// thread (not a request's). Bounded: once receipts.log holds `keep` lines it becomes receipts.log.1 (the
// older generation is dropped), so at most 2 x keep receipts are kept on disk and in memory.
// Dead-lettered entries are answered from the dead-letter folder itself.
//
// Thread safety: every member may be called from any thread.
#pragma once

#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

namespace cg::engine {

struct Receipt {
  std::string key, target, payer_id, sender;
  std::uint64_t at_ms = 0;  // unix time it was forwarded
};

class Receipts {
 public:
  // Opens (creating the directory) and loads both generations. Returns nullptr and sets `error`
  // when the directory or the file cannot be used.
  [[nodiscard]] static std::unique_ptr<Receipts> open(const std::string& dir, std::size_t keep, std::string& error);
  ~Receipts();
  Receipts(const Receipts&) = delete;
  Receipts& operator=(const Receipts&) = delete;

  // Written and fdatasync'd (all of them at once) before it returns.
  void forwarded(std::vector<Receipt> rs);
  [[nodiscard]] std::optional<Receipt> find(const std::string& key) const;

 private:
  Receipts(std::string dir, std::size_t keep) : dir_(std::move(dir)), keep_(keep) {}
  [[nodiscard]] bool open_current(std::string& error);

  std::string dir_;
  std::size_t keep_;
  mutable std::mutex mutex_;
  int fd_ = -1;
  std::unordered_map<std::string, Receipt> current_, previous_;
};

}  // namespace cg::engine
