// Configuration of `claimgate serve`: one JSON file (deploy/claimgate.sample.json documents
// every key; keys starting with '_' are comments and ignored). Missing keys take the embedded
// default, so `{}` (or no file at all) is the embedded default: 127.0.0.1:8080, the bundled
// code set, data under ./var, accepted claims written to var/outbox.
//
// Contract: load_config() / parse_config() throw ConfigError at startup when a key is unknown,
// has the wrong type or an impossible value; the message names the key, e.g.
//   "limits.max_body_bytes: must be an integer between 1024 and 17179869184".
#pragma once

#include <cstdint>
#include <map>
#include <stdexcept>
#include <string>
#include <vector>

namespace cg::engine {

class ConfigError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

struct Limits {
  std::uint64_t max_body_bytes = 64ull << 20;   // 413 beyond
  std::uint32_t max_header_bytes = 16 * 1024;   // 431 beyond (header fields), 413 for the line
  std::uint32_t header_timeout_ms = 10'000;     // whole header must arrive in this time (408)
  std::uint32_t read_timeout_ms = 15'000;       // longest pause between body bytes (408)
  std::uint32_t request_timeout_ms = 300'000;   // whole request body (408)
  std::uint32_t idle_timeout_ms = 60'000;       // keep-alive connection without a request: closed
  std::uint32_t write_timeout_ms = 30'000;      // answer not taken by the client: closed
  std::uint32_t max_connections = 1024;         // 503 beyond
  std::uint32_t max_claims_per_request = 10'000;  // 413 beyond
  std::uint64_t spool_max_bytes = 1ull << 30;   // pending spool bytes; 503 + Retry-After beyond
  std::uint32_t retry_after_s = 5;
  std::uint32_t shutdown_grace_ms = 30'000;     // SIGTERM: longest wait for in-flight requests
  std::uint32_t max_connections_per_client = 64;  // per client IP address; 503 + Retry-After beyond
  // Connections beyond max_connections (or the per-client limit) still read one request, and
  // answer it when it is GET /healthz, /readyz or /metrics: probes work while the data path is full.
  std::uint32_t reserved_connections = 16;
  std::uint64_t max_buffered_body_bytes = 256ull << 20;  // all bodies held at once; 503 + Retry-After beyond
};

struct TlsConfig {
  std::string cert_file;  // PEM chain; both empty: plain HTTP
  std::string key_file;
  std::string min_version = "1.2";  // "1.2" or "1.3"
  // TLS 1.2 suites (OpenSSL cipher list): forward-secret AEAD only by default.
  std::string ciphers = "ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256:ECDHE-ECDSA-AES256-GCM-SHA384:"
                        "ECDHE-RSA-AES256-GCM-SHA384:ECDHE-ECDSA-CHACHA20-POLY1305:ECDHE-RSA-CHACHA20-POLY1305";
  std::string ciphersuites;    // TLS 1.3 suites; empty: OpenSSL's (all AEAD, all forward-secret)
  std::string client_ca_file;  // PEM CA bundle client certificates must chain to
  std::string client_cert = "none";  // none | optional | require (require/optional need client_ca_file)
  [[nodiscard]] bool enabled() const { return !cert_file.empty(); }
};

// One place accepted claims go.
struct TargetConfig {
  enum class Kind { Outbox, Http, Kafka } kind = Kind::Outbox;
  std::string dir;       // outbox: directory (default <data_dir>/outbox)
  std::string x12_url;   // http: where re-enveloped 837s are POSTed
  std::string fhir_url;  // http: FHIR base URL; Claims are POSTed to <fhir_url>/Claim
  std::map<std::string, std::string> headers;  // extra request headers (e.g. Authorization)
  std::string ca_file;           // https: PEM CA bundle the upstream must chain to (else system CAs)
  std::string client_cert_file;  // https: PEM client certificate chain (mutual TLS)
  std::string client_key_file;
  std::string brokers;   // kafka: bootstrap servers
  std::string topic;     // kafka: the topic accepted claims are produced to (keyed by payer id)
  std::map<std::string, std::string> librdkafka;  // kafka: client properties passed through
  // The format the target takes: "x12" or "fhir"; claims accepted in the other format are
  // converted (engine/routing.hpp). Empty (the default): each claim goes as it arrived.
  std::string format;
};

struct ForwardConfig {
  std::map<std::string, TargetConfig> targets;       // by name
  std::string default_target = "outbox";
  std::map<std::string, std::string> by_payer;       // payer id -> target name
  std::uint32_t workers = 4;
  // An entry is retried (capped exponential backoff with jitter) until it was accepted
  // retry_for_s ago, or max_attempts attempts failed (0: no limit by count); then dead-lettered.
  // Entries still failing alert_after_s after they were accepted are logged as forward.overdue
  // (and show in claimgate_forward_oldest_retrying_age_seconds).
  std::uint32_t max_attempts = 0;
  std::uint32_t retry_for_s = 86'400;
  std::uint32_t alert_after_s = 3'600;
  std::uint32_t backoff_initial_ms = 500;
  std::uint32_t backoff_max_ms = 60'000;
  std::uint32_t connect_timeout_ms = 3'000;
  std::uint32_t timeout_ms = 10'000;                 // whole upstream exchange
  std::uint32_t breaker_failures = 5;                // consecutive failures that open the circuit
  std::uint32_t breaker_open_ms = 10'000;            // before a half-open probe
};

struct RulesConfig {
  std::vector<std::string> default_packs;
  std::map<std::string, std::vector<std::string>> by_payer;
  std::map<std::string, std::vector<std::string>> by_sender;
  std::string packs_dir;  // empty: $CLAIMGATE_PACKS, else the packs installed with claimgate (engine/data_paths.hpp)
};

// A credential: an API key (presented as "X-API-Key: KEY" or "Authorization: Bearer KEY"),
// given in clear or as the hex SHA-256 of the key, and/or the subject CN of a client
// certificate that chains to tls.client_ca_file.
struct Credential {
  std::string api_key;
  std::string api_key_sha256;  // 64 hex digits
  std::string client_cert_cn;
};

struct SenderConfig {
  std::string id;
  Credential credential;
  // What this sender may submit; empty = anything. X12: ISA06, GS02 and the submitter
  // NM1*41 NM109 must each be listed; payers: the payer id of every accepted claim.
  std::vector<std::string> submitter_ids;
  std::vector<std::string> payers;
  std::uint32_t rate_per_s = 0;        // requests per second (token bucket); 0 = unlimited
  std::uint32_t burst = 0;             // bucket size; 0 = max(1, rate_per_s)
  std::uint64_t claims_per_day = 0;    // claims per UTC day; 0 = unlimited
};

struct AdminConfig {
  std::string id;
  Credential credential;
};

struct AuditConfig {
  bool enabled = true;
  std::string file;      // default <data_dir>/audit.log
  std::string key_file;  // the key of the CLM01 hashes; default <data_dir>/audit.key (made at first start)
};

struct IdempotencyConfig {
  std::uint32_t ttl_s = 86'400;  // how long an answer is kept for a retry with the same key
  std::string dir;               // default <data_dir>/idempotency
};

struct IdentityConfig {
  std::string sender_qualifier = "ZZ";
  std::string sender_id = "CLAIMGATE";
  std::string payer_receiver_qualifier = "ZZ";
  std::string payer_receiver_id = "PAYER";
  std::string organization_name = "CLAIMGATE";
  // The 1000A submitter contact (PER02 name, PER04 telephone) of the 837s claimgate writes
  // from FHIR claims; required when a target takes "x12" (and `claimgate convert`'s default).
  std::string contact_name;
  std::string contact_phone;
};

// The envelope of the 837 claimgate sends to one payer (keyed by payer id in
// "trading_partners"): ISA07/ISA08 and GS03 of the payer, and optionally the ISA05/ISA06/GS02
// claimgate is known by to this payer (default: identity.sender_*).
struct TradingPartnerConfig {
  std::string receiver_qualifier;       // ISA07, required
  std::string receiver_id;              // ISA08, required
  std::string application_receiver_id;  // GS03 (default receiver_id)
  std::string sender_qualifier;         // ISA05 (default identity.sender_qualifier)
  std::string sender_id;                // ISA06 (default identity.sender_id)
  std::string application_sender_id;    // GS02 (default the ISA06)
};

struct LogConfig {
  std::string level = "info";  // debug | info | warn | error
  std::string file;            // empty: stderr
  bool requests = true;        // one line per request
};

// `claimgate stream`: the Kafka worker (engine/stream/). Empty brokers: no stream section.
struct StreamConfig {
  std::string brokers;  // bootstrap servers, "host:port,host:port"
  std::string group_id = "claimgate";
  std::string input_topic, answers_topic, verdicts_topic, dead_letter_topic;
  std::map<std::string, std::string> payer_topics;  // payer id -> topic; "*" the default
  std::map<std::string, std::string> topic_formats;  // topic (of payer_topics) -> "x12" | "fhir"; absent: as received
  std::string transactional_id_prefix = "claimgate";
  std::string instance_id;  // this worker's name in the transactional id; default: the host name
  std::map<std::string, std::string> librdkafka;  // client properties passed through (SASL, SSL...)
  std::uint32_t max_in_flight_records = 1000;     // records in one transaction, at most
  std::uint64_t max_in_flight_bytes = 32ull << 20;  // inbound bytes in one transaction, at most
  std::uint32_t transaction_ms = 100;             // longest a transaction waits for more records
  std::uint32_t transaction_timeout_ms = 60'000;  // broker aborts a transaction older than this
  // Threads validating a batch's records (and the transaction sets of a large X12 record); 0:
  // the CPUs this process may use.
  std::uint32_t threads = 0;
  // The ISA13 range this worker draws from (state in <data_dir>/control-numbers); workers on
  // several hosts sending under one identity each need a range disjoint from the others'.
  std::uint64_t control_number_first = 1, control_number_last = 999'999'999;
  [[nodiscard]] bool configured() const { return !brokers.empty(); }
};

// Throws ConfigError naming the key when a librdkafka property is one claimgate sets itself
// (exactly-once depends on it) or is not a string; `prefix` is e.g. "stream.librdkafka".
void check_librdkafka_properties(const std::map<std::string, std::string>& props, const std::string& prefix);

struct ServerConfig {
  std::string listen_address = "127.0.0.1";
  std::uint16_t listen_port = 8080;
  std::uint32_t threads = 0;  // 0: one per core
  std::string data_dir = "var";
  std::string spool_dir;        // default <data_dir>/spool
  std::string dead_letter_dir;  // default <data_dir>/dead-letter
  std::string code_set;         // default: the bundled index
  Limits limits;
  TlsConfig tls;
  ForwardConfig forward;
  RulesConfig rules;
  std::vector<SenderConfig> senders;  // empty (and no admins): unauthenticated, X-Claimgate-Sender honoured
  std::vector<AdminConfig> admins;    // credentials for /admin/* and /metrics
  std::string admin_listen_address;   // "admin_listen": a second listener for /admin/*, /metrics, probes
  std::uint16_t admin_listen_port = 0;
  std::vector<std::string> allowed_hosts;  // Host header names; empty: loopback names when listening on loopback
  AuditConfig audit;
  IdempotencyConfig idempotency;
  IdentityConfig identity;
  std::map<std::string, TradingPartnerConfig> trading_partners;  // by payer id
  LogConfig log;
  StreamConfig stream;

  // Fills the defaults that depend on data_dir (spool, dead-letter, the outbox target, audit,
  // idempotency).
  void resolve();
  [[nodiscard]] bool authenticated() const { return !senders.empty() || !admins.empty(); }
};

// Parses "ADDR:PORT" ("127.0.0.1:8080", "[::1]:8080", ":8080" = 127.0.0.1). Throws ConfigError
// naming `key`.
void parse_listen(const std::string& value, const std::string& key, ServerConfig& out);
void parse_listen(const std::string& value, const std::string& key, std::string& address, std::uint16_t& port);

// Throws ConfigError unless the stream section has what `claimgate stream` needs (brokers,
// every topic, payer_topics with "*").
void require_stream(const StreamConfig& s);

[[nodiscard]] ServerConfig parse_config(const std::string& json_text);
[[nodiscard]] ServerConfig load_config(const std::string& path);
// The text of a configuration file: a regular file of at most kMaxConfigBytes (a FIFO or
// /dev/zero put in its place is a ConfigError, not a hang). Secret files: kMaxSecretBytes.
inline constexpr std::size_t kMaxConfigBytes = 16u << 20;
inline constexpr std::size_t kMaxSecretBytes = 1u << 20;
[[nodiscard]] std::string read_config_text(const std::string& path);
// The embedded default (what `claimgate serve` runs without --config), resolved.
[[nodiscard]] ServerConfig default_config();

}  // namespace cg::engine
