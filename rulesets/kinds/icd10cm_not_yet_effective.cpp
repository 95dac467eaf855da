// icd10cm.not-yet-effective (reject)
// Enforces: the code exists in the release in force on the date of service; a code that first
// appears in a later release is invalid before its effective date. The date comes from the
// code-set files (not from editorial pages: the official files win).
// Source: ICD-10-CM release cycle (FY N effective October 1 of year N-1, some April updates);
// seed 000 (M51.A1, FY2023: effective 2022-10-01 in the CMS order files).
// The message names the code to use before that date when the conversion table gives it (the
// "previous code(s)" of the new code: M51.A1 before 2022-10-01 -> M51.86).
// Passes: M51.A1 on 2022-10-01   Fails: M51.A1 on 2022-09-30.
#include "rulesets/kinds/builtin.hpp"
#include "rulesets/kinds/common.hpp"

namespace cg::rules::kinds {

void check_icd10cm_not_yet_effective(const Claim& claim, const RuleEnv& env,
                                     const BuiltinRule& rule, Findings& out) noexcept {
  const auto* index = env.index();
  if (index == nullptr) return;
  ClaimFacts scratch;
  const ClaimFacts& facts = facts_for(claim, env, scratch);
  for_each_status(claim, facts, codesets::CodeStatus::NotYetEffective,
                  [&](const Diagnosis& d, const DxFacts& f, std::size_t k) {
    const Date dos = f.dates[k].date;
    const auto ex = index->lookup(d.code, dos);
    std::string msg = dx_label(d) + " is not valid on the date of service " + dos.iso();
    if (ex.effective_from) {
      msg += ": it takes effect on " + ex.effective_from->iso();
    }
    const auto repl = dotted_all(ex.replacements);
    if (!repl.empty()) {
      msg += "; before that date use " + join_or(repl) + '.';
    } else {
      msg += "; use the code in force on that date, or check the date of service.";
    }
    auto& fd = add_finding(out, rule.id, rule.severity, std::move(msg), d.src, d.code_as_sent,
                           f.dates[k].line, d.position);
    fd.suggestions = repl;
  });
}

}  // namespace cg::rules::kinds
