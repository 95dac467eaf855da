// Streaming X12 837 reader: bytes in (any chunking), events out.
//
// Stage 1 finds the ISA, takes the delimiters it declares (never assumes '*', ':' or '~'),
// and cuts segments, tolerating a UTF-8 BOM, CR/LF/blanks between segments, junk between
// interchanges and several interchanges per stream. Stage 2 checks the envelopes (ISA/IEA,
// GS/GE, ST/SE control numbers and counts, guide ids), walks the 837P/I/D loop structure
// (HL hierarchy, 1000A/B, 2000A-C/2010xx, 2300, 2310x, 2320/2330x, 2400, 2410, 2420x, 2430),
// and runs the implementation-guide element checks the gateway relies on.
//
// Every problem is a SyntaxError carrying what a TA1 or a 999 needs; nothing is a string only.
// Memory is bounded by the longest segment (limit below) plus envelope context, whatever the
// input size. The reader never throws on input.
//
// Thread safety: one Reader per stream; the handler is called on the feeding thread.
#pragma once

#include "parsers/x12/delimiters.hpp"
#include "parsers/x12/segment.hpp"

#include <array>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace cg::x12 {

enum class ErrorLevel : std::uint8_t {
  Interchange,  // TA1 (TA105 note code)
  Group,        // 999 AK9 (AK905 functional group syntax error code, element 716)
  Transaction,  // 999 IK5 (IK502 transaction set syntax error code, element 718)
  Segment,      // 999 IK3 (IK304 segment syntax error code, element 620)
  Element,      // 999 IK4 (IK403 element syntax error code, element 621); IK3 code is 8
};

struct SyntaxError {
  ErrorLevel level = ErrorLevel::Segment;
  std::string code;     // the X12 code for the level above ("001", "4", "5", "8", "7" ...)
  std::string message;  // one sentence for a person: what is wrong and what was expected
  // Where (segment level and below)
  std::string segment_id;
  std::uint32_t position = 0;  // segment position in the transaction set, ST = 1
  std::string loop;            // loop id, e.g. "2300"
  std::uint16_t element = 0, component = 0, repetition = 0;
  std::uint16_t data_element = 0;  // data element reference number
  std::string bad_value;           // copy of the bad data (IK404), may be empty
  std::uint64_t byte_offset = 0;
  // Envelope context
  std::string isa13, gs01, gs06, gs08, st01, st02, st03;
  std::uint32_t set_index = 0;  // Envelope::set_index of the transaction set (0: none)
  std::string claim_id;  // CLM01 of the claim the segment belongs to (999 CTX), if any
};

// Envelope values as received (trimmed), for answers and for re-enveloping.
struct Envelope {
  std::string isa05, isa06, isa07, isa08, isa09, isa10, isa12, isa13, isa14, isa15;
  std::string gs01, gs02, gs03, gs04, gs05, gs06, gs07, gs08;
  std::string st01, st02, st03;
  Delimiters delims;
  std::uint64_t isa_offset = 0, gs_offset = 0, st_offset = 0;
  // 1-based ordinal of the current transaction set in the stream: unique even when senders
  // reuse control numbers (two sets with one ST02, two interchanges with one ISA13).
  std::uint32_t set_index = 0;
};

enum class TransactionType : std::uint8_t { Unknown, Professional, Institutional, Dental };

struct SegmentEntry;  // guide_model.hpp

// A body segment (ST..SE exclusive) with where the walker placed it.
struct BodySegment {
  const Segment& seg;
  std::uint32_t position;   // ST = 1
  std::string_view loop;    // "2300"; "" for header segments (BHT)
  int hl_level;             // 20, 22, 23 for the current HL, 0 before the first HL
  // The place of the guide model the segment matched (its loop, position, usage, maximum
  // use); nullptr when the guide has no loop model (837D) or the structure was lost.
  const SegmentEntry* place = nullptr;
};

struct TransactionResult {
  bool accepted = true;            // no error at transaction, segment or element level
  std::uint32_t segment_count = 0; // actual count ST..SE inclusive
  bool trailer_present = true;
};

struct GroupResult {
  std::string declared;  // GE01 as sent (empty when the GE is missing)
  std::uint32_t transactions_received = 0;
  std::uint32_t transactions_accepted = 0;
  bool trailer_present = true;
  bool ok = true;  // no group-level error
};

class Handler {
 public:
  virtual ~Handler() = default;
  virtual void on_interchange(const Envelope&) {}
  virtual void on_group(const Envelope&) {}
  // For every ST; TransactionType::Unknown when the set is not a supported 837 (5010
  // professional, institutional or dental guide): its body segments are then skipped.
  virtual void on_transaction(const Envelope&, TransactionType) {}
  virtual void on_segment(const BodySegment&, const Envelope&) {}
  virtual void on_transaction_end(const Envelope&, const TransactionResult&) {}
  virtual void on_group_end(const Envelope&, const GroupResult&) {}
  virtual void on_interchange_end(const Envelope&, bool /*trailer_present*/) {}
  virtual void on_error(const SyntaxError&) {}
};

struct ReaderLimits {
  std::size_t max_segment_bytes = 1u << 20;  // a segment longer than this is an error
  std::size_t max_elements = 128;            // elements in one segment
  // Accept any functional group and transaction set (999, 277, ...), checking only their
  // envelopes; by default only 837 claims (GS01 HC) are accepted and others are errors.
  bool any_transaction_set = false;
  // The element checks of the guide model (guide_model.hpp). Off only in the benchmark that
  // measures their cost side by side; the product always checks.
  bool guide_model = true;
};

class Reader {
 public:
  explicit Reader(Handler& handler, ReaderLimits limits = {});
  ~Reader();
  Reader(const Reader&) = delete;
  Reader& operator=(const Reader&) = delete;

  // Feeds the next bytes of the stream. Chunks may split anything, even the ISA.
  void feed(std::string_view chunk);
  // End of input: reports what is unterminated (segment, ST, GS, ISA) and closes it.
  void finish();

  [[nodiscard]] std::uint64_t bytes_seen() const { return stream_offset_; }
  [[nodiscard]] std::uint32_t interchanges() const { return interchanges_; }

  // Splitting a stream at transaction-set boundaries (transforms/x12_parallel.hpp): a run of
  // whole transaction sets of one functional group may be read by a second Reader and skipped
  // here, with the same events as if this Reader had read it.
  //
  // True when the reader stands inside a functional group, between two transaction sets, at a
  // segment boundary (nothing carried over, not skipping to a terminator).
  [[nodiscard]] bool between_sets() const;
  // The envelope values of the open interchange and group (and of the last ST).
  [[nodiscard]] const Envelope& envelope() const;
  // The STs read so far in the stream (the last Envelope::set_index).
  [[nodiscard]] std::uint32_t sets_read() const;
  // True when a transaction set of the open group used this ST02.
  [[nodiscard]] bool st02_used(const std::string& st02) const;
  // What a run of whole transaction sets read elsewhere leaves behind in the envelope state.
  struct SetsRead {
    std::uint64_t bytes = 0;         // ST of the first set through the terminator of the last SE
    std::vector<std::string> st02;   // as received, one per set
    std::uint32_t accepted = 0;      // sets without transaction, segment or element errors
    Envelope last;                   // the envelope at the ST of the last set
  };
  // At between_sets(): continue after such a run as if it had been read here.
  void skip_sets(const SetsRead& run);
  // On a second reader fed an ISA and a GS only: continue at stream offset `offset` (the ST of
  // the run) as the reader of the whole stream would after `sets_before` transaction sets, with
  // that ISA and GS at isa_offset and gs_offset.
  void resume_at(std::uint64_t offset, std::uint32_t sets_before, std::uint64_t isa_offset, std::uint64_t gs_offset);

 private:
  struct Walker;  // stage 2 state

  enum class Mode : std::uint8_t { SeekIsa, InInterchange };

  std::size_t scan(std::string_view buf, std::uint64_t base, bool final);
  void report_long_segment(std::uint64_t at);
  std::size_t scan_isa(std::string_view buf, std::uint64_t base, bool final);
  void segment(std::string_view raw, std::uint64_t offset, bool too_many);

  Handler& handler_;
  ReaderLimits limits_;
  Mode mode_ = Mode::SeekIsa;
  Delimiters delims_;
  std::string carry_;          // unfinished bytes from earlier chunks
  std::uint64_t carry_offset_ = 0;
  std::uint64_t stream_offset_ = 0;
  bool at_stream_start_ = true;
  bool junk_reported_ = false;
  bool skip_to_terminator_ = false;
  bool utf16_ = false;
  std::uint32_t interchanges_ = 0;
  std::vector<std::string_view> elements_;  // the current segment's elements (the first elements_count_)
  std::size_t elements_count_ = 0;
  Walker* walker_;
};

}  // namespace cg::x12
