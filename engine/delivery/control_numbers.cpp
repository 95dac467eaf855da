#include "engine/delivery/control_numbers.hpp"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstring>
#include <filesystem>

#include "engine/files.hpp"

namespace cg::engine {
namespace {

std::string_view trim(std::string_view v) {
  while (!v.empty() && v.front() == ' ') v.remove_prefix(1);
  while (!v.empty() && v.back() == ' ') v.remove_suffix(1);
  return v;
}

// "ZZ-CLAIMGATE"; characters other than letters, digits, '-', '_', '.' as %XX, so that two
// identities never share a file.
std::string file_key(std::string_view qualifier, std::string_view id) {
  std::string key;
  const auto add = [&](std::string_view v) {
    for (const char ch : trim(v)) {
      const auto c = static_cast<unsigned char>(ch);
      if (std::isalnum(c) || c == '_' || c == '.') {
        key.push_back(ch);
      } else {
        static constexpr char kHex[] = "0123456789ABCDEF";
        key.push_back('%');
        key.push_back(kHex[c >> 4]);
        key.push_back(kHex[c & 15]);
      }
    }
  };
  add(qualifier);
  key.push_back('-');
  add(id);
  return key;
}

[[noreturn]] void fail(const std::string& what, const std::string& path) {
  throw ControlNumberError("control numbers: cannot " + what + " " + path + ": " + std::strerror(errno));
}

// Holds an exclusive lock on <path>.lock (a file never renamed, so every process locks the same inode).
class FileLock {
 public:
  explicit FileLock(const std::string& path) {
    fd_ = ::open((path + ".lock").c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0640);
    if (fd_ < 0) fail("open", path + ".lock");
    while (::flock(fd_, LOCK_EX) != 0) {
      if (errno != EINTR) {
        ::close(fd_);
        fail("lock", path + ".lock");
      }
    }
  }
  ~FileLock() { ::close(fd_); }
  FileLock(const FileLock&) = delete;
  FileLock& operator=(const FileLock&) = delete;

 private:
  int fd_ = -1;
};

}  // namespace

// The number stored in the state file; first_ when there is none yet. Throws on a damaged file
// rather than guess (a guess could repeat numbers).
std::uint64_t ControlNumbers::read_state(const std::string& path) const {
  // O_NONBLOCK: a FIFO put in its place reads as empty (damaged) instead of blocking.
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK);
  if (fd < 0) {
    if (errno == ENOENT) return first_;
    fail("open", path);
  }
  char buf[32];
  const ssize_t n = ::read(fd, buf, sizeof buf - 1);
  ::close(fd);
  if (n < 0) fail("read", path);
  std::uint64_t v = 0;
  ssize_t i = 0;
  for (; i < n && buf[i] >= '0' && buf[i] <= '9'; ++i) v = v * 10 + static_cast<std::uint64_t>(buf[i] - '0');
  if (i == 0 || i > 9 || v < first_ || v > last_ || (i < n && buf[i] != '\n')) {
    throw ControlNumberError("control numbers: " + path + " is damaged (expected the next number, " +
                             std::to_string(first_) + " to " + std::to_string(last_) +
                             "); fix or remove it knowing that numbers already sent must not be reused");
  }
  return v;
}

namespace {

void write_state(const std::string& dir, const std::string& path, std::uint64_t v) {
  const std::string tmp = path + ".tmp";
  const int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0640);
  if (fd < 0) fail("create", tmp);
  const std::string text = std::to_string(v) + "\n";
  const bool ok = ::write(fd, text.data(), text.size()) == static_cast<ssize_t>(text.size()) && ::fsync(fd) == 0;
  const int saved = errno;
  ::close(fd);
  errno = saved;
  if (!ok) fail("write", tmp);
  if (::rename(tmp.c_str(), path.c_str()) != 0) fail("rename", tmp);
  if (!fsync_dir(dir)) fail("sync", dir);
}

}  // namespace

ControlNumbers::ControlNumbers(std::string dir, std::uint64_t block, std::uint64_t start, std::uint64_t first,
                               std::uint64_t last)
    : dir_(std::move(dir)),
      block_(std::clamp<std::uint64_t>(block, 1, last - first + 1)),  // a reservation never wraps onto itself
      start_(start),
      first_(first),
      last_(last) {}

std::uint64_t ControlNumbers::advance(std::uint64_t n, std::uint64_t k) const {
  return first_ + (n - first_ + k) % (last_ - first_ + 1);
}

ControlNumbers::~ControlNumbers() {
  try {
    close();
  } catch (const std::exception&) {
    // A missed write-back only leaves a gap.
  }
}

std::shared_ptr<ControlNumbers> ControlNumbers::durable(const std::string& dir, std::uint64_t block,
                                                        std::uint64_t first, std::uint64_t last) {
  if (first == 0 || first > last || last > kMax)
    throw ControlNumberError("control numbers: the range must satisfy 1 <= first <= last <= 999999999, not " +
                             std::to_string(first) + " to " + std::to_string(last));
  if (!make_dirs(dir)) fail("create the directory", dir);
  return std::shared_ptr<ControlNumbers>(new ControlNumbers(dir, block, first, first, last));
}

std::shared_ptr<ControlNumbers> ControlNumbers::counting_from(std::uint64_t start) {
  if (start == 0 || start > kMax) throw ControlNumberError("control numbers run from 1 to 999999999");
  return std::shared_ptr<ControlNumbers>(new ControlNumbers({}, 1, start, 1, kMax));
}

std::string ControlNumbers::state_file(std::string_view qualifier, std::string_view id) const {
  std::string path = dir_ + "/" + file_key(qualifier, id);
  // '+' never appears unescaped in a key: a range's file is never another identity's.
  if (first_ != 1 || last_ != kMax) path += "+" + std::to_string(first_) + "+" + std::to_string(last_);
  return path;
}

void ControlNumbers::reserve(const std::string& path, Identity& id) {
  FileLock lock(path);
  const std::uint64_t first = read_state(path);
  const std::uint64_t after = advance(first, block_);
  write_state(dir_, path, after);
  id.next = first;
  id.reserved = after;
  id.remaining = block_;
}

std::string ControlNumbers::bounded(std::string path) {
  if (ids_.count(path) != 0) return path;
  struct stat st {};
  if (::stat(path.c_str(), &st) == 0) return path;
  if (!full_) {
    // Only when an identity is new (its reservation costs three fsyncs anyway).
    std::size_t files = 0;
    std::error_code ec;
    for (std::filesystem::directory_iterator it(dir_, ec), end; !ec && it != end; it.increment(ec)) {
      const std::string name = it->path().filename().string();
      if (!name.ends_with(".lock") && !name.ends_with(".tmp") && !name.starts_with("+pool")) ++files;
    }
    full_ = files >= kMaxIdentities;
  }
  if (!full_) return path;
  // '+' never starts an identity's key.
  std::string pool = dir_ + "/+pool";
  if (first_ != 1 || last_ != kMax) pool += "+" + std::to_string(first_) + "+" + std::to_string(last_);
  return pool;
}

std::uint64_t ControlNumbers::next(std::string_view qualifier, std::string_view id) {
  std::string key = state_file(qualifier, id);
  const std::lock_guard<std::mutex> guard(mutex_);
  if (!dir_.empty()) key = bounded(std::move(key));
  Identity& st = ids_[key];
  if (dir_.empty()) {
    if (st.next == 0) st.next = start_;
    const std::uint64_t n = st.next;
    st.next = advance(n, 1);
    return n;
  }
  if (st.remaining == 0) reserve(key, st);
  const std::uint64_t n = st.next;
  st.next = advance(n, 1);
  --st.remaining;
  return n;
}

void ControlNumbers::close() {
  const std::lock_guard<std::mutex> guard(mutex_);
  if (dir_.empty()) return;
  for (auto& [path, st] : ids_) {
    if (st.remaining == 0) continue;
    FileLock lock(path);
    // Only when nobody reserved after us: otherwise lowering the number would repeat theirs.
    if (read_state(path) == st.reserved) write_state(dir_, path, st.next);
    st.remaining = 0;
  }
}

}  // namespace cg::engine
