// ICD-10-CM code-set compiler (see icd10cm_compiler.hpp for the contract).
#include "rulesets/codesets/icd10cm_compiler.hpp"

#include "rulesets/codesets/code_key.hpp"
#include "rulesets/codesets/compile_util.hpp"
#include "rulesets/codesets/icd10cm_format.hpp"

#include <lzma.h>
#include <pugixml.hpp>

#include <algorithm>
#include <cctype>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <map>
#include <set>
#include <unordered_map>

namespace cg::codesets {
namespace {

using rules::Date;

// A code as written in the official files: dotted or not; nothing else allowed.
std::uint64_t strict_key(std::string_view s) {
  s = trim(s);
  if (s.empty()) return 0;
  char buf[8];
  const int n = normalize_code(s, buf);
  // A digit among the first three characters (A00, C4A, QA0; not a word such as "NOS").
  const auto digit = [](char c) { return c >= '0' && c <= '9'; };
  if (n == 0 || !(digit(buf[1]) || digit(buf[2]))) return 0;
  return pack_code(buf, n);
}

struct Entry {
  bool billable = false;
  std::string short_title;
  std::string long_title;
};
using CodeSet = std::map<std::uint64_t, Entry>;

struct ConversionRow {
  Date effective;
  std::vector<fmt::Ref> previous;
};

struct TabNode {
  std::uint64_t key = 0;
  std::uint32_t parent = fmt::kNone;  // local index
  std::string name;
  std::string desc;
  std::vector<fmt::Ref> e1, e2;
  std::vector<std::string> e1_notes, e2_notes;
  std::vector<std::pair<char, std::string>> seven;
  std::uint32_t flags = 0;
};

struct MceRow {
  std::uint8_t age = fmt::kMceAgeNone;
  std::uint8_t sex = fmt::kMceSexAny;
  std::uint8_t flags = 0;
};

std::optional<Date> parse_date_arg(std::string_view s) { return rules::parse_iso_date(trim(s)); }

// ---------------------------------------------------------------------------------------------
// Order files and addenda

std::string parse_order(const std::string& path, CodeSet& out) {
  std::string text;
  if (auto e = read_data_file(path, text); !e.empty()) return e;
  const auto lines = split_lines(text);
  std::size_t n = 0;
  for (std::size_t i = 0; i < lines.size(); ++i) {
    const std::string_view line = lines[i];
    if (trim(line).empty()) continue;
    if (line.size() < 16)
      return at_line(path, i + 1) + "order-file line shorter than 16 characters";
    const std::uint64_t key = strict_key(line.substr(6, 7));
    if (key == 0 || line[5] != ' ')
      return at_line(path, i + 1) + "no ICD-10-CM code in columns 7-13 of the order file";
    const char flag = line[14];
    if (flag != '0' && flag != '1')
      return at_line(path, i + 1) + "column 15 must be 0 (header) or 1 (billable), got '" +
             std::string(1, flag) + "'";
    Entry e;
    e.billable = flag == '1';
    if (line.size() > 16) e.short_title = std::string(trim(line.substr(16, 60)));
    if (line.size() > 77) e.long_title = std::string(trim(line.substr(77)));
    if (e.long_title.empty()) e.long_title = e.short_title;
    if (!out.emplace(key, std::move(e)).second)
      return at_line(path, i + 1) + "code " + key_dotted(key) + " listed twice";
    ++n;
  }
  if (n == 0) return path + ": the order file lists no codes";
  return {};
}

struct AddendaLine {
  std::string tag;  // "Add", "Delete", "Revise from", "Revise to"
  std::uint64_t key = 0;
  Entry entry;
  std::string raw;
  std::size_t line = 0;
};

std::string parse_addenda(const std::string& path, std::vector<AddendaLine>& out) {
  std::string text;
  if (auto e = read_data_file(path, text); !e.empty()) return e;
  const auto lines = split_lines(text);
  for (std::size_t i = 0; i < lines.size(); ++i) {
    const std::string_view line = lines[i];
    const std::size_t colon = line.find(':');
    if (colon == std::string_view::npos) continue;
    const std::string_view tag = line.substr(0, colon);
    if (tag != "Add" && tag != "Delete" && tag != "Revise from" && tag != "Revise to") continue;
    // After the tag: the flag, the code (7 wide), the short title (60 wide), the long title.
    std::size_t p = colon + 1;
    while (p < line.size() && line[p] == ' ') ++p;
    if (p + 3 > line.size() || (line[p] != '0' && line[p] != '1') || line[p + 1] != ' ')
      return at_line(path, i + 1) + "addenda line without a 0/1 flag after '" + std::string(tag) + ":'";
    AddendaLine a;
    a.tag = std::string(tag);
    a.entry.billable = line[p] == '1';
    const std::size_t code_pos = p + 2;
    a.key = strict_key(line.substr(code_pos, 7));
    if (a.key == 0) return at_line(path, i + 1) + "addenda line without an ICD-10-CM code";
    if (line.size() > code_pos + 8) a.entry.short_title = std::string(trim(line.substr(code_pos + 8, 60)));
    if (line.size() > code_pos + 69) a.entry.long_title = std::string(trim(line.substr(code_pos + 69)));
    if (a.entry.long_title.empty()) a.entry.long_title = a.entry.short_title;
    a.raw = std::string(trim(line));
    a.line = i + 1;
    out.push_back(std::move(a));
  }
  return {};
}

// ---------------------------------------------------------------------------------------------
// Conversion tables: "Current code assignment", "Effective", "Previous Code(s) Assignment".

std::vector<std::vector<std::string>> parse_csv(std::string_view text, std::vector<std::size_t>& row_lines) {
  std::vector<std::vector<std::string>> rows;
  std::vector<std::string> row;
  std::string cell;
  bool quoted = false;
  std::size_t line = 1, row_line = 1;
  for (std::size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (quoted) {
      if (c == '"') {
        if (i + 1 < text.size() && text[i + 1] == '"') {
          cell.push_back('"');
          ++i;
        } else {
          quoted = false;
        }
      } else {
        if (c == '\n') ++line;
        cell.push_back(c);
      }
      continue;
    }
    if (c == '"') {
      quoted = true;
    } else if (c == ',') {
      row.push_back(std::move(cell));
      cell.clear();
    } else if (c == '\n') {
      row.push_back(std::move(cell));
      cell.clear();
      rows.push_back(std::move(row));
      row.clear();
      row_lines.push_back(row_line);
      row_line = ++line;
    } else if (c != '\r') {
      cell.push_back(c);
    }
  }
  if (!cell.empty() || !row.empty()) {
    row.push_back(std::move(cell));
    rows.push_back(std::move(row));
    row_lines.push_back(row_line);
  }
  return rows;
}

void parse_previous(std::string_view cell, std::vector<fmt::Ref>& out);

std::string parse_conversion(const std::string& path, std::map<std::uint64_t, ConversionRow>& out) {
  std::string text;
  if (auto e = read_data_file(path, text); !e.empty()) return e;
  std::vector<std::vector<std::string>> rows;
  std::vector<std::size_t> row_lines;
  const bool csv = path.find(".csv") != std::string::npos;
  if (csv) {
    rows = parse_csv(text, row_lines);
  } else {
    const auto lines = split_lines(text);
    for (std::size_t i = 0; i < lines.size(); ++i) {
      std::vector<std::string> r;
      for (auto c : split(lines[i], '\t')) r.emplace_back(c);
      rows.push_back(std::move(r));
      row_lines.push_back(i + 1);
    }
  }
  bool in_table = false;
  std::size_t taken = 0;
  for (std::size_t i = 0; i < rows.size(); ++i) {
    const auto& r = rows[i];
    const std::string_view c0 = r.empty() ? std::string_view{} : trim(r[0]);
    if (c0.starts_with("# sheet:")) {
      in_table = false;
      continue;
    }
    if (c0 == "Current code assignment") {
      if (r.size() < 3) return at_line(path, row_lines[i]) + "conversion-table header with fewer than 3 columns";
      in_table = true;
      continue;
    }
    if (!in_table || c0.empty()) continue;
    const std::uint64_t key = strict_key(c0);
    if (key == 0) continue;  // prose rows after the table
    if (r.size() < 3)
      return at_line(path, row_lines[i]) + "conversion-table row for " + std::string(c0) + " has fewer than 3 columns";
    const std::string_view eff = trim(r[1]);
    long v = 0;
    for (char ch : eff) {
      if (ch < '0' || ch > '9' || v > 1000000) { v = -1; break; }
      v = v * 10 + (ch - '0');
    }
    ConversionRow row;
    if (v >= 2000 && v < 2200) {
      row.effective = Date{static_cast<std::int16_t>(v), 10, 1};  // "2021" = Oct 1, 2021 (FY2022)
    } else if (v > 36000 && v < 80000) {
      // Excel date serial (days since 1899-12-30): mid-year codes.
      row.effective = Date::from_days(static_cast<std::int32_t>(v) - 25569);
    } else {
      return at_line(path, row_lines[i]) + "conversion-table effective '" + std::string(eff) +
             "' for " + std::string(c0) + " is neither a year nor an Excel date";
    }
    parse_previous(r[2], row.previous);
    auto [it, inserted] = out.emplace(key, row);
    if (!inserted) {
      for (const auto& pr : row.previous) {
        const bool seen = std::any_of(it->second.previous.begin(), it->second.previous.end(), [&](const fmt::Ref& q) {
          return q.first == pr.first && q.last == pr.last && q.flags == pr.flags;
        });
        if (!seen) it->second.previous.push_back(pr);
      }
    }
    ++taken;
  }
  if (taken == 0) return path + ": no conversion-table rows found (expected a 'Current code assignment' header)";
  return {};
}

// ---------------------------------------------------------------------------------------------
// Tabular XML

// One reference: "Q76.2", "M43.1-", "S34.-", "C00-D49", "S06.890A-S06.899A".
bool parse_ref_token(std::string_view tok, fmt::Ref& ref) {
  tok = trim(tok);
  ref = fmt::Ref{};
  std::string_view first = tok, last;
  bool prefix = false;
  const std::size_t dash = tok.find('-');
  if (dash != std::string_view::npos) {
    first = tok.substr(0, dash);
    last = trim(tok.substr(dash + 1));
    if (last.empty()) prefix = true;
  }
  first = trim(first);
  if (!first.empty() && first.back() == '.') first.remove_suffix(1);
  if (!last.empty() && last.back() == '-') last.remove_suffix(1);
  if (!last.empty() && last.back() == '.') last.remove_suffix(1);
  ref.first = strict_key(first);
  if (ref.first == 0) return false;
  if (!last.empty()) {
    ref.last = strict_key(last);
    if (ref.last == 0 || ref.last < key_prefix(ref.first, key_len(ref.last))) return false;
    ref.flags = fmt::kRefRange;
  } else {
    ref.flags = prefix ? fmt::kRefPrefix : 0;
  }
  return true;
}

std::string lower(std::string_view s) {
  std::string out(s);
  for (auto& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

// The characters a "with" constraint names: ".42" -> "42", "B" -> "B" (1 to 3, digits or
// capital letters); false otherwise.
bool with_value(std::string_view v, char (&out)[3], int& len) {
  v = trim(v);
  if (!v.empty() && v.front() == '.') v.remove_prefix(1);
  if (!v.empty() && v.back() == '-') v.remove_suffix(1);
  if (v.empty() || v.size() > 3) return false;
  for (std::size_t i = 0; i < v.size(); ++i) {
    const char c = v[i];
    if (!((c >= '0' && c <= '9') || (c >= 'A' && c <= 'Z'))) return false;
    out[i] = c;
  }
  len = static_cast<int>(v.size());
  return true;
}

// "E08-E13 with .42", "E08-E13 with .51-.52", "I69. with final characters -20",
// "M51.- with fifth character 4", "F11-F19 with fifth to sixth characters 51",
// "A37 with fifth-character 1", "S92.-with 7th character B". False (the group is skipped, never
// widened to its base) when the constraint is not one of these shapes ("S52.- with open
// fracture 7th character").
bool parse_with_token(std::string_view tok, fmt::Ref& ref) {
  const std::string low = lower(tok);
  const std::size_t w = low.find("with");
  if (w == std::string::npos) return false;
  if (!parse_ref_token(tok.substr(0, w), ref)) return false;
  const std::string_view raw = trim(tok.substr(w + 4));
  fmt::WithPattern p;
  if (!raw.empty() && raw.front() == '.') {
    // After the dot of the base: positions from the base's length on.
    const std::size_t dash = raw.find('-');
    const std::string_view lo = dash == std::string_view::npos ? raw : raw.substr(0, dash);
    const std::string_view hi = dash == std::string_view::npos ? std::string_view{} : trim(raw.substr(dash + 1));
    if (!with_value(lo, p.lo, p.len)) return false;
    int hlen = p.len;
    if (!hi.empty() && hi.front() == '.') {
      if (!with_value(hi, p.hi, hlen) || hlen != p.len) return false;
    } else {
      std::copy(std::begin(p.lo), std::end(p.lo), std::begin(p.hi));
    }
    p.mode = fmt::WithPattern::kAt;
    p.pos = key_len(ref.first);
  } else {
    // "<ordinal>[ to <ordinal>] character(s)|digit <value>" or "final characters <value>".
    std::string words;
    for (char c : raw) words.push_back(c == '-' && words.empty() ? ' ' : c);
    std::vector<std::string> t;
    for (auto x : split(words, ' '))
      if (!trim(x).empty()) t.emplace_back(trim(x));
    if (t.size() < 2) return false;
    const auto ordinal = [](std::string x) {
      x = lower(x);
      if (const auto h = x.find("-character"); h != std::string::npos) x.resize(h);
      static const std::pair<const char*, int> kWords[] = {{"fourth", 4}, {"4th", 4}, {"fifth", 5}, {"5th", 5},
                                                           {"sixth", 6},  {"6th", 6}, {"seventh", 7}, {"7th", 7}};
      for (const auto& [word, n] : kWords)
        if (x == word) return n;
      return 0;
    };
    std::string value = t.back();
    if (!value.empty() && value.front() == '-') value.erase(0, 1);
    if (!with_value(value, p.lo, p.len)) return false;
    std::copy(std::begin(p.lo), std::end(p.lo), std::begin(p.hi));
    const std::string first = lower(t[0]);
    if (first == "final") {
      p.mode = fmt::WithPattern::kFinal;
    } else if (const int from = ordinal(t[0]); from > 0) {
      int to = from;
      if (t.size() >= 4 && lower(t[1]) == "to") to = ordinal(t[2]);
      if (to < from || to - from + 1 != p.len) return false;
      p.mode = fmt::WithPattern::kAt;
      p.pos = from - 1;
    } else {
      return false;
    }
    const std::string kind = lower(t[t.size() - 2]);
    if (kind.find("character") == std::string::npos && kind != "digit") return false;
  }
  ref.with = p.pack();
  return true;
}

// Excludes notes: "congenital spondylolysis (Q76.2)", "(C00-D49)", several per note; groups in
// the "with" form become code patterns (parse_with_token).
void parse_note_refs(std::string_view note, std::vector<fmt::Ref>& out) {
  std::size_t pos = 0;
  while ((pos = note.find('(', pos)) != std::string_view::npos) {
    const std::size_t close = note.find(')', pos);
    if (close == std::string_view::npos) return;
    const std::string_view group = note.substr(pos + 1, close - pos - 1);
    pos = close + 1;
    for (auto tok : split(group, ',')) {
      fmt::Ref ref;
      if (lower(tok).find("with") != std::string::npos) {
        if (parse_with_token(tok, ref)) out.push_back(ref);
      } else if (parse_ref_token(tok, ref)) {
        out.push_back(ref);
      }
    }
  }
}

// Conversion-table "Previous Code(s) Assignment": "A04.7", "C50.919, C50.929", "H44.20-H44.23
// and H35.30", "M96.89 & Y84.8", "Codes in Categories T15-T19", "None". A combination whose
// part is written as a family ("K59.09 AND Code from categories T36-T50", "K31.89 and a code
// from R11-") names a code reported together with the previous code, not one the new code
// replaces: that part is left out, so a deleted T40 code never gets K59.03 as its successor.
void parse_previous(std::string_view cell, std::vector<fmt::Ref>& out) {
  std::string s(cell);
  for (auto& c : s)
    if (c == ';' || c == '&' || c == ',' || c == '/') c = ' ';
  std::vector<std::vector<std::string_view>> parts(1);
  bool family = false;
  std::vector<bool> is_family;
  for (auto word : split(s, ' ')) {
    word = trim(word);
    if (word.empty()) continue;
    std::string low(word);
    for (auto& c : low) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    if (low == "and") {
      is_family.push_back(family);
      parts.emplace_back();
      family = false;
      continue;
    }
    if (low == "code" || low == "codes") family = true;
    parts.back().push_back(word);
  }
  is_family.push_back(family);
  const bool combination = parts.size() > 1;
  for (std::size_t i = 0; i < parts.size(); ++i) {
    if (combination && is_family[i]) continue;
    for (auto word : parts[i]) {
      fmt::Ref ref;
      if (parse_ref_token(word, ref)) out.push_back(ref);
    }
  }
}

// A change list (see ReleaseSpec::changes): the deleted and added codes, checked against the
// two order files it claims to compare; successors for deleted billable codes whose long title
// an added billable code carries unchanged (T52.8X1A -> T52.891A), as conversion rows effective
// on `effective`. Headers are left out: a title shared by two headers says nothing about
// their children.
std::string parse_changes(const std::string& path, Date effective, const CodeSet& before, const CodeSet& after,
                          std::map<std::uint64_t, ConversionRow>& conv) {
  std::string text;
  if (auto e = read_data_file(path, text); !e.empty()) return e;
  const auto lines = split_lines(text);
  bool header = false;
  std::multimap<std::string, std::uint64_t> deleted;  // long title (before) -> code
  std::vector<std::pair<std::uint64_t, std::string>> added;
  std::size_t rows = 0;
  for (std::size_t i = 0; i < lines.size(); ++i) {
    const std::string_view line = lines[i];
    if (trim(line).empty() || line.front() == '#') continue;
    const auto cols = split(line, '\t');
    if (!header) {
      if (cols.size() < 9 || trim(cols[0]) != "change" || trim(cols[1]) != "code")
        return at_line(path, i + 1) + "expected the header 'change<TAB>code<TAB>code_dotted<TAB>flag... (9 columns)'";
      header = true;
      continue;
    }
    if (cols.size() < 9) return at_line(path, i + 1) + "change row with fewer than 9 columns";
    const std::string_view kind = trim(cols[0]);
    const std::uint64_t key = strict_key(cols[1]);
    if (key == 0) return at_line(path, i + 1) + "no ICD-10-CM code in the code column";
    const bool in_before = before.count(key) != 0, in_after = after.count(key) != 0;
    if (kind == "added") {
      if (in_before || !in_after)
        return at_line(path, i + 1) + key_dotted(key) + " is listed as added but the order files disagree";
      if (after.at(key).billable) added.emplace_back(key, std::string(trim(cols[8])));
    } else if (kind == "deleted") {
      if (!in_before || in_after)
        return at_line(path, i + 1) + key_dotted(key) + " is listed as deleted but the order files disagree";
      if (before.at(key).billable) deleted.emplace(std::string(trim(cols[6])), key);
    } else if (kind == "flag_changed" || kind == "title_revised") {
      if (!in_before || !in_after)
        return at_line(path, i + 1) + key_dotted(key) + " is listed as changed but is missing from an order file";
    } else {
      return at_line(path, i + 1) + "unknown change '" + std::string(kind) + "' (added, deleted, flag_changed, title_revised)";
    }
    ++rows;
  }
  if (!header || rows == 0) return path + ": the change list has no rows";
  for (const auto& [key, title] : added) {
    const auto [b, e] = deleted.equal_range(title);
    if (b == e || title.empty()) continue;
    ConversionRow& row = conv[key];
    if (row.previous.empty()) row.effective = effective;
    for (auto it = b; it != e; ++it) row.previous.push_back(fmt::Ref{it->second, 0, 0, 0});
  }
  return {};
}

bool ref_matches(const fmt::Ref& r, std::uint64_t key) {
  if (r.flags & fmt::kRefRange)
    return key_prefix(key, key_len(r.first)) >= r.first && key_prefix(key, key_len(r.last)) <= r.last;
  return key_prefix(key, key_len(r.first)) == r.first;
}

bool contains_ci(std::string_view hay, std::string_view needle) {
  auto it = std::search(hay.begin(), hay.end(), needle.begin(), needle.end(), [](char a, char b) {
    return std::tolower(static_cast<unsigned char>(a)) == std::tolower(static_cast<unsigned char>(b));
  });
  return it != hay.end();
}

std::size_t line_of(const std::string& text, std::ptrdiff_t offset) {
  if (offset < 0) return 0;
  const auto end = text.begin() + std::min<std::ptrdiff_t>(offset, static_cast<std::ptrdiff_t>(text.size()));
  return 1 + static_cast<std::size_t>(std::count(text.begin(), end, '\n'));
}

class TabularReader {
 public:
  TabularReader(const std::string& path, const std::string& text, std::vector<TabNode>& nodes)
      : path_(path), text_(text), nodes_(nodes) {}

  std::string run() {
    pugi::xml_document doc;
    const pugi::xml_parse_result res = doc.load_buffer(text_.data(), text_.size(), pugi::parse_default,
                                                       pugi::encoding_utf8);
    if (!res) return at_line(path_, line_of(text_, res.offset)) + "XML error: " + res.description();
    const pugi::xml_node root = doc.child("ICD10CM.tabular");
    if (!root) return path_ + ":1: no <ICD10CM.tabular> root element";
    std::uint64_t section_no = 0;
    for (pugi::xml_node ch : root.children("chapter")) {
      const std::string num(trim(ch.child_value("name")));
      int chapter = 0;
      for (char c : num) chapter = (c >= '0' && c <= '9' && chapter < 1000) ? chapter * 10 + (c - '0') : 10000;
      if (num.empty() || chapter <= 0 || chapter > 255)
        return where(ch) + "chapter <name> '" + num + "' is not a chapter number";
      TabNode cn;
      cn.key = (0xFFull << 56) | (1ull << 48) | static_cast<std::uint64_t>(chapter);
      cn.name = num;
      cn.desc = ch.child_value("desc");
      cn.flags = fmt::kNodeChapter | (static_cast<std::uint32_t>(chapter) << fmt::kNodeChapterShift);
      collect_notes(ch, cn);
      const auto cidx = push(std::move(cn));
      for (pugi::xml_node sec : ch.children("section")) {
        TabNode sn;
        sn.key = (0xFFull << 56) | (2ull << 48) | ++section_no;
        sn.name = sec.attribute("id").as_string();
        if (sn.name.empty()) return where(sec) + "<section> without an id attribute";
        sn.desc = sec.child_value("desc");
        sn.parent = cidx;
        sn.flags = fmt::kNodeSection | (static_cast<std::uint32_t>(chapter) << fmt::kNodeChapterShift);
        collect_notes(sec, sn);
        const auto sidx = push(std::move(sn));
        for (pugi::xml_node d : sec.children("diag"))
          if (auto e = diag(d, sidx, static_cast<std::uint32_t>(chapter)); !e.empty()) return e;
      }
    }
    if (codes_ == 0) return path_ + ": the tabular lists no <diag> codes";
    return {};
  }

 private:
  std::string where(const pugi::xml_node& n) const { return at_line(path_, line_of(text_, n.offset_debug())); }

  std::uint32_t push(TabNode n) {
    nodes_.push_back(std::move(n));
    return static_cast<std::uint32_t>(nodes_.size() - 1);
  }

  void collect_notes(const pugi::xml_node& x, TabNode& n) {
    for (pugi::xml_node g : x.children("excludes1"))
      for (pugi::xml_node note : g.children("note")) {
        const std::size_t before = n.e1.size();
        parse_note_refs(note.child_value(), n.e1);
        for (std::size_t i = before; i < n.e1.size(); ++i) n.e1_notes.emplace_back(note.child_value());
      }
    for (pugi::xml_node g : x.children("excludes2"))
      for (pugi::xml_node note : g.children("note")) {
        const std::size_t before = n.e2.size();
        parse_note_refs(note.child_value(), n.e2);
        for (std::size_t i = before; i < n.e2.size(); ++i) n.e2_notes.emplace_back(note.child_value());
      }
  }

  std::string diag(const pugi::xml_node& d, std::uint32_t parent, std::uint32_t chapter) {
    TabNode n;
    n.name = std::string(trim(d.child_value("name")));
    n.key = strict_key(n.name);
    if (n.key == 0) return where(d) + "<diag> <name> '" + n.name + "' is not an ICD-10-CM code";
    if (!keys_.insert(n.key).second) return where(d) + "<diag> " + n.name + " appears twice";
    n.desc = d.child_value("desc");
    n.parent = parent;
    n.flags = chapter << fmt::kNodeChapterShift;
    if (contains_ci(n.desc, "in diseases classified elsewhere")) n.flags |= fmt::kNodeManifestation;
    if (d.child("codeFirst")) n.flags |= fmt::kNodeCodeFirst;
    collect_notes(d, n);
    for (pugi::xml_node def : d.children("sevenChrDef"))
      for (pugi::xml_node ext : def.children("extension")) {
        const std::string c = ext.attribute("char").as_string();
        if (c.size() != 1 || !((c[0] >= 'A' && c[0] <= 'Z') || (c[0] >= '0' && c[0] <= '9')))
          return where(ext) + "sevenChrDef extension char '" + c + "' is not one letter or digit";
        n.seven.emplace_back(c[0], ext.child_value());
      }
    ++codes_;
    const auto idx = push(std::move(n));
    for (pugi::xml_node c : d.children("diag"))
      if (auto e = diag(c, idx, chapter); !e.empty()) return e;
    return {};
  }

  const std::string& path_;
  const std::string& text_;
  std::vector<TabNode>& nodes_;
  std::set<std::uint64_t> keys_;
  std::size_t codes_ = 0;
};

// ---------------------------------------------------------------------------------------------
// MCE simple code edit lists (tab delimited).

std::string parse_mce(const std::string& path, std::map<std::uint64_t, MceRow>& out) {
  std::string text;
  if (auto e = read_data_file(path, text); !e.empty()) return e;
  const auto lines = split_lines(text);
  if (lines.empty() || !lines[0].starts_with("MCE_Version\t"))
    return path + ":1: not an MCE list (expected the header 'MCE_Version<TAB>ICD_Version...')";
  std::size_t taken = 0;
  for (std::size_t i = 1; i < lines.size(); ++i) {
    if (trim(lines[i]).empty()) continue;
    const auto cols = split(lines[i], '\t');
    if (cols.size() < 7) return at_line(path, i + 1) + "MCE row with fewer than 7 columns";
    if (trim(cols[5]) != "D") continue;  // procedure codes
    const std::uint64_t key = strict_key(cols[6]);
    if (key == 0) return at_line(path, i + 1) + "MCE row without an ICD-10-CM diagnosis code";
    const std::string_view type = trim(cols[4]);
    MceRow& row = out[key];
    if (type == "Newborn_Only") row.age = fmt::kMceNewborn;
    else if (type == "Pediatric_Only") row.age = fmt::kMcePediatric;
    else if (type == "Maternity_Only") row.age = fmt::kMceMaternity;
    else if (type == "Adult_Only") row.age = fmt::kMceAdult;
    else if (type == "Female_Only") row.sex = fmt::kMceFemale;
    else if (type == "Male_Only") row.sex = fmt::kMceMale;
    else if (type == "Principal_Manifestation") row.flags |= fmt::kMcePrincipalManifestation;
    else if (row.age == 0 && row.sex == 0 && row.flags == 0) out.erase(key);
    ++taken;
  }
  if (taken == 0) return path + ": the MCE list has no diagnosis rows";
  return {};
}

// ---------------------------------------------------------------------------------------------
// POA-exempt lists (tab delimited: order number, dotted code, long title; a header line).

std::string parse_poa(const std::string& path, std::set<std::uint64_t>& out) {
  std::string text;
  if (auto e = read_data_file(path, text); !e.empty()) return e;
  const auto lines = split_lines(text);
  if (lines.empty() || split(lines[0], '\t').size() < 2 || trim(split(lines[0], '\t')[1]) != "POAexemptCode")
    return path + ":1: not a POA-exempt list (expected the header '<order><TAB>POAexemptCode<TAB>Description')";
  for (std::size_t i = 1; i < lines.size(); ++i) {
    if (trim(lines[i]).empty()) continue;
    const auto cols = split(lines[i], '\t');
    if (cols.size() < 2) return at_line(path, i + 1) + "POA-exempt row with fewer than 2 columns";
    const std::uint64_t key = strict_key(cols[1]);
    if (key == 0) return at_line(path, i + 1) + "'" + std::string(trim(cols[1])) + "' is not an ICD-10-CM code";
    out.insert(key);
  }
  if (out.empty()) return path + ": the POA-exempt list has no codes";
  return {};
}

// ---------------------------------------------------------------------------------------------
// Output

class Writer {
 public:
  template <class T>
  void section(fmt::SectionId id, const std::vector<T>& v) {
    add(id, sizeof(T), v.data(), v.size(), v.size() * sizeof(T));
  }
  void bytes(fmt::SectionId id, const std::string& s) { add(id, 1, s.data(), s.size(), s.size()); }
  // A section of another part of the index (procedure_format.hpp).
  void raw(std::uint32_t id, std::uint32_t elem, const void* p, std::size_t count) {
    add(static_cast<fmt::SectionId>(id), elem, p, count, count * elem);
  }

  std::string write(const std::string& path, std::size_t* size) {
    std::string file(sizeof(fmt::FileHeader) + entries_.size() * sizeof(fmt::SectionEntry), '\0');
    auto entries = entries_;
    for (std::size_t i = 0; i < parts_.size(); ++i) {
      while (file.size() % 8) file.push_back('\0');
      entries[i].offset = file.size();
      file.append(parts_[i]);
    }
    while (file.size() % 8) file.push_back('\0');
    std::memcpy(file.data() + sizeof(fmt::FileHeader), entries.data(), entries.size() * sizeof(fmt::SectionEntry));
    fmt::FileHeader h{};
    std::memcpy(h.magic, fmt::kMagic, sizeof h.magic);
    h.version = fmt::kFormatVersion;
    h.section_count = static_cast<std::uint32_t>(entries.size());
    h.file_size = file.size();
    h.payload_hash = fmt::payload_hash(reinterpret_cast<const unsigned char*>(file.data()) + sizeof h,
                                       file.size() - sizeof h);
    std::memcpy(file.data(), &h, sizeof h);
    const std::string tmp = path + ".tmp";
    {
      std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
      if (!out) return tmp + ": cannot open for writing";
      out.write(file.data(), static_cast<std::streamsize>(file.size()));
      if (!out.flush()) return tmp + ": write failed";
    }
    if (std::rename(tmp.c_str(), path.c_str()) != 0) return path + ": cannot rename " + tmp + " to it";
    if (size) *size = file.size();
    return {};
  }

 private:
  void add(fmt::SectionId id, std::size_t elem, const void* p, std::size_t count, std::size_t n) {
    entries_.push_back(fmt::SectionEntry{id, static_cast<std::uint32_t>(elem), 0, count});
    parts_.emplace_back(static_cast<const char*>(p), n);
  }
  std::vector<fmt::SectionEntry> entries_;
  std::vector<std::string> parts_;
};

}  // namespace

// ---------------------------------------------------------------------------------------------

std::string read_data_file(const std::string& path, std::string& out) {
  out.clear();
  std::ifstream in(path, std::ios::binary);
  if (!in) return path + ": cannot open";
  std::string raw((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  if (in.bad()) return path + ": read error";
  static constexpr unsigned char kXz[6] = {0xFD, '7', 'z', 'X', 'Z', 0x00};
  if (raw.size() < 6 || std::memcmp(raw.data(), kXz, 6) != 0) {
    out = std::move(raw);
    return {};
  }
  lzma_stream strm = LZMA_STREAM_INIT;
  if (lzma_stream_decoder(&strm, UINT64_MAX, LZMA_CONCATENATED) != LZMA_OK)
    return path + ": cannot initialise the xz decoder";
  strm.next_in = reinterpret_cast<const std::uint8_t*>(raw.data());
  strm.avail_in = raw.size();
  std::string result;
  result.resize(std::max<std::size_t>(raw.size() * 8, 1 << 16));
  std::size_t produced = 0;
  lzma_ret ret = LZMA_OK;
  for (;;) {
    if (produced == result.size()) result.resize(result.size() * 2);
    strm.next_out = reinterpret_cast<std::uint8_t*>(result.data() + produced);
    strm.avail_out = result.size() - produced;
    ret = lzma_code(&strm, LZMA_FINISH);
    produced = result.size() - strm.avail_out;
    if (ret != LZMA_OK) break;
  }
  lzma_end(&strm);
  if (ret != LZMA_STREAM_END)
    return path + ": xz data is corrupt or truncated (liblzma error " + std::to_string(static_cast<int>(ret)) + ")";
  result.resize(produced);
  out = std::move(result);
  return {};
}

std::string read_order_file(const std::string& path, std::vector<OrderEntry>& out) {
  CodeSet set;
  if (auto e = parse_order(path, set); !e.empty()) return e;
  out.clear();
  for (auto& [k, e] : set) out.push_back(OrderEntry{key_string(k), e.billable, e.short_title, e.long_title});
  return {};
}

std::string read_manifest(const std::string& path, BuildSpec& spec) {
  std::string text;
  if (auto e = read_data_file(path, text); !e.empty()) return e;
  std::string dir;
  if (const auto slash = path.rfind('/'); slash != std::string::npos) dir = path.substr(0, slash + 1);
  const auto lines = split_lines(text);
  for (std::size_t i = 0; i < lines.size(); ++i) {
    const std::string_view line = trim(lines[i]);
    if (line.empty() || line.front() == '#') continue;
    const auto cols = split(line, '\t');
    const std::string here = at_line(path, i + 1);
    if (cols.size() < 3) return here + "expected '<release|mce|poa> NAME YYYY-MM-DD key=value...' separated by tabs";
    const std::string_view kind = trim(cols[0]);
    std::string name(trim(cols[1]));
    for (auto& c : name) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    const auto date = parse_date_arg(cols[2]);
    if (!date) return here + "'" + std::string(cols[2]) + "' is not a date (YYYY-MM-DD)";
    if (name.empty()) return here + "empty name";
    if (const auto catalog = procedure_line_kind(kind)) {
      const std::vector<std::string_view> rest(cols.begin() + 3, cols.end());
      if (auto e = read_procedure_line(*catalog, cols[1], *date, rest, dir, path + ":" + std::to_string(i + 1),
                                       spec.procedures);
          !e.empty())
        return e;
      continue;
    }
    ReleaseSpec r;
    MceSpec m;
    r.name = name;
    m.name = std::string(trim(cols[1]));
    r.effective_from = m.effective_from = *date;
    r.origin = m.origin = path + ":" + std::to_string(i + 1);
    if (kind != "release" && kind != "mce" && kind != "poa")
      return here + "unknown line kind '" + std::string(kind) + "' (release, mce, poa, pcs, hcpcs or cpt)";
    for (std::size_t c = 3; c < cols.size(); ++c) {
      const std::string_view kv = trim(cols[c]);
      if (kv.empty()) continue;
      const std::size_t eq = kv.find('=');
      if (eq == std::string_view::npos) return here + "'" + std::string(kv) + "' is not key=value";
      const std::string key(kv.substr(0, eq));
      const std::string value(kv.substr(eq + 1));
      const std::string file = (!value.empty() && value.front() == '/') ? value : dir + value;
      if (kind == "mce" || kind == "poa") {
        if (key != "file") return here + "unknown " + std::string(kind) + " key '" + key + "' (file)";
        m.file = file;
      } else if (key == "order") r.order = file;
      else if (key == "tabular") r.tabular = file;
      else if (key == "conversion") r.conversion.push_back(file);
      else if (key == "changes") r.changes.push_back(file);
      else if (key == "base") {
        r.base = value;
        for (auto& ch : r.base) ch = static_cast<char>(std::toupper(static_cast<unsigned char>(ch)));
      } else if (key == "undo-addenda") r.undo_addenda = file;
      else if (key == "keep-addenda") r.keep_addenda = file;
      else if (key == "add-conversion-effective") {
        r.add_conversion_effective = parse_date_arg(value);
        if (!r.add_conversion_effective) return here + "add-conversion-effective '" + value + "' is not a date";
      } else {
        return here + "unknown release key '" + key + "'";
      }
    }
    if (kind == "mce" || kind == "poa") {
      if (m.file.empty()) return here + std::string(kind) + " line without file=";
      if (kind == "mce") spec.mce.push_back(std::move(m));
      else spec.poa.push_back(PoaSpec{name, m.effective_from, m.file, m.origin});
    } else {
      spec.releases.push_back(std::move(r));
    }
  }
  return {};
}

std::string compile_index(const BuildSpec& spec_in, const std::string& out_path, BuildStats* stats) {
  std::vector<ReleaseSpec> rel = spec_in.releases;
  if (rel.empty()) return "code-set build: no releases given";
  if (rel.size() > fmt::kMaxReleases)
    return "code-set build: at most " + std::to_string(fmt::kMaxReleases) + " releases per index";
  std::stable_sort(rel.begin(), rel.end(), [](const auto& a, const auto& b) { return a.effective_from < b.effective_from; });
  std::map<std::string, std::size_t> by_name;
  for (std::size_t i = 0; i < rel.size(); ++i) {
    const auto& r = rel[i];
    if (!by_name.emplace(r.name, i).second) return r.origin + ": release " + r.name + " given twice";
    if (i > 0 && rel[i - 1].effective_from == r.effective_from)
      return r.origin + ": releases " + rel[i - 1].name + " and " + r.name + " have the same effective date";
    if (r.order.empty() == r.base.empty())
      return r.origin + ": release " + r.name + " needs exactly one of order= or base=";
    if (r.undo_addenda.empty() != r.keep_addenda.empty())
      return r.origin + ": undo-addenda= and keep-addenda= go together";
  }
  const std::size_t nrel = rel.size();

  // 1. Order files.
  std::vector<CodeSet> sets(nrel);
  std::vector<bool> done(nrel, false);
  std::vector<std::string> derivation(nrel);
  for (std::size_t i = 0; i < nrel; ++i)
    if (!rel[i].order.empty()) {
      if (auto e = parse_order(rel[i].order, sets[i]); !e.empty()) return e;
      done[i] = true;
    }

  // 2. Conversion tables (cumulative; merged).
  std::map<std::uint64_t, ConversionRow> conv;
  for (const auto& r : rel)
    for (const auto& f : r.conversion)
      if (auto e = parse_conversion(f, conv); !e.empty()) return e;

  // 3. Derived releases, in dependency order.
  for (bool progress = true; progress;) {
    progress = false;
    for (std::size_t i = 0; i < nrel; ++i) {
      if (done[i]) continue;
      const auto& r = rel[i];
      const auto b = by_name.find(r.base);
      if (b == by_name.end()) return r.origin + ": base release '" + r.base + "' is not defined";
      if (!done[b->second]) continue;
      CodeSet set = sets[b->second];
      std::string how = "derived from " + r.base;
      if (!r.undo_addenda.empty()) {
        std::vector<AddendaLine> undo, keep;
        if (auto e = parse_addenda(r.undo_addenda, undo); !e.empty()) return e;
        if (auto e = parse_addenda(r.keep_addenda, keep); !e.empty()) return e;
        std::set<std::string> kept;
        for (const auto& a : keep) kept.insert(a.raw);
        std::vector<const AddendaLine*> only;
        for (const auto& a : undo)
          if (!kept.count(a.raw)) only.push_back(&a);
        std::size_t removed = 0, restored = 0;
        for (const AddendaLine* a : only)
          if (a->tag == "Add") {
            if (!set.erase(a->key))
              return at_line(r.undo_addenda, a->line) + "cannot undo the addition of " + key_dotted(a->key) +
                     ": not in " + r.base;
            ++removed;
          }
        for (const AddendaLine* a : only)
          if (a->tag == "Delete") {
            set[a->key] = a->entry;
            ++restored;
          }
        for (const AddendaLine* a : only)
          if (a->tag == "Revise from") {
            auto it = set.find(a->key);
            if (it != set.end()) it->second = a->entry;
          }
        how += " minus the " + std::to_string(only.size()) + " changes listed in " + short_path(r.undo_addenda) +
               " but not in " + short_path(r.keep_addenda) + " (" + std::to_string(removed) + " codes removed, " +
               std::to_string(restored) + " restored)";
      }
      if (r.add_conversion_effective) {
        std::size_t added = 0;
        for (const auto& [key, row] : conv) {
          if (row.effective != *r.add_conversion_effective || set.count(key)) continue;
          // Entry and missing ancestors from the first later release that lists the code.
          bool found = false;
          for (std::size_t j = i + 1; j < nrel && !found; ++j) {
            if (!done[j]) continue;
            auto it = sets[j].find(key);
            if (it == sets[j].end()) continue;
            found = true;
            set[key] = it->second;
            ++added;
            for (int len = key_len(key) - 1; len >= 3; --len) {
              const auto pk = key_prefix(key, len);
              if (set.count(pk)) continue;
              auto pit = sets[j].find(pk);
              if (pit != sets[j].end()) set[pk] = pit->second;
            }
          }
          if (!found)
            return r.origin + ": " + key_dotted(key) + " (conversion table, effective " +
                   r.add_conversion_effective->iso() + ") is in no later order file to take its title from";
        }
        how += " plus the " + std::to_string(added) + " codes the conversion tables date " +
               r.add_conversion_effective->iso();
      }
      sets[i] = std::move(set);
      derivation[i] = how;
      done[i] = true;
      progress = true;
    }
  }
  for (std::size_t i = 0; i < nrel; ++i)
    if (!done[i]) return rel[i].origin + ": release " + rel[i].name + " cannot be derived (circular base=)";
  for (std::size_t i = 0; i < nrel; ++i)
    for (const auto& f : rel[i].changes) {
      if (i == 0) return rel[i].origin + ": changes= needs an earlier release to compare with";
      if (auto e = parse_changes(f, rel[i].effective_from, sets[i - 1], sets[i], conv); !e.empty()) return e;
    }

  // 4. The code universe.
  StringPool pool;
  std::map<std::uint64_t, std::size_t> universe;
  for (const auto& s : sets)
    for (const auto& kv : s) universe.emplace(kv.first, 0);
  std::vector<fmt::Code> codes;
  codes.reserve(universe.size());
  for (auto& [k, idx] : universe) {
    idx = codes.size();
    fmt::Code c{};
    c.key = k;
    codes.push_back(c);
  }
  std::vector<fmt::Title> titles;
  std::vector<std::vector<fmt::Title>> code_titles(codes.size());
  for (std::size_t r = 0; r < nrel; ++r) {
    const std::uint32_t bit = 1u << r;
    for (auto it = sets[r].begin(); it != sets[r].end(); ++it) {
      const std::size_t ci = universe[it->first];
      fmt::Code& c = codes[ci];
      c.present |= bit;
      if (it->second.billable) c.billable |= bit;
      const auto st = pool.add(it->second.short_title);
      const auto lt = pool.add(it->second.long_title);
      auto& tv = code_titles[ci];
      if (tv.empty() || tv.back().short_title != st || tv.back().long_title != lt)
        tv.push_back(fmt::Title{static_cast<std::uint32_t>(r), st, lt});
      // needs7: a header all of whose descendants are 7-character codes.
      const int len = key_len(it->first);
      if (!it->second.billable && len < 7) {
        bool any = false, all7 = true;
        for (auto d = std::next(it); d != sets[r].end() && key_prefix(d->first, len) == it->first; ++d) {
          any = true;
          if (key_len(d->first) != 7) { all7 = false; break; }
        }
        if (any && all7) c.needs7 |= bit;
      }
    }
  }
  for (std::size_t ci = 0; ci < codes.size(); ++ci) {
    codes[ci].title_begin = static_cast<std::uint32_t>(titles.size());
    codes[ci].title_count = static_cast<std::uint16_t>(code_titles[ci].size());
    titles.insert(titles.end(), code_titles[ci].begin(), code_titles[ci].end());
  }

  // 5. Successors from the conversion tables.
  std::vector<std::vector<std::uint32_t>> succ(codes.size());
  // Only codes that disappear from some release need them (Deleted explanations).
  std::vector<std::size_t> vanishing;
  for (std::size_t ci = 0; ci < codes.size(); ++ci) {
    const std::uint32_t p = codes[ci].present;
    const std::uint32_t after_first = ~((p & (~p + 1)) - 1) & ((nrel == 32 ? 0u : (1u << nrel)) - 1u);
    if ((p & after_first) != after_first) vanishing.push_back(ci);
  }
  for (const auto& [key, row] : conv) {
    auto nit = universe.find(key);
    if (nit == universe.end()) continue;
    const auto ni = static_cast<std::uint32_t>(nit->second);
    for (const auto& pr : row.previous)
      for (std::size_t ci : vanishing) {
        if (codes[ci].key == key || !ref_matches(pr, codes[ci].key)) continue;
        auto& v = succ[ci];
        if (std::find(v.begin(), v.end(), ni) == v.end()) v.push_back(ni);
      }
  }
  std::vector<std::uint32_t> successors;
  for (std::size_t ci = 0; ci < codes.size(); ++ci) {
    auto& v = succ[ci];
    std::sort(v.begin(), v.end());
    codes[ci].succ_begin = static_cast<std::uint32_t>(successors.size());
    codes[ci].succ_count = static_cast<std::uint16_t>(std::min<std::size_t>(v.size(), 0xFFFF));
    successors.insert(successors.end(), v.begin(), v.begin() + codes[ci].succ_count);
  }

  // 5b. Predecessors (what to use before a code took effect), from the same rows.
  std::vector<fmt::Predecessor> preds;
  std::vector<fmt::Ref> pred_refs;
  for (const auto& [key, row] : conv) {
    auto nit = universe.find(key);
    if (nit == universe.end() || row.previous.empty()) continue;
    preds.push_back(fmt::Predecessor{static_cast<std::uint32_t>(nit->second),
                                     static_cast<std::uint32_t>(pred_refs.size()),
                                     static_cast<std::uint32_t>(row.previous.size()), 0});
    pred_refs.insert(pred_refs.end(), row.previous.begin(), row.previous.end());
  }

  // 6. Releases.
  std::vector<fmt::Release> releases(nrel);
  for (std::size_t r = 0; r < nrel; ++r) {
    releases[r].name = pool.add(rel[r].name);
    releases[r].from_days = rel[r].effective_from.days();
    if (r + 1 < nrel) {
      releases[r].to_days = rel[r + 1].effective_from.days() - 1;
    } else {
      // The newest release runs to the day before the next Oct 1 (start of the next FY).
      const Date f = rel[r].effective_from;
      const Date next{static_cast<std::int16_t>(f.month >= 10 ? f.year + 1 : f.year), 10, 1};
      releases[r].to_days = next.days() - 1;
    }
    releases[r].derivation = pool.add(derivation[r]);
  }

  // 7. Tabulars.
  std::vector<fmt::Tabular> tabulars;
  std::vector<fmt::Node> nodes;
  std::vector<fmt::Ref> refs;
  std::vector<fmt::SevenDef> seven_defs;
  std::vector<fmt::SevenChar> seven_chars;
  std::set<std::uint64_t> seven_keys;  // codes that carry a sevenChrDef in some tabular
  for (std::size_t r = 0; r < nrel; ++r) {
    if (rel[r].tabular.empty()) continue;
    std::string text;
    if (auto e = read_data_file(rel[r].tabular, text); !e.empty()) return e;
    std::vector<TabNode> tn;
    TabularReader reader(rel[r].tabular, text, tn);
    if (auto e = reader.run(); !e.empty()) return e;
    std::vector<std::uint32_t> order(tn.size());
    for (std::uint32_t i = 0; i < order.size(); ++i) order[i] = i;
    std::sort(order.begin(), order.end(), [&](auto a, auto b) { return tn[a].key < tn[b].key; });
    const auto base = static_cast<std::uint32_t>(nodes.size());
    std::vector<std::uint32_t> pos(tn.size());
    for (std::uint32_t i = 0; i < order.size(); ++i) pos[order[i]] = base + i;
    for (std::uint32_t i = 0; i < order.size(); ++i) {
      TabNode& t = tn[order[i]];
      fmt::Node n{};
      n.key = t.key;
      n.parent = t.parent == fmt::kNone ? fmt::kNone : pos[t.parent];
      n.name = pool.add(t.name);
      n.flags = t.flags;
      n.e1_begin = static_cast<std::uint32_t>(refs.size());
      n.e1_count = static_cast<std::uint16_t>(t.e1.size());
      for (std::size_t j = 0; j < t.e1.size(); ++j) {
        t.e1[j].note = pool.add(t.e1_notes[j]);
        refs.push_back(t.e1[j]);
      }
      n.e2_count = static_cast<std::uint16_t>(t.e2.size());
      for (std::size_t j = 0; j < t.e2.size(); ++j) {
        t.e2[j].note = pool.add(t.e2_notes[j]);
        refs.push_back(t.e2[j]);
      }
      n.seven = fmt::kNone;
      if (!t.seven.empty()) {
        n.seven = static_cast<std::uint32_t>(seven_defs.size());
        seven_defs.push_back(fmt::SevenDef{static_cast<std::uint32_t>(seven_chars.size()),
                                           static_cast<std::uint32_t>(t.seven.size())});
        for (const auto& [ch, meaning] : t.seven)
          seven_chars.push_back(fmt::SevenChar{pool.add(meaning), static_cast<std::uint32_t>(ch)});
      }
      nodes.push_back(n);
    }
    tabulars.push_back(fmt::Tabular{releases[r].name, static_cast<std::uint32_t>(r), base,
                                    static_cast<std::uint32_t>(order.size())});
    for (const auto& t : tn)
      if (!t.seven.empty()) seven_keys.insert(t.key);
  }
  // A header whose descendants all have 7 characters needs a 7th character only where a
  // tabular defines 7th characters for it or an ancestor: Z87.890 (FY2027: Z87.8901-Z87.8909)
  // and M86.8X1 (M86.8X11 ...) are plain headers whose codes happen to have 7 characters.
  // Without any tabular the order file's shape is all there is to go by.
  if (!tabulars.empty())
    for (auto& c : codes) {
      if (c.needs7 == 0) continue;
      bool defined = false;
      for (int len = key_len(c.key); len >= 3 && !defined; --len) defined = seven_keys.count(key_prefix(c.key, len)) != 0;
      if (!defined) c.needs7 = 0;
    }

  // 8. MCE lists.
  std::vector<MceSpec> mce = spec_in.mce;
  std::stable_sort(mce.begin(), mce.end(), [](const auto& a, const auto& b) { return a.effective_from < b.effective_from; });
  std::vector<fmt::MceVersion> mce_versions;
  std::vector<fmt::MceEntry> mce_entries;
  for (std::size_t v = 0; v < mce.size(); ++v) {
    std::map<std::uint64_t, MceRow> rows;
    if (auto e = parse_mce(mce[v].file, rows); !e.empty()) return e;
    mce_versions.push_back(fmt::MceVersion{pool.add("MCE " + mce[v].name), mce[v].effective_from.days()});
    for (const auto& [k, row] : rows)
      mce_entries.push_back(fmt::MceEntry{k, static_cast<std::uint32_t>(v), row.age, row.sex, row.flags, 0});
  }
  std::sort(mce_entries.begin(), mce_entries.end(), [](const auto& a, const auto& b) {
    return a.key != b.key ? a.key < b.key : a.version < b.version;
  });

  // 9. POA-exempt lists.
  std::vector<PoaSpec> poa = spec_in.poa;
  std::stable_sort(poa.begin(), poa.end(), [](const auto& a, const auto& b) { return a.effective_from < b.effective_from; });
  if (poa.size() > fmt::kMaxPoaLists)
    return "code-set build: at most " + std::to_string(fmt::kMaxPoaLists) + " POA-exempt lists per index";
  std::vector<fmt::PoaList> poa_lists;
  std::map<std::uint64_t, std::uint32_t> poa_masks;
  for (std::size_t l = 0; l < poa.size(); ++l) {
    if (l > 0 && poa[l - 1].effective_from == poa[l].effective_from)
      return poa[l].origin + ": POA-exempt lists " + poa[l - 1].name + " and " + poa[l].name + " have the same effective date";
    std::set<std::uint64_t> keys;
    if (auto e = parse_poa(poa[l].file, keys); !e.empty()) return e;
    poa_lists.push_back(fmt::PoaList{pool.add(poa[l].name), poa[l].effective_from.days()});
    for (const auto k : keys) poa_masks[k] |= 1u << l;
  }
  std::vector<fmt::PoaEntry> poa_entries;
  poa_entries.reserve(poa_masks.size());
  for (const auto& [k, mask] : poa_masks) poa_entries.push_back(fmt::PoaEntry{k, mask, 0});

  Writer w;
  w.bytes(fmt::kStrings, pool.data());
  w.section(fmt::kReleases, releases);
  w.section(fmt::kCodes, codes);
  w.section(fmt::kTitles, titles);
  w.section(fmt::kSuccessors, successors);
  w.section(fmt::kTabulars, tabulars);
  w.section(fmt::kNodes, nodes);
  w.section(fmt::kRefs, refs);
  w.section(fmt::kSevenDefs, seven_defs);
  w.section(fmt::kSevenChars, seven_chars);
  w.section(fmt::kMceVersions, mce_versions);
  w.section(fmt::kMceEntries, mce_entries);
  w.section(fmt::kPredecessors, preds);
  w.section(fmt::kPredecessorRefs, pred_refs);
  w.section(fmt::kPoaLists, poa_lists);
  w.section(fmt::kPoaEntries, poa_entries);
  std::size_t bytes = 0;
  if (auto e = compile_procedures(
          spec_in.procedures,
          [&w](std::uint32_t id, std::uint32_t elem, const void* data, std::size_t count) {
            w.raw(id, elem, data, count);
          },
          stats ? &stats->procedures : nullptr);
      !e.empty())
    return e;
  if (auto e = w.write(out_path, &bytes); !e.empty()) return e;
  if (stats) {
    stats->releases = nrel;
    stats->codes = codes.size();
    stats->tabular_nodes = nodes.size();
    stats->note_refs = refs.size();
    stats->mce_entries = mce_entries.size();
    stats->poa_lists = poa_lists.size();
    stats->poa_codes = poa_entries.size();
    stats->bytes = bytes;
  }
  return {};
}

}  // namespace cg::codesets
