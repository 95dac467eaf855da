// The durable spool (append, recovery, torn tails, done/dead, retry scheduling) and the
// configuration loader (defaults, every error names its key).
#include "engine/config.hpp"
#include "tests/unit/engine/scratch_dir.hpp"
#include "engine/log.hpp"
#include "engine/metrics.hpp"
#include "engine/pipeline_config.hpp"
#include "engine/delivery/spool.hpp"
#include "rulesets/core/packs.hpp"

#include <boost/test/unit_test.hpp>

#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

namespace fs = std::filesystem;
using namespace cg::engine;
using namespace std::chrono_literals;

namespace {

using cg::test::fresh_dir;

SpoolItem item(const std::string& body, const std::string& payer = "87726") {
  SpoolItem it;
  it.payer_id = payer;
  it.content_type = "application/edi-x12";
  it.sender = "clinic";
  it.claim_ids = {"C1", "C2"};
  it.body = body;
  return it;
}

std::unique_ptr<Spool> open_spool(const fs::path& dir) {
  std::string error;
  SpoolOptions o;
  o.dir = dir.string();
  o.max_pending_bytes = 1000;
  auto s = Spool::open(o, error);
  BOOST_TEST_REQUIRE(s != nullptr, error);
  return s;
}

struct QuietLogs {
  QuietLogs() { log::configure(2, log::Level::Error); }
};

std::string config_error(const std::string& json) {
  try {
    (void)parse_config(json);
  } catch (const ConfigError& e) {
    return e.what();
  }
  return {};
}

}  // namespace

BOOST_FIXTURE_TEST_SUITE(spool, QuietLogs)

BOOST_AUTO_TEST_CASE(append_take_done_survive_reopen) {
  const fs::path dir = fresh_dir("reopen");
  std::vector<std::string> keys;
  {
    auto s = open_spool(dir);
    std::vector<SpoolItem> items{item("one"), item("two"), item("three")};
    keys = s->append_wait(std::move(items));
    BOOST_TEST(keys.size() == 3u);
    BOOST_TEST(keys[0].find(s->instance() + "-") == 0u);
    auto e = s->take(1s);
    BOOST_TEST_REQUIRE(e.has_value());
    BOOST_TEST(e->item.body == "one");
    BOOST_TEST(e->item.key == keys[0]);
    BOOST_TEST(e->item.claim_ids.size() == 2u);
    s->done(e->seq);
    BOOST_TEST(s->stats().pending_entries == 2u);
  }
  auto s = open_spool(dir);
  BOOST_TEST(s->stats().pending_entries == 2u);
  auto a = s->take(1s);
  auto b = s->take(1s);
  BOOST_TEST_REQUIRE((a && b));
  BOOST_TEST(a->item.body == "two");
  BOOST_TEST(b->item.key == keys[2]);
  BOOST_TEST(!s->take(10ms).has_value());  // both in flight
  // New entries continue the sequence: keys never repeat.
  const auto more = s->append_wait({item("four")});
  BOOST_TEST_REQUIRE(more.size() == 1u);
  BOOST_TEST(more[0] != keys[2]);
  BOOST_TEST(std::stoull(more[0].substr(more[0].find('-') + 1)) == 4u);
}

BOOST_AUTO_TEST_CASE(torn_tail_is_dropped) {
  const fs::path dir = fresh_dir("torn");
  {
    auto s = open_spool(dir);
    (void)s->append_wait({item("kept")});
    (void)s->append_wait({item("torn away")});
  }
  fs::path journal;
  for (const auto& e : fs::directory_iterator(dir))
    if (e.path().extension() == ".log" && fs::file_size(e.path()) > 0) journal = e.path();
  BOOST_TEST_REQUIRE(!journal.empty());
  fs::resize_file(journal, fs::file_size(journal) - 3);  // the process died inside write(2)
  auto s = open_spool(dir);
  BOOST_TEST(s->stats().pending_entries == 1u);
  auto e = s->take(1s);
  BOOST_TEST_REQUIRE(e.has_value());
  BOOST_TEST(e->item.body == "kept");
}

BOOST_AUTO_TEST_CASE(retry_waits_and_counts_attempts_dead_leaves) {
  const fs::path dir = fresh_dir("retry");
  auto s = open_spool(dir);
  (void)s->append_wait({item("x"), item("y")});
  auto e = s->take(1s);
  BOOST_TEST_REQUIRE(e.has_value());
  s->retry_at(e->seq, std::chrono::steady_clock::now() + 200ms, true);
  auto other = s->take(1s);
  BOOST_TEST_REQUIRE(other.has_value());
  BOOST_TEST(other->item.body == "y");
  s->dead(other->seq);
  const auto t0 = std::chrono::steady_clock::now();
  auto again = s->take(2s);
  BOOST_TEST_REQUIRE(again.has_value());
  BOOST_TEST(again->seq == e->seq);
  BOOST_TEST(again->attempts == 1u);
  BOOST_TEST((std::chrono::steady_clock::now() - t0 >= 150ms));
  s->done(again->seq);
  BOOST_TEST(s->stats().pending_entries == 0u);
}

BOOST_AUTO_TEST_CASE(backpressure_and_exclusive_lock) {
  const fs::path dir = fresh_dir("limit");
  auto s = open_spool(dir);
  BOOST_TEST(!s->over_limit());
  (void)s->append_wait({item(std::string(2000, 'x'))});
  BOOST_TEST(s->over_limit());
  std::string error;
  SpoolOptions o;
  o.dir = dir.string();
  BOOST_TEST(Spool::open(o, error) == nullptr);
  BOOST_TEST(error.find("in use") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(segments_roll_and_drained_ones_are_deleted) {
  const fs::path dir = fresh_dir("segments");
  std::string error;
  SpoolOptions o;
  o.dir = dir.string();
  o.segment_bytes = 300;
  {
    auto s = Spool::open(o, error);
    BOOST_TEST_REQUIRE(s != nullptr, error);
    for (int i = 0; i < 10; ++i) (void)s->append_wait({item(std::string(150, 'a' + static_cast<char>(i)))});
    BOOST_TEST(s->stats().segments > 3u);
    for (int i = 0; i < 9; ++i) {
      auto e = s->take(1s);
      BOOST_TEST_REQUIRE(e.has_value());
      s->done(e->seq);
    }
    (void)s->append_wait({item("last")});  // the writer deletes drained segments after a write
    BOOST_TEST(s->stats().segments <= 3u);
  }
  auto s = Spool::open(o, error);
  BOOST_TEST_REQUIRE(s != nullptr, error);
  BOOST_TEST(s->stats().pending_entries == 2u);
  auto e = s->take(1s);
  BOOST_TEST_REQUIRE(e.has_value());
  BOOST_TEST(e->item.body == std::string(150, 'j'));
}

BOOST_AUTO_TEST_CASE(group_commit_shares_fsyncs) {
  const fs::path dir = fresh_dir("group");
  auto s = open_spool(dir);
  std::atomic<int> done{0};
  for (int i = 0; i < 200; ++i) s->append({item("b" + std::to_string(i))}, [&](bool ok, const std::vector<std::string>&) {
    if (ok) ++done;
  });
  for (int i = 0; i < 500 && done.load() < 200; ++i) std::this_thread::sleep_for(10ms);
  BOOST_TEST(done.load() == 200);
  BOOST_TEST(s->stats().fsyncs < 200u);
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(config)

BOOST_AUTO_TEST_CASE(embedded_default) {
  const ServerConfig c = default_config();
  BOOST_TEST(c.listen_address == "127.0.0.1");
  BOOST_TEST(c.listen_port == 8080);
  BOOST_TEST(c.spool_dir == "var/spool");
  BOOST_TEST(c.dead_letter_dir == "var/dead-letter");
  BOOST_TEST(c.forward.default_target == "outbox");
  BOOST_TEST(c.forward.targets.at("outbox").dir == "var/outbox");
}

// A key given twice (the second silently ignored before) is refused with its path; comment
// keys ("_...") may repeat.
BOOST_AUTO_TEST_CASE(a_key_given_twice_is_refused_with_its_path) {
  BOOST_TEST(config_error(R"({"limits": {"max_body_bytes": 2048, "max_body_bytes": 4096}})") ==
             "limits.max_body_bytes: is given twice in the same object (which one was meant?); give it once");
  BOOST_TEST(config_error(R"({"senders": [{"id": "a", "api_key": "0123456789abcdef0"},
                                          {"id": "b", "api_key": "0123456789abcdefX", "id": "c"}]})") ==
             "senders[1].id: is given twice in the same object (which one was meant?); give it once");
  BOOST_TEST(config_error(R"({"listen": "127.0.0.1:1", "listen": "0.0.0.0:1"})").rfind("listen: is given twice", 0) == 0u);
  BOOST_TEST(config_error(R"({"_comment": "a", "_comment": "b", "limits": {"_c": 1, "_c": 2}})").empty());
}

BOOST_AUTO_TEST_CASE(comments_and_overrides) {
  ServerConfig c = parse_config(R"({
    // comments are allowed, and so are "_comment" keys
    "_comment": "x",
    "listen": "0.0.0.0:9000",
    "limits": {"max_body_bytes": 2048},
    "forward": {"targets": {"p": {"type": "http", "x12_url": "https://payer.example/x12"}},
                "by_payer": {"87726": "p"}},
  })");
  c.resolve();
  BOOST_TEST(c.listen_port == 9000);
  BOOST_TEST(c.limits.max_body_bytes == 2048u);
  BOOST_TEST(c.forward.by_payer.at("87726") == "p");
  BOOST_TEST(c.forward.targets.count("outbox") == 1u);
}

BOOST_AUTO_TEST_CASE(errors_name_the_key) {
  BOOST_TEST(config_error(R"({"lisen": "x"})").find("lisen: unknown key") == 0u);
  BOOST_TEST(config_error(R"({"listen": "127.0.0.1"})").find("listen: ") == 0u);
  BOOST_TEST(config_error(R"({"limits": {"max_body_bytes": -1}})").find("limits.max_body_bytes: must be an integer") == 0u);
  BOOST_TEST(config_error(R"({"forward": {"default_target": "nope"}})").find("forward.default_target") == 0u);
  BOOST_TEST(config_error(R"({"forward": {"targets": {"p": {"type": "http"}}}})").find("forward.targets.p") == 0u);
  BOOST_TEST(config_error(R"({"forward": {"targets": {"p": {"type": "http", "x12_url": "ftp://x"}}}})")
                 .find("forward.targets.p.x12_url") == 0u);
  BOOST_TEST(config_error(R"({"senders": [{"id": "a", "api_key": "short"}]})").find("senders[0].api_key") == 0u);
  BOOST_TEST(config_error(R"({"threads": 1, "threads": 2})").find("threads: is given twice") == 0u);
  BOOST_TEST(config_error(R"({"log": {"level": "loud"}})").find("log.level") == 0u);
  BOOST_TEST(config_error("{").find("line 1") == 0u);
  BOOST_TEST(config_error(R"({"trading_partners": {"87726": {"receiver_id": "X"}}})")
                 .find("trading_partners.87726.receiver_qualifier: is required") == 0u);
  BOOST_TEST(config_error(R"({"trading_partners": {"87726": {"receiver_qualifier": "ZZ", "receiver_id": "X",
                                                              "sender_id": "ME"}}})")
                 .find("trading_partners.87726.sender_qualifier: sender_qualifier and sender_id go together") == 0u);
  BOOST_TEST(config_error(R"({"trading_partners": {"87726": {"receiver_qualifier": "ZZ", "receiver_id": "X",
                                                              "isa08": "Y"}}})")
                 .find("trading_partners.87726.isa08: unknown key") == 0u);
}

BOOST_AUTO_TEST_CASE(secrets_from_files_and_the_environment) {
  const fs::path dir = fs::temp_directory_path() / ("cg-secrets-" + std::to_string(::getpid()));
  fs::create_directories(dir);
  {
    std::ofstream(dir / "sender.key") << "sender-key-from-a-file-0123\n";  // a trailing line break, as editors write
    std::ofstream(dir / "empty.key") << "\n";
  }
  ::setenv("CG_TEST_ADMIN_KEY", "admin-key-from-the-env-0123", 1);
  ::setenv("CG_TEST_UPSTREAM_AUTH", "Bearer upstream-token", 1);
  ::unsetenv("CG_TEST_UNSET");
  const ServerConfig c = parse_config(R"({
    "senders": [{"id": "a", "api_key": {"file": ")" + (dir / "sender.key").string() + R"("}}],
    "admins": [{"id": "ops", "api_key": {"env": "CG_TEST_ADMIN_KEY"}}],
    "forward": {"targets": {"p": {"type": "http", "x12_url": "http://127.0.0.1:9/x12",
                                  "headers": {"Authorization": {"env": "CG_TEST_UPSTREAM_AUTH"}, "X-Plain": "v"}}}}
  })");
  BOOST_TEST(c.senders.at(0).credential.api_key == "sender-key-from-a-file-0123");
  BOOST_TEST(c.admins.at(0).credential.api_key == "admin-key-from-the-env-0123");
  BOOST_TEST(c.forward.targets.at("p").headers.at("Authorization") == "Bearer upstream-token");
  BOOST_TEST(c.forward.targets.at("p").headers.at("X-Plain") == "v");
  // Each failure names the key and says what is wrong.
  BOOST_TEST(config_error(R"({"admins": [{"id": "o", "api_key": {"env": "CG_TEST_UNSET"}}]})") ==
             "admins[0].api_key.env: the environment variable CG_TEST_UNSET is not set (or empty)");
  BOOST_TEST(config_error(R"({"admins": [{"id": "o", "api_key": {"file": "/nonexistent/key"}}]})")
                 .find("admins[0].api_key.file: cannot read /nonexistent/key: No such file") == 0u);
  BOOST_TEST(config_error(R"({"admins": [{"id": "o", "api_key": {"file": ")" + (dir / "empty.key").string() + R"("}}]})")
                 .find("admins[0].api_key.file: ") == 0u);
  BOOST_TEST(config_error(R"({"admins": [{"id": "o", "api_key": {"path": "x"}}]})") ==
             "admins[0].api_key: must be a string, {\"file\": PATH} or {\"env\": NAME}");
  // The checks on the value still apply to a secret read from elsewhere.
  ::setenv("CG_TEST_SHORT", "short", 1);
  BOOST_TEST(config_error(R"({"admins": [{"id": "o", "api_key": {"env": "CG_TEST_SHORT"}}]})").find("admins[0].api_key: must have at least 16") == 0u);
  fs::remove_all(dir);
}

// A careless operator (or a swapped symlink) puts a FIFO or /dev/zero where a file was: the
// configuration, a secret, a TLS file or a rule pack. Startup and every reload must get a clear
// error, not block forever on the FIFO or read /dev/zero until memory runs out.
BOOST_AUTO_TEST_CASE(a_fifo_or_a_device_in_place_of_a_file_is_an_error_not_a_hang) {
  const fs::path dir = fs::temp_directory_path() / ("cg-fifo-" + std::to_string(::getpid()));
  fs::create_directories(dir);
  const std::string fifo = (dir / "fifo").string();
  BOOST_TEST_REQUIRE(::mkfifo(fifo.c_str(), 0600) == 0);
  for (const std::string& path : {fifo, std::string("/dev/zero"), dir.string()}) {
    BOOST_CHECK_EXCEPTION((void)load_config(path), ConfigError, [&](const ConfigError& e) {
      return std::string(e.what()).find(path + ": cannot read the configuration file: ") == 0;
    });
    BOOST_TEST(config_error(R"({"admins": [{"id": "o", "api_key": {"file": ")" + path + R"("}}]})")
                   .find("admins[0].api_key.file: cannot read " + path + ": ") == 0u);
    BOOST_TEST(config_error(R"({"tls": {"cert_file": ")" + path + R"(", "key_file": ")" + path + R"("}})")
                   .find("tls.cert_file: cannot read " + path + ": ") == 0u);
    BOOST_CHECK_THROW((void)cg::rules::load_pack_file(path), cg::rules::PackError);
    BOOST_TEST(std::holds_alternative<std::string>(cg::codesets::Icd10Index::load(path)));
  }
  fs::remove_all(dir);
}

BOOST_AUTO_TEST_CASE(trading_partners_reach_the_pipeline) {
  const ServerConfig c = parse_config(R"({"identity": {"sender_id": "CG1"},
    "trading_partners": {"87726": {"receiver_qualifier": "30", "receiver_id": "870000000",
                                   "application_receiver_id": "UHC", "sender_qualifier": "ZZ",
                                   "sender_id": "SUB42"},
                         "00590": {"receiver_qualifier": "ZZ", "receiver_id": "AETNA"}}})");
  const PipelineOptions o = pipeline_options(c);
  const TradingPartner uhc = o.identity.partner_for("87726");
  BOOST_TEST(uhc.receiver.qualifier == "30");
  BOOST_TEST(uhc.receiver.id == "870000000");
  BOOST_TEST(uhc.receiver.gs_id() == "UHC");
  BOOST_TEST(uhc.sender.id == "SUB42");
  const TradingPartner aetna = o.identity.partner_for("00590");
  BOOST_TEST(aetna.receiver.gs_id() == "AETNA");
  BOOST_TEST(aetna.sender.id.empty());  // claimgate's identity
  const TradingPartner other = o.identity.partner_for("99999");
  BOOST_TEST(other.receiver.id == "PAYER");
}

// forward.targets.NAME.format and stream.topic_formats become the pipeline's routing; an X12
// target needs the identity's submitter contact (1000A PER).
BOOST_AUTO_TEST_CASE(target_formats_reach_the_pipeline) {
  const std::string contact = R"("identity": {"contact_name": "EDI DESK", "contact_phone": "8005551212"})";
  const ServerConfig c = parse_config("{" + contact + R"(, "forward": {"targets": {
      "x": {"type": "http", "x12_url": "http://127.0.0.1:9/x12", "format": "x12"},
      "f": {"type": "kafka", "brokers": "127.0.0.1:9", "topic": "claims", "format": "fhir"},
      "raw": {"type": "outbox"}},
    "default_target": "x", "by_payer": {"87726": "f", "00590": "raw"}}})");
  const PipelineOptions o = pipeline_options(c);
  BOOST_TEST((o.routing.format_for("87726") == WireFormat::Fhir));
  BOOST_TEST((o.routing.format_for("00590") == WireFormat::AsReceived));
  BOOST_TEST((o.routing.format_for("12345") == WireFormat::X12));
  BOOST_TEST(o.identity.contact_phone == "8005551212");
  BOOST_TEST((pipeline_options(parse_config("{}")).routing.format_for("1") == WireFormat::AsReceived));  // the default

  const ServerConfig s = parse_config("{" + contact + R"(, "stream": {"payer_topics": {"87726": "uhc", "*": "rest"},
      "topic_formats": {"uhc": "x12"}}})");
  const Routing r = stream_routing(s.stream);
  BOOST_TEST((r.format_for("87726") == WireFormat::X12));
  BOOST_TEST((r.format_for("1") == WireFormat::AsReceived));

  BOOST_TEST(config_error(R"({"forward": {"targets": {"x": {"type": "outbox", "format": "x12"}}, "default_target": "x"}})")
                 .find("identity.contact_name: is required when a target takes \"format\": \"x12\"") == 0u);
  BOOST_TEST(config_error(R"({"identity": {"contact_name": "A"}, "stream": {"payer_topics": {"*": "t"}, "topic_formats": {"t": "x12"}}})")
                 .find("identity.contact_phone: is required") == 0u);
  BOOST_TEST(config_error(R"({"forward": {"targets": {"x": {"type": "outbox", "format": "X12"}}}})")
                 .find("forward.targets.x.format: must be \"x12\" or \"fhir\"") == 0u);
  BOOST_TEST(config_error(R"({"forward": {"targets": {"x": {"type": "http", "x12_url": "http://127.0.0.1:9/", "format": "fhir"}}}})")
                 .find("forward.targets.x.fhir_url: is required") == 0u);
  BOOST_TEST(config_error(R"({"stream": {"payer_topics": {"*": "t"}, "topic_formats": {"u": "fhir"}}})")
                 .find("stream.topic_formats.u: names no topic") == 0u);
  BOOST_TEST(config_error(R"({"identity": {"contact_phone": "800*555"}})").find("identity.contact_phone: must not hold") == 0u);
}

BOOST_AUTO_TEST_CASE(security_keys_are_checked) {
  const std::string key = R"("api_key": "0123456789abcdef")";
  BOOST_TEST(config_error(R"({"senders": [{"id": "a"}]})").find("senders[0].api_key: is required") == 0u);
  BOOST_TEST(config_error(R"({"senders": [{"id": "a", "api_key_sha256": "abc"}]})").find("senders[0].api_key_sha256") == 0u);
  BOOST_TEST(config_error(R"({"senders": [{"id": "a", )" + key + R"(}], "admins": [{"id": "o", )" + key + "}]}")
                 .find("admins[0].api_key: the same key") == 0u);
  BOOST_TEST(config_error(R"({"senders": [{"id": "a", "client_cert_cn": "a"}]})").find("tls.client_cert: must be optional or require") == 0u);
  BOOST_TEST(config_error(R"({"senders": [{"id": "a", )" + key + R"(, "submitter_ids": [""]}]})").find("senders[0].submitter_ids[0]") == 0u);
  BOOST_TEST(config_error(R"({"senders": [{"id": "a", )" + key + R"(, "rate": 1}]})").find("senders[0].rate: unknown key") == 0u);
  BOOST_TEST(config_error(R"({"tls": {"client_cert": "always"}})").find("tls.client_cert: must be none") == 0u);
  BOOST_TEST(config_error(R"({"tls": {"min_version": "1.1"}})").find("tls.min_version") == 0u);
  BOOST_TEST(config_error(R"({"tls": {"client_cert": "require"}})").find("tls.client_ca_file: is required") == 0u);
  BOOST_TEST(config_error(R"({"limits": {"max_header_bytes": 100000}})").find("limits.max_header_bytes") == 0u);
  BOOST_TEST(config_error(R"({"admin_listen": "localhost:9"})").find("admin_listen: address must be a numeric") == 0u);
  BOOST_TEST(config_error(R"({"audit": {"enabled": 1}})").find("audit.enabled") == 0u);
  BOOST_TEST(config_error(R"({"idempotency": {"ttl_s": 0}})").find("idempotency.ttl_s") == 0u);
  BOOST_TEST(config_error(R"({"forward": {"targets": {"p": {"type": "http", "x12_url": "https://x", "client_cert_file": "/nonexistent"}}}})")
                 .find("forward.targets.p.client_cert_file: cannot read") == 0u);
  ServerConfig c = parse_config(R"({"senders": [{"id": "a", )" + key + R"(, "payers": ["87726"], "claims_per_day": 5}],
                                    "admins": [{"id": "o", "api_key_sha256": ")" + std::string(64, 'a') + R"("}],
                                    "allowed_hosts": ["claims.example"], "admin_listen": "127.0.0.1:9090"})");
  c.resolve();
  BOOST_TEST(c.authenticated());
  BOOST_TEST(c.senders[0].payers.at(0) == "87726");
  BOOST_TEST(c.senders[0].claims_per_day == 5u);
  BOOST_TEST(c.admin_listen_port == 9090);
  BOOST_TEST(c.audit.file == "var/audit.log");
  // The commented sample configuration is valid as shipped.
  BOOST_REQUIRE_NO_THROW(load_config(CG_SOURCE_DIR "/deploy/claimgate.sample.json"));
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_CASE(metrics_render_prometheus_text) {
  Metrics m({"outbox"});
  m.request(Endpoint::FhirClaim, 201, 0.0007);
  m.refusal(Refusal::BodyTooLarge);
  m.claims(1, 2, {{"icd10cm.header", 2}});
  m.forward_attempt(0);
  m.circuit(0, CircuitState::Open);
  const std::string t = m.render();
  BOOST_TEST(t.find("claimgate_http_requests_total{endpoint=\"/fhir/Claim\",status=\"201\"} 1\n") != std::string::npos);
  BOOST_TEST(t.find("claimgate_http_request_duration_seconds_bucket{endpoint=\"/fhir/Claim\",le=\"0.001\"} 1\n") != std::string::npos);
  BOOST_TEST(t.find("claimgate_refusals_total{reason=\"body_too_large\"} 1\n") != std::string::npos);
  BOOST_TEST(t.find("claimgate_findings_total{rule=\"icd10cm.header\"} 2\n") != std::string::npos);
  BOOST_TEST(t.find("claimgate_upstream_circuit_state{target=\"outbox\"} 1\n") != std::string::npos);
}
