// Property test of the guide checks: one-change mutations of generated 837P, 837I and 837D
// batches (tests/support/gen837.hpp) and of the two 837D fixtures (x12_fixture.hpp). Every mutation that
// breaks the guide must be rejected with the right code at the right place; every harmless one
// must stay clean. Besides the cases below, the structure cases: every segment duplicated,
// swapped with its neighbour, dropped by its usage, and every code changed to one of another place.
//
//   - change one code value: every element the guide model gives a code list gets a value of a
//     valid length that is no code of the list -> IK403 7 at that element (or component);
//   - harmless value change: every text element without a code list gets its last character
//     changed -> no syntax error at all;
//   - drop one segment the guide requires (BHT, 1000A/B NM1, 2010AA NM1/N3/N4, SBR, NM1*IL,
//     NM1*PR, HI on 837P/I, DTP*472 on 837P) -> IK304 3; drop a situational one (PRV, DMG,
//     PER of 1000A's contact is required, so not dropped) -> clean;
//   - move a service segment before the LX that opens its line -> IK304 2 where it now stands
//     (first line) or IK304 5 (a second service in the line before);
//   - duplicate an HL -> IK403 I12 (HL01 used twice) at the copy.
#include "x12_fixture.hpp"

#include "parsers/x12/guide_model.hpp"
#include "parsers/x12/reader.hpp"
#include "tests/support/gen837.hpp"

#include <boost/test/unit_test.hpp>

#include <tuple>

using namespace cg;

namespace {

struct Subject {
  std::string name, guide;
  x12::TransactionType type;
  std::vector<std::string> body;
};

std::vector<std::string> split_body(const std::string& text) {
  std::vector<std::string> out;
  std::size_t at = 0;
  bool in_st = false;
  while (at < text.size()) {
    std::size_t end = text.find('~', at);
    if (end == std::string::npos) break;
    std::string seg = text.substr(at, end - at);
    while (!seg.empty() && (seg.front() == '\n' || seg.front() == '\r')) seg.erase(0, 1);
    at = end + 1;
    if (seg.rfind("ST*", 0) == 0) in_st = true;
    else if (seg.rfind("SE*", 0) == 0) break;
    else if (in_st) out.push_back(seg);
  }
  return out;
}

std::vector<Subject> subjects() {
  std::vector<Subject> out;
  using K = test::Gen837::Kind;
  for (const auto& [kind, name, guide, type] :
       {std::tuple{K::Professional, "837P", "005010X222A1", x12::TransactionType::Professional},
        std::tuple{K::Institutional, "837I", "005010X223A2", x12::TransactionType::Institutional},
        std::tuple{K::Dental, "837D generated", "005010X224A2", x12::TransactionType::Dental}}) {
    test::Gen837 gen(kind, 11);
    std::string text;
    gen.begin(text);
    gen.claim(text);
    gen.claim(text);
    gen.end(text);
    out.push_back({name, guide, type, split_body(text)});
  }
  out.push_back({"837D", "005010X224A2", x12::TransactionType::Dental, test::dental_body()});
  out.push_back({"837D COB", "005010X224A2", x12::TransactionType::Dental, test::dental_cob_body()});
  return out;
}

std::vector<std::string> elements(const std::string& seg, char sep) {
  std::vector<std::string> out;
  std::size_t at = 0;
  while (true) {
    const auto next = seg.find(sep, at);
    out.push_back(seg.substr(at, next == std::string::npos ? std::string::npos : next - at));
    if (next == std::string::npos) return out;
    at = next + 1;
  }
}

std::string join(const std::vector<std::string>& parts, char sep) {
  std::string out;
  for (std::size_t i = 0; i < parts.size(); ++i) out += (i ? std::string(1, sep) : "") + parts[i];
  return out;
}

std::uint32_t code_of(const std::string& id) { return x12::seg_code(id); }

// Positions: ST = 1, so body[i] stands at i + 2.
std::uint32_t position(std::size_t index) { return static_cast<std::uint32_t>(index + 2); }

test::Collected read(const Subject& s, const std::vector<std::string>& body) {
  return test::read_x12(test::interchange({body}, s.guide));
}

// Calls f(subject, segment index, elements of the segment, rule) for every element rule of
// every body segment the model knows.
template <class F>
void for_each_rule(F f) {
  for (const auto& s : subjects()) {
    for (std::size_t i = 0; i < s.body.size(); ++i) {
      const auto el = elements(s.body[i], '*');
      const x12::SegmentRule* seg = x12::guide_segment(s.type, code_of(el[0]));
      if (seg == nullptr) continue;
      for (const auto& r : x12::guide_rules(s.type).subspan(seg->rules_begin, seg->rules_count)) f(s, i, el, r);
    }
  }
}

// The place of the guide model each body segment of a clean subject matched (by body index).
std::vector<const x12::SegmentEntry*> places(const Subject& s) {
  struct Places final : x12::Handler {
    std::vector<const x12::SegmentEntry*> at;
    void on_segment(const x12::BodySegment& b, const x12::Envelope&) override {
      if (b.position < 2) return;
      if (at.size() < b.position - 1) at.resize(b.position - 1);
      at[b.position - 2] = b.place;
    }
  } h;
  x12::Reader reader(h);
  reader.feed(test::interchange({s.body}, s.guide));
  reader.finish();
  h.at.resize(s.body.size());
  return h.at;
}

// The loop the place opens (its first segment), nullptr for any other place.
const x12::LoopRule* opens(const Subject& s, const x12::SegmentEntry* e) {
  const auto entries = x12::guide_entries(s.type);
  for (const auto& l : x12::guide_loops(s.type))
    if (l.entries_count > 0 && &entries[l.entries_begin] == e) return &l;
  return nullptr;
}

// The repeat of loop l wherever the guide nests it (0 when unbounded or when places differ).
unsigned repeat_of(const Subject& s, const x12::LoopRule& l) {
  const auto loops = x12::guide_loops(s.type);
  int repeat = -1;
  for (const auto& c : x12::guide_children(s.type)) {
    if (&loops[c.loop] != &l) continue;
    if (repeat >= 0 && repeat != c.repeat) return 0;
    repeat = c.repeat;
  }
  return repeat < 0 ? 0u : static_cast<unsigned>(repeat);
}

bool has(const test::Collected& got, x12::ErrorLevel level, const std::string& code, std::uint32_t at) {
  for (const auto& e : got.syntax)
    if (e.level == level && e.code == code && (at == 0 || e.position == at)) return true;
  return false;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(x12_guide_mutations)

// Every segment of the generated 837P/I/D matches a place of the model.
BOOST_AUTO_TEST_CASE(every_segment_has_its_place) {
  for (const auto& s : subjects()) {
    const auto at = places(s);
    for (std::size_t i = 0; i < at.size(); ++i) BOOST_TEST_CONTEXT(s.name << " " << s.body[i]) { BOOST_TEST(at[i]); }
  }
}

// Duplicate one segment: a second use of a place used at most once is IK304 5 at the copy; a
// second instance of a loop that occurs once is IK304 4 at the copy.
BOOST_AUTO_TEST_CASE(segment_duplicated) {
  int fives = 0, fours = 0;
  for (const auto& s : subjects()) {
    const auto at = places(s);
    for (std::size_t i = 0; i < at.size(); ++i) {
      if (at[i] == nullptr) continue;
      const x12::LoopRule* loop = opens(s, at[i]);
      const bool once_loop = loop != nullptr && repeat_of(s, *loop) == 1;
      if (loop != nullptr ? !once_loop : at[i]->max_use != 1) continue;
      auto mutated = s.body;
      mutated.insert(mutated.begin() + static_cast<std::ptrdiff_t>(i + 1), s.body[i]);
      const test::Collected got = read(s, mutated);
      const std::string code = loop != nullptr ? "4" : "5";
      (loop != nullptr ? fours : fives)++;
      BOOST_TEST_CONTEXT(s.name << " " << s.body[i] << " twice") {
        BOOST_TEST(has(got, x12::ErrorLevel::Segment, code, position(i + 1)));
      }
    }
  }
  BOOST_TEST(fives > 40);
  BOOST_TEST(fours > 6);
}

// Move one segment after the next one of its loop: when the guide orders them, IK304 7 where
// the moved segment now stands; when they share a position, no error.
BOOST_AUTO_TEST_CASE(segment_moved_within_its_loop) {
  int ordered = 0, same = 0;
  for (const auto& s : subjects()) {
    const auto at = places(s);
    for (std::size_t i = 0; i + 1 < at.size(); ++i) {
      if (at[i] == nullptr || at[i + 1] == nullptr || opens(s, at[i]) || opens(s, at[i + 1])) continue;
      if (at[i] == at[i + 1]) continue;  // two uses of one place (REF*9F twice): nothing moves
      auto mutated = s.body;
      std::swap(mutated[i], mutated[i + 1]);
      const test::Collected got = read(s, mutated);
      BOOST_TEST_CONTEXT(s.name << " " << s.body[i] << " after " << s.body[i + 1]) {
        if (at[i]->pos < at[i + 1]->pos) {
          ++ordered;
          BOOST_TEST(has(got, x12::ErrorLevel::Segment, "7", position(i + 1)));
        } else {
          ++same;
          BOOST_TEST(got.syntax.empty());
        }
      }
    }
  }
  BOOST_TEST(ordered > 20);
}

// Drop one segment that does not open a loop: a required place (usage R) is IK304 3, a
// situational one leaves the set clean.
BOOST_AUTO_TEST_CASE(segment_dropped_by_usage) {
  int required = 0, situational = 0;
  for (const auto& s : subjects()) {
    const auto at = places(s);
    for (std::size_t i = 0; i < at.size(); ++i) {
      if (at[i] == nullptr || opens(s, at[i])) continue;
      auto mutated = s.body;
      mutated.erase(mutated.begin() + static_cast<std::ptrdiff_t>(i));
      const test::Collected got = read(s, mutated);
      BOOST_TEST_CONTEXT(s.name << " without " << s.body[i]) {
        if (at[i]->usage == 'R') {
          ++required;
          BOOST_TEST(has(got, x12::ErrorLevel::Segment, "3", 0));
        } else {
          ++situational;
          BOOST_TEST(got.syntax.empty());
        }
      }
    }
  }
  BOOST_TEST(required > 20);
  BOOST_TEST(situational > 10);
}

BOOST_AUTO_TEST_CASE(subjects_are_clean) {
  for (const auto& s : subjects()) BOOST_TEST_CONTEXT(s.name) { BOOST_TEST(read(s, s.body).syntax.empty()); }
}

BOOST_AUTO_TEST_CASE(one_code_value_changed) {
  int mutations = 0;
  for_each_rule([&](const Subject& s, std::size_t i, const std::vector<std::string>& el, const x12::ElementRule& r) {
    if (r.codes_count == 0 || r.element >= el.size()) return;
    auto comps = elements(el[r.element], ':');
    const std::size_t c = r.component == 0 ? 0 : r.component - 1u;
    if (c >= comps.size() || comps[c].empty()) return;
    const std::string bad(std::max<std::size_t>(r.min_length, 1), 'Q');
    if (x12::guide_code_allowed(r, bad)) return;
    auto mutated = s.body;
    auto e2 = el;
    comps[c] = bad;
    e2[r.element] = join(comps, ':');
    mutated[i] = join(e2, '*');
    const test::Collected got = read(s, mutated);
    ++mutations;
    bool found = false;
    for (const auto& e : got.syntax)
      found = found || (e.level == x12::ErrorLevel::Element && e.code == "7" && e.position == position(i) &&
                        e.element == r.element && e.component == r.component);
    BOOST_TEST_CONTEXT(s.name << " " << mutated[i]) { BOOST_TEST(found); }
  });
  BOOST_TEST(mutations > 40);
}

// Change one code value to a code the guide takes in the same element at another place but
// not at this one (DTP01 431 in a line, REF01 of another loop, an NM101 of another loop): the
// per-place code lists reject it, at that element (IK403 7) or, when the new code is the key of
// a place of an enclosing loop, as that segment out of its loop's sequence (IK304 7).
BOOST_AUTO_TEST_CASE(code_of_another_place) {
  int mutations = 0;
  for (const auto& s : subjects()) {
    const auto at = places(s);
    const auto rules = x12::guide_rules(s.type);
    for (std::size_t i = 0; i < at.size(); ++i) {
      if (at[i] == nullptr || opens(s, at[i])) continue;  // another code there opens another loop
      const auto el = elements(s.body[i], '*');
      const x12::SegmentRule* merged = x12::guide_segment(s.type, code_of(el[0]));
      if (merged == nullptr) continue;
      // The places of the same segment in the same loop: a code one of them takes makes the
      // segment that place (REF*0B beside REF*EI), not an error.
      const auto entries = x12::guide_entries(s.type);
      const auto index = static_cast<std::size_t>(at[i] - entries.data());
      std::span<const x12::SegmentEntry> siblings;
      for (const auto& l : x12::guide_loops(s.type))
        if (index >= l.entries_begin && index < std::size_t{l.entries_begin} + l.entries_count)
          siblings = entries.subspan(l.entries_begin, l.entries_count);
      const auto sibling_takes = [&](const x12::ElementRule& r, std::string_view code) {
        for (const auto& p : siblings) {
          if (p.rules.segment != at[i]->rules.segment) continue;
          for (const auto& pr : rules.subspan(p.rules.rules_begin, p.rules.rules_count))
            if (pr.element == r.element && pr.component == r.component && x12::guide_code_allowed(pr, code))
              return true;
        }
        return false;
      };
      for (const auto& r : rules.subspan(at[i]->rules.rules_begin, at[i]->rules.rules_count)) {
        if (r.codes_count == 0 || r.element >= el.size()) continue;
        auto comps = elements(el[r.element], ':');
        const std::size_t c = r.component == 0 ? 0 : r.component - 1u;
        if (c >= comps.size() || comps[c].empty()) continue;
        const x12::ElementRule* m = x12::guide_element(s.type, *merged, r.element, r.component);
        if (m == nullptr) continue;
        std::string other;
        for (const auto& code : x12::guide_codes().subspan(m->codes_begin, m->codes_count))
          if (!x12::guide_code_allowed(r, code) && code.size() >= r.min_length && !sibling_takes(r, code)) {
            other = std::string(code);
            break;
          }
        if (other.empty()) continue;
        auto e2 = el;
        comps[c] = other;
        e2[r.element] = join(comps, ':');
        auto mutated = s.body;
        mutated[i] = join(e2, '*');
        const test::Collected got = read(s, mutated);
        ++mutations;
        bool found = false;
        for (const auto& e : got.syntax)
          found = found || (e.position == position(i) &&
                            ((e.level == x12::ErrorLevel::Element && e.code == "7" && e.element == r.element &&
                              e.component == r.component) ||
                             (e.level == x12::ErrorLevel::Segment && e.code == "7")));
        BOOST_TEST_CONTEXT(s.name << " " << mutated[i]) { BOOST_TEST(found); }
      }
    }
  }
  BOOST_TEST_MESSAGE("code of another place: " << mutations << " mutations");
  BOOST_TEST(mutations > 20);
}

BOOST_AUTO_TEST_CASE(harmless_text_changes_stay_clean) {
  int mutations = 0;
  for_each_rule([&](const Subject& s, std::size_t i, const std::vector<std::string>& el, const x12::ElementRule& r) {
    // 1251 (date or range as DTP02 / DMG01 say) is text with a format of its own: not harmless.
    if (r.type != 'A' || r.codes_count != 0 || r.component != 0 || r.element >= el.size() || r.data_element == 1251)
      return;
    const std::string& v = el[r.element];
    if (v.size() < 2 || v.find(':') != std::string::npos) return;
    auto e2 = el;
    e2[r.element].back() = e2[r.element].back() == 'Q' ? 'R' : 'Q';
    auto mutated = s.body;
    mutated[i] = join(e2, '*');
    ++mutations;
    BOOST_TEST_CONTEXT(s.name << " " << mutated[i]) { BOOST_TEST(read(s, mutated).syntax.empty()); }
  });
  BOOST_TEST(mutations > 30);
}

BOOST_AUTO_TEST_CASE(required_segment_dropped_situational_kept) {
  for (const auto& s : subjects()) {
    const auto at = places(s);
    for (std::size_t i = 0; i < s.body.size(); ++i) {
      const std::string& seg = s.body[i];
      const bool p = s.type == x12::TransactionType::Professional;
      const bool required =
          seg.rfind("BHT*", 0) == 0 || seg.rfind("NM1*41*", 0) == 0 || seg.rfind("NM1*40*", 0) == 0 ||
          seg.rfind("NM1*85*", 0) == 0 || seg.rfind("SBR*", 0) == 0 || seg.rfind("NM1*IL*", 0) == 0 ||
          seg.rfind("NM1*PR*", 0) == 0 || (seg.rfind("HI*ABK", 0) == 0 && s.type != x12::TransactionType::Dental) ||
          (seg.rfind("CL1*", 0) == 0 && s.type == x12::TransactionType::Institutional) ||
          (p && seg.rfind("DTP*472*", 0) == 0) ||
          ((seg.rfind("N3*", 0) == 0 || seg.rfind("N4*", 0) == 0) && i > 0 && s.body[i - 1].rfind("NM1*85*", 0) == 0) ||
          (seg.rfind("N4*", 0) == 0 && i > 1 && s.body[i - 2].rfind("NM1*85*", 0) == 0);
      const bool situational = seg.rfind("PRV*", 0) == 0 || seg.rfind("DMG*", 0) == 0 || seg.rfind("HI*ABF", 0) == 0;
      if (!required && !situational) continue;
      // Required where it stands (2010CA DMG, the 837D rendering provider's PRV): the drop is
      // checked by segment_dropped_by_usage.
      if (situational && at[i] != nullptr && at[i]->usage == 'R') continue;
      auto mutated = s.body;
      mutated.erase(mutated.begin() + static_cast<std::ptrdiff_t>(i));
      const test::Collected got = read(s, mutated);
      BOOST_TEST_CONTEXT(s.name << " without " << seg) {
        if (situational) {
          BOOST_TEST(got.syntax.empty());
        } else {
          bool found = false;
          for (const auto& e : got.syntax) found = found || (e.level == x12::ErrorLevel::Segment && e.code == "3");
          BOOST_TEST(found);
        }
      }
    }
  }
}

BOOST_AUTO_TEST_CASE(service_segment_moved_before_its_lx) {
  for (const auto& s : subjects()) {
    for (std::size_t i = 1; i < s.body.size(); ++i) {
      if (s.body[i - 1].rfind("LX*", 0) != 0) continue;
      auto mutated = s.body;
      std::swap(mutated[i - 1], mutated[i]);  // SV1/SV2/SV3 now stands before the LX
      // Before a claim's first LX it stands in loop 2300 (IK304 2); before a later LX it is a
      // second service of the line before (IK304 5, max use 1).
      const bool first_line = s.body[i - 1] == "LX*1";
      const test::Collected got = read(s, mutated);
      bool found = false;
      for (const auto& e : got.syntax)
        found = found || (e.level == x12::ErrorLevel::Segment && e.code == (first_line ? "2" : "5") &&
                          e.position == position(i - 1));
      BOOST_TEST_CONTEXT(s.name << " " << mutated[i - 1]) { BOOST_TEST(found); }
    }
  }
}

BOOST_AUTO_TEST_CASE(hl_duplicated) {
  for (const auto& s : subjects()) {
    for (std::size_t i = 0; i < s.body.size(); ++i) {
      if (s.body[i].rfind("HL*", 0) != 0) continue;
      auto mutated = s.body;
      mutated.insert(mutated.begin() + static_cast<std::ptrdiff_t>(i + 1), s.body[i]);
      const test::Collected got = read(s, mutated);
      bool found = false;
      for (const auto& e : got.syntax)
        found = found || (e.level == x12::ErrorLevel::Element && e.code == "I12" && e.position == position(i + 1) &&
                          e.element == 1);
      BOOST_TEST_CONTEXT(s.name << " " << s.body[i] << " twice") { BOOST_TEST(found); }
    }
  }
}

BOOST_AUTO_TEST_SUITE_END()
