// A calendar date (proleptic Gregorian), as claims carry them: no time, no zone.
#pragma once

#include <compare>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace cg::rules {

struct Date {
  std::int16_t year = 0;
  std::uint8_t month = 0;
  std::uint8_t day = 0;

  friend auto operator<=>(const Date&, const Date&) = default;

  // Days since 1970-01-01 (negative before).
  [[nodiscard]] std::int32_t days() const;
  [[nodiscard]] static Date from_days(std::int32_t days);
  [[nodiscard]] std::string iso() const;  // YYYY-MM-DD
};

[[nodiscard]] bool is_valid_date(int year, int month, int day);

// "YYYYMMDD" (X12 D8). nullopt when malformed or not a real calendar date.
[[nodiscard]] std::optional<Date> parse_d8(std::string_view text);
// "YYYY-MM-DD" (FHIR date, also the first 10 characters of a dateTime).
[[nodiscard]] std::optional<Date> parse_iso_date(std::string_view text);

// Whole years between birth and on (age on a date), -1 if on < birth.
[[nodiscard]] int age_in_years(const Date& birth, const Date& on);

}  // namespace cg::rules
