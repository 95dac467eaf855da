// What claimgate sends on after validation, for X12 input:
// - the re-enveloped 837 for the payer: the accepted claims only, each claim's own segments
//   byte for byte as received (billing provider, subscriber and patient loops with them), HL
//   ids renumbered with parents kept, fresh control numbers and correct counts;
// - the 277CA (005010X214) for the sender: per accepted transaction set, the information
//   source / receiver / billing provider / patient hierarchy, TRN with each claim's CLM01, STC
//   with the status category (A2 accepted into adjudication, A6/A7/A8 rejected) and the claim
//   status code fitting the finding, line-level STCs where the finding is on a line, and the
//   accepted/rejected counts and amounts.
// Claims must have been read with X12ReadOptions::capture_raw.
#pragma once

#include "rulesets/core/claim.hpp"
#include "rulesets/core/rule.hpp"
#include "transforms/x12_ack.hpp"

#include <functional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace cg::transforms {

struct X12Party {
  std::string qualifier = "ZZ";  // ISA05/ISA07
  std::string id;                // ISA06/ISA08, NM109
  std::string name;              // NM103 where a name is written
  std::string application_id;    // GS02/GS03; empty: id
  [[nodiscard]] const std::string& gs_id() const { return application_id.empty() ? id : application_id; }
};

struct ClaimOutcome {
  rules::Claim claim;
  rules::Verdict verdict;
};

// A judged claim as a report needs it: its identity and verdict, a hundred bytes instead of the
// whole Claim. Validation streams hand these over; the claim itself is destroyed on the thread
// that built and judged it, so only this crosses threads (transforms/x12_parallel.hpp).
struct ClaimVerdict {
  std::string id;  // Claim::id
  rules::Format format = rules::Format::X12_837P;
  std::uint32_t set_index = 0;  // Claim::x12.set_index (X12)
  rules::Verdict verdict;

  [[nodiscard]] static ClaimVerdict of(rules::Claim&& c, rules::Verdict&& v) {
    return ClaimVerdict{std::move(c.id), c.format, c.x12.set_index, std::move(v)};
  }
};

// One interchange holding the given claims (in order), one functional group per guide and one
// transaction set per transaction set they came from. Empty when claims is empty. Claims that
// came with different delimiters or usage indicators (ISA15 P/T) are written in separate
// interchanges (delimiters are kept so that each claim's segments stay byte for byte; a test
// interchange stays a test interchange). stamp.control advances by one per
// interchange written.
[[nodiscard]] std::string render_split_837(const std::vector<const rules::Claim*>& claims,
                                           const X12Party& sender, const X12Party& receiver,
                                           X12Stamp& stamp);

// The same, written as the claims arrive (render_split_837 is add(all) + finish()): add() the
// accepted claims in input order, whole transaction sets at a time (a set split over two calls
// becomes two sets); each set is handed to `sink` once its claims are added, envelopes open when
// needed and close at the next change of delimiters / usage / guide or at finish(). Memory:
// the claims of one add() call. stamp must outlive the writer.
class Split837Writer {
 public:
  using Sink = std::function<void(std::string_view)>;
  Split837Writer(X12Party sender, X12Party receiver, X12Stamp& stamp, Sink sink);
  void add(std::span<const rules::Claim* const> claims);
  void finish();

 private:
  void close_group();
  void close_interchange();
  X12Party sender_, receiver_;
  X12Stamp& stamp_;
  Sink sink_;
  bool interchange_open_ = false, group_open_ = false;
  char el_ = '*', comp_ = ':', term_ = '~';
  std::string usage_, guide_;
  std::uint64_t control_ = 0;
  std::size_t groups_ = 0, sets_ = 0;
};

// The 277CA for the claims of the transaction sets the 999 accepted (others are skipped: the
// 999 already rejected them). Empty when there is none. stamp.control advances.
[[nodiscard]] std::string render_277ca(const std::vector<const ClaimOutcome*>& outcomes,
                                       const AckCollector& acks, const X12Party& source,
                                       X12Stamp& stamp);

// The same, written as transaction sets complete (render_277ca is add_set per set + finish()):
// add_set() takes the outcomes of one received transaction set (skipped unless the 999
// accepted it: call it after the reader has seen the set's SE); the interchange opens with the
// first accepted set and closes at finish() (nothing at all when no set was accepted). Memory:
// one set's outcomes. acks and stamp must outlive the writer.
class Ack277Writer {
 public:
  using Sink = std::function<void(std::string_view)>;
  Ack277Writer(const AckCollector& acks, X12Party source, X12Stamp& stamp, Sink sink);
  void add_set(std::span<const ClaimOutcome* const> set);
  void finish();

 private:
  const AckCollector& acks_;
  X12Party source_;
  X12Stamp& stamp_;
  Sink sink_;
  bool open_ = false;
  std::uint64_t control_ = 0;
  std::string gs06_;
  std::size_t sets_ = 0;
};

// The STC01 category:code for a finding (e.g. "A7:254" principal diagnosis code invalid).
struct ClaimStatus {
  std::string category;  // A6 missing information, A7 invalid information, A8 relational error
  std::string code;      // 254 principal diagnosis code, 255 diagnosis code, 400 out of balance ...
  std::string entity;    // entity identifier code when the status code requires one (85 billing provider)
};
[[nodiscard]] ClaimStatus claim_status_for(const rules::Finding& f, const rules::Claim& claim);

}  // namespace cg::transforms
