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

namespace detail {
const std::uint64_t* const guide_code_keys = generated::kCodeKeys;
}  // namespace detail

std::span<const ElementRule> guide_rules(TransactionType type) { return tables(type).rules; }

PlaceIndex::PlaceIndex(TransactionType type) {
  const Tables t = tables(type);
  std::size_t size = 64;
  while (size < 2 * t.entries.size()) size *= 2;
  mask_ = size - 1;
  loops_ = t.loops.size();
  keys_.assign(size, kEmpty);
  first_.assign(size, kNoPlace);
  next_.assign(t.entries.size(), kNoPlace);
  child_.assign(loops_ * loops_, kNoPlace);
  places_at_.push_back(0);
  children_at_.push_back(0);
  for (std::size_t li = 0; li < loops_; ++li) {
    const LoopRule& l = t.loops[li];
    // Backwards, so that each chain starts at the loop's first place of the id.
    for (std::size_t i = l.entries_begin + l.entries_count; i-- > l.entries_begin;) {
      const std::uint64_t key = (std::uint64_t{li} << 32) | t.entries[i].rules.segment;
      std::size_t k = slot(key);
      while (keys_[k] != kEmpty && keys_[k] != key) k = (k + 1) & mask_;
      keys_[k] = key;
      next_[i] = first_[k];
      first_[k] = static_cast<std::uint16_t>(i);
    }
    for (std::size_t i = l.entries_begin + 1; i < std::size_t{l.entries_begin} + l.entries_count; ++i)
      if (t.entries[i].usage == 'R' && !t.entries[i].walker_checked)
        required_places_.push_back(static_cast<std::uint16_t>(i));
    places_at_.push_back(required_places_.size());
    for (std::size_t c = l.children_begin; c < std::size_t{l.children_begin} + l.children_count; ++c) {
      const LoopChild& ch = t.children[c];
      if (child_[li * loops_ + ch.loop] == kNoPlace) child_[li * loops_ + ch.loop] = static_cast<std::uint16_t>(c);
      if (ch.usage == 'R' && !ch.walker_checked) required_children_.push_back(static_cast<std::uint16_t>(c));
    }
    children_at_.push_back(required_children_.size());
  }
  tail_required_.assign(t.rules.size(), 0);
  const auto tails = [&](const SegmentRule& seg) {
    bool required = false;
    for (std::size_t k = std::size_t{seg.rules_begin} + seg.rules_count; k-- > seg.rules_begin;) {
      const ElementRule& r = t.rules[k];
      if (r.component == 0) {
        required = false;
        continue;
      }
      required = required || r.usage == 'R';
      tail_required_[k] = required;
    }
  };
  for (const SegmentEntry& e : t.entries) entry_checks_.push_back(compile(e.rules, t.rules)), tails(e.rules);
  for (const SegmentRule& seg : t.segments) segment_checks_.push_back(compile(seg, t.rules)), tails(seg);
}

PlaceCheck PlaceIndex::compile(const SegmentRule& seg, std::span<const ElementRule> all) {
  PlaceCheck c;
  if (seg.max_elements >= 63) return c;
  const auto rules = all.subspan(seg.rules_begin, seg.rules_count);
  for (std::size_t i = 0; i < rules.size(); ++i) {
    const ElementRule& r = rules[i];
    if (r.component != 0) continue;
    if (r.element >= 64 || i > 255) return c;
    const std::uint64_t bit = std::uint64_t{1} << r.element;
    (r.usage == 'R' ? c.required : r.usage == 'N' ? c.unused : c.valued) |= bit;
    if (r.key) c.keys |= bit;
    c.rule[r.element] = static_cast<std::uint8_t>(i);
  }
  c.beyond = ~std::uint64_t{0} << (seg.max_elements + 1);
  c.syntax_begin = static_cast<std::uint16_t>(syntax_masks_.size());
  for (const SyntaxNote& n : guide_syntax().subspan(seg.syntax_begin, seg.syntax_count)) {
    SyntaxMask m{n.type, 0, n.count > 0 ? std::uint64_t{1} << n.elements[0] : 0};
    for (std::uint8_t k = 0; k < n.count; ++k) {
      if (n.elements[k] >= 64) return PlaceCheck{};
      m.all |= std::uint64_t{1} << n.elements[k];
    }
    syntax_masks_.push_back(m);
  }
  c.syntax_count = static_cast<std::uint8_t>(seg.syntax_count);
  c.usable = true;
  return c;
}

const PlaceIndex& guide_place_index(TransactionType type) {
  static const PlaceIndex professional(TransactionType::Professional);
  static const PlaceIndex institutional(TransactionType::Institutional);
  static const PlaceIndex dental(TransactionType::Dental);
  static const PlaceIndex none(TransactionType::Unknown);
  switch (type) {
    case TransactionType::Professional: return professional;
    case TransactionType::Institutional: return institutional;
    case TransactionType::Dental: return dental;
    default: return none;
  }
}

std::span<const std::string_view> guide_codes() { return generated::kCodes; }
std::span<const SyntaxNote> guide_syntax() { return generated::kSyntax; }
std::span<const SegmentRule> guide_segments(TransactionType type) { return tables(type).segments; }
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
    const std::uint64_t k = detail::pack_code(value);
    if (keys.size() == 1) return keys[0] == k;  // most qualifiers: one code
    return std::binary_search(keys.begin(), keys.end(), k);
  }
  const auto codes = guide_codes().subspan(rule.codes_begin, rule.codes_count);
  return std::find(codes.begin(), codes.end(), value) != codes.end();
}

}  // namespace cg::x12
