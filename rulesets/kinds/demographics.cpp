#include "rulesets/kinds/demographics.hpp"

namespace cg::rules::kinds {

AgeSexEdit age_sex_edit(const Diagnosis& d, const DxFacts& f) noexcept {
  AgeSexEdit e;
  const char c = d.code.empty() ? '\0' : d.code[0];
  if (c == 'O') {
    e.age = std::pair{12, 55};
    e.age_from_chapter = true;
    e.sex = codesets::DemographicEdits::Sex::FemaleOnly;
  } else if (c == 'P') {
    e.age = std::pair{0, 0};
    e.age_from_chapter = true;
  }
  if (!f.mce_done) return e;
  if (!e.age && f.mce_has_age) e.age = std::pair<int, int>{f.mce_age_lo, f.mce_age_hi};
  if (e.sex == codesets::DemographicEdits::Sex::Any) e.sex = f.mce_sex;
  return e;
}

std::string age_category(const codesets::Icd10Index* index, const Diagnosis& d, Date dos,
                         const AgeSexEdit& e) {
  if (e.age_from_chapter) return d.code[0] == 'O' ? "maternity" : "newborn";
  if (index != nullptr) return index->demographics(d.code, dos).age_category;
  return {};
}

}  // namespace cg::rules::kinds
