// icd10cm.invalid-extension (reject)
// Enforces: the 7th character convention: codes of a category that defines 7th characters
// carry one of the defined values (padded with the placeholder X to six characters); codes of
// other categories carry none. The message gives the index's explanation.
// Source: ICD-10-CM Official Guidelines I.A.5 (7th characters), I.A.4 (placeholder X);
// seed 000 (M51.A1 takes no 7th character: M51.A1A is invalid).
// A missing placeholder gets the exact corrected code (S06.01A -> S06.0X1A).
// Passes: M51.A1, S32.010A   Fails: M51.A1A ("M51.A1 takes no 7th character"), S32.010,
//         S06.01A.
#include "rulesets/kinds/builtin.hpp"
#include "rulesets/kinds/common.hpp"

namespace cg::rules::kinds {
namespace {

std::vector<std::string> extension_suggestions(const codesets::Icd10Index& index,
                                               const codesets::CodeExplanation& ex,
                                               const std::string& code, Date dos) {
  std::vector<std::string> out;
  if (!ex.corrected.empty()) return {ex.corrected};
  if (ex.seventh && !ex.seventh->allowed.empty()) {
    std::string stem = code.size() >= 7 ? code.substr(0, 6) : code;
    while (stem.size() < 6) stem += 'X';
    for (char c : ex.seventh->allowed) {
      std::string candidate = stem + c;
      if (index.status(candidate, dos) == codesets::CodeStatus::Billable) {
        out.push_back(dotted(candidate));
      }
    }
    if (!out.empty()) return out;
  }
  // A character too many: the shorter code that is billable.
  std::string shorter = code;
  while (shorter.size() > 3) {
    shorter.pop_back();
    if (!shorter.empty() && shorter.back() == 'X') continue;
    if (index.status(shorter, dos) == codesets::CodeStatus::Billable) {
      out.push_back(dotted(shorter));
      break;
    }
  }
  return out;
}

}  // namespace

void check_icd10cm_invalid_extension(const Claim& claim, const RuleEnv& env,
                                     const BuiltinRule& rule, Findings& out) noexcept {
  const auto* index = env.index();
  if (index == nullptr) return;
  ClaimFacts scratch;
  const ClaimFacts& facts = facts_for(claim, env, scratch);
  for_each_status(claim, facts, codesets::CodeStatus::InvalidExtension,
                  [&](const Diagnosis& d, const DxFacts& f, std::size_t k) {
    const Date dos = f.dates[k].date;
    const auto ex = index->lookup(d.code, dos);
    std::string msg = dx_label(d) + " is not a valid code";
    if (!ex.extension_problem.empty()) {
      msg += ": " + ex.extension_problem;
    } else {
      msg += ": its 7th character or placeholder X is wrong";
    }
    auto suggestions = extension_suggestions(*index, ex, d.code, dos);
    if (!suggestions.empty()) {
      msg += "; use " + join_or(suggestions) + '.';
    } else {
      msg += "; correct the code.";
    }
    auto& fd = add_finding(out, rule.id, rule.severity, std::move(msg), d.src, d.code_as_sent,
                           f.dates[k].line, d.position);
    fd.suggestions = std::move(suggestions);
  });
}

}  // namespace cg::rules::kinds
