// Structured logs: one JSON object per line (time, level, event and fields), written with a
// single write(2) so lines from concurrent threads never interleave.
//
// Never PHI: callers pass claim ids, control numbers, rule ids, counts and latencies only;
// no names, birth dates, member ids or diagnosis codes. The API has no free-form "claim"
// field on purpose.
//
// Thread safety: every function may be called from any thread.
#pragma once

#include "parsers/text/json_string.hpp"

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace cg::engine::log {

enum class Level { Debug = 0, Info = 1, Warn = 2, Error = 3 };

// Where lines go (a file descriptor, 2 = stderr) and the lowest level written. Call once at
// startup before other threads log.
void configure(int fd, Level min_level);

// How lines are written: Json (default) one JSON object per line; Text for people at a
// terminal: "<time> <LEVEL> <event> key=value ...", values escaped as in JSON (control
// characters never reach the terminal raw) and quoted when they hold a space, '"' or '=' or are
// empty, lists as [a,b]. The same fields in both formats (so never PHI in either).
enum class Format { Json, Text };
void set_format(Format format) noexcept;
// "--log-format": "text", "json" or "auto" (Text when `fd` is a terminal, else Json). False
// for anything else.
[[nodiscard]] bool choose_format(std::string_view name, int fd) noexcept;
// The lowest level written from now on (a reload of log.level).
void set_min_level(Level min_level) noexcept;
// "debug", "info", "warn", "error" (log.level); anything else: Info.
[[nodiscard]] Level level_named(std::string_view name) noexcept;
[[nodiscard]] bool enabled(Level level) noexcept;
[[nodiscard]] std::string_view to_string(Level level) noexcept;

// A line under construction: `Line(Level::Info, "request").str("request_id", id).num(...)`;
// written when destroyed (if the level is enabled).
class Line {
 public:
  Line(Level level, std::string_view event);
  ~Line();
  Line(const Line&) = delete;
  Line& operator=(const Line&) = delete;

  Line& str(std::string_view key, std::string_view value);
  Line& num(std::string_view key, std::int64_t value);
  Line& real(std::string_view key, double value);
  Line& boolean(std::string_view key, bool value);
  // A JSON array of strings, at most `max` elements (the rest counted in "<key>_more").
  Line& list(std::string_view key, const std::vector<std::string>& values, std::size_t max = 20);

 private:
  void key(std::string_view k);
  bool on_;
  bool text_;
  std::string buf_;
};

// Appends `s` JSON-escaped (without quotes; invalid UTF-8 becomes U+FFFD): the project's one
// JSON string escaper, parsers/text/json_string.hpp.
using text::append_json_escaped;

}  // namespace cg::engine::log
