#include "claims.hpp"

#include "rulesets/kinds/common.hpp"

#include <boost/test/unit_test.hpp>

using namespace cg::rules;
using namespace cg::rules::test;

BOOST_AUTO_TEST_SUITE(rules_claim)

BOOST_AUTO_TEST_CASE(balance_837) {
  const auto env = env_without_index();
  auto c = make_837p({"M5450"}, {{"99213", {"1"}, "2023-03-15", "100"}, {"97110", {"1"}, "2023-03-15", "150.5"}});
  BOOST_TEST(run("claim.balance", c, env).empty());
  c.total = *parse_amount("300");
  const auto f = run("claim.balance", c, env);
  BOOST_REQUIRE(f.size() == 1u);
  BOOST_TEST(f[0].message ==
             "The claim total charge 300 (CLM02) differs from the sum of the line charges, "
             "250.5; correct the total or the line charges.");
  BOOST_TEST(f[0].src.render() == "seg 20 CLM02 (loop 2300)");
  BOOST_TEST(f[0].suggestions == std::vector<std::string>{"250.5"});
}

BOOST_AUTO_TEST_CASE(balance_fhir_and_missing_net) {
  const auto env = env_without_index();
  auto c = make_fhir({"M5450"}, {{"99213", {"1"}}, {"97110", {"1"}}});
  c.total = *parse_amount("250");
  const auto f = run("claim.balance", c, env);
  BOOST_REQUIRE(f.size() == 1u);
  BOOST_TEST(f[0].message ==
             "Claim.total 250 differs from the sum of item.net, 200; correct the total or the "
             "line charges.");
  BOOST_TEST(f[0].src.fhirpath == "Claim.total");
  c.lines[1].charge = Amount{};
  BOOST_TEST(run("claim.balance", c, env).empty());
}

BOOST_AUTO_TEST_CASE(future_date) {
  auto c = make_837p({"M5450"}, {{"99213", {"1"}, "2024-06-01"}, {"97110", {"1"}, "2024-06-02"}}, "2024-06-01");
  BOOST_TEST(run("claim.future-date", c, env_without_index("2024-06-02")).empty());
  const auto f = run("claim.future-date", c, env_without_index("2024-06-01"));
  BOOST_REQUIRE(f.size() == 1u);
  BOOST_TEST(f[0].line == 2);
  BOOST_TEST(f[0].value == "2024-06-02");
  BOOST_TEST(f[0].src.render() == "seg 35 DTP03 (loop 2400)");
  BOOST_TEST(f[0].message ==
             "Line 2 (97110) has date of service 2024-06-02, after the day the claim was received "
             "(2024-06-01); correct the date or send the claim after the service.");
  // Claim dates only (no line dates), and no "today": the rule is off.
  auto inst = make_837p({"M5450"}, {{"0450", {}, nullptr}}, "2024-07-01");
  BOOST_TEST(run("claim.future-date", inst, env_without_index("2024-06-01")).size() == 1u);
  RuleEnv no_today;
  BOOST_TEST(run("claim.future-date", inst, no_today).empty());
}

BOOST_AUTO_TEST_CASE(date_fallbacks) {
  // A pointed diagnosis takes the line's date; unpointed ones the claim's through date; a
  // line without a date the claim date.
  auto c = make_837p({"M5450", "M961", "G8929"},
                     {{"99213", {"1"}, "2021-09-30"}, {"97110", {"2"}, nullptr}}, "2021-10-05");
  c.date_from = d("2021-09-30");
  c.date_to = d("2021-10-05");
  ClaimFacts facts;
  compute_facts(c, env_without_index(), facts);
  BOOST_REQUIRE(facts.dx.size() == 3u);
  BOOST_TEST(facts.dx[0].first_date().iso() == "2021-09-30");
  BOOST_TEST(facts.dx[0].dates[0].line == 1);
  BOOST_TEST(facts.dx[0].pointed);
  BOOST_TEST(facts.dx[1].first_date().iso() == "2021-10-05");
  BOOST_TEST(facts.dx[1].dates[0].line == 2);
  BOOST_TEST(facts.dx[2].first_date().iso() == "2021-10-05");
  BOOST_TEST(facts.dx[2].dates[0].line == 0);
  BOOST_TEST(!facts.dx[2].pointed);
  // A diagnosis pointed by lines on two dates is checked on both.
  auto two = make_837p({"M5450"}, {{"99213", {"1"}, "2021-09-30"}, {"97110", {"1"}, "2021-10-01"}});
  compute_facts(two, env_without_index(), facts);
  BOOST_TEST(facts.dx[0].dates.size() == 2u);
  // No dates at all: no date (never "today"); claim.no-date-of-service says so.
  auto none = make_837p({"M5450"}, {});
  none.date_from.reset();
  none.date_to.reset();
  compute_facts(none, env_without_index("2025-02-03"), facts);
  BOOST_TEST(!facts.dx[0].dated());
  BOOST_TEST(run("claim.no-date-of-service", none, env_without_index("2025-02-03")).size() == 1u);
  BOOST_TEST(run("claim.no-date-of-service", two, env_without_index()).empty());
}

BOOST_AUTO_TEST_CASE(qualifier_mismatch) {
  const auto env = env_without_index();
  BOOST_TEST(run("icd10cm.qualifier-mismatch", make_837p({"M5450"}, {}, "2015-10-01"), env).empty());
  // ICD-10-CM before the cutover.
  auto early = make_837p({"M5450"}, {{"99213", {"1"}, "2015-09-30"}}, "2015-09-30");
  auto f = run("icd10cm.qualifier-mismatch", early, env);
  BOOST_REQUIRE(f.size() == 1u);
  BOOST_TEST(f[0].message ==
             "Diagnosis 1 (M54.50) is sent as ICD-10-CM (qualifier ABK), but the date of service "
             "2015-09-30 is before 2015-10-01, when ICD-9-CM applied; send the ICD-9-CM code with "
             "qualifier BK/BF.");
  BOOST_TEST(f[0].line == 1);
  // ICD-9-CM on or after it.
  auto icd9 = make_837p({"7248"}, {}, "2016-03-01");
  icd9.diagnoses[0].system = CodeSystem::Icd9Cm;
  icd9.diagnoses[0].system_as_sent = "BK";
  f = run("icd10cm.qualifier-mismatch", icd9, env);
  BOOST_REQUIRE(f.size() == 1u);
  BOOST_TEST((f[0].severity == Severity::Reject));
  BOOST_TEST(f[0].message ==
             "Diagnosis 1 (7248) is sent as ICD-9-CM (qualifier BK), but the date of service "
             "2016-03-01 is on or after 2015-10-01, when ICD-10-CM replaced ICD-9-CM; send the "
             "ICD-10-CM code with qualifier ABK/ABF.");
  icd9.date_from = icd9.date_to = d("2015-09-30");
  BOOST_TEST(run("icd10cm.qualifier-mismatch", icd9, env).empty());
  // WHO ICD-10 in FHIR: a warning that it was not checked.
  auto who = make_fhir({"M54.5"}, {});
  who.diagnoses[0].system = CodeSystem::Icd10Who;
  who.diagnoses[0].system_as_sent = "http://hl7.org/fhir/sid/icd-10";
  f = run("icd10cm.qualifier-mismatch", who, env);
  BOOST_REQUIRE(f.size() == 1u);
  BOOST_TEST((f[0].severity == Severity::Warn));
  BOOST_TEST(f[0].src.fhirpath == "Claim.diagnosis[0].diagnosisCodeableConcept.coding[0].code");
}

BOOST_AUTO_TEST_CASE(unresolved_reference_is_a_warning) {
  auto c = make_fhir({"M5450"}, {});
  Diagnosis ref;
  ref.position = 2;
  ref.reference = "Condition/back-1";
  ref.src = fhir_ref("Claim.diagnosis[1].diagnosisReference");
  c.diagnoses.push_back(ref);
  const auto f = run("icd10cm.unknown", c, env_without_index());
  BOOST_REQUIRE(f.size() == 1u);
  BOOST_TEST((f[0].severity == Severity::Warn));
  BOOST_TEST(f[0].message ==
             "Diagnosis 2 refers to Condition/back-1, which could not be resolved to a code, so "
             "it was not checked; send diagnosisCodeableConcept with the ICD-10-CM code.");
}

BOOST_AUTO_TEST_CASE(external_cause_first_by_chapter) {
  const auto env = env_without_index();
  BOOST_TEST(run("icd10cm.external-cause-first", make_837p({"S32010A", "W19XXXA"}, {}), env).empty());
  const auto f = run("icd10cm.external-cause-first", make_837p({"W19XXXA", "S32010A"}, {}), env);
  BOOST_REQUIRE(f.size() == 1u);
  BOOST_TEST(f[0].diagnosis == 1);
  BOOST_TEST(f[0].message ==
             "Diagnosis 1 (W19.XXXA) is an external-cause code (V00-Y99), which may not be the "
             "principal or first-listed diagnosis; list the injury or condition it explains first.");
}

BOOST_AUTO_TEST_CASE(no_age_or_sex_edit_without_an_mce_list) {
  // Age and sex edits come only from the MCE list in force: without a code set, none, not even
  // the chapter 15/16 "conventions" (issue 10).
  const auto env = env_without_index();
  auto c = make_837p({"O80"}, {}, "2023-03-15");
  c.birth_date = d("1960-05-01");
  c.sex = 'M';
  BOOST_TEST(run("icd10cm.age-conflict", c, env).empty());
  BOOST_TEST(run("icd10cm.sex-conflict", c, env).empty());
  auto newborn = make_837p({"P0730"}, {}, "2023-03-15");
  newborn.birth_date = d("2020-03-01");
  BOOST_TEST(run("icd10cm.age-conflict", newborn, env).empty());
}

BOOST_AUTO_TEST_CASE(birth_date_after_service) {
  const auto env = env_without_index();
  auto c = make_837p({"M5450"}, {{"99213", {"1"}, "2025-03-01"}, {"97110", {"1"}, "2025-02-27"}});
  c.birth_date = d("2025-03-01");
  c.date_from = c.date_to = d("2025-03-01");
  auto f = run("claim.birth-date-after-service", c, env);
  BOOST_REQUIRE(f.size() == 1u);
  BOOST_TEST(f[0].line == 2);
  BOOST_TEST(f[0].message ==
             "The patient's birth date 2025-03-01 is after the date of service 2025-02-27 of Line 2 "
             "(97110); correct the birth date or the date of service.");
  c.lines[1].service_from = d("2025-03-01");
  BOOST_TEST(run("claim.birth-date-after-service", c, env).empty());
}

BOOST_AUTO_TEST_SUITE_END()
