#include "engine/server/audit.hpp"

#include "engine/clock.hpp"
#include "engine/log.hpp"
#include "engine/server/auth.hpp"

#include <fcntl.h>
#include <openssl/rand.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>

namespace cg::engine {
namespace {

const std::string kZeroHash(64, '0');
constexpr std::string_view kHashField = ",\"hash\":\"";

std::string read_all(const std::string& path, bool& ok) {
  std::ifstream in(path, std::ios::binary);
  ok = static_cast<bool>(in);
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

bool is_hex64(std::string_view s) {
  if (s.size() != 64) return false;
  for (const char c : s)
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  return true;
}

// Checks one line against the previous hash and sequence number; returns the problem or "".
std::string check_line(std::string_view line, const std::string& prev, std::uint64_t seq, std::string& hash) {
  const std::string seq_prefix = "{\"seq\":" + std::to_string(seq) + ",";
  if (line.rfind(seq_prefix, 0) != 0) return "expected record seq " + std::to_string(seq);
  if (line.size() < kHashField.size() + 66 || line.substr(line.size() - 2) != "\"}") return "the record does not end with its hash";
  const std::size_t hpos = line.size() - 2 - 64 - kHashField.size();
  if (line.substr(hpos, kHashField.size()) != kHashField) return "the record does not end with its hash";
  hash = std::string(line.substr(hpos + kHashField.size(), 64));
  const std::string_view body = line.substr(0, hpos);
  const std::string prev_field = ",\"prev\":\"" + prev + "\"";
  if (body.size() < prev_field.size() || body.substr(body.size() - prev_field.size()) != prev_field) {
    return "prev does not match the hash of the record before it (a record was removed, inserted or reordered)";
  }
  if (!is_hex64(hash) || sha256_hex(body) != hash) return "hash mismatch (the record was changed)";
  return {};
}

}  // namespace

AuditRecord::AuditRecord(std::string_view event) { str("event", event); }

AuditRecord& AuditRecord::str(std::string_view key, std::string_view value) {
  fields_ += ",\"";
  fields_ += key;
  fields_ += "\":\"";
  log::append_json_escaped(fields_, value);
  fields_ += '"';
  return *this;
}

AuditRecord& AuditRecord::num(std::string_view key, std::int64_t value) {
  fields_ += ",\"";
  fields_ += key;
  fields_ += "\":";
  fields_ += std::to_string(value);
  return *this;
}

AuditRecord& AuditRecord::list(std::string_view key, const std::vector<std::string>& values, std::size_t max) {
  fields_ += ",\"";
  fields_ += key;
  fields_ += "\":[";
  for (std::size_t i = 0; i < values.size() && i < max; ++i) {
    if (i) fields_ += ',';
    fields_ += '"';
    log::append_json_escaped(fields_, values[i]);
    fields_ += '"';
  }
  fields_ += ']';
  if (values.size() > max) num(std::string(key) + "_more", static_cast<std::int64_t>(values.size() - max));
  return *this;
}

std::unique_ptr<AuditLog> AuditLog::open(const std::string& file, const std::string& key_file, std::string& error) {
  std::unique_ptr<AuditLog> a(new AuditLog());
  bool ok = false;
  a->key_ = read_all(key_file, ok);
  if (!ok || a->key_.empty()) {
    unsigned char raw[32];
    if (RAND_bytes(raw, sizeof raw) != 1) {
      error = "audit.key_file: cannot make a random key";
      return nullptr;
    }
    a->key_ = sha256_hex(std::string_view(reinterpret_cast<const char*>(raw), sizeof raw));
    const int kfd = ::open(key_file.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    if (kfd < 0 || ::write(kfd, a->key_.data(), a->key_.size()) != static_cast<ssize_t>(a->key_.size()) || ::fsync(kfd) != 0) {
      error = "audit.key_file: cannot write " + key_file + ": " + std::strerror(errno);
      if (kfd >= 0) ::close(kfd);
      return nullptr;
    }
    ::close(kfd);
  }
  // Continue the chain: the last complete line gives seq and prev; a torn tail is cut off.
  const std::string text = read_all(file, ok);
  std::size_t torn = 0;
  std::size_t end = text.size();
  if (!text.empty() && text.back() != '\n') {
    const auto nl = text.rfind('\n');
    end = nl == std::string::npos ? 0 : nl + 1;
    torn = text.size() - end;
  }
  a->prev_ = kZeroHash;
  if (end > 0) {
    const auto start = text.rfind('\n', end - 2);
    const std::string_view last(text.data() + (start == std::string::npos ? 0 : start + 1),
                                end - 1 - (start == std::string::npos ? 0 : start + 1));
    const auto comma = last.find(',');
    if (last.rfind("{\"seq\":", 0) == 0 && comma != std::string_view::npos) {
      a->seq_ = std::strtoull(std::string(last.substr(7, comma - 7)).c_str(), nullptr, 10);
    }
    if (last.size() > 66) a->prev_ = std::string(last.substr(last.size() - 2 - 64, 64));
  }
  a->fd_ = ::open(file.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0640);
  if (a->fd_ < 0) {
    error = "audit.file: cannot open " + file + ": " + std::strerror(errno);
    return nullptr;
  }
  if (torn > 0) {
    if (::ftruncate(a->fd_, static_cast<off_t>(end)) != 0) {
      error = "audit.file: cannot cut the torn last record of " + file + ": " + std::strerror(errno);
      return nullptr;
    }
    a->append(AuditRecord("audit.torn_tail").num("bytes_cut", static_cast<std::int64_t>(torn)));
  }
  return a;
}

AuditLog::~AuditLog() {
  if (fd_ >= 0) {
    ::fsync(fd_);
    ::close(fd_);
  }
}

bool AuditLog::append(const AuditRecord& record) {
  std::lock_guard lock(mutex_);
  std::string line = "{\"seq\":" + std::to_string(seq_ + 1) + ",\"time\":\"" + utc_datetime_now() + "\"";
  line += record.fields();
  line += ",\"prev\":\"" + prev_ + "\"";
  const std::string hash = sha256_hex(line);
  line += kHashField;
  line += hash;
  line += "\"}\n";
  const ssize_t n = ::write(fd_, line.data(), line.size());
  if (n != static_cast<ssize_t>(line.size())) {
    log::Line(log::Level::Error, "audit.write_failed").str("error", n < 0 ? std::strerror(errno) : "short write");
    if (n > 0) {
      // Never leave half a record: the next line would start inside it.
      const off_t size = ::lseek(fd_, 0, SEEK_END);
      if (size >= n && ::ftruncate(fd_, size - n) != 0) return false;
    }
    return false;
  }
  ++seq_;
  prev_ = hash;
  return true;
}

std::string AuditLog::claim_hash(std::string_view claim_id) const { return hmac_sha256_hex(key_, claim_id).substr(0, 24); }

std::uint64_t AuditLog::records() const {
  std::lock_guard lock(mutex_);
  return seq_;
}

AuditVerification verify_audit_file(const std::string& file) {
  AuditVerification v;
  bool ok = false;
  const std::string text = read_all(file, ok);
  if (!ok) {
    v.error = "cannot read " + file;
    return v;
  }
  std::string prev = kZeroHash;
  std::size_t pos = 0;
  std::uint64_t line_no = 0;
  while (pos < text.size()) {
    ++line_no;
    const auto nl = text.find('\n', pos);
    if (nl == std::string::npos) {
      v.line = line_no;
      v.error = "the last record is incomplete (no line end)";
      return v;
    }
    const std::string_view line(text.data() + pos, nl - pos);
    std::string hash;
    if (std::string problem = check_line(line, prev, v.records + 1, hash); !problem.empty()) {
      v.line = line_no;
      v.error = std::move(problem);
      return v;
    }
    ++v.records;
    prev = hash;
    pos = nl + 1;
  }
  v.ok = true;
  v.head = prev;
  return v;
}

}  // namespace cg::engine
