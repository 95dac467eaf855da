// icd10cm.code-set-not-loaded (warn)
// Enforces: says so when ICD-10-CM codes could not be fully checked: the date of service is
// after the last day of the newest loaded release (the codes were checked against that
// release, which may have changed since), or no code set is loaded at all. Once per claim.
// Source: ICD-10-CM annual release cycle (FY N takes effect October 1 of year N-1).
// Passes: FY2026 loaded, date of service 2026-03-02   Fails: the same claim on 2026-10-01.
#include "rulesets/kinds/builtin.hpp"
#include "rulesets/kinds/common.hpp"

namespace cg::rules::kinds {

void check_icd10cm_code_set_not_loaded(const Claim& claim, const RuleEnv& env,
                                       const BuiltinRule& rule, Findings& out) noexcept {
  const auto* index = env.index();
  int first_cm = -1;
  for (std::size_t i = 0; i < claim.diagnoses.size() && first_cm < 0; ++i) {
    if (is_cm(claim.diagnoses[i])) first_cm = static_cast<int>(i);
  }
  if (first_cm < 0) return;
  if (index == nullptr) {
    const auto& d = claim.diagnoses[static_cast<std::size_t>(first_cm)];
    add_finding(out, rule.id, rule.severity,
                "No ICD-10-CM code set is loaded, so the diagnosis codes on this claim were not "
                "checked; load the code set (claimgate code-set build).",
                d.src, "", 0, 0);
    return;
  }
  ClaimFacts scratch;
  const ClaimFacts& facts = facts_for(claim, env, scratch);
  if (!facts.beyond_newest) return;
  for (std::size_t i = 0; i < claim.diagnoses.size(); ++i) {
    const auto& d = claim.diagnoses[i];
    if (!is_cm(d)) continue;
    const auto& f = facts.dx[i];
    for (std::size_t k = 0; k < f.dates.size(); ++k) {
      const Date date = f.dates[k].date;
      if (!index->beyond_newest(date)) continue;
      const auto& rels = index->releases();
      std::string msg = "The date of service " + date.iso() +
                        " is after the newest loaded ICD-10-CM release";
      const std::string newest = rels.empty() ? std::string("it") : rels.back().name;
      if (!rels.empty()) {
        msg += " (" + newest + ", in force through " + rels.back().effective_to.iso() + ')';
      }
      msg += "; the diagnoses were checked against " + newest +
             " and may have changed since: load the newer release.";
      add_finding(out, rule.id, rule.severity, std::move(msg), d.src, d.code_as_sent,
                  f.dates[k].line, d.position);
      return;
    }
  }
}

}  // namespace cg::rules::kinds
