// X12 acknowledgments of what was received: TA1 for interchange envelopes and the 999
// (005010X231A1) for every functional group: AK1, AK2 per transaction set, IK3 per segment in
// error (with CTX naming the claim, CLM01, when the segment sits in one), IK4 per element in
// error, IK5 per transaction set, AK9 per group.
//
// AckCollector listens to the reader (as the X12ClaimReader observer) and keeps only envelope
// facts and errors, so memory grows with the number of transaction sets and errors, not with
// the claims. render_999 writes one answering interchange per interchange received: the sender
// and receiver ids mirrored, the TA1 first when the envelope has a problem (or ISA14 asked for
// one), then one GS*FA with one 999 per group (none when the TA1 rejects the interchange).
#pragma once

#include "parsers/x12/reader.hpp"

#include <cstdint>
#include <functional>
#include <string_view>
#include <string>
#include <vector>

namespace cg::transforms {

// Control numbers and time of generated interchanges (injected: tests fix them, the CLI and
// the server allocate from engine/delivery/control_numbers).
struct X12Stamp {
  std::uint64_t control = 1;      // without `allocate`: ISA13 of the first interchange, +1 for each next
  std::string date = "20260101";  // CCYYMMDD
  std::string time = "0000";      // HHMM
  // The ISA13 of each interchange at the moment it is written, for its sender identity
  // (ISA05, ISA06): one call per interchange written, none for anything else.
  std::function<std::uint64_t(std::string_view qualifier, std::string_view id)> allocate;

  [[nodiscard]] std::uint64_t take(std::string_view qualifier, std::string_view id) {
    return allocate ? allocate(qualifier, id) : control++;
  }
};

class AckCollector final : public x12::Handler {
 public:
  struct Transaction {
    std::string st01, st02, st03;
    std::uint32_t set_index = 0;  // Envelope::set_index
    bool accepted = true;
    bool closed = false;
    std::vector<x12::SyntaxError> errors;  // transaction, segment and element level
    std::size_t dropped = 0;               // segment/element errors beyond kMaxErrors (still reject)
  };
  struct Group {
    std::string gs01, gs02, gs03, gs06, gs08, ge01;
    std::vector<Transaction> transactions;
    std::vector<x12::SyntaxError> errors;
    x12::GroupResult result;
    bool closed = false;
  };
  struct Interchange {
    x12::Envelope env;
    std::vector<Group> groups;
    std::vector<x12::SyntaxError> errors;
    bool trailer = true;
  };

  static constexpr std::size_t kMaxErrors = 1000;  // per transaction set, as IK3/IK4 loops

  void on_interchange(const x12::Envelope& env) override;
  void on_group(const x12::Envelope& env) override;
  void on_transaction(const x12::Envelope& env, x12::TransactionType type) override;
  void on_transaction_end(const x12::Envelope& env, const x12::TransactionResult& r) override;
  void on_group_end(const x12::Envelope& env, const x12::GroupResult& r) override;
  void on_interchange_end(const x12::Envelope& env, bool trailer) override;
  void on_error(const x12::SyntaxError& e) override;

  [[nodiscard]] const std::vector<Interchange>& interchanges() const { return interchanges_; }
  // Errors outside any interchange (junk, UTF-16, an unreadable ISA): no TA1 can name them.
  [[nodiscard]] const std::vector<x12::SyntaxError>& orphans() const { return orphans_; }
  // True when the transaction set (Envelope::set_index, X12Context::set_index) was accepted by
  // the 999 and its interchange and group were not rejected (the claims in it may go on).
  [[nodiscard]] bool transaction_accepted(std::uint32_t set_index) const;

 private:
  std::vector<Interchange> interchanges_;
  std::vector<x12::SyntaxError> orphans_;
  std::vector<x12::SyntaxError> pending_;  // transaction errors raised before its on_transaction
};

// The TA1/999 answer for everything collected: per interchange received, a TA1 interchange
// (when the envelope has a problem or ISA14 asked for one) and a 999 interchange (unless the
// TA1 rejected it). Empty when nothing was received. stamp.control advances by one per
// interchange written.
[[nodiscard]] std::string render_999(const AckCollector& acks, X12Stamp& stamp);

// A TA1 rejecting each interchange received so far (TA104 R, TA105 = note, e.g. "024" Invalid
// Interchange Content) and nothing else: the answer when the receiver refuses the whole
// transmission (the server's size and claim-count limits). Empty when no ISA was read.
[[nodiscard]] std::string render_refusal_ta1(const AckCollector& acks, X12Stamp& stamp, std::string_view note);

// The interchange-level verdict: 'A' accepted, 'R' rejected (TA1 acknowledgment code).
[[nodiscard]] char ta1_code(const AckCollector::Interchange& ic);

// A value copied into an answer (ids, control numbers, CLM01 ...), at most max bytes: without the
// answer's delimiters (* : ^ ~) and control characters (CR, LF, TAB ... would forge segments or
// lines in whatever stores the answer).
[[nodiscard]] std::string answer_value(std::string_view v, std::size_t max);

// Writes an ISA segment of the fixed 106-character layout (with its terminator '~'); the ids
// cleaned by answer_value.
[[nodiscard]] std::string make_isa(std::string_view sender_qual, std::string_view sender_id,
                                   std::string_view receiver_qual, std::string_view receiver_id,
                                   const X12Stamp& stamp, std::uint64_t control,
                                   std::string_view usage, char ack_requested = '0');

}  // namespace cg::transforms
