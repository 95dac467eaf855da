// icd10cm.unknown (reject; warn for a diagnosis that could not be read)
// Enforces: an ICD-10-CM diagnosis code is a code of the code set (some loaded release). When
// a prefix of the code exists, the message names the codes under it. A FHIR diagnosis given
// only as a Reference(Condition) that could not be resolved to a code is a warning: it was
// not checked.
// Source: HIPAA code-set rule (ICD-10-CM is the required diagnosis code set); ICD-10-CM
// tabular list.
// When the date of service is past the newest loaded release (its release is not loaded), a
// code unknown to the newest release is a warning, not a rejection: it may be new.
// Passes: M54.50   Fails: M54.55 ("... not an ICD-10-CM code; codes under M54.5: M54.50,
//         M54.51 or M54.59"), Z99.999.
#include "rulesets/kinds/builtin.hpp"
#include "rulesets/kinds/common.hpp"

namespace cg::rules::kinds {

void check_icd10cm_unknown(const Claim& claim, const RuleEnv& env, const BuiltinRule& rule,
                           Findings& out) noexcept {
  for (const auto& d : claim.diagnoses) {
    if (d.code.empty() && !d.reference.empty()) {
      add_finding(out, rule.id, Severity::Warn,
                  "Diagnosis " + std::to_string(d.position) + " refers to " + d.reference +
                      ", which could not be resolved to a code, so it was not checked; send "
                      "diagnosisCodeableConcept with the ICD-10-CM code.",
                  d.src, d.reference, 0, d.position);
    }
  }
  const auto* index = env.index();
  if (index == nullptr) return;
  ClaimFacts scratch;
  const ClaimFacts& facts = facts_for(claim, env, scratch);
  for_each_status(claim, facts, codesets::CodeStatus::Unknown,
                  [&](const Diagnosis& d, const DxFacts& f, std::size_t k) {
    const Date dos = f.dates[k].date;
    if (index->beyond_newest(dos)) {
      // The release in force is not loaded: the newest one cannot know codes new in it.
      const auto& newest = index->releases().back();
      add_finding(out, rule.id, Severity::Warn,
                  dx_label(d) + " is not in " + newest.name +
                      ", the newest loaded ICD-10-CM release, and the release in force on " +
                      dos.iso() + " is not loaded, so it may be a code new in that release; it "
                      "was not checked: load the release in force on that date.",
                  d.src, d.code_as_sent, f.dates[k].line, d.position);
      return;
    }
    std::string msg = dx_label(d) + " is not an ICD-10-CM code";
    std::vector<std::string> suggestions;
    // The longest existing prefix points the biller at the right family.
    std::string prefix = d.code;
    while (prefix.size() > 3) {
      prefix.pop_back();
      const auto s = index->status(prefix, dos);
      if (s == codesets::CodeStatus::Billable) {
        suggestions.push_back(dotted(prefix));
        msg += "; did you mean " + dotted(prefix) + '?';
        break;
      }
      if (s == codesets::CodeStatus::Header) {
        suggestions = dotted_all(index->lookup(prefix, dos).billable_children);
        if (!suggestions.empty()) {
          msg += "; codes under " + dotted(prefix) + " on " + dos.iso() + ": " +
                 join_or(suggestions) + '.';
        }
        break;
      }
    }
    if (suggestions.empty()) msg += "; check the code against the record.";
    auto& fd = add_finding(out, rule.id, rule.severity, std::move(msg), d.src, d.code_as_sent,
                           f.dates[k].line, d.position);
    fd.suggestions = std::move(suggestions);
  });
}

}  // namespace cg::rules::kinds
