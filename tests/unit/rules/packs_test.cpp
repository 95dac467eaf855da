#include "claims.hpp"

#include "rulesets/core/packs.hpp"

#include <boost/test/unit_test.hpp>

using namespace cg::rules;
using namespace cg::rules::test;

namespace {

std::string load_error(std::string_view json) {
  try {
    (void)parse_pack(json, "t.json");
  } catch (const PackError& e) {
    return e.what();
  }
  return "(loaded)";
}

std::shared_ptr<const RulePack> pack_of(std::string_view entries) {
  return parse_pack(R"({"pack": "t", "rules": [)" + std::string(entries) + "]}", "t.json");
}

Findings run_pack(const std::shared_ptr<const RulePack>& pack, const Claim& claim,
                  const RuleEnv& env) {
  Findings out;
  for (const auto& r : pack->rules) r->check(claim, env, out);
  return out;
}

std::shared_ptr<const RulePack> spine() {
  static const auto pack = load_pack("spine", CG_SOURCE_DIR "/rulesets/packs");
  return pack;
}

std::vector<Finding> of_spine(const Claim& c, std::string_view id, const RuleEnv& env) {
  return of(run_pack(spine(), c, env), id);
}

}  // namespace

BOOST_AUTO_TEST_SUITE(rules_packs)

BOOST_AUTO_TEST_CASE(loader_errors_name_file_entry_and_field) {
  BOOST_TEST(load_error(R"({"pack": "t", "rules": [{"id": "t.a", "kind": "forbidden-combination",
      "params": {"first": ["M96.1"], "second": ["M96.3"]}, "colour": "red"}]})") ==
             "t.json: rules[0] (t.a): colour: unknown field");
  BOOST_TEST(load_error(R"({"pack": "t", "rules": [{"id": "t.a", "kind": "forbidden-combination",
      "params": {"first": ["M96.1"], "second": ["M96.3"], "third": []}}]})") ==
             "t.json: rules[0] (t.a): params.third: unknown field");
  BOOST_TEST(load_error(R"({"pack": "t", "rules": [{"id": "t.a", "kind": "procedure-requires-diagnosis",
      "params": {"procedures": ["63030", "6303"], "diagnoses": ["M51.16"]}}]})") ==
             "t.json: rules[0] (t.a): params.procedures[1]: \"6303\" is not a CPT/HCPCS code, "
             "range (99213-99215) or family (992*)");
  BOOST_TEST(load_error(R"({"pack": "t", "rules": [{"id": "t.a", "kind": "procedure-requires-diagnosis",
      "params": {"procedures": ["63030"], "diagnoses": "M51.16"}}]})") ==
             "t.json: rules[0] (t.a): params.diagnoses: expected an array of strings");
  BOOST_TEST(load_error(R"({"pack": "t", "rules": [{"id": "t.a", "kind": "procedure-requires-diagnosis",
      "params": {"procedures": ["63030"], "diagnoses": ["M5"]}}]})") ==
             "t.json: rules[0] (t.a): params.diagnoses[0]: \"M5\" is not an ICD-10-CM code, range "
             "(A00-B99) or family (M54.1-)");
  BOOST_TEST(load_error(R"({"pack": "t", "rules": [{"id": "t.a", "kind": "forbidden-combination",
      "since": "2023-02-30", "params": {"first": ["M96.1"], "second": ["M96.3"]}}]})") ==
             "t.json: rules[0] (t.a): since: \"2023-02-30\" is not a date (YYYY-MM-DD)");
  BOOST_TEST(load_error(R"({"pack": "t", "rules": [{"id": "t.a", "kind": "forbidden-combination",
      "since": "2023-10-01", "until": "2023-09-30", "params": {"first": ["M96.1"], "second": ["M96.3"]}}]})") ==
             "t.json: rules[0] (t.a): until: 2023-09-30 is before since 2023-10-01");
  BOOST_TEST(load_error(R"({"pack": "t", "rules": [{"id": "t.a", "kind": "no-such-kind", "params": {}}]})") ==
             "t.json: rules[0] (t.a): kind: \"no-such-kind\" is not a rule kind "
             "(procedure-requires-diagnosis, diagnosis-requires-companion, forbidden-combination, "
             "require-specificity, severity-override)");
  BOOST_TEST(load_error(R"({"pack": "t", "rules": [{"id": "other.a", "kind": "forbidden-combination",
      "params": {"first": ["M96.1"], "second": ["M96.3"]}}]})") ==
             "t.json: rules[0] (other.a): id: \"other.a\" must be \"t.<name>\" (letters, digits, "
             "'.', '-', '_')");
  BOOST_TEST(load_error(R"({"pack": "t", "rules": [{"id": "t.a", "kind": "forbidden-combination",
      "severity": "fatal", "params": {"first": ["M96.1"], "second": ["M96.3"]}}]})") ==
             "t.json: rules[0] (t.a): severity: \"fatal\" is not reject or warn");
  BOOST_TEST(load_error(R"({"pack": "t", "rules": [{"id": "t.a", "kind": "forbidden-combination",
      "message": "{nope}", "params": {"first": ["M96.1"], "second": ["M96.3"]}}]})")
                 .starts_with("t.json: rules[0] (t.a).message: unknown placeholder {nope}"));
  BOOST_TEST(load_error(R"({"pack": "t", "rules": [{"id": "t.a", "kind": "forbidden-combination"}]})") ==
             "t.json: rules[0] (t.a): params: required: an object");
  BOOST_TEST(load_error(R"({"pack": "t", "rules": [)") .starts_with("t.json: JSON syntax error at offset 24: "));
  BOOST_TEST(load_error(R"({"pack": "t", "rules": [], "extra": 1})") == "t.json: extra: unknown field");
  BOOST_TEST(load_error(R"({"pack": "t", "rules": [{"id": "t.o", "kind": "severity-override",
      "params": {"rule": "icd10cm.excludes1"}}]})") ==
             "t.json: rules[0] (t.o): severity: required (the new severity)");
  BOOST_CHECK_THROW(load_pack("no-such-pack", CG_SOURCE_DIR "/rulesets/packs"), PackError);
  BOOST_CHECK_THROW(load_pack("../etc", CG_SOURCE_DIR "/rulesets/packs"), PackError);
}

// A key given twice was read as its first occurrence: now refused, naming it.
BOOST_AUTO_TEST_CASE(a_key_given_twice_is_refused_with_its_path) {
  BOOST_TEST(load_error(R"({"pack": "t", "rules": [{"id": "t.a", "kind": "forbidden-combination",
      "params": {"first": ["M96.1"], "second": ["M96.3"], "first": ["M96.2"]}}]})") ==
             "t.json: rules[0].params.first: is given twice in the same object (which one was meant?); give it once");
  BOOST_TEST(load_error(R"({"pack": "t", "pack": "u", "rules": []})") ==
             "t.json: pack: is given twice in the same object (which one was meant?); give it once");
}

BOOST_AUTO_TEST_CASE(shipped_packs_load) {
  const auto dir = std::string(CG_SOURCE_DIR "/rulesets/packs");
  const auto names = list_packs(dir);
  BOOST_TEST(names.size() >= 2u);
  for (const auto& n : names) BOOST_CHECK_NO_THROW(load_pack(n, dir));
  BOOST_TEST(spine()->name == "spine");
  BOOST_TEST(spine()->rules.size() == 8u);
  BOOST_CHECK_NO_THROW(RuleSet::build({spine(), load_pack("excludes1-warn", dir)}));
}

BOOST_AUTO_TEST_CASE(kind_procedure_requires_diagnosis) {
  const auto p = pack_of(R"({"id": "t.63030", "kind": "procedure-requires-diagnosis",
      "params": {"procedures": ["63030"], "diagnoses": ["M51.A0-M51.A5", "M51.16", "M54.1-"]}})");
  const auto env = env_without_index();
  BOOST_TEST(run_pack(p, make_837p({"M5450", "M51A3"}, {{"63030", {"1", "2"}}}), env).empty());
  BOOST_TEST(run_pack(p, make_837p({"M5417"}, {{"63030", {"1"}}}), env).empty());
  BOOST_TEST(run_pack(p, make_837p({"M5450"}, {{"99213", {"1"}}}), env).empty());
  const auto f = run_pack(p, make_837p({"M5450", "M5116"}, {{"63030", {"1"}}}), env);
  BOOST_REQUIRE(f.size() == 1u);
  BOOST_TEST(f[0].rule == "t.63030");
  BOOST_TEST(f[0].value == "63030");
  BOOST_TEST(f[0].src.render() == "seg 31 SV101-2 (loop 2400)");
  BOOST_TEST(f[0].message ==
             "Line 1 (63030) must point to a diagnosis in M51.A0-M51.A5, M51.16 or M54.1- for "
             "this payer; it points to diagnosis 1 (M54.50); diagnosis 2 (M51.16) qualifies: point "
             "the line at it.");
  const auto first = pack_of(R"({"id": "t.first", "kind": "procedure-requires-diagnosis",
      "params": {"procedures": ["63030"], "diagnoses": ["M51.16"], "pointer": "first"}})");
  BOOST_TEST(run_pack(first, make_837p({"M5450", "M5116"}, {{"63030", {"1", "2"}}}), env).size() == 1u);
  BOOST_TEST(run_pack(first, make_837p({"M5450", "M5116"}, {{"63030", {"2", "1"}}}), env).empty());
}

BOOST_AUTO_TEST_CASE(kind_since_until_use_the_line_date) {
  const auto p = pack_of(R"({"id": "t.dated", "kind": "procedure-requires-diagnosis",
      "since": "2024-01-01", "until": "2024-12-31",
      "params": {"procedures": ["63030"], "diagnoses": ["M51.16"]}})");
  const auto env = env_without_index();
  BOOST_TEST(run_pack(p, make_837p({"M5450"}, {{"63030", {"1"}, "2023-12-31"}}), env).empty());
  BOOST_TEST(run_pack(p, make_837p({"M5450"}, {{"63030", {"1"}, "2024-01-01"}}), env).size() == 1u);
  BOOST_TEST(run_pack(p, make_837p({"M5450"}, {{"63030", {"1"}, "2025-01-01"}}), env).empty());
}

BOOST_AUTO_TEST_CASE(kind_diagnosis_requires_companion) {
  const auto p = pack_of(R"({"id": "t.g8929", "kind": "diagnosis-requires-companion", "severity": "warn",
      "params": {"diagnoses": ["M96.1"], "procedures": ["99213-99215"], "requires": ["G89.29"]}})");
  const auto env = env_without_index();
  BOOST_TEST(run_pack(p, make_837p({"M961", "G8929"}, {{"99214", {"1", "2"}}}), env).empty());
  BOOST_TEST(run_pack(p, make_837p({"M961"}, {{"97110", {"1"}}}), env).empty());
  const auto f = run_pack(p, make_837p({"M961"}, {{"99214", {"1"}}}), env);
  BOOST_REQUIRE(f.size() == 1u);
  BOOST_TEST((f[0].severity == Severity::Warn));
  BOOST_TEST(f[0].message ==
             "Diagnosis 1 (M96.1) is billed with 99214 (line 1) without G89.29; add G89.29 when "
             "the record supports it.");
  BOOST_TEST(f[0].suggestions == std::vector<std::string>{"G89.29"});
}

BOOST_AUTO_TEST_CASE(kind_forbidden_combination) {
  const auto p = pack_of(R"({"id": "t.pair", "kind": "forbidden-combination",
      "params": {"first": ["M96.1"], "second": ["M96.3", "T84.-"]}})");
  const auto env = env_without_index();
  BOOST_TEST(run_pack(p, make_837p({"M961", "M5450"}, {}), env).empty());
  const auto f = run_pack(p, make_837p({"M961", "T84226A"}, {}), env);
  BOOST_REQUIRE(f.size() == 1u);
  BOOST_TEST(f[0].diagnosis == 2);
  BOOST_TEST(f[0].message ==
             "Diagnosis 2 (T84.226A) may not be billed with diagnosis 1 (M96.1) under this payer's "
             "rules; keep the one the record supports.");
}

BOOST_AUTO_TEST_CASE(kind_require_specificity) {
  const auto p = pack_of(R"({"id": "t.spec", "kind": "require-specificity",
      "params": {"diagnoses": ["M54.50", "M51.A0"]}})");
  const auto env = env_with_index();
  BOOST_TEST(run_pack(p, make_837p({"M5451"}, {{"99213", {"1"}}}), env).empty());
  const auto f = run_pack(p, make_837p({"M5450"}, {{"99213", {"1"}}}), env);
  BOOST_REQUIRE(f.size() == 1u);
  BOOST_TEST((f[0].severity == Severity::Reject));
  if (shared_index()) {
    BOOST_TEST(f[0].message ==
               "Diagnosis 1 (M54.50) is an unspecified code this payer does not accept; code to "
               "the specificity the record supports, e.g. M54.51 or M54.59.");
    BOOST_TEST((f[0].suggestions == std::vector<std::string>{"M54.51", "M54.59"}));
  }
}

BOOST_AUTO_TEST_CASE(kind_severity_override_lowers_excludes1) {
  const auto p = pack_of(R"({"id": "t.e1", "kind": "severity-override", "severity": "warn",
      "params": {"rule": "icd10cm.excludes1"}})");
  BOOST_TEST(p->rules.empty());
  BOOST_REQUIRE(p->overrides.size() == 1u);
  const auto set = RuleSet::build({p});
  BOOST_TEST((set->override_for("icd10cm.excludes1") == Severity::Warn));
  if (!shared_index()) return;
  const auto claim = make_837p({"M4301", "M4311"}, {{"99213", {"1", "2"}}});
  const auto strict = RuleSet::builtins()->evaluate(claim, env_with_index());
  BOOST_TEST(!strict.accepted);
  const auto lenient = set->evaluate(claim, env_with_index());
  BOOST_TEST(lenient.accepted);
  BOOST_REQUIRE(of(lenient.findings, "icd10cm.excludes1").size() == 1u);
  BOOST_TEST((of(lenient.findings, "icd10cm.excludes1")[0].severity == Severity::Warn));
}

BOOST_AUTO_TEST_CASE(spine_decompression_and_imaging_linkage) {
  const auto env = env_with_index();
  BOOST_TEST(of_spine(make_837p({"M51A1"}, {{"63030", {"1"}}}), "spine.lumbar-decompression-requires-dx", env).empty());
  BOOST_TEST(of_spine(make_837p({"M5416"}, {{"63047", {"1"}}}), "spine.lumbar-decompression-requires-dx", env).empty());
  BOOST_TEST(of_spine(make_837p({"M5450"}, {{"63056", {"1"}}}), "spine.lumbar-decompression-requires-dx", env).size() == 1u);
  BOOST_TEST(of_spine(make_837p({"M5126"}, {{"62287", {"1"}}}), "spine.62287-requires-disc-dx", env).empty());
  BOOST_TEST(of_spine(make_837p({"M961"}, {{"62287", {"1"}}}), "spine.62287-requires-disc-dx", env).size() == 1u);
  BOOST_TEST(of_spine(make_837p({"M961"}, {{"64483", {"1"}}}), "spine.lumbar-injection-requires-dx", env).empty());
  BOOST_TEST(of_spine(make_837p({"M4301"}, {{"62323", {"1"}}}), "spine.lumbar-injection-requires-dx", env).size() == 1u);
  BOOST_TEST(of_spine(make_837p({"M5451"}, {{"72148", {"1"}}}), "spine.lumbar-imaging-requires-dx", env).empty());
  BOOST_TEST(of_spine(make_837p({"J029"}, {{"72158", {"1"}}}), "spine.lumbar-imaging-requires-dx", env).size() == 1u);
}

BOOST_AUTO_TEST_CASE(spine_therapy_link_only_on_spine_claims) {
  const auto env = env_with_index();
  const char* id = "spine.therapy-emg-em-link-spine-dx";
  // A knee claim: not a spine claim, nothing to say.
  BOOST_TEST(of_spine(make_837p({"M1711"}, {{"97110", {"1"}}}), id, env).empty());
  BOOST_TEST(of_spine(make_837p({"M961", "M1711"}, {{"97110", {"1"}}}), id, env).empty());
  const auto f = of_spine(make_837p({"M961", "M1711"}, {{"97110", {"2"}}}), id, env);
  BOOST_REQUIRE(f.size() == 1u);
  BOOST_TEST((f[0].severity == Severity::Warn));
  BOOST_TEST(f[0].message.starts_with(
      "Line 1 (97110) is on a spine claim but points to diagnosis 2 (M17.11), none of the spine "
      "diagnoses in"), f[0].message);
}

BOOST_AUTO_TEST_CASE(spine_m961_em_without_g8929_and_m963) {
  const auto env = env_with_index();
  const char* g = "spine.m961-em-without-g8929";
  BOOST_TEST(of_spine(make_837p({"M961", "G8929"}, {{"99213", {"1", "2"}}}), g, env).empty());
  const auto f = of_spine(make_837p({"M961"}, {{"99215", {"1"}}}), g, env);
  BOOST_REQUIRE(f.size() == 1u);
  BOOST_TEST((f[0].severity == Severity::Warn));
  BOOST_TEST(f[0].message ==
             "Diagnosis 1 (M96.1) is billed on an E/M visit (99215, line 1) without G89.29; when "
             "the visit is for chronic pain management, add G89.29 (other chronic pain) as an "
             "additional code.");
  const char* k = "spine.m961-with-m963";
  BOOST_TEST(of_spine(make_837p({"M961"}, {{"99213", {"1"}}}), k, env).empty());
  const auto m = of_spine(make_837p({"M961", "M963"}, {{"99213", {"1", "2"}}}), k, env);
  BOOST_REQUIRE(m.size() == 1u);
  BOOST_TEST((m[0].severity == Severity::Warn));
  BOOST_TEST(m[0].diagnosis == 2);
}

BOOST_AUTO_TEST_CASE(spine_unspecified_low_back_pain_on_injection) {
  const auto env = env_with_index();
  const char* id = "spine.m5450-on-injection-or-mri";
  BOOST_TEST(of_spine(make_837p({"M5450"}, {{"99213", {"1"}}}), id, env).empty());
  BOOST_TEST(of_spine(make_837p({"M5451"}, {{"62323", {"1"}}}), id, env).empty());
  const auto f = of_spine(make_837p({"M5450"}, {{"62323", {"1"}}}), id, env);
  BOOST_REQUIRE(f.size() == 1u);
  BOOST_TEST((f[0].severity == Severity::Warn));
  BOOST_TEST(f[0].line == 1);
}

BOOST_AUTO_TEST_CASE(spine_pack_in_a_ruleset_keeps_a_good_claim_clean) {
  const auto set = RuleSet::build({spine()});
  auto c = make_837p({"M5416", "M5126", "M961", "G8929"},
                     {{"99214", {"3", "4"}}, {"72148", {"1", "2"}}, {"62323", {"1", "2"}}});
  const auto v = set->evaluate(c, env_with_index());
  for (const auto& f : v.findings) BOOST_TEST_MESSAGE(f.rule << ": " << f.message);
  BOOST_TEST(v.accepted);
  if (shared_index()) BOOST_TEST(v.findings.empty());
}

BOOST_AUTO_TEST_SUITE_END()
