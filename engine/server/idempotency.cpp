#include "engine/server/idempotency.hpp"

#include "engine/files.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <ctime>

namespace cg::engine {
namespace {

constexpr std::string_view kMagic = "CGI1 ";

std::string encode(const std::string& scope, const IdempotencyStore::Answer& a, std::int64_t expires) {
  std::string headers;
  for (const auto& [k, v] : a.headers) headers += k + ": " + v + "\n";
  std::string rec(kMagic);
  rec += std::to_string(expires) + " " + std::to_string(a.status) + " " + std::to_string(scope.size()) + " " +
         std::to_string(a.request_digest.size()) + " " + std::to_string(a.content_type.size()) + " " +
         std::to_string(headers.size()) + " " + std::to_string(a.body.size()) + "\n";
  rec += scope;
  rec += a.request_digest;
  rec += a.content_type;
  rec += headers;
  rec += a.body;
  rec += '\n';
  return rec;
}

// Parses the record at text[pos...]; returns its length (0 when malformed or incomplete).
std::size_t decode(std::string_view text, std::string& scope, IdempotencyStore::Answer& a, std::int64_t& expires) {
  if (text.substr(0, kMagic.size()) != kMagic) return 0;
  const auto nl = text.find('\n');
  if (nl == std::string_view::npos || nl > 200) return 0;
  long long exp = 0;
  int status = 0;
  unsigned long long lens[5] = {};
  if (std::sscanf(std::string(text.substr(kMagic.size(), nl - kMagic.size())).c_str(), "%lld %d %llu %llu %llu %llu %llu", &exp,
                  &status, &lens[0], &lens[1], &lens[2], &lens[3], &lens[4]) != 7) {
    return 0;
  }
  std::size_t total = nl + 1;
  for (const auto l : lens) {
    if (l > text.size()) return 0;
    total += static_cast<std::size_t>(l);
  }
  if (total + 1 > text.size() || text[total] != '\n') return 0;
  std::size_t p = nl + 1;
  const auto take = [&](unsigned long long l) {
    std::string s(text.substr(p, static_cast<std::size_t>(l)));
    p += static_cast<std::size_t>(l);
    return s;
  };
  scope = take(lens[0]);
  a.request_digest = take(lens[1]);
  a.content_type = take(lens[2]);
  const std::string headers = take(lens[3]);
  a.body = take(lens[4]);
  a.status = status;
  a.headers.clear();
  std::size_t h = 0;
  while (h < headers.size()) {
    const auto e = headers.find('\n', h);
    const auto line = headers.substr(h, e - h);
    const auto colon = line.find(": ");
    if (colon != std::string::npos) a.headers.emplace_back(line.substr(0, colon), line.substr(colon + 2));
    h = e == std::string::npos ? headers.size() : e + 1;
  }
  expires = exp;
  return total + 1;
}

bool write_all(int fd, std::string_view s) {
  while (!s.empty()) {
    const ssize_t n = ::write(fd, s.data(), s.size());
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    s.remove_prefix(static_cast<std::size_t>(n));
  }
  return true;
}

}  // namespace

bool IdempotencyStore::valid_key(std::string_view key) {
  if (key.empty() || key.size() > 255) return false;
  for (const char c : key)
    if (c < 0x21 || c > 0x7e) return false;
  return true;
}

std::unique_ptr<IdempotencyStore> IdempotencyStore::open(const std::string& dir, std::uint32_t ttl_s, std::string& error) {
  if (!make_dirs(dir)) {
    error = "idempotency.dir: cannot create " + dir + ": " + std::strerror(errno);
    return nullptr;
  }
  std::unique_ptr<IdempotencyStore> s(new IdempotencyStore());
  s->ttl_s_ = ttl_s;
  const std::string path = dir + "/answers.log";
  const std::string tmp = dir + "/answers.log.tmp";
  // Compaction: the live records of the old file into a new one, renamed over it.
  std::string text;
  if (const int in = ::open(path.c_str(), O_RDONLY | O_CLOEXEC); in >= 0) {
    char buf[1 << 16];
    ssize_t n;
    while ((n = ::read(in, buf, sizeof buf)) > 0) text.append(buf, static_cast<std::size_t>(n));
    ::close(in);
  }
  const std::int64_t now = std::time(nullptr);
  std::string live;
  std::map<std::string, Slot> index;
  std::size_t pos = 0;
  while (pos < text.size()) {
    std::string scope;
    Answer a;
    std::int64_t expires = 0;
    const std::size_t len = decode(std::string_view(text).substr(pos), scope, a, expires);
    if (len == 0) break;  // a torn tail: the rest is dropped
    if (expires > now) {
      index[scope] = Slot{live.size(), len, expires};
      live.append(text, pos, len);
    }
    pos += len;
  }
  const int out = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0640);
  if (out < 0 || !write_all(out, live) || ::fdatasync(out) != 0 || ::close(out) != 0 || ::rename(tmp.c_str(), path.c_str()) != 0 ||
      !fsync_dir(dir)) {
    error = "idempotency.dir: cannot write " + path + ": " + std::strerror(errno);
    return nullptr;
  }
  s->fd_ = ::open(path.c_str(), O_RDWR | O_APPEND | O_CLOEXEC);
  if (s->fd_ < 0) {
    error = "idempotency.dir: cannot open " + path + ": " + std::strerror(errno);
    return nullptr;
  }
  s->end_ = live.size();
  s->index_ = std::move(index);
  return s;
}

IdempotencyStore::~IdempotencyStore() {
  if (fd_ >= 0) ::close(fd_);
}

bool IdempotencyStore::read_record(const Slot& slot, std::string& scope, Answer& out) const {
  std::string buf(static_cast<std::size_t>(slot.length), '\0');
  std::size_t got = 0;
  while (got < buf.size()) {
    const ssize_t n = ::pread(fd_, buf.data() + got, buf.size() - got, static_cast<off_t>(slot.offset + got));
    if (n <= 0) return false;
    got += static_cast<std::size_t>(n);
  }
  std::int64_t expires = 0;
  return decode(buf, scope, out, expires) == buf.size();
}

IdempotencyStore::State IdempotencyStore::begin(const std::string& scope, Answer& stored) {
  std::lock_guard lock(mutex_);
  if (in_flight_.count(scope)) return State::InFlight;
  if (const auto it = index_.find(scope); it != index_.end()) {
    std::string found;
    if (it->second.expires > std::time(nullptr) && read_record(it->second, found, stored) && found == scope) return State::Done;
    index_.erase(it);
  }
  in_flight_.insert(scope);
  return State::New;
}

bool IdempotencyStore::finish(const std::string& scope, const Answer& answer) {
  const std::int64_t expires = static_cast<std::int64_t>(std::time(nullptr)) + ttl_s_;
  const std::string rec = encode(scope, answer, expires);
  std::lock_guard lock(mutex_);
  in_flight_.erase(scope);
  if (!write_all(fd_, rec) || ::fdatasync(fd_) != 0) {
    // A partial record would hide every later one: cut it off.
    if (::ftruncate(fd_, static_cast<off_t>(end_)) != 0) {}
    return false;
  }
  index_[scope] = Slot{end_, rec.size(), expires};
  end_ += rec.size();
  return true;
}

void IdempotencyStore::abandon(const std::string& scope) {
  std::lock_guard lock(mutex_);
  in_flight_.erase(scope);
}

std::size_t IdempotencyStore::size() const {
  std::lock_guard lock(mutex_);
  return index_.size();
}

}  // namespace cg::engine
