// icd10cm.deleted (reject)
// Enforces: a code valid in an earlier release but absent from the one in force on the date
// of service is invalid; the message names its last valid day and its replacements (from the
// CDC conversion tables, or a change list that names them); when nothing replaces it one for
// one, the billable codes beside it are offered as related codes, never as "use ...".
// Source: ICD-10-CM addenda and conversion tables (deleted codes per fiscal year);
// S23.420A deleted 2026-10-01 with no successor, T52.8X1A replaced by T52.891A (FY2027).
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
    } else if (!ex.related.empty()) {
      // Related codes are a starting point, not replacements: listed, never suggested.
      constexpr std::size_t kShown = 12;
      auto related = dotted_all(ex.related);
      const std::size_t more = related.size() > kShown ? related.size() - kShown : 0;
      related.resize(related.size() - more);
      std::string list;
      for (std::size_t i = 0; i < related.size(); ++i)
        list += (i == 0 ? "" : (i + 1 == related.size() && more == 0) ? " and " : ", ") + related[i];
      if (more) list += " and " + std::to_string(more) + " more";
      msg += "; no code replaces it one for one: related codes on that date are " + list +
             " (choose what the record supports).";
    } else {
      msg += "; no code replaces it one for one: code from the record with the code set in force.";
    }
    auto& fd = add_finding(out, rule.id, rule.severity, std::move(msg), d.src, d.code_as_sent,
                           f.dates[k].line, d.position);
    fd.suggestions = repl;
  });
}

}  // namespace cg::rules::kinds
