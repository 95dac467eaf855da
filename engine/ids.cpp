#include "engine/ids.hpp"

#include <atomic>
#include <cstdio>
#include <random>

namespace cg::engine {

namespace {
std::atomic<std::uint64_t> g_next{1};
}  // namespace

const std::string& process_id() {
  static const std::string id = [] {
    std::random_device rd;  // the OS's entropy source (getrandom / /dev/urandom)
    std::string s;
    char buf[9];
    for (int i = 0; i < 4; ++i) {
      std::snprintf(buf, sizeof buf, "%08x", static_cast<unsigned>(rd()));
      s += buf;
    }
    return s;
  }();
  return id;
}

std::uint64_t next_id_number() noexcept { return g_next.fetch_add(1, std::memory_order_relaxed); }

std::string unique_id(std::uint64_t n) { return process_id() + "-" + std::to_string(n); }

std::string unique_id() { return unique_id(next_id_number()); }

}  // namespace cg::engine
