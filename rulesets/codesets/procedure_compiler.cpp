// Procedure code-set compiler (see procedure_compiler.hpp for the contract).
#include "rulesets/codesets/procedure_compiler.hpp"

#include "rulesets/codesets/code_key.hpp"
#include "rulesets/codesets/compile_util.hpp"
#include "rulesets/codesets/icd10cm_compiler.hpp"
#include "rulesets/codesets/procedure_format.hpp"

#include <algorithm>
#include <array>
#include <map>
#include <set>

namespace cg::codesets {
namespace {

using rules::Date;

bool alnum_upper(std::string_view s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) { return (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9'); });
}

// ICD-10-PCS characters: digits and letters except I and O; 7 for a code, 3 for a table.
bool pcs_code(std::string_view s) {
  return (s.size() == 7 || s.size() == 3) && alnum_upper(s) && s.find_first_of("IO") == std::string_view::npos;
}

struct Entry {
  bool valid = false;
  std::string short_title, long_title;
  std::int32_t add = pfmt::kNoDate, term = pfmt::kNoDate;  // HCPCS
};
using CodeSet = std::map<std::uint64_t, Entry>;

std::uint64_t key_of(std::string_view code) { return pack_code(code.data(), static_cast<int>(code.size())); }

// icd10pcs_order_YYYY.txt (1-5 order number, 7-13 code, 15 flag, 17-76 short title, 78- long
// title) or icd10pcs_codes_YYYY.txt (code, blank, long title).
std::string parse_pcs(const std::string& path, CodeSet& out) {
  std::string text;
  if (auto e = read_data_file(path, text); !e.empty()) return e;
  const auto lines = split_lines(text);
  std::size_t n = 0;
  for (std::size_t i = 0; i < lines.size(); ++i) {
    const std::string_view l = lines[i];
    if (trim(l).empty()) continue;
    const bool order = l.size() >= 15 && l[5] == ' ' && std::all_of(l.begin(), l.begin() + 5, [](char c) { return c >= '0' && c <= '9'; });
    Entry e;
    std::string_view code;
    if (order) {
      code = trim(l.substr(6, 7));
      if (l[14] != '0' && l[14] != '1') return at_line(path, i + 1) + "column 15 must be the flag 0 or 1";
      e.valid = l[14] == '1';
      if (l.size() > 16) e.short_title = std::string(trim(l.substr(16, 60)));
      if (l.size() > 77) e.long_title = std::string(trim(l.substr(77)));
    } else {
      const std::size_t sp = l.find(' ');
      code = l.substr(0, sp);
      e.valid = true;
      if (sp != std::string_view::npos) e.long_title = std::string(trim(l.substr(sp + 1)));
    }
    if (!pcs_code(code) || (e.valid != (code.size() == 7)))
      return at_line(path, i + 1) + "'" + std::string(code) +
             "' is not an ICD-10-PCS code (7 characters 0-9, A-Z without I and O; 3-character tables flagged 0)";
    if (!out.emplace(key_of(code), std::move(e)).second)
      return at_line(path, i + 1) + std::string(code) + " is listed twice";
    ++n;
  }
  if (n == 0) return path + ": no ICD-10-PCS codes";
  return {};
}

// Undoes a CMS order addenda ("Add:", "Delete:", "Revise from:", "Revise to:", a 13-character
// tag, then code (7), blank, short title (60), blank, long title) on `set`.
std::string undo_pcs_addenda(const std::string& path, CodeSet& set, std::string& how) {
  std::string text;
  if (auto e = read_data_file(path, text); !e.empty()) return e;
  const auto lines = split_lines(text);
  std::size_t added = 0, deleted = 0, revised = 0;
  for (std::size_t i = 0; i < lines.size(); ++i) {
    const std::string_view l = lines[i];
    const auto colon = l.find(':');
    if (colon == std::string_view::npos || colon > 12 || l.size() < 20) continue;
    const std::string_view tag = l.substr(0, colon);
    if (tag != "Add" && tag != "Delete" && tag != "Revise from" && tag != "Revise to") continue;
    const std::string_view code = trim(l.substr(13, 7));
    if (!pcs_code(code)) return at_line(path, i + 1) + "'" + std::string(code) + "' is not an ICD-10-PCS code";
    Entry e;
    e.valid = code.size() == 7;
    if (l.size() > 21) e.short_title = std::string(trim(l.substr(21, 60)));
    if (l.size() > 82) e.long_title = std::string(trim(l.substr(82)));
    const std::uint64_t key = key_of(code);
    if (tag == "Add") {
      if (!set.erase(key)) return at_line(path, i + 1) + "cannot undo the addition of " + std::string(code) + ": not in the base release";
      ++added;
    } else if (tag == "Delete") {
      set[key] = std::move(e);
      ++deleted;
    } else if (tag == "Revise from") {
      set[key] = std::move(e);
      ++revised;
    }
  }
  how += " minus the changes of " + short_path(path) + " (" + std::to_string(added) + " additions removed, " +
         std::to_string(deleted) + " deletions restored, " + std::to_string(revised) + " titles reverted)";
  return {};
}

std::int32_t hcpcs_date(std::string_view s) {
  s = trim(s);
  if (s.empty()) return pfmt::kNoDate;
  const auto d = rules::parse_d8(s);
  return d ? d->days() : INT32_MAX;  // INT32_MAX: malformed (reported by the caller)
}

// The CMS Alpha-Numeric HCPCS file: 320-character records; 1-5 code (modifiers in 4-5), 11
// record id (3 procedure, 4 its continuation, 7 modifier, 8 its continuation), 12-91 long
// description, 92-119 short description, 269-276 ADD DT, 285-292 TERM DT (yyyymmdd).
std::string parse_hcpcs(const std::string& path, CodeSet& codes, CodeSet& modifiers) {
  std::string text;
  if (auto e = read_data_file(path, text); !e.empty()) return e;
  const auto lines = split_lines(text);
  Entry* last = nullptr;
  std::size_t n = 0;
  for (std::size_t i = 0; i < lines.size(); ++i) {
    const std::string_view l = lines[i];
    if (l.size() < 293) continue;  // the notes some files end with
    const char rec = l[10];
    if (rec == '4' || rec == '8') {
      if (!last) return at_line(path, i + 1) + "a continuation record with no record before it";
      last->long_title += ' ';
      last->long_title += trim(l.substr(11, 80));
      continue;
    }
    if (rec != '3' && rec != '7') return at_line(path, i + 1) + "record id (column 11) '" + std::string(1, rec) + "' is not 3, 4, 7 or 8";
    const bool modifier = rec == '7';
    const std::string_view code = modifier ? trim(l.substr(3, 2)) : trim(l.substr(0, 5));
    if (modifier ? (code.size() != 2 || !alnum_upper(code)) : (code.size() != 5 || !alnum_upper(code)))
      return at_line(path, i + 1) + "'" + std::string(code) + "' is not a HCPCS " + (modifier ? "modifier" : "code");
    Entry e;
    e.valid = true;
    e.long_title = std::string(trim(l.substr(11, 80)));
    e.short_title = std::string(trim(l.substr(91, 28)));
    e.add = hcpcs_date(l.substr(268, 8));
    e.term = hcpcs_date(l.substr(284, 8));
    if (e.add == INT32_MAX || e.term == INT32_MAX)
      return at_line(path, i + 1) + "ADD DT (269-276) or TERM DT (285-292) is not a date yyyymmdd";
    auto [it, fresh] = (modifier ? modifiers : codes).emplace(key_of(code), std::move(e));
    if (!fresh) return at_line(path, i + 1) + std::string(code) + " is listed twice";
    last = &it->second;
    ++n;
  }
  if (n == 0) return path + ": no HCPCS records (320-character lines, record id 3 or 7 in column 11)";
  return {};
}

// A licensee's CPT file: CODE, then a tab or blank and the description; '#' comments.
std::string parse_cpt(const std::string& path, CodeSet& out) {
  std::string text;
  if (auto e = read_data_file(path, text); !e.empty()) return e;
  const auto lines = split_lines(text);
  for (std::size_t i = 0; i < lines.size(); ++i) {
    const std::string_view l = trim(lines[i]);
    if (l.empty() || l.front() == '#') continue;
    const std::size_t sp = l.find_first_of(" \t");
    const std::string_view code = l.substr(0, sp);
    const bool shaped = code.size() == 5 && alnum_upper(code) &&
                        std::all_of(code.begin(), code.begin() + 4, [](char c) { return c >= '0' && c <= '9'; }) &&
                        ((code[4] >= '0' && code[4] <= '9') || code[4] == 'F' || code[4] == 'T' || code[4] == 'U');
    if (!shaped) return at_line(path, i + 1) + "'" + std::string(code) + "' is not a CPT code (five digits, or four digits and F, T or U)";
    Entry e;
    e.valid = true;
    if (sp != std::string_view::npos) e.long_title = std::string(trim(l.substr(sp + 1)));
    out[key_of(code)] = std::move(e);
  }
  if (out.empty()) return path + ": no CPT codes";
  return {};
}

Date default_end(ProcedureCatalog c, Date from) {
  switch (c) {
    case ProcedureCatalog::Icd10Pcs: {  // the day before the next October 1
      const int y = from.month >= 10 ? from.year + 1 : from.year;
      return Date{static_cast<std::int16_t>(y), 9, 30};
    }
    case ProcedureCatalog::Hcpcs: {  // the end of its calendar quarter: CMS updates HCPCS quarterly
      const int q_end = ((from.month - 1) / 3) * 3 + 3;
      const Date next = q_end == 12 ? Date{static_cast<std::int16_t>(from.year + 1), 1, 1}
                                    : Date{from.year, static_cast<std::uint8_t>(q_end + 1), 1};
      return Date::from_days(next.days() - 1);
    }
    default:  // CPT: its calendar year
      return Date{from.year, 12, 31};
  }
}

}  // namespace

std::optional<ProcedureCatalog> procedure_line_kind(std::string_view kind) {
  if (kind == "pcs") return ProcedureCatalog::Icd10Pcs;
  if (kind == "hcpcs") return ProcedureCatalog::Hcpcs;
  if (kind == "cpt") return ProcedureCatalog::Cpt;
  return std::nullopt;
}

std::string read_procedure_line(ProcedureCatalog catalog, std::string_view name, Date from,
                                const std::vector<std::string_view>& key_values, const std::string& dir,
                                const std::string& origin, std::vector<ProcedureReleaseSpec>& out) {
  ProcedureReleaseSpec r;
  r.catalog = catalog;
  r.name = std::string(trim(name));
  for (auto& c : r.name) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  r.effective_from = from;
  r.origin = origin;
  const std::string here = origin + ": ";
  if (r.name.empty()) return here + "empty name";
  for (std::string_view kv : key_values) {
    kv = trim(kv);
    if (kv.empty()) continue;
    const std::size_t eq = kv.find('=');
    if (eq == std::string_view::npos) return here + "'" + std::string(kv) + "' is not key=value";
    const std::string key(kv.substr(0, eq));
    const std::string value(kv.substr(eq + 1));
    const std::string file = (!value.empty() && value.front() == '/') ? value : dir + value;
    if (key == "file") r.file = file;
    else if (key == "to") {
      r.effective_to = rules::parse_iso_date(value);
      if (!r.effective_to || *r.effective_to < from) return here + "to=" + value + " is not a date on or after " + from.iso();
    } else if (catalog == ProcedureCatalog::Icd10Pcs && key == "base") {
      r.base = value;
      for (auto& c : r.base) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    } else if (catalog == ProcedureCatalog::Icd10Pcs && key == "undo-addenda") {
      r.undo_addenda = file;
    } else {
      return here + "unknown key '" + key + "' (file, to" +
             (catalog == ProcedureCatalog::Icd10Pcs ? ", base, undo-addenda)" : ")");
    }
  }
  if (r.file.empty() == r.base.empty()) return here + "needs exactly one of file= or base=";
  if (!r.base.empty() && r.undo_addenda.empty()) return here + "base= needs undo-addenda=";
  out.push_back(std::move(r));
  return {};
}

std::string compile_procedures(const std::vector<ProcedureReleaseSpec>& all, const SectionSink& sink,
                               ProcedureBuildStats* stats) {
  if (all.empty()) return {};
  StringPool pool;
  std::vector<pfmt::Release> out_releases;
  std::vector<pfmt::Code> out_codes;
  std::vector<pfmt::Title> out_titles;
  std::vector<pfmt::Dates> out_dates;
  std::vector<std::uint32_t> out_succ;
  std::size_t total_releases = 0;

  for (int cat = 0; cat < kProcedureCatalogs; ++cat) {
    if (cat == static_cast<int>(ProcedureCatalog::HcpcsModifier)) continue;
    const auto catalog = static_cast<ProcedureCatalog>(cat);
    std::vector<ProcedureReleaseSpec> rel;
    for (const auto& r : all)
      if (r.catalog == catalog) rel.push_back(r);
    if (rel.empty()) continue;
    if (rel.size() > pfmt::kMaxReleases)
      return rel[pfmt::kMaxReleases].origin + ": at most " + std::to_string(pfmt::kMaxReleases) + " " +
             std::string(to_string(catalog)) + " releases per index";
    std::stable_sort(rel.begin(), rel.end(), [](const auto& a, const auto& b) { return a.effective_from < b.effective_from; });
    std::map<std::string, std::size_t> by_name;
    for (std::size_t i = 0; i < rel.size(); ++i) {
      if (!by_name.emplace(rel[i].name, i).second) return rel[i].origin + ": release " + rel[i].name + " given twice";
      if (i > 0 && rel[i - 1].effective_from == rel[i].effective_from)
        return rel[i].origin + ": releases " + rel[i - 1].name + " and " + rel[i].name + " have the same effective date";
    }
    const std::size_t nrel = rel.size();
    // Codes (for HCPCS also the modifiers, catalog HcpcsModifier) of each release.
    std::vector<CodeSet> sets(nrel), mods(nrel);
    std::vector<std::string> derivation(nrel);
    for (std::size_t i = 0; i < nrel; ++i) {
      if (rel[i].file.empty()) continue;
      std::string e;
      if (catalog == ProcedureCatalog::Icd10Pcs) e = parse_pcs(rel[i].file, sets[i]);
      else if (catalog == ProcedureCatalog::Hcpcs) e = parse_hcpcs(rel[i].file, sets[i], mods[i]);
      else e = parse_cpt(rel[i].file, sets[i]);
      if (!e.empty()) return e;
    }
    for (std::size_t i = 0; i < nrel; ++i) {
      if (rel[i].base.empty()) continue;
      const auto b = by_name.find(rel[i].base);
      if (b == by_name.end() || !rel[b->second].base.empty())
        return rel[i].origin + ": base release '" + rel[i].base + "' is not a " + std::string(to_string(catalog)) +
               " release read from its own file";
      sets[i] = sets[b->second];
      derivation[i] = "derived from " + rel[i].base;
      if (auto e = undo_pcs_addenda(rel[i].undo_addenda, sets[i], derivation[i]); !e.empty()) return e;
    }
    for (std::size_t i = 0; i < nrel; ++i) {
      const Date end = i + 1 < nrel ? Date::from_days(rel[i + 1].effective_from.days() - 1)
                                    : default_end(catalog, rel[i].effective_from);
      const Date to = rel[i].effective_to && *rel[i].effective_to < end ? *rel[i].effective_to
                      : (i + 1 == nrel && rel[i].effective_to) ? *rel[i].effective_to
                                                               : end;
      out_releases.push_back(pfmt::Release{static_cast<std::uint32_t>(cat), pool.add(rel[i].name),
                                           rel[i].effective_from.days(), to.days(), pool.add(derivation[i]), 0});
    }
    total_releases += nrel;

    const auto emit = [&](ProcedureCatalog code_catalog, const std::vector<CodeSet>& per_release) {
      std::map<std::uint64_t, std::size_t> universe;
      for (const auto& s : per_release)
        for (const auto& kv : s) universe.emplace(kv.first, 0);
      const std::size_t first = out_codes.size();
      for (auto& [key, idx] : universe) {
        idx = out_codes.size();
        pfmt::Code c{};
        c.key = key;
        c.catalog = static_cast<std::uint32_t>(code_catalog);
        c.title_begin = static_cast<std::uint32_t>(out_titles.size());
        c.date_begin = static_cast<std::uint32_t>(out_dates.size());
        std::string last_short, last_long;
        bool any_title = false;
        for (std::size_t r = 0; r < nrel; ++r) {
          const auto it = per_release[r].find(key);
          if (it == per_release[r].end()) continue;
          const Entry& e = it->second;
          c.present |= 1u << r;
          if (e.valid) c.valid |= 1u << r;
          if (!any_title || e.long_title != last_long || e.short_title != last_short) {
            // A codes file has no short titles: keep the short title an order file gave.
            const std::string short_title = e.short_title.empty() && any_title ? last_short : e.short_title;
            if (!any_title || e.long_title != last_long || short_title != last_short) {
              out_titles.push_back(pfmt::Title{static_cast<std::uint32_t>(r), pool.add(short_title), pool.add(e.long_title)});
              ++c.title_count;
            }
            last_short = short_title;
            last_long = e.long_title;
            any_title = true;
          }
          if (code_catalog == ProcedureCatalog::Hcpcs || code_catalog == ProcedureCatalog::HcpcsModifier) {
            out_dates.push_back(pfmt::Dates{static_cast<std::uint32_t>(r), e.add, e.term});
            ++c.date_count;
          }
        }
        out_codes.push_back(c);
      }
      // Successors of a deleted code: a code added in the same release with the same long title.
      if (code_catalog != ProcedureCatalog::Icd10Pcs) return;
      std::vector<std::vector<std::uint32_t>> succ(out_codes.size() - first);
      for (std::size_t r = 1; r < nrel; ++r) {
        std::multimap<std::string, std::uint64_t> added;
        for (const auto& [key, e] : per_release[r])
          if (e.valid && !per_release[r - 1].count(key) && !e.long_title.empty()) added.emplace(e.long_title, key);
        for (const auto& [key, e] : per_release[r - 1]) {
          if (!e.valid || per_release[r].count(key)) continue;
          const auto range = added.equal_range(e.long_title);
          for (auto it = range.first; it != range.second; ++it)
            succ[universe[key] - first].push_back(static_cast<std::uint32_t>(universe[it->second]));
        }
      }
      for (std::size_t i = 0; i < succ.size(); ++i) {
        out_codes[first + i].succ_begin = static_cast<std::uint32_t>(out_succ.size());
        out_codes[first + i].succ_count = static_cast<std::uint16_t>(succ[i].size());
        out_succ.insert(out_succ.end(), succ[i].begin(), succ[i].end());
      }
    };
    emit(catalog, sets);
    if (catalog == ProcedureCatalog::Hcpcs) emit(ProcedureCatalog::HcpcsModifier, mods);
  }
  // Sorted by (catalog, key): catalogs were emitted in order 0, 1, 2 (modifiers after HCPCS
  // codes), 3, each sorted by key.
  sink(pfmt::kStrings, 1, pool.data().data(), pool.data().size());
  sink(pfmt::kReleases, sizeof(pfmt::Release), out_releases.data(), out_releases.size());
  sink(pfmt::kCodes, sizeof(pfmt::Code), out_codes.data(), out_codes.size());
  sink(pfmt::kTitles, sizeof(pfmt::Title), out_titles.data(), out_titles.size());
  sink(pfmt::kDates, sizeof(pfmt::Dates), out_dates.data(), out_dates.size());
  sink(pfmt::kSuccessors, 4, out_succ.data(), out_succ.size());
  if (stats) {
    stats->releases = total_releases;
    stats->codes = out_codes.size();
  }
  return {};
}

}  // namespace cg::codesets
