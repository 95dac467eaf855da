#include "engine/clock.hpp"

#include <chrono>
#include <cstdio>
#include <ctime>

namespace cg::engine {

rules::Date local_today() {
  const std::time_t now = std::time(nullptr);
  std::tm tm{};
  localtime_r(&now, &tm);
  return rules::Date{static_cast<std::int16_t>(tm.tm_year + 1900), static_cast<std::uint8_t>(tm.tm_mon + 1),
                     static_cast<std::uint8_t>(tm.tm_mday)};
}

X12DateTime local_x12_now() {
  const std::time_t now = std::time(nullptr);
  std::tm tm{};
  localtime_r(&now, &tm);
  char d[16], t[8];
  std::strftime(d, sizeof d, "%Y%m%d", &tm);
  std::strftime(t, sizeof t, "%H%M", &tm);
  return X12DateTime{d, t};
}

std::string utc_datetime_now() {
  const std::time_t t = std::time(nullptr);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

std::string utc_iso_from_ms(std::uint64_t ms) {
  const std::time_t t = static_cast<std::time_t>(ms / 1000);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[40];
  const std::size_t n = std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%S", &tm);
  std::snprintf(buf + n, sizeof buf - n, ".%03uZ", static_cast<unsigned>(ms % 1000));
  return buf;
}

std::optional<rules::Date> parse_cli_date(std::string_view text, std::string& error) {
  const auto digits = [&](std::size_t from, std::size_t n) {
    int v = 0;
    for (std::size_t i = from; i < from + n; ++i) {
      if (text[i] < '0' || text[i] > '9') return -1;
      v = v * 10 + (text[i] - '0');
    }
    return v;
  };
  if (text.size() != 10 || text[4] != '-' || text[7] != '-' || digits(0, 4) < 0 || digits(5, 2) < 0 ||
      digits(8, 2) < 0) {
    error = "'" + std::string(text) + "' is not a date YYYY-MM-DD";
    return std::nullopt;
  }
  const int y = digits(0, 4), m = digits(5, 2), d = digits(8, 2);
  static constexpr const char* kMonths[] = {"January", "February", "March",     "April",   "May",      "June",
                                            "July",    "August",   "September", "October", "November", "December"};
  if (m < 1 || m > 12) {
    error = std::string(text) + " is impossible: there is no month " + std::to_string(m);
    return std::nullopt;
  }
  if (!rules::is_valid_date(y, m, d)) {
    int last = 28;
    while (last < 31 && rules::is_valid_date(y, m, last + 1)) ++last;
    error = std::string(text) + " is impossible: " + kMonths[m - 1] + " " + std::to_string(y) + " has " +
            std::to_string(last) + " days";
    return std::nullopt;
  }
  return rules::parse_iso_date(text);
}

std::uint64_t unix_now_ms() {
  return static_cast<std::uint64_t>(
      std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch()).count());
}

}  // namespace cg::engine
