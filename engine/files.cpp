#include "engine/files.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstdint>
#include <cstring>

namespace cg::engine {
namespace {

std::atomic<FaultHook> g_hook{nullptr};

// True (errno set) when the installed hook makes this operation fail.
bool injected(FileOp op) {
  const FaultHook hook = g_hook.load(std::memory_order_acquire);
  if (hook == nullptr) return false;
  const int err = hook(op);
  if (err == 0) return false;
  errno = err;
  return true;
}

}  // namespace

std::string read_regular_file(const std::string& path, std::size_t max_bytes, std::string& out) {
  out.clear();
  // O_NONBLOCK: opening a FIFO must not wait for a writer.
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK);
  if (fd < 0) return std::strerror(errno);
  struct stat st {};
  std::string error;
  if (::fstat(fd, &st) != 0) {
    error = std::strerror(errno);
  } else if (!S_ISREG(st.st_mode)) {
    error = "not a regular file";
  } else if (static_cast<std::uint64_t>(st.st_size) > max_bytes) {
    error = "larger than " + std::to_string(max_bytes) + " bytes";
  } else {
    out.resize(static_cast<std::size_t>(st.st_size));
    std::size_t got = 0;
    while (got < out.size()) {
      const ssize_t n = ::read(fd, out.data() + got, out.size() - got);
      if (n < 0 && errno == EINTR) continue;
      if (n < 0) {
        error = std::strerror(errno);
        break;
      }
      if (n == 0) break;  // shrunk meanwhile
      got += static_cast<std::size_t>(n);
    }
    out.resize(got);
  }
  ::close(fd);
  if (!error.empty()) out.clear();
  return error;
}

void set_fault_hook(FaultHook hook) noexcept { g_hook.store(hook, std::memory_order_release); }

bool make_dirs(const std::string& path) {
  std::string cur;
  for (std::size_t i = 0; i <= path.size(); ++i) {
    if (i == path.size() || path[i] == '/') {
      if (!cur.empty() && ::mkdir(cur.c_str(), 0750) != 0 && errno != EEXIST) return false;
    }
    if (i < path.size()) cur += path[i];
  }
  return true;
}

bool fsync_dir(const std::string& dir) {
  const int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return false;
  const bool ok = sync_file(fd);
  const int saved = errno;
  ::close(fd);
  errno = saved;
  return ok;
}

bool write_all(int fd, const char* p, std::size_t n) {
  if (n > 0 && injected(FileOp::Write)) return false;
  while (n > 0) {
    const ssize_t w = ::write(fd, p, n);
    if (w < 0) {
      if (errno == EINTR) continue;
      return false;
    }
    p += w;
    n -= static_cast<std::size_t>(w);
  }
  return true;
}

bool sync_data(int fd) { return !injected(FileOp::Sync) && ::fdatasync(fd) == 0; }
bool sync_file(int fd) { return !injected(FileOp::Sync) && ::fsync(fd) == 0; }

}  // namespace cg::engine
