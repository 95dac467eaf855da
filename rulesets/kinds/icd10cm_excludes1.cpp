// icd10cm.excludes1 (reject by default; a pack may lower it to warn)
// Enforces: no two diagnoses on one claim in an Excludes1 relation ("not coded here": the two
// conditions cannot occur together), either direction, notes inherited from the category,
// ranges and "-" families included. The Official Guidelines allow an exception when the two
// conditions are unrelated; a claim cannot show that, hence the pack override.
// Source: ICD-10-CM Official Guidelines I.A.12.a (Excludes1); seed 003 (M43.01 with M43.11:
// Excludes1 under M43.0; congenital spondylolysis Q76.2).
// Only between the diagnoses that describe the patient's conditions: never with the 837I
// admitting diagnosis (ABJ) or patient reason for visit (APR), which describe the situation at
// admission (005010X223A2 2300 HI; Official Guidelines II-III, principal vs admitting).
// Notes in the "with" form ("(E08-E13 with .42)", "(I69. with final characters -20)") are
// conflicts too: the compiler turns them into code patterns (docs/codeset.md).
// Passes: M43.01 with M54.50   Fails: M43.01 with M43.11; M43.01 with Q76.2.
#include "rulesets/kinds/builtin.hpp"
#include "rulesets/kinds/common.hpp"

#include <algorithm>
#include <array>
#include <cstdio>

namespace cg::rules::kinds {

void check_icd10cm_excludes1(const Claim& claim, const RuleEnv& env, const BuiltinRule& rule,
                             Findings& out) noexcept {
  const auto* index = env.index();
  if (index == nullptr || claim.diagnoses.size() < 2) return;
  ClaimFacts scratch;
  const ClaimFacts& facts = facts_for(claim, env, scratch);
  // Pairwise: bounded so a claim with hundreds of diagnoses cannot cost quadratic time.
  constexpr std::size_t kMaxDx = 48;
  const std::size_t n = std::min(claim.diagnoses.size(), kMaxDx);
  // Each code's notes are resolved once on its own date; a pair is compared on the later
  // diagnosis's date (re-resolved only when the two dates fall in different releases).
  std::array<codesets::Icd10Index::NotesRef, kMaxDx> refs;
  std::array<bool, kMaxDx> usable;
  std::size_t usable_count = 0;
  for (std::size_t i = 0; i < n; ++i) {
    const auto& x = facts.dx[i];
    // The admitting diagnosis (ABJ) and the patient's reason for visit (APR) describe the
    // situation at admission, not the conditions coded for the stay: no Excludes1 with them.
    const DxRole role = claim.diagnoses[i].role;
    usable[i] = role != DxRole::Admitting && role != DxRole::ReasonForVisit && is_cm(claim.diagnoses[i]) &&
                x.first_status() && *x.first_status() != codesets::CodeStatus::Unknown;
    if (!usable[i]) continue;
    ++usable_count;
    refs[i] = x.notes;
  }
  if (usable_count < 2) return;
  for (std::size_t j = 1; j < n; ++j) {
    if (!usable[j]) continue;
    const auto& b = claim.diagnoses[j];
    for (std::size_t i = 0; i < j; ++i) {
      if (!usable[i]) continue;
      const auto& a = claim.diagnoses[i];
      if (a.code == b.code) continue;  // dx.duplicate-code
      const auto ref_a = refs[i].release == refs[j].release
                             ? refs[i]
                             : index->notes_ref(a.code, facts.dx[j].first_date());
      codesets::Icd10Index::NoteView why;
      if (!index->excludes1(ref_a, refs[j], &why)) continue;
      // One allocation: the message is written into its final buffer.
      std::string msg;
      msg.reserve(160 + why.declared_at.size() + why.note.size());
      append_dx_label(msg, b);
      msg += " and diagnosis ";
      char num[16];
      msg.append(num, static_cast<std::size_t>(std::snprintf(num, sizeof num, "%d", a.position)));
      msg += " (";
      append_dx_display(msg, a);
      msg += ") may not be reported together";
      if (!why.declared_at.empty()) {
        msg += " (Excludes1 note at ";
        msg += why.declared_at;
        if (!why.note.empty()) {
          msg += ": \"";
          msg += why.note;
          msg += '"';
        }
        msg += ')';
      } else {
        msg += " (Excludes1)";
      }
      msg += "; keep the one the record supports.";
      add_finding(out, rule.id, rule.severity, std::move(msg), b.src, b.code_as_sent,
                  facts.dx[j].first_line(), b.position);
    }
  }
}

}  // namespace cg::rules::kinds
