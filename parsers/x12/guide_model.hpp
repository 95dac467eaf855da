// The element rules of the 005010 837 guides, compiled at build time from data
// (parsers/x12/guide/data: pyx12's BSD-licensed maps for X222A1 and X223A2, the X224A2 map
// written in their format by parsers/x12/guide/make_837d.py, the X12 data-element dictionary
// and external code lists; see PROVENANCE.md there) by parsers/x12/tools/guide_compile.cpp.
//
// For each guide, segment id and element / component position: the data element number, its
// type and minimum / maximum length (dictionary), its usage over every place the guide uses
// the segment (R only when required everywhere, N only when not used anywhere) and the union
// of its code lists (none when some place takes any value).
//
// The loop structure of each map is kept too: per loop its segments in order (position, usage,
// maximum use, and the element rules and syntax notes of that place), and its child loops
// (position, usage, repeat). The walker follows it to check order, repeats, required segments
// and which segment each loop admits, and checks each segment against the rules of its place.
//
// Tables are constexpr, sorted by (segment, element, component); a lookup is a binary search
// and allocates nothing. PlaceIndex (the places of a segment id in a loop, and every place
// compiled to bit masks: PlaceCheck) is built once per guide on first use. Thread safety:
// immutable (the index is built under a static's guard).
#pragma once

#include "parsers/x12/reader.hpp"

#include <array>
#include <cstdint>
#include <span>
#include <string_view>
#include <vector>

namespace cg::x12 {

// Upper bounds of the loop tables of one guide (static_assert in guide_model.cpp): the walker
// keeps its loop state in fixed arrays of these sizes.
inline constexpr std::size_t kMaxGuideLoops = 96;
inline constexpr std::size_t kMaxGuideEntries = 1024;

struct ElementRule {
  std::uint32_t segment;     // seg_code of the segment id
  std::uint8_t element;      // 1-based element position
  std::uint8_t component;    // 1-based component position; 0 for the element itself
  std::uint16_t data_element;  // X12 data element number (0 for a composite)
  char type;                 // 'A' AN, 'I' ID, 'N' Nn, 'R' R, 'D' DT, 'T' TM, 'C' composite
  char usage;                // 'R', 'S' or 'N'
  std::uint8_t key;          // 1: tells the places of the segment apart (a required ID with the place's own codes)
  std::uint16_t min_length, max_length;
  std::uint16_t codes_begin, codes_count;  // into guide_codes(); count 0: any value
};

struct SegmentRule {
  std::uint32_t segment;
  std::uint8_t max_elements;  // the highest element position any place of the guide defines
  std::uint8_t last_required;  // the highest element position with usage R (0: none)
  std::uint16_t rules_begin, rules_count;  // into guide_rules(type)
  std::uint16_t syntax_begin;  // into guide_syntax()
  std::uint8_t syntax_count;
};

// An X12 syntax note of a segment: P paired, R required (one at least), E exclusion (one at
// most), C conditional (the first present: all others), L list conditional (the first
// present: one other at least), over element positions.
struct SyntaxNote {
  char type;
  std::uint8_t count;
  std::uint8_t elements[6];
};

// One place of a segment in a loop (the map's <segment>): its own element rules (usage and
// code lists of that place, not merged), position in the loop, usage and maximum use.
struct SegmentEntry {
  SegmentRule rules;
  std::uint16_t pos;
  std::uint16_t max_use;  // 0: unbounded
  char usage;             // 'R' or 'S'
  bool walker_checked;    // when missing, the walker's own rule reports it (reader.cpp)
  std::uint16_t keys_begin;  // into guide_keys(type): the rules (indices into guide_rules) that are keys
  std::uint8_t keys_count;
};

// A loop as the child of another, with the usage, position and repeat of that place.
struct LoopChild {
  std::uint16_t loop;     // index into guide_loops(type)
  std::uint16_t pos;
  std::uint16_t repeat;   // 0: unbounded
  char usage;
  bool walker_checked;
};

// A loop, once per loop id. Index 0 is the transaction set (ST) itself. Its first entry is the
// segment that opens it.
struct LoopRule {
  std::string_view id;
  std::uint16_t entries_begin, entries_count;    // into guide_entries(type)
  std::uint16_t children_begin, children_count;  // into guide_children(type)
  std::int16_t parent;  // the first parent in the map (-1 for ST)
};

// The segment's rules for this guide, nullptr when the model does not know the segment.
[[nodiscard]] const SegmentRule* guide_segment(TransactionType type, std::uint32_t segment);
// Every segment's merged rules, sorted by segment code (guide_segment's table).
[[nodiscard]] std::span<const SegmentRule> guide_segments(TransactionType type);
[[nodiscard]] std::span<const ElementRule> guide_rules(TransactionType type);
[[nodiscard]] std::span<const std::string_view> guide_codes();
[[nodiscard]] std::span<const SyntaxNote> guide_syntax();
// The loop structure of the guide (empty for TransactionType::Unknown).
[[nodiscard]] std::span<const LoopRule> guide_loops(TransactionType type);
[[nodiscard]] std::span<const SegmentEntry> guide_entries(TransactionType type);
[[nodiscard]] std::span<const LoopChild> guide_children(TransactionType type);
[[nodiscard]] std::span<const std::uint16_t> guide_keys(TransactionType type);
// The rule of element (component 0) or component c of element e, nullptr when undefined.
[[nodiscard]] const ElementRule* guide_element(TransactionType type, const SegmentRule& seg,
                                               std::uint8_t element, std::uint8_t component);
[[nodiscard]] bool guide_code_in_list(const ElementRule& rule, std::string_view value);

namespace detail {
extern const std::uint64_t* const guide_code_keys;  // the generated kCodeKeys
// A code of at most 8 characters as the big-endian integer the code-list keys are sorted by:
// its bytes read by two loads that overlap (no loop over the characters).
[[nodiscard]] inline std::uint64_t pack_code(std::string_view value) {
  const auto* p = reinterpret_cast<const unsigned char*>(value.data());
  const std::size_t n = value.size();
  if (n >= 4) {
    std::uint32_t head, tail;
    __builtin_memcpy(&head, p, 4);
    __builtin_memcpy(&tail, p + n - 4, 4);
    return (std::uint64_t{__builtin_bswap32(head)} << 32) | (std::uint64_t{__builtin_bswap32(tail)} << (64 - 8 * n));
  }
  if (n == 0) return 0;
  return (std::uint64_t{p[0]} << 56) | (std::uint64_t{p[n / 2]} << (56 - 8 * (n / 2))) |
         (std::uint64_t{p[n - 1]} << (56 - 8 * (n - 1)));
}
}  // namespace detail

// Whether value is a code of the rule's list (any value when it has none). A short list (most
// qualifiers have one to a dozen codes) is a few integer compares, here without a call.
[[nodiscard, gnu::always_inline]] inline bool guide_code_allowed(const ElementRule& rule, std::string_view value) {
  if (rule.codes_count == 0) return true;
  if (rule.codes_count <= 16 && value.size() <= 8) {
    const std::uint64_t k = detail::pack_code(value);
    const std::uint64_t* keys = detail::guide_code_keys + rule.codes_begin;
    for (std::uint16_t i = 0; i < rule.codes_count; ++i)
      if (keys[i] == k) return true;
    return false;
  }
  return guide_code_in_list(rule, value);
}

// The element rules and syntax notes of one place (or of a segment's merged rules) as bit
// masks over element positions 1..63, for a first pass that decides without wording anything
// whether the segment breaks a rule: which elements are required, not used, or have a value
// rule; and per element position the index of its rule (relative to rules_begin). The walker
// reports (and words) the errors with the full rules only when that pass finds one.
struct SyntaxMask {
  char type;            // as SyntaxNote::type
  std::uint64_t all;    // the note's elements
  std::uint64_t first;  // its first element
};
struct PlaceCheck {
  std::uint64_t required = 0;  // usage R
  std::uint64_t unused = 0;    // usage N
  std::uint64_t valued = 0;    // any other defined element (a value, length or code rule)
  std::uint64_t beyond = 0;    // positions past max_elements
  std::uint64_t keys = 0;      // key elements (ElementRule::key) of the place
  std::uint16_t syntax_begin = 0;  // into PlaceIndex::syntax_masks()
  std::uint8_t syntax_count = 0;
  bool usable = false;  // false: more than 63 element positions, check with the full rules only
  std::array<std::uint8_t, 64> rule{};  // element position -> its rule index - rules_begin
};

// Look-ups the walker makes for every segment, precomputed once per guide from the tables
// above so that none walks a loop's entries or children: the places (SegmentEntry) of one
// segment id in one loop in the map's order, the child entry of a loop under a parent, and
// per loop the required places and child loops it must check when an instance closes.
// Indices are into guide_entries(type) / guide_children(type); kNoPlace ends a chain or means
// none.
inline constexpr std::uint16_t kNoPlace = 0xFFFF;
class PlaceIndex {
 public:
  // The first place of segment `code` in loop `loop`.
  [[nodiscard]] std::uint16_t first(std::size_t loop, std::uint32_t code) const {
    const std::uint64_t key = (std::uint64_t{loop} << 32) | code;
    for (std::size_t i = slot(key);; i = (i + 1) & mask_) {
      if (keys_[i] == key) return first_[i];
      if (keys_[i] == kEmpty) return kNoPlace;
    }
  }
  // The place after entry `entry` in its loop with the same segment id.
  [[nodiscard]] std::uint16_t next(std::uint16_t entry) const { return next_[entry]; }
  // The first LoopChild of `parent` whose loop is `loop` (kNoPlace: not a child of it).
  [[nodiscard]] std::uint16_t child(std::size_t parent, std::size_t loop) const {
    return child_[parent * loops_ + loop];
  }
  // The places of the loop, after its first, with usage R that the walker does not check
  // itself; and its child loops with usage R likewise. Both in the map's order.
  [[nodiscard]] std::span<const std::uint16_t> required_places(std::size_t loop) const {
    return std::span<const std::uint16_t>(required_places_).subspan(places_at_[loop], places_at_[loop + 1] - places_at_[loop]);
  }
  [[nodiscard]] std::span<const std::uint16_t> required_children(std::size_t loop) const {
    return std::span<const std::uint16_t>(required_children_)
        .subspan(children_at_[loop], children_at_[loop + 1] - children_at_[loop]);
  }

  // The compiled checks of place `entry` (an index into guide_entries) and of the merged rules
  // of segment `segment` (an index into guide_segments).
  [[nodiscard]] const PlaceCheck& entry_check(std::size_t entry) const { return entry_checks_[entry]; }
  [[nodiscard]] const PlaceCheck& segment_check(std::size_t segment) const { return segment_checks_[segment]; }
  // Per rule of guide_rules (a component): whether it or a later component of its composite
  // is required (once a value has no more components, only such a one can be wrong).
  [[nodiscard]] const std::uint8_t* tail_required() const { return tail_required_.data(); }
  [[nodiscard]] std::span<const SyntaxMask> syntax_masks(const PlaceCheck& c) const {
    return std::span<const SyntaxMask>(syntax_masks_).subspan(c.syntax_begin, c.syntax_count);
  }

  explicit PlaceIndex(TransactionType type);

 private:
  static constexpr std::uint64_t kEmpty = ~std::uint64_t{0};
  std::size_t slot(std::uint64_t key) const {
    return static_cast<std::size_t>((key * 0x9E3779B97F4A7C15ull) >> 40) & mask_;
  }
  std::size_t mask_ = 0;
  std::size_t loops_ = 0;
  std::vector<std::uint64_t> keys_;
  std::vector<std::uint16_t> first_;
  std::vector<std::uint16_t> next_;
  std::vector<std::uint16_t> child_;  // loops_ x loops_
  std::vector<std::uint16_t> required_places_, required_children_;
  std::vector<std::size_t> places_at_, children_at_;  // per loop, and one past the last
  std::vector<PlaceCheck> entry_checks_, segment_checks_;
  std::vector<SyntaxMask> syntax_masks_;
  std::vector<std::uint8_t> tail_required_;
  PlaceCheck compile(const SegmentRule& seg, std::span<const ElementRule> rules);
};
[[nodiscard]] const PlaceIndex& guide_place_index(TransactionType type);

}  // namespace cg::x12
