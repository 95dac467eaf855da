// icd10cm.deleted (reject)
// Enforces: a code valid in an earlier release but absent from the one in force on the date
// of service is invalid; the message names its last valid day and its replacements (from the
// CDC conversion tables, else what the index proposes).
// Source: ICD-10-CM addenda and conversion tables (deleted codes per fiscal year).
// Passes: a code on a date inside its validity   Fails: the same code after its deletion.
#include "rulesets/kinds/builtin.hpp"
#include "rulesets/kinds/common.hpp"

namespace cg::rules::kinds {

void check_icd10cm_deleted(const Claim& claim, const RuleEnv& env, const BuiltinRule& rule,
                           Findings& out) noexcept {
  const auto* index = env.index();
  if (index == nullptr) return;
  ClaimFacts scratch;
  const ClaimFacts& facts = facts_for(claim, env, scratch);
  for_each_status(claim, facts, codesets::CodeStatus::Deleted,
                  [&](const Diagnosis& d, const DxFacts& f, std::size_t k) {
    const Date dos = f.dates[k].date;
    const auto ex = index->lookup(d.code, dos);
    std::string msg = dx_label(d) + " was deleted from ICD-10-CM";
    if (ex.last_valid) msg += " (last valid " + ex.last_valid->iso() + ')';
    msg += " and is not valid on the date of service " + dos.iso();
    const auto repl = dotted_all(ex.replacements);
    if (!repl.empty()) {
      msg += "; use " + join_or(repl) + '.';
    } else {
      msg += "; use the code that replaced it.";
    }
    auto& fd = add_finding(out, rule.id, rule.severity, std::move(msg), d.src, d.code_as_sent,
                           f.dates[k].line, d.position);
    fd.suggestions = repl;
  });
}

}  // namespace cg::rules::kinds
