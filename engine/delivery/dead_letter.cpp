#include "engine/delivery/dead_letter.hpp"
#include "engine/files.hpp"

#include "engine/log.hpp"

#include <rapidjson/document.h>

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <fstream>
#include <sstream>

namespace cg::engine {
namespace {

bool read_file(const std::string& path, std::string& out) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return false;
  std::ostringstream ss;
  ss << in.rdbuf();
  out = ss.str();
  return true;
}

void json_str(std::string& out, std::string_view key, std::string_view value) {
  out += '"';
  out += key;
  out += "\":\"";
  log::append_json_escaped(out, value);
  out += "\",";
}

void json_num(std::string& out, std::string_view key, std::uint64_t value) {
  out += '"';
  out += key;
  out += "\":";
  out += std::to_string(value);
  out += ',';
}

std::string letter_json(const DeadLetter& d) {
  std::string j = "{";
  json_str(j, "key", d.key);
  json_num(j, "seq", d.seq);
  json_str(j, "payer_id", d.payer_id);
  json_str(j, "content_type", d.content_type);
  json_str(j, "sender", d.sender);
  j += "\"claim_ids\":[";
  for (std::size_t i = 0; i < d.claim_ids.size(); ++i) {
    if (i) j += ',';
    j += '"';
    log::append_json_escaped(j, d.claim_ids[i]);
    j += '"';
  }
  j += "],";
  json_str(j, "target", d.target);
  json_num(j, "attempts", d.attempts);
  json_str(j, "reason", d.reason);
  json_num(j, "accepted_ms", d.accepted_ms);
  json_num(j, "dead_ms", d.dead_ms);
  json_num(j, "body_bytes", d.body_bytes);
  j.back() = '}';
  return j;
}

bool safe_key(const std::string& key) {
  return !key.empty() && key.size() < 200 &&
         key.find_first_not_of("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_.") == std::string::npos &&
         key[0] != '.';
}

bool parse_letter(const std::string& text, DeadLetter& d) {
  rapidjson::Document doc;
  doc.Parse(text.data(), text.size());
  if (doc.HasParseError() || !doc.IsObject()) return false;
  auto str = [&](const char* k, std::string& out) {
    const auto it = doc.FindMember(k);
    if (it != doc.MemberEnd() && it->value.IsString()) out.assign(it->value.GetString(), it->value.GetStringLength());
  };
  auto num = [&](const char* k, auto& out) {
    const auto it = doc.FindMember(k);
    if (it != doc.MemberEnd() && it->value.IsUint64()) out = static_cast<std::remove_reference_t<decltype(out)>>(it->value.GetUint64());
  };
  str("key", d.key);
  str("payer_id", d.payer_id);
  str("content_type", d.content_type);
  str("sender", d.sender);
  str("target", d.target);
  str("reason", d.reason);
  num("seq", d.seq);
  num("attempts", d.attempts);
  num("accepted_ms", d.accepted_ms);
  num("dead_ms", d.dead_ms);
  num("body_bytes", d.body_bytes);
  const auto ids = doc.FindMember("claim_ids");
  if (ids != doc.MemberEnd() && ids->value.IsArray()) {
    for (const auto& v : ids->value.GetArray())
      if (v.IsString()) d.claim_ids.emplace_back(v.GetString(), v.GetStringLength());
  }
  return safe_key(d.key);
}

}  // namespace

bool write_file_durable(const std::string& dir, const std::string& name, std::string_view content, std::string& error) {
  if (!make_dirs(dir)) {
    error = "cannot create " + dir + ": " + std::strerror(errno);
    return false;
  }
  const std::string tmp = dir + "/." + name + ".tmp";
  const std::string final_path = dir + "/" + name;
  const int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0640);
  if (fd < 0) {
    error = "cannot create " + tmp + ": " + std::strerror(errno);
    return false;
  }
  const char* p = content.data();
  std::size_t n = content.size();
  bool ok = true;
  while (n > 0 && ok) {
    const ssize_t w = ::write(fd, p, n);
    if (w < 0 && errno == EINTR) continue;
    if (w < 0) {
      ok = false;
      break;
    }
    p += w;
    n -= static_cast<std::size_t>(w);
  }
  ok = ok && ::fsync(fd) == 0;
  ok = (::close(fd) == 0) && ok;
  if (!ok || ::rename(tmp.c_str(), final_path.c_str()) != 0) {
    error = "cannot write " + final_path + ": " + std::strerror(errno);
    ::unlink(tmp.c_str());
    return false;
  }
  (void)fsync_dir(dir);  // best effort: the entry is already written and renamed
  return true;
}

bool write_files_durable(const std::string& dir, const std::vector<std::pair<std::string, std::string_view>>& files,
                         std::string& error) {
  if (files.size() == 1) return write_file_durable(dir, files[0].first, files[0].second, error);
  if (!make_dirs(dir)) {
    error = "cannot create " + dir + ": " + std::strerror(errno);
    return false;
  }
  std::vector<std::string> temps;
  bool ok = true;
  for (const auto& [name, content] : files) {
    temps.push_back(dir + "/." + name + ".tmp");
    const int fd = ::open(temps.back().c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0640);
    if (fd < 0) {
      error = "cannot create " + temps.back() + ": " + std::strerror(errno);
      ok = false;
      break;
    }
    const char* p = content.data();
    std::size_t n = content.size();
    while (n > 0 && ok) {
      const ssize_t w = ::write(fd, p, n);
      if (w < 0 && errno == EINTR) continue;
      if (w < 0) {
        error = "cannot write " + temps.back() + ": " + std::strerror(errno);
        ok = false;
        break;
      }
      p += w;
      n -= static_cast<std::size_t>(w);
    }
    if (ok && ::fdatasync(fd) != 0) {
      error = "cannot fsync " + temps.back() + ": " + std::strerror(errno);
      ok = false;
    }
    if (::close(fd) != 0 && ok) {
      error = "cannot write " + temps.back() + ": " + std::strerror(errno);
      ok = false;
    }
    if (!ok) break;
  }
  const int dfd = ok ? ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC) : -1;
  if (ok && dfd < 0) {
    error = "cannot open " + dir + ": " + std::strerror(errno);
    ok = false;
  }
  for (std::size_t i = 0; ok && i < files.size(); ++i) {
    if (::rename(temps[i].c_str(), (dir + "/" + files[i].first).c_str()) != 0) {
      error = "cannot rename " + temps[i] + ": " + std::strerror(errno);
      ok = false;
    }
  }
  if (ok && ::fsync(dfd) != 0) {
    error = "cannot fsync " + dir + ": " + std::strerror(errno);
    ok = false;
  }
  if (dfd >= 0) ::close(dfd);
  if (!ok)
    for (const auto& t : temps) ::unlink(t.c_str());
  return ok;
}

bool write_dead_letter(const std::string& dir, const SpoolEntry& e, const std::string& target, const std::string& reason,
                       std::string& error) {
  DeadLetter d;
  d.key = safe_key(e.item.key) ? e.item.key : "entry-" + std::to_string(e.seq);
  d.seq = e.seq;
  d.payer_id = e.item.payer_id;
  d.content_type = e.item.content_type;
  d.sender = e.item.sender;
  d.claim_ids = e.item.claim_ids;
  d.target = target;
  d.attempts = e.attempts;
  d.reason = reason;
  d.accepted_ms = e.accepted_ms;
  d.dead_ms = static_cast<std::uint64_t>(
      std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch()).count());
  d.body_bytes = e.item.body.size();
  return write_file_durable(dir, d.key + ".body", e.item.body, error) &&
         write_file_durable(dir, d.key + ".json", letter_json(d) + "\n", error);
}

std::vector<DeadLetter> list_dead_letters(const std::string& dir, std::string& error) {
  std::vector<DeadLetter> out;
  DIR* d = ::opendir(dir.c_str());
  if (!d) {
    if (errno != ENOENT) error = "cannot list " + dir + ": " + std::strerror(errno);
    return out;
  }
  while (dirent* de = ::readdir(d)) {
    const std::string name = de->d_name;
    if (name.size() <= 5 || name[0] == '.' || name.compare(name.size() - 5, 5, ".json") != 0) continue;
    std::string text;
    DeadLetter letter;
    if (!read_file(dir + "/" + name, text) || !parse_letter(text, letter)) {
      error += (error.empty() ? "unreadable: " : ", ") + name;
      continue;
    }
    out.push_back(std::move(letter));
  }
  ::closedir(d);
  std::sort(out.begin(), out.end(), [](const DeadLetter& a, const DeadLetter& b) {
    return a.dead_ms != b.dead_ms ? a.dead_ms < b.dead_ms : a.key < b.key;
  });
  return out;
}

std::size_t replay_dead_letters(const std::string& dir, Spool& spool, const std::string& key, std::string& error) {
  std::vector<DeadLetter> letters = list_dead_letters(dir, error);
  std::size_t replayed = 0;
  for (const DeadLetter& d : letters) {
    if (!key.empty() && d.key != key) continue;
    SpoolItem item;
    if (!read_file(dir + "/" + d.key + ".body", item.body)) {
      error += (error.empty() ? "" : "; ") + std::string("cannot read ") + d.key + ".body";
      continue;
    }
    item.key = d.key;
    item.payer_id = d.payer_id;
    item.content_type = d.content_type;
    item.sender = d.sender;
    item.claim_ids = d.claim_ids;
    std::vector<SpoolItem> items;
    items.push_back(std::move(item));
    if (spool.append_wait(std::move(items)).empty()) {
      error += (error.empty() ? "" : "; ") + std::string("the spool refused ") + d.key;
      break;
    }
    ::unlink((dir + "/" + d.key + ".json").c_str());
    ::unlink((dir + "/" + d.key + ".body").c_str());
    ++replayed;
    log::Line(log::Level::Info, "dead_letter.replayed").str("key", d.key).list("claim_ids", d.claim_ids);
  }
  if (!key.empty() && replayed == 0 && error.empty()) error = "no dead letter with key " + key;
  return replayed;
}

std::string dead_letters_json(const std::vector<DeadLetter>& letters) {
  std::string j = "{\"dead_letters\":[";
  for (std::size_t i = 0; i < letters.size(); ++i) {
    if (i) j += ',';
    j += letter_json(letters[i]);
  }
  j += "],\"count\":" + std::to_string(letters.size()) + "}\n";
  return j;
}

}  // namespace cg::engine
