// The compiled ICD-10-CM index (build/icd10cm.cgx, made at build time by `claimgate code-set
// build` from rulesets/codesets/icd10cm) checked against the official order files themselves,
// read here by the test's own fixed-width reader, and against the seed facts of issue 4.
#include "rulesets/codesets/icd10cm.hpp"
#include "rulesets/codesets/icd10cm_compiler.hpp"

#include <boost/test/unit_test.hpp>

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <ostream>
#include <set>
#include <sstream>

namespace cg::rules {
// For Boost.Test messages (found by ADL).
inline std::ostream& operator<<(std::ostream& os, const Date& date) { return os << date.iso(); }
}  // namespace cg::rules
namespace cg::codesets {
inline std::ostream& operator<<(std::ostream& os, CodeStatus s) { return os << to_string(s); }
}  // namespace cg::codesets

namespace {

using cg::codesets::CodeStatus;
using cg::codesets::Icd10Index;
using cg::rules::Date;

const std::string kDataDir = CG_SOURCE_DIR "/rulesets/codesets/icd10cm";

Date d(const char* iso) {
  const auto v = cg::rules::parse_iso_date(iso);
  BOOST_REQUIRE(v.has_value());
  return *v;
}

Date day_before(Date x) { return Date::from_days(x.days() - 1); }

const Icd10Index& index() {
  static const std::shared_ptr<const Icd10Index> idx = [] {
    auto v = Icd10Index::load(CG_BINARY_DIR "/icd10cm.cgx");
    if (const auto* e = std::get_if<std::string>(&v)) BOOST_FAIL("cannot load the index: " << *e);
    return std::get<std::shared_ptr<const Icd10Index>>(v);
  }();
  return *idx;
}

// One release of the bundled manifest that has its own order file.
struct OrderRelease {
  std::string name;
  Date from;
  std::map<std::string, bool> codes;  // code without dot -> billable
};

// The test's own reader: releases.tsv lines with order=, and the order files (fixed width:
// code in columns 7-13, flag in column 15).
const std::vector<OrderRelease>& order_releases() {
  static const std::vector<OrderRelease> all = [] {
    std::vector<OrderRelease> out;
    std::ifstream manifest(kDataDir + "/releases.tsv");
    BOOST_REQUIRE(manifest);
    std::string line;
    while (std::getline(manifest, line)) {
      if (line.rfind("release\t", 0) != 0) continue;
      std::vector<std::string> cols;
      std::stringstream ss(line);
      for (std::string c; std::getline(ss, c, '\t');) cols.push_back(c);
      std::string order;
      for (const auto& c : cols)
        if (c.rfind("order=", 0) == 0) order = c.substr(6);
      if (order.empty()) continue;
      OrderRelease r;
      r.name = cols.at(1);
      r.from = d(cols.at(2).c_str());
      std::string text;
      const std::string err = cg::codesets::read_data_file(kDataDir + "/" + order, text);
      BOOST_REQUIRE_MESSAGE(err.empty(), err);
      std::stringstream lines(text);
      for (std::string l; std::getline(lines, l);) {
        if (l.size() < 15) continue;
        std::string code = l.substr(6, 7);
        code.erase(code.find_last_not_of(' ') + 1);
        r.codes[code] = l[14] == '1';
      }
      BOOST_REQUIRE_GT(r.codes.size(), 90000u);
      out.push_back(std::move(r));
    }
    BOOST_REQUIRE_GE(out.size(), 13u);
    return out;
  }();
  return all;
}

const cg::codesets::ReleaseInfo& release_named(const std::string& name) {
  for (const auto& r : index().releases())
    if (r.name == name) return r;
  BOOST_FAIL("release " << name << " not in the index");
  return index().releases().front();
}

// The first release (by date) whose order file lists the code.
const OrderRelease* first_listing(const std::string& code) {
  for (const auto& r : order_releases())
    if (r.codes.count(code)) return &r;
  return nullptr;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(icd10cm_index)

BOOST_AUTO_TEST_CASE(every_order_file_code_has_its_status_in_its_release) {
  const auto& idx = index();
  for (const auto& r : order_releases()) {
    const auto& info = release_named(r.name);
    BOOST_TEST(info.effective_from == r.from);
    const Date inside[] = {info.effective_from, info.effective_to};
    std::size_t bad = 0;
    for (const auto& [code, billable] : r.codes) {
      for (const Date on : inside) {
        const CodeStatus s = idx.status(code, on);
        // A header whose every descendant is a 7-character code is reported as "needs a 7th
        // character" (InvalidExtension); it is still not billable.
        const bool ok = billable ? s == CodeStatus::Billable
                                 : (s == CodeStatus::Header || (s == CodeStatus::InvalidExtension && code.size() < 7));
        if (!ok && ++bad <= 5)
          BOOST_ERROR(r.name << " " << code << " on " << on.iso() << ": " << cg::codesets::to_string(s));
      }
    }
    BOOST_TEST(bad == 0u, r.name << ": " << bad << " mismatches");
  }
}

BOOST_AUTO_TEST_CASE(codes_absent_from_a_release_are_not_billable_there) {
  const auto& idx = index();
  std::set<std::string> every;
  for (const auto& r : order_releases())
    for (const auto& kv : r.codes) every.insert(kv.first);
  for (const auto& r : order_releases()) {
    std::size_t bad = 0, absent = 0;
    for (const auto& code : every) {
      if (r.codes.count(code)) continue;
      ++absent;
      const CodeStatus s = idx.status(code, r.from);
      if (s == CodeStatus::Billable || s == CodeStatus::Header) {
        if (++bad <= 5) BOOST_ERROR(r.name << " " << code << ": " << cg::codesets::to_string(s));
      }
    }
    BOOST_TEST(bad == 0u, r.name << ": " << bad << " of " << absent << " absent codes reported present");
  }
}

BOOST_AUTO_TEST_CASE(m54_5_becomes_a_header_on_2021_10_01) {
  const auto& idx = index();
  BOOST_TEST(idx.status("M54.5", d("2021-09-30")) == CodeStatus::Billable);
  BOOST_TEST(idx.status("M54.5", d("2021-10-01")) == CodeStatus::Header);
  const auto e = idx.lookup("m545", d("2021-10-01"));
  BOOST_TEST(e.code == "M54.5");
  BOOST_TEST(e.release == "FY2022");
  const std::vector<std::string> children{"M54.50", "M54.51", "M54.59"};
  BOOST_TEST(e.billable_children == children, boost::test_tools::per_element());
  BOOST_TEST(idx.lookup("M54.5", d("2024-03-01")).billable_children == children, boost::test_tools::per_element());
  for (const auto& c : children) {
    BOOST_TEST(idx.status(c, d("2021-09-30")) == CodeStatus::NotYetEffective);
    BOOST_TEST(idx.status(c, d("2021-10-01")) == CodeStatus::Billable);
  }
}

BOOST_AUTO_TEST_CASE(m51_a0_to_a5_take_effect_with_their_first_release) {
  const auto& idx = index();
  for (const char* code : {"M51A0", "M51A1", "M51A2", "M51A3", "M51A4", "M51A5"}) {
    const OrderRelease* first = first_listing(code);
    BOOST_REQUIRE(first != nullptr);
    BOOST_TEST(first != &order_releases().front());
    BOOST_TEST(idx.status(code, day_before(first->from)) == CodeStatus::NotYetEffective, code);
    BOOST_TEST(idx.status(code, d("2016-01-01")) == CodeStatus::NotYetEffective, code);
    BOOST_TEST(idx.status(code, first->from) == CodeStatus::Billable, code);
    BOOST_TEST(idx.status(code, d("2026-09-30")) == CodeStatus::Billable, code);
    const auto e = idx.lookup(code, day_before(first->from));
    BOOST_REQUIRE(e.effective_from.has_value());
    BOOST_TEST(*e.effective_from == first->from);
  }
}

BOOST_AUTO_TEST_CASE(m43_01_and_m43_11_are_linked_by_excludes1) {
  const auto& idx = index();
  for (const auto& r : idx.releases()) {
    for (const Date on : {r.effective_from, r.effective_to}) {
      BOOST_TEST(idx.status("M43.01", on) == CodeStatus::Billable);
      BOOST_TEST(idx.status("M43.11", on) == CodeStatus::Billable);
      cg::codesets::CodeRef why;
      BOOST_TEST(idx.excludes1("M43.01", "M43.11", on, &why));
      BOOST_TEST(why.declared_at == "M43.0");
      BOOST_TEST(why.first == "M431");
      BOOST_TEST(idx.excludes1("M43.11", "M43.01", on));  // either direction
      BOOST_TEST(idx.excludes1("M43.01", "Q76.2", on, &why));
      BOOST_TEST(why.declared_at == "M43.0");
      BOOST_TEST(why.note.find("Q76.2") != std::string::npos);
      BOOST_TEST(!idx.excludes1("M43.01", "M54.50", on));
    }
  }
  const auto e = idx.lookup("M43.01", d("2024-01-01"));
  bool saw = false;
  for (const auto& ref : e.excludes1) saw = saw || (ref.declared_at == "M43.0" && ref.matches("M4311"));
  BOOST_TEST(saw);
}

BOOST_AUTO_TEST_CASE(m96_1_and_g89_29_are_billable_in_every_release) {
  const auto& idx = index();
  for (const auto& r : idx.releases())
    for (const char* code : {"M96.1", "G89.29"}) {
      BOOST_TEST(idx.status(code, r.effective_from) == CodeStatus::Billable, code << " " << r.name);
      BOOST_TEST(idx.status(code, r.effective_to) == CodeStatus::Billable, code << " " << r.name);
    }
}

BOOST_AUTO_TEST_CASE(seventh_character_rules) {
  const auto& idx = index();
  const Date on = d("2024-01-01");
  BOOST_TEST(idx.status("M51.A1A", on) == CodeStatus::InvalidExtension);
  BOOST_TEST(idx.lookup("M51.A1A", on).extension_problem == "M51.A1 takes no 7th character");

  BOOST_TEST(idx.status("S32.010A", on) == CodeStatus::Billable);
  BOOST_TEST(idx.status("S32.010", on) == CodeStatus::InvalidExtension);
  const auto e = idx.lookup("S32.010", on);
  BOOST_TEST(e.extension_problem == "S32.010 needs a 7th character: A, B, D, G, K, S");
  BOOST_REQUIRE(e.seventh.has_value());
  BOOST_TEST(e.seventh->defined_at == "S32");  // inherited from the category
  const std::vector<char> allowed{'A', 'B', 'D', 'G', 'K', 'S'};
  BOOST_TEST(e.seventh->allowed == allowed, boost::test_tools::per_element());
  BOOST_TEST(e.seventh->meanings.front() == "initial encounter for closed fracture");
  BOOST_TEST(idx.status("S32.010Z", on) == CodeStatus::InvalidExtension);

  // Placeholder X.
  BOOST_TEST(idx.status("W19.XXXA", on) == CodeStatus::Billable);
  BOOST_TEST(idx.status("W19XXXA", on) == CodeStatus::Billable);
  BOOST_TEST(idx.status("W19XA", on) == CodeStatus::InvalidExtension);
  BOOST_TEST(idx.lookup("W19XA", on).extension_problem.find("W19.XXXA") != std::string::npos);
  BOOST_TEST(idx.status("W19", on) == CodeStatus::InvalidExtension);
}

BOOST_AUTO_TEST_CASE(deleted_code_has_last_valid_date_and_conversion_table_replacements) {
  const auto& idx = index();
  // O35.0XX0 is in the FY2022-APR order file and not in FY2023's (checked from the data).
  const OrderRelease* first = first_listing("O3500X0");
  BOOST_REQUIRE(first != nullptr);
  BOOST_TEST(idx.status("O35.0XX0", day_before(first->from)) == CodeStatus::Billable);
  BOOST_TEST(idx.status("O35.0XX0", first->from) == CodeStatus::Deleted);
  const auto e = idx.lookup("O35.0XX0", first->from);
  BOOST_REQUIRE(e.last_valid.has_value());
  BOOST_TEST(*e.last_valid == day_before(first->from));
  BOOST_TEST(!e.replacements.empty());
  BOOST_TEST((std::find(e.replacements.begin(), e.replacements.end(), "O35.00X0") != e.replacements.end()));
  for (const auto& rep : e.replacements) BOOST_TEST(idx.status(rep, first->from) == CodeStatus::Billable);
}

BOOST_AUTO_TEST_CASE(fy2021_october_2020_differs_from_january_2021) {
  const auto& idx = index();
  const auto& oct = release_named("FY2021");
  const auto& jan = release_named("FY2021-JAN");
  BOOST_TEST(oct.effective_from == d("2020-10-01"));
  BOOST_TEST(oct.effective_to == d("2020-12-31"));
  BOOST_TEST(!oct.derivation.empty());
  for (const char* code : {"J12.82", "M35.81", "M35.89", "Z11.52", "Z20.822", "Z86.16"}) {
    BOOST_TEST(idx.status(code, oct.effective_to) == CodeStatus::NotYetEffective, code);
    BOOST_TEST(idx.status(code, jan.effective_from) == CodeStatus::Billable, code);
  }
  BOOST_TEST(idx.status("M35.8", oct.effective_to) == CodeStatus::Billable);
  BOOST_TEST(idx.status("M35.8", jan.effective_from) == CodeStatus::Header);
  BOOST_TEST(*idx.lookup("Z20.822", d("2020-11-01")).effective_from == d("2021-01-01"));
  // Billable count of the derived Oct 2020 release = the Oct 2020 addenda summary (72,616),
  // i.e. the FY2021-JAN order file's billable codes minus its six Jan 2021 additions.
  std::size_t jan_billable = 0, oct_billable = 0;
  for (const auto& r : order_releases())
    if (r.name == "FY2021-JAN")
      for (const auto& [code, billable] : r.codes)
        if (billable) {
          ++jan_billable;
          if (idx.status(code, oct.effective_from) == CodeStatus::Billable) ++oct_billable;
        }
  BOOST_TEST(jan_billable - oct_billable == 6u);  // M35.8 is billable in Oct but a header in Jan
}

BOOST_AUTO_TEST_CASE(covid_codes_of_april_2020) {
  const auto& idx = index();
  BOOST_TEST(idx.status("U07.1", d("2020-03-31")) == CodeStatus::NotYetEffective);
  BOOST_TEST(idx.status("U07.1", d("2020-04-01")) == CodeStatus::Billable);
  BOOST_TEST(idx.release_on(d("2020-04-01"))->name == "FY2020-APR");
}

BOOST_AUTO_TEST_CASE(dates_past_the_newest_release_use_it_and_say_so) {
  const auto& idx = index();
  BOOST_TEST(idx.releases().back().effective_to == d("2027-09-30"));
  BOOST_TEST(!idx.beyond_newest(d("2027-09-30")));
  BOOST_TEST(idx.beyond_newest(d("2027-10-01")));
  BOOST_TEST(idx.release_on(d("2028-05-01"))->name == idx.releases().back().name);
  BOOST_TEST(idx.status("M54.50", d("2028-05-01")) == CodeStatus::Billable);
  const auto e = idx.lookup("M54.50", d("2028-05-01"));
  BOOST_TEST(!e.release_in_force_loaded);
  BOOST_TEST(e.release == "FY2027");
  BOOST_TEST(idx.release_on(d("2015-09-30")) == nullptr);
  BOOST_TEST(idx.status("M54.5", d("2015-09-30")) == CodeStatus::NotYetEffective);
}

BOOST_AUTO_TEST_CASE(codes_are_normalized_and_garbage_is_unknown) {
  const auto& idx = index();
  const Date on = d("2024-01-01");
  BOOST_TEST(idx.status("  m54.50 ", on) == CodeStatus::Billable);
  BOOST_TEST(idx.status("M5450", on) == CodeStatus::Billable);
  for (const char* junk : {"", " ", "M5", "M54.5.0.0.0.0", "12345", "M54-50", "ZZZ99", "\xff\xfe"})
    BOOST_TEST(idx.status(junk, on) == CodeStatus::Unknown, junk);
  BOOST_TEST(idx.lookup("zzz.99", on).status == CodeStatus::Unknown);
}

BOOST_AUTO_TEST_CASE(manifestation_chapter_and_demographics) {
  const auto& idx = index();
  const Date on = d("2024-01-01");
  BOOST_TEST(idx.is_manifestation("G63", on));  // Polyneuropathy in diseases classified elsewhere
  BOOST_TEST(!idx.is_manifestation("M54.50", on));
  BOOST_TEST(idx.chapter("W19.XXXA", on) == Icd10Index::kChapterExternalCause);
  BOOST_TEST(idx.chapter("O80", on) == Icd10Index::kChapterMaternity);
  BOOST_TEST(idx.chapter("P07.14", on) == Icd10Index::kChapterNewborn);
  BOOST_TEST(idx.chapter("M54.50", on) == 13);
  const auto n40 = idx.demographics("N40.0", d("2019-01-01"));
  BOOST_TEST((n40.sex == cg::codesets::DemographicEdits::Sex::MaleOnly));
  const auto o80 = idx.demographics("O80", on);  // newest MCE list applies to later dates
  BOOST_TEST(o80.age_category == "maternity");
  BOOST_TEST(o80.source == "MCE v37");
  BOOST_TEST(!idx.demographics("M54.50", on).age.has_value());
}

BOOST_AUTO_TEST_CASE(corrupt_or_truncated_index_is_a_load_error) {
  std::ifstream in(CG_BINARY_DIR "/icd10cm.cgx", std::ios::binary);
  const std::string good((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  BOOST_REQUIRE_GT(good.size(), 1000u);
  const auto dir = std::filesystem::temp_directory_path();
  const auto try_load = [&](const std::string& bytes, const char* name) {
    const auto path = (dir / (std::string("cg_codeset_test_") + name + ".cgx")).string();
    std::ofstream(path, std::ios::binary).write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
    auto v = Icd10Index::load(path);
    std::filesystem::remove(path);
    const auto* err = std::get_if<std::string>(&v);
    BOOST_TEST(err != nullptr, name);
    if (err) BOOST_TEST(err->find(path) != std::string::npos, name);
  };
  try_load(good.substr(0, good.size() / 2), "truncated");
  try_load(good.substr(0, 10), "tiny");
  try_load("", "empty");
  std::string flipped = good;
  flipped[flipped.size() / 3] ^= 0x5A;
  try_load(flipped, "flipped");
  std::string header = good;
  header[0] = 'X';
  try_load(header, "magic");
  auto missing = Icd10Index::load((dir / "cg_codeset_no_such_file.cgx").string());
  BOOST_TEST(std::holds_alternative<std::string>(missing));
}

// FY2027 (issue 10): the change list, read here by the test's own reader, agrees with the
// index on every row; replacements of deleted codes are exactly the added codes carrying the
// deleted code's long title.
BOOST_AUTO_TEST_CASE(fy2027_change_list_agrees_with_the_index) {
  const auto& idx = index();
  const Date before = d("2026-09-30"), after = d("2026-10-01");
  std::string text;
  const std::string err = cg::codesets::read_data_file(
      kDataDir + "/fy2027/icd10cm_changes_2026_to_2027.DERIVED.tsv.xz", text);
  BOOST_REQUIRE_MESSAGE(err.empty(), err);
  std::multimap<std::string, std::string> added_by_title;  // long title -> dotted code
  struct Row { std::string change, dotted, flag26, flag27, long26; };
  std::vector<Row> rows;
  std::stringstream lines(text);
  for (std::string l; std::getline(lines, l);) {
    if (!l.empty() && l.back() == '\r') l.pop_back();
    if (l.empty() || l[0] == '#' || l.rfind("change\t", 0) == 0) continue;
    std::vector<std::string> c;
    std::stringstream ss(l);
    for (std::string x; std::getline(ss, x, '\t');) c.push_back(x);
    c.resize(9);
    rows.push_back(Row{c[0], c[2], c[3], c[4], c[6]});
    if (c[0] == "added" && c[4] == "1") added_by_title.emplace(c[8], c[2]);
  }
  BOOST_TEST(rows.size() == 278u);
  for (const auto& r : rows) {
    BOOST_TEST_CONTEXT(r.change << " " << r.dotted) {
      if (r.change == "added") {
        BOOST_TEST(idx.status(r.dotted, before) == CodeStatus::NotYetEffective);
        const auto st = idx.status(r.dotted, after);
        BOOST_TEST((r.flag27 == "1" ? st == CodeStatus::Billable
                                    : (st == CodeStatus::Header || st == CodeStatus::InvalidExtension)));
      } else if (r.change == "deleted") {
        BOOST_TEST(idx.status(r.dotted, after) == CodeStatus::Deleted);
        if (r.flag26 != "1") continue;
        std::vector<std::string> expected;
        const auto [b, e] = added_by_title.equal_range(r.long26);
        for (auto it = b; it != e; ++it) expected.push_back(it->second);
        std::sort(expected.begin(), expected.end());
        const auto ex = idx.lookup(r.dotted, after);
        BOOST_TEST(ex.replacements == expected, boost::test_tools::per_element());
        if (expected.empty()) BOOST_TEST(!ex.related.empty());
        else BOOST_TEST(ex.related.empty());
      } else if (r.change == "flag_changed") {
        BOOST_TEST(idx.status(r.dotted, before) == CodeStatus::Billable);
        BOOST_TEST(idx.status(r.dotted, after) == CodeStatus::Header);
      }
    }
  }
  // The examples.
  BOOST_TEST(idx.status("M67.A01", d("2026-11-02")) == CodeStatus::Billable);
  BOOST_TEST(idx.status("M72.2", d("2026-09-15")) == CodeStatus::Billable);
  const auto m722 = idx.lookup("M72.2", d("2026-11-02"));
  BOOST_TEST(m722.status == CodeStatus::Header);
  BOOST_TEST(m722.billable_children == (std::vector<std::string>{"M72.20", "M72.21", "M72.22"}),
             boost::test_tools::per_element());
  BOOST_TEST(idx.lookup("T52.8X1A", after).replacements == std::vector<std::string>{"T52.891A"},
             boost::test_tools::per_element());
}

// Conversion rows that combine a code with a family in words name a companion, not a previous
// code: "K59.03 <- K59.09 AND Code from categories T36-T50" (FY2017 table).
BOOST_AUTO_TEST_CASE(conversion_companion_codes_are_not_predecessors) {
  const auto& idx = index();
  const auto t = idx.lookup("T40.4X1A", d("2021-01-05"));
  BOOST_TEST(t.status == CodeStatus::Deleted);
  BOOST_TEST(!t.replacements.empty());
  BOOST_TEST((std::find(t.replacements.begin(), t.replacements.end(), "K59.03") == t.replacements.end()));
  for (const auto& r : t.replacements) BOOST_TEST(r.rfind("T40.4", 0) == 0u, r);
  const auto k = idx.lookup("K59.03", d("2016-05-01"));
  BOOST_TEST(k.status == CodeStatus::NotYetEffective);
  BOOST_TEST(k.replacements == std::vector<std::string>{"K59.09"}, boost::test_tools::per_element());
  // The code to use before a code takes effect (FY2023 table: M51.A1 <- M51.86).
  BOOST_TEST(idx.lookup("M51.A1", d("2022-09-30")).replacements == std::vector<std::string>{"M51.86"},
             boost::test_tools::per_element());
}

// Excludes1 notes in the "with" form (FY2023 tabular): patterns, not skipped, never widened.
BOOST_AUTO_TEST_CASE(excludes1_with_forms_are_code_patterns) {
  const auto& idx = index();
  const Date on = d("2024-01-05");
  BOOST_TEST(idx.excludes1("G63", "E11.42", on));    // (E08-E13 with .42)
  BOOST_TEST(idx.excludes1("G63", "E08.42", on));
  BOOST_TEST(!idx.excludes1("G63", "E11.40", on));
  BOOST_TEST(!idx.excludes1("G63", "E14.42", on));   // outside E08-E13 (not a code anyway)
  BOOST_TEST(idx.excludes1("R47.01", "I69.320", on));  // (I69. with final characters -20)
  BOOST_TEST(idx.excludes1("R47.01", "I69.120", on));
  BOOST_TEST(!idx.excludes1("R47.01", "I69.328", on));
  cg::codesets::CodeRef why;
  BOOST_REQUIRE(idx.excludes1("G63", "E11.42", on, &why));
  BOOST_TEST(why.with == "with .42");
  BOOST_TEST(why.matches("E1142"));
  BOOST_TEST(!why.matches("E1141"));
}

BOOST_AUTO_TEST_CASE(placeholder_inside_the_code_and_valid_seventh_on_a_bad_stem) {
  const auto& idx = index();
  const auto e = idx.lookup("S06.01A", d("2024-01-05"));
  BOOST_TEST(e.status == CodeStatus::InvalidExtension);
  BOOST_TEST(e.corrected == "S06.0X1A");
  BOOST_TEST(idx.status("S06.0X1A", d("2024-01-05")) == CodeStatus::Billable);
  const auto w = idx.lookup("W19XXAA", d("2024-01-05"));
  BOOST_TEST(w.status == CodeStatus::InvalidExtension);
  BOOST_TEST(w.extension_problem.find("not defined") == std::string::npos, w.extension_problem);
}

BOOST_AUTO_TEST_CASE(compiler_errors_name_file_and_line) {
  const auto dir = std::filesystem::temp_directory_path();
  const auto order = (dir / "cg_codeset_bad_order.txt").string();
  std::ofstream(order) << "00001 A00     0 Cholera                                                      Cholera\r\n"
                       << "00002 A000    7 Cholera due to Vibrio cholerae 01, biovar cholerae           Cholera\r\n";
  cg::codesets::BuildSpec spec;
  cg::codesets::ReleaseSpec r;
  r.name = "FYTEST";
  r.effective_from = d("2030-10-01");
  r.order = order;
  spec.releases.push_back(r);
  const std::string err = cg::codesets::compile_index(spec, (dir / "cg_codeset_bad.cgx").string());
  std::filesystem::remove(order);
  BOOST_TEST(err.find(order + ":2:") == 0u, err);
}

BOOST_AUTO_TEST_SUITE_END()

// POA-exempt lists: the index against the bundled CMS lists themselves (the `poa` lines of
// releases.tsv, read here by the test's own reader): every listed code is exempt on the first
// and the last day its list is in force, and every other code billable that day is not.
BOOST_AUTO_TEST_SUITE(icd10cm_poa)

BOOST_AUTO_TEST_CASE(every_list_decides_exactly_its_own_days) {
  const auto& idx = index();
  struct List {
    std::string name;
    Date from;
    std::set<std::string> codes;  // no dot
  };
  std::vector<List> lists;
  std::ifstream manifest(kDataDir + "/releases.tsv");
  for (std::string line; std::getline(manifest, line);) {
    if (line.rfind("poa\t", 0) != 0) continue;
    std::vector<std::string> cols;
    std::stringstream ss(line);
    for (std::string c; std::getline(ss, c, '\t');) cols.push_back(c);
    List l{cols.at(1), d(cols.at(2).c_str()), {}};
    std::string text;
    const std::string err = cg::codesets::read_data_file(kDataDir + "/" + cols.at(3).substr(5), text);
    BOOST_REQUIRE_MESSAGE(err.empty(), err);
    std::stringstream rows(text);
    std::string row;
    std::getline(rows, row);  // header
    while (std::getline(rows, row)) {
      const auto t1 = row.find('\t'), t2 = row.find('\t', t1 + 1);
      if (t1 == std::string::npos) continue;
      std::string code = row.substr(t1 + 1, t2 - t1 - 1);
      code.erase(std::remove(code.begin(), code.end(), '.'), code.end());
      l.codes.insert(code);
    }
    BOOST_REQUIRE_GT(l.codes.size(), 30000u);
    lists.push_back(std::move(l));
  }
  BOOST_REQUIRE_EQUAL(lists.size(), 14u);  // FY2016 .. FY2026 with Jan 2021, Apr 2022, Apr 2023
  for (std::size_t i = 0; i < lists.size(); ++i) {
    const Date last = i + 1 < lists.size() ? day_before(lists[i + 1].from) : d("2026-09-30");
    for (const Date on : {lists[i].from, last}) {
      std::size_t bad = 0, exempt = 0;
      for (const auto& r : order_releases()) {
        if (idx.release_on(on) == nullptr || idx.release_on(on)->name != r.name) continue;
        for (const auto& [code, billable] : r.codes) {
          if (!billable) continue;
          const auto p = idx.poa_exemption(code, on);
          const bool want = lists[i].codes.count(code) != 0;
          exempt += p.exempt;
          if ((p.exempt != want || p.list != lists[i].name || p.beyond_list) && ++bad <= 5)
            BOOST_ERROR(lists[i].name << " " << code << " on " << on.iso() << ": exempt " << p.exempt << " list "
                                      << p.list);
        }
      }
      BOOST_TEST(bad == 0u, lists[i].name << " on " << on.iso() << ": " << bad << " mismatches");
      if (idx.release_on(on)->derivation.empty()) BOOST_TEST(exempt > 30000u, lists[i].name << " on " << on.iso());
    }
  }
}

BOOST_AUTO_TEST_CASE(z51_5_exempt_from_2021_10_01_and_fy2027_uses_the_fy2026_list) {
  const auto& idx = index();
  BOOST_TEST(!idx.poa_exemption("Z51.5", d("2021-09-30")).exempt);
  BOOST_TEST(idx.poa_exemption("Z51.5", d("2021-09-30")).list == "FY2021-JAN");
  BOOST_TEST(idx.poa_exemption("Z51.5", d("2021-10-01")).exempt);
  const auto fy27 = idx.poa_exemption("Z38.00", d("2026-11-02"));
  BOOST_TEST(fy27.exempt);
  BOOST_TEST(fy27.list == "FY2026");
  BOOST_TEST(fy27.beyond_list);
  BOOST_TEST(!idx.poa_exemption("Z38.00", d("2026-09-30")).beyond_list);
  BOOST_TEST(!idx.poa_exemption("I10", d("2026-11-02")).exempt);
  BOOST_TEST(idx.poa_exemption("I10", d("2015-09-30")).list.empty());  // before ICD-10-CM
}

BOOST_AUTO_TEST_SUITE_END()
