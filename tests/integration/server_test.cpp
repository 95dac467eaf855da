// The real `claimgate serve` against a real upstream, all on 127.0.0.1: answers, forwarding,
// retries, dead letters, limits, backpressure, graceful shutdown and kill -9.
#include "tests/integration/harness.hpp"

#include <boost/test/unit_test.hpp>

#include <cstdio>

using namespace cg::itest;

namespace {

const fs::path kSource = CG_SOURCE_DIR;

std::string fixture(const std::string& name) { return read_text(kSource / "tests/integration/data" / name); }
std::string example(const std::string& name) { return read_text(kSource / "deploy/examples" / name); }

// A configuration with an http target "payer" (when upstream_port != 0) as the default.
// `top`: more top-level keys, each followed by a comma.
std::string config(std::uint16_t upstream_port, const std::string& limits = "", const std::string& forward = "",
                   const std::string& top = "") {
  std::string c = "{\n  \"_comment\": \"integration test\",\n  \"threads\": 2,\n  \"log\": {\"level\": \"info\"},\n" + top;
  if (!limits.empty()) c += "  \"limits\": {" + limits + "},\n";
  // Test defaults, unless `forward` sets the key itself (a key given twice is a config error).
  c += "  \"forward\": {\"_\": 0";
  for (const auto& [key, value] : std::vector<std::pair<std::string, std::string>>{
           {"workers", "2"}, {"backoff_initial_ms", "20"}, {"backoff_max_ms", "200"}, {"timeout_ms", "2000"},
           {"connect_timeout_ms", "500"}, {"breaker_failures", "1000"}}) {
    if (forward.find("\"" + key + "\"") == std::string::npos) c += ", \"" + key + "\": " + value;
  }
  if (!forward.empty()) c += ", " + forward;
  if (upstream_port != 0) {
    const std::string base = "http://127.0.0.1:" + std::to_string(upstream_port);
    c += ",\n    \"targets\": {\"payer\": {\"type\": \"http\", \"x12_url\": \"" + base + "/x12\", \"fhir_url\": \"" + base +
         "/fhir\"}},\n    \"default_target\": \"payer\"";
  }
  c += "}\n}\n";
  return c;
}


std::string fhir_post_header(const std::string& target, std::size_t length) {
  return "POST " + target + " HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/fhir+json\r\nContent-Length: " +
         std::to_string(length) + "\r\n\r\n";
}

// An X12 answer with the clock's stamps blanked (ISA09-10, GS04-05, BHT04-05, the 277CA's
// DTP*050/009 and STC02 dates): answers written a minute apart compare equal.
std::string without_stamps(const std::string& x12) {
  std::string out;
  std::size_t b = 0;
  while (b < x12.size()) {
    std::size_t e = x12.find('~', b);
    if (e == std::string::npos) e = x12.size();
    std::vector<std::string> el;
    for (std::size_t f = b;;) {
      const std::size_t g = std::min(x12.find('*', f), e);
      el.push_back(x12.substr(f, g - f));
      if (g >= e) break;
      f = g + 1;
    }
    const auto blank = [&](std::size_t i) {
      if (i < el.size()) el[i] = "#";
    };
    if (el[0] == "ISA") blank(9), blank(10);
    else if (el[0] == "GS" || el[0] == "BHT") blank(4), blank(5);
    else if (el[0] == "DTP" && el.size() > 3 && (el[1] == "050" || el[1] == "009")) blank(3);
    else if (el[0] == "STC") blank(2);
    for (std::size_t i = 0; i < el.size(); ++i) out += (i ? "*" : "") + el[i];
    out += '~';
    b = e + 1;
  }
  return out;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(server)

BOOST_AUTO_TEST_CASE(endpoints_answers_and_outbox) {
  ServerProcess srv(scratch("endpoints"), "{}");
  BOOST_REQUIRE_MESSAGE(srv.start(), srv.log());
  const auto port = srv.port();

  BOOST_TEST(get(port, "/healthz").status == 200);
  BOOST_TEST(get(port, "/readyz").status == 200);
  const Response meta = get(port, "/fhir/metadata");
  BOOST_TEST(meta.status == 200);
  BOOST_TEST(meta.body.find("\"CapabilityStatement\"") != std::string::npos);
  BOOST_TEST(meta.body.find("\"validate\"") != std::string::npos);
  BOOST_TEST(get(port, "/nope").status == 404);
  BOOST_TEST(get(port, "/x12").status == 405);

  std::set<std::string> keys;
  // X12: JSON report by default; one claim accepted, two rejected.
  const Response report = post(port, "/x12", example("professional.x12"));
  BOOST_TEST(report.status == 200);
  BOOST_TEST(report.header("Content-Type") == "application/json");
  BOOST_TEST(report.body.find("\"verdict\":\"accepted\"") != std::string::npos);
  BOOST_TEST(report.body.find("\"verdict\":\"rejected\"") != std::string::npos);
  BOOST_TEST(report.body.find("dx.pointer.unresolved") != std::string::npos);
  for (auto& k : split_keys(report.header("X-Claimgate-Entry-Keys"))) keys.insert(k);
  BOOST_TEST(keys.size() == 1u);
  // X12 with Accept: the 999 then the 277CA.
  const Response ack = post(port, "/x12", example("professional.x12"), {{"Accept", "application/edi-x12"}});
  BOOST_TEST(ack.status == 200);
  BOOST_TEST(ack.header("Content-Type") == "application/edi-x12");
  BOOST_TEST(ack.body.rfind("ISA*", 0) == 0);
  BOOST_TEST(ack.body.find("ST*999*") != std::string::npos);
  BOOST_TEST(ack.body.find("ST*277*") != std::string::npos);
  BOOST_TEST(ack.body.find("ST*999*") < ack.body.find("ST*277*"));
  for (auto& k : split_keys(ack.header("X-Claimgate-Entry-Keys"))) keys.insert(k);
  // Not X12 at all.
  BOOST_TEST(post(port, "/x12", "hello").status == 400);

  // FHIR: accepted -> 201 ClaimResponse; rejected -> 422 OperationOutcome; $validate never forwards.
  const Response created = post(port, "/fhir/Claim", fixture("claim-accepted.json"), {{"Content-Type", "application/fhir+json"}});
  BOOST_TEST(created.status == 201);
  BOOST_TEST(created.body.find("\"ClaimResponse\"") != std::string::npos);
  for (auto& k : split_keys(created.header("X-Claimgate-Entry-Keys"))) keys.insert(k);
  const Response submitted = post(port, "/fhir/Claim/$submit", fixture("claim-accepted.json"));
  BOOST_TEST(submitted.status == 200);
  for (auto& k : split_keys(submitted.header("X-Claimgate-Entry-Keys"))) keys.insert(k);
  const Response rejected = post(port, "/fhir/Claim", fixture("claim-rejected.json"));
  BOOST_TEST(rejected.status == 422);
  BOOST_TEST(rejected.body.find("\"OperationOutcome\"") != std::string::npos);
  BOOST_TEST(rejected.header("X-Claimgate-Entry-Keys").empty());
  const Response validated = post(port, "/fhir/Claim/$validate", fixture("claim-accepted.json"));
  BOOST_TEST(validated.status == 200);
  BOOST_TEST(validated.body.find("\"OperationOutcome\"") != std::string::npos);
  BOOST_TEST(validated.header("X-Claimgate-Entry-Keys").empty());
  const Response batch = post(port, "/fhir", fixture("batch.json"));
  BOOST_TEST(batch.status == 200);
  BOOST_TEST(batch.body.find("batch-response") != std::string::npos);
  for (auto& k : split_keys(batch.header("X-Claimgate-Entry-Keys"))) keys.insert(k);
  BOOST_TEST(keys.size() >= 4u);

  // The embedded default forwards to var/outbox: batch files named by their first key, each with
  // a manifest of the keys in it.
  const fs::path outbox = srv.var() / "outbox";
  BOOST_TEST(wait_for([&] { return outbox_keys(outbox).size() == keys.size(); }, 10s));
  const auto in_outbox = outbox_keys(outbox);
  for (const auto& k : keys) BOOST_TEST(in_outbox.count(k) == 1u, k);
  BOOST_TEST(count_files(outbox, ".x12") >= 1u);
  BOOST_TEST(count_files(outbox, ".json") >= 1u);
  for (const auto& e : fs::directory_iterator(outbox)) {
    if (e.path().extension() == ".json") BOOST_TEST(read_text(e.path()).find("urn:claimgate:entry:") != std::string::npos);
    if (e.path().extension() == ".x12") BOOST_TEST(read_text(e.path()).rfind("ISA*", 0) == 0u);
  }

  const std::string m = get(port, "/metrics").body;
  BOOST_TEST(metric(m, "claimgate_http_requests_total{endpoint=\"/x12\",status=\"200\"}") == 2);
  BOOST_TEST(metric(m, "claimgate_http_requests_total{endpoint=\"/fhir/Claim\",status=\"422\"}") == 1);
  BOOST_TEST(metric(m, "claimgate_findings_total{rule=\"dx.pointer.unresolved\"}") >= 2);
  BOOST_TEST(metric(m, "claimgate_claims_total{verdict=\"accepted\"}") >= 4);
  BOOST_TEST(metric(m, "claimgate_http_request_duration_seconds_count{endpoint=\"/x12\"}") >= 3);
  BOOST_TEST(m.find("claimgate_http_request_duration_seconds_bucket{endpoint=\"/x12\",le=\"+Inf\"}") != std::string::npos);
  BOOST_TEST(m.find("claimgate_spool_pending_entries") != std::string::npos);

  srv.signal(SIGTERM);
  BOOST_TEST(srv.wait_exit(10s) == 0);
  // Logs: structured, and no PHI from the examples (names, member ids, birth dates, codes).
  const std::string log = srv.log();
  BOOST_TEST(log.find("\"event\":\"request\"") != std::string::npos);
  for (const char* phi : {"ALPHA", "SYNTHETIC", "XEX000002", "19680412", "M5416", "M54.16"}) {
    BOOST_TEST(log.find(phi) == std::string::npos, phi);
  }
}

BOOST_AUTO_TEST_CASE(forwards_upstream_with_idempotency_key_and_retries) {
  Upstream up;
  up.mode(Upstream::Mode::Ok, 2);  // the first two attempts get a 500
  ServerProcess srv(scratch("upstream"), config(up.port()));
  BOOST_REQUIRE_MESSAGE(srv.start(), srv.log());
  const Response x = post(srv.port(), "/x12", gen_x12(3, 11));
  BOOST_TEST(x.status == 200);
  const auto xkeys = split_keys(x.header("X-Claimgate-Entry-Keys"));
  BOOST_TEST(!xkeys.empty());
  BOOST_TEST(wait_for([&] { return up.keys().size() == xkeys.size(); }, 10s));
  BOOST_TEST(up.requests() >= 2 + xkeys.size());
  for (const auto& k : xkeys) BOOST_TEST(up.keys().count(k) == 1u, k);
  BOOST_TEST(up.last_content_type() == "application/edi-x12");
  BOOST_TEST(up.last_target() == "/x12");
  BOOST_TEST(count_of(up.bodies().at(xkeys[0]), "CLM*") >= 1u);

  const Response f = post(srv.port(), "/fhir/Claim", fixture("claim-accepted.json"));
  BOOST_TEST(f.status == 201);
  const auto fkeys = split_keys(f.header("X-Claimgate-Entry-Keys"));
  BOOST_REQUIRE(fkeys.size() == 1u);
  BOOST_TEST(wait_for([&] { return up.keys().count(fkeys[0]) == 1; }, 10s));
  BOOST_TEST(up.last_target() == "/fhir/Claim");
  BOOST_TEST(up.last_content_type() == "application/fhir+json");

  // The upstream has the entries before the forwarder has read its answers and counted them.
  const double expected = static_cast<double>(xkeys.size() + 1);
  BOOST_TEST(wait_for([&] {
    return metric(get(srv.port(), "/metrics").body, "claimgate_forwarded_total{target=\"payer\"}") == expected;
  }, 10s));
  const std::string m = get(srv.port(), "/metrics").body;
  BOOST_TEST(metric(m, "claimgate_forward_failures_total{target=\"payer\"}") >= 2);
  BOOST_TEST(metric(m, "claimgate_forwarded_total{target=\"payer\"}") == expected);
  srv.signal(SIGTERM);
  BOOST_TEST(srv.wait_exit(10s) == 0);
}

BOOST_AUTO_TEST_CASE(dead_letter_list_and_replay) {
  Upstream up;
  up.mode(Upstream::Mode::Fail500);
  ServerProcess srv(scratch("dead-letter"), config(up.port(), "", "\"max_attempts\": 3",
                                                   "\"admins\": [{\"id\": \"ops\", \"api_key\": \"admin-key-0123456789\"}],"));
  const std::vector<std::pair<std::string, std::string>> admin{{"X-API-Key", "admin-key-0123456789"}};
  BOOST_REQUIRE_MESSAGE(srv.start(), srv.log());
  const Response f = post(srv.port(), "/fhir/Claim", fixture("claim-accepted.json"));
  BOOST_TEST(f.status == 201);
  const auto keys = split_keys(f.header("X-Claimgate-Entry-Keys"));
  BOOST_REQUIRE(keys.size() == 1u);
  const fs::path dl = srv.var() / "dead-letter";
  BOOST_REQUIRE(wait_for([&] { return fs::exists(dl / (keys[0] + ".json")); }, 10s));
  const std::string meta = read_text(dl / (keys[0] + ".json"));
  BOOST_TEST(meta.find("upstream answered 500") != std::string::npos);
  BOOST_TEST(meta.find("\"attempts\":3") != std::string::npos);
  BOOST_TEST(up.requests() == 3u);

  // A 4xx that retrying cannot change goes to the dead letters at once.
  up.mode(Upstream::Mode::Reject400);
  const Response g = post(srv.port(), "/fhir/Claim", fixture("claim-accepted.json"));
  const auto keys2 = split_keys(g.header("X-Claimgate-Entry-Keys"));
  BOOST_REQUIRE(keys2.size() == 1u);
  BOOST_REQUIRE(wait_for([&] { return fs::exists(dl / (keys2[0] + ".json")); }, 10s));
  BOOST_TEST(read_text(dl / (keys2[0] + ".json")).find("\"attempts\":1") != std::string::npos);

  // Listed by the admin endpoint and by the CLI (which does not need the spool).
  BOOST_TEST(get(srv.port(), "/admin/dead-letters").status == 401);  // loopback alone is not authentication
  const Response list = request(srv.port(), http::verb::get, "/admin/dead-letters", "", admin);
  BOOST_TEST(list.status == 200);
  BOOST_TEST(list.body.find(keys[0]) != std::string::npos);
  BOOST_TEST(list.body.find("\"count\":2") != std::string::npos);
  {
    const std::string cmd = std::string(CG_CLAIMGATE_EXE) + " dead-letter list --data-dir " + srv.var().string();
    FILE* p = ::popen(cmd.c_str(), "r");
    BOOST_REQUIRE(p != nullptr);
    char buf[4096];
    std::string out;
    while (std::fgets(buf, sizeof buf, p)) out += buf;
    BOOST_TEST(::pclose(p) == 0);
    BOOST_TEST(out.find(keys[0]) != std::string::npos);
    BOOST_TEST(out.find("2 dead letters") != std::string::npos);
    BOOST_TEST(out.find("  dead=20") != std::string::npos);  // ISO 8601, UTC
  }
  // Counted once the dead letter is durable (its folder fsynced), a moment after it appears.
  BOOST_TEST(wait_for([&] {
    return metric(request(srv.port(), http::verb::get, "/metrics", "", admin).body, "claimgate_dead_letters_total{target=\"payer\"}") == 2;
  }, 10s));

  // Replay under the same key once the payer is back.
  up.mode(Upstream::Mode::Ok);
  const Response replay = post(srv.port(), "/admin/dead-letters/replay?key=" + keys[0], "", admin);
  BOOST_TEST(replay.status == 200);
  BOOST_TEST(replay.body.find("\"replayed\":1") != std::string::npos);
  BOOST_TEST(wait_for([&] { return up.keys().count(keys[0]) == 1; }, 10s));
  BOOST_TEST(!fs::exists(dl / (keys[0] + ".json")));
  srv.signal(SIGTERM);
  BOOST_TEST(srv.wait_exit(10s) == 0);

  // The CLI replays the rest with the server stopped.
  const std::string cmd = std::string(CG_CLAIMGATE_EXE) + " dead-letter replay --data-dir " + srv.var().string() + " >/dev/null";
  BOOST_TEST(std::system(cmd.c_str()) == 0);
  BOOST_TEST(!fs::exists(dl / (keys2[0] + ".json")));
  BOOST_REQUIRE(srv.start());
  BOOST_TEST(wait_for([&] { return up.keys().count(keys2[0]) == 1; }, 10s));
  srv.signal(SIGTERM);
  BOOST_TEST(srv.wait_exit(10s) == 0);
  // Dead-lettering and replay are logged by entry key: the claim's id (a patient account
  // number) stays out of the log.
  const std::string log = srv.log();
  BOOST_TEST(log.find("forward.dead_letter") != std::string::npos);
  BOOST_TEST(log.find("dead_letter.replayed") != std::string::npos);
  for (const char* id : {"PCN-1001", "claim-1001"}) BOOST_TEST(log.find(id) == std::string::npos, id);
}

BOOST_AUTO_TEST_CASE(dropped_slow_and_refused_upstreams) {
  Upstream up;
  up.mode(Upstream::Mode::Drop);
  ServerProcess srv(scratch("drop-slow"), config(up.port(), "", "\"timeout_ms\": 300"));
  BOOST_REQUIRE_MESSAGE(srv.start(), srv.log());
  const auto k1 = split_keys(post(srv.port(), "/fhir/Claim", fixture("claim-accepted.json")).header("X-Claimgate-Entry-Keys"));
  BOOST_REQUIRE(k1.size() == 1u);
  BOOST_TEST(wait_for([&] { return up.requests() >= 2; }, 10s));
  BOOST_TEST(up.keys().empty());
  // A payer slower than the timeout: the answer is lost, the entry is sent again (same key).
  up.slow_ms(600);
  up.mode(Upstream::Mode::Slow);
  BOOST_TEST(wait_for([&] { return up.keys().count(k1[0]) >= 1; }, 10s));
  up.mode(Upstream::Mode::Ok);
  const auto k2 = split_keys(post(srv.port(), "/fhir/Claim", fixture("claim-accepted.json")).header("X-Claimgate-Entry-Keys"));
  BOOST_REQUIRE(k2.size() == 1u);
  BOOST_TEST(wait_for([&] { return up.keys().count(k2[0]) == 1; }, 10s));
  BOOST_TEST(wait_for([&] { return metric(get(srv.port(), "/metrics").body, "claimgate_spool_pending_entries") == 0; }, 10s));
  srv.signal(SIGTERM);
  BOOST_TEST(srv.wait_exit(10s) == 0);

  // Nobody listening: attempts fail, the circuit opens, the entry stays in the spool.
  ServerProcess refused(scratch("refused"), config(closed_port(), "", "\"breaker_failures\": 2, \"breaker_open_ms\": 60000"));
  BOOST_REQUIRE_MESSAGE(refused.start(), refused.log());
  BOOST_TEST(post(refused.port(), "/fhir/Claim", fixture("claim-accepted.json")).status == 201);
  BOOST_TEST(wait_for([&] {
    return metric(get(refused.port(), "/metrics").body, "claimgate_upstream_circuit_state{target=\"payer\"}") == 1;
  }, 10s));
  const std::string m2 = get(refused.port(), "/metrics").body;
  BOOST_TEST(metric(m2, "claimgate_forward_failures_total{target=\"payer\"}") == 2);
  BOOST_TEST(metric(m2, "claimgate_spool_pending_entries") == 1);
  refused.signal(SIGTERM);
  BOOST_TEST(refused.wait_exit(10s) == 0);
}

BOOST_AUTO_TEST_CASE(limits_413_408_431_503) {
  ServerProcess srv(scratch("limits"),
                    config(0, "\"max_body_bytes\": 4096, \"max_header_bytes\": 1024, \"header_timeout_ms\": 300,"
                              " \"read_timeout_ms\": 300, \"max_claims_per_request\": 2, \"max_connections\": 3,"
                              " \"reserved_connections\": 1"));
  BOOST_REQUIRE_MESSAGE(srv.start(), srv.log());
  const auto port = srv.port();
  // Body over the limit, declared or streamed.
  const Response big = post(port, "/fhir/Claim", std::string(10000, ' '));
  BOOST_TEST(big.status == 413);
  // Too many claims in one request (3 > 2).
  const Response many = post(port, "/x12", example("professional.x12"));
  BOOST_TEST(many.status == 413);
  BOOST_TEST(many.body.find("too_many_claims") != std::string::npos);
  // Header over the limit.
  const Response hdr = request(port, http::verb::get, "/healthz", "", {{"X-Filler", std::string(2000, 'a')}});
  BOOST_TEST(hdr.status == 431);
  // A slow sender: half a header, then silence.
  {
    RawClient c(port);
    c.send("POST /fhir/Claim HTTP/1.1\r\nHost: 127.0.0.1\r\n");
    const Response r = c.read();
    BOOST_TEST(r.status == 408);
  }
  // A slow body.
  {
    RawClient c(port);
    c.send(fhir_post_header("/fhir/Claim", 500) + "{\"resourceType\"");
    const Response r = c.read();
    BOOST_TEST(r.status == 408);
  }
  BOOST_TEST(wait_for([&] { return get(port, "/healthz").status == 200; }, 5s));
  const std::string m = get(port, "/metrics").body;
  BOOST_TEST(metric(m, "claimgate_refusals_total{reason=\"body_too_large\"}") == 1);
  BOOST_TEST(metric(m, "claimgate_refusals_total{reason=\"too_many_claims\"}") == 1);
  BOOST_TEST(metric(m, "claimgate_refusals_total{reason=\"read_timeout\"}") == 2);
  BOOST_TEST(metric(m, "claimgate_refusals_total{reason=\"header_too_large\"}") == 1);
  srv.signal(SIGTERM);
  BOOST_TEST(srv.wait_exit(10s) == 0);
}

// Connections over the limit get a 503, except the reserved one, which still answers a probe.
// Idle timeouts are long here so that no connection of the test expires under a slow build
// (TSan), and the first connection polls /metrics itself until it is the only one open, so no
// earlier connection still holds a slot when the others arrive.
BOOST_AUTO_TEST_CASE(connection_limit_keeps_a_probe_slot) {
  ServerProcess srv(scratch("conn-limit"),
                    config(0, "\"header_timeout_ms\": 20000, \"read_timeout_ms\": 20000, \"max_connections\": 3,"
                              " \"reserved_connections\": 1"));
  BOOST_REQUIRE_MESSAGE(srv.start(), srv.log());
  const auto port = srv.port();
  {
    RawClient a(port);
    BOOST_TEST(wait_for([&] {
      a.send("GET /metrics HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n");
      return metric(a.read().body, "claimgate_open_connections") == 1;
    }, 10s));
    RawClient b(port), d(port);
    // The acceptor takes connections in order; a round trip on each makes sure both are counted.
    for (RawClient* c : {&b, &d}) {
      c->send("GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n");
      BOOST_TEST(c->read().status == 200);
    }
    // The fourth takes the reserved slot (answered once, then closed); the fifth is refused.
    RawClient probe(port);
    RawClient e(port);
    const Response r = e.read();
    BOOST_TEST(r.status == 503);
    BOOST_TEST(!r.header("Retry-After").empty());
    probe.send("GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n");
    BOOST_TEST(probe.read().status == 200);
  }
  // Polls made while the closed connections are still being released may be refused too.
  BOOST_TEST(wait_for([&] { return get(port, "/healthz").status == 200; }, 10s));
  BOOST_TEST(metric(get(port, "/metrics").body, "claimgate_refusals_total{reason=\"max_connections\"}") >= 1);
  srv.signal(SIGTERM);
  BOOST_TEST(srv.wait_exit(10s) == 0);
}

BOOST_AUTO_TEST_CASE(spool_full_answers_503_retry_after) {
  ServerProcess srv(scratch("spool-full"), config(closed_port(), "\"spool_max_bytes\": 100, \"retry_after_s\": 7"));
  BOOST_REQUIRE_MESSAGE(srv.start(), srv.log());
  BOOST_TEST(post(srv.port(), "/fhir/Claim", fixture("claim-accepted.json")).status == 201);
  const Response full = post(srv.port(), "/fhir/Claim", fixture("claim-accepted.json"));
  BOOST_TEST(full.status == 503);
  BOOST_TEST(full.header("Retry-After") == "7");
  BOOST_TEST(full.body.find("OperationOutcome") != std::string::npos);
  // $validate never forwards, so it is still served.
  BOOST_TEST(post(srv.port(), "/fhir/Claim/$validate", fixture("claim-accepted.json")).status == 200);
  BOOST_TEST(metric(get(srv.port(), "/metrics").body, "claimgate_refusals_total{reason=\"spool_full\"}") == 1);
  srv.signal(SIGTERM);
  BOOST_TEST(srv.wait_exit(10s) == 0);
}

BOOST_AUTO_TEST_CASE(sigterm_finishes_in_flight_requests) {
  ServerProcess srv(scratch("shutdown"), "{\"limits\": {\"read_timeout_ms\": 5000}}");
  BOOST_REQUIRE_MESSAGE(srv.start(), srv.log());
  const std::string body = fixture("claim-accepted.json");
  RawClient inflight(srv.port());
  inflight.send(fhir_post_header("/fhir/Claim", body.size()) + body.substr(0, 100));
  RawClient idle(srv.port());  // an idle keep-alive connection is closed at once
  std::this_thread::sleep_for(100ms);
  srv.signal(SIGTERM);
  std::this_thread::sleep_for(300ms);
  BOOST_TEST(get(srv.port(), "/healthz").status == 0);  // no longer accepting
  inflight.send(body.substr(100));
  const Response r = inflight.read();
  BOOST_TEST(r.status == 201);
  BOOST_TEST(r.header("Connection") == "close");
  BOOST_TEST(srv.wait_exit(10s) == 0);
  const std::string log = srv.log();
  BOOST_TEST(log.find("shutdown.complete") != std::string::npos);
  // The accepted claim was spooled (fsynced) and forwarded, or is still in the spool.
  const fs::path outbox = srv.var() / "outbox";
  const auto keys = split_keys(r.header("X-Claimgate-Entry-Keys"));
  BOOST_REQUIRE(keys.size() == 1u);
  if (outbox_keys(outbox).count(keys[0]) == 0) {
    BOOST_REQUIRE(srv.start());
    BOOST_TEST(wait_for([&] { return outbox_keys(outbox).count(keys[0]) == 1; }, 10s));
    srv.signal(SIGTERM);
    BOOST_TEST(srv.wait_exit(10s) == 0);
  }
}

// 10,000 claims in 1,000 requests from 4 clients; kill -9 half-way; restart; the rest. Every
// entry the gateway answered "accepted" arrives upstream; a key arrives twice only when the
// upstream's answer was lost in the kill (at most one per forward worker).
BOOST_AUTO_TEST_CASE(kill9_loses_no_accepted_claim) {
  Upstream up;
  ServerProcess srv(scratch("kill9"), config(up.port(), "", "\"workers\": 4"));
  BOOST_REQUIRE_MESSAGE(srv.start(), srv.log());
  constexpr int kRequests = 1000, kClaimsPer = 10, kClients = 4;
  std::vector<std::string> bodies;
  for (int i = 0; i < kRequests; ++i) bodies.push_back(gen_x12(kClaimsPer, 1000 + static_cast<std::uint64_t>(i)));

  std::mutex mutex;
  std::size_t accepted_claims = 0;  // the "accepted" of each answered report
  std::set<std::string> accepted_keys;
  std::atomic<int> next{0}, answered{0}, failed{0};
  std::atomic<std::uint16_t> port{srv.port()};
  std::atomic<bool> restarting{false};
  const auto deadline = std::chrono::steady_clock::now() + 90s;
  auto client = [&] {
    for (int i = next++; i < kRequests && std::chrono::steady_clock::now() < deadline; i = next++) {
      for (int attempt = 0; attempt < 200; ++attempt) {
        while (restarting.load() && std::chrono::steady_clock::now() < deadline) std::this_thread::sleep_for(5ms);
        const Response r = post(port.load(), "/x12", bodies[static_cast<std::size_t>(i)]);
        if (r.status == 200) {
          std::lock_guard lock(mutex);
          for (auto& k : split_keys(r.header("X-Claimgate-Entry-Keys"))) accepted_keys.insert(k);
          const auto summary = r.body.rfind("\"summary\"");
          const auto acc = r.body.find("\"accepted\":", summary == std::string::npos ? 0 : summary);
          if (summary != std::string::npos && acc != std::string::npos) accepted_claims += std::stoul(r.body.substr(acc + 11));
          ++answered;
          break;
        }
        ++failed;  // killed mid-request: not accepted, send again
        std::this_thread::sleep_for(20ms);
      }
    }
  };
  std::vector<std::thread> clients;
  for (int c = 0; c < kClients; ++c) clients.emplace_back(client);
  BOOST_TEST(wait_for([&] { return answered.load() >= kRequests / 2; }, 60s));
  restarting = true;
  srv.kill9();
  BOOST_REQUIRE_MESSAGE(srv.start(), srv.log());
  port = srv.port();
  restarting = false;
  for (auto& t : clients) t.join();
  BOOST_TEST(answered.load() == kRequests);

  BOOST_TEST(wait_for([&] {
    const auto got = up.keys();
    for (const auto& k : accepted_keys)
      if (got.count(k) == 0) return false;
    return true;
  }, 60s));
  const auto got = up.keys();
  std::size_t missing = 0, duplicated = 0, claims = 0;
  for (const auto& k : accepted_keys) {
    const auto it = got.find(k);
    if (it == got.end()) ++missing;
    else if (it->second > 1) ++duplicated;
  }
  const auto bodies_got = up.bodies();
  for (const auto& k : accepted_keys)
    if (bodies_got.count(k)) claims += count_of(bodies_got.at(k), "CLM*");
  BOOST_TEST(missing == 0u);
  // Duplicates: entries in flight at the kill, or forwarded just before it while their done
  // record was still queued for the journal writer: a handful, never a stream.
  BOOST_TEST(duplicated <= 32u);
  BOOST_TEST(claims == accepted_claims);  // every claim answered "accepted", each in exactly one entry
  BOOST_TEST(accepted_claims > static_cast<std::size_t>(kRequests * kClaimsPer / 2));
  BOOST_TEST_MESSAGE("kill9: " << accepted_keys.size() << " entries, " << claims << " claims upstream, " << accepted_claims
                               << " accepted, " << duplicated
                               << " duplicated, " << failed.load() << " requests repeated");
  srv.signal(SIGTERM);
  BOOST_TEST(srv.wait_exit(10s) == 0);
}

// A large X12 body is cut at transaction-set boundaries and validated on the server's work pool
// (threads 2: the io thread and one pool thread; runs of 256 KiB) with the answers one thread
// gives (threads 1: no pool), byte for byte: the 999 + 277CA, and the JSON report once each
// server's spool instance id (the prefix of the entry keys) is masked.
BOOST_AUTO_TEST_CASE(large_x12_body_on_the_pool_same_answers) {
  cg::test::Gen837 g(cg::test::Gen837::Kind::Professional, 7);
  std::string body;
  g.begin(body, 300);
  for (int i = 0; i < 1800; ++i) g.claim(body);  // 6 sets, about 1 MB
  g.end(body);
  std::string ack[2], report[2];
  for (int threads = 1; threads <= 2; ++threads) {
    std::string cfg = config(0);
    cfg.replace(cfg.find("\"threads\": 2"), 12, "\"threads\": " + std::to_string(threads));
    ServerProcess srv(scratch("pool-" + std::to_string(threads)), cfg);
    BOOST_REQUIRE_MESSAGE(srv.start(), srv.log());
    const Response a = post(srv.port(), "/x12", body, {{"Accept", "application/edi-x12"}});
    BOOST_TEST_REQUIRE(a.status == 200);
    const Response r = post(srv.port(), "/x12", body);
    BOOST_TEST_REQUIRE(r.status == 200);
    const std::string first_key = r.header("X-Claimgate-Entry-Keys").substr(0, r.header("X-Claimgate-Entry-Keys").find(','));
    BOOST_TEST_REQUIRE(first_key.find('-') != std::string::npos);
    const std::string instance = first_key.substr(0, first_key.find('-'));
    std::string masked = r.body;
    for (std::size_t at = masked.find(instance); at != std::string::npos; at = masked.find(instance, at))
      masked.replace(at, instance.size(), "INSTANCE");
    ack[threads - 1] = without_stamps(a.body);
    report[threads - 1] = masked;
  }
  BOOST_TEST(ack[0].find("ST*999*") != std::string::npos);
  BOOST_TEST(ack[0].find("AK9*A*6*6*6") != std::string::npos);
  BOOST_TEST(report[0].find("\"claim_id\":\"GEN1800\"") != std::string::npos);
  BOOST_TEST((ack[0] == ack[1]));
  BOOST_TEST((report[0] == report[1]));
}

BOOST_AUTO_TEST_CASE(bad_configuration_refuses_to_start) {
  const fs::path dir = scratch("bad-config");
  write_text(dir / "c.json", "{\"limits\": {\"max_body_bytes\": \"big\"}}");
  const std::string cmd = std::string(CG_CLAIMGATE_EXE) + " serve --config " + (dir / "c.json").string() + " 2>" +
                          (dir / "err").string();
  const int rc = std::system(cmd.c_str());
  BOOST_TEST(WEXITSTATUS(rc) == 2);
  BOOST_TEST(read_text(dir / "err").find("limits.max_body_bytes") != std::string::npos);
  write_text(dir / "c.json", "{\"forward\": {\"by_payer\": {\"87726\": \"nowhere\"}}}");
  BOOST_TEST(WEXITSTATUS(std::system(cmd.c_str())) == 2);
  BOOST_TEST(read_text(dir / "err").find("forward.by_payer.87726") != std::string::npos);
}

BOOST_AUTO_TEST_SUITE_END()
