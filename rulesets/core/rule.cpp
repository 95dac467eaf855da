#include "rulesets/core/rule.hpp"

#include "rulesets/core/packs.hpp"
#include "rulesets/kinds/common.hpp"

#include <algorithm>
#include <unordered_set>

namespace cg::rules {
namespace {

class BuiltinRuleObject final : public Rule {
 public:
  explicit BuiltinRuleObject(const BuiltinRule& row) : row_(row) {}
  std::string_view id() const noexcept override { return row_.id; }
  Severity default_severity() const noexcept override { return row_.severity; }
  std::string_view description() const noexcept override { return row_.description; }
  void check(const Claim& claim, const RuleEnv& env, Findings& out) const noexcept override {
    row_.check(claim, env, row_, out);
  }

 private:
  const BuiltinRule& row_;
};

class BorrowedRule final : public Rule {
 public:
  explicit BorrowedRule(const Rule& r) : r_(r) {}
  std::string_view id() const noexcept override { return r_.id(); }
  Severity default_severity() const noexcept override { return r_.default_severity(); }
  std::string_view description() const noexcept override { return r_.description(); }
  void check(const Claim& c, const RuleEnv& e, Findings& o) const noexcept override {
    r_.check(c, e, o);
  }

 private:
  const Rule& r_;
};

}  // namespace

const BuiltinRule* find_builtin(std::string_view id) noexcept {
  for (const auto& r : builtin_rules()) {
    if (r.id == id) return &r;
  }
  return nullptr;
}

std::unique_ptr<const Rule> make_builtin(const BuiltinRule& row) {
  return std::make_unique<BuiltinRuleObject>(row);
}

RuleSet::RuleSet() = default;
RuleSet::~RuleSet() = default;

std::shared_ptr<const RuleSet> RuleSet::builtins() { return build({}); }

std::shared_ptr<const RuleSet> RuleSet::build(std::vector<std::shared_ptr<const RulePack>> packs) {
  std::shared_ptr<RuleSet> set(new RuleSet());
  std::unordered_set<std::string_view> ids;
  for (const auto& row : builtin_rules()) {
    set->rules_.push_back(make_builtin(row));
    ids.insert(row.id);
  }
  for (const auto& pack : packs) {
    if (!pack) continue;
    for (const auto& rule : pack->rules) {
      if (!ids.insert(rule->id()).second) {
        throw PackError(pack->origin + ": rule id " + std::string(rule->id()) +
                        " is already defined by another pack or a built-in rule");
      }
      // Pack rules are owned by the pack (kept alive by packs_); the set holds a view.
      set->rules_.push_back(std::make_unique<BorrowedRule>(*rule));
    }
  }
  for (const auto& pack : packs) {
    if (!pack) continue;
    for (const auto& o : pack->overrides) {
      if (!ids.contains(o.rule)) {
        throw PackError(o.origin + ": severity-override names rule " + o.rule +
                        ", which is neither a built-in rule nor a rule of the selected packs");
      }
      auto it = std::find_if(set->overrides_.begin(), set->overrides_.end(),
                             [&](const SeverityOverride& x) { return x.rule == o.rule; });
      if (it != set->overrides_.end()) {
        *it = o;  // a later pack wins
      } else {
        set->overrides_.push_back(o);
      }
    }
  }
  set->rule_override_.resize(set->rules_.size());
  for (std::size_t i = 0; i < set->rules_.size(); ++i) {
    set->rule_override_[i] = set->override_for(set->rules_[i]->id());
  }
  set->packs_ = std::move(packs);
  return set;
}

const Rule* RuleSet::find(std::string_view id) const noexcept {
  for (const auto& r : rules_) {
    if (r->id() == id) return r.get();
  }
  return nullptr;
}

std::optional<Severity> RuleSet::override_for(std::string_view rule) const noexcept {
  for (const auto& o : overrides_) {
    if (o.rule == rule) return o.severity;
  }
  return std::nullopt;
}

Verdict RuleSet::evaluate(const Claim& claim, const RuleEnv& env, Findings prior) const {
  Verdict v;
  v.findings = std::move(prior);
  ClaimFacts facts;
  // A scoped environment that borrows the caller's code set without touching its reference
  // count (shared_ptr copies contend across worker threads).
  RuleEnv scoped;
  scoped.today = env.today;
  scoped.index_ = env.index();
  compute_facts(claim, scoped, facts);
  scoped.facts_ = &facts;
  for (std::size_t i = 0; i < rules_.size(); ++i) {
    const std::size_t before = v.findings.size();
    rules_[i]->check(claim, scoped, v.findings);
    if (rule_override_[i] && v.findings.size() != before) {
      for (std::size_t k = before; k < v.findings.size(); ++k) {
        v.findings[k].severity = *rule_override_[i];
      }
    }
  }
  for (const auto& f : v.findings) {
    if (f.severity == Severity::Reject) {
      ++v.rejects;
    } else {
      ++v.warnings;
    }
  }
  v.accepted = v.rejects == 0;
  if (v.findings.size() > kMaxFindings) {
    v.dropped = v.findings.size() - kMaxFindings;
    v.findings.resize(kMaxFindings);
  }
  return v;
}

std::string dotted(std::string_view code) {
  std::string out;
  out.reserve(code.size() + 1);
  for (std::size_t i = 0; i < code.size(); ++i) {
    if (i == 3 && code.find('.') == std::string_view::npos) out += '.';
    out += code[i];
  }
  return out;
}

std::string join_or(std::span<const std::string> items, std::size_t max) {
  std::string out;
  const std::size_t n = std::min(items.size(), max);
  for (std::size_t i = 0; i < n; ++i) {
    if (i > 0) out += (i + 1 == n && n == items.size()) ? " or " : ", ";
    out += items[i];
  }
  if (n < items.size()) {
    out += " or one of " + std::to_string(items.size() - n) + " more (see suggestions)";
  }
  return out;
}

}  // namespace cg::rules
