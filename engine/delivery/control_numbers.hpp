// X12 interchange control numbers (ISA13, and the GS06 derived from it) for what claimgate
// writes: the TA1/999 and 277CA for senders, the re-enveloped 837s for payers. Payers reject
// an interchange whose control number they have already seen from the same sender (TA1 025),
// so numbers are unique per sender identity (ISA05 qualifier + ISA06 id) and never reused,
// across runs and after a crash.
//
// Durability: the state is one small file per sender identity in a directory (the server's
// <data_dir>/control-numbers, the CLI's state directory). A number is handed out only after a
// reservation covering it is on disk (write, fsync, rename, fsync of the directory); a crash
// loses at most the rest of one reservation (a gap, never a repeat). close() writes back the
// exact next number, so runs that end cleanly leave no gaps. Several processes may share a
// directory: reservations are taken under an exclusive lock on the identity's file.
//
// Numbers run 1..999999999 (ISA13 is 9 digits) and then start again at 1; or, for processes on
// several hosts sending under one identity (the Kafka workers, docs/scale-out.md), within a range
// [first, last] configured per process, disjoint from the others': its state is a file of its
// own ("<identity>+<first>+<last>"), and numbers wrap from last to first.
//
// Identities are bounded: the 999 and TA1 are written under the identity the submitter's ISA08
// named, so a hostile sender could otherwise make a state file (and a lock file) per interchange.
// Once the directory holds kMaxIdentities state files, an identity without a file of its own
// draws from one shared pool ("+pool"); its numbers are still never repeated, since it never had
// a file of its own.
//
// Thread safety: next() may be called from any number of threads at once.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <stdexcept>
#include <string>
#include <string_view>

namespace cg::engine {

class ControlNumberError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

class ControlNumbers {
 public:
  static constexpr std::uint64_t kMax = 999'999'999;
  static constexpr std::size_t kMaxIdentities = 1024;

  // Durable: state in `dir` (created), `block` numbers reserved per write to disk (1 for
  // exactness, more for a busy server). Throws ControlNumberError when dir is unusable.
  // [first, last]: the range this process draws from (1 <= first <= last <= kMax; throws
  // ControlNumberError otherwise).
  static std::shared_ptr<ControlNumbers> durable(const std::string& dir, std::uint64_t block = 1,
                                                 std::uint64_t first = 1, std::uint64_t last = kMax);
  // Not persisted: start, start+1, ... for every identity (`--control-start N`).
  static std::shared_ptr<ControlNumbers> counting_from(std::uint64_t start);

  ~ControlNumbers();
  ControlNumbers(const ControlNumbers&) = delete;
  ControlNumbers& operator=(const ControlNumbers&) = delete;

  // The next ISA13 for the sender identity. Throws ControlNumberError when the reservation
  // cannot be made durable (then nothing must be written with a number).
  [[nodiscard]] std::uint64_t next(std::string_view qualifier, std::string_view id);
  // Writes back the exact next number of every identity used (also done by the destructor;
  // errors are ignored there).
  void close();
  // The state file of an identity (for tests and messages).
  [[nodiscard]] std::string state_file(std::string_view qualifier, std::string_view id) const;

 private:
  ControlNumbers(std::string dir, std::uint64_t block, std::uint64_t start, std::uint64_t first, std::uint64_t last);
  [[nodiscard]] std::uint64_t advance(std::uint64_t n, std::uint64_t k) const;
  [[nodiscard]] std::uint64_t read_state(const std::string& path) const;
  struct Identity {
    std::uint64_t next = 0;      // the number next() hands out
    std::uint64_t reserved = 0;  // numbers before this one are reserved on disk (mod wrap)
    std::uint64_t remaining = 0; // numbers left in the reservation
  };
  void reserve(const std::string& key, Identity& id);
  // The state file next() uses for `path`: itself, or the shared pool once the directory is full.
  [[nodiscard]] std::string bounded(std::string path);

  std::string dir_;  // empty: not persisted
  std::uint64_t block_;
  std::uint64_t start_;
  std::uint64_t first_, last_;  // the range numbers are drawn from
  std::mutex mutex_;
  std::map<std::string, Identity> ids_;
  bool full_ = false;  // the directory held kMaxIdentities state files (it never holds fewer again)
};

}  // namespace cg::engine
