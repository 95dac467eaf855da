#include "engine/log.hpp"

#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <ctime>

namespace cg::engine::log {
namespace {

std::atomic<int> g_fd{2};
std::atomic<int> g_min{static_cast<int>(Level::Info)};
std::atomic<bool> g_text{false};

// A text-format value: JSON-escaped, quoted when empty or holding ' ', '"' or '='.
void append_text_value(std::string& out, std::string_view v) {
  std::string escaped;
  append_json_escaped(escaped, v);
  if (escaped.empty() || escaped.find_first_of(" \"=") != std::string::npos) {
    out += '"';
    out += escaped;
    out += '"';
  } else {
    out += escaped;
  }
}

void write_all(int fd, const char* p, std::size_t n) {
  while (n > 0) {
    const ssize_t w = ::write(fd, p, n);
    if (w < 0) {
      if (errno == EINTR) continue;
      return;  // logging never fails the caller
    }
    p += w;
    n -= static_cast<std::size_t>(w);
  }
}

void append_time(std::string& out) {
  const auto now = std::chrono::system_clock::now();
  const auto us = std::chrono::duration_cast<std::chrono::microseconds>(now.time_since_epoch()).count();
  const std::time_t secs = static_cast<std::time_t>(us / 1000000);
  std::tm tm{};
  gmtime_r(&secs, &tm);
  char buf[40];
  const int n = std::snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02d.%06lldZ", tm.tm_year + 1900,
                              tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec,
                              static_cast<long long>(us % 1000000));
  out.append(buf, static_cast<std::size_t>(n));
}

}  // namespace

void configure(int fd, Level min_level) {
  g_fd.store(fd);
  g_min.store(static_cast<int>(min_level));
}

void set_format(Format format) noexcept { g_text.store(format == Format::Text); }

bool choose_format(std::string_view name, int fd) noexcept {
  if (name == "text" || name == "json") {
    set_format(name == "text" ? Format::Text : Format::Json);
    return true;
  }
  if (name != "auto" && !name.empty()) return false;
  set_format(::isatty(fd) == 1 ? Format::Text : Format::Json);
  return true;
}

void set_min_level(Level min_level) noexcept { g_min.store(static_cast<int>(min_level)); }

Level level_named(std::string_view name) noexcept {
  return name == "debug" ? Level::Debug : name == "warn" ? Level::Warn : name == "error" ? Level::Error : Level::Info;
}

bool enabled(Level level) noexcept { return static_cast<int>(level) >= g_min.load(std::memory_order_relaxed); }

std::string_view to_string(Level level) noexcept {
  switch (level) {
    case Level::Debug: return "debug";
    case Level::Info: return "info";
    case Level::Warn: return "warn";
    case Level::Error: return "error";
  }
  return "info";
}

Line::Line(Level level, std::string_view event) : on_(enabled(level)), text_(g_text.load(std::memory_order_relaxed)) {
  if (!on_) return;
  buf_.reserve(256);
  if (text_) {
    append_time(buf_);
    static constexpr const char* kNames[] = {" DEBUG ", " INFO  ", " WARN  ", " ERROR "};
    buf_ += kNames[static_cast<int>(level)];
    append_text_value(buf_, event);
    return;
  }
  buf_ += "{\"time\":\"";
  append_time(buf_);
  buf_ += "\",\"level\":\"";
  buf_ += to_string(level);
  buf_ += "\",\"event\":\"";
  append_json_escaped(buf_, event);
  buf_ += '"';
}

Line::~Line() {
  if (!on_) return;
  buf_ += text_ ? "\n" : "}\n";
  write_all(g_fd.load(std::memory_order_relaxed), buf_.data(), buf_.size());
}

// ,"key": (JSON) or " key=" (text).
void Line::key(std::string_view k) {
  buf_ += text_ ? " " : ",\"";
  append_json_escaped(buf_, k);
  buf_ += text_ ? "=" : "\":";
}

Line& Line::str(std::string_view k, std::string_view value) {
  if (!on_) return *this;
  key(k);
  if (text_) {
    append_text_value(buf_, value);
    return *this;
  }
  buf_ += '"';
  append_json_escaped(buf_, value);
  buf_ += '"';
  return *this;
}

Line& Line::num(std::string_view k, std::int64_t value) {
  if (!on_) return *this;
  key(k);
  buf_ += std::to_string(value);
  return *this;
}

Line& Line::real(std::string_view k, double value) {
  if (!on_) return *this;
  char b[32];
  const int n = std::snprintf(b, sizeof b, "%.3f", value);
  key(k);
  buf_.append(b, static_cast<std::size_t>(n));
  return *this;
}

Line& Line::boolean(std::string_view k, bool value) {
  if (!on_) return *this;
  key(k);
  buf_ += value ? "true" : "false";
  return *this;
}

Line& Line::list(std::string_view k, const std::vector<std::string>& values, std::size_t max) {
  if (!on_) return *this;
  key(k);
  buf_ += '[';
  const std::size_t n = values.size() < max ? values.size() : max;
  for (std::size_t i = 0; i < n; ++i) {
    if (i) buf_ += ',';
    if (text_) {
      append_text_value(buf_, values[i]);
      continue;
    }
    buf_ += '"';
    append_json_escaped(buf_, values[i]);
    buf_ += '"';
  }
  buf_ += ']';
  if (values.size() > n) {
    std::string more(k);
    more += "_more";
    num(more, static_cast<std::int64_t>(values.size() - n));
  }
  return *this;
}

}  // namespace cg::engine::log
