// Code-set rules against the ICD-10-CM index the build compiled (CG_BINARY_DIR/icd10cm.cgx),
// including the seed facts.
#include "claims.hpp"

#include <boost/test/unit_test.hpp>

using namespace cg::rules;
using namespace cg::rules::test;

BOOST_AUTO_TEST_SUITE(rules_codeset, *boost::unit_test::precondition(IndexLoaded()))

BOOST_AUTO_TEST_CASE(seed_m545_header_from_fy2022) {
  const auto env = env_with_index();
  // Diagnosis 2 = M54.5 pointed by a line on 2021-10-01.
  const auto c = make_837p({"M5416", "M545"}, {{"99213", {"1", "2"}, "2021-10-01"}}, "2021-10-01");
  const auto f = run("icd10cm.header", c, env);
  BOOST_REQUIRE(f.size() == 1u);
  BOOST_TEST(f[0].message ==
             "Diagnosis 2 (M54.5) is a category header, not billable for dates of service from "
             "2021-10-01; use M54.50, M54.51 or M54.59.");
  BOOST_TEST((f[0].suggestions == std::vector<std::string>{"M54.50", "M54.51", "M54.59"}));
  BOOST_TEST(f[0].diagnosis == 2);
  BOOST_TEST(f[0].line == 1);
  BOOST_TEST(f[0].value == "M545");
  BOOST_TEST(f[0].src.render() == "seg 22 HI02-2 (loop 2300)");
  // The day before, M54.5 is billable.
  const auto before = make_837p({"M5416", "M545"}, {{"99213", {"1", "2"}, "2021-09-30"}}, "2021-09-30");
  const auto v = RuleSet::builtins()->evaluate(before, env);
  BOOST_TEST(v.accepted);
  BOOST_TEST(v.findings.empty());
}

BOOST_AUTO_TEST_CASE(header_date_is_the_pointing_lines_date) {
  const auto env = env_with_index();
  // Claim dates span the FY2022 change; the line that points is on 2021-09-30.
  auto c = make_837p({"M545"}, {{"99213", {"1"}, "2021-09-30"}}, "2021-10-02");
  c.date_from = d("2021-09-30");
  BOOST_TEST(run("icd10cm.header", c, env).empty());
  // Unpointed: the claim's through date decides.
  auto unpointed = make_837p({"M5416", "M545"}, {{"99213", {"1"}, "2021-09-30"}}, "2021-10-02");
  BOOST_TEST(run("icd10cm.header", unpointed, env).size() == 1u);
}

BOOST_AUTO_TEST_CASE(seed_m51a1_effective_date) {
  const auto env = env_with_index();
  const auto ok = make_837p({"M51A1"}, {{"63030", {"1"}, "2022-10-01"}}, "2022-10-01");
  BOOST_TEST(RuleSet::builtins()->evaluate(ok, env).findings.empty());
  const auto early = make_837p({"M51.A1"}, {{"63030", {"1"}, "2022-09-30"}}, "2022-09-30");
  const auto f = run("icd10cm.not-yet-effective", early, env);
  BOOST_REQUIRE(f.size() == 1u);
  BOOST_TEST(f[0].message.starts_with(
      "Diagnosis 1 (M51.A1) is not valid on the date of service 2022-09-30: it takes effect on "
      "2022-10-01"), f[0].message);
}

BOOST_AUTO_TEST_CASE(seed_m51a1a_invalid_extension) {
  const auto env = env_with_index();
  const auto c = make_837p({"M51A1A"}, {{"63030", {"1"}, "2023-03-15"}});
  const auto f = run("icd10cm.invalid-extension", c, env);
  BOOST_REQUIRE(f.size() == 1u);
  BOOST_TEST(f[0].message.starts_with("Diagnosis 1 (M51.A1A) is not a valid code: "), f[0].message);
  BOOST_TEST(f[0].message.ends_with("; use M51.A1."), f[0].message);
  BOOST_TEST(f[0].suggestions == std::vector<std::string>{"M51.A1"});
  BOOST_TEST(run("icd10cm.unknown", c, env).empty());
}

BOOST_AUTO_TEST_CASE(seventh_character_missing) {
  const auto env = env_with_index();
  const auto c = make_837p({"S32010"}, {{"99213", {"1"}}});
  const auto f = run("icd10cm.invalid-extension", c, env);
  BOOST_REQUIRE(f.size() == 1u);
  BOOST_TEST(!f[0].suggestions.empty(), f[0].message);
  BOOST_TEST(run("icd10cm.invalid-extension", make_837p({"S32010A"}, {{"99213", {"1"}}}), env).empty());
}

BOOST_AUTO_TEST_CASE(seed_m4301_excludes1) {
  const auto env = env_with_index();
  const auto ok = make_837p({"M4301", "M5450"}, {{"99213", {"1", "2"}}});
  BOOST_TEST(run("icd10cm.excludes1", ok, env).empty());
  const auto bad = make_837p({"M4301", "M5450", "M4311"}, {{"99213", {"1", "2", "3"}}});
  const auto f = run("icd10cm.excludes1", bad, env);
  BOOST_REQUIRE(f.size() == 1u);
  BOOST_TEST(f[0].diagnosis == 3);
  BOOST_TEST(f[0].message.starts_with(
      "Diagnosis 3 (M43.11) and diagnosis 1 (M43.01) may not be reported together"), f[0].message);
  const auto q76 = make_837p({"M4301", "Q762"}, {{"99213", {"1", "2"}}});
  BOOST_TEST(run("icd10cm.excludes1", q76, env).size() == 1u);
}

BOOST_AUTO_TEST_CASE(unknown_code_names_the_family) {
  const auto env = env_with_index();
  BOOST_TEST(run("icd10cm.unknown", make_837p({"M5450"}, {{"99213", {"1"}}}), env).empty());
  const auto f = run("icd10cm.unknown", make_837p({"M5455"}, {{"99213", {"1"}}}, "2023-03-15"), env);
  BOOST_REQUIRE(f.size() == 1u);
  BOOST_TEST(f[0].message ==
             "Diagnosis 1 (M54.55) is not an ICD-10-CM code; codes under M54.5 on 2023-03-15: "
             "M54.50, M54.51 or M54.59.");
  BOOST_TEST(run("icd10cm.unknown", make_837p({"Z99999"}, {{"99213", {"1"}}}), env).size() == 1u);
}

BOOST_AUTO_TEST_CASE(deleted_code) {
  const auto env = env_with_index();
  // A code valid in FY2016 and gone later: find one by asking the index.
  const auto index = shared_index();
  const char* candidates[] = {"H4011X0", "M5430", "D8982", "R6889", "K5050", "E0800", "I5020", "T451X1A"};
  std::string deleted;
  for (const char* c : candidates) {
    if (index->status(c, d("2016-01-01")) == cg::codesets::CodeStatus::Billable &&
        index->status(c, d("2025-01-01")) == cg::codesets::CodeStatus::Deleted) {
      deleted = c;
      break;
    }
  }
  BOOST_REQUIRE(!deleted.empty());
  const auto f = run("icd10cm.deleted", make_837p({deleted.c_str()}, {{"99213", {"1"}, "2025-01-01"}}), env);
  BOOST_REQUIRE(f.size() == 1u);
  BOOST_TEST(f[0].message.find("was deleted from ICD-10-CM") != std::string::npos, f[0].message);
  BOOST_TEST(run("icd10cm.deleted", make_837p({deleted.c_str()}, {{"99213", {"1"}, "2016-01-01"}}, "2016-01-01"), env).empty());
}

BOOST_AUTO_TEST_CASE(code_set_not_loaded_past_the_newest_release) {
  const auto env = env_with_index("2030-01-01");
  const auto& rels = shared_index()->releases();
  BOOST_REQUIRE(!rels.empty());
  const Date last = rels.back().effective_to;
  const Date after = Date::from_days(last.days() + 1);
  const auto in = make_837p({"M5450"}, {{"99213", {"1"}, last.iso().c_str()}}, last.iso().c_str());
  BOOST_TEST(run("icd10cm.code-set-not-loaded", in, env).empty());
  const auto out = make_837p({"M5450"}, {{"99213", {"1"}, after.iso().c_str()}}, after.iso().c_str());
  const auto f = run("icd10cm.code-set-not-loaded", out, env);
  BOOST_REQUIRE(f.size() == 1u);
  BOOST_TEST((f[0].severity == Severity::Warn));
  BOOST_TEST(f[0].message.starts_with("The date of service " + after.iso() +
                                      " is after the newest loaded ICD-10-CM release ("), f[0].message);
}

BOOST_AUTO_TEST_CASE(manifestation_first) {
  const auto env = env_with_index();
  BOOST_TEST(run("icd10cm.manifestation-first", make_837p({"E1142", "G63"}, {{"99213", {"1", "2"}}}), env).empty());
  const auto f = run("icd10cm.manifestation-first", make_837p({"G63", "E1142"}, {{"99213", {"1", "2"}}}), env);
  BOOST_REQUIRE(f.size() == 1u);
  BOOST_TEST(f[0].message.starts_with("Diagnosis 1 (G63) is a manifestation code"), f[0].message);
}

BOOST_AUTO_TEST_CASE(mce_sex_and_age_lists) {
  const auto env = env_with_index();
  auto male_only = make_837p({"N400"}, {{"99213", {"1"}}});
  male_only.sex = 'M';
  BOOST_TEST(run("icd10cm.sex-conflict", male_only, env).empty());
  male_only.sex = 'F';
  const auto f = run("icd10cm.sex-conflict", male_only, env);
  BOOST_REQUIRE(f.size() == 1u);
  BOOST_TEST(f[0].message ==
             "Diagnosis 1 (N40.0) is for male patients only (MCE v37, the newest Medicare Code "
             "Editor list bundled; no list for 2023-03-15 is loaded), but the patient's sex is F; "
             "check the code and the patient's sex.");
  // Inside the years of the lists: the list in force, named without a caveat.
  auto fy2019 = make_837p({"N400"}, {{"99213", {"1"}, "2019-03-01"}}, "2019-03-01");
  fy2019.sex = 'F';
  const auto g = run("icd10cm.sex-conflict", fy2019, env);
  BOOST_REQUIRE(g.size() == 1u);
  BOOST_TEST(g[0].message ==
             "Diagnosis 1 (N40.0) is for male patients only (MCE v36), but the patient's sex is F; "
             "check the code and the patient's sex.");
  // P codes: newborn-only in MCE v33 (FY2016), in no list from v37: a 46-year-old with P92.6
  // is an age conflict in FY2016 only.
  auto p926 = make_837p({"P926"}, {{"99213", {"1"}, "2016-03-01"}}, "2016-03-01");
  p926.birth_date = d("1970-01-10");
  const auto a = run("icd10cm.age-conflict", p926, env);
  BOOST_REQUIRE(a.size() == 1u);
  BOOST_TEST(a[0].message ==
             "Diagnosis 1 (P92.6) is a newborn code (age 0) (MCE v33) but the patient is 46 on the "
             "date of service 2016-03-01; check the code and the patient's birth date.");
  p926.lines[0].service_from = d("2024-03-01");
  p926.date_from = p926.date_to = d("2024-03-01");
  BOOST_TEST(run("icd10cm.age-conflict", p926, env).empty());
  // Grammar: "an adult code".
  auto adult = make_837p({"Z3000"}, {{"99213", {"1"}, "2019-03-01"}}, "2019-03-01");
  adult.birth_date = d("2010-01-10");
  const auto ad = run("icd10cm.age-conflict", adult, env);
  for (const auto& x : ad) BOOST_TEST(x.message.find(" a adult") == std::string::npos);
}

BOOST_AUTO_TEST_CASE(typical_claim_is_clean) {
  const auto env = env_with_index();
  auto c = make_837p({"M5416", "M5126", "M961", "G8929"},
                     {{"99214", {"1", "3", "4"}}, {"72148", {"1", "2"}}, {"62323", {"1", "2"}}});
  c.birth_date = d("1970-04-02");
  c.sex = 'F';
  const auto v = RuleSet::builtins()->evaluate(c, env);
  BOOST_TEST(v.accepted);
  for (const auto& f : v.findings) BOOST_TEST_MESSAGE(f.rule << ": " << f.message);
  BOOST_TEST(v.findings.empty());
}

BOOST_AUTO_TEST_SUITE_END()
