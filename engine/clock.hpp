// The clock, read in one place: the engine passes what it reads to code that must not read it
// (rules get "today" through RuleEnv, answers get their timestamps injected).
#pragma once

#include "rulesets/core/date.hpp"

#include <string>

namespace cg::engine {

// Today's date in the machine's local time zone (the day a claim is received).
[[nodiscard]] rules::Date local_today();
// Now as a FHIR dateTime in UTC, e.g. 2026-11-23T10:00:00Z.
[[nodiscard]] std::string utc_datetime_now();

}  // namespace cg::engine
