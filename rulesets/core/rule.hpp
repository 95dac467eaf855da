// The rule engine: what a rule is, the environment it runs in, the registry of built-in rules,
// and RuleSet, the immutable bundle of rules a claim is evaluated against.
//
// Contract
// - A Rule has a stable dotted id (a public interface: conformance cases, packs and reports
//   name it), a default severity, a one-line description and a check over one Claim that
//   appends Findings. `check` never throws, never reads the clock, files or network: the code
//   set and "today" come in through RuleEnv.
// - All rules run; a claim is rejected when any Finding has severity reject, and the Verdict
//   lists every reason.
// - A RuleSet is built once (built-ins + the selected packs + their severity overrides) and
//   shared as std::shared_ptr<const RuleSet> across threads; a reload builds a new one and
//   swaps the pointer. Evaluation only reads it.
// - Severity overrides apply to every Finding whose rule id matches, after the rule ran.
#pragma once

#include "rulesets/codesets/icd10cm.hpp"
#include "rulesets/core/claim.hpp"
#include "rulesets/core/finding.hpp"

#include <cstddef>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace cg::rules {

struct ClaimFacts;  // per-claim dates and code statuses, see rulesets/kinds/common.hpp

// What a rule may know besides the claim. Cheap to build: one per request or per worker.
// Never shared mutably: RuleSet::evaluate takes it by const reference and does not keep it.
struct RuleEnv {
  // The ICD-10-CM code set. Null: code-set rules check nothing and icd10cm.code-set-not-loaded
  // says so once per claim.
  std::shared_ptr<const codesets::Icd10Index> codes;
  // The day the claim is received (claim.future-date). Injected: the server passes the clock's
  // date, the CLI `--today`. A default Date{} disables claim.future-date.
  Date today;

  // Set by RuleSet::evaluate for the duration of one call; rules read them through index()
  // and facts_for(). Not for callers.
  const codesets::Icd10Index* index_ = nullptr;
  const ClaimFacts* facts_ = nullptr;

  [[nodiscard]] const codesets::Icd10Index* index() const noexcept {
    return index_ != nullptr ? index_ : codes.get();
  }
};

class Rule {
 public:
  virtual ~Rule() = default;
  [[nodiscard]] virtual std::string_view id() const noexcept = 0;
  [[nodiscard]] virtual Severity default_severity() const noexcept = 0;
  [[nodiscard]] virtual std::string_view description() const noexcept = 0;
  // Appends zero or more Findings (rule = id()). Must not throw.
  virtual void check(const Claim& claim, const RuleEnv& env, Findings& out) const noexcept = 0;
};

// One built-in rule: a row of the registry (rulesets/kinds/registry.cpp), the only place that
// lists them.
struct BuiltinRule {
  using CheckFn = void (*)(const Claim&, const RuleEnv&, const BuiltinRule&, Findings&) noexcept;
  std::string_view id;
  Severity severity;
  std::string_view description;
  CheckFn check;
};

// Every built-in rule, in evaluation order.
[[nodiscard]] std::span<const BuiltinRule> builtin_rules() noexcept;
[[nodiscard]] const BuiltinRule* find_builtin(std::string_view id) noexcept;
// A Rule object for a registry row.
[[nodiscard]] std::unique_ptr<const Rule> make_builtin(const BuiltinRule& row);

// A severity override from a pack: every Finding of `rule` gets `severity`.
struct SeverityOverride {
  std::string rule;
  Severity severity = Severity::Warn;
  std::string origin;  // "spine.json: rules[7] (spine.excludes1-warn)", for error messages
};

struct RulePack;  // rulesets/core/packs.hpp

// The outcome for one claim. Render with the Claim it belongs to (id, format, source name);
// each Finding carries rule, severity, message, value ("code"), src (X12 location and/or
// FHIRPath), suggestions.
struct Verdict {
  bool accepted = true;
  Findings findings;
  std::size_t rejects = 0;
  std::size_t warnings = 0;
  // Findings beyond RuleSet::kMaxFindings that were dropped (the verdict still counts them).
  std::size_t dropped = 0;
  [[nodiscard]] std::string_view name() const noexcept { return accepted ? "accepted" : "rejected"; }
};

class RuleSet {
 public:
  // Findings kept per claim; the rest are counted in Verdict::dropped.
  static constexpr std::size_t kMaxFindings = 200;

  // The built-in rules only.
  [[nodiscard]] static std::shared_ptr<const RuleSet> builtins();
  // Built-ins + the packs' rules, with the packs' severity overrides applied (a later pack
  // wins over an earlier one). Throws PackError (rulesets/core/packs.hpp) when two packs
  // define the same rule id or an override names a rule that is not in the set.
  [[nodiscard]] static std::shared_ptr<const RuleSet> build(
      std::vector<std::shared_ptr<const RulePack>> packs);

  // Runs every rule over the claim. `prior` (e.g. parser findings for this claim) is kept at
  // the front and counts toward the verdict. Thread-safe; allocates nothing when the claim
  // has no findings.
  [[nodiscard]] Verdict evaluate(const Claim& claim, const RuleEnv& env,
                                 Findings prior = {}) const;

  [[nodiscard]] std::span<const std::unique_ptr<const Rule>> rules() const noexcept {
    return rules_;
  }
  [[nodiscard]] const Rule* find(std::string_view id) const noexcept;
  [[nodiscard]] std::optional<Severity> override_for(std::string_view rule) const noexcept;
  [[nodiscard]] std::span<const std::shared_ptr<const RulePack>> packs() const noexcept {
    return packs_;
  }

  RuleSet(const RuleSet&) = delete;
  RuleSet& operator=(const RuleSet&) = delete;
  ~RuleSet();

 private:
  RuleSet();
  std::vector<std::unique_ptr<const Rule>> rules_;
  // Parallel to rules_: the override for that rule id, if any (applied without a lookup).
  std::vector<std::optional<Severity>> rule_override_;
  std::vector<SeverityOverride> overrides_;
  std::vector<std::shared_ptr<const RulePack>> packs_;
};

// Message helpers shared by rules.
// "M5450" -> "M54.50" (a normalized ICD-10-CM code with its dot).
[[nodiscard]] std::string dotted(std::string_view normalized_code);
// {"a","b","c"} -> "a, b or c"; more than `max` items: "a, b, c or one of 9 others".
[[nodiscard]] std::string join_or(std::span<const std::string> items, std::size_t max = 6);

}  // namespace cg::rules
