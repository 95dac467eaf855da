// Age and sex edits shared by icd10cm.age-conflict and icd10cm.sex-conflict: the chapter
// conventions (O: maternity, ages 12-55, not male; P: newborn, age 0) and the CMS Medicare
// Code Editor lists the index carries (FY2016-FY2020, MCE v33-v37; the newest list applies to
// later dates of service). The MCE part comes from ClaimFacts (one demographics() probe per
// diagnosis for both rules).
#pragma once

#include "rulesets/kinds/common.hpp"

namespace cg::rules::kinds {

struct AgeSexEdit {
  std::optional<std::pair<int, int>> age;
  bool age_from_chapter = false;
  codesets::DemographicEdits::Sex sex = codesets::DemographicEdits::Sex::Any;
};

[[nodiscard]] AgeSexEdit age_sex_edit(const Diagnosis& d, const DxFacts& f) noexcept;
// "maternity", "newborn", "pediatric", "adult" (for messages; asks the index for MCE edits).
[[nodiscard]] std::string age_category(const codesets::Icd10Index* index, const Diagnosis& d,
                                       Date dos, const AgeSexEdit& e);

}  // namespace cg::rules::kinds
