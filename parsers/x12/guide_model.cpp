#include "parsers/x12/guide_model.hpp"

#include <algorithm>
#include <iterator>

namespace cg::x12 {
namespace generated {
#include "x12_guide_tables.inc"

static_assert(std::size(kProfessionalLoopsData) <= kMaxGuideLoops &&
              std::size(kInstitutionalLoopsData) <= kMaxGuideLoops && std::size(kDentalLoopsData) <= kMaxGuideLoops);
static_assert(std::size(kProfessionalEntriesData) <= kMaxGuideEntries &&
              std::size(kInstitutionalEntriesData) <= kMaxGuideEntries &&
              std::size(kDentalEntriesData) <= kMaxGuideEntries);
}  // namespace generated

namespace {

struct Tables {
  std::span<const SegmentRule> segments;
  std::span<const ElementRule> rules;
  std::span<const SegmentEntry> entries;
  std::span<const LoopRule> loops;
  std::span<const LoopChild> children;
  std::span<const std::uint16_t> keys;
};

Tables tables(TransactionType type) {
  using namespace generated;
  switch (type) {
    case TransactionType::Professional:
      return {kProfessionalSegments, kProfessionalRules, kProfessionalEntries, kProfessionalLoops,
              kProfessionalChildren, kProfessionalKeys};
    case TransactionType::Institutional:
      return {kInstitutionalSegments, kInstitutionalRules, kInstitutionalEntries, kInstitutionalLoops,
              kInstitutionalChildren, kInstitutionalKeys};
    case TransactionType::Dental:
      return {kDentalSegments, kDentalRules, kDentalEntries, kDentalLoops, kDentalChildren, kDentalKeys};
    default: return {};
  }
}

}  // namespace

std::span<const ElementRule> guide_rules(TransactionType type) { return tables(type).rules; }

std::span<const std::string_view> guide_codes() { return generated::kCodes; }
std::span<const SyntaxNote> guide_syntax() { return generated::kSyntax; }
std::span<const LoopRule> guide_loops(TransactionType type) { return tables(type).loops; }
std::span<const SegmentEntry> guide_entries(TransactionType type) { return tables(type).entries; }
std::span<const LoopChild> guide_children(TransactionType type) { return tables(type).children; }
std::span<const std::uint16_t> guide_keys(TransactionType type) { return tables(type).keys; }

const SegmentRule* guide_segment(TransactionType type, std::uint32_t segment) {
  const auto segs = tables(type).segments;
  const auto it = std::lower_bound(segs.begin(), segs.end(), segment,
                                   [](const SegmentRule& r, std::uint32_t s) { return r.segment < s; });
  return it != segs.end() && it->segment == segment ? &*it : nullptr;
}

const ElementRule* guide_element(TransactionType type, const SegmentRule& seg, std::uint8_t element,
                                 std::uint8_t component) {
  const auto rules = tables(type).rules.subspan(seg.rules_begin, seg.rules_count);
  const auto it = std::lower_bound(rules.begin(), rules.end(), std::pair{element, component},
                                   [](const ElementRule& r, std::pair<std::uint8_t, std::uint8_t> k) {
                                     return std::pair{r.element, r.component} < k;
                                   });
  return it != rules.end() && it->element == element && it->component == component ? &*it : nullptr;
}

bool guide_code_in_list(const ElementRule& rule, std::string_view value) {
  // Each run of codes is sorted by its packed key (guide_compile.cpp): integer probes.
  const std::span<const std::uint64_t> keys =
      std::span<const std::uint64_t>(generated::kCodeKeys).subspan(rule.codes_begin, rule.codes_count);
  if (value.size() <= 8) {
    std::uint64_t k = 0;
    for (char c : value) k = (k << 8) | static_cast<unsigned char>(c);
    k <<= 8 * (8 - value.size());
    if (keys.size() == 1) return keys[0] == k;  // most qualifiers: one code
    return std::binary_search(keys.begin(), keys.end(), k);
  }
  const auto codes = guide_codes().subspan(rule.codes_begin, rule.codes_count);
  return std::find(codes.begin(), codes.end(), value) != codes.end();
}

}  // namespace cg::x12
