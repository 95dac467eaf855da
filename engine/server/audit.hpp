// The audit trail of `claimgate serve`: one JSON line per submission, refusal, failed
// authentication and admin action, appended to audit.file (O_APPEND, one write(2) per record).
//
// Tamper evidence: every record carries "seq" (1, 2, ...), "prev" (the "hash" of the record
// before it; 64 zeros for the first) and, last, "hash" = SHA-256 of the record's bytes from its
// "{" up to (not including) the ',"hash":' that ends it. Changing, removing, inserting or
// reordering a record breaks the chain; verify_audit_file() (`claimgate audit verify FILE`)
// finds the first break. A record is appended before the answer it describes is written.
//
// Never PHI: callers pass ids, counts, control numbers and spool keys; claim identifiers
// (CLM01, a patient account number) only as claim_hash() - an HMAC-SHA-256 under the audit key
// (audit.key_file, 32 random bytes made at first start, mode 0600), so equal claims can be
// correlated without the value being recoverable.
//
// Thread safety: append() may be called from any thread.
#pragma once

#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

namespace cg::engine {

// A record under construction: fields in the order given.
class AuditRecord {
 public:
  explicit AuditRecord(std::string_view event);
  AuditRecord& str(std::string_view key, std::string_view value);
  AuditRecord& num(std::string_view key, std::int64_t value);
  AuditRecord& list(std::string_view key, const std::vector<std::string>& values, std::size_t max = 100);
  [[nodiscard]] const std::string& fields() const { return fields_; }

 private:
  std::string fields_;  // ,"key":value ...
};

class AuditLog {
 public:
  // Opens (creates) the log and the key; continues the chain of an existing log (a torn last
  // line, from a crash inside a write, is cut off and recorded). nullptr + error on failure.
  static std::unique_ptr<AuditLog> open(const std::string& file, const std::string& key_file, std::string& error);
  ~AuditLog();
  AuditLog(const AuditLog&) = delete;
  AuditLog& operator=(const AuditLog&) = delete;

  // Appends seq, time, prev and hash. Returns false when the write failed (also logged).
  bool append(const AuditRecord& record);
  [[nodiscard]] std::string claim_hash(std::string_view claim_id) const;
  [[nodiscard]] std::uint64_t records() const;

 private:
  AuditLog() = default;
  int fd_ = -1;
  std::string key_;
  mutable std::mutex mutex_;
  std::uint64_t seq_ = 0;
  std::string prev_;
};

struct AuditVerification {
  bool ok = false;
  std::uint64_t records = 0;  // records checked and intact
  std::uint64_t line = 0;     // the first bad line (1-based), 0 when ok
  std::string error;
  std::string head;  // the hash of the last intact record
};
[[nodiscard]] AuditVerification verify_audit_file(const std::string& file);

}  // namespace cg::engine
