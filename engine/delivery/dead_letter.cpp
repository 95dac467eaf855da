#include "engine/delivery/dead_letter.hpp"
#include "engine/clock.hpp"
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
#include <mutex>
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
  json_str(j, "accepted_at", utc_iso_from_ms(d.accepted_ms));  // the same instants, ISO 8601 UTC
  json_str(j, "dead_at", utc_iso_from_ms(d.dead_ms));
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
  std::vector<std::pair<std::string, std::string_view>> one;
  one.emplace_back(name, content);
  return write_files_durable(dir, one, error);
}

bool write_files_durable(const std::string& dir, const std::vector<std::pair<std::string, std::string_view>>& files,
                         std::string& error) {
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
    if (!write_all(fd, content.data(), content.size())) {
      error = "cannot write " + temps.back() + ": " + std::strerror(errno);
      ok = false;
    } else if (!sync_data(fd)) {
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
  std::size_t renamed = 0;
  for (; ok && renamed < files.size(); ++renamed) {
    if (::rename(temps[renamed].c_str(), (dir + "/" + files[renamed].first).c_str()) != 0) {
      error = "cannot rename " + temps[renamed] + ": " + std::strerror(errno);
      ok = false;
      break;
    }
  }
  if (ok && !sync_file(dfd)) {
    error = "cannot fsync " + dir + ": " + std::strerror(errno);
    ok = false;
  }
  if (dfd >= 0) ::close(dfd);
  if (!ok) {
    // Nothing half-done stays behind: the temporaries, and what was already renamed (the
    // caller retries the whole set, or reports that it was not written).
    for (const auto& t : temps) ::unlink(t.c_str());
    for (std::size_t i = 0; i < renamed; ++i) ::unlink((dir + "/" + files[i].first).c_str());
  }
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
  const std::string meta = letter_json(d) + "\n";
  return write_files_durable(dir, {{d.key + ".body", e.item.body}, {d.key + ".json", meta}}, error);
}

namespace {

bool letter_file(const std::string& name) {
  return name.size() > 5 && name[0] != '.' && name.compare(name.size() - 5, 5, ".json") == 0;
}

}  // namespace

std::size_t count_dead_letters(const std::string& dir) {
  std::size_t n = 0;
  DIR* d = ::opendir(dir.c_str());
  if (!d) return 0;
  while (const dirent* de = ::readdir(d))
    if (letter_file(de->d_name)) ++n;
  ::closedir(d);
  return n;
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
    if (!letter_file(name)) continue;
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

bool find_dead_letter(const std::string& dir, const std::string& key, DeadLetter& out) {
  std::string text;
  return safe_key(key) && read_file(dir + "/" + key + ".json", text) && parse_letter(text, out) && out.key == key;
}

namespace {

// A replay first claims a dead letter by renaming its two files to hidden names: the forwarder
// may dead-letter the replayed entry again at once, under the same key, and must find the names
// free; two replays can never both take one letter.
std::string claimed(const std::string& dir, const std::string& key, const char* ext) {
  return dir + "/." + key + ".replaying" + ext;
}

// Claims left by a replay that died before it finished go back to the folder (unless the key
// was dead-lettered again since). The entry may then be both in the spool and here: replaying
// it again sends it twice under one idempotency key, never loses it.
void restore_claims(const std::string& dir) {
  DIR* d = ::opendir(dir.c_str());
  if (!d) return;
  std::vector<std::string> keys;
  const std::string suffix = ".replaying.json";
  while (dirent* de = ::readdir(d)) {
    const std::string name = de->d_name;
    if (name.size() > suffix.size() + 1 && name[0] == '.' &&
        name.compare(name.size() - suffix.size(), suffix.size(), suffix) == 0)
      keys.push_back(name.substr(1, name.size() - suffix.size() - 1));
  }
  ::closedir(d);
  for (const auto& key : keys) {
    if (!safe_key(key)) continue;
    const std::string json = dir + "/" + key + ".json";
    if (::access(json.c_str(), F_OK) == 0) {
      ::unlink(claimed(dir, key, ".json").c_str());
      ::unlink(claimed(dir, key, ".body").c_str());
      continue;
    }
    (void)::rename(claimed(dir, key, ".body").c_str(), (dir + "/" + key + ".body").c_str());
    (void)::rename(claimed(dir, key, ".json").c_str(), json.c_str());
  }
  if (!keys.empty()) (void)fsync_dir(dir);
}

}  // namespace

std::size_t replay_dead_letters(const std::string& dir, Spool& spool, const std::string& key, std::string& error) {
  // One replay at a time in this process (the CLI replays only while no server holds the spool).
  static std::mutex replay_mutex;
  const std::lock_guard guard(replay_mutex);
  restore_claims(dir);
  std::vector<DeadLetter> letters = list_dead_letters(dir, error);
  std::size_t replayed = 0;
  const auto note = [&error](const std::string& msg) { error += (error.empty() ? "" : "; ") + msg; };
  for (const DeadLetter& d : letters) {
    if (!key.empty() && d.key != key) continue;
    const std::string json = dir + "/" + d.key + ".json", body = dir + "/" + d.key + ".body";
    const std::string cjson = claimed(dir, d.key, ".json"), cbody = claimed(dir, d.key, ".body");
    if (::rename(json.c_str(), cjson.c_str()) != 0) continue;  // taken by another replay
    SpoolItem item;
    if (::rename(body.c_str(), cbody.c_str()) != 0 || !read_file(cbody, item.body)) {
      note("cannot read " + d.key + ".body");
      (void)::rename(cjson.c_str(), json.c_str());
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
      note("the spool refused " + d.key);
      (void)::rename(cbody.c_str(), body.c_str());
      (void)::rename(cjson.c_str(), json.c_str());
      break;
    }
    // The entry is in the spool (fsynced): the claimed copy can go. A failure from here on is
    // forwarded again and, if it fails again, dead-lettered again with its body.
    ::unlink(cjson.c_str());
    ::unlink(cbody.c_str());
    ++replayed;
    log::Line(log::Level::Info, "dead_letter.replayed").str("key", d.key).num("claims", d.claim_ids.size());
  }
  if (replayed > 0) (void)fsync_dir(dir);
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
