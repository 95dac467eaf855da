#include "rulesets/kinds/demographics.hpp"

namespace cg::rules::kinds {

AgeSexEdit age_sex_edit(const DxFacts& f) noexcept {
  AgeSexEdit e;
  if (!f.mce_done) return e;
  if (f.mce_has_age) e.age = std::pair<int, int>{f.mce_age_lo, f.mce_age_hi};
  e.sex = f.mce_sex;
  return e;
}

std::string age_category(const codesets::Icd10Index* index, const Diagnosis& d, Date dos) {
  if (index != nullptr) return index->demographics(d.code, dos).age_category;
  return {};
}

std::string edit_source(const DxFacts& f) {
  if (f.mce_source.empty()) return {};
  if (!f.mce_newer_than_list) return " (" + std::string(f.mce_source) + ')';
  return " (" + std::string(f.mce_source) + ", the newest Medicare Code Editor list bundled; no list for " +
         f.first_date().iso() + " is loaded)";
}

std::string_view article(std::string_view word) noexcept {
  if (word.empty()) return "a";
  switch (word.front()) {
    case 'a': case 'e': case 'i': case 'o': case 'u':
    case 'A': case 'E': case 'I': case 'O': case 'U':
      return "an";
    default:
      return "a";
  }
}

}  // namespace cg::rules::kinds
