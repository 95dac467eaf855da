// Golden conformance cases (conformance/cases/<format>/<case>/, format and runner contract in
// conformance/cases/README.md): each input is read like `claimgate validate` reads it, every
// claim is evaluated against the built-in rules plus the case's packs, and the verdicts are
// compared with expected.json: per claim in order the claim id, the verdict and the exact
// multiset of findings by (rule, severity, X12 location, FHIRPath); input errors not tied to a
// claim by rule id. A meta-test checks coverage: every built-in rule id fails in some case and
// passes in some accepted case ("passes"), every spine pack entry fails, every format is there.
//
// A transaction-level X12 error (x12.transaction: SE01 count, SE02/ST02, ...) belongs to every
// claim of its transaction set, whichever order the reader reports them in; it stays in
// "errors" only when its transaction set produced no claim.
#include "rulesets/codesets/icd10cm.hpp"
#include "rulesets/core/packs.hpp"
#include "rulesets/core/rule.hpp"
#include "transforms/input.hpp"
#include "transforms/x12_claims.hpp"

#include <boost/test/unit_test.hpp>
#include <rapidjson/document.h>
#include <rapidjson/error/en.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <sstream>
#include <string>
#include <tuple>
#include <vector>

namespace fs = std::filesystem;
using namespace cg;

namespace {

const fs::path kCasesDir = fs::path(CG_SOURCE_DIR) / "conformance" / "cases";
const std::string kPacksDir = std::string(CG_SOURCE_DIR) + "/rulesets/packs";
constexpr std::size_t kMinCases = 80;
const std::vector<std::string> kFormats = {"837p", "837i", "837d", "fhir"};

std::string slurp(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// ---------------------------------------------------------------- expected.json

struct ExpectedFinding {
  std::string rule;
  std::string severity;
  std::string location;  // X12 rendering, "" when the finding has none
  std::string fhirpath;  // "" when the finding has none
  std::string message;   // compared only when present
  bool has_message = false;
};

struct ExpectedClaim {
  std::string claim_id;
  std::string verdict;
  std::vector<ExpectedFinding> findings;
};

struct ExpectedError {
  std::string rule;
  std::string message;
  bool has_message = false;
};

struct CaseSpec {
  std::string name;  // "837p/pointer-unresolved"
  std::string format;
  fs::path dir;
  fs::path input;
  rules::Date today;
  std::vector<std::string> packs;
  std::vector<std::string> passes;
  std::vector<ExpectedClaim> claims;
  std::vector<ExpectedError> errors;
};

// Reads a string member; appends a problem and returns "" when it is absent or not a string.
std::string get_string(const rapidjson::Value& obj, const char* key, std::vector<std::string>& problems,
                       const std::string& where, bool required = true) {
  const auto it = obj.FindMember(key);
  if (it == obj.MemberEnd()) {
    if (required) problems.push_back(where + ": \"" + key + "\" is missing");
    return {};
  }
  if (!it->value.IsString()) {
    problems.push_back(where + ": \"" + key + "\" is not a string");
    return {};
  }
  return std::string(it->value.GetString(), it->value.GetStringLength());
}

std::vector<std::string> get_string_array(const rapidjson::Value& obj, const char* key,
                                          std::vector<std::string>& problems, const std::string& where) {
  std::vector<std::string> out;
  const auto it = obj.FindMember(key);
  if (it == obj.MemberEnd()) return out;
  if (!it->value.IsArray()) {
    problems.push_back(where + ": \"" + key + "\" is not an array");
    return out;
  }
  for (const auto& v : it->value.GetArray()) {
    if (v.IsString()) out.emplace_back(v.GetString(), v.GetStringLength());
    else problems.push_back(where + ": \"" + key + "\" holds a value that is not a string");
  }
  return out;
}

const std::set<std::string> kCaseKeys = {"today", "packs", "passes", "claims", "errors"};
const std::set<std::string> kClaimKeys = {"claim_id", "verdict", "findings"};
const std::set<std::string> kFindingKeys = {"rule", "severity", "location", "fhirpath", "message"};
const std::set<std::string> kErrorKeys = {"rule", "message"};

void check_keys(const rapidjson::Value& obj, const std::set<std::string>& allowed,
                std::vector<std::string>& problems, const std::string& where) {
  for (const auto& m : obj.GetObject()) {
    const std::string key(m.name.GetString(), m.name.GetStringLength());
    if (!allowed.contains(key)) problems.push_back(where + ": unknown field \"" + key + "\"");
  }
}

// Parses expected.json; every problem (bad JSON, wrong type, unknown field) is returned.
std::vector<std::string> parse_expected(const std::string& text, CaseSpec& spec) {
  std::vector<std::string> problems;
  rapidjson::Document doc;
  doc.Parse(text.data(), text.size());
  if (doc.HasParseError()) {
    problems.push_back(std::string("expected.json: ") + rapidjson::GetParseError_En(doc.GetParseError()) +
                       " at offset " + std::to_string(doc.GetErrorOffset()));
    return problems;
  }
  if (!doc.IsObject()) {
    problems.emplace_back("expected.json: not an object");
    return problems;
  }
  check_keys(doc, kCaseKeys, problems, "expected.json");
  const std::string today = get_string(doc, "today", problems, "expected.json");
  const auto parsed = rules::parse_iso_date(today);
  if (!today.empty() && (!parsed || today.size() != 10)) {
    problems.push_back("expected.json: \"today\" is not YYYY-MM-DD");
  } else if (parsed) {
    spec.today = *parsed;
  }
  spec.packs = get_string_array(doc, "packs", problems, "expected.json");
  spec.passes = get_string_array(doc, "passes", problems, "expected.json");

  const auto claims = doc.FindMember("claims");
  if (claims == doc.MemberEnd() || !claims->value.IsArray()) {
    problems.emplace_back("expected.json: \"claims\" is missing or not an array");
  } else {
    std::size_t i = 0;
    for (const auto& c : claims->value.GetArray()) {
      const std::string where = "claims[" + std::to_string(i++) + "]";
      if (!c.IsObject()) {
        problems.push_back(where + ": not an object");
        continue;
      }
      check_keys(c, kClaimKeys, problems, where);
      ExpectedClaim ec;
      ec.claim_id = get_string(c, "claim_id", problems, where);
      ec.verdict = get_string(c, "verdict", problems, where);
      if (ec.verdict != "accepted" && ec.verdict != "rejected")
        problems.push_back(where + ": \"verdict\" must be accepted or rejected");
      const auto fs_it = c.FindMember("findings");
      if (fs_it == c.MemberEnd() || !fs_it->value.IsArray()) {
        problems.push_back(where + ": \"findings\" is missing or not an array");
      } else {
        std::size_t j = 0;
        for (const auto& f : fs_it->value.GetArray()) {
          const std::string fwhere = where + ".findings[" + std::to_string(j++) + "]";
          if (!f.IsObject()) {
            problems.push_back(fwhere + ": not an object");
            continue;
          }
          check_keys(f, kFindingKeys, problems, fwhere);
          ExpectedFinding ef;
          ef.rule = get_string(f, "rule", problems, fwhere);
          ef.severity = get_string(f, "severity", problems, fwhere);
          if (ef.severity != "reject" && ef.severity != "warn")
            problems.push_back(fwhere + ": \"severity\" must be reject or warn");
          ef.location = get_string(f, "location", problems, fwhere, false);
          ef.fhirpath = get_string(f, "fhirpath", problems, fwhere, false);
          ef.has_message = f.HasMember("message");
          ef.message = get_string(f, "message", problems, fwhere, false);
          ec.findings.push_back(std::move(ef));
        }
      }
      spec.claims.push_back(std::move(ec));
    }
  }

  const auto errors = doc.FindMember("errors");
  if (errors != doc.MemberEnd()) {
    if (!errors->value.IsArray()) {
      problems.emplace_back("expected.json: \"errors\" is not an array");
    } else {
      std::size_t i = 0;
      for (const auto& e : errors->value.GetArray()) {
        const std::string where = "errors[" + std::to_string(i++) + "]";
        if (!e.IsObject()) {
          problems.push_back(where + ": not an object");
          continue;
        }
        check_keys(e, kErrorKeys, problems, where);
        ExpectedError ee;
        ee.rule = get_string(e, "rule", problems, where);
        ee.has_message = e.HasMember("message");
        ee.message = get_string(e, "message", problems, where, false);
        spec.errors.push_back(std::move(ee));
      }
    }
  }
  return problems;
}

// ---------------------------------------------------------------- case discovery

// "- `837p/case-name`: reason" lines of KNOWN_FAILURES.md: name -> reason.
std::map<std::string, std::string> known_failures() {
  std::map<std::string, std::string> out;
  std::istringstream in(slurp(kCasesDir / "KNOWN_FAILURES.md"));
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind("- `", 0) != 0) continue;
    const auto end = line.find('`', 3);
    if (end == std::string::npos) continue;
    const std::string name = line.substr(3, end - 3);
    const auto colon = line.find(':', end);
    out[name] = colon == std::string::npos ? std::string() : line.substr(colon + 1);
  }
  return out;
}

struct LoadedCases {
  std::vector<CaseSpec> cases;
  std::vector<std::string> problems;  // structural problems of the cases folder itself
};

const LoadedCases& load_cases() {
  static const LoadedCases loaded = [] {
    LoadedCases out;
    if (!fs::is_directory(kCasesDir)) {
      out.problems.push_back(kCasesDir.string() + " is not a directory");
      return out;
    }
    std::vector<fs::path> dirs;
    for (const auto& fmt : fs::directory_iterator(kCasesDir)) {
      if (!fmt.is_directory()) continue;
      for (const auto& c : fs::directory_iterator(fmt.path()))
        if (c.is_directory()) dirs.push_back(c.path());
    }
    std::sort(dirs.begin(), dirs.end());
    for (const auto& dir : dirs) {
      CaseSpec spec;
      spec.format = dir.parent_path().filename().string();
      spec.name = spec.format + '/' + dir.filename().string();
      spec.dir = dir;
      if (std::find(kFormats.begin(), kFormats.end(), spec.format) == kFormats.end())
        out.problems.push_back(spec.name + ": format folder must be one of 837p, 837i, 837d, fhir");
      const bool x12_input = fs::exists(dir / "input.x12");
      const bool json_input = fs::exists(dir / "input.json");
      if (x12_input == json_input) {
        out.problems.push_back(spec.name + ": needs exactly one of input.x12 and input.json");
        continue;
      }
      if ((spec.format == "fhir") != json_input)
        out.problems.push_back(spec.name + ": fhir cases take input.json, 837 cases input.x12");
      spec.input = dir / (x12_input ? "input.x12" : "input.json");
      if (!fs::exists(dir / "README.md")) out.problems.push_back(spec.name + ": README.md is missing");
      if (!fs::exists(dir / "expected.json")) {
        out.problems.push_back(spec.name + ": expected.json is missing");
        continue;
      }
      for (auto& p : parse_expected(slurp(dir / "expected.json"), spec))
        out.problems.push_back(spec.name + ": " + p);
      out.cases.push_back(std::move(spec));
    }
    return out;
  }();
  return loaded;
}

// ---------------------------------------------------------------- evaluation

const std::shared_ptr<const codesets::Icd10Index>& code_set() {
  static const std::shared_ptr<const codesets::Icd10Index> index = [] {
    auto loaded = codesets::Icd10Index::load(std::string(CG_BINARY_DIR) + "/icd10cm.cgx");
    if (const auto* err = std::get_if<std::string>(&loaded)) {
      BOOST_TEST_MESSAGE("cannot load the ICD-10-CM index: " << *err);
      return std::shared_ptr<const codesets::Icd10Index>{};
    }
    return std::get<std::shared_ptr<const codesets::Icd10Index>>(loaded);
  }();
  return index;
}

// One RuleSet per distinct pack list, built once.
std::shared_ptr<const rules::RuleSet> ruleset_for(const std::vector<std::string>& packs) {
  static std::map<std::vector<std::string>, std::shared_ptr<const rules::RuleSet>> cache;
  auto it = cache.find(packs);
  if (it != cache.end()) return it->second;
  std::vector<std::shared_ptr<const rules::RulePack>> loaded;
  for (const auto& name : packs) loaded.push_back(rules::load_pack_ref(name, kPacksDir));
  auto set = rules::RuleSet::build(std::move(loaded));
  cache.emplace(packs, set);
  return set;
}

struct ActualClaim {
  rules::Claim claim;
  rules::Verdict verdict;
  std::string transaction;  // ISA13/GS06/ST02 for X12
};

struct ActualRun {
  std::vector<ActualClaim> claims;
  rules::Findings errors;
};

std::string transaction_key(const std::string& isa13, const std::string& gs06, const std::string& st02) {
  return isa13 + '/' + gs06 + '/' + st02;
}

ActualRun run_case(const CaseSpec& spec, const rules::RuleSet& ruleset, const rules::RuleEnv& env) {
  const std::string bytes = slurp(spec.input);
  struct Read {
    rules::Claim claim;
    rules::Findings prior;
  };
  std::vector<Read> read;
  // Input errors in arrival order; for transaction-level X12 errors the transaction they are in.
  std::vector<std::pair<rules::Finding, std::string>> errors;
  std::string last_syntax_transaction;
  bool last_syntax_is_transaction = false;

  auto on_claim = [&](rules::Claim&& c, rules::Findings&& prior) {
    read.push_back(Read{std::move(c), std::move(prior)});
  };
  auto on_error = [&](rules::Finding&& f) {
    errors.emplace_back(std::move(f), last_syntax_is_transaction ? last_syntax_transaction : std::string());
    last_syntax_is_transaction = false;
  };
  if (transforms::detect_input(std::string_view(bytes).substr(0, 8192)) == transforms::InputKind::X12) {
    // The reader read_claims uses, with the syntax callback that tells which transaction set
    // an error belongs to (it arrives just before the same error reaches on_error).
    transforms::X12ClaimReader reader(spec.input.string(), transforms::InputLimits{}, on_claim, on_error,
                                      [&](const x12::SyntaxError& e) {
                                        last_syntax_is_transaction = e.level == x12::ErrorLevel::Transaction;
                                        last_syntax_transaction = transaction_key(e.isa13, e.gs06, e.st02);
                                      });
    reader.feed(bytes);
    reader.finish();
  } else {
    transforms::read_claims(bytes, spec.input.string(), transforms::InputLimits{}, on_claim, on_error);
  }

  ActualRun run;
  for (auto& r : read) {
    ActualClaim a;
    a.verdict = ruleset.evaluate(r.claim, env, std::move(r.prior));
    if (r.claim.format != rules::Format::Fhir)
      a.transaction = transaction_key(r.claim.x12.isa13, r.claim.x12.gs06, r.claim.x12.st02);
    a.claim = std::move(r.claim);
    run.claims.push_back(std::move(a));
  }
  for (auto& [f, transaction] : errors) {
    bool attached = false;
    if (!transaction.empty()) {
      for (auto& a : run.claims) {
        if (a.transaction != transaction) continue;
        a.verdict.findings.push_back(f);
        if (f.severity == rules::Severity::Reject) {
          ++a.verdict.rejects;
          a.verdict.accepted = false;
        } else {
          ++a.verdict.warnings;
        }
        attached = true;
      }
    }
    if (!attached) run.errors.push_back(std::move(f));
  }
  return run;
}

using FindingKey = std::tuple<std::string, std::string, std::string, std::string>;

std::string describe(const FindingKey& k) {
  std::string out = std::get<0>(k) + " (" + std::get<1>(k) + ")";
  if (!std::get<2>(k).empty()) out += " at " + std::get<2>(k);
  if (!std::get<3>(k).empty()) out += " at " + std::get<3>(k);
  return out;
}

FindingKey key_of(const rules::Finding& f) {
  return {f.rule, std::string(rules::to_string(f.severity)), f.src.x12.empty() ? std::string() : f.src.x12.render(),
          f.src.fhirpath};
}

FindingKey key_of(const ExpectedFinding& f) { return {f.rule, f.severity, f.location, f.fhirpath}; }

void compare(const CaseSpec& spec, const ActualRun& run) {
  BOOST_TEST(run.claims.size() == spec.claims.size(), "number of claims: got " << run.claims.size() << ", expected "
                                                                                << spec.claims.size());
  const std::size_t n = std::min(run.claims.size(), spec.claims.size());
  for (std::size_t i = 0; i < n; ++i) {
    const ActualClaim& a = run.claims[i];
    const ExpectedClaim& e = spec.claims[i];
    BOOST_TEST_CONTEXT("claim " << i + 1 << " (" << e.claim_id << ")") {
      BOOST_TEST(a.claim.id == e.claim_id);
      BOOST_TEST(std::string(a.verdict.name()) == e.verdict);
      std::multiset<FindingKey> got, want;
      for (const auto& f : a.verdict.findings) got.insert(key_of(f));
      for (const auto& f : e.findings) want.insert(key_of(f));
      std::multiset<FindingKey> extra, missing;
      std::set_difference(got.begin(), got.end(), want.begin(), want.end(), std::inserter(extra, extra.end()));
      std::set_difference(want.begin(), want.end(), got.begin(), got.end(), std::inserter(missing, missing.end()));
      for (const auto& k : extra) {
        std::string message;
        for (const auto& f : a.verdict.findings)
          if (key_of(f) == k) message = f.message;
        BOOST_ERROR("unexpected finding " << describe(k) << ": " << message);
      }
      for (const auto& k : missing) BOOST_ERROR("missing finding " << describe(k));
      for (const auto& ef : e.findings) {
        if (!ef.has_message) continue;
        bool found = false;
        std::string seen;
        for (const auto& f : a.verdict.findings) {
          if (key_of(f) != key_of(ef)) continue;
          found = found || f.message == ef.message;
          seen = f.message;
        }
        if (!found && !seen.empty())
          BOOST_ERROR("message of " << describe(key_of(ef)) << ":\n  got      " << seen << "\n  expected "
                                    << ef.message);
      }
      BOOST_TEST(a.verdict.dropped == 0u);
    }
  }
  std::multiset<std::string> got_errors, want_errors;
  for (const auto& f : run.errors) got_errors.insert(f.rule);
  for (const auto& e : spec.errors) want_errors.insert(e.rule);
  for (const auto& f : run.errors)
    if (!want_errors.contains(f.rule)) BOOST_ERROR("unexpected input error " << f.rule << ": " << f.message);
  BOOST_TEST(got_errors == want_errors, "input errors differ: got " << got_errors.size() << ", expected "
                                                                    << want_errors.size());
  for (const auto& e : spec.errors) {
    if (!e.has_message) continue;
    const bool found = std::any_of(run.errors.begin(), run.errors.end(), [&](const rules::Finding& f) {
      return f.rule == e.rule && f.message == e.message;
    });
    BOOST_TEST(found, "input error " << e.rule << " with message \"" << e.message << "\"");
  }
}

}  // namespace

BOOST_AUTO_TEST_SUITE(conformance_cases)

BOOST_AUTO_TEST_CASE(cases_folder_is_well_formed) {
  const LoadedCases& loaded = load_cases();
  for (const auto& p : loaded.problems) BOOST_ERROR(p);
  BOOST_TEST(loaded.cases.size() >= kMinCases, "conformance/cases holds " << loaded.cases.size()
                                                                          << " cases, at least " << kMinCases
                                                                          << " are required");
}

BOOST_AUTO_TEST_CASE(every_case_matches_expected) {
  const auto& index = code_set();
  BOOST_REQUIRE_MESSAGE(index != nullptr, "the compiled ICD-10-CM index is needed (build codeset_index)");
  const auto skip = known_failures();
  std::size_t ran = 0;
  for (const CaseSpec& spec : load_cases().cases) {
    BOOST_TEST_CONTEXT("case " << spec.name) {
      if (const auto it = skip.find(spec.name); it != skip.end()) {
        BOOST_TEST_MESSAGE("skipped (KNOWN_FAILURES.md):" << it->second);
        continue;
      }
      std::shared_ptr<const rules::RuleSet> ruleset;
      try {
        ruleset = ruleset_for(spec.packs);
      } catch (const std::exception& e) {
        BOOST_ERROR("cannot build the rule set: " << e.what());
        continue;
      }
      rules::RuleEnv env;
      env.codes = index;
      env.today = spec.today;
      compare(spec, run_case(spec, *ruleset, env));
      ++ran;
    }
  }
  BOOST_TEST_MESSAGE(ran << " conformance cases run, " << skip.size() << " known failures skipped");
}

// Coverage: every built-in rule id fails in some case and passes in some accepted case that
// says so ("passes"); every spine pack entry fails in a case that selects the pack; every
// format has cases. Known failures count: their expectations are the correct behavior.
BOOST_AUTO_TEST_CASE(every_rule_has_a_failing_and_a_passing_case) {
  const auto& cases = load_cases().cases;
  std::set<std::string> failing, passing, failing_with_spine, formats;
  std::map<std::string, std::string> pack_rules;  // id -> pack
  std::set<std::string> known_ids;
  for (const auto& row : rules::builtin_rules()) known_ids.insert(std::string(row.id));
  for (const char* pack : {"spine", "excludes1-warn"}) {
    const auto p = rules::load_pack_ref(pack, kPacksDir);
    for (const auto& r : p->rules) {
      known_ids.insert(std::string(r->id()));
      pack_rules[std::string(r->id())] = pack;
    }
  }
  for (const auto& c : cases) {
    formats.insert(c.format);
    const bool spine = std::find(c.packs.begin(), c.packs.end(), "spine") != c.packs.end();
    std::set<std::string> in_case;
    bool all_accepted = !c.claims.empty();
    for (const auto& claim : c.claims) {
      all_accepted = all_accepted && claim.verdict == "accepted";
      for (const auto& f : claim.findings) {
        failing.insert(f.rule);
        in_case.insert(f.rule);
        if (spine) failing_with_spine.insert(f.rule);
      }
    }
    BOOST_TEST_CONTEXT("case " << c.name) {
      for (const auto& id : c.passes) {
        BOOST_TEST(known_ids.contains(id), "\"passes\" names an unknown rule id " << id);
        BOOST_TEST(all_accepted, "\"passes\" is only allowed on a case whose claims are all accepted");
        BOOST_TEST(!in_case.contains(id), "\"passes\" lists " << id << ", which is a finding of the case");
        if (all_accepted && !in_case.contains(id)) passing.insert(id);
      }
    }
  }
  for (const auto& row : rules::builtin_rules()) {
    const std::string id(row.id);
    BOOST_TEST(failing.contains(id), "built-in rule " << id << " has no conformance case where it is a finding");
    BOOST_TEST(passing.contains(id), "built-in rule " << id << " has no accepted case listing it in \"passes\"");
  }
  for (const auto& [id, pack] : pack_rules) {
    if (pack != "spine") continue;
    BOOST_TEST(failing_with_spine.contains(id), "spine pack entry " << id << " fails in no case with \"packs\": [\"spine\"]");
  }
  for (const auto& f : kFormats) BOOST_TEST(formats.contains(f), "no conformance case for " << f);
}

BOOST_AUTO_TEST_SUITE_END()
