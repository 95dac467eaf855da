// What became of a spool entry, by its key (GET /claims/{key} and the FHIR read
// GET /fhir/ClaimResponse/{key}): queued (still in the spool: since when, attempts so far),
// forwarded (when, to which target: the delivery receipts) or dead-lettered (when, why: the
// dead-letter folder). The key is what the answer named: X-Claimgate-Entry-Keys, the
// ClaimResponse's id and identifier, the X12 JSON report's entry_key.
//
// Thread safety: the functions are reentrant; Spool and Receipts are thread-safe.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace cg::engine {

class Spool;
class Receipts;

struct EntryStatus {
  enum class State { Unknown, Queued, Forwarded, DeadLettered };
  State state = State::Unknown;
  std::string key, payer_id, sender, target, reason;
  std::uint64_t accepted_ms = 0;  // 0: not known (forwarded entries)
  std::uint64_t at_ms = 0;        // forwarded or dead-lettered at
  std::uint32_t attempts = 0;     // failed attempts so far
  bool in_flight = false;         // queued: being sent now
};

// Looks in the spool first (a replayed dead letter is queued again), then the dead-letter
// folder, then the receipts (may be null). Unknown when none has the key.
[[nodiscard]] EntryStatus find_entry_status(const Spool& spool, const Receipts* receipts,
                                            const std::string& dead_letter_dir, const std::string& key);

[[nodiscard]] std::string_view to_string(EntryStatus::State s) noexcept;

// {"key","state","payer_id","sender","accepted_at","attempts","in_flight" (queued),
//  "forwarded_at","target" (forwarded), "dead_lettered_at","target","reason" (dead-lettered)};
// times ISO 8601 UTC; fields not known are left out.
[[nodiscard]] std::string entry_status_json(const EntryStatus& s);

// The same as a FHIR R4 ClaimResponse (transforms::entry_status_response_json); now: its created.
[[nodiscard]] std::string entry_status_claim_response(const EntryStatus& s, std::string_view now);

}  // namespace cg::engine
