#include "engine/config.hpp"

#include <rapidjson/document.h>
#include <rapidjson/error/en.h>

#include <fstream>
#include <limits>
#include <set>
#include <sstream>

namespace cg::engine {
namespace {

using Value = rapidjson::Value;

[[noreturn]] void fail(const std::string& key, const std::string& problem) {
  throw ConfigError(key + ": " + problem);
}

std::string join(const std::string& prefix, const char* name) {
  return prefix.empty() ? std::string(name) : prefix + "." + name;
}

// Rejects keys not in `known` (keys starting with '_' are comments).
void check_keys(const Value& obj, const std::string& prefix, std::initializer_list<const char*> known) {
  std::set<std::string> seen;
  for (auto it = obj.MemberBegin(); it != obj.MemberEnd(); ++it) {
    const std::string name(it->name.GetString(), it->name.GetStringLength());
    if (!seen.insert(name).second && (name.empty() || name[0] != '_')) fail(join(prefix, name.c_str()), "is given twice");
    if (!name.empty() && name[0] == '_') continue;
    bool ok = false;
    for (const char* k : known) ok = ok || name == k;
    if (!ok) {
      std::string list;
      for (const char* k : known) list += list.empty() ? k : std::string(", ") + k;
      fail(join(prefix, name.c_str()), "unknown key (known here: " + list + ")");
    }
  }
}

const Value* member(const Value& obj, const char* name) {
  const auto it = obj.FindMember(name);
  return it == obj.MemberEnd() ? nullptr : &it->value;
}

const Value& object_at(const Value& obj, const char* name, const std::string& key) {
  const Value& v = obj[name];
  if (!v.IsObject()) fail(key, "must be an object");
  return v;
}

void get_string(const Value& obj, const char* name, const std::string& prefix, std::string& out,
                bool allow_empty = true) {
  const Value* v = member(obj, name);
  if (!v) return;
  const std::string key = join(prefix, name);
  if (!v->IsString()) fail(key, "must be a string");
  out.assign(v->GetString(), v->GetStringLength());
  if (!allow_empty && out.empty()) fail(key, "must not be empty");
}

template <class T>
void get_uint(const Value& obj, const char* name, const std::string& prefix, T& out, std::uint64_t min,
              std::uint64_t max) {
  const Value* v = member(obj, name);
  if (!v) return;
  if (!v->IsUint64() || v->GetUint64() < min || v->GetUint64() > max) {
    fail(join(prefix, name), "must be an integer between " + std::to_string(min) + " and " + std::to_string(max));
  }
  out = static_cast<T>(v->GetUint64());
}

void get_bool(const Value& obj, const char* name, const std::string& prefix, bool& out) {
  const Value* v = member(obj, name);
  if (!v) return;
  if (!v->IsBool()) fail(join(prefix, name), "must be true or false");
  out = v->GetBool();
}

std::vector<std::string> string_list(const Value& v, const std::string& key) {
  if (!v.IsArray()) fail(key, "must be an array of strings");
  std::vector<std::string> out;
  for (rapidjson::SizeType i = 0; i < v.Size(); ++i) {
    if (!v[i].IsString() || v[i].GetStringLength() == 0) {
      fail(key + "[" + std::to_string(i) + "]", "must be a non-empty string");
    }
    out.emplace_back(v[i].GetString(), v[i].GetStringLength());
  }
  return out;
}

void check_url(const std::string& url, const std::string& key) {
  const bool http = url.rfind("http://", 0) == 0;
  const bool https = url.rfind("https://", 0) == 0;
  if (!http && !https) fail(key, "must start with http:// or https://");
  const std::size_t host = url.find("://") + 3;
  if (host >= url.size() || url[host] == '/' || url[host] == ':') fail(key, "has no host");
}

void parse_limits(const Value& o, Limits& l) {
  const std::string p = "limits";
  check_keys(o, p,
             {"max_body_bytes", "max_header_bytes", "header_timeout_ms", "read_timeout_ms", "request_timeout_ms",
              "idle_timeout_ms", "write_timeout_ms", "max_connections", "max_claims_per_request",
              "spool_max_bytes", "retry_after_s", "shutdown_grace_ms"});
  constexpr std::uint64_t kDay = 86'400'000;
  get_uint(o, "max_body_bytes", p, l.max_body_bytes, 1024, 16ull << 30);
  get_uint(o, "max_header_bytes", p, l.max_header_bytes, 512, 1u << 20);
  get_uint(o, "header_timeout_ms", p, l.header_timeout_ms, 10, kDay);
  get_uint(o, "read_timeout_ms", p, l.read_timeout_ms, 10, kDay);
  get_uint(o, "request_timeout_ms", p, l.request_timeout_ms, 10, kDay);
  get_uint(o, "idle_timeout_ms", p, l.idle_timeout_ms, 10, kDay);
  get_uint(o, "write_timeout_ms", p, l.write_timeout_ms, 10, kDay);
  get_uint(o, "max_connections", p, l.max_connections, 1, 1'000'000);
  get_uint(o, "max_claims_per_request", p, l.max_claims_per_request, 1, 100'000'000);
  get_uint(o, "spool_max_bytes", p, l.spool_max_bytes, 1, std::numeric_limits<std::uint64_t>::max());
  get_uint(o, "retry_after_s", p, l.retry_after_s, 1, 86'400);
  get_uint(o, "shutdown_grace_ms", p, l.shutdown_grace_ms, 0, kDay);
}

void parse_target(const Value& o, const std::string& p, TargetConfig& t) {
  check_keys(o, p, {"type", "dir", "x12_url", "fhir_url", "headers"});
  std::string type;
  get_string(o, "type", p, type);
  if (type == "outbox") {
    t.kind = TargetConfig::Kind::Outbox;
    get_string(o, "dir", p, t.dir);
    if (member(o, "x12_url") || member(o, "fhir_url")) fail(p + ".type", "\"outbox\" takes \"dir\", not URLs");
  } else if (type == "http") {
    t.kind = TargetConfig::Kind::Http;
    get_string(o, "x12_url", p, t.x12_url);
    get_string(o, "fhir_url", p, t.fhir_url);
    if (t.x12_url.empty() && t.fhir_url.empty()) fail(p, "an http target needs x12_url and/or fhir_url");
    if (!t.x12_url.empty()) check_url(t.x12_url, p + ".x12_url");
    if (!t.fhir_url.empty()) check_url(t.fhir_url, p + ".fhir_url");
    if (member(o, "dir")) fail(p + ".dir", "only an \"outbox\" target has a directory");
  } else {
    fail(p + ".type", type.empty() ? "is required (\"outbox\" or \"http\")" : "must be \"outbox\" or \"http\", not \"" + type + "\"");
  }
  if (const Value* h = member(o, "headers")) {
    if (!h->IsObject()) fail(p + ".headers", "must be an object of strings");
    for (auto it = h->MemberBegin(); it != h->MemberEnd(); ++it) {
      const std::string name(it->name.GetString(), it->name.GetStringLength());
      if (!it->value.IsString()) fail(p + ".headers." + name, "must be a string");
      if (name.empty() || name.find_first_of(" :\r\n") != std::string::npos) fail(p + ".headers." + name, "is not a header name");
      const std::string value(it->value.GetString(), it->value.GetStringLength());
      if (value.find_first_of("\r\n") != std::string::npos) fail(p + ".headers." + name, "must not contain a line break");
      t.headers[name] = value;
    }
  }
}

void parse_forward(const Value& o, ForwardConfig& f) {
  const std::string p = "forward";
  check_keys(o, p,
             {"targets", "default_target", "by_payer", "workers", "max_attempts", "retry_for_s", "alert_after_s", "backoff_initial_ms",
              "backoff_max_ms", "connect_timeout_ms", "timeout_ms", "breaker_failures", "breaker_open_ms"});
  if (member(o, "targets")) {
    const Value& t = object_at(o, "targets", p + ".targets");
    for (auto it = t.MemberBegin(); it != t.MemberEnd(); ++it) {
      const std::string name(it->name.GetString(), it->name.GetStringLength());
      if (!name.empty() && name[0] == '_') continue;
      const std::string key = p + ".targets." + name;
      if (!it->value.IsObject()) fail(key, "must be an object");
      TargetConfig tc;
      parse_target(it->value, key, tc);
      f.targets[name] = std::move(tc);
    }
  }
  get_string(o, "default_target", p, f.default_target, false);
  if (member(o, "by_payer")) {
    const Value& b = object_at(o, "by_payer", p + ".by_payer");
    for (auto it = b.MemberBegin(); it != b.MemberEnd(); ++it) {
      const std::string payer(it->name.GetString(), it->name.GetStringLength());
      if (!payer.empty() && payer[0] == '_') continue;
      if (!it->value.IsString()) fail(p + ".by_payer." + payer, "must be a target name");
      f.by_payer[payer] = it->value.GetString();
    }
  }
  get_uint(o, "workers", p, f.workers, 1, 256);
  get_uint(o, "max_attempts", p, f.max_attempts, 0, 1'000'000);
  get_uint(o, "retry_for_s", p, f.retry_for_s, 1, 90u * 86'400);
  get_uint(o, "alert_after_s", p, f.alert_after_s, 1, 90u * 86'400);
  get_uint(o, "backoff_initial_ms", p, f.backoff_initial_ms, 1, 86'400'000);
  get_uint(o, "backoff_max_ms", p, f.backoff_max_ms, 1, 86'400'000);
  get_uint(o, "connect_timeout_ms", p, f.connect_timeout_ms, 10, 600'000);
  get_uint(o, "timeout_ms", p, f.timeout_ms, 10, 3'600'000);
  get_uint(o, "breaker_failures", p, f.breaker_failures, 1, 1'000'000);
  get_uint(o, "breaker_open_ms", p, f.breaker_open_ms, 1, 86'400'000);
  if (f.backoff_max_ms < f.backoff_initial_ms) fail(p + ".backoff_max_ms", "must not be below backoff_initial_ms");
  if (f.alert_after_s > f.retry_for_s) fail(p + ".alert_after_s", "must not be above retry_for_s (alert before giving up)");
}

void parse_rules(const Value& o, RulesConfig& r) {
  const std::string p = "rules";
  check_keys(o, p, {"default", "by_payer", "by_sender", "packs_dir"});
  if (const Value* d = member(o, "default")) r.default_packs = string_list(*d, p + ".default");
  for (const char* which : {"by_payer", "by_sender"}) {
    if (!member(o, which)) continue;
    const std::string key = join(p, which);
    const Value& m = object_at(o, which, key);
    auto& dest = std::string(which) == "by_payer" ? r.by_payer : r.by_sender;
    for (auto it = m.MemberBegin(); it != m.MemberEnd(); ++it) {
      const std::string name(it->name.GetString(), it->name.GetStringLength());
      if (!name.empty() && name[0] == '_') continue;
      dest[name] = string_list(it->value, key + "." + name);
    }
  }
  get_string(o, "packs_dir", p, r.packs_dir);
}

}  // namespace

void parse_listen(const std::string& value, const std::string& key, ServerConfig& out) {
  const std::size_t colon = value.rfind(':');
  if (colon == std::string::npos) fail(key, "must be ADDR:PORT, e.g. 127.0.0.1:8080");
  std::string addr = value.substr(0, colon);
  const std::string port = value.substr(colon + 1);
  if (addr.size() >= 2 && addr.front() == '[' && addr.back() == ']') addr = addr.substr(1, addr.size() - 2);
  if (addr.empty()) addr = "127.0.0.1";
  if (port.empty() || port.size() > 5 || port.find_first_not_of("0123456789") != std::string::npos ||
      std::stoul(port) > 65535) {
    fail(key, "port must be a number between 0 and 65535 (0: any free port)");
  }
  if (addr.find_first_not_of("0123456789abcdefABCDEF.:") != std::string::npos) {
    fail(key, "address must be a numeric IPv4 or IPv6 address, not \"" + addr + "\"");
  }
  out.listen_address = addr;
  out.listen_port = static_cast<std::uint16_t>(std::stoul(port));
}

void ServerConfig::resolve() {
  if (data_dir.empty()) data_dir = ".";
  if (spool_dir.empty()) spool_dir = data_dir + "/spool";
  if (dead_letter_dir.empty()) dead_letter_dir = data_dir + "/dead-letter";
  for (auto& [name, t] : forward.targets) {
    if (t.kind == TargetConfig::Kind::Outbox && t.dir.empty()) t.dir = data_dir + "/outbox";
  }
}

ServerConfig parse_config(const std::string& json_text) {
  rapidjson::Document doc;
  doc.Parse<rapidjson::kParseCommentsFlag | rapidjson::kParseTrailingCommasFlag>(json_text.data(), json_text.size());
  if (doc.HasParseError()) {
    std::size_t line = 1, col = 1;
    for (std::size_t i = 0; i < doc.GetErrorOffset() && i < json_text.size(); ++i) {
      if (json_text[i] == '\n') {
        ++line;
        col = 1;
      } else {
        ++col;
      }
    }
    throw ConfigError("line " + std::to_string(line) + " column " + std::to_string(col) + ": " +
                      rapidjson::GetParseError_En(doc.GetParseError()));
  }
  if (!doc.IsObject()) throw ConfigError("(top level): must be a JSON object");
  ServerConfig c;
  c.forward.targets["outbox"] = TargetConfig{};
  const Value& o = doc;
  check_keys(o, "",
             {"listen", "threads", "data_dir", "spool_dir", "dead_letter_dir", "code_set", "limits", "tls",
              "forward", "rules", "senders", "identity", "trading_partners", "log"});
  if (const Value* l = member(o, "listen")) {
    if (!l->IsString()) fail("listen", "must be a string ADDR:PORT");
    parse_listen(l->GetString(), "listen", c);
  }
  get_uint(o, "threads", "", c.threads, 0, 1024);
  get_string(o, "data_dir", "", c.data_dir, false);
  get_string(o, "spool_dir", "", c.spool_dir);
  get_string(o, "dead_letter_dir", "", c.dead_letter_dir);
  get_string(o, "code_set", "", c.code_set);
  if (member(o, "limits")) parse_limits(object_at(o, "limits", "limits"), c.limits);
  if (member(o, "tls")) {
    const Value& t = object_at(o, "tls", "tls");
    check_keys(t, "tls", {"cert_file", "key_file"});
    get_string(t, "cert_file", "tls", c.tls.cert_file);
    get_string(t, "key_file", "tls", c.tls.key_file);
    if (c.tls.cert_file.empty() != c.tls.key_file.empty()) {
      fail(c.tls.cert_file.empty() ? "tls.cert_file" : "tls.key_file", "cert_file and key_file go together");
    }
    for (const auto* f : {&c.tls.cert_file, &c.tls.key_file}) {
      if (!f->empty() && !std::ifstream(*f)) fail(f == &c.tls.cert_file ? "tls.cert_file" : "tls.key_file", "cannot read " + *f);
    }
  }
  if (member(o, "forward")) parse_forward(object_at(o, "forward", "forward"), c.forward);
  if (c.forward.targets.count(c.forward.default_target) == 0) {
    fail("forward.default_target", "names no target in forward.targets: \"" + c.forward.default_target + "\"");
  }
  for (const auto& [payer, target] : c.forward.by_payer) {
    if (c.forward.targets.count(target) == 0) fail("forward.by_payer." + payer, "names no target in forward.targets: \"" + target + "\"");
  }
  if (member(o, "rules")) parse_rules(object_at(o, "rules", "rules"), c.rules);
  if (const Value* s = member(o, "senders")) {
    if (!s->IsArray()) fail("senders", "must be an array of {\"id\", \"api_key\"}");
    std::set<std::string> ids, keys;
    for (rapidjson::SizeType i = 0; i < s->Size(); ++i) {
      const std::string p = "senders[" + std::to_string(i) + "]";
      if (!(*s)[i].IsObject()) fail(p, "must be an object");
      check_keys((*s)[i], p, {"id", "api_key"});
      SenderConfig sc;
      get_string((*s)[i], "id", p, sc.id, false);
      get_string((*s)[i], "api_key", p, sc.api_key, false);
      if (sc.id.empty()) fail(p + ".id", "is required");
      if (sc.api_key.size() < 16) fail(p + ".api_key", "is required and must have at least 16 characters");
      if (!ids.insert(sc.id).second) fail(p + ".id", "duplicate sender \"" + sc.id + "\"");
      if (!keys.insert(sc.api_key).second) fail(p + ".api_key", "the same key is given to two senders");
      c.senders.push_back(std::move(sc));
    }
  }
  if (member(o, "identity")) {
    const Value& id = object_at(o, "identity", "identity");
    check_keys(id, "identity",
               {"sender_qualifier", "sender_id", "payer_receiver_qualifier", "payer_receiver_id", "organization_name"});
    get_string(id, "sender_qualifier", "identity", c.identity.sender_qualifier, false);
    get_string(id, "sender_id", "identity", c.identity.sender_id, false);
    get_string(id, "payer_receiver_qualifier", "identity", c.identity.payer_receiver_qualifier, false);
    get_string(id, "payer_receiver_id", "identity", c.identity.payer_receiver_id, false);
    get_string(id, "organization_name", "identity", c.identity.organization_name, false);
    if (c.identity.sender_qualifier.size() != 2) fail("identity.sender_qualifier", "must have 2 characters");
    if (c.identity.payer_receiver_qualifier.size() != 2) fail("identity.payer_receiver_qualifier", "must have 2 characters");
    if (c.identity.sender_id.size() > 15) fail("identity.sender_id", "must have at most 15 characters");
    if (c.identity.payer_receiver_id.size() > 15) fail("identity.payer_receiver_id", "must have at most 15 characters");
  }
  if (member(o, "trading_partners")) {
    const Value& tp = object_at(o, "trading_partners", "trading_partners");
    for (auto it = tp.MemberBegin(); it != tp.MemberEnd(); ++it) {
      const std::string payer(it->name.GetString(), it->name.GetStringLength());
      if (!payer.empty() && payer[0] == '_') continue;
      const std::string p = "trading_partners." + payer;
      if (!it->value.IsObject()) fail(p, "must be an object");
      const Value& e = it->value;
      check_keys(e, p,
                 {"receiver_qualifier", "receiver_id", "application_receiver_id", "sender_qualifier", "sender_id",
                  "application_sender_id"});
      TradingPartnerConfig t;
      get_string(e, "receiver_qualifier", p, t.receiver_qualifier, false);
      get_string(e, "receiver_id", p, t.receiver_id, false);
      get_string(e, "application_receiver_id", p, t.application_receiver_id, false);
      get_string(e, "sender_qualifier", p, t.sender_qualifier, false);
      get_string(e, "sender_id", p, t.sender_id, false);
      get_string(e, "application_sender_id", p, t.application_sender_id, false);
      if (t.receiver_qualifier.size() != 2) fail(p + ".receiver_qualifier", "is required and must have 2 characters");
      if (t.receiver_id.empty() || t.receiver_id.size() > 15)
        fail(p + ".receiver_id", "is required and must have 1 to 15 characters");
      if (!t.sender_qualifier.empty() && t.sender_qualifier.size() != 2) fail(p + ".sender_qualifier", "must have 2 characters");
      if (t.sender_id.size() > 15) fail(p + ".sender_id", "must have at most 15 characters");
      if (t.sender_qualifier.empty() != t.sender_id.empty())
        fail(t.sender_id.empty() ? p + ".sender_id" : p + ".sender_qualifier", "sender_qualifier and sender_id go together");
      if (t.application_receiver_id.size() > 15) fail(p + ".application_receiver_id", "must have at most 15 characters");
      if (t.application_sender_id.size() > 15) fail(p + ".application_sender_id", "must have at most 15 characters");
      c.trading_partners[payer] = std::move(t);
    }
  }
  if (member(o, "log")) {
    const Value& l = object_at(o, "log", "log");
    check_keys(l, "log", {"level", "file", "requests"});
    get_string(l, "level", "log", c.log.level);
    if (c.log.level != "debug" && c.log.level != "info" && c.log.level != "warn" && c.log.level != "error") {
      fail("log.level", "must be debug, info, warn or error");
    }
    get_string(l, "file", "log", c.log.file);
    get_bool(l, "requests", "log", c.log.requests);
  }
  return c;
}

ServerConfig load_config(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw ConfigError(path + ": cannot read the configuration file");
  std::ostringstream ss;
  ss << in.rdbuf();
  try {
    return parse_config(ss.str());
  } catch (const ConfigError& e) {
    throw ConfigError(path + ": " + e.what());
  }
}

ServerConfig default_config() {
  ServerConfig c;
  c.forward.targets["outbox"] = TargetConfig{};
  c.resolve();
  return c;
}

}  // namespace cg::engine
