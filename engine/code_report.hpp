// What `claimgate code --format json` prints for an ICD-10-CM code on a date of service (the C
// ABI's cg_code_lookup returns the same bytes), and the pieces the text form shares with it.
#pragma once

#include "rulesets/codesets/icd10cm.hpp"

#include <string>

namespace cg::engine {

// The JSON object, pretty-printed with two spaces, followed by a newline.
[[nodiscard]] std::string code_report_json(const codesets::Icd10Index& idx, const codesets::CodeExplanation& e);
// "icd10cm.code-set-not-loaded: ..." when the release in force on the date is not loaded, else empty.
[[nodiscard]] std::string code_warning(const codesets::Icd10Index& idx, const codesets::CodeExplanation& e);
// An Excludes reference as written in the index ("K50-K52", "E11.-").
[[nodiscard]] std::string code_ref_text(const codesets::CodeRef& r);
// Where an Excludes note sits, from CodeRef::declared_at: "chapter" ("13"), "section"
// ("M50-M54") or "code" (a code or category, "M54.5").
[[nodiscard]] const char* code_note_level(const std::string& declared_at);
// The POA line of the text form for a code billable on the date ("exempt: ..." / "required on
// inpatient claims: ..."); empty otherwise.
[[nodiscard]] std::string code_poa_text(const codesets::Icd10Index& idx, const codesets::CodeExplanation& e);
[[nodiscard]] const char* code_sex_text(codesets::DemographicEdits::Sex s);

}  // namespace cg::engine
