#include "engine/delivery/spool.hpp"
#include "engine/files.hpp"

#include "engine/log.hpp"

#include <dirent.h>
#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstring>
#include <future>
#include <random>

namespace cg::engine {
namespace {

constexpr std::uint32_t kMagic = 0x314a4743;  // "CGJ1" little-endian
constexpr std::size_t kHeader = 24;
// kVoid: an appended entry whose write failed (its sender was told "not accepted"): it must
// never be forwarded, should any of it have reached the disk. kAttempt: the failed attempts of
// an entry so far (payload u32), so that they count across restarts.
constexpr std::uint8_t kEntry = 1, kDone = 2, kDead = 3, kVoid = 4, kAttempt = 5;
constexpr std::uint32_t kMaxPayload = 1u << 30;

const std::array<std::uint32_t, 256>& crc_table() {
  static const std::array<std::uint32_t, 256> table = [] {
    std::array<std::uint32_t, 256> t{};
    for (std::uint32_t i = 0; i < 256; ++i) {
      std::uint32_t c = i;
      for (int k = 0; k < 8; ++k) c = (c & 1) ? 0xEDB88320u ^ (c >> 1) : c >> 1;
      t[i] = c;
    }
    return t;
  }();
  return table;
}

std::uint32_t crc32(std::uint32_t crc, const char* p, std::size_t n) {
  const auto& t = crc_table();
  crc = ~crc;
  for (std::size_t i = 0; i < n; ++i) crc = t[(crc ^ static_cast<unsigned char>(p[i])) & 0xff] ^ (crc >> 8);
  return ~crc;
}

template <class T>
void put(std::string& out, T v) {
  char b[sizeof(T)];
  std::memcpy(b, &v, sizeof(T));
  out.append(b, sizeof(T));
}

template <class T>
bool get(const char*& p, const char* end, T& v) {
  if (static_cast<std::size_t>(end - p) < sizeof(T)) return false;
  std::memcpy(&v, p, sizeof(T));
  p += sizeof(T);
  return true;
}

void put_str(std::string& out, const std::string& s) {
  put<std::uint32_t>(out, static_cast<std::uint32_t>(s.size()));
  out += s;
}

bool get_str(const char*& p, const char* end, std::string& s) {
  std::uint32_t n = 0;
  if (!get(p, end, n) || static_cast<std::size_t>(end - p) < n) return false;
  s.assign(p, n);
  p += n;
  return true;
}

// Appends one record; returns the offset of its payload within `out`.
std::size_t put_record(std::string& out, std::uint8_t type, std::uint64_t seq, const std::string& payload) {
  const std::size_t start = out.size();
  put<std::uint32_t>(out, kMagic);
  out += static_cast<char>(type);
  out.append(3, '\0');
  put<std::uint32_t>(out, static_cast<std::uint32_t>(payload.size()));
  std::uint32_t crc = crc32(0, reinterpret_cast<const char*>(&type), 1);
  crc = crc32(crc, reinterpret_cast<const char*>(&seq), sizeof seq);
  crc = crc32(crc, payload.data(), payload.size());
  put<std::uint32_t>(out, crc);
  put<std::uint64_t>(out, seq);
  out += payload;
  return start + kHeader;
}

std::string encode_entry(const SpoolItem& it, std::uint64_t accepted_ms) {
  std::string p;
  p.reserve(it.body.size() + 128);
  put_str(p, it.key);
  put_str(p, it.payer_id);
  put_str(p, it.content_type);
  put_str(p, it.sender);
  put<std::uint64_t>(p, accepted_ms);
  put<std::uint32_t>(p, static_cast<std::uint32_t>(it.claim_ids.size()));
  for (const auto& c : it.claim_ids) put_str(p, c);
  put_str(p, it.body);
  return p;
}

bool decode_entry(const char* p, const char* end, SpoolEntry& e) {
  std::uint32_t n = 0;
  if (!get_str(p, end, e.item.key) || !get_str(p, end, e.item.payer_id) || !get_str(p, end, e.item.content_type) ||
      !get_str(p, end, e.item.sender) || !get(p, end, e.accepted_ms) || !get(p, end, n) || n > 10'000'000) {
    return false;
  }
  e.item.claim_ids.resize(n);
  for (auto& c : e.item.claim_ids)
    if (!get_str(p, end, c)) return false;
  return get_str(p, end, e.item.body) && p == end;
}

// The fields of an entry payload before its claim ids and body, without decoding those.
bool entry_head(const char* p, const char* end, SpoolItem& item, std::uint64_t& accepted_ms) {
  return get_str(p, end, item.key) && get_str(p, end, item.payer_id) && get_str(p, end, item.content_type) &&
         get_str(p, end, item.sender) && get(p, end, accepted_ms);
}

bool pread_all(int fd, char* p, std::size_t n, std::uint64_t off) {
  while (n > 0) {
    const ssize_t r = ::pread(fd, p, n, static_cast<off_t>(off));
    if (r < 0 && errno == EINTR) continue;
    if (r <= 0) return false;
    p += r;
    n -= static_cast<std::size_t>(r);
    off += static_cast<std::uint64_t>(r);
  }
  return true;
}

std::uint64_t unix_ms() {
  return static_cast<std::uint64_t>(
      std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch()).count());
}

std::int64_t steady_ns(std::chrono::steady_clock::time_point t) {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(t.time_since_epoch()).count();
}

}  // namespace

Spool::Spool(SpoolOptions options) : options_(std::move(options)) {}

std::string Spool::segment_path(std::uint64_t first) const {
  char name[48];
  std::snprintf(name, sizeof name, "/journal-%020llu.log", static_cast<unsigned long long>(first));
  return options_.dir + name;
}

std::unique_ptr<Spool> Spool::open(const SpoolOptions& options, std::string& error) {
  std::unique_ptr<Spool> s(new Spool(options));
  if (!make_dirs(options.dir)) {
    error = "cannot create the spool directory " + options.dir + ": " + std::strerror(errno);
    return nullptr;
  }
  const std::string lock_path = options.dir + "/LOCK";
  s->lock_fd_ = ::open(lock_path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0640);
  if (s->lock_fd_ < 0) {
    error = "cannot open " + lock_path + ": " + std::strerror(errno);
    return nullptr;
  }
  if (::flock(s->lock_fd_, LOCK_EX | LOCK_NB) != 0) {
    error = "the spool " + options.dir + " is in use by another claimgate process";
    return nullptr;
  }
  // The instance id prefixes idempotency keys, so keys stay unique across gateways.
  const std::string inst_path = options.dir + "/instance";
  if (FILE* f = std::fopen(inst_path.c_str(), "rb")) {
    char buf[64] = {};
    const std::size_t n = std::fread(buf, 1, sizeof buf - 1, f);
    std::fclose(f);
    s->instance_.assign(buf, n);
    while (!s->instance_.empty() && (s->instance_.back() == '\n' || s->instance_.back() == ' ')) s->instance_.pop_back();
  }
  if (s->instance_.empty() || s->instance_.find_first_not_of("0123456789abcdef") != std::string::npos) {
    std::random_device rd;
    char buf[24];
    std::snprintf(buf, sizeof buf, "%08x%08x", rd(), rd());
    s->instance_ = buf;
    const std::string tmp = inst_path + ".tmp";
    const int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0640);
    const std::string line = s->instance_ + "\n";
    if (fd < 0 || !write_all(fd, line.data(), line.size()) || !sync_file(fd) || ::close(fd) != 0 ||
        ::rename(tmp.c_str(), inst_path.c_str()) != 0 || !fsync_dir(options.dir)) {
      error = "cannot write " + inst_path + ": " + std::strerror(errno);
      return nullptr;
    }
  }
  if (std::string err = s->recover(); !err.empty()) {
    error = err;
    return nullptr;
  }
  s->writer_ = std::thread([p = s.get()] { p->writer_loop(); });
  return s;
}

std::string Spool::recover() {
  std::vector<std::uint64_t> firsts;
  if (DIR* d = ::opendir(options_.dir.c_str())) {
    while (dirent* de = ::readdir(d)) {
      unsigned long long first = 0;
      char tail[8] = {};
      if (std::strlen(de->d_name) == 32 && std::sscanf(de->d_name, "journal-%20llu.%3s", &first, tail) == 2 &&
          std::strcmp(tail, "log") == 0) {
        firsts.push_back(first);
      }
    }
    ::closedir(d);
  } else {
    return "cannot list the spool directory " + options_.dir + ": " + std::strerror(errno);
  }
  std::sort(firsts.begin(), firsts.end());
  std::uint64_t max_seq = 0;
  std::uint64_t torn = 0;
  const auto now = std::chrono::steady_clock::now();
  for (const std::uint64_t first : firsts) {
    const std::string path = segment_path(first);
    const int fd = ::open(path.c_str(), O_RDWR | O_CLOEXEC);
    if (fd < 0) return "cannot open " + path + ": " + std::strerror(errno);
    struct stat st{};
    if (::fstat(fd, &st) != 0) {
      ::close(fd);
      return "cannot stat " + path;
    }
    const auto file_size = static_cast<std::uint64_t>(st.st_size);
    Segment seg;
    seg.fd = fd;
    std::uint64_t off = 0;
    std::string payload;
    while (off + kHeader <= file_size) {
      char h[kHeader];
      if (!pread_all(fd, h, kHeader, off)) break;
      const char* p = h;
      const char* end = h + kHeader;
      std::uint32_t magic = 0, len = 0, crc = 0;
      std::uint64_t seq = 0;
      get(p, end, magic);
      const auto type = static_cast<std::uint8_t>(*p);
      p += 4;
      get(p, end, len);
      get(p, end, crc);
      get(p, end, seq);
      if (magic != kMagic || len > kMaxPayload || off + kHeader + len > file_size || type < kEntry || type > kAttempt) break;
      payload.resize(len);
      if (len && !pread_all(fd, payload.data(), len, off + kHeader)) break;
      std::uint32_t c = crc32(0, reinterpret_cast<const char*>(&type), 1);
      c = crc32(c, reinterpret_cast<const char*>(&seq), sizeof seq);
      c = crc32(c, payload.data(), payload.size());
      if (c != crc) break;
      if (type == kEntry) {
        Loc loc;
        loc.segment = first;
        loc.offset = off + kHeader;
        loc.length = len;
        loc.due = now;
        SpoolItem head;
        if (!entry_head(payload.data(), payload.data() + payload.size(), head, loc.accepted_ms)) loc.accepted_ms = 0;
        loc.key = std::move(head.key);
        if (index_.emplace(seq, loc).second) {
          if (!loc.key.empty()) by_key_[loc.key] = seq;
          ++seg.live;
          pending_bytes_ += len;
        }
        max_seq = std::max(max_seq, seq);
      } else if (type == kAttempt) {
        const auto it = index_.find(seq);
        std::uint32_t attempts = 0;
        const char* ap = payload.data();
        if (it != index_.end() && get(ap, payload.data() + payload.size(), attempts))
          it->second.attempts = std::max(it->second.attempts, attempts);
      } else {
        const auto it = index_.find(seq);
        if (it != index_.end()) {
          auto sit = segments_.find(it->second.segment);
          if (sit != segments_.end()) --sit->second.live;
          else if (it->second.segment == first) --seg.live;
          pending_bytes_ -= it->second.length;
          forget_key_locked(it->second.key, seq);
          index_.erase(it);
        }
      }
      off += kHeader + len;
    }
    if (off < file_size) {
      // A torn tail (the process died inside a write): nothing after it was ever acknowledged.
      torn += file_size - off;
      if (::ftruncate(fd, static_cast<off_t>(off)) != 0 || !sync_file(fd)) {
        ::close(fd);
        return "cannot truncate the torn tail of " + path + ": " + std::strerror(errno);
      }
    }
    seg.size = off;
    segments_[first] = seg;
    max_seq = std::max(max_seq, first > 0 ? first - 1 : 0);
  }
  next_seq_ = max_seq + 1;
  for (const auto& [seq, loc] : index_) ready_.emplace(steady_ns(loc.due), seq);
  if (torn > 0) log::Line(log::Level::Warn, "spool.torn_tail").num("bytes", static_cast<std::int64_t>(torn));
  log::Line(log::Level::Info, "spool.recovered")
      .str("dir", options_.dir)
      .num("pending_entries", static_cast<std::int64_t>(index_.size()))
      .num("pending_bytes", static_cast<std::int64_t>(pending_bytes_))
      .num("segments", static_cast<std::int64_t>(segments_.size()));
  // Always append to a fresh segment (or the last one when it is still empty).
  if (segments_.empty() || segments_.rbegin()->second.size > 0) {
    std::string err;
    if (!open_segment(next_seq_, err)) return err;
  }
  drop_drained_segments_locked();
  return {};
}

bool Spool::open_segment(std::uint64_t first_seq, std::string& error) {
  const std::string path = segment_path(first_seq);
  const int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_APPEND | O_CLOEXEC, 0640);
  if (fd < 0) {
    error = "cannot create " + path + ": " + std::strerror(errno);
    return false;
  }
  if (!fsync_dir(options_.dir)) {
    ::close(fd);
    error = "cannot fsync the spool directory " + options_.dir + ": " + std::strerror(errno);
    return false;
  }
  struct stat st{};
  Segment seg;
  seg.fd = fd;
  seg.size = ::fstat(fd, &st) == 0 ? static_cast<std::uint64_t>(st.st_size) : 0;
  segments_[first_seq] = seg;
  return true;
}

void Spool::drop_drained_segments_locked() {
  // Oldest first and never the active one: a done record may live in a later segment than its
  // entry, so deleting a later segment first could resurrect a forwarded entry.
  while (segments_.size() > 1 && segments_.begin()->second.live == 0) {
    const auto it = segments_.begin();
    ::close(it->second.fd);
    ::unlink(segment_path(it->first).c_str());
    segments_.erase(it);
  }
}

Spool::~Spool() {
  close();
  if (lock_fd_ >= 0) ::close(lock_fd_);
}

void Spool::close() {
  {
    std::lock_guard lock(mutex_);
    if (closed_) return;
    closed_ = true;
    stopping_ = true;
    takers_stopped_ = true;
  }
  writer_cv_.notify_all();
  ready_cv_.notify_all();
  if (writer_.joinable()) writer_.join();
  std::lock_guard lock(mutex_);
  // Done/dead records of forwards that finished after the writer stopped, and whatever an
  // outage left unwritten: one last try, fsynced.
  if (!gone_records_.empty()) {
    if (!healthy_) (void)reopen_locked();
    bool ok = healthy_ && write_all(segments_.rbegin()->second.fd, gone_records_.data(), gone_records_.size());
    if (ok && options_.fsync) ok = sync_data(segments_.rbegin()->second.fd);
    if (!ok) {
      // Not silent: a lost done record makes the next start forward that entry again (same
      // idempotency key); a lost void record can resurrect a refused entry only if its bytes
      // survived the cut after the failed write.
      log::Line(log::Level::Error, "spool.records_unwritten")
          .num("bytes", static_cast<std::int64_t>(gone_records_.size()))
          .str("error", std::strerror(errno));
    }
    gone_records_.clear();
  }
  for (auto& [first, seg] : segments_) {
    if (seg.fd >= 0) {
      if (options_.fsync) (void)sync_data(seg.fd);
      ::close(seg.fd);
      seg.fd = -1;
    }
  }
}

bool Spool::reopen_locked() {
  // After a failed write the active segment may hold a cut-off record: appends continue in a
  // fresh segment (its name takes a sequence number of its own, so it is always new).
  std::string err;
  if (!open_segment(next_seq_++, err)) {
    retry_at_ = std::chrono::steady_clock::now() + options_.retry_interval;
    return false;
  }
  healthy_ = true;
  return true;
}

void Spool::append(std::vector<SpoolItem> items, AppendCallback done) {
  Batch b;
  const std::uint64_t now_ms = unix_ms();
  {
    std::lock_guard lock(mutex_);
    if (!healthy_ || stopping_) {
      done(false, {});
      return;
    }
    for (auto& it : items) {
      const std::uint64_t seq = next_seq_++;
      if (it.key.empty()) it.key = instance_ + "-" + std::to_string(seq);
      const std::string payload = encode_entry(it, now_ms);
      b.payload_offsets.push_back(put_record(b.bytes, kEntry, seq, payload));
      b.entries.emplace_back(seq, static_cast<std::uint32_t>(payload.size()));
      b.keys.push_back(it.key);
    }
    b.done = std::move(done);
    queue_.push_back(std::move(b));
  }
  writer_cv_.notify_one();
}

std::vector<std::string> Spool::append_wait(std::vector<SpoolItem> items) {
  std::promise<std::vector<std::string>> p;
  auto f = p.get_future();
  append(std::move(items), [&p](bool ok, const std::vector<std::string>& keys) {
    p.set_value(ok ? keys : std::vector<std::string>{});
  });
  return f.get();
}

void Spool::writer_loop() {
  for (;;) {
    std::vector<Batch> batches;
    std::string gone;
    std::uint64_t first_new_seq = 0;
    Segment* active = nullptr;
    std::uint64_t active_first = 0;
    bool ok = false;
    bool recovering = false;
    {
      std::unique_lock lock(mutex_);
      const auto work = [&] { return stopping_ || !queue_.empty() || (healthy_ && !gone_records_.empty()); };
      if (healthy_) writer_cv_.wait(lock, work);
      else writer_cv_.wait_until(lock, retry_at_, work);
      // Stopping: close() makes the last attempt for records an outage left behind.
      if (stopping_ && queue_.empty() && (gone_records_.empty() || !healthy_)) return;
      batches.swap(queue_);
      gone.swap(gone_records_);
      if (!healthy_) {
        // After a failure: try again (a fresh segment, then this write) once the retry
        // interval has passed; until then appends are refused without touching the disk.
        if (std::chrono::steady_clock::now() >= retry_at_ && reopen_locked()) {
          recovering = true;
        } else {
          gone_records_.insert(0, gone);
          std::vector<AppendCallback> refused;
          for (auto& b : batches) refused.push_back(std::move(b.done));
          lock.unlock();
          for (auto& cb : refused) cb(false, {});
          continue;
        }
      }
      std::uint64_t bytes = gone.size();
      for (const auto& b : batches) bytes += b.bytes.size();
      if (!batches.empty()) first_new_seq = batches.front().entries.front().first;
      auto& cur = segments_.rbegin()->second;
      if (cur.size > 0 && cur.size + bytes > options_.segment_bytes && first_new_seq != 0) {
        std::string err;
        if (options_.fsync) (void)sync_data(cur.fd);
        if (!open_segment(first_new_seq, err)) log::Line(log::Level::Error, "spool.segment_failed").str("error", err);
      }
      active_first = segments_.rbegin()->first;
      active = &segments_.rbegin()->second;
    }
    // The write and the fsync run without the lock: requests keep queueing the next batch.
    // Void records (in `gone`) are fsynced too: they stand for answers already given.
    std::string all;
    std::vector<std::uint64_t> base_offsets;
    std::size_t total = gone.size();
    for (const auto& b : batches) total += b.bytes.size();
    all.reserve(total);
    all += gone;
    for (const auto& b : batches) {
      base_offsets.push_back(active->size + all.size());
      all += b.bytes;
    }
    ok = write_all(active->fd, all.data(), all.size());
    std::uint64_t sync_ns = 0;
    if (ok && options_.fsync && (!batches.empty() || recovering)) {
      const auto t0 = std::chrono::steady_clock::now();
      ok = sync_data(active->fd);
      sync_ns = static_cast<std::uint64_t>(std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::steady_clock::now() - t0).count());
    }
    const int write_errno = ok ? 0 : errno;
    std::vector<std::pair<AppendCallback, std::vector<std::string>>> callbacks;
    {
      std::lock_guard lock(mutex_);
      if (!ok) {
        if (healthy_) log::Line(log::Level::Error, "spool.write_failed").str("error", std::strerror(write_errno));
        healthy_ = false;
        ++write_failures_;
        retry_at_ = std::chrono::steady_clock::now() + options_.retry_interval;
        // Cut off whatever part of the write reached the file, so that nothing its senders are
        // told was not accepted can come back at the next start; void records say the same
        // once the journal can be written again. The done/dead/attempt records wait for that.
        if (::ftruncate(active->fd, static_cast<off_t>(active->size)) == 0 && options_.fsync) (void)sync_data(active->fd);
        std::string keep = std::move(gone);
        for (const auto& b : batches)
          for (const auto& [seq, len] : b.entries) put_record(keep, kVoid, seq, std::string());
        gone_records_.insert(0, keep);
      } else {
        if (recovering) log::Line(log::Level::Warn, "spool.write_recovered").num("failures", static_cast<std::int64_t>(write_failures_));
        active->size += all.size();
        if (!batches.empty()) ++fsyncs_;
        fsync_ns_ += sync_ns;
        const auto now = std::chrono::steady_clock::now();
        const std::uint64_t now_ms = unix_ms();
        for (std::size_t bi = 0; bi < batches.size(); ++bi) {
          const Batch& b = batches[bi];
          for (std::size_t i = 0; i < b.entries.size(); ++i) {
            Loc loc;
            loc.segment = active_first;
            loc.offset = base_offsets[bi] + b.payload_offsets[i];
            loc.length = b.entries[i].second;
            loc.due = now;
            loc.accepted_ms = now_ms;
            loc.key = b.keys[i];
            by_key_[loc.key] = b.entries[i].first;
            index_.emplace(b.entries[i].first, loc);
            ++active->live;
            pending_bytes_ += loc.length;
            ready_.emplace(steady_ns(now), b.entries[i].first);
            ++appended_;
          }
        }
        drop_drained_segments_locked();
      }
      for (auto& b : batches) callbacks.emplace_back(std::move(b.done), ok ? std::move(b.keys) : std::vector<std::string>{});
    }
    if (ok && !batches.empty()) ready_cv_.notify_all();
    for (auto& [cb, keys] : callbacks) cb(ok, keys);
  }
}

bool Spool::over_limit() const {
  std::lock_guard lock(mutex_);
  return pending_bytes_ > options_.max_pending_bytes;
}

SpoolStats Spool::stats() const {
  std::lock_guard lock(mutex_);
  SpoolStats s;
  s.pending_entries = index_.size();
  s.pending_bytes = pending_bytes_;
  s.in_flight = in_flight_;
  s.appended = appended_;
  s.fsyncs = fsyncs_;
  s.fsync_ns = fsync_ns_;
  s.segments = segments_.size();
  s.healthy = healthy_;
  s.write_failures = write_failures_;
  s.unwritten_record_bytes = gone_records_.size();
  for (const auto& [seq, loc] : index_) {
    if (loc.attempts == 0) continue;
    ++s.retrying;
    if (s.oldest_retrying_ms == 0 || (loc.accepted_ms != 0 && loc.accepted_ms < s.oldest_retrying_ms))
      s.oldest_retrying_ms = loc.accepted_ms;
  }
  return s;
}

std::optional<SpoolEntry> Spool::take(std::chrono::milliseconds wait) {
  const auto deadline = std::chrono::steady_clock::now() + wait;
  std::unique_lock lock(mutex_);
  for (;;) {
    if (takers_stopped_) return std::nullopt;
    const auto now = std::chrono::steady_clock::now();
    if (!ready_.empty() && ready_.begin()->first <= steady_ns(now)) break;
    if (now >= deadline) return std::nullopt;
    auto until = deadline;
    if (!ready_.empty()) {
      const auto due = std::chrono::steady_clock::time_point(std::chrono::nanoseconds(ready_.begin()->first));
      if (due < until) until = due;
    }
    ready_cv_.wait_until(lock, until);
  }
  const std::uint64_t seq = ready_.begin()->second;
  ready_.erase(ready_.begin());
  Loc& loc = index_.at(seq);
  loc.in_flight = true;
  ++in_flight_;
  const int fd = segments_.at(loc.segment).fd;
  const Loc copy = loc;
  lock.unlock();
  // The segment stays open: it holds this live entry.
  std::string payload(copy.length, '\0');
  SpoolEntry e;
  e.seq = seq;
  e.attempts = copy.attempts;
  if (!pread_all(fd, payload.data(), payload.size(), copy.offset) ||
      !decode_entry(payload.data(), payload.data() + payload.size(), e)) {
    log::Line(log::Level::Error, "spool.unreadable_entry").num("seq", static_cast<std::int64_t>(seq));
    e.item.body.clear();
    e.item.key = instance_ + "-" + std::to_string(seq);
    e.item.content_type = "application/octet-stream";
    e.attempts = ~0u;  // the forwarder dead-letters it
  }
  return e;
}

void Spool::mark_gone(std::uint64_t seq, std::uint8_t type) {
  {
    std::lock_guard lock(mutex_);
    const auto it = index_.find(seq);
    if (it == index_.end()) return;
    if (it->second.in_flight) --in_flight_;
    ready_.erase({steady_ns(it->second.due), seq});
    const auto sit = segments_.find(it->second.segment);
    if (sit != segments_.end() && sit->second.live > 0) --sit->second.live;
    pending_bytes_ -= it->second.length;
    forget_key_locked(it->second.key, seq);
    index_.erase(it);
    put_record(gone_records_, type, seq, std::string());
  }
  writer_cv_.notify_one();
}

void Spool::forget_key_locked(const std::string& key, std::uint64_t seq) {
  const auto it = by_key_.find(key);
  if (it != by_key_.end() && it->second == seq) by_key_.erase(it);
}

std::optional<SpoolPending> Spool::find(const std::string& key) const {
  std::unique_lock lock(mutex_);
  const auto k = by_key_.find(key);
  if (k == by_key_.end()) return std::nullopt;
  const auto it = index_.find(k->second);
  if (it == index_.end()) return std::nullopt;
  SpoolPending p;
  p.seq = k->second;
  p.accepted_ms = it->second.accepted_ms;
  p.attempts = it->second.attempts;
  p.in_flight = it->second.in_flight;
  const auto sit = segments_.find(it->second.segment);
  if (sit == segments_.end()) return p;
  // Only the head of the entry: its fields come before the claim ids and the body.
  std::string head(std::min<std::uint32_t>(it->second.length, 4096), '\0');
  if (pread_all(sit->second.fd, head.data(), head.size(), it->second.offset)) {
    SpoolItem item;
    std::uint64_t ms = 0;
    if (entry_head(head.data(), head.data() + head.size(), item, ms)) {
      p.payer_id = std::move(item.payer_id);
      p.sender = std::move(item.sender);
    }
  }
  return p;
}

void Spool::done(std::uint64_t seq) { mark_gone(seq, kDone); }
void Spool::dead(std::uint64_t seq) { mark_gone(seq, kDead); }

void Spool::retry_at(std::uint64_t seq, std::chrono::steady_clock::time_point when, bool count_attempt) {
  {
    std::lock_guard lock(mutex_);
    const auto it = index_.find(seq);
    if (it == index_.end()) return;
    if (it->second.in_flight) {
      it->second.in_flight = false;
      --in_flight_;
    }
    it->second.due = when;
    ready_.emplace(steady_ns(when), seq);
    if (count_attempt) {
      // Journaled with the next write (no fsync of its own): after a crash an entry may
      // count a few attempts less, never more.
      std::string payload;
      put<std::uint32_t>(payload, ++it->second.attempts);
      put_record(gone_records_, kAttempt, seq, payload);
    }
  }
  ready_cv_.notify_one();
  if (count_attempt) writer_cv_.notify_one();
}

void Spool::wake_all() {
  {
    std::lock_guard lock(mutex_);
    takers_stopped_ = true;
  }
  ready_cv_.notify_all();
}

}  // namespace cg::engine
