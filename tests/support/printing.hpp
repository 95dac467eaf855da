// Lets Boost.Test print the model's enums in failure messages.
#pragma once

#include "rulesets/core/claim.hpp"
#include "rulesets/core/finding.hpp"

#include <ostream>

namespace cg::rules {
inline std::ostream& operator<<(std::ostream& os, Format v) { return os << to_string(v); }
inline std::ostream& operator<<(std::ostream& os, ClaimKind v) { return os << to_string(v); }
inline std::ostream& operator<<(std::ostream& os, CodeSystem v) { return os << to_string(v); }
inline std::ostream& operator<<(std::ostream& os, DxRole v) { return os << to_string(v); }
inline std::ostream& operator<<(std::ostream& os, ProcedureSystem v) { return os << to_string(v); }
inline std::ostream& operator<<(std::ostream& os, ProcedureRole v) { return os << to_string(v); }
inline std::ostream& operator<<(std::ostream& os, Severity v) { return os << to_string(v); }
}  // namespace cg::rules
