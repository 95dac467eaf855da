// Heap allocations of rule evaluation, counted by this executable's own global operator new
// (issue 16): evaluating a claim without findings allocates nothing, and a claim with a finding
// allocates only that finding (the findings array, its message, and its rule id where the id
// is longer than the string's inline buffer). Counts, not times: the same on any machine.
#include "tests/support/count_allocations.hpp"
#include "tests/unit/rules/claims.hpp"

#include <boost/test/unit_test.hpp>

using namespace cg::rules;
using namespace cg::rules::test;

namespace {

// Allocations made by one RuleSet::evaluate (the verdict's own included, until it is gone).
std::size_t allocations(const RuleSet& rules, const Claim& claim, const RuleEnv& env, Verdict* keep = nullptr) {
  const std::size_t before = cg::test::allocation_count();
  Verdict v = rules.evaluate(claim, env);
  const std::size_t n = cg::test::allocation_count() - before;
  if (keep != nullptr) *keep = std::move(v);
  return n;
}

// What a finding may allocate: its rule id when longer than the inline buffer, its message,
// its suggestions.
std::size_t finding_allocations(const Finding& f) {
  std::string inline_buffer;
  return (f.rule.size() > inline_buffer.capacity() ? 1 : 0) + (f.message.empty() ? 0 : 1) +
         (f.suggestions.empty() ? 0 : 1 + f.suggestions.size());
}

}  // namespace

BOOST_AUTO_TEST_SUITE(rules_alloc, *boost::unit_test::precondition(IndexLoaded()))

BOOST_AUTO_TEST_CASE(clean_claims_allocate_nothing) {
  const auto env = env_with_index();
  const auto rules = RuleSet::builtins();
  // Typical claims: 4 diagnoses, 3 lines (HCPCS and CPT codes, modifiers), birth date and sex.
  std::vector<Claim> claims{
      make_837p({"M5416", "G8929", "I10", "E785"}, {{"99213", {"1", "2"}}, {"97110", {"1", "3"}}, {"72148", {"2", "4"}}}),
      make_837p({"E119", "E785", "Z794", "K219"},
                {{"99214", {"1", "2", "3", "4"}, "2019-02-04"}, {"J1100", {"1"}, "2019-02-04"}, {"97014", {"2"}, "2019-02-04"}},
                "2019-02-04"),
      make_fhir({"M5450", "M5451", "F329", "R519"}, {{"99215", {"1"}}, {"64483", {"2", "3"}}, {"95886", {"4"}}}, "2024-05-02"),
  };
  claims[0].birth_date = d("1961-06-15");
  claims[0].sex = 'F';
  claims[1].birth_date = d("1948-01-30");
  claims[1].sex = 'M';
  claims[1].lines[1].procedure.modifiers = {"JW"};
  claims[1].lines[2].procedure.modifiers = {"GP", "59"};
  claims[2].birth_date = d("1990-12-01");
  claims[2].sex = 'M';
  for (std::size_t i = 0; i < claims.size(); ++i) {
    Verdict v;
    (void)allocations(*rules, claims[i], env, &v);  // warm: first use fills the index's caches
    BOOST_TEST_CONTEXT("claim " << i) {
      BOOST_TEST(v.accepted);
      for (const auto& f : v.findings) BOOST_TEST_MESSAGE(f.rule << ": " << f.message);
      BOOST_TEST(v.findings.empty());
      BOOST_TEST(allocations(*rules, claims[i], env) == 0u);
    }
  }
}

BOOST_AUTO_TEST_CASE(a_finding_allocates_only_itself) {
  const auto env = env_with_index();
  const auto rules = RuleSet::builtins();
  // M43.01 with M43.11: Excludes1 under M43.0 (seed 003), on an otherwise clean claim.
  auto c = make_837p({"M4301", "M4311", "G8929", "I10"},
                     {{"99213", {"1", "2"}}, {"97110", {"1", "3"}}, {"72148", {"2", "4"}}}, "2023-03-15");
  c.birth_date = d("1961-06-15");
  c.sex = 'F';
  Verdict v;
  (void)allocations(*rules, c, env, &v);
  BOOST_REQUIRE(v.findings.size() == 1u);
  BOOST_TEST(v.findings[0].rule == "icd10cm.excludes1");
  const std::size_t n = allocations(*rules, c, env);
  BOOST_TEST(n == 1 + finding_allocations(v.findings[0]));  // + the findings array
}

BOOST_AUTO_TEST_CASE(findings_of_the_common_rules_allocate_only_themselves) {
  const auto env = env_with_index();
  const auto rules = RuleSet::builtins();
  // dx.unreferenced (diagnosis 4 unpointed) and dx.duplicate-code (diagnosis 3 repeats 1): the
  // findings most generated batches carry, on one claim.
  auto c = make_837p({"M5416", "G8929", "M5416", "E785"}, {{"99213", {"1", "2"}}, {"97110", {"1", "3"}}});
  c.birth_date = d("1961-06-15");
  c.sex = 'F';
  Verdict v;
  (void)allocations(*rules, c, env, &v);
  BOOST_REQUIRE(v.findings.size() == 2u);
  BOOST_TEST(v.findings[0].rule == "dx.unreferenced");
  BOOST_TEST(v.findings[1].rule == "dx.duplicate-code");
  const std::size_t n = allocations(*rules, c, env);
  // + the findings array, which grows once (capacity 1, then 2)
  BOOST_TEST(n == 2 + finding_allocations(v.findings[0]) + finding_allocations(v.findings[1]));
}

BOOST_AUTO_TEST_SUITE_END()
