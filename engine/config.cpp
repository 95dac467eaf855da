#include "engine/config.hpp"

#include <rapidjson/document.h>
#include <rapidjson/error/en.h>

#include "engine/files.hpp"
#include "rulesets/core/json_keys.hpp"

#include <cerrno>
#include <cstdlib>
#include <cstring>
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

// A secret (an API key, an upstream header value, a Kafka password) given in the file itself
// ("value"), read from a file ({"file": PATH}: its content without trailing line breaks, e.g.
// a Docker or Kubernetes secret) or from the environment ({"env": NAME}), so that the JSON can
// be kept without secrets. Unreadable, unset or empty: a ConfigError naming the key.
std::string secret_value(const Value& v, const std::string& key) {
  if (v.IsString()) return std::string(v.GetString(), v.GetStringLength());
  if (!v.IsObject() || v.MemberCount() != 1 || !(member(v, "file") || member(v, "env")))
    fail(key, "must be a string, {\"file\": PATH} or {\"env\": NAME}");
  const auto& [name, value] = *v.MemberBegin();
  const std::string what(name.GetString(), name.GetStringLength());
  if (!value.IsString() || value.GetStringLength() == 0) fail(key + "." + what, "must be a non-empty string");
  const std::string ref(value.GetString(), value.GetStringLength());
  std::string out;
  if (what == "env") {
    const char* e = std::getenv(ref.c_str());
    if (e == nullptr || *e == '\0') fail(key + ".env", "the environment variable " + ref + " is not set (or empty)");
    out = e;
  } else {
    if (const std::string err = read_regular_file(ref, kMaxSecretBytes, out); !err.empty())
      fail(key + ".file", "cannot read " + ref + ": " + err);
    while (!out.empty() && (out.back() == '\n' || out.back() == '\r')) out.pop_back();
    if (out.empty()) fail(key + ".file", ref + " is empty");
  }
  return out;
}

void get_secret(const Value& obj, const char* name, const std::string& prefix, std::string& out) {
  if (const Value* v = member(obj, name)) out = secret_value(*v, join(prefix, name));
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
              "spool_max_bytes", "retry_after_s", "shutdown_grace_ms", "max_connections_per_client",
              "reserved_connections", "max_buffered_body_bytes"});
  constexpr std::uint64_t kDay = 86'400'000;
  get_uint(o, "max_body_bytes", p, l.max_body_bytes, 1024, 16ull << 30);
  // Beast keeps each header field (and chunked trailer field) under 64 KiB.
  get_uint(o, "max_header_bytes", p, l.max_header_bytes, 512, 60'000);
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
  get_uint(o, "max_connections_per_client", p, l.max_connections_per_client, 1, 1'000'000);
  get_uint(o, "reserved_connections", p, l.reserved_connections, 0, 10'000);
  get_uint(o, "max_buffered_body_bytes", p, l.max_buffered_body_bytes, 1024, 1ull << 40);
}

void check_readable(const std::string& file, const std::string& key) {
  if (file.empty()) return;
  std::string ignored;
  // A regular file of reasonable size (a FIFO would block the check, /dev/zero never end it).
  if (const std::string err = read_regular_file(file, kMaxConfigBytes, ignored); !err.empty())
    fail(key, "cannot read " + file + ": " + err);
}

void parse_tls(const Value& t, TlsConfig& tls) {
  const std::string p = "tls";
  check_keys(t, p, {"cert_file", "key_file", "min_version", "ciphers", "ciphersuites", "client_ca_file", "client_cert"});
  get_string(t, "cert_file", p, tls.cert_file);
  get_string(t, "key_file", p, tls.key_file);
  get_string(t, "min_version", p, tls.min_version);
  get_string(t, "ciphers", p, tls.ciphers, false);
  get_string(t, "ciphersuites", p, tls.ciphersuites);
  get_string(t, "client_ca_file", p, tls.client_ca_file);
  get_string(t, "client_cert", p, tls.client_cert);
  if (tls.cert_file.empty() != tls.key_file.empty()) {
    fail(tls.cert_file.empty() ? "tls.cert_file" : "tls.key_file", "cert_file and key_file go together");
  }
  check_readable(tls.cert_file, "tls.cert_file");
  check_readable(tls.key_file, "tls.key_file");
  check_readable(tls.client_ca_file, "tls.client_ca_file");
  if (tls.min_version != "1.2" && tls.min_version != "1.3") fail("tls.min_version", "must be \"1.2\" or \"1.3\"");
  if (tls.client_cert != "none" && tls.client_cert != "optional" && tls.client_cert != "require") {
    fail("tls.client_cert", "must be none, optional or require");
  }
  if (tls.client_cert != "none" && tls.client_ca_file.empty()) fail("tls.client_ca_file", "is required when client_cert is " + tls.client_cert);
  if (tls.client_cert != "none" && tls.cert_file.empty()) fail("tls.client_cert", "needs tls.cert_file and tls.key_file");
}

bool is_hex64(const std::string& s) {
  if (s.size() != 64) return false;
  for (const char c : s)
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  return true;
}

// The credential fields of a sender or an admin.
void parse_credential(const Value& o, const std::string& p, Credential& c) {
  get_secret(o, "api_key", p, c.api_key);
  get_secret(o, "api_key_sha256", p, c.api_key_sha256);
  get_string(o, "client_cert_cn", p, c.client_cert_cn);
  if (!c.api_key.empty() && c.api_key.size() < 16) fail(p + ".api_key", "must have at least 16 characters");
  if (!c.api_key.empty() && !c.api_key_sha256.empty()) fail(p + ".api_key_sha256", "give api_key or api_key_sha256, not both");
  if (!c.api_key_sha256.empty() && !is_hex64(c.api_key_sha256)) fail(p + ".api_key_sha256", "must be 64 lowercase hex digits");
  if (c.api_key.empty() && c.api_key_sha256.empty() && c.client_cert_cn.empty()) {
    fail(p + ".api_key", "is required (or api_key_sha256, or client_cert_cn) and must have at least 16 characters");
  }
}

// Senders and admins share one credential space: a key or certificate names exactly one identity.
void parse_principals(const Value& root, ServerConfig& c) {
  std::set<std::string> ids, keys, cns;
  const auto unique = [&](const Credential& cr, const std::string& p) {
    const std::string key = cr.api_key.empty() ? cr.api_key_sha256 : "clear:" + cr.api_key;
    if (!key.empty() && !keys.insert(key).second) fail(p + (cr.api_key.empty() ? ".api_key_sha256" : ".api_key"), "the same key is given to two senders or admins");
    if (!cr.client_cert_cn.empty() && !cns.insert(cr.client_cert_cn).second) fail(p + ".client_cert_cn", "the same certificate name is given twice");
  };
  if (const Value* s = member(root, "senders")) {
    if (!s->IsArray()) fail("senders", "must be an array of {\"id\", \"api_key\"}");
    for (rapidjson::SizeType i = 0; i < s->Size(); ++i) {
      const std::string p = "senders[" + std::to_string(i) + "]";
      const Value& o = (*s)[i];
      if (!o.IsObject()) fail(p, "must be an object");
      check_keys(o, p, {"id", "api_key", "api_key_sha256", "client_cert_cn", "submitter_ids", "payers", "rate_per_s", "burst", "claims_per_day"});
      SenderConfig sc;
      get_string(o, "id", p, sc.id, false);
      if (sc.id.empty()) fail(p + ".id", "is required");
      parse_credential(o, p, sc.credential);
      if (const Value* v = member(o, "submitter_ids")) sc.submitter_ids = string_list(*v, p + ".submitter_ids");
      if (const Value* v = member(o, "payers")) sc.payers = string_list(*v, p + ".payers");
      get_uint(o, "rate_per_s", p, sc.rate_per_s, 0, 1'000'000);
      get_uint(o, "burst", p, sc.burst, 0, 10'000'000);
      get_uint(o, "claims_per_day", p, sc.claims_per_day, 0, std::numeric_limits<std::uint64_t>::max());
      if (!ids.insert(sc.id).second) fail(p + ".id", "duplicate sender \"" + sc.id + "\"");
      unique(sc.credential, p);
      c.senders.push_back(std::move(sc));
    }
  }
  if (const Value* a = member(root, "admins")) {
    if (!a->IsArray()) fail("admins", "must be an array of {\"id\", \"api_key\"}");
    for (rapidjson::SizeType i = 0; i < a->Size(); ++i) {
      const std::string p = "admins[" + std::to_string(i) + "]";
      const Value& o = (*a)[i];
      if (!o.IsObject()) fail(p, "must be an object");
      check_keys(o, p, {"id", "api_key", "api_key_sha256", "client_cert_cn"});
      AdminConfig ac;
      get_string(o, "id", p, ac.id, false);
      if (ac.id.empty()) fail(p + ".id", "is required");
      parse_credential(o, p, ac.credential);
      if (!ids.insert("admin:" + ac.id).second) fail(p + ".id", "duplicate admin \"" + ac.id + "\"");
      unique(ac.credential, p);
      c.admins.push_back(std::move(ac));
    }
  }
  const bool certs = !cns.empty();
  if (certs && c.tls.client_cert == "none") fail("tls.client_cert", "must be optional or require when a sender or admin has client_cert_cn");
}

// secrets: a value may also be {"file": PATH} or {"env": NAME} (secret_value).
void string_map(const Value& o, const char* name, const std::string& prefix, std::map<std::string, std::string>& out,
                bool secrets = false) {
  const Value* v = member(o, name);
  if (!v) return;
  const std::string key = join(prefix, name);
  if (!v->IsObject()) fail(key, "must be an object of strings");
  for (auto it = v->MemberBegin(); it != v->MemberEnd(); ++it) {
    const std::string k(it->name.GetString(), it->name.GetStringLength());
    if (!k.empty() && k[0] == '_') continue;
    if (k.empty()) fail(key, "has an empty key");
    if (secrets) {
      out[k] = secret_value(it->value, key + "." + k);
      continue;
    }
    if (!it->value.IsString()) fail(key + "." + k, "must be a string");
    out[k] = std::string(it->value.GetString(), it->value.GetStringLength());
  }
}

// Kafka's own rule: 1 to 249 characters of [a-zA-Z0-9._-], not "." or "..".
void check_topic(const std::string& topic, const std::string& key) {
  if (topic.empty() || topic.size() > 249 || topic == "." || topic == ".." ||
      topic.find_first_not_of("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-") != std::string::npos) {
    fail(key, "must be a Kafka topic name (1 to 249 characters of a-z A-Z 0-9 . _ -), not \"" + topic + "\"");
  }
}

void parse_stream(const Value& o, StreamConfig& s) {
  const std::string p = "stream";
  check_keys(o, p,
             {"brokers", "group_id", "input_topic", "answers_topic", "verdicts_topic", "dead_letter_topic",
              "payer_topics", "topic_formats", "transactional_id_prefix", "instance_id", "librdkafka", "max_in_flight_records",
              "max_in_flight_bytes", "transaction_ms", "transaction_timeout_ms", "control_number_first",
              "control_number_last", "threads"});
  get_string(o, "brokers", p, s.brokers, false);
  get_string(o, "group_id", p, s.group_id, false);
  for (auto [name, out] : {std::pair{"input_topic", &s.input_topic}, {"answers_topic", &s.answers_topic},
                           {"verdicts_topic", &s.verdicts_topic}, {"dead_letter_topic", &s.dead_letter_topic}}) {
    get_string(o, name, p, *out);
    if (member(o, name)) check_topic(*out, join(p, name));
  }
  string_map(o, "payer_topics", p, s.payer_topics);
  for (const auto& [payer, topic] : s.payer_topics) check_topic(topic, p + ".payer_topics." + payer);
  string_map(o, "topic_formats", p, s.topic_formats);
  for (const auto& [topic, format] : s.topic_formats) {
    const std::string key = p + ".topic_formats." + topic;
    if (format != "x12" && format != "fhir") fail(key, "must be \"x12\" or \"fhir\", not \"" + format + "\"");
    bool named = false;
    for (const auto& [payer, t] : s.payer_topics) named = named || t == topic;
    if (!named) fail(key, "names no topic of stream.payer_topics");
  }
  get_string(o, "transactional_id_prefix", p, s.transactional_id_prefix, false);
  get_string(o, "instance_id", p, s.instance_id, false);
  string_map(o, "librdkafka", p, s.librdkafka, true);
  check_librdkafka_properties(s.librdkafka, p + ".librdkafka");
  get_uint(o, "max_in_flight_records", p, s.max_in_flight_records, 1, 1'000'000);
  get_uint(o, "max_in_flight_bytes", p, s.max_in_flight_bytes, 1024, 16ull << 30);
  get_uint(o, "transaction_ms", p, s.transaction_ms, 1, 60'000);
  get_uint(o, "transaction_timeout_ms", p, s.transaction_timeout_ms, 1000, 900'000);
  get_uint(o, "control_number_first", p, s.control_number_first, 1, 999'999'999);
  get_uint(o, "control_number_last", p, s.control_number_last, 1, 999'999'999);
  get_uint(o, "threads", p, s.threads, 0, 256);
  if (s.control_number_first > s.control_number_last)
    fail(join(p, "control_number_last"), "must not be below stream.control_number_first (" +
                                             std::to_string(s.control_number_first) + ")");
}

void parse_target(const Value& o, const std::string& p, TargetConfig& t) {
  check_keys(o, p, {"type", "dir", "x12_url", "fhir_url", "headers", "ca_file", "client_cert_file", "client_key_file",
                    "brokers", "topic", "librdkafka", "format"});
  std::string type;
  get_string(o, "type", p, type);
  get_string(o, "format", p, t.format);
  if (member(o, "format") && t.format != "x12" && t.format != "fhir")
    fail(p + ".format", "must be \"x12\" or \"fhir\", not \"" + t.format + "\"");
  if (type == "outbox") {
    t.kind = TargetConfig::Kind::Outbox;
    get_string(o, "dir", p, t.dir);
    if (member(o, "x12_url") || member(o, "fhir_url")) fail(p + ".type", "\"outbox\" takes \"dir\", not URLs");
  } else if (type == "http") {
    t.kind = TargetConfig::Kind::Http;
    get_string(o, "x12_url", p, t.x12_url);
    get_string(o, "fhir_url", p, t.fhir_url);
    if (t.x12_url.empty() && t.fhir_url.empty()) fail(p, "an http target needs x12_url and/or fhir_url");
    if (t.format == "x12" && t.x12_url.empty()) fail(p + ".x12_url", "is required when the target takes \"format\": \"x12\"");
    if (t.format == "fhir" && t.fhir_url.empty()) fail(p + ".fhir_url", "is required when the target takes \"format\": \"fhir\"");
    if (!t.x12_url.empty()) check_url(t.x12_url, p + ".x12_url");
    if (!t.fhir_url.empty()) check_url(t.fhir_url, p + ".fhir_url");
    if (member(o, "dir")) fail(p + ".dir", "only an \"outbox\" target has a directory");
    get_string(o, "ca_file", p, t.ca_file);
    get_string(o, "client_cert_file", p, t.client_cert_file);
    get_string(o, "client_key_file", p, t.client_key_file);
    check_readable(t.ca_file, p + ".ca_file");
    check_readable(t.client_cert_file, p + ".client_cert_file");
    check_readable(t.client_key_file, p + ".client_key_file");
    if (t.client_cert_file.empty() != t.client_key_file.empty()) fail(p + ".client_key_file", "client_cert_file and client_key_file go together");
  } else if (type == "kafka") {
    t.kind = TargetConfig::Kind::Kafka;
    get_string(o, "brokers", p, t.brokers, false);
    get_string(o, "topic", p, t.topic);
    if (t.brokers.empty()) fail(p + ".brokers", "is required for a kafka target");
    check_topic(t.topic, p + ".topic");
    string_map(o, "librdkafka", p, t.librdkafka, true);
    check_librdkafka_properties(t.librdkafka, p + ".librdkafka");
    for (const char* k : {"dir", "x12_url", "fhir_url", "headers", "ca_file", "client_cert_file", "client_key_file"})
      if (member(o, k)) fail(p + "." + k, "a kafka target takes brokers, topic and librdkafka");
  } else {
    fail(p + ".type", type.empty() ? "is required (\"outbox\", \"http\" or \"kafka\")"
                                   : "must be \"outbox\", \"http\" or \"kafka\", not \"" + type + "\"");
  }
  if (t.kind != TargetConfig::Kind::Kafka && (member(o, "brokers") || member(o, "topic") || member(o, "librdkafka"))) {
    fail(p + ".type", "brokers, topic and librdkafka belong to a kafka target");
  }
  if (const Value* h = member(o, "headers")) {
    if (!h->IsObject()) fail(p + ".headers", "must be an object of strings");
    for (auto it = h->MemberBegin(); it != h->MemberEnd(); ++it) {
      const std::string name(it->name.GetString(), it->name.GetStringLength());
      if (name.empty() || name.find_first_of(" :\r\n") != std::string::npos) fail(p + ".headers." + name, "is not a header name");
      const std::string value = secret_value(it->value, p + ".headers." + name);
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

void check_librdkafka_properties(const std::map<std::string, std::string>& props, const std::string& prefix) {
  // What exactly-once and the worker's own bookkeeping depend on.
  static constexpr const char* kOwned[] = {
      "bootstrap.servers", "metadata.broker.list", "group.id", "transactional.id", "enable.idempotence",
      "isolation.level", "enable.auto.commit", "enable.auto.offset.store", "partition.assignment.strategy",
      "acks", "request.required.acks", "transaction.timeout.ms", "group.instance.id"};
  for (const auto& [k, v] : props) {
    for (const char* owned : kOwned) {
      if (k == owned) fail(prefix + "." + k, "is set by claimgate (exactly-once and routing depend on it)");
    }
    if (k.find_first_of(" \t\r\n") != std::string::npos) fail(prefix + "." + k, "is not a property name");
  }
}

void require_stream(const StreamConfig& s) {
  if (s.brokers.empty()) fail("stream.brokers", "is required by claimgate stream");
  for (auto [name, v] : {std::pair{"stream.input_topic", &s.input_topic}, {"stream.answers_topic", &s.answers_topic},
                         {"stream.verdicts_topic", &s.verdicts_topic}, {"stream.dead_letter_topic", &s.dead_letter_topic}}) {
    if (v->empty()) fail(name, "is required by claimgate stream");
  }
  if (s.payer_topics.count("*") == 0) fail("stream.payer_topics", "needs a \"*\" entry (the topic of payers not listed)");
  for (const auto& [payer, topic] : s.payer_topics) {
    if (topic == s.input_topic) fail("stream.payer_topics." + payer, "must not be the input topic (a loop)");
  }
  for (const std::string* t : {&s.answers_topic, &s.verdicts_topic, &s.dead_letter_topic}) {
    if (*t == s.input_topic) fail("stream.input_topic", "must differ from the answers, verdicts and dead-letter topics");
  }
}

void parse_listen(const std::string& value, const std::string& key, ServerConfig& out) {
  parse_listen(value, key, out.listen_address, out.listen_port);
}

void parse_listen(const std::string& value, const std::string& key, std::string& address, std::uint16_t& port_out) {
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
  address = addr;
  port_out = static_cast<std::uint16_t>(std::stoul(port));
}

void ServerConfig::resolve() {
  if (data_dir.empty()) data_dir = ".";
  if (spool_dir.empty()) spool_dir = data_dir + "/spool";
  if (dead_letter_dir.empty()) dead_letter_dir = data_dir + "/dead-letter";
  for (auto& [name, t] : forward.targets) {
    if (t.kind == TargetConfig::Kind::Outbox && t.dir.empty()) t.dir = data_dir + "/outbox";
  }
  if (audit.file.empty()) audit.file = data_dir + "/audit.log";
  if (audit.key_file.empty()) audit.key_file = data_dir + "/audit.key";
  if (idempotency.dir.empty()) idempotency.dir = data_dir + "/idempotency";
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
  if (const std::string key = rules::repeated_key_path(doc); !key.empty())
    fail(key, "is given twice in the same object (which one was meant?); give it once");
  ServerConfig c;
  c.forward.targets["outbox"] = TargetConfig{};
  const Value& o = doc;
  check_keys(o, "",
             {"listen", "threads", "data_dir", "spool_dir", "dead_letter_dir", "code_set", "limits", "tls",
              "forward", "rules", "senders", "identity", "trading_partners", "log", "admins", "admin_listen",
              "allowed_hosts", "audit", "idempotency", "stream"});
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
  if (member(o, "tls")) parse_tls(object_at(o, "tls", "tls"), c.tls);
  if (member(o, "forward")) parse_forward(object_at(o, "forward", "forward"), c.forward);
  if (c.forward.targets.count(c.forward.default_target) == 0) {
    fail("forward.default_target", "names no target in forward.targets: \"" + c.forward.default_target + "\"");
  }
  for (const auto& [payer, target] : c.forward.by_payer) {
    if (c.forward.targets.count(target) == 0) fail("forward.by_payer." + payer, "names no target in forward.targets: \"" + target + "\"");
  }
  if (member(o, "rules")) parse_rules(object_at(o, "rules", "rules"), c.rules);
  parse_principals(o, c);
  if (const Value* l = member(o, "admin_listen")) {
    if (!l->IsString()) fail("admin_listen", "must be a string ADDR:PORT");
    parse_listen(l->GetString(), "admin_listen", c.admin_listen_address, c.admin_listen_port);
  }
  if (const Value* h = member(o, "allowed_hosts")) c.allowed_hosts = string_list(*h, "allowed_hosts");
  if (member(o, "audit")) {
    const Value& a = object_at(o, "audit", "audit");
    check_keys(a, "audit", {"enabled", "file", "key_file"});
    get_bool(a, "enabled", "audit", c.audit.enabled);
    get_string(a, "file", "audit", c.audit.file);
    get_string(a, "key_file", "audit", c.audit.key_file);
  }
  if (member(o, "idempotency")) {
    const Value& a = object_at(o, "idempotency", "idempotency");
    check_keys(a, "idempotency", {"ttl_s", "dir"});
    get_uint(a, "ttl_s", "idempotency", c.idempotency.ttl_s, 1, 30u * 86'400);
    get_string(a, "dir", "idempotency", c.idempotency.dir);
  }
  if (member(o, "identity")) {
    const Value& id = object_at(o, "identity", "identity");
    check_keys(id, "identity",
               {"sender_qualifier", "sender_id", "payer_receiver_qualifier", "payer_receiver_id", "organization_name",
                "contact_name", "contact_phone"});
    get_string(id, "sender_qualifier", "identity", c.identity.sender_qualifier, false);
    get_string(id, "sender_id", "identity", c.identity.sender_id, false);
    get_string(id, "payer_receiver_qualifier", "identity", c.identity.payer_receiver_qualifier, false);
    get_string(id, "payer_receiver_id", "identity", c.identity.payer_receiver_id, false);
    get_string(id, "organization_name", "identity", c.identity.organization_name, false);
    get_string(id, "contact_name", "identity", c.identity.contact_name);
    get_string(id, "contact_phone", "identity", c.identity.contact_phone);
    for (const auto* v : {&c.identity.contact_name, &c.identity.contact_phone})
      if (v->find_first_of("*:^~\r\n") != std::string::npos)
        fail(v == &c.identity.contact_name ? "identity.contact_name" : "identity.contact_phone",
             "must not hold an X12 delimiter (* : ^ ~) or a line break");
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
  if (member(o, "stream")) parse_stream(object_at(o, "stream", "stream"), c.stream);
  // An 837 claimgate writes from a FHIR claim names its submitter contact (1000A PER).
  bool writes_837 = false;
  for (const auto& [name, t] : c.forward.targets) writes_837 = writes_837 || t.format == "x12";
  for (const auto& [topic, format] : c.stream.topic_formats) writes_837 = writes_837 || format == "x12";
  if (writes_837) {
    for (const auto& [key, v] : {std::pair{"identity.contact_name", &c.identity.contact_name},
                                 std::pair{"identity.contact_phone", &c.identity.contact_phone}}) {
      if (v->empty())
        fail(key, "is required when a target takes \"format\": \"x12\" (the submitter contact, 1000A PER, of the "
                  "837s claimgate writes from FHIR claims)");
    }
  }
  return c;
}

std::string read_config_text(const std::string& path) {
  std::string text;
  if (const std::string err = read_regular_file(path, kMaxConfigBytes, text); !err.empty())
    throw ConfigError(path + ": cannot read the configuration file: " + err);
  return text;
}

ServerConfig load_config(const std::string& path) {
  const std::string text = read_config_text(path);
  try {
    return parse_config(text);
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
