#include "engine/delivery/receipts.hpp"

#include "engine/files.hpp"
#include "engine/log.hpp"

#include <rapidjson/document.h>

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fstream>

namespace cg::engine {
namespace {

void load(const std::string& path, std::unordered_map<std::string, Receipt>& into) {
  std::ifstream in(path);
  std::string line;
  while (std::getline(in, line)) {
    rapidjson::Document d;
    d.Parse(line.data(), line.size());
    if (d.HasParseError() || !d.IsObject()) continue;  // a torn last line
    Receipt r;
    const auto str = [&](const char* k, std::string& out) {
      const auto it = d.FindMember(k);
      if (it != d.MemberEnd() && it->value.IsString()) out.assign(it->value.GetString(), it->value.GetStringLength());
    };
    str("key", r.key);
    str("target", r.target);
    str("payer_id", r.payer_id);
    str("sender", r.sender);
    if (const auto it = d.FindMember("at_ms"); it != d.MemberEnd() && it->value.IsUint64()) r.at_ms = it->value.GetUint64();
    if (!r.key.empty()) into[r.key] = std::move(r);
  }
}

}  // namespace

std::unique_ptr<Receipts> Receipts::open(const std::string& dir, std::size_t keep, std::string& error) {
  if (!make_dirs(dir)) {
    error = "cannot create " + dir + ": " + std::strerror(errno);
    return nullptr;
  }
  std::unique_ptr<Receipts> r(new Receipts(dir, keep == 0 ? 1 : keep));
  load(dir + "/receipts.log.1", r->previous_);
  load(dir + "/receipts.log", r->current_);
  if (!r->open_current(error)) return nullptr;
  return r;
}

Receipts::~Receipts() {
  if (fd_ >= 0) ::close(fd_);
}

bool Receipts::open_current(std::string& error) {
  const std::string path = dir_ + "/receipts.log";
  fd_ = ::open(path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0640);
  if (fd_ < 0) {
    error = "cannot open " + path + ": " + std::strerror(errno);
    return false;
  }
  if (!fsync_dir(dir_)) {  // the file's name is as durable as what fdatasync writes into it
    error = "cannot fsync " + dir_ + ": " + std::strerror(errno);
    return false;
  }
  return true;
}

void Receipts::forwarded(std::vector<Receipt> rs) {
  std::lock_guard lock(mutex_);
  // Durable before the forwarder writes the entries' done records to the spool (it calls this
  // first): after a crash an entry is still pending in the spool or has its receipt, never
  // neither (GET /claims/{key} would say "unknown" of a claim the payer has). One write and
  // one fdatasync for the whole batch (and one more at each change of generation).
  std::string lines;
  const auto flush = [&] {
    if (fd_ >= 0 && !lines.empty() && (!write_all(fd_, lines.data(), lines.size()) || ::fdatasync(fd_) != 0))
      log::Line(log::Level::Error, "receipts.write_failed").str("error", std::strerror(errno));
    lines.clear();
  };
  for (auto& r : rs) {
    if (current_.size() >= keep_) {
      flush();
      // A new generation: the current file becomes the previous one.
      const std::string path = dir_ + "/receipts.log";
      if (::rename(path.c_str(), (path + ".1").c_str()) == 0) {
        ::close(fd_);
        fd_ = -1;
        previous_ = std::move(current_);
        current_.clear();
        std::string error;
        if (!open_current(error)) log::Line(log::Level::Error, "receipts.write_failed").str("error", error);
      }
    }
    lines += "{\"key\":\"";
    log::append_json_escaped(lines, r.key);
    lines += "\",\"state\":\"forwarded\",\"at_ms\":" + std::to_string(r.at_ms) + ",\"target\":\"";
    log::append_json_escaped(lines, r.target);
    lines += "\",\"payer_id\":\"";
    log::append_json_escaped(lines, r.payer_id);
    lines += "\",\"sender\":\"";
    log::append_json_escaped(lines, r.sender);
    lines += "\"}\n";
    const std::string key = r.key;
    current_[key] = std::move(r);
  }
  flush();
}

std::optional<Receipt> Receipts::find(const std::string& key) const {
  std::lock_guard lock(mutex_);
  if (const auto it = current_.find(key); it != current_.end()) return it->second;
  if (const auto it = previous_.find(key); it != previous_.end()) return it->second;
  return std::nullopt;
}

}  // namespace cg::engine
