// What `claimgate code CODE --system icd10pcs|hcpcs|hcpcs-modifier|cpt` prints: the explanation
// of a procedure code (or modifier) on a date of service, as text or as one JSON object.
#pragma once

#include "rulesets/codesets/procedure_codes.hpp"

#include <optional>
#include <string>
#include <string_view>

namespace cg::engine {

// "icd10pcs" -> the catalog; nullopt for anything else.
[[nodiscard]] std::optional<codesets::ProcedureCatalog> procedure_catalog(std::string_view system);

// The JSON object, pretty-printed with two spaces, followed by a newline. Keys: code, system,
// dos, release, status, title, short_title, effective_from, last_valid, replacements,
// valid_children, children_sample, warning.
[[nodiscard]] std::string procedure_report_json(const codesets::ProcedureCodes& codes,
                                                const codesets::ProcedureExplanation& e);
[[nodiscard]] std::string procedure_report_text(const codesets::ProcedureCodes& codes,
                                                const codesets::ProcedureExplanation& e);

}  // namespace cg::engine
