// The element rules of the 005010 837 guides, compiled at build time from data
// (parsers/x12/guide/data: pyx12's BSD-licensed maps for X222A1 and X223A2 with the X12
// data-element dictionary and external code lists; see PROVENANCE.md there) by
// parsers/x12/tools/guide_compile.cpp.
//
// For each guide, segment id and element / component position: the data element number, its
// type and minimum / maximum length (dictionary), its usage over every place the guide uses
// the segment (R only when required everywhere, N only when not used anywhere) and the union
// of its code lists (none when some place takes any value). 837D (X224A2) has no map: it gets
// the dictionary facts (number, type, lengths, element count) of the segments it shares with
// the other two, without usage or code lists.
//
// Tables are constexpr, sorted by (segment, element, component); a lookup is a binary search
// and allocates nothing. Thread safety: immutable.
#pragma once

#include "parsers/x12/reader.hpp"

#include <cstdint>
#include <span>
#include <string_view>

namespace cg::x12 {

struct ElementRule {
  std::uint32_t segment;     // seg_code of the segment id
  std::uint8_t element;      // 1-based element position
  std::uint8_t component;    // 1-based component position; 0 for the element itself
  std::uint16_t data_element;  // X12 data element number (0 for a composite)
  char type;                 // 'A' AN, 'I' ID, 'N' Nn, 'R' R, 'D' DT, 'T' TM, 'C' composite
  char usage;                // 'R', 'S' or 'N'
  std::uint16_t min_length, max_length;
  std::uint16_t codes_begin, codes_count;  // into guide_codes(); count 0: any value
};

struct SegmentRule {
  std::uint32_t segment;
  std::uint8_t max_elements;  // the highest element position any place of the guide defines
  std::uint8_t last_required;  // the highest element position with usage R (0: none)
  std::uint16_t rules_begin, rules_count;  // into guide_rules(type)
};

// The segment's rules for this guide, nullptr when the model does not know the segment.
[[nodiscard]] const SegmentRule* guide_segment(TransactionType type, std::uint32_t segment);
[[nodiscard]] std::span<const ElementRule> guide_rules(TransactionType type);
[[nodiscard]] std::span<const std::string_view> guide_codes();
// The rule of element (component 0) or component c of element e, nullptr when undefined.
[[nodiscard]] const ElementRule* guide_element(TransactionType type, const SegmentRule& seg,
                                               std::uint8_t element, std::uint8_t component);
[[nodiscard]] bool guide_code_allowed(const ElementRule& rule, std::string_view value);

}  // namespace cg::x12
