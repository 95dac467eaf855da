// The procedure code sets of the index: the bundled ICD-10-PCS and HCPCS releases (facts of
// the CMS files and their PROVENANCE), and indexes compiled here from made-up files in the CMS
// layouts (ICD-10-PCS order and codes files, the HCPCS 320-character record, a licensee's CPT
// file: no CPT content is shipped), with the rules that use them.
#include "rulesets/codesets/icd10cm.hpp"
#include "rulesets/codesets/icd10cm_compiler.hpp"
#include "rulesets/core/rule.hpp"

#include <boost/test/unit_test.hpp>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <ostream>

#include <unistd.h>

namespace cg::codesets {
inline std::ostream& operator<<(std::ostream& os, ProcedureStatus s) { return os << to_string(s); }
}  // namespace cg::codesets

namespace {

using cg::codesets::Icd10Index;
using cg::codesets::ProcedureCatalog;
using cg::codesets::ProcedureStatus;
using cg::rules::Date;

Date d(const char* iso) { return *cg::rules::parse_iso_date(iso); }

const Icd10Index& bundled() {
  static const std::shared_ptr<const Icd10Index> idx = [] {
    auto v = Icd10Index::load(CG_BINARY_DIR "/icd10cm.cgx");
    if (const auto* e = std::get_if<std::string>(&v)) BOOST_FAIL("cannot load the index: " << *e);
    return std::get<std::shared_ptr<const Icd10Index>>(v);
  }();
  return *idx;
}

ProcedureStatus pcs(const char* code, const char* dos) {
  return bundled().procedures().status(ProcedureCatalog::Icd10Pcs, code, d(dos));
}

// A scratch folder for made-up input files, removed at the end.
struct Scratch {
  std::filesystem::path dir;
  Scratch() {
    dir = std::filesystem::temp_directory_path() / ("cg_proc_" + std::to_string(::getpid()));
    std::filesystem::create_directories(dir);
  }
  ~Scratch() { std::filesystem::remove_all(dir); }
  std::string write(const std::string& name, const std::string& text) const {
    const auto p = (dir / name).string();
    std::ofstream(p, std::ios::binary) << text;
    return p;
  }
};

// One row of an order file in the CMS layout ("%05d %-7s %c %-60s %s").
std::string order_row(int n, const std::string& code, bool valid, const std::string& short_title,
                      const std::string& long_title) {
  char buf[256];
  std::snprintf(buf, sizeof buf, "%05d %-7s %c %-60s %s\r\n", n, code.c_str(), valid ? '1' : '0', short_title.c_str(),
                long_title.c_str());
  return buf;
}

// One HCPCS record (320 characters): code (or modifier in columns 4-5), record id, long and
// short description, ADD DT, TERM DT.
std::string hcpcs_record(const std::string& code, char rec, const std::string& long_desc, const std::string& add,
                         const std::string& term) {
  std::string r(320, ' ');
  r.replace(rec == '7' ? 3 : 0, code.size(), code);
  r.replace(5, 5, "00100");
  r[10] = rec;
  r.replace(11, long_desc.size(), long_desc);
  r.replace(91, std::min<std::size_t>(long_desc.size(), 28), long_desc.substr(0, 28));
  r.replace(268, add.size(), add);
  r.replace(284, term.size(), term);
  return r + "\r\n";
}

// Builds an index from made-up files: a one-code ICD-10-CM release (compile_index needs one)
// plus the procedure releases of `manifest_lines`.
std::shared_ptr<const Icd10Index> build(const Scratch& s, const std::string& manifest_lines, std::string* error = nullptr) {
  s.write("cm.txt", order_row(1, "A00", false, "Cholera", "Cholera") +
                        order_row(2, "A000", true, "Cholera d/t Vibrio cholerae 01, biovar cholerae",
                                  "Cholera due to Vibrio cholerae 01, biovar cholerae"));
  const auto manifest = s.write("releases.tsv", "release\tFY2016\t2015-10-01\torder=cm.txt\n" + manifest_lines);
  cg::codesets::BuildSpec spec;
  std::string e = cg::codesets::read_manifest(manifest, spec);
  const auto out = (s.dir / "test.cgx").string();
  if (e.empty()) e = cg::codesets::compile_index(spec, out);
  if (error) *error = e;
  if (!e.empty()) return nullptr;
  auto v = Icd10Index::load(out);
  if (const auto* err = std::get_if<std::string>(&v)) {
    if (error) *error = *err;
    return nullptr;
  }
  return std::get<std::shared_ptr<const Icd10Index>>(v);
}

}  // namespace

BOOST_AUTO_TEST_SUITE(procedure_codes_bundled)

BOOST_AUTO_TEST_CASE(icd10pcs_statuses_from_the_cms_files) {
  BOOST_TEST(pcs("0SG0070", "2024-05-01") == ProcedureStatus::Valid);
  BOOST_TEST(pcs("0sg.0070 ", "2015-10-01") == ProcedureStatus::Valid);
  BOOST_TEST(pcs("0SG", "2024-05-01") == ProcedureStatus::Header);    // a table row
  BOOST_TEST(pcs("0SG00", "2024-05-01") == ProcedureStatus::Header);  // a partial code
  BOOST_TEST(pcs("0SG0Z70", "2024-05-01") == ProcedureStatus::Unknown);
  BOOST_TEST(pcs("0SG0070", "2015-09-30") == ProcedureStatus::NotLoaded);
  BOOST_TEST(pcs("0SG0070", "2027-10-01") == ProcedureStatus::NotLoaded);
  // Deleted by the April 1, 2025 update (derived FY2025-APR, PROVENANCE §5).
  BOOST_TEST(pcs("0SG604Z", "2025-03-31") == ProcedureStatus::Valid);
  BOOST_TEST(pcs("0SG604Z", "2025-04-01") == ProcedureStatus::Deleted);
  // April 2026 update (PROVENANCE §6): 30233AZ deleted, 3E033AZ added.
  BOOST_TEST(pcs("30233AZ", "2026-03-31") == ProcedureStatus::Valid);
  BOOST_TEST(pcs("30233AZ", "2026-04-01") == ProcedureStatus::Deleted);
  BOOST_TEST(pcs("3E033AZ", "2026-03-31") == ProcedureStatus::NotYetEffective);
  BOOST_TEST(pcs("3E033AZ", "2026-04-01") == ProcedureStatus::Valid);
  const auto ex = bundled().procedures().lookup(ProcedureCatalog::Icd10Pcs, "30233AZ", d("2026-06-01"));
  BOOST_TEST(ex.last_valid->iso() == "2026-03-31");
  BOOST_TEST(ex.release == "FY2026-APR");
  BOOST_TEST(ex.title == "Transfusion of Embryonic Stem Cells into Peripheral Vein, Percutaneous Approach");
}

// The October editions of FY2022-FY2024 are the April files with their addenda undone: a code the
// April 1, 2022 update added (order_addenda_2022.txt) is not yet effective in October 2021.
BOOST_AUTO_TEST_CASE(october_editions_derived_from_the_april_files) {
  BOOST_TEST(pcs("XW013V7", "2021-12-01") == ProcedureStatus::NotYetEffective);
  BOOST_TEST(pcs("XW013V7", "2022-04-01") == ProcedureStatus::Valid);
  const auto ex = bundled().procedures().lookup(ProcedureCatalog::Icd10Pcs, "XW013V7", d("2021-12-01"));
  BOOST_TEST(ex.release == "FY2022");
  BOOST_TEST(ex.effective_from->iso() == "2022-04-01");
  const auto& rs = bundled().procedures().releases(ProcedureCatalog::Icd10Pcs);
  BOOST_TEST(rs.size() == 17u);
  BOOST_TEST(rs.back().name == "FY2027");
  BOOST_TEST(rs.back().effective_to.iso() == "2027-09-30");
}

BOOST_AUTO_TEST_CASE(hcpcs_add_and_termination_dates) {
  const auto& p = bundled().procedures();
  BOOST_TEST(p.status(ProcedureCatalog::Hcpcs, "J1100", d("2019-02-04")) == ProcedureStatus::Valid);
  BOOST_TEST(p.status(ProcedureCatalog::Hcpcs, "A4466", d("2017-03-06")) == ProcedureStatus::Deleted);
  BOOST_TEST(p.status(ProcedureCatalog::Hcpcs, "A4563", d("2018-11-05")) == ProcedureStatus::NotYetEffective);
  BOOST_TEST(p.status(ProcedureCatalog::Hcpcs, "A4563", d("2019-01-01")) == ProcedureStatus::Valid);
  BOOST_TEST(p.status(ProcedureCatalog::Hcpcs, "J1199", d("2019-02-04")) == ProcedureStatus::Unknown);
  BOOST_TEST(p.status(ProcedureCatalog::Hcpcs, "J1100", d("2019-04-01")) == ProcedureStatus::NotLoaded);
  BOOST_TEST(p.status(ProcedureCatalog::HcpcsModifier, "LT", d("2019-02-04")) == ProcedureStatus::Valid);
  BOOST_TEST(p.status(ProcedureCatalog::HcpcsModifier, "CP", d("2019-02-04")) == ProcedureStatus::Deleted);
  BOOST_TEST(p.status(ProcedureCatalog::HcpcsModifier, "CP", d("2017-06-01")) == ProcedureStatus::Valid);
  BOOST_TEST(p.status(ProcedureCatalog::Hcpcs, "LT", d("2019-02-04")) == ProcedureStatus::Unknown);
  const auto ex = p.lookup(ProcedureCatalog::Hcpcs, "G0438", d("2019-02-04"));
  BOOST_TEST(ex.title.rfind("Annual wellness visit; includes a personalized prevention plan of service", 0) == 0);
  BOOST_TEST(ex.effective_from->iso() == "2011-01-01");  // ADD DT
  BOOST_TEST(!p.loaded(ProcedureCatalog::Cpt));
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(procedure_codes_compiled)

// Two made-up ICD-10-PCS releases: an order file, then a codes file in which 0SG0070 is deleted
// and 0SG0071 added with its long title word for word (its replacement), 0SG007J added anew.
BOOST_AUTO_TEST_CASE(pcs_releases_headers_deletions_and_replacements) {
  Scratch s;
  s.write("o1.txt", order_row(1, "0SG", false, "Lower Joints, Fusion", "Lower Joints, Fusion") +
                        order_row(2, "0SG0070", true, "Fusion A", "Fusion of Lumbar Joint, Open") +
                        order_row(3, "0SG1070", true, "Fusion B", "Fusion of Lumbar Joints, Open"));
  s.write("c2.txt", "0SG0071 Fusion of Lumbar Joint, Open\r\n0SG007J Fusion of Lumbar Joint, Other\r\n"
                    "0SG1070 Fusion of Lumbar Joints, Open\r\n");
  std::string err;
  const auto idx = build(s, "pcs\tFY2030\t2029-10-01\tfile=o1.txt\npcs\tFY2031\t2030-10-01\tfile=c2.txt\n", &err);
  BOOST_TEST_REQUIRE(idx != nullptr, err);
  const auto& p = idx->procedures();
  BOOST_TEST(p.status(ProcedureCatalog::Icd10Pcs, "0SG0070", d("2030-01-01")) == ProcedureStatus::Valid);
  BOOST_TEST(p.status(ProcedureCatalog::Icd10Pcs, "0SG0071", d("2030-01-01")) == ProcedureStatus::NotYetEffective);
  BOOST_TEST(p.status(ProcedureCatalog::Icd10Pcs, "0SG", d("2031-01-01")) == ProcedureStatus::Header);  // from its codes
  const auto del = p.lookup(ProcedureCatalog::Icd10Pcs, "0SG0070", d("2031-01-01"));
  BOOST_TEST(del.status == ProcedureStatus::Deleted);
  BOOST_TEST(del.last_valid->iso() == "2030-09-30");
  BOOST_TEST(del.replacements == std::vector<std::string>{"0SG0071"});
  BOOST_TEST(del.short_title == "Fusion A");
  BOOST_TEST(p.releases(ProcedureCatalog::Icd10Pcs).back().effective_to.iso() == "2031-09-30");
  const auto hdr = p.lookup(ProcedureCatalog::Icd10Pcs, "0SG00", d("2031-01-01"));
  BOOST_TEST(hdr.valid_children == 2u);
}

// A licensee's CPT file (made-up codes in the CPT shape) compiled in: CPT codes on service lines
// are then checked like HCPCS, outside its dates hcpcs.code-set-not-loaded warns.
BOOST_AUTO_TEST_CASE(cpt_licensee_file_is_compiled_and_checked) {
  Scratch s;
  s.write("cpt.txt", "# made-up codes, not CPT content\n00001\tTest service one\n0002F\tTest measure\n");
  std::string err;
  const auto idx = build(s, "cpt\tTEST2030\t2030-01-01\tfile=cpt.txt\n", &err);
  BOOST_TEST_REQUIRE(idx != nullptr, err);
  const auto& p = idx->procedures();
  BOOST_TEST(p.status(ProcedureCatalog::Cpt, "00001", d("2030-06-01")) == ProcedureStatus::Valid);
  BOOST_TEST(p.status(ProcedureCatalog::Cpt, "00002", d("2030-06-01")) == ProcedureStatus::Unknown);
  BOOST_TEST(p.status(ProcedureCatalog::Cpt, "00001", d("2031-01-01")) == ProcedureStatus::NotLoaded);
  BOOST_TEST(p.lookup(ProcedureCatalog::Cpt, "0002F", d("2030-06-01")).title == "Test measure");

  cg::rules::Claim c;
  c.id = "T1";
  c.format = cg::rules::Format::X12_837P;
  c.date_from = c.date_to = d("2030-06-01");
  for (const char* code : {"00001", "00002"}) {
    cg::rules::ServiceLine l;
    l.number = static_cast<int>(c.lines.size()) + 1;
    l.procedure.system = "HC";
    l.procedure.code = code;
    l.service_from = l.service_to = d("2030-06-01");
    c.lines.push_back(l);
  }
  cg::rules::RuleEnv env;
  env.codes = idx;
  env.today = d("2030-07-01");
  const auto v = cg::rules::RuleSet::builtins()->evaluate(c, env);
  std::vector<std::pair<std::string, int>> got;
  for (const auto& f : v.findings)
    if (f.rule.rfind("hcpcs.", 0) == 0 || f.rule == "cpt.format") got.emplace_back(f.rule, f.line);
  BOOST_TEST((got == std::vector<std::pair<std::string, int>>{{"hcpcs.unknown", 2}}));
}

BOOST_AUTO_TEST_CASE(hcpcs_record_layout_and_mid_year_additions) {
  Scratch s;
  s.write("h1.txt", hcpcs_record("J0001", '3', "Injection, test drug one, 1 mg", "20100101", "") +
                        hcpcs_record("J0001", '4', "continued", "", "") +
                        hcpcs_record("J0002", '3', "Injection, test drug two, 1 mg", "20100101", "20291231") +
                        hcpcs_record("XA", '7', "Test modifier", "20100101", "") + "notes line\r\n");
  s.write("h2.txt", hcpcs_record("J0001", '3', "Injection, test drug one, 1 mg", "20100101", "") +
                        hcpcs_record("J0003", '3', "Injection, test drug three, 1 mg", "20300401", "") +
                        hcpcs_record("XA", '7', "Test modifier", "20100101", ""));
  std::string err;
  const auto idx = build(s, "hcpcs\t2030\t2030-01-01\tfile=h1.txt\nhcpcs\t2031\t2031-01-01\tfile=h2.txt\tto=2031-12-31\n", &err);
  BOOST_TEST_REQUIRE(idx != nullptr, err);
  const auto& p = idx->procedures();
  BOOST_TEST(p.status(ProcedureCatalog::Hcpcs, "J0002", d("2030-01-01")) == ProcedureStatus::Deleted);
  BOOST_TEST(p.status(ProcedureCatalog::Hcpcs, "J0003", d("2030-03-31")) == ProcedureStatus::NotYetEffective);
  BOOST_TEST(p.status(ProcedureCatalog::Hcpcs, "J0003", d("2030-04-01")) == ProcedureStatus::Valid);  // added mid-year
  BOOST_TEST(p.status(ProcedureCatalog::HcpcsModifier, "XA", d("2031-06-01")) == ProcedureStatus::Valid);
  BOOST_TEST(p.lookup(ProcedureCatalog::Hcpcs, "J0001", d("2030-02-01")).title ==
             "Injection, test drug one, 1 mg continued");
  BOOST_TEST(p.releases(ProcedureCatalog::Hcpcs).back().effective_to.iso() == "2031-12-31");
}

BOOST_AUTO_TEST_CASE(bad_files_are_errors_naming_file_and_line) {
  Scratch s;
  std::string err;
  s.write("bad.txt", order_row(1, "0SG", false, "t", "t") + order_row(2, "0SGI070", true, "t", "t"));
  BOOST_TEST(build(s, "pcs\tX\t2030-10-01\tfile=bad.txt\n", &err) == nullptr);
  BOOST_TEST(err.find("bad.txt:2: '0SGI070' is not an ICD-10-PCS code") != std::string::npos, err);
  s.write("cpt.txt", "0001\tfour digits\n");
  BOOST_TEST(build(s, "cpt\tX\t2030-01-01\tfile=cpt.txt\n", &err) == nullptr);
  BOOST_TEST(err.find("cpt.txt:1: '0001' is not a CPT code") != std::string::npos, err);
  s.write("h.txt", hcpcs_record("J0001", '5', "x", "20100101", ""));
  BOOST_TEST(build(s, "hcpcs\tX\t2030-01-01\tfile=h.txt\n", &err) == nullptr);
  BOOST_TEST(err.find("h.txt:1: record id") != std::string::npos, err);
  BOOST_TEST(build(s, "pcs\tX\t2030-01-01\tfile=h.txt\tbase=Y\n", &err) == nullptr);
  BOOST_TEST(err.find("exactly one of file= or base=") != std::string::npos, err);
}

BOOST_AUTO_TEST_SUITE_END()
