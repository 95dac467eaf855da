// Idempotent submission: the answer to a POST that carried "Idempotency-Key: K" is kept (for
// idempotency.ttl_s) so that a retry with the same key, from the same sender, to the same
// endpoint and with the same body gets the original answer back instead of the claims being
// accepted a second time. The same key with a different body is 422; while the first request
// is still being processed, 409.
//
// Durability: <dir>/answers.log, an append-only file of records written with one write(2) and
// fdatasync'ed before the answer goes out; compacted (expired records dropped) at open. Only the
// index (scope -> file offset) is held in memory. A crash between the spool's fsync and this
// one loses the stored answer of that one request (its retry would be accepted again).
//
// Thread safety: every member may be called from any thread.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <utility>
#include <vector>

namespace cg::engine {

class IdempotencyStore {
 public:
  struct Answer {
    int status = 0;
    std::string content_type;
    std::vector<std::pair<std::string, std::string>> headers;
    std::string body;
    std::string request_digest;  // SHA-256 (hex) of the request body
  };
  enum class State { New, Done, InFlight };

  static std::unique_ptr<IdempotencyStore> open(const std::string& dir, std::uint32_t ttl_s, std::string& error);
  ~IdempotencyStore();
  IdempotencyStore(const IdempotencyStore&) = delete;
  IdempotencyStore& operator=(const IdempotencyStore&) = delete;

  // New: the caller owns the scope until finish() or abandon(). Done: `stored` holds the answer.
  [[nodiscard]] State begin(const std::string& scope, Answer& stored);
  // Stores the answer durably and releases the scope. False when it could not be written.
  bool finish(const std::string& scope, const Answer& answer);
  void abandon(const std::string& scope);
  [[nodiscard]] std::size_t size() const;

  // A valid key: 1-255 visible ASCII characters.
  [[nodiscard]] static bool valid_key(std::string_view key);

 private:
  IdempotencyStore() = default;
  struct Slot {
    std::uint64_t offset = 0;
    std::uint64_t length = 0;
    std::int64_t expires = 0;
  };
  bool read_record(const Slot& slot, std::string& scope, Answer& out) const;

  int fd_ = -1;
  std::uint32_t ttl_s_ = 0;
  std::uint64_t end_ = 0;
  mutable std::mutex mutex_;
  std::map<std::string, Slot> index_;
  std::set<std::string> in_flight_;
};

}  // namespace cg::engine
