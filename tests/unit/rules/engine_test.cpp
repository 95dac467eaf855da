#include "claims.hpp"

#include "rulesets/core/packs.hpp"

#include <boost/test/unit_test.hpp>

#include <set>

using namespace cg::rules;
using namespace cg::rules::test;

BOOST_AUTO_TEST_SUITE(rules_engine)

BOOST_AUTO_TEST_CASE(registry_lists_exactly_the_issue_ids) {
  const std::set<std::string_view> expected{
      "dx.pointer.missing", "dx.pointer.invalid", "dx.pointer.unresolved", "dx.pointer.duplicate",
      "dx.pointer.too-many", "dx.unreferenced", "dx.duplicate-code", "icd10cm.unknown",
      "icd10cm.header", "icd10cm.not-yet-effective", "icd10cm.deleted",
      "icd10cm.invalid-extension", "icd10cm.code-set-not-loaded", "icd10cm.qualifier-mismatch",
      "icd10cm.excludes1", "icd10cm.external-cause-first", "icd10cm.manifestation-first",
      "icd10cm.age-conflict", "icd10cm.sex-conflict", "icd10cm.poa-required", "icd10cm.poa-exempt", "claim.balance", "claim.future-date", "claim.npi",
      "claim.no-date-of-service", "claim.birth-date-after-service", "icd10pcs.code-set-not-loaded",
      "icd10pcs.unknown", "icd10pcs.header", "icd10pcs.not-yet-effective", "icd10pcs.deleted",
      "icd10pcs.principal-missing", "icd10pcs.not-inpatient", "icd10pcs.on-service-line",
      "hcpcs.code-set-not-loaded", "hcpcs.unknown", "hcpcs.terminated", "hcpcs.not-yet-effective",
      "hcpcs.modifier", "cpt.format"};
  std::set<std::string_view> got;
  for (const auto& r : builtin_rules()) {
    BOOST_TEST(got.insert(r.id).second, "duplicate id " << r.id);
    BOOST_TEST(!r.description.empty());
    BOOST_TEST(r.check != nullptr);
  }
  BOOST_TEST(got == expected);
  BOOST_TEST((find_builtin("dx.unreferenced")->severity == Severity::Warn));
  BOOST_TEST((find_builtin("icd10cm.code-set-not-loaded")->severity == Severity::Warn));
  BOOST_TEST((find_builtin("icd10pcs.code-set-not-loaded")->severity == Severity::Warn));
  BOOST_TEST((find_builtin("hcpcs.code-set-not-loaded")->severity == Severity::Warn));
  BOOST_TEST((find_builtin("icd10cm.excludes1")->severity == Severity::Reject));
  BOOST_TEST((find_builtin("icd10cm.poa-exempt")->severity == Severity::Warn));
  BOOST_TEST(find_builtin("no.such.rule") == nullptr);
}

BOOST_AUTO_TEST_CASE(clean_claim_is_accepted_with_no_findings) {
  const auto set = RuleSet::builtins();
  const auto claim = make_837p({"M5450", "M5416"}, {{"99213", {"1", "2"}}, {"97110", {"1"}}});
  auto env = env_without_index();
  const auto v = set->evaluate(claim, env);
  // Without a code set the claim only gets the "not checked" warning.
  BOOST_TEST(v.accepted);
  BOOST_TEST(v.name() == "accepted");
  BOOST_TEST(v.rejects == 0u);
  BOOST_TEST(v.warnings == 1u);
  BOOST_REQUIRE(v.findings.size() == 1u);
  BOOST_TEST(v.findings[0].rule == "icd10cm.code-set-not-loaded");
  BOOST_TEST(v.findings[0].message ==
             "No ICD-10-CM code set is loaded, so the diagnosis codes on this claim were not "
             "checked; load the code set (claimgate code-set build).");
}

BOOST_AUTO_TEST_CASE(rejected_claim_lists_every_reason) {
  const auto set = RuleSet::builtins();
  auto claim = make_837p({"M5450", "M5450"}, {{"99213", {"1", "1", "7"}}, {"97110", {}}});
  claim.total.units += 10 * Amount::kScale;
  const auto v = set->evaluate(claim, env_without_index());
  BOOST_TEST(!v.accepted);
  BOOST_TEST(v.name() == "rejected");
  std::set<std::string> rules;
  for (const auto& f : v.findings) rules.insert(f.rule);
  for (const char* id : {"dx.pointer.duplicate", "dx.pointer.unresolved", "dx.pointer.missing",
                         "dx.duplicate-code", "claim.balance", "dx.unreferenced"}) {
    BOOST_TEST(rules.count(id) == 1u, id);
  }
  BOOST_TEST(v.rejects + v.warnings == v.findings.size());
}

BOOST_AUTO_TEST_CASE(prior_findings_count_toward_the_verdict) {
  const auto set = RuleSet::builtins();
  const auto claim = make_837p({"M5450"}, {{"99213", {"1"}}});
  Finding parse;
  parse.rule = "x12.segment.unexpected";
  parse.severity = Severity::Reject;
  auto v = set->evaluate(claim, env_without_index(), Findings{parse});
  BOOST_TEST(!v.accepted);
  BOOST_TEST(v.findings.front().rule == "x12.segment.unexpected");
}

BOOST_AUTO_TEST_CASE(override_changes_every_finding_of_the_rule) {
  auto pack = parse_pack(R"({"pack": "lenient", "rules": [
    {"id": "lenient.balance-warn", "kind": "severity-override", "severity": "warn",
     "params": {"rule": "claim.balance"}}]})", "lenient.json");
  const auto set = RuleSet::build({pack});
  BOOST_TEST((set->override_for("claim.balance") == Severity::Warn));
  auto claim = make_837p({"M5450"}, {{"99213", {"1"}}});
  claim.total.units += 1;
  const auto v = set->evaluate(claim, env_without_index());
  BOOST_TEST(v.accepted);
  BOOST_REQUIRE(of(v.findings, "claim.balance").size() == 1u);
  BOOST_TEST((of(v.findings, "claim.balance")[0].severity == Severity::Warn));
}

BOOST_AUTO_TEST_CASE(build_rejects_override_of_unknown_rule_and_duplicate_packs) {
  auto pack = parse_pack(R"({"pack": "typo", "rules": [
    {"id": "typo.o", "kind": "severity-override", "severity": "warn",
     "params": {"rule": "icd10cm.excludes"}}]})", "typo.json");
  BOOST_CHECK_EXCEPTION(RuleSet::build({pack}), PackError, [](const PackError& e) {
    return std::string(e.what()) ==
           "typo.json: rules[0] (typo.o): severity-override names rule icd10cm.excludes, which is "
           "neither a built-in rule nor a rule of the selected packs";
  });
  auto spine = load_pack("spine", CG_SOURCE_DIR "/rulesets/packs");
  BOOST_CHECK_THROW(RuleSet::build({spine, spine}), PackError);
}

BOOST_AUTO_TEST_CASE(findings_are_capped_but_counted) {
  const auto set = RuleSet::builtins();
  std::vector<LineSpec> lines;
  Claim claim = make_837p({"M5450"}, {});
  for (int i = 0; i < 150; ++i) {
    auto one = make_837p({"M5450"}, {{"99213", {"9", "8"}}});
    one.lines[0].number = i + 1;
    claim.lines.push_back(one.lines[0]);
  }
  claim.total = Amount{};
  const auto v = set->evaluate(claim, env_without_index());
  BOOST_TEST(v.findings.size() == RuleSet::kMaxFindings);
  BOOST_TEST(v.dropped > 0u);
  BOOST_TEST(v.rejects + v.warnings == v.findings.size() + v.dropped);
}

BOOST_AUTO_TEST_CASE(message_helpers) {
  BOOST_TEST(dotted("M5450") == "M54.50");
  BOOST_TEST(dotted("M54") == "M54");
  BOOST_TEST(dotted("M54.50") == "M54.50");
  const std::vector<std::string> three{"M54.50", "M54.51", "M54.59"};
  BOOST_TEST(join_or(three) == "M54.50, M54.51 or M54.59");
  BOOST_TEST(join_or(std::span(three).first(1)) == "M54.50");
  BOOST_TEST(join_or(three, 2) == "M54.50, M54.51 or one of 1 more (see suggestions)");
}

BOOST_AUTO_TEST_SUITE_END()
