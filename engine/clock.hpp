// The clock, read in one place: the engine passes what it reads to code that must not read it
// (rules get "today" through RuleEnv, answers get their timestamps injected).
#pragma once

#include "rulesets/core/date.hpp"

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace cg::engine {

// Today's date in the machine's local time zone (the day a claim is received).
[[nodiscard]] rules::Date local_today();
// Now in the machine's local time as X12 writes it: date CCYYMMDD, time HHMM.
struct X12DateTime {
  std::string date, time;
};
[[nodiscard]] X12DateTime local_x12_now();
// Now as a FHIR dateTime in UTC, e.g. 2026-11-23T10:00:00Z.
[[nodiscard]] std::string utc_datetime_now();

// Milliseconds since the epoch, now.
[[nodiscard]] std::uint64_t unix_now_ms();
// Milliseconds since the epoch as ISO 8601 in UTC with milliseconds, e.g.
// 2026-11-28T08:21:05.123Z.
[[nodiscard]] std::string utc_iso_from_ms(std::uint64_t ms);

// A date given on the command line (--today, --dos): YYYY-MM-DD. On failure, error says why,
// e.g. "2024-02-30 is impossible: February 2024 has 29 days" or "'3/1/24' is not YYYY-MM-DD".
[[nodiscard]] std::optional<rules::Date> parse_cli_date(std::string_view text, std::string& error);

}  // namespace cg::engine
