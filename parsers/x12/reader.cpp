#include "parsers/x12/reader.hpp"

#include "parsers/x12/guide_837.hpp"
#include "parsers/x12/guide_model.hpp"

#include <emmintrin.h>

#include <algorithm>
#include <cstring>
#include <unordered_map>
#include <unordered_set>

namespace cg::x12 {
namespace {

bool is_blank(char c) { return c == '\r' || c == '\n' || c == ' ' || c == '\t' || c == '\0'; }

std::string_view trim(std::string_view s) {
  while (!s.empty() && s.front() == ' ') s.remove_prefix(1);
  while (!s.empty() && s.back() == ' ') s.remove_suffix(1);
  return s;
}

bool all_digits(std::string_view s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
}

bool valid_segment_id(std::string_view id) {
  if (id.size() < 2 || id.size() > 3) return false;
  if (id[0] < 'A' || id[0] > 'Z') return false;
  return std::all_of(id.begin(), id.end(),
                     [](char c) { return (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9'); });
}

// Counts compare as numbers ("0001" == "1"); non-numeric never equals.
bool same_number(std::string_view text, std::uint64_t n) {
  text = trim(text);
  if (!all_digits(text) || text.size() > 18) return false;
  std::uint64_t v = 0;
  for (char c : text) v = v * 10 + static_cast<std::uint64_t>(c - '0');
  return v == n;
}

std::string printable(char c) {
  if (c == '\r') return "CR";
  if (c == '\n') return "LF";
  if (c == '\t') return "TAB";
  if (static_cast<unsigned char>(c) < 32 || static_cast<unsigned char>(c) > 126) {
    static constexpr char kHex[] = "0123456789ABCDEF";
    const auto u = static_cast<unsigned char>(c);
    return std::string("0x") + kHex[u >> 4] + kHex[u & 15];
  }
  return std::string("'") + c + "'";
}

// ISA elements are fixed width: the widths of ISA01..ISA16 (5010).
constexpr std::array<std::size_t, 16> kIsaWidths = {2, 10, 2, 10, 2, 15, 2, 15,
                                                     6, 4, 1, 5, 9, 1, 1, 1};

}  // namespace

// ---------------------------------------------------------------------------------------------
// Stage 2: envelopes and the 837 loop walker.

struct Reader::Walker {
  Handler& h;
  Envelope env;
  bool in_isa = false, in_gs = false, in_st = false;
  std::uint32_t groups = 0;       // GS count in this interchange
  std::uint32_t sets = 0;         // ST count in this group
  std::uint32_t sets_accepted = 0;
  bool group_ok = true;
  std::string ge01;
  // transaction state
  TransactionType type = TransactionType::Unknown;
  bool supported = false;
  std::uint32_t position = 0;
  bool st_ok = true;
  std::string_view loop;  // always a string literal (loop ids are fixed)
  int hl_level = 0;
  // HL01 -> HL03 of this transaction set. HL ids are small numbers in practice: a vector
  // indexed by the id, with a map for the rest.
  std::vector<std::int8_t> hl_by_number;  // -1 unused, else the level (0 when HL03 was bad)
  std::unordered_map<std::string, int> hl_other;
  static constexpr std::size_t kMaxDenseHl = 1u << 22;

  static std::size_t hl_number(std::string_view id) {
    if (id.empty() || id.size() > 7 || !all_digits(id)) return kMaxDenseHl;
    std::size_t v = 0;
    for (char ch : id) v = v * 10 + static_cast<std::size_t>(ch - '0');
    return v < kMaxDenseHl ? v : kMaxDenseHl;
  }
  // The level of HL id, -1 when there is none.
  int hl_level_of(std::string_view id) const {
    const std::size_t n = hl_number(id);
    if (n < kMaxDenseHl) return n < hl_by_number.size() ? hl_by_number[n] : -1;
    const auto it = hl_other.find(std::string(id));
    return it == hl_other.end() ? -1 : it->second;
  }
  void set_hl_level(std::string_view id, int level) {
    const std::size_t n = hl_number(id);
    if (n < kMaxDenseHl) {
      if (n >= hl_by_number.size()) hl_by_number.resize(std::max(n + 1, hl_by_number.size() * 2), -1);
      hl_by_number[n] = static_cast<std::int8_t>(level);
    } else {
      hl_other.emplace(std::string(id), level);
    }
  }
  // claim state
  bool in_claim = false;
  bool claim_has_hi = false;
  bool claim_header = false;  // between CLM and the first LX / 2310+ loops don't end it
  std::string claim_id;
  int last_lx = 0;
  int dx_count = 0;

  bool any_set = false;
  bool guide_model = true;
  // Reader::scan saw a control character between the segment's start and its terminator.
  bool maybe_control = true;

  // Structure the walker checks itself: required loops and segments of each HL level, the
  // header, the service line date, control numbers unique in the group.
  std::uint32_t set_counter = 0;  // STs seen in the stream (Envelope::set_index)
  std::unordered_set<std::string> group_st02;
  std::uint64_t hl_count = 0;
  bool seen_bht = false, seen_1000a = false, seen_1000b = false, seen_hl = false;
  struct Level {
    bool open = false, own_checked = false, name = false, n3 = false, n4 = false, sbr = false, payer = false,
         pat = false, claim = false, self_patient = false;
    int children = 0;
  };
  Level l20, l22, l23;
  bool line_open = false, line_has_date = false, line_has_service = false;

  explicit Walker(Handler& handler) : h(handler) {}

  SyntaxError make(ErrorLevel level, std::string_view code, std::string msg) const {
    SyntaxError e;
    e.level = level;
    e.code = std::string(code);
    e.message = std::move(msg);
    e.isa13 = env.isa13;
    if (in_gs) {
      e.gs01 = env.gs01;
      e.gs06 = env.gs06;
      e.gs08 = env.gs08;
    }
    if (in_st) {
      e.st01 = env.st01;
      e.st02 = env.st02;
      e.st03 = env.st03;
      e.set_index = env.set_index;
      if (in_claim) e.claim_id = claim_id;
    }
    return e;
  }

  void interchange_error(std::string_view code, std::string msg, std::uint64_t offset) {
    SyntaxError e = make(ErrorLevel::Interchange, code, std::move(msg));
    e.byte_offset = offset;
    h.on_error(e);
  }

  void group_error(std::string_view code, std::string msg, std::uint64_t offset) {
    SyntaxError e = make(ErrorLevel::Group, code, std::move(msg));
    e.byte_offset = offset;
    group_ok = false;
    h.on_error(e);
  }

  void transaction_error(std::string_view code, std::string msg, std::uint64_t offset) {
    SyntaxError e = make(ErrorLevel::Transaction, code, std::move(msg));
    e.byte_offset = offset;
    st_ok = false;
    h.on_error(e);
  }

  void segment_error(const Segment& s, std::string_view code, std::string msg) {
    segment_flagged = true;
    SyntaxError e = make(ErrorLevel::Segment, code, std::move(msg));
    e.segment_id = std::string(s.id);
    e.position = position;
    e.loop = std::string(loop);
    e.byte_offset = s.offset;
    st_ok = false;
    h.on_error(e);
  }

  // A missing segment is reported at the position of the last segment read before the place
  // where it was expected (the segment now being read is not part of that place).
  void missing_segment(std::string_view id, std::string_view in_loop, std::uint64_t offset,
                       std::string msg) {
    SyntaxError e = make(ErrorLevel::Segment, "3", std::move(msg));
    e.segment_id = std::string(id);
    e.position = position > 1 ? position - 1 : position;
    e.loop = std::string(in_loop);
    e.byte_offset = offset;
    st_ok = false;
    h.on_error(e);
  }

  void element_error(const Segment& s, std::uint16_t element, std::uint16_t component,
                     std::uint16_t data_element, std::string_view code, std::string_view value,
                     std::string msg) {
    SyntaxError e = make(ErrorLevel::Element, code, std::move(msg));
    e.segment_id = std::string(s.id);
    e.position = position;
    e.loop = std::string(loop);
    e.element = element;
    e.component = component;
    e.data_element = data_element;
    e.bad_value = std::string(value.substr(0, 99));
    e.byte_offset = s.offset;
    st_ok = false;
    if (reported_n < reported.size()) reported[reported_n++] = key(element, component);
    h.on_error(e);
  }

  // Elements of the current segment already reported (by the walker's own checks), so that the
  // guide model does not report them a second time.
  std::array<std::uint32_t, 8> reported{};
  std::size_t reported_n = 0;
  static std::uint32_t key(std::uint16_t element, std::uint16_t component) {
    return (std::uint32_t{element} << 16) | component;
  }
  bool already_reported(std::uint16_t element, std::uint16_t component) const {
    if (reported_n == 0) return false;
    for (std::size_t i = 0; i < reported_n; ++i)
      if (reported[i] == key(element, component) || reported[i] == key(element, 0)) return true;
    return false;
  }

  // --- the guide model (guide_model.hpp): element counts, usage, types, lengths, code lists ---

  // The components of a composite value, read in increasing position order (the rules list a
  // composite's components in order), each split once.
  struct ComponentCursor {
    const char* p;
    const char* end;
    char sep;
    std::size_t at = 1;  // the component p starts
    bool more = true;
    ComponentCursor(std::string_view v, char separator) : p(v.data()), end(v.data() + v.size()), sep(separator) {}
    std::string_view get(std::size_t component) {
      while (more && at < component) {
        while (p != end && *p != sep) ++p;
        if (p == end) more = false;
        else ++p;
        ++at;
      }
      const char* q = p;
      if (more)
        while (q != end && *q != sep) ++q;
      return more ? std::string_view(p, static_cast<std::size_t>(q - p)) : std::string_view{};
    }
    // The number of components up to the last non-empty one, given that the last one read was
    // `defined` (0: none read).
    std::size_t count(std::size_t defined) {
      std::size_t comps = defined;
      if (more && defined > 0) {
        while (p != end && *p != sep) ++p;  // the end of the last defined component
        std::size_t k = defined;
        for (; p != end; ++p) {
          if (*p == sep) ++k;
          else comps = k;
        }
      }
      return comps;
    }
  };

  // The element rules of seg (the place the structure matched, else the segment's merged rules).
  // keys_verified: the segment matched its place by the key elements, whose codes are then known.
  // check: seg compiled to masks (nullptr: the full rules only). A segment that the masks find
  // nothing wrong with is done; else report_model words what is wrong.
  void check_model(const Segment& s, const SegmentRule* seg, const PlaceCheck* check, bool keys_verified) {
    if (seg == nullptr) return;
    if (check != nullptr && check->usable && model_ok(s, *seg, *check, keys_verified)) return;
    report_model(s, *seg, keys_verified);
  }

  // Whether report_model would find nothing to report (a conservative no: it then runs).
  bool model_ok(const Segment& s, const SegmentRule& seg, const PlaceCheck& c, bool keys_verified) const {
    const std::size_t n = s.size();
    if (n >= 64) return false;
    std::uint64_t present = 0;
    for (std::size_t i = 1; i <= n; ++i) present |= std::uint64_t{!s.elements[i].empty()} << i;
    if (((c.required & ~present) | ((c.unused | c.beyond) & present)) != 0) return false;
    for (const SyntaxMask& m : m_index->syntax_masks(c)) {
      const std::uint64_t p = present & m.all;
      switch (m.type) {
        case 'P': if (p != 0 && p != m.all) return false; break;
        case 'R': if (p == 0) return false; break;
        case 'C': if ((p & m.first) != 0 && p != m.all) return false; break;
        case 'L': if (p == m.first) return false; break;
        case 'E': if ((p & (p - 1)) != 0) return false; break;
        default: break;
      }
    }
    const ElementRule* const rules = m_rules.data() + seg.rules_begin;
    const std::uint8_t* const tail_required = m_index->tail_required() + seg.rules_begin;
    // The key elements of a place matched by its keys hold (their codes were probed).
    const std::uint64_t skip = keys_verified ? c.keys : 0;
    for (std::uint64_t bits = present & (c.required | c.valued) & ~skip; bits != 0; bits &= bits - 1) {
      const auto el = static_cast<std::size_t>(__builtin_ctzll(bits));
      const std::size_t i = c.rule[el];
      const ElementRule& r = rules[i];
      const std::string_view v = s.elements[el];
      if (r.type != 'C') {
        if (!value_ok(r, v)) return false;
        continue;
      }
      ComponentCursor cur(v, s.delims->component);
      std::uint8_t defined = 0;
      for (std::size_t j = i + 1; j < seg.rules_count && rules[j].element == r.element; ++j) {
        const ElementRule& cr = rules[j];
        defined = cr.component;
        const std::string_view cv = cur.get(cr.component);
        if (cv.empty()) {
          if (!cur.more) {  // no more components: only a required one can be wrong
            if (tail_required[j]) return false;
            break;
          }
          if (cr.usage == 'R') return false;
        } else if (cr.usage == 'N' || (!(keys_verified && cr.key) && !value_ok(cr, cv))) {
          return false;
        }
      }
      if (defined > 0 && cur.count(defined) > defined) return false;
    }
    return true;
  }

  void report_model(const Segment& s, const SegmentRule& seg_rule, bool keys_verified) {
    const SegmentRule* const seg = &seg_rule;
    std::size_t last = s.size();
    while (last > 0 && s.el(last).empty()) --last;
    if (last > seg->max_elements) {
      const auto el = static_cast<std::uint16_t>(seg->max_elements + 1);
      element_error(s, el, 0, 0, "3", s.el(el),
                    std::string(s.id) + " has " + std::to_string(last) + " elements; the guide defines " +
                        std::to_string(seg->max_elements));
    }
    const auto rules = m_rules.subspan(seg->rules_begin, seg->rules_count);
    // Past the last element sent, only a required one can be wrong.
    const std::size_t limit = std::max<std::size_t>(last, seg->last_required);
    for (std::size_t i = 0; i < rules.size() && rules[i].element <= limit; ++i) {
      const ElementRule& r = rules[i];
      if (r.component != 0) continue;
      const std::string_view v = s.el(r.element);
      if (already_reported(r.element, 0)) continue;
      if (v.empty()) {
        if (r.usage == 'R')
          element_error(s, r.element, 0, r.data_element, "1", {},
                        std::string(s.id) + two(r.element) + " is required by the guide");
        continue;
      }
      if (r.usage == 'N') {
        element_error(s, r.element, 0, r.data_element, "I10", v,
                      std::string(s.id) + two(r.element) + " is not used by the " +
                          std::string(guide_name(type)) + " guide");
        continue;
      }
      if (r.type != 'C') {
        if (!(keys_verified && r.key) && !value_ok(r, v)) check_value(s, r, v, r.element, 0);
        continue;
      }
      // A composite: its components follow its own rule in the table (in order), walked once.
      ComponentCursor cur(v, s.delims->component);
      std::uint8_t defined = 0;
      std::size_t j = i + 1;
      for (; j < rules.size() && rules[j].element == r.element; ++j) {
        const ElementRule& c = rules[j];
        defined = c.component;
        const std::string_view cv = cur.get(c.component);
        if (already_reported(r.element, c.component)) continue;
        if (cv.empty()) {
          if (c.usage == 'R')
            element_error(s, r.element, c.component, c.data_element, "1", {},
                          std::string(s.id) + two(r.element) + "-" + std::to_string(c.component) +
                              " is required by the guide");
        } else if (c.usage == 'N') {
          element_error(s, r.element, c.component, c.data_element, "I10", cv,
                        std::string(s.id) + two(r.element) + "-" + std::to_string(c.component) +
                            " is not used by the " + std::string(guide_name(type)) + " guide");
        } else if (!(keys_verified && c.key) && !value_ok(c, cv)) {
          check_value(s, c, cv, r.element, c.component);
        }
      }
      // Components past the last defined one: an error when one of them is not empty.
      const std::size_t comps = cur.count(defined);
      if (defined > 0 && comps > defined)
        element_error(s, r.element, static_cast<std::uint16_t>(defined + 1), r.data_element, "13", v,
                      std::string(s.id) + two(r.element) + " has " + std::to_string(comps) +
                          " components; the guide defines " + std::to_string(defined));
      i = j - 1;  // the composite's component rules are done
    }
    check_syntax(s, *seg);
  }


  // X12 syntax notes of the segment (P, R, E, C, L): IK403 2 for a conditionally required
  // element left out, IK403 10 for an element an exclusion forbids.
  void check_syntax(const Segment& s, const SegmentRule& seg) {
    for (const SyntaxNote& n : guide_syntax().subspan(seg.syntax_begin, seg.syntax_count)) {
      unsigned present = 0, first_present = 0;
      for (std::uint8_t k = 0; k < n.count; ++k)
        if (!s.el(n.elements[k]).empty()) present |= 1u << k;
      if (present == 0 && n.type != 'R') continue;
      const unsigned all = (1u << n.count) - 1;
      const auto missing = [&](std::uint8_t k, const char* why) {
        const std::uint8_t el = n.elements[k];
        if (already_reported(el, 0)) return;
        element_error(s, el, 0, 0, "2", {},
                      std::string(s.id) + two(el) + " is required when " + why + " (X12 syntax note " +
                          std::string(1, n.type) + note_elements(n) + ")");
      };
      switch (n.type) {
        case 'P':  // all or none
          if (present != all)
            for (std::uint8_t k = 0; k < n.count; ++k)
              if (!(present & (1u << k))) missing(k, "any of the paired elements is present");
          break;
        case 'R':  // at least one
          if (present == 0) missing(0, "none of the others is present");
          break;
        case 'C':  // the first present: all others
          if (present & 1u)
            for (std::uint8_t k = 1; k < n.count; ++k)
              if (!(present & (1u << k))) missing(k, std::string(s.id).append(two(n.elements[0])).append(" is present").c_str());
          break;
        case 'L':  // the first present: at least one other
          if ((present & 1u) && present == 1u) missing(1, std::string(s.id).append(two(n.elements[0])).append(" is present").c_str());
          break;
        case 'E':  // at most one
          for (std::uint8_t k = 0; k < n.count; ++k) {
            if (!(present & (1u << k))) continue;
            if (first_present == 0) {
              first_present = n.elements[k];
              continue;
            }
            const std::uint8_t el = n.elements[k];
            if (!already_reported(el, 0))
              element_error(s, el, 0, 0, "10", s.el(el),
                            std::string(s.id) + two(el) + " may not be present together with " + std::string(s.id) +
                                two(static_cast<std::uint16_t>(first_present)) + " (X12 syntax note E" +
                                note_elements(n) + ")");
          }
          break;
        default: break;
      }
    }
  }

  static std::string note_elements(const SyntaxNote& n) {
    std::string out;
    for (std::uint8_t k = 0; k < n.count; ++k) out += two(n.elements[k]);
    return out;
  }

  // Whether check_value would find nothing wrong with v, decided without building anything:
  // check_value (which words the error) runs only when this is false.
  static bool value_ok(const ElementRule& r, std::string_view v) {
    // Most elements are identifiers and texts: a length and at most a short code list, inline.
    if (r.type == 'A' || r.type == 'I')
      return v.size() >= r.min_length && v.size() <= r.max_length && (r.codes_count == 0 || guide_code_allowed(r, v));
    return typed_value_ok(r, v);
  }
  [[gnu::noinline]] static bool typed_value_ok(const ElementRule& r, std::string_view v) {
    std::size_t length = v.size();
    switch (r.type) {
      case 'N': {
        std::size_t i = !v.empty() && v[0] == '-' ? 1 : 0;
        if (i == v.size()) return false;
        for (; i < v.size(); ++i)
          if (v[i] < '0' || v[i] > '9') return false;
        length = v.size() - (v[0] == '-' ? 1 : 0);
        break;
      }
      case 'R': {  // valid_decimal, and its digits counted in the same pass
        std::size_t digits = 0;
        bool dot = false;
        for (std::size_t i = !v.empty() && v[0] == '-' ? 1 : 0; i < v.size(); ++i) {
          const char c = v[i];
          if (c >= '0' && c <= '9') ++digits;
          else if (c == '.' && !dot) dot = true;
          else return false;
        }
        if (digits == 0) return false;
        length = digits;
        break;
      }
      case 'D': return v.size() == 8 && valid_d8(v);
      case 'T': return valid_time(v);
      default: break;
    }
    return length >= r.min_length && length <= r.max_length && guide_code_allowed(r, v);
  }

  void check_value(const Segment& s, const ElementRule& r, std::string_view v, std::uint16_t el,
                   std::uint16_t comp) {
    const auto where = [&] { return std::string(s.id) + two(el) + (comp ? "-" + std::to_string(comp) : ""); };
    std::size_t length = v.size();
    switch (r.type) {
      case 'N':
      case 'R': {
        const std::string_view digits = !v.empty() && v[0] == '-' ? v.substr(1) : v;
        const bool ok = r.type == 'R' ? valid_decimal(v) : all_digits(digits);
        if (!ok) {
          element_error(s, el, comp, r.data_element, "6", v, where() + " '" + std::string(v.substr(0, 40)) +
                                                                   "' is not a number");
          return;
        }
        length = static_cast<std::size_t>(std::count_if(v.begin(), v.end(), [](char c) { return c >= '0' && c <= '9'; }));
        break;
      }
      case 'D':
        if (!(v.size() == 8 && valid_d8(v)))
          element_error(s, el, comp, r.data_element, "8", v,
                        where() + " '" + std::string(v.substr(0, 40)) + "' is not a CCYYMMDD date");
        return;
      case 'T':
        if (!valid_time(v))
          element_error(s, el, comp, r.data_element, "9", v,
                        where() + " '" + std::string(v.substr(0, 40)) + "' is not a HHMM[SS[D..]] time");
        return;
      default: break;
    }
    if (length < r.min_length) {
      element_error(s, el, comp, r.data_element, "4", v,
                    where() + " is " + std::to_string(length) + " characters; the minimum is " +
                        std::to_string(r.min_length));
    } else if (length > r.max_length) {
      element_error(s, el, comp, r.data_element, "5", v,
                    where() + " is " + std::to_string(length) + " characters; the maximum is " +
                        std::to_string(r.max_length));
    } else if (!guide_code_allowed(r, v)) {
      element_error(s, el, comp, r.data_element, "7", v,
                    where() + " '" + std::string(v) + "' is not a code the " + std::string(guide_name(type)) +
                        " guide allows here");
    }
  }

  static bool valid_time(std::string_view t) {
    if (t.size() < 4 || t.size() > 8 || t.size() == 5 || !all_digits(t)) return false;
    const int hh = (t[0] - '0') * 10 + (t[1] - '0'), mm = (t[2] - '0') * 10 + (t[3] - '0');
    const int ss = t.size() >= 6 ? (t[4] - '0') * 10 + (t[5] - '0') : 0;
    return hh < 24 && mm < 60 && ss < 60;
  }

  // --- the loop structure of the guide model: which segments each loop admits, their order,
  // maximum use, loop repeats, required segments and loops; and the place (SegmentEntry) whose
  // element rules apply. Fixed arrays, no allocation per segment. ---

  std::span<const LoopRule> m_loops;
  std::span<const SegmentEntry> m_entries;
  std::span<const LoopChild> m_children;
  std::span<const std::uint16_t> m_keys;
  std::span<const ElementRule> m_rules;
  std::span<const SegmentRule> m_segments;
  const PlaceIndex* m_index = nullptr;
  std::array<std::uint16_t, kMaxGuideLoops> m_stack{};  // the open loop instances, outermost first
  std::size_t m_depth = 0;
  std::array<std::uint16_t, kMaxGuideLoops> m_loop_count{};     // instances within the parent's instance
  std::array<std::uint16_t, kMaxGuideLoops> m_last_pos{};       // position of the last segment or child loop
  // Uses of each place within its loop's instance: valid while m_entry_instance of the place is
  // the loop's m_instance (a push numbers the instance instead of clearing the loop's places).
  std::array<std::uint8_t, kMaxGuideEntries> m_entry_count{};
  std::array<std::uint64_t, kMaxGuideEntries> m_entry_instance{};
  std::array<std::uint64_t, kMaxGuideLoops> m_instance{};
  std::uint64_t m_pushes = 0;
  std::uint8_t& entry_count(std::size_t li, std::size_t index) {
    if (m_entry_instance[index] != m_instance[li]) m_entry_instance[index] = m_instance[li], m_entry_count[index] = 0;
    return m_entry_count[index];
  }
  // Loop ids are string literals or ids of the model's table: their index, cached by address.
  struct LoopCacheSlot {
    const char* id = nullptr;
    std::size_t size = 0;
    int index = -1;
    bool used = false;
  };
  std::array<LoopCacheSlot, 32> m_loop_cache{};
  TransactionType m_cache_type = TransactionType::Unknown;
  bool m_lost = true;    // the walker reported a structural error: follow again from the next HL
  bool opened = false;   // place() opened a new loop instance with this segment
  bool segment_flagged = false;  // a segment-level error was reported for this segment
  // A place matched by id whose keys do not hold (NM1*XX where the loop takes NM1*85): the
  // key elements are reported after the walker's own checks.
  const SegmentEntry* m_key_mismatch = nullptr;

  void start_structure() {
    m_loops = guide_model ? guide_loops(type) : std::span<const LoopRule>{};
    m_entries = guide_entries(type);
    m_children = guide_children(type);
    m_keys = guide_keys(type);
    m_rules = guide_rules(type);
    m_segments = guide_segments(type);
    m_index = &guide_place_index(type);
    m_depth = 0;
    m_lost = m_loops.empty();
    if (m_cache_type != type) m_loop_cache = {}, m_cache_type = type;
    if (m_lost) return;
    push(0);
  }

  int model_loop(std::string_view id) {
    LoopCacheSlot& slot = m_loop_cache[(reinterpret_cast<std::uintptr_t>(id.data()) >> 2) % m_loop_cache.size()];
    if (slot.used && slot.id == id.data() && slot.size == id.size()) return slot.index;
    const std::string_view want = id.empty() ? std::string_view("HEADER") : id;
    int found = -1;
    for (std::size_t i = 0; i < m_loops.size() && found < 0; ++i)
      if (m_loops[i].id == want) found = static_cast<int>(i);
    slot = {id.data(), id.size(), found, true};
    return found;
  }

  std::span<const std::uint16_t> keys_of(const SegmentEntry& e) const { return m_keys.subspan(e.keys_begin, e.keys_count); }

  std::span<const SegmentEntry> entries_of(std::size_t li) const {
    return m_entries.subspan(m_loops[li].entries_begin, m_loops[li].entries_count);
  }
  std::span<const LoopChild> children_of(std::size_t li) const {
    return m_children.subspan(m_loops[li].children_begin, m_loops[li].children_count);
  }
  const LoopChild* child_of(std::size_t parent, std::size_t li) const {
    const std::uint16_t c = m_index->child(parent, li);
    return c == kNoPlace ? nullptr : &m_children[c];
  }

  void push(std::size_t li) {
    m_stack[m_depth++] = static_cast<std::uint16_t>(li);
    const auto own = entries_of(li);
    m_last_pos[li] = own.empty() ? 0 : own.front().pos;
    m_instance[li] = ++m_pushes;
    for (const LoopChild& c : children_of(li)) m_loop_count[c.loop] = 0;
  }

  static std::string id_of(std::uint32_t code) {
    std::string id;
    for (int shift = 24; shift >= 0; shift -= 8)
      if (const char c = static_cast<char>((code >> shift) & 0xFF)) id.push_back(c);
    return id;
  }

  // The loop instance on top ends: its required segments and loops that never came are missing.
  void close_top(const Segment& next) {
    const std::size_t li = m_stack[--m_depth];
    const LoopRule& l = m_loops[li];
    const auto own = entries_of(li);
    for (const std::uint16_t index : m_index->required_places(li)) {
      const SegmentEntry& e = m_entries[index];
      if (entry_count(li, index) != 0) continue;
      // Variants of one segment at one position (REF*EI or REF*SY): one of them is enough.
      bool other = false;
      for (std::size_t j = 1; j < own.size(); ++j)
        other = other || (&own[j] != &e && own[j].rules.segment == e.rules.segment && own[j].pos == e.pos &&
                          entry_count(li, l.entries_begin + j) != 0);
      if (other) continue;
      missing_segment(id_of(e.rules.segment), l.id, next.offset,
                      "loop " + std::string(l.id) + " requires segment " + id_of(e.rules.segment) + key_text(e) +
                          ", which is missing");
    }
    for (const std::uint16_t index : m_index->required_children(li)) {
      const LoopChild& c = m_children[index];
      if (m_loop_count[c.loop] != 0) continue;
      const auto first = entries_of(c.loop);
      if (first.empty()) continue;
      missing_segment(id_of(first.front().rules.segment), m_loops[c.loop].id, next.offset,
                      "loop " + std::string(l.id) + " requires loop " + std::string(m_loops[c.loop].id) + " (" +
                          id_of(first.front().rules.segment) + key_text(first.front()) + "), which is missing");
    }
  }

  // "*472" for a place whose key is DTP01 = 472 (the first code of its first key).
  std::string key_text(const SegmentEntry& e) const {
    for (const std::uint16_t k : keys_of(e))
      if (m_rules[k].element == 1 && m_rules[k].component == 0)
        return "*" + std::string(guide_codes()[m_rules[k].codes_begin]);
    return {};
  }

  void close_structure(const Segment& next) {
    if (m_lost) return;
    while (m_depth > 0) close_top(next);
    m_lost = true;
  }

  // The value of a key element; the places of one segment id share their key positions (HI01-1
  // of thirteen HI places), so the last component split is kept for the segment.
  std::uint64_t m_serial = 0;  // body segments read (the key memo's segment)
  mutable std::uint64_t m_key_serial = ~std::uint64_t{0};
  mutable std::uint32_t m_key_at = 0;
  mutable std::string_view m_key_value;
  std::string_view value_at(const Segment& s, const ElementRule& r) const {
    if (r.component == 0) return s.el(r.element);
    const std::uint32_t at = (std::uint32_t{r.element} << 8) | r.component;
    if (m_key_serial != m_serial || m_key_at != at) {
      m_key_serial = m_serial;
      m_key_at = at;
      m_key_value = s.comp(r.element, r.component);
    }
    return m_key_value;
  }

  // The number of key elements of the place that the segment does not satisfy.
  int keys_wrong(const Segment& s, const SegmentEntry& e) const {
    int wrong = 0;
    for (const std::uint16_t k : keys_of(e)) {
      const std::string_view v = value_at(s, m_rules[k]);
      wrong += v.empty() || !guide_code_allowed(m_rules[k], v);
    }
    return wrong;
  }

  // The loop an NM1 opens: a child loop of an open loop (innermost first) whose NM1 takes the
  // entity identifier code NM101. -1 when none does.
  int nm1_model_loop(const Segment& s) const {
    const std::string_view entity = s.el(1);
    for (std::size_t d = m_depth; d-- > 0;) {
      for (const LoopChild& c : children_of(m_stack[d])) {
        const auto first = entries_of(c.loop);
        if (first.empty() || first.front().rules.segment != s.code) continue;
        for (const std::uint16_t k : keys_of(first.front()))
          if (m_rules[k].element == 1 && m_rules[k].component == 0 && !entity.empty() &&
              guide_code_allowed(m_rules[k], entity))
            return static_cast<int>(c.loop);
      }
    }
    return -1;
  }

  // Places the segment in the structure; returns the place whose rules apply (nullptr: the
  // merged rules of the segment id).
  const SegmentEntry* follow(const Segment& s) {
    m_key_mismatch = nullptr;
    if (m_loops.empty()) return nullptr;
    if (segment_flagged) {  // the walker found the structure broken here: resynchronise at an HL
      m_lost = true;
      return nullptr;
    }
    if (m_lost) {
      if (s.code != seg_code("HL") || !opened) return nullptr;
      m_lost = false;
      m_depth = 0;
      push(0);
    }
    const int found = model_loop(loop);
    if (found < 0) {
      m_lost = true;
      return nullptr;
    }
    const auto L = static_cast<std::size_t>(found);
    if (opened) return enter(L, s);
    const std::size_t top = m_stack[m_depth - 1];
    const SegmentEntry* closest = nullptr;
    const SegmentEntry* e = match(top, s, closest);
    if (e == nullptr && closest != nullptr && identifies(top, s, *closest) && !in_enclosing_loop(s)) {
      // The loop's segment with a wrong code (DTP*434 with D8 where the guide says RD8, an SV1
      // with a bad qualifier): it counts as that segment, its key elements are reported.
      e = m_key_mismatch = closest;
    }
    if (e != nullptr) {
      const std::size_t index = static_cast<std::size_t>(e - m_entries.data());
      if (e->pos < m_last_pos[top]) {
        segment_error(s, "7", "segment " + std::string(s.id) + key_text(*e) + " stands after segments or loops that "
                              "follow it in loop " + std::string(m_loops[top].id) + ": segment not in proper sequence");
      } else {
        m_last_pos[top] = e->pos;
      }
      std::uint8_t& uses = entry_count(top, index);
      if (uses < 255) ++uses;
      if (e->max_use != 0 && uses == e->max_use + 1)
        segment_error(s, "5", "segment " + std::string(s.id) + key_text(*e) + " may occur at most " +
                                  std::to_string(e->max_use) + " time(s) in loop " + std::string(m_loops[top].id));
      return e;
    }
    // A segment of an enclosing li, which its child loops follow: out of sequence.
    for (std::size_t d = m_depth - 1; d-- > 0;) {
      const SegmentEntry* ignored = nullptr;
      if (const SegmentEntry* outer = match(m_stack[d], s, ignored)) {
        segment_error(s, "7", "segment " + std::string(s.id) + key_text(*outer) + " belongs to loop " +
                                  std::string(m_loops[m_stack[d]].id) + " before loop " +
                                  std::string(m_loops[top].id) + ": segment not in proper sequence");
        return outer;
      }
    }
    if (closest == nullptr) {
      // The segment that opens a li, with a code no loop here takes (NM1*XX).
      for (std::size_t d = m_depth; d-- > 0 && closest == nullptr;)
        for (const LoopChild& c : children_of(m_stack[d])) {
          const auto first = entries_of(c.loop);
          if (!first.empty() && first.front().rules.segment == s.code) {
            closest = &first.front();
            break;
          }
        }
    }
    if (closest != nullptr) {
      m_key_mismatch = closest;
      return closest;
    }
    segment_error(s, "2", "segment " + std::string(s.id) + " is not expected in loop " + std::string(m_loops[top].id) +
                              " of the " + std::string(guide_name(type)) + " guide");
    return nullptr;
  }

  // The first place of loop whose id is the segment's and whose keys hold; closest: the first
  // place with the id when none does.
  const SegmentEntry* match(std::size_t li, const Segment& s, const SegmentEntry*& closest) const {
    int fewest = 1 << 20;
    for (std::uint16_t i = m_index->first(li, s.code); i != kNoPlace; i = m_index->next(i)) {
      const SegmentEntry& e = m_entries[i];
      const int wrong = keys_wrong(s, e);
      if (wrong == 0) return &e;
      if (wrong < fewest) fewest = wrong, closest = &e;
    }
    return nullptr;
  }

  // Whether a segment whose keys do not all hold is still, unambiguously, the place e: its
  // first key (the qualifier: DTP01 = 434 of a DTP*434 with D8) holds, or that key is not a
  // qualifier in element 1 and e is the only place of the id in the loop (an SV1 whose SV101-1
  // is wrong is still the line's SV1; a DTP*304 is not the line's DTP*472).
  bool identifies(std::size_t li, const Segment& s, const SegmentEntry& e) const {
    if (e.keys_count > 0) {
      const ElementRule& r = m_rules[m_keys[e.keys_begin]];
      const std::string_view v = value_at(s, r);
      if (!v.empty() && guide_code_allowed(r, v)) return true;
      if (r.element == 1 && r.component == 0) return false;
    }
    int places = 0;
    for (const SegmentEntry& other : entries_of(li)) places += other.rules.segment == s.code;
    return places == 1;
  }

  // True when a loop that encloses the current one has a place whose keys the segment holds.
  bool in_enclosing_loop(const Segment& s) const {
    for (std::size_t d = m_depth - 1; d-- > 0;) {
      const SegmentEntry* ignored = nullptr;
      if (match(m_stack[d], s, ignored) != nullptr) return true;
    }
    return false;
  }

  // A new instance of loop L opens with this segment.
  const SegmentEntry* enter(std::size_t L, const Segment& s) {
    const LoopChild* c = child_of(m_stack[m_depth - 1], L);
    while (c == nullptr && m_depth > 1) {
      close_top(s);
      c = child_of(m_stack[m_depth - 1], L);
    }
    if (c == nullptr) {
      // Only the transaction set is open: open the loops that lead to L (DETAIL, a missing
      // 2000A) as the map nests them.
      std::array<std::uint16_t, kMaxGuideLoops> path{};
      std::size_t n = 0;
      for (int p = m_loops[L].parent; p > 0 && n < path.size(); p = m_loops[static_cast<std::size_t>(p)].parent)
        path[n++] = static_cast<std::uint16_t>(p);
      while (n > 0 && m_depth < m_stack.size()) {
        const std::uint16_t p = path[--n];
        ++m_loop_count[p];
        push(p);
      }
      c = child_of(m_stack[m_depth - 1], L);
    }
    const std::size_t parent = m_stack[m_depth - 1];
    if (c != nullptr) {
      ++m_loop_count[L];
      if (c->repeat != 0 && m_loop_count[L] == c->repeat + 1)
        segment_error(s, "4", "loop " + std::string(m_loops[L].id) + " may occur at most " + std::to_string(c->repeat) +
                                  " time(s) in loop " + std::string(m_loops[parent].id));
      if (c->pos < m_last_pos[parent])
        segment_error(s, "7", "loop " + std::string(m_loops[L].id) + " stands after segments or loops that follow it "
                              "in loop " + std::string(m_loops[parent].id) + ": segment not in proper sequence");
      else
        m_last_pos[parent] = c->pos;
    }
    if (m_depth >= m_stack.size() || entries_of(L).empty()) {
      m_lost = true;
      return nullptr;
    }
    push(L);
    entry_count(L, m_loops[L].entries_begin) = 1;
    const SegmentEntry& trigger = entries_of(L).front();
    if (keys_wrong(s, trigger) != 0) m_key_mismatch = &trigger;
    return &trigger;
  }

  // The key elements of a place matched by id only: empty (IK403 1) or a code of another place.
  void report_keys(const Segment& s) {
    if (m_key_mismatch == nullptr) return;
    for (const std::uint16_t k : keys_of(*m_key_mismatch)) {
      const ElementRule& r = m_rules[k];
      if (already_reported(r.element, r.component)) continue;
      const std::string_view v = value_at(s, r);
      const std::string where = std::string(s.id) + two(r.element) + (r.component ? "-" + std::to_string(r.component) : "");
      if (v.empty())
        element_error(s, r.element, r.component, r.data_element, "1", {}, where + " is required by the guide");
      else if (!guide_code_allowed(r, v))
        element_error(s, r.element, r.component, r.data_element, "7", v,
                      where + " '" + std::string(v) + "' is not a code the " + std::string(guide_name(type)) +
                          " guide allows in loop " + std::string(loop));
    }
  }

  // --- envelope segments ---

  void isa(const Segment& s) {
    if (in_isa) end_interchange(s.offset, false);
    env = Envelope{};
    env.delims = *s.delims;
    env.isa05 = std::string(trim(s.el(5)));
    env.isa06 = std::string(trim(s.el(6)));
    env.isa07 = std::string(trim(s.el(7)));
    env.isa08 = std::string(trim(s.el(8)));
    env.isa09 = std::string(s.el(9));
    env.isa10 = std::string(s.el(10));
    env.isa12 = std::string(s.el(12));
    env.isa13 = std::string(s.el(13));
    env.isa14 = std::string(s.el(14));
    env.isa15 = std::string(s.el(15));
    env.isa_offset = s.offset;
    in_isa = true;
    groups = 0;
    h.on_interchange(env);
    if (!all_digits(env.isa13) || env.isa13.size() != 9)
      interchange_error("018", "ISA13 interchange control number '" + env.isa13 +
                                   "' is not 9 digits", s.offset);
    if (env.isa12.size() != 5 || !all_digits(env.isa12))
      interchange_error("017", "ISA12 version '" + env.isa12 + "' is not a 5-digit version number",
                        s.offset);
    else if (!eq(env.isa12, "00501"))
      interchange_error("003", "ISA12 version " + env.isa12 +
                                   " is not supported; HIPAA claims use 00501", s.offset);
  }

  void iea(const Segment& s) {
    if (!in_isa) {
      interchange_error("022", "IEA without a matching ISA", s.offset);
      return;
    }
    if (in_gs) end_group(s.offset, false);
    if (!same_number(s.el(1), groups))
      interchange_error("021", "IEA01 says " + std::string(s.el(1)) + " functional group(s) but " +
                                   std::to_string(groups) + " were received", s.offset);
    if (s.el(2) != env.isa13)
      interchange_error("001", "IEA02 '" + std::string(s.el(2)) +
                                   "' does not match ISA13 '" + env.isa13 + "'", s.offset);
    end_interchange(s.offset, true);
  }

  void end_interchange(std::uint64_t offset, bool trailer) {
    if (in_gs) end_group(offset, false);
    if (!trailer) interchange_error("023", "interchange " + env.isa13 + " has no IEA trailer", offset);
    in_isa = false;
    h.on_interchange_end(env, trailer);
  }

  void gs(const Segment& s) {
    if (in_gs) end_group(s.offset, false);
    ++groups;
    env.gs01 = std::string(s.el(1));
    env.gs02 = std::string(trim(s.el(2)));
    env.gs03 = std::string(trim(s.el(3)));
    env.gs04 = std::string(s.el(4));
    env.gs05 = std::string(s.el(5));
    env.gs06 = std::string(s.el(6));
    env.gs07 = std::string(s.el(7));
    env.gs08 = std::string(s.el(8));
    env.gs_offset = s.offset;
    in_gs = true;
    sets = sets_accepted = 0;
    group_st02.clear();
    group_ok = true;
    h.on_group(env);
    if (any_set && !eq(env.gs01, "HC")) {
      // envelope checks only
    } else if (!eq(env.gs01, "HC"))
      group_error("1", "functional group '" + env.gs01 + "' is not supported (expected HC, claims)",
                  s.offset);
    else if (guide_type(env.gs08) == TransactionType::Unknown)
      group_error("2", "GS08 version '" + env.gs08 +
                           "' is not supported; expected 005010X222A1, 005010X223A2 or 005010X224A2",
                  s.offset);
    if (!all_digits(env.gs06))
      group_error("6", "GS06 group control number '" + env.gs06 + "' is not numeric", s.offset);
  }

  void ge(const Segment& s) {
    if (!in_gs) {
      interchange_error("024", "GE without a matching GS", s.offset);
      return;
    }
    if (in_st) end_transaction(s.offset, false);
    if (!same_number(s.el(1), sets))
      group_error("5", "GE01 says " + std::string(s.el(1)) + " transaction set(s) but " +
                           std::to_string(sets) + " were received", s.offset);
    if (s.el(2) != env.gs06)
      group_error("4", "GE02 '" + std::string(s.el(2)) + "' does not match GS06 '" + env.gs06 + "'",
                  s.offset);
    ge01 = std::string(s.el(1));
    end_group(s.offset, true);
  }

  void end_group(std::uint64_t offset, bool trailer) {
    if (in_st) end_transaction(offset, false);
    if (!trailer) group_error("3", "functional group " + env.gs06 + " has no GE trailer", offset);
    GroupResult r;
    r.declared = trailer ? ge01 : std::string();
    ge01.clear();
    r.transactions_received = sets;
    r.transactions_accepted = sets_accepted;
    r.trailer_present = trailer;
    r.ok = group_ok;
    in_gs = false;
    h.on_group_end(env, r);
  }

  void st(const Segment& s) {
    if (!in_gs) {
      interchange_error("024", "ST outside a functional group (no GS before it)", s.offset);
      return;
    }
    if (in_st) end_transaction(s.offset, false);
    ++sets;
    env.set_index = ++set_counter;
    env.st01 = std::string(s.el(1));
    env.st02 = std::string(s.el(2));
    env.st03 = std::string(s.el(3));
    env.st_offset = s.offset;
    in_st = true;
    st_ok = true;
    position = 1;
    loop = {};
    hl_level = 0;
    hl_count = 0;
    seen_bht = seen_1000a = seen_1000b = seen_hl = false;
    l20 = l22 = l23 = Level{};
    line_open = line_has_date = false;
    hl_by_number.clear();
    hl_other.clear();
    in_claim = claim_header = false;
    claim_id.clear();
    const std::string_view guide = env.st03.empty() ? std::string_view(env.gs08) : env.st03;
    type = guide_type(guide);
    supported = false;
    if (!eq(env.st01, "837") && any_set) {
      // another transaction set: counted and checked at envelope level, body skipped
    } else if (!eq(env.st01, "837")) {
      transaction_error("1", "transaction set " + env.st01 + " is not supported (expected 837)",
                        s.offset);
    } else if (env.st02.size() < 4 || env.st02.size() > 9 || !all_digits(env.st02)) {
      transaction_error("7", "ST02 transaction set control number '" + env.st02 +
                                 "' must be 4 to 9 digits", s.offset);
      supported = type != TransactionType::Unknown;
    } else if (type == TransactionType::Unknown) {
      transaction_error("I6", "implementation guide '" + std::string(guide) +
                                  "' is not supported; expected 005010X222A1 (837P), "
                                  "005010X223A2 (837I) or 005010X224A2 (837D)", s.offset);
    } else {
      supported = true;
    }
    if (!group_st02.insert(env.st02).second)
      transaction_error("23", "ST02 transaction set control number " + env.st02 +
                                  " is used by an earlier transaction set of this group", s.offset);
    if (!env.st03.empty() && !env.gs08.empty() && guide_type(env.st03) != TransactionType::Unknown &&
        guide_type(env.gs08) != TransactionType::Unknown && guide_type(env.st03) != guide_type(env.gs08))
      transaction_error("I6", "ST03 '" + env.st03 + "' names a different guide than GS08 '" +
                                  env.gs08 + "'", s.offset);
    start_structure();
    h.on_transaction(env, supported ? type : TransactionType::Unknown);
  }

  void se(const Segment& s) {
    if (!in_st) {
      if (in_gs) group_error("3", "SE without a matching ST", s.offset);
      else interchange_error("024", "SE outside a functional group", s.offset);
      return;
    }
    ++position;
    end_claim(s);
    if (supported) {
      header_done(s);
      close_level(23, s);
      close_level(22, s);
      close_level(20, s);
      if (!seen_hl)
        missing_segment("HL", "2000A", s.offset,
                        "the transaction set has no billing provider (HL level 20, loop 2000A) and so no claim");
      close_structure(s);
    }
    if (!same_number(s.el(1), position))
      transaction_error("4", "SE01 says " + std::string(s.el(1)) + " segments but the transaction set has " +
                                 std::to_string(position) + " (ST through SE)", s.offset);
    if (s.el(2) != env.st02)
      transaction_error("3", "SE02 '" + std::string(s.el(2)) + "' does not match ST02 '" + env.st02 + "'",
                        s.offset);
    finish_transaction(true);
  }

  void end_transaction(std::uint64_t offset, bool trailer) {
    if (!trailer) transaction_error("2", "transaction set " + env.st02 + " has no SE trailer", offset);
    finish_transaction(trailer);
  }

  void finish_transaction(bool trailer) {
    TransactionResult r;
    r.accepted = st_ok;
    r.segment_count = position;
    r.trailer_present = trailer;
    if (st_ok) ++sets_accepted;
    in_st = false;
    in_claim = false;
    h.on_transaction_end(env, r);
  }

  // --- body segments ---

  // The header (BHT, 1000A submitter, 1000B receiver) ends at the first HL.
  void header_done(const Segment& s) {
    if (seen_hl) return;
    if (!seen_bht) missing_segment("BHT", "", s.offset, "BHT beginning of hierarchical transaction is required");
    if (!seen_1000a)
      missing_segment("NM1", "1000A", s.offset, "loop 1000A submitter name (NM1*41) is required");
    if (!seen_1000b)
      missing_segment("NM1", "1000B", s.offset, "loop 1000B receiver name (NM1*40) is required");
  }

  // An HL loop ends at the next HL of the same or a higher level, or at the SE: its required
  // loops and segments (and the situational ones that decide who the patient is) are known.
  void close_level(int level, const Segment& s) {
    Level& l = level == 20 ? l20 : level == 22 ? l22 : l23;
    if (!l.open) return;
    check_own(level, s);
    l.open = false;
    if (level == 20) {
      if (l.children == 0)
        missing_segment("HL", "2000B", s.offset,
                        "billing provider HL " + std::to_string(hl_count) + " has no subscriber (HL level 22)");
    } else if (level == 22) {
      if (l.self_patient && !l.claim && l.children == 0)
        missing_segment("CLM", "2300", s.offset,
                        "the subscriber is the patient (SBR02 18) but no claim (CLM, loop 2300) follows");
      if (!l.self_patient && l.sbr && l.children == 0)
        missing_segment("HL", "2000C", s.offset,
                        "SBR02 does not say the subscriber is the patient (18), so the patient loop "
                        "(HL level 23, loop 2000C) is required");
    } else if (!l.claim) {
      missing_segment("CLM", "2300", s.offset, "the patient loop 2000C has no claim (CLM, loop 2300)");
    }
  }

  // The segments and loops of an HL level's own (before its first child HL or claim): checked
  // when the first child starts or the level ends.
  void check_own(int level, const Segment& s) {
    Level& l = level == 20 ? l20 : level == 22 ? l22 : l23;
    if (!l.open || l.own_checked) return;
    l.own_checked = true;
    if (level == 20) {
      if (!l.name)
        missing_segment("NM1", "2010AA", s.offset, "loop 2010AA billing provider name (NM1*85) is required");
      else if (!l.n3)
        missing_segment("N3", "2010AA", s.offset, "loop 2010AA billing provider address (N3) is required");
      if (l.name && !l.n4)
        missing_segment("N4", "2010AA", s.offset,
                        "loop 2010AA billing provider city, state, ZIP code (N4) is required");
    } else if (level == 22) {
      if (!l.sbr) missing_segment("SBR", "2000B", s.offset, "loop 2000B subscriber information (SBR) is required");
      if (!l.name) missing_segment("NM1", "2010BA", s.offset, "loop 2010BA subscriber name (NM1*IL) is required");
      if (!l.payer) missing_segment("NM1", "2010BB", s.offset, "loop 2010BB payer name (NM1*PR) is required");
    } else {
      if (!l.pat) missing_segment("PAT", "2000C", s.offset, "loop 2000C patient information (PAT) is required");
      if (!l.name) missing_segment("NM1", "2010CA", s.offset, "loop 2010CA patient name (NM1*QC) is required");
    }
  }

  // A service line ends at the next LX, CLM, HL or SE.
  void close_line(const Segment& s) {
    if (!line_open) return;
    line_open = false;
    if (line_has_date) return;
    // Required on every 837P line (X222A1 2400 DTP*472). 837I lines may take the statement
    // period and 837D lines the claim's date or none (predeterminations, treatment plans).
    if (type == TransactionType::Professional)
      missing_segment("DTP", "2400", s.offset,
                      "service line " + std::to_string(last_lx) + " of claim " + claim_id +
                          " has no date of service (DTP*472)");
  }

  void end_claim(const Segment& next) {
    close_line(next);
    if (in_claim && !claim_has_hi && type != TransactionType::Dental) missing_hi(next);
    in_claim = claim_header = false;
  }

  // The HI the claim's guide requires in loop 2300: 837P any diagnosis HI (the first-listed
  // diagnosis, ABK); 837I the principal diagnosis HI*ABK, whatever other HI (procedures,
  // condition or value codes) the claim has. 837D: HI is situational.
  void missing_hi(const Segment& next) {
    missing_segment("HI", "2300", next.offset,
                    type == TransactionType::Institutional
                        ? "claim " + claim_id + " has no principal diagnosis (HI*ABK); loop 2300 of the " +
                              std::string(guide_name(type)) + " guide requires it"
                        : "claim " + claim_id + " has no HI diagnosis segment (HI*ABK, the first-listed diagnosis); "
                          "loop 2300 of the " + std::string(guide_name(type)) + " guide requires one");
  }

  void body(const Segment& s) {
    ++position;
    if (!supported) return;
    if (!is_837_segment(s.id)) {
      if (!valid_segment_id(s.id)) {
        segment_error(s, "1", "'" + std::string(s.id.substr(0, 8)) + "' is not a segment id");
        return;
      }
      if (is_x12_segment(s.id))
        segment_error(s, "6", "segment " + std::string(s.id) + " belongs to another X12 transaction set, not the 837");
      else
        segment_error(s, "1", "segment id " + std::string(s.id) + " is not an X12 segment of the 837 or any other "
                                                               "HIPAA transaction set");
      return;
    }
    opened = segment_flagged = false;
    reported_n = 0;
    ++m_serial;
    if (!place(s)) {
      if (!m_lost) m_lost = true;  // the walker found the structure broken: resynchronise at an HL
      return;
    }
    const SegmentEntry* place_entry = follow(s);
    check(s);
    if (guide_model) {
      if (m_key_mismatch != nullptr) report_keys(s);
      if (place_entry != nullptr) {
        check_model(s, &place_entry->rules, &m_index->entry_check(static_cast<std::size_t>(place_entry - m_entries.data())),
                    m_key_mismatch == nullptr);
      } else {
        const SegmentRule* merged = guide_segment(type, s.code);
        check_model(s, merged,
                    merged != nullptr ? &m_index->segment_check(static_cast<std::size_t>(merged - m_segments.data()))
                                      : nullptr,
                    false);
      }
    }
    h.on_segment(BodySegment{s, position, loop, hl_level, place_entry}, env);
  }

  // Decides the loop a segment opens or belongs to (837P/I/D share the structure; NM1 entity
  // codes choose the 2010/2310/2330/2420 loop). False when the segment cannot stand where it
  // is (reported): it is then neither checked further nor passed on.
  bool place(const Segment& s) {
    if (s.code == seg_code("HL")) {
      end_claim(s);
      header_done(s);
      seen_hl = true;
      const std::string_view level = s.el(3);
      const int new_level = eq(level, "20") ? 20 : eq(level, "22") ? 22 : eq(level, "23") ? 23 : 0;
      if (new_level == 20 || new_level == 0) close_level(23, s), close_level(22, s), close_level(20, s);
      if (new_level == 22) close_level(23, s), close_level(22, s), check_own(20, s), ++l20.children;
      if (new_level == 23) close_level(23, s), check_own(22, s), ++l22.children;
      hl_level = new_level;
      if (hl_level != 0) (hl_level == 20 ? l20 : hl_level == 22 ? l22 : l23) = Level{true};
      loop = hl_level == 20 ? "2000A" : hl_level == 22 ? "2000B" : hl_level == 23 ? "2000C" : "2000";
      opened = hl_level != 0;
      check_hl(s);
      return true;
    }
    if (s.code == seg_code("BHT")) {
      seen_bht = opened = true;
      return true;
    }
    if (s.code == seg_code("CLM")) {
      end_claim(s);
      if (hl_level != 22 && hl_level != 23) {
        segment_error(s, "2", "a claim (CLM) must follow a subscriber (HL level 22) or patient (HL level 23)");
      } else {
        check_own(hl_level, s);
        (hl_level == 22 ? l22 : l23).claim = true;
      }
      loop = "2300";
      opened = true;
      in_claim = claim_header = true;
      claim_has_hi = false;
      claim_id = std::string(s.el(1));
      last_lx = 0;
      dx_count = 0;
      return true;
    }
    if (s.code == seg_code("LX")) {
      if (!in_claim) {
        segment_error(s, "2", "a service line (LX) must follow a claim (CLM)");
        return false;
      }
      close_line(s);
      if (claim_header && !claim_has_hi && type != TransactionType::Dental) {
        missing_hi(s);
        claim_has_hi = true;  // reported once
      }
      claim_header = false;
      loop = "2400";
      opened = true;
      line_open = true;
      line_has_date = line_has_service = false;
      return true;
    }
    const bool in_line = loop.size() >= 2 && loop[0] == '2' && loop[1] == '4';
    switch (s.code) {
      case seg_code("SV1"): case seg_code("SV2"): case seg_code("SV3"): case seg_code("SV5"):
      case seg_code("PS1"): case seg_code("TOO"): case seg_code("LIN"): case seg_code("SVD"):
        if (!in_line) {
          segment_error(s, "2", "segment " + std::string(s.id) +
                                    " belongs to a service line, but no LX opened one (loop 2400)");
          return false;
        }
        if (s.code == seg_code("SV1") || s.code == seg_code("SV2") || s.code == seg_code("SV3")) {
          // One service per line (max use 1): a second one would replace the first.
          if (line_has_service) {
            segment_error(s, "5", "service line " + std::to_string(last_lx) + " already has its " +
                                      std::string(s.id) + "; each line (LX) carries one service");
            return false;
          }
          line_has_service = true;
        }
        break;
      case seg_code("HI"):
        if (!eq(loop, "2300")) {
          segment_error(s, "2", "HI belongs to the claim information (loop 2300), after the CLM and before "
                                "the claim's other loops and service lines");
          return false;
        }
        break;
      default: break;
    }
    if (!used_by_guide(s)) return false;
    if (s.code == seg_code("SBR") && in_claim) {
      loop = "2320";
      opened = true;
      return true;
    }
    if (s.code == seg_code("SBR") && hl_level == 22) {
      l22.sbr = true;
      l22.self_patient = eq(s.el(2), "18");
    }
    if (s.code == seg_code("PAT") && hl_level == 23) l23.pat = true;
    if (s.code == seg_code("LIN")) {
      loop = "2410";
      opened = true;
      return true;
    }
    if (s.code == seg_code("SVD")) {
      loop = "2430";
      opened = true;
      return true;
    }
    if (s.code == seg_code("LQ") && in_line) {
      loop = "2440";
      opened = true;
      return true;
    }
    if (s.code == seg_code("NM1")) {
      const std::string_view entity = s.el(1);
      std::string_view next;
      if (!m_lost) {
        // The guide model knows which loop each entity code opens where (2330C is NM1*71 on
        // 837I, NM1*DN on 837P).
        const int opens = nm1_model_loop(s);
        if (opens >= 0) next = m_loops[static_cast<std::size_t>(opens)].id;
      } else if (hl_level == 0) {
        next = eq(entity, "41") ? "1000A" : eq(entity, "40") ? "1000B" : "";
      } else {
        next = nm1_loop(type, loop, entity);
      }
      if (!next.empty()) loop = next, opened = true;
      if (eq(loop, "1000A") && next == loop) seen_1000a = true;
      if (eq(loop, "1000B") && next == loop) seen_1000b = true;
      if (eq(loop, "2010AA") && next == loop) l20.name = true;
      if (eq(loop, "2010BA") && next == loop) l22.name = true;
      if (eq(loop, "2010BB") && next == loop) l22.payer = true;
      if (eq(loop, "2010CA") && next == loop) l23.name = true;
      return true;
    }
    if (s.code == seg_code("N3") && eq(loop, "2010AA")) l20.n3 = true;
    if (s.code == seg_code("N4") && eq(loop, "2010AA")) l20.n4 = true;
    return true;
  }

  // Segments of the 837 that one guide does not use: a professional service line in an 837I
  // is an 837P body under the wrong label, not something to read as institutional.
  bool used_by_guide(const Segment& s) {
    using T = TransactionType;
    bool used = true;
    switch (s.code) {
      case seg_code("SV1"): case seg_code("CR1"): case seg_code("CR2"): case seg_code("CR5"):
      case seg_code("PS1"):
        used = type == T::Professional;
        break;
      case seg_code("SV2"): case seg_code("CL1"):
        used = type == T::Institutional;
        break;
      case seg_code("SV3"): case seg_code("TOO"): case seg_code("DN1"): case seg_code("DN2"):
        used = type == T::Dental;
        break;
      default: break;
    }
    if (!used)
      segment_error(s, "I4", "segment " + std::string(s.id) + " is not used by the " +
                                 std::string(guide_name(type)) + " guide (GS08/ST03 " +
                                 (env.st03.empty() ? env.gs08 : env.st03) + ")");
    return used;
  }

  static std::string_view guide_name(TransactionType t) {
    switch (t) {
      case TransactionType::Professional: return "837P (005010X222A1)";
      case TransactionType::Institutional: return "837I (005010X223A2)";
      case TransactionType::Dental: return "837D (005010X224A2)";
      default: return "837";
    }
  }

  void check_hl(const Segment& s) {
    const std::string_view id = s.el(1), parent = s.el(2), level = s.el(3);
    ++hl_count;
    if (!all_digits(id)) {
      element_error(s, 1, 0, 628, "6", id, "HL01 hierarchical id '" + std::string(id) + "' must be numeric");
    } else if (hl_level_of(id) >= 0) {
      element_error(s, 1, 0, 628, "I12", id, "HL01 hierarchical id " + std::string(id) + " is used twice");
    } else if (!same_number(id, hl_count)) {
      element_error(s, 1, 0, 628, "I12", id,
                    "HL01 is " + std::string(id) + " but hierarchical ids start at 1 in each transaction set "
                    "and go up by one; expected " + std::to_string(hl_count));
    }
    if (!eq(level, "20") && !eq(level, "22") && !eq(level, "23"))
      element_error(s, 3, 0, 735, "7", level,
                    "HL03 level code '" + std::string(level) + "' is not 20, 22 or 23");
    int parent_level = 0;
    if (!parent.empty()) {
      const int level_of_parent = hl_level_of(parent);
      if (level_of_parent < 0)
        element_error(s, 2, 0, 734, "I12", parent,
                      "HL02 parent id " + std::string(parent) + " is not an earlier HL01");
      else
        parent_level = level_of_parent;
    }
    if (eq(level, "20") && !parent.empty())
      element_error(s, 2, 0, 734, "I12", parent, "a billing provider HL (level 20) has no parent");
    if (eq(level, "22") && parent_level != 0 && parent_level != 20)
      element_error(s, 2, 0, 734, "I12", parent,
                    "a subscriber HL (level 22) must have a billing provider HL (20) as parent");
    if (eq(level, "22") && parent.empty())
      element_error(s, 2, 0, 734, "1", parent, "a subscriber HL (level 22) needs HL02, its billing provider");
    if (eq(level, "23") && parent_level != 0 && parent_level != 22)
      element_error(s, 2, 0, 734, "I12", parent,
                    "a patient HL (level 23) must have a subscriber HL (22) as parent");
    if (eq(level, "23") && parent.empty())
      element_error(s, 2, 0, 734, "1", parent, "a patient HL (level 23) needs HL02, its subscriber");
    if (hl_level_of(id) < 0) set_hl_level(id, hl_level);
  }

  void check_date_element(const Segment& s, std::uint16_t qual_el, std::uint16_t date_el) {
    const std::string_view qual = s.el(qual_el), value = s.el(date_el);
    if (eq(qual, "D8")) {
      if (!valid_d8(value))
        element_error(s, date_el, 0, 1251, "8", value,
                      std::string(s.id) + " date '" + std::string(value) + "' is not a valid CCYYMMDD date");
    } else if (eq(qual, "RD8")) {
      const auto dash = value.find('-');
      const bool ok = dash == 8 && value.size() == 17 && valid_d8(value.substr(0, 8)) &&
                      valid_d8(value.substr(9)) && value.substr(0, 8) <= value.substr(9);
      if (!ok)
        element_error(s, date_el, 0, 1251, "8", value,
                      std::string(s.id) + " date range '" + std::string(value) +
                          "' is not a valid CCYYMMDD-CCYYMMDD range");
    }
  }

  // The component separator must be ISA16. Real files sometimes declare ':' and use '>'.
  bool check_composite(const Segment& s, std::uint16_t el, std::uint16_t de) {
    const std::string_view v = s.el(el);
    if (v.empty() || v.find(s.delims->component) != std::string_view::npos) return true;
    for (char alt : {'>', ':', '^', '|', '<', '!', '\\', '`'}) {
      if (alt == s.delims->component || alt == s.delims->element) continue;
      // Composites carry codes and numbers, never these characters: one means the sender used
      // another component separator.
      if (v.find(alt) != std::string_view::npos) {
        element_error(s, el, 0, de, "6", v,
                      std::string(s.id) + (el < 10 ? "0" : "") + std::to_string(el) + " uses '" +
                          std::string(1, alt) + "' between components but ISA16 declares '" +
                          std::string(1, s.delims->component) + "' as the component separator");
        return false;
      }
    }
    return true;
  }

  void check_amount(const Segment& s, std::uint16_t el, bool required) {
    const std::string_view v = s.el(el);
    if (v.empty()) {
      if (required)
        element_error(s, el, 0, 782, "1", v, std::string(s.id) + " monetary amount is required");
      return;
    }
    if (!valid_decimal(v))
      element_error(s, el, 0, 782, "6", v,
                    std::string(s.id) + " amount '" + std::string(v) + "' is not a number");
  }

  // Control characters are outside the X12 basic and extended character sets: a CR, LF or TAB
  // inside an element would be written into every output that carries the value.
  void check_characters(const Segment& s) {
    // The tokenizer saw none before the terminator (Reader::scan): nothing to look at.
    if (!maybe_control) return;
    // One pass over the whole segment first: control characters are rare (delimiters may be
    // control characters themselves, then each element is looked at).
    const char* p = s.raw.data();
    const char* const end = p + s.raw.size();
    const __m128i space = _mm_set1_epi8(0x20), minus1 = _mm_set1_epi8(-1), del = _mm_set1_epi8(0x7F);
    int bad = 0;
    for (; end - p >= 16; p += 16) {
      const __m128i v = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p));
      // signed bytes: 0x00-0x1F are >= 0 and < 0x20; bytes from 0x80 are negative (allowed)
      const __m128i ctl = _mm_and_si128(_mm_cmplt_epi8(v, space), _mm_cmpgt_epi8(v, minus1));
      bad |= _mm_movemask_epi8(_mm_or_si128(ctl, _mm_cmpeq_epi8(v, del)));
    }
    for (; p != end; ++p) {
      const auto u = static_cast<unsigned char>(*p);
      bad |= static_cast<int>(u < 0x20) | static_cast<int>(u == 0x7F);
    }
    if (bad == 0) return;
    for (std::uint16_t el = 1; el <= s.size(); ++el) {
      const std::string_view v = s.el(el);
      for (char c : v) {
        const auto u = static_cast<unsigned char>(c);
        if (u < 0x20 || u == 0x7F) {
          element_error(s, el, 0, 0, "6", v,
                        std::string(s.id) + two(el) + " contains the control character " + printable(c) +
                            ", which X12 data may not contain");
          break;
        }
      }
    }
  }

  void check(const Segment& s) {
    check_characters(s);
    if (s.code == seg_code("CLM")) {
      if (s.el(1).empty()) element_error(s, 1, 0, 1028, "1", {}, "CLM01 patient control number is required");
      else if (s.el(1).size() > 38)
        element_error(s, 1, 0, 1028, "5", s.el(1),
                      "CLM01 patient control number is " + std::to_string(s.el(1).size()) +
                          " characters; the guide allows at most 38");
      check_amount(s, 2, true);
      if (check_composite(s, 5, 1331)) {
        const std::string_view facility = s.comp(5, 1);
        if (facility.empty())
          element_error(s, 5, 1, 1331, "1", facility, "CLM05-1 facility code is required");
        else if (type != TransactionType::Institutional && !valid_place_of_service(facility))
          element_error(s, 5, 1, 1331, "7", facility,
                        "CLM05-1 place of service '" + std::string(facility) + "' is not a CMS place of service code");
        if (s.comp(5, 3).empty())
          element_error(s, 5, 3, 1325, "1", {}, "CLM05-3 claim frequency code is required");
        // CLM05-2 by guide: place of service codes (B) on 837P/D, bill type codes (A) on 837I.
        // Left empty it says nothing wrong (real senders omit it); another value is the wrong
        // guide's claim.
        const std::string_view form = s.comp(5, 2);
        const std::string_view want = type == TransactionType::Institutional ? "A" : "B";
        if (!form.empty() && form != want)
          element_error(s, 5, 2, 1332, "7", form,
                        "CLM05-2 facility code qualifier is '" + std::string(form) + "'; the " +
                            std::string(guide_name(type)) + " guide requires " + std::string(want));
      }
    } else if (s.code == seg_code("HI")) {
      check_hi(s);
    } else if (s.code == seg_code("LX")) {
      const std::string_view n = s.el(1);
      if (!all_digits(n)) {
        element_error(s, 1, 0, 554, "6", n, "LX01 line number '" + std::string(n) + "' must be numeric");
      } else if (!same_number(n, static_cast<std::uint64_t>(last_lx + 1))) {
        element_error(s, 1, 0, 554, "I12", n,
                      "LX01 is " + std::string(n) + " but service lines are numbered from 1 without gaps; expected " +
                          std::to_string(last_lx + 1));
      }
      ++last_lx;
    } else if (s.code == seg_code("SV1") || s.code == seg_code("SV2") || s.code == seg_code("SV3")) {
      check_service(s);
    } else if (s.code == seg_code("DTP")) {
      if (eq(s.el(1), "472")) {
        if (eq(loop, "2400")) line_has_date = true;
        if (!eq(s.el(2), "D8") && !eq(s.el(2), "RD8"))
          element_error(s, 2, 0, 1250, s.el(2).empty() ? "1" : "7", s.el(2),
                        "DTP02 of a service date (DTP*472) is '" + std::string(s.el(2)) +
                            "'; it must be D8 (a date) or RD8 (a date range)");
      }
      check_date_element(s, 2, 3);
    } else if (s.code == seg_code("DMG")) {
      check_date_element(s, 1, 2);
      const std::string_view sex = s.el(3);
      if (!sex.empty() && !eq(sex, "F") && !eq(sex, "M") && !eq(sex, "U"))
        element_error(s, 3, 0, 1068, "7", sex, "DMG03 sex code '" + std::string(sex) + "' is not F, M or U");
    }
  }

  void check_hi(const Segment& s) {
    if (!in_claim) return;
    const std::string_view q1 = s.comp(1, 1);
    const DxKind first_kind = dx_kind(type, q1);
    if (first_kind == DxKind::NotDiagnosis) return;  // procedures, condition codes, values ...
    // 837I: the principal diagnosis has an HI of its own (HI*ABK), which is the required one.
    claim_has_hi = claim_has_hi || type != TransactionType::Institutional || first_kind == DxKind::Principal;
    for (std::uint16_t el = 1; el <= s.size(); ++el) {
      const std::string_view v = s.el(el);
      if (v.empty()) continue;
      if (!check_composite(s, el, 1270)) continue;
      const std::string_view qual = s.comp(el, 1), code = s.comp(el, 2);
      const DxKind kind = dx_kind(type, qual);
      if (kind == DxKind::NotDiagnosis || kind == DxKind::Unknown) {
        element_error(s, el, 1, 1270, "7", qual,
                      "HI" + two(el) + "-1 qualifier '" + std::string(qual) +
                          "' is not a diagnosis code list qualifier for this claim type");
        continue;
      }
      ++dx_count;
      if (type != TransactionType::Institutional) {
        const bool principal = kind == DxKind::Principal;
        if (dx_count == 1 && !principal)
          element_error(s, el, 1, 1270, "7", qual,
                        "HI" + two(el) + "-1 is '" + std::string(qual) +
                            "' but the first diagnosis must be qualified ABK (ICD-10-CM principal) or BK (ICD-9-CM)");
        else if (dx_count > 1 && principal)
          element_error(s, el, 1, 1270, "7", qual,
                        "HI" + two(el) + "-1 is '" + std::string(qual) +
                            "' but only the first diagnosis may be principal; use ABF (or BF)");
        const int max = type == TransactionType::Dental ? 4 : 12;
        if (dx_count == max + 1)
          element_error(s, el, 0, 1270, "3", v,
                        "more than " + std::to_string(max) + " diagnosis codes on one claim");
      }
      if (code.empty()) {
        element_error(s, el, 2, 1271, "1", {}, "HI" + two(el) + "-2 diagnosis code is missing");
      } else if (code.find('.') != std::string_view::npos) {
        element_error(s, el, 2, 1271, "6", code,
                      "HI" + two(el) + "-2 '" + std::string(code) +
                          "' contains a decimal point; send diagnosis codes without it");
      } else if (code.size() < 3 || code.size() > 7 ||
                 !std::all_of(code.begin(), code.end(), [](char c) {
                   return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
                 })) {
        element_error(s, el, 2, 1271, "6", code,
                      "HI" + two(el) + "-2 '" + std::string(code) + "' is not shaped like a diagnosis code");
      }
      const std::string_view poa = s.comp(el, 9);
      // 005010X223A2: Y, N, U, W, or the element left out for a POA-exempt code; "1" (exempt)
      // was the 4010 value and is not allowed in 5010.
      if (!poa.empty() && !eq(poa, "Y") && !eq(poa, "N") && !eq(poa, "U") && !eq(poa, "W"))
        element_error(s, el, 9, 1073, "7", poa,
                      "HI" + two(el) + "-9 present-on-admission indicator '" + std::string(poa) +
                          "' is not Y, N, U or W" +
                          (eq(poa, "1") ? " (\"1\" was the 4010 exempt value; in 5010 leave HI" + two(el) +
                                            "-9 empty for a POA-exempt code)"
                                      : std::string()));
    }
  }

  void check_service(const Segment& s) {
    const std::string_view id = s.id;
    if (s.code == seg_code("SV2")) {
      if (s.el(1).empty()) element_error(s, 1, 0, 234, "1", {}, "SV201 revenue code is required");
      if (!s.el(2).empty()) check_composite(s, 2, 235);
      check_amount(s, 3, true);
      return;
    }
    // SV1 / SV3: procedure composite in element 1, charge in element 2
    if (!check_composite(s, 1, 235)) return;
    const std::string_view qual = s.comp(1, 1), code = s.comp(1, 2);
    const bool sv1 = s.code == seg_code("SV1");
    const bool qual_ok = sv1 ? (eq(qual, "HC") || eq(qual, "ER") || eq(qual, "IV") || eq(qual, "WK")) : eq(qual, "AD");
    if (!qual_ok)
      element_error(s, 1, 1, 235, "7", qual,
                    std::string(id) + "01-1 product/service qualifier '" + std::string(qual) + "' is not " +
                        (sv1 ? "HC, ER, IV or WK" : "AD"));
    if (code.empty())
      element_error(s, 1, 2, 234, "1", {}, std::string(id) + "01-2 procedure code is required");
    check_amount(s, 2, true);
    const std::uint16_t qty_el = sv1 ? 4 : 6;
    const std::string_view qty = s.el(qty_el);
    if (!qty.empty() && !valid_decimal(qty))
      element_error(s, qty_el, 0, 380, "6", qty,
                    std::string(id) + two(qty_el) + " quantity '" + std::string(qty) + "' is not a number");
    const std::uint16_t ptr_el = sv1 ? 7 : 11;
    if (!s.el(ptr_el).empty()) check_composite(s, ptr_el, 1328);
  }

  static std::string two(std::uint16_t n) {
    return (n < 10 ? "0" : "") + std::to_string(n);
  }
};

// ---------------------------------------------------------------------------------------------
// Stage 1: delimiters and segments.

Reader::Reader(Handler& handler, ReaderLimits limits)
    : handler_(handler), limits_(limits), walker_(new Walker(handler)) {
  walker_->any_set = limits.any_transaction_set;
  walker_->guide_model = limits.guide_model;
  // Written by index, never grown: max_elements of a body segment, 17 of an ISA.
  elements_.resize(std::max<std::size_t>(limits.max_elements, 17));
}

Reader::~Reader() { delete walker_; }

void Reader::feed(std::string_view chunk) {
  if (chunk.empty()) return;
  std::uint64_t base = stream_offset_;
  stream_offset_ += chunk.size();
  if (!carry_.empty()) {
    // Complete the carried bytes with as little of the chunk as possible (up to the first
    // segment terminator), then scan the rest of the chunk in place without copying it.
    std::size_t take = chunk.size();
    bool may_end = true;
    if (mode_ == Mode::InInterchange && !skip_to_terminator_) {
      const void* t = std::memchr(chunk.data(), delims_.segment, chunk.size());
      if (t != nullptr) take = static_cast<std::size_t>(static_cast<const char*>(t) - chunk.data()) + 1;
      // No terminator: the carried segment cannot end in this chunk. It is kept without being
      // scanned again (small chunks of a long segment would cost quadratic time).
      may_end = t != nullptr;
    }
    carry_.append(chunk.substr(0, take));
    if (may_end) {
      std::size_t used = scan(carry_, carry_offset_, false);
      carry_.erase(0, used);
      carry_offset_ += used;
      if (!carry_.empty() && take < chunk.size()) {
        carry_.append(chunk.substr(take));
        used = scan(carry_, carry_offset_, false);
        carry_.erase(0, used);
        carry_offset_ += used;
        take = chunk.size();
      }
    }
    chunk.remove_prefix(take);
    base += take;
  }
  if (!chunk.empty()) {
    const std::size_t used = scan(chunk, base, false);
    carry_.append(chunk.substr(used));
    if (carry_.size() == chunk.size() - used) carry_offset_ = base + used;
  }
  // A segment that never ends must not grow memory without bound: report it and resume at the
  // next terminator.
  if (carry_.size() > limits_.max_segment_bytes) {
    if (mode_ == Mode::InInterchange) {
      report_long_segment(carry_offset_);
      skip_to_terminator_ = true;
    }
    carry_offset_ += carry_.size();
    carry_.clear();
  }
}

// A segment longer than the limit is reported and skipped whether it arrived in one chunk or
// over several (scan finds it whole, feed's carry outgrows the limit): the answer must not
// depend on how the input was cut.
void Reader::report_long_segment(std::uint64_t at) {
  SyntaxError e = walker_->make(ErrorLevel::Interchange, "022",
                                "a segment is longer than " + std::to_string(limits_.max_segment_bytes) +
                                    " bytes: segment terminator missing or wrong");
  e.byte_offset = at;
  handler_.on_error(e);
}

bool Reader::between_sets() const {
  return carry_.empty() && !skip_to_terminator_ && mode_ == Mode::InInterchange && walker_->in_gs &&
         !walker_->in_st;
}

const Envelope& Reader::envelope() const { return walker_->env; }

std::uint32_t Reader::sets_read() const { return walker_->set_counter; }

bool Reader::st02_used(const std::string& st02) const { return walker_->group_st02.count(st02) != 0; }

void Reader::skip_sets(const SetsRead& run) {
  Walker& w = *walker_;
  stream_offset_ += run.bytes;
  const auto n = static_cast<std::uint32_t>(run.st02.size());
  w.sets += n;
  w.set_counter += n;
  w.sets_accepted += run.accepted;
  for (const auto& st02 : run.st02) w.group_st02.insert(st02);
  w.env.st01 = run.last.st01;
  w.env.st02 = run.last.st02;
  w.env.st03 = run.last.st03;
  w.env.st_offset = run.last.st_offset;
  w.env.set_index = run.last.set_index;
}

void Reader::resume_at(std::uint64_t offset, std::uint32_t sets_before, std::uint64_t isa_offset,
                       std::uint64_t gs_offset) {
  stream_offset_ = offset;
  carry_offset_ = offset;
  walker_->set_counter = sets_before;
  walker_->env.isa_offset = isa_offset;
  walker_->env.gs_offset = gs_offset;
}

void Reader::finish() {
  if (!carry_.empty()) {
    const std::size_t used = scan(carry_, carry_offset_, true);
    std::string_view rest = std::string_view(carry_).substr(used);
    while (!rest.empty() && is_blank(rest.front())) rest.remove_prefix(1);
    if (!rest.empty() && mode_ == Mode::InInterchange) {
      // The last segment has no terminator: report it, then read it anyway so that a complete
      // IEA missing only its terminator does not also count as a missing trailer.
      const std::uint64_t at = carry_offset_ + (rest.data() - carry_.data());
      SyntaxError e = walker_->make(ErrorLevel::Interchange, "023",
                                    "input ends inside a segment: the last segment has no segment "
                                    "terminator (" + printable(delims_.segment) + "); the file may be truncated");
      e.byte_offset = at;
      handler_.on_error(e);
      while (!rest.empty() && is_blank(rest.back())) rest.remove_suffix(1);
      if (!skip_to_terminator_ && rest.find(delims_.element) != std::string_view::npos &&
          rest.size() <= limits_.max_segment_bytes) {
        std::string last(rest);
        last.push_back(delims_.segment);
        scan(last, at, true);
      }
    }
    carry_.clear();
  }
  if (walker_->in_isa) walker_->end_interchange(stream_offset_, false);
}

std::size_t Reader::scan(std::string_view buf, std::uint64_t base, bool final) {
  std::size_t pos = 0;
  while (pos < buf.size()) {
    if (mode_ == Mode::SeekIsa) {
      const std::size_t n = scan_isa(buf.substr(pos), base + pos, final);
      if (n == 0) break;
      pos += n;
      continue;
    }
    if (skip_to_terminator_) {
      const void* t = std::memchr(buf.data() + pos, delims_.segment, buf.size() - pos);
      if (t == nullptr) return buf.size();
      pos = static_cast<std::size_t>(static_cast<const char*>(t) - buf.data()) + 1;
      skip_to_terminator_ = false;
      continue;
    }
    while (pos < buf.size() && is_blank(buf[pos]) && buf[pos] != delims_.segment &&
           buf[pos] != delims_.element)
      ++pos;
    if (pos >= buf.size()) break;
    // One pass finds the terminator, the element boundaries and whether a control character
    // (below 0x20, or DEL) stands anywhere before the terminator: check_characters looks at
    // the segment again only then.
    const char term = delims_.segment, sep = delims_.element;
    const char* const first = buf.data() + pos;
    const char* const last = buf.data() + buf.size();
    const char* start = first;
    const char* q = first;
    std::size_t count = 0;
    std::string_view* const els = elements_.data();
    const std::size_t max_elements = limits_.max_elements;
    unsigned control = 0;
    // 16 bytes at a time: one compare each for the terminator, the element separator and the
    // control characters; only the separators before the terminator are visited. The scalar
    // loop finishes the tail.
    bool found = false;
    const __m128i vterm = _mm_set1_epi8(term), vsep = _mm_set1_epi8(sep);
    const __m128i space = _mm_set1_epi8(0x20), minus1 = _mm_set1_epi8(-1), del = _mm_set1_epi8(0x7F);
    while (last - q >= 16) {
      const __m128i v = _mm_loadu_si128(reinterpret_cast<const __m128i*>(q));
      const auto tmask = static_cast<unsigned>(_mm_movemask_epi8(_mm_cmpeq_epi8(v, vterm)));
      // signed bytes: 0x00-0x1F are >= 0 and < 0x20; bytes from 0x80 are negative (allowed)
      const __m128i ctl = _mm_or_si128(_mm_and_si128(_mm_cmplt_epi8(v, space), _mm_cmpgt_epi8(v, minus1)),
                                       _mm_cmpeq_epi8(v, del));
      const unsigned before = tmask != 0 ? (tmask & (0u - tmask)) - 1 : 0xFFFFu;
      control |= static_cast<unsigned>(_mm_movemask_epi8(ctl)) & before;
      unsigned mask = static_cast<unsigned>(_mm_movemask_epi8(_mm_cmpeq_epi8(v, vsep))) & before;
      while (mask != 0) {
        const char* hit = q + __builtin_ctz(mask);
        if (count++ < max_elements) els[count - 1] = std::string_view(start, static_cast<std::size_t>(hit - start));
        start = hit + 1;
        mask &= mask - 1;
      }
      if (tmask != 0) {
        q += __builtin_ctz(tmask);
        found = true;
        break;
      }
      q += 16;
    }
    for (; !found && q != last; ++q) {
      const char c = *q;
      if (c == term) {
        found = true;
        break;
      }
      const auto u = static_cast<unsigned char>(c);
      control |= static_cast<unsigned>(u < 0x20) | static_cast<unsigned>(u == 0x7F);
      if (c == sep) {
        if (count++ < max_elements) els[count - 1] = std::string_view(start, static_cast<std::size_t>(q - start));
        start = q + 1;
      }
    }
    if (!found) break;  // incomplete segment: wait for more bytes
    const std::size_t end = static_cast<std::size_t>(q - buf.data());
    if (end - pos > limits_.max_segment_bytes) {
      report_long_segment(base + pos);
      pos = end + 1;
      continue;
    }
    std::string_view raw = buf.substr(pos, end - pos);
    std::string_view tail(start, static_cast<std::size_t>(q - start));
    while (!raw.empty() && (raw.back() == '\r' || raw.back() == '\n') && raw.back() != sep) {
      raw.remove_suffix(1);
      if (!tail.empty()) tail.remove_suffix(1);
    }
    if (count++ < max_elements) els[count - 1] = tail;
    elements_count_ = std::min(count, max_elements);
    if (raw.size() > 3 && eq(raw.substr(0, 3), "ISA") && raw[3] == sep) {
      // A new interchange before the IEA of the current one: close it and re-read delimiters.
      walker_->end_interchange(base + pos, false);
      mode_ = Mode::SeekIsa;
      continue;
    }
    walker_->maybe_control = control != 0;
    segment(raw, base + pos, count > max_elements);
    pos = end + 1;
  }
  return pos;
}

std::size_t Reader::scan_isa(std::string_view buf, std::uint64_t base, bool final) {
  std::size_t p = 0;
  if (at_stream_start_) {
    if (buf.size() < 3 && !final) return 0;
    if (eq(buf.substr(0, 3), "\xEF\xBB\xBF")) p = 3;
    at_stream_start_ = false;
    if (buf.size() >= 2 && (eq(buf.substr(0, 2), "\xFF\xFE") || eq(buf.substr(0, 2), "\xFE\xFF") ||
                            buf[0] == '\0' || buf[1] == '\0')) {
      SyntaxError e;
      e.level = ErrorLevel::Interchange;
      e.code = "022";
      e.message = "input is UTF-16 (or binary); X12 interchanges must be ASCII or UTF-8";
      handler_.on_error(e);
      utf16_ = true;
    }
  }
  if (utf16_) return buf.size();
  while (p < buf.size() && is_blank(buf[p])) ++p;
  if (p == buf.size()) return p;
  const std::string_view rest = buf.substr(p);
  if (rest.size() < 4 && !final) return p;
  if (!eq(rest.substr(0, 3), "ISA")) {
    // Junk: skip to the next "ISA" and say so once per run of junk.
    std::size_t next = rest.find("ISA", 1);
    const std::size_t skip = next != std::string_view::npos ? next
                             : final                       ? rest.size()
                                                           : (rest.size() > 3 ? rest.size() - 3 : 0);
    if (!junk_reported_ && skip > 0) {
      junk_reported_ = true;
      SyntaxError e;
      e.level = ErrorLevel::Interchange;
      e.code = "022";
      e.message = interchanges_ == 0 ? "bytes before the first ISA are not X12 and were skipped"
                                     : "bytes after an IEA are not an ISA and were skipped";
      e.byte_offset = base + p;
      handler_.on_error(e);
    }
    if (skip == 0) return p;
    return p + skip;
  }
  junk_reported_ = false;
  // Walk the 16 ISA elements by the separator found after "ISA"; the fixed layout has them at
  // fixed widths. A short ISA is reported but still read when its delimiters make sense.
  const char sep = rest[3];
  std::size_t q = 3;
  bool fixed = true;
  for (std::size_t i = 0; i < 15; ++i) {
    const std::size_t next = rest.find(sep, q + 1);
    if (next == std::string_view::npos || next > 400) {
      if (!final && rest.size() < 400) return p;  // need more bytes
      SyntaxError e;
      e.level = ErrorLevel::Interchange;
      e.code = "026";
      e.message = "ISA does not have 16 elements separated by '" + std::string(1, sep) +
                  "': invalid data element separator";
      e.byte_offset = base + p;
      handler_.on_error(e);
      return p + 3;  // resume the search for an ISA after this one
    }
    fixed = fixed && next - (q + 1) == kIsaWidths[i];
    q = next;
  }
  if (rest.size() < q + 3) return final ? buf.size() : p;
  const char component = rest[q + 1];
  const char terminator = rest[q + 2];
  const std::size_t isa_len = q + 3;
  Delimiters d;
  d.element = sep;
  d.component = component;
  d.segment = terminator;
  const auto alnum = [](char c) { return std::isalnum(static_cast<unsigned char>(c)) != 0; };
  std::string_view problem;
  std::string_view code;
  if (alnum(sep) || sep == ' ') {
    code = "026", problem = "invalid data element separator";
  } else if (alnum(component) || component == sep || component == ' ') {
    code = "027", problem = "invalid component element separator (ISA16)";
  } else if (alnum(terminator) || terminator == sep || terminator == component || terminator == ' ') {
    code = "004", problem = "invalid segment terminator";
  }
  if (!code.empty()) {
    SyntaxError e;
    e.level = ErrorLevel::Interchange;
    e.code = std::string(code);
    e.message = "ISA declares an " + std::string(problem);
    e.byte_offset = base + p;
    handler_.on_error(e);
    return p + 3;
  }
  const char rep = rest.size() > 82 && fixed ? rest[82] : 0;
  d.repetition = (rep == 0 || alnum(rep) || rep == ' ' || rep == sep || rep == component ||
                  rep == terminator)
                     ? 0
                     : rep;
  delims_ = d;
  mode_ = Mode::InInterchange;
  ++interchanges_;
  std::string_view raw = rest.substr(0, isa_len - 1);
  // Exactly 16 separators stand in raw (the loop above found them): 17 elements.
  std::size_t start = 0;
  elements_count_ = 0;
  while (elements_count_ < elements_.size()) {
    const std::size_t next = raw.find(sep, start);
    elements_[elements_count_++] = raw.substr(start, next == std::string_view::npos ? raw.npos : next - start);
    if (next == std::string_view::npos) break;
    start = next + 1;
  }
  Segment s{"ISA", raw, std::span<const std::string_view>(elements_.data(), elements_count_), base + p, &delims_,
            seg_code("ISA")};
  walker_->isa(s);
  if (!fixed) {
    SyntaxError e = walker_->make(ErrorLevel::Interchange, "022",
                                  "ISA is " + std::to_string(isa_len) +
                                      " characters; its fixed layout is 106 (elements padded to their widths)");
    e.byte_offset = base + p;
    handler_.on_error(e);
  }
  return p + isa_len;
}

void Reader::segment(std::string_view raw, std::uint64_t offset, bool too_many) {
  const std::span<const std::string_view> elements(elements_.data(), elements_count_);
  Segment s{elements[0], raw, elements, offset, &delims_, seg_code(elements[0])};
  const std::string_view id = s.id;
  Walker& w = *walker_;
  switch (s.code) {
    case seg_code("IEA"):
      w.iea(s);
      mode_ = Mode::SeekIsa;
      return;
    case seg_code("GS"): return w.gs(s);
    case seg_code("GE"): return w.ge(s);
    case seg_code("ST"): return w.st(s);
    case seg_code("SE"): return w.se(s);
    default: break;
  }
  if (!w.in_st) {
    if (s.code == seg_code("TA1") && w.in_isa && !w.in_gs) return;  // an interchange acknowledgment
    w.interchange_error("024", "segment " + std::string(id.substr(0, 3)) +
                                   " is outside a transaction set (ST..SE)", offset);
    return;
  }
  if (too_many) {
    ++w.position;
    w.segment_error(s, "8", "segment " + std::string(id) + " has more than " +
                               std::to_string(limits_.max_elements) + " elements");
    return;
  }
  w.body(s);
}

}  // namespace cg::x12
