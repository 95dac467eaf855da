#include "claims.hpp"

#include <boost/test/unit_test.hpp>

using namespace cg::rules;
using namespace cg::rules::test;

BOOST_AUTO_TEST_SUITE(rules_pointers)

BOOST_AUTO_TEST_CASE(missing_pointer_837p_rejects) {
  const auto env = env_without_index();
  BOOST_TEST(run("dx.pointer.missing", make_837p({"M5450"}, {{"99213", {"1"}}}), env).empty());
  const auto f = run("dx.pointer.missing", make_837p({"M5450"}, {{"99213", {"1"}}, {"97110", {}}}), env);
  BOOST_REQUIRE(f.size() == 1u);
  BOOST_TEST((f[0].severity == Severity::Reject));
  BOOST_TEST(f[0].line == 2);
  BOOST_TEST(f[0].src.render() == "seg 33 LX (loop 2400)");
  BOOST_TEST(f[0].message ==
             "Line 2 (97110) has no diagnosis pointer (SV107); point it at the diagnosis this "
             "service treats (1 to 4 positions from the claim's diagnoses).");
}

BOOST_AUTO_TEST_CASE(missing_pointer_fhir_is_a_warning_only_with_diagnoses) {
  const auto env = env_without_index();
  const auto f = run("dx.pointer.missing", make_fhir({"M5450"}, {{"99213", {}}}), env);
  BOOST_REQUIRE(f.size() == 1u);
  BOOST_TEST((f[0].severity == Severity::Warn));
  BOOST_TEST(f[0].src.fhirpath == "Claim.item[0]");
  BOOST_TEST(run("dx.pointer.missing", make_fhir({}, {{"99213", {}}}), env).empty());
}

BOOST_AUTO_TEST_CASE(missing_pointer_not_for_institutional) {
  auto c = make_837p({"M5450"}, {{"0450", {}}});
  c.format = Format::X12_837I;
  c.kind = ClaimKind::Institutional;
  BOOST_TEST(run("dx.pointer.missing", c, env_without_index()).empty());
  BOOST_TEST(run("dx.unreferenced", c, env_without_index()).empty());
}

BOOST_AUTO_TEST_CASE(invalid_pointer_x12_range_and_fhir_positive) {
  const auto env = env_without_index();
  BOOST_TEST(run("dx.pointer.invalid", make_837p({"M5450"}, {{"99213", {"1", "12"}}}), env).empty());
  const auto f = run("dx.pointer.invalid", make_837p({"M5450"}, {{"99213", {"A", "0", "13"}}}), env);
  BOOST_REQUIRE(f.size() == 3u);
  BOOST_TEST(f[0].value == "A");
  BOOST_TEST(f[0].src.render() == "seg 31 SV107-1 (loop 2400)");
  BOOST_TEST(f[0].message ==
             "Line 1 (99213) has diagnosis pointer \"A\", which is not a number from 1 to 12 "
             "(SV107 lists positions of the claim's diagnoses); correct the pointer.");
  BOOST_TEST(f[2].value == "13");
  // FHIR: 13 is a well-formed sequence (then unresolved), 0 is not.
  const auto ff = run("dx.pointer.invalid", make_fhir({"M5450"}, {{"99213", {"13", "0"}}}), env);
  BOOST_REQUIRE(ff.size() == 1u);
  BOOST_TEST(ff[0].value == "0");
  BOOST_TEST(ff[0].src.fhirpath == "Claim.item[0].diagnosisSequence[1]");
}

BOOST_AUTO_TEST_CASE(unresolved_pointer) {
  const auto env = env_without_index();
  const auto ok = make_837p({"M5450", "M5416", "M961"}, {{"99213", {"1", "3"}}});
  BOOST_TEST(run("dx.pointer.unresolved", ok, env).empty());
  const auto bad = make_837p({"M5450", "M5416", "M961"}, {{"99213", {"1", "4"}}});
  const auto f = run("dx.pointer.unresolved", bad, env);
  BOOST_REQUIRE(f.size() == 1u);
  BOOST_TEST(f[0].message ==
             "Line 1 (99213) points to diagnosis 4, but the claim lists only 3 diagnoses; point "
             "it at 1 to 3.");
  BOOST_TEST(f[0].src.render() == "seg 31 SV107-2 (loop 2400)");
  // FHIR sequences with a gap: 1 and 3 exist, 2 does not.
  auto fhir = make_fhir({"M5450", "M5416"}, {{"99213", {"2"}}});
  fhir.diagnoses[1].position = 3;
  const auto ff = run("dx.pointer.unresolved", fhir, env);
  BOOST_REQUIRE(ff.size() == 1u);
  BOOST_TEST(ff[0].message ==
             "Line 1 (99213) points to diagnosis 2, but the claim has no diagnosis with sequence "
             "2; point it at an existing diagnosis.");
  BOOST_TEST(ff[0].src.fhirpath == "Claim.item[0].diagnosisSequence[0]");
}

BOOST_AUTO_TEST_CASE(duplicate_pointer) {
  const auto env = env_without_index();
  BOOST_TEST(run("dx.pointer.duplicate", make_837p({"M5450", "M961"}, {{"99213", {"1", "2"}}}), env).empty());
  const auto f = run("dx.pointer.duplicate", make_837p({"M5450", "M961"}, {{"99213", {"2", "1", "2"}}}), env);
  BOOST_REQUIRE(f.size() == 1u);
  BOOST_TEST(f[0].src.render() == "seg 31 SV107-3 (loop 2400)");
  BOOST_TEST(f[0].message == "Line 1 (99213) lists diagnosis pointer 2 twice; remove the repeated pointer.");
}

BOOST_AUTO_TEST_CASE(too_many_pointers) {
  const auto env = env_without_index();
  const auto codes = {"M5450", "M5416", "M961", "G8929", "M5126"};
  BOOST_TEST(run("dx.pointer.too-many", make_837p(codes, {{"99213", {"1", "2", "3", "4"}}}), env).empty());
  const auto f = run("dx.pointer.too-many", make_837p(codes, {{"99213", {"1", "2", "3", "4", "5"}}}), env);
  BOOST_REQUIRE(f.size() == 1u);
  BOOST_TEST((f[0].severity == Severity::Reject));
  BOOST_TEST(f[0].value == "5");
  const auto ff = run("dx.pointer.too-many", make_fhir(codes, {{"99213", {"1", "2", "3", "4", "5"}}}), env);
  BOOST_REQUIRE(ff.size() == 1u);
  BOOST_TEST((ff[0].severity == Severity::Warn));
}

BOOST_AUTO_TEST_CASE(unreferenced_diagnosis_warns) {
  const auto env = env_without_index();
  BOOST_TEST(run("dx.unreferenced", make_837p({"M5450", "M961"}, {{"99213", {"1"}}, {"97110", {"2"}}}), env).empty());
  const auto f = run("dx.unreferenced", make_837p({"M5450", "M961", "G8929"}, {{"99213", {"1", "2"}}}), env);
  BOOST_REQUIRE(f.size() == 1u);
  BOOST_TEST((f[0].severity == Severity::Warn));
  BOOST_TEST(f[0].diagnosis == 3);
  BOOST_TEST(f[0].src.render() == "seg 22 HI03-2 (loop 2300)");
  BOOST_TEST(f[0].message ==
             "Diagnosis 3 (G89.29) is not pointed to by any service line; point the line it "
             "supports at it, or remove it.");
}

BOOST_AUTO_TEST_CASE(duplicate_code) {
  const auto env = env_without_index();
  BOOST_TEST(run("dx.duplicate-code", make_837p({"M5450", "M5416"}, {}), env).empty());
  const auto f = run("dx.duplicate-code", make_837p({"M5450", "M5416", "M54.50"}, {}), env);
  BOOST_REQUIRE(f.size() == 1u);
  BOOST_TEST(f[0].value == "M54.50");
  BOOST_TEST(f[0].message ==
             "Diagnosis 3 (M54.50) repeats diagnosis 1; remove the repeat and point lines at "
             "diagnosis 1.");
}

BOOST_AUTO_TEST_SUITE_END()
