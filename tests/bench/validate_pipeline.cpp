// The full validate pipeline (parse + map + every built-in rule against the real ICD-10-CM
// index) over a generated 837P batch, side by side in the same run with parse-only on the same
// bytes. Target: >= 200 MB/s on one core for the pipeline.
//
//   build/tests/bench_validate_pipeline [claims=100000]
#include "rulesets/codesets/icd10cm.hpp"
#include "rulesets/core/rule.hpp"
#include "tests/support/gen837.hpp"
#include "transforms/x12_claims.hpp"

#include <chrono>
#include <cstdio>

using namespace cg;
using Clock = std::chrono::steady_clock;

int main(int argc, char** argv) {
  const long claims = argc > 1 ? std::atol(argv[1]) : 100000;
  auto loaded = codesets::Icd10Index::load(std::string(CG_BINARY_DIR) + "/icd10cm.cgx");
  if (std::holds_alternative<std::string>(loaded)) {
    std::fprintf(stderr, "cannot load the index: %s\n", std::get<std::string>(loaded).c_str());
    return 2;
  }
  rules::RuleEnv env;
  env.codes = std::get<std::shared_ptr<const codesets::Icd10Index>>(loaded);
  env.today = rules::Date{2026, 1, 15};
  const auto ruleset = rules::RuleSet::builtins();

  test::Gen837 gen(test::Gen837::Kind::Professional);
  std::string buf;
  gen.begin(buf);
  for (long i = 0; i < claims; ++i) gen.claim(buf);
  gen.end(buf);
  const double mb = static_cast<double>(buf.size()) / (1024.0 * 1024.0);

  auto run = [&](bool validate, std::size_t& n, std::size_t& rejected, double& rule_seconds) {
    n = rejected = 0;
    rule_seconds = 0;
    transforms::X12ClaimReader reader(
        "bench", transforms::InputLimits{},
        [&](rules::Claim&& c, rules::Findings&& prior) {
          ++n;
          if (!validate) return;
          const auto t = Clock::now();
          const rules::Verdict v = ruleset->evaluate(c, env, std::move(prior));
          rule_seconds += std::chrono::duration<double>(Clock::now() - t).count();
          rejected += v.accepted ? 0 : 1;
        },
        [](rules::Finding&&) {});
    const auto t = Clock::now();
    constexpr std::size_t kChunk = 1u << 20;
    for (std::size_t i = 0; i < buf.size(); i += kChunk) reader.feed(std::string_view(buf).substr(i, kChunk));
    reader.finish();
    return std::chrono::duration<double>(Clock::now() - t).count();
  };

  double best_parse = 1e9, best_full = 1e9, rules_total = 0;
  std::size_t n = 0, rejected = 0;
  for (int rep = 0; rep < 3; ++rep) {
    double rs = 0;
    best_parse = std::min(best_parse, run(false, n, rejected, rs));
    const double full = run(true, n, rejected, rs);
    if (full < best_full) {
      best_full = full;
      rules_total = rs;
    }
  }
  std::printf("validate pipeline, generated 837P: %.1f MB, %zu claims (%zu rejected), best of 3, one core\n", mb, n,
              rejected);
  std::printf("  %-34s %8.0f MB/s %10.0f claims/s\n", "parse-only (baseline)", mb / best_parse,
              static_cast<double>(n) / best_parse);
  std::printf("  %-34s %8.0f MB/s %10.0f claims/s\n", "parse + map + all built-in rules", mb / best_full,
              static_cast<double>(n) / best_full);
  std::printf("  rule evaluation: %.0f ns per claim (1-6 diagnoses, 1-4 lines)\n",
              rules_total * 1e9 / static_cast<double>(n));
  return 0;
}
