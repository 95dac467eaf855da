// Rule evaluation time per typical claim (4 ICD-10-CM diagnoses, 3 service lines, patient
// birth date and sex known), with the compiled ICD-10-CM index loaded, side by side with a
// baseline that does only the status() probes the code-set rules need (one per diagnosis).
//
//   bench_rules_eval [claims=20000] [rounds=20] [index=<build>/icd10cm.cgx]
//
// Prints ns per claim (best round) and claims/s for each variant. rounds=0 evaluates the
// built-ins once per claim and nothing else, for an instruction count per claim:
//   valgrind --tool=callgrind --toggle-collect='cg::rules::RuleSet::evaluate*' bench_rules_eval 2000 0
// (then: instructions / 2000).
#include "rulesets/codesets/icd10cm.hpp"
#include "rulesets/core/packs.hpp"
#include "rulesets/core/rule.hpp"
#include "rulesets/kinds/common.hpp"
#include "tests/support/count_allocations.hpp"  // counts heap allocations: clean claims make none

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <new>
#include <random>
#include <string>
#include <vector>

using namespace cg::rules;

namespace {

// Billable from FY2023 on (the generated dates are 2022-10-01 .. 2025-09-30).
const char* const kCodes[] = {
    "M5416", "M5417", "M4726", "M4817", "M961",  "G8929", "M5450", "M5451", "M5459", "M51A1",
    "M51A4", "M4301", "M4807", "M47816", "M5134", "I10",  "E119",  "E785",  "J449",  "K219",
    "F329",  "Z794",  "R519",  "M1711", "M25561", "G4733", "N1830", "E6601", "R0602", "Z87891"};
const char* const kProcedures[] = {"99213", "99214", "99215", "97110", "97014", "72148",
                                   "62323", "64483", "95886", "72100"};

SourceRef ref(const char* seg, std::uint32_t pos, int el, int comp, const char* loop) {
  SourceRef r;
  r.x12.set_segment(seg);
  r.x12.position = pos;
  r.x12.element = static_cast<std::uint16_t>(el);
  r.x12.component = static_cast<std::uint16_t>(comp);
  r.x12.set_loop(loop);
  return r;
}

std::vector<Claim> generate(std::size_t n) {
  std::mt19937 rng(20240601);
  std::vector<Claim> out;
  out.reserve(n);
  const std::int32_t first = Date{2022, 10, 1}.days();
  const std::int32_t last = Date{2025, 9, 30}.days();
  for (std::size_t i = 0; i < n; ++i) {
    Claim c;
    c.id = "PCN" + std::to_string(i);
    c.format = Format::X12_837P;
    c.kind = ClaimKind::Professional;
    const Date dos = Date::from_days(first + static_cast<std::int32_t>(rng() % (last - first)));
    c.date_from = c.date_to = dos;
    c.birth_date = Date{static_cast<std::int16_t>(1940 + rng() % 60), 6, 15};
    c.sex = (rng() & 1) ? 'F' : 'M';
    std::vector<std::string> picked;
    while (picked.size() < 4) {
      std::string code = kCodes[rng() % std::size(kCodes)];
      if (std::find(picked.begin(), picked.end(), code) == picked.end()) picked.push_back(code);
    }
    for (int k = 0; k < 4; ++k) {
      Diagnosis d;
      d.position = k + 1;
      d.code = picked[static_cast<std::size_t>(k)];
      d.code_as_sent = d.code;
      d.system = CodeSystem::Icd10Cm;
      d.system_as_sent = k == 0 ? "ABK" : "ABF";
      d.role = k == 0 ? DxRole::Principal : DxRole::Other;
      d.src = ref("HI", 22, k + 1, 2, "2300");
      c.diagnoses.push_back(std::move(d));
    }
    std::int64_t total = 0;
    for (int l = 0; l < 3; ++l) {
      ServiceLine line;
      line.number = l + 1;
      line.procedure.system = "HC";
      line.procedure.code = kProcedures[rng() % std::size(kProcedures)];
      line.charge = Amount{(100 + static_cast<std::int64_t>(rng() % 400)) * Amount::kScale, true};
      total += line.charge.units;
      line.service_from = line.service_to = dos;
      const int ptrs[3][2] = {{1, 2}, {1, 3}, {2, 4}};
      for (int p : ptrs[l]) {
        DiagnosisPointer dp;
        dp.raw = std::to_string(p);
        dp.value = p;
        line.pointers.push_back(dp);
      }
      line.pointers_present = true;
      c.lines.push_back(std::move(line));
    }
    c.total = Amount{total, true};
    out.push_back(std::move(c));
  }
  return out;
}

template <class F>
double best_ns_per_claim(const std::vector<Claim>& claims, int rounds, F&& f) {
  double best = 1e300;
  for (int r = 0; r < rounds; ++r) {
    const auto t0 = std::chrono::steady_clock::now();
    for (const auto& c : claims) f(c);
    const auto t1 = std::chrono::steady_clock::now();
    const double ns = std::chrono::duration<double, std::nano>(t1 - t0).count() /
                      static_cast<double>(claims.size());
    best = std::min(best, ns);
  }
  return best;
}

volatile std::size_t g_sink = 0;

}  // namespace

int main(int argc, char** argv) {
  const std::size_t n = argc > 1 ? std::strtoul(argv[1], nullptr, 10) : 20000;
  const int rounds = argc > 2 ? std::atoi(argv[2]) : 20;
  const std::string path = argc > 3 ? argv[3] : CG_BINARY_DIR "/icd10cm.cgx";
  auto loaded = cg::codesets::Icd10Index::load(path);
  if (auto* err = std::get_if<std::string>(&loaded)) {
    std::fprintf(stderr, "bench_rules_eval: %s\n", err->c_str());
    return 2;
  }
  RuleEnv env;
  env.codes = std::get<std::shared_ptr<const cg::codesets::Icd10Index>>(loaded);
  env.today = Date{2026, 1, 15};
  const auto claims = generate(n);
  const auto builtins = RuleSet::builtins();
  if (rounds == 0) {
    std::size_t findings = 0;
    for (const auto& c : claims) findings += builtins->evaluate(c, env).findings.size();
    std::printf("evaluated the built-ins once on %zu claims: %zu findings\n", n, findings);
    return 0;
  }
  const auto with_spine =
      RuleSet::build({load_pack("spine", CG_SOURCE_DIR "/rulesets/packs")});

  std::size_t findings_builtin = 0, findings_spine = 0, rejected = 0;
  std::map<std::string, std::size_t> by_rule;
  for (const auto& c : claims) {
    const auto v = builtins->evaluate(c, env);
    for (const auto& f : v.findings) ++by_rule[f.rule];
    findings_builtin += v.findings.size();
    rejected += v.accepted ? 0 : 1;
    findings_spine += with_spine->evaluate(c, env).findings.size();
  }

  const double base = best_ns_per_claim(claims, rounds, [&](const Claim& c) {
    std::size_t s = 0;
    for (const auto& d : c.diagnoses) s += static_cast<std::size_t>(env.codes->status(d.code, *c.date_to));
    g_sink = g_sink + s;
  });
  const double all_builtin = best_ns_per_claim(claims, rounds, [&](const Claim& c) {
    g_sink = g_sink + builtins->evaluate(c, env).findings.size();
  });
  const double all_spine = best_ns_per_claim(claims, rounds, [&](const Claim& c) {
    g_sink = g_sink + with_spine->evaluate(c, env).findings.size();
  });

  std::printf("rule evaluation, %zu generated 837P claims (4 diagnoses, 3 lines), best of %d rounds\n",
              n, rounds);
  std::printf("claims rejected by built-ins: %zu; findings: built-ins %zu, built-ins+spine %zu\n\n",
              rejected, findings_builtin, findings_spine);
  for (const auto& [rule, count] : by_rule) std::printf("  %-40s %zu\n", rule.c_str(), count);
  std::printf("\n");
  std::size_t clean = 0, clean_allocs = 0;
  for (const auto& c : claims) {
    const std::size_t before = cg::test::allocation_count();
    const auto v = builtins->evaluate(c, env);
    if (!v.findings.empty()) continue;
    ++clean;
    clean_allocs += cg::test::allocation_count() - before;
  }
  std::printf("heap allocations while evaluating the %zu claims without findings: %zu\n\n", clean,
              clean_allocs);
  std::printf("%-44s %12s %14s %8s\n", "variant", "ns/claim", "claims/s", "x base");
  std::printf("%-44s %12.1f %14.0f %8.2f\n", "baseline: 4 status() probes", base, 1e9 / base, 1.0);
  std::printf("%-44s %12.1f %14.0f %8.2f\n", "RuleSet::builtins()->evaluate (21 rules)", all_builtin,
              1e9 / all_builtin, all_builtin / base);
  std::printf("%-44s %12.1f %14.0f %8.2f\n", "built-ins + spine pack (29 rules)", all_spine,
              1e9 / all_spine, all_spine / base);

  // Per rule, with the per-claim facts computed beforehand (as RuleSet::evaluate does once).
  std::vector<ClaimFacts> facts(claims.size());
  RuleEnv scoped;
  scoped.today = env.today;
  scoped.index_ = env.codes.get();
  for (std::size_t i = 0; i < claims.size(); ++i) compute_facts(claims[i], scoped, facts[i]);
  const double facts_ns = best_ns_per_claim(claims, rounds, [&](const Claim& c) {
    ClaimFacts f;
    compute_facts(c, scoped, f);
    g_sink = g_sink + f.dx.size();
  });
  std::printf("\nper rule (ns/claim, facts precomputed; computing the facts: %.1f)\n", facts_ns);
  for (const auto& rule : with_spine->rules()) {
    Findings out;
    double best = 1e300;
    for (int r = 0; r < rounds; ++r) {
      const auto t0 = std::chrono::steady_clock::now();
      for (std::size_t i = 0; i < claims.size(); ++i) {
        scoped.facts_ = &facts[i];
        out.clear();
        rule->check(claims[i], scoped, out);
      }
      const auto t1 = std::chrono::steady_clock::now();
      best = std::min(best, std::chrono::duration<double, std::nano>(t1 - t0).count() /
                                static_cast<double>(claims.size()));
    }
    std::printf("  %-44s %8.1f\n", std::string(rule->id()).c_str(), best);
  }
  return 0;
}
