// Age and sex edits shared by icd10cm.age-conflict and icd10cm.sex-conflict: only the CMS
// Medicare Code Editor list of the MCE version in force on the date of service (bundled: v33
// FY2016 .. v37 FY2020; for later dates the newest one, and the finding says so). No edit is
// added that the list does not contain: no "chapter 15 is maternity" or "chapter 16 is age 0"
// conventions (the chapter 16 note says P00-P96 are used "even if morbidity occurs later", and
// from v37 the MCE newborn list holds no P code). The edits come from ClaimFacts (one
// demographics() probe per diagnosis for both rules).
#pragma once

#include "rulesets/kinds/common.hpp"

namespace cg::rules::kinds {

struct AgeSexEdit {
  std::optional<std::pair<int, int>> age;
  codesets::DemographicEdits::Sex sex = codesets::DemographicEdits::Sex::Any;
};

[[nodiscard]] AgeSexEdit age_sex_edit(const DxFacts& f) noexcept;
// "maternity", "newborn", "pediatric", "adult" (for messages; asks the index).
[[nodiscard]] std::string age_category(const codesets::Icd10Index* index, const Diagnosis& d,
                                       Date dos);
// " (MCE v37)" or, past the newest list's year, " (MCE v37, the newest list bundled, for
// FY2020; no list for this date is loaded)": where the edit comes from, said once.
[[nodiscard]] std::string edit_source(const DxFacts& f);
// "a" or "an" for the word that follows.
[[nodiscard]] std::string_view article(std::string_view word) noexcept;

}  // namespace cg::rules::kinds
