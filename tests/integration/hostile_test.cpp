// Hostile clients against `claimgate serve`, all on 127.0.0.1 and bounded in time: faults
// injected at every stage of a request, oversized chunked trailers, request smuggling (CL.TE,
// TE.CL, TE.TE), connection and body-memory exhaustion, authentication and sender bindings,
// admin credentials, DNS rebinding (Host), rate limits and quotas, Idempotency-Key across a
// restart, the audit trail and its verification.
#include "tests/integration/harness.hpp"

#include "engine/delivery/spool.hpp"
#include "engine/log.hpp"
#include "engine/metrics.hpp"
#include "engine/pipeline.hpp"
#include "engine/server/server.hpp"
#include "rulesets/codesets/icd10cm.hpp"

#include <boost/test/unit_test.hpp>

#include <cstdio>
#include <future>

using namespace cg::itest;

namespace {

const fs::path kSource = CG_SOURCE_DIR;
using Headers = std::vector<std::pair<std::string, std::string>>;

std::string fixture(const std::string& name) { return read_text(kSource / "tests/integration/data" / name); }


// Sends raw bytes; reads everything until the server closes (or 10 s).
std::string raw_exchange(std::uint16_t port, const std::string& bytes, bool half_close = false) {
  asio::io_context ioc;
  tcp::socket s(ioc);
  s.connect(tcp::endpoint(asio::ip::make_address("127.0.0.1"), port));
  set_timeouts(s, 10);
  beast::error_code ec;
  asio::write(s, asio::buffer(bytes), ec);
  if (half_close) s.shutdown(tcp::socket::shutdown_send, ec);
  std::string out;
  char buf[65536];
  for (;;) {
    const std::size_t n = s.read_some(asio::buffer(buf), ec);
    if (ec) break;
    out.append(buf, n);
  }
  return out;
}


int run(const std::string& cmd, std::string* out = nullptr) {
  FILE* p = ::popen(cmd.c_str(), "r");
  if (!p) return -1;
  char buf[4096];
  std::string text;
  while (std::fgets(buf, sizeof buf, p)) text += buf;
  const int status = ::pclose(p);
  if (out) *out = text;
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

std::string base_config(const std::string& top, const std::string& limits = "") {
  return "{\"threads\": 2, \"log\": {\"level\": \"info\"}, " + top + (limits.empty() ? "" : "\"limits\": {" + limits + "}, ") +
         "\"forward\": {\"workers\": 1}}";
}

// What an in-process server needs besides its configuration: the real code set, a spool under
// `dir`, metrics; errors logged to /dev/null (the tests provoke them).
struct InProcess {
  explicit InProcess(const fs::path& at) : dir(at) {
    using namespace cg::engine;
    log::configure(::open("/dev/null", O_WRONLY | O_CLOEXEC), log::Level::Error);
    auto loaded = cg::codesets::Icd10Index::load(CG_BINARY_DIR "/icd10cm.cgx");
    auto* index = std::get_if<std::shared_ptr<const cg::codesets::Icd10Index>>(&loaded);
    BOOST_REQUIRE(index != nullptr);
    PipelineOptions popts;
    popts.codes = *index;
    pipeline = std::make_shared<const Pipeline>(std::move(popts));
    SpoolOptions sopts;
    sopts.dir = (dir / "spool").string();
    std::string error;
    spool = Spool::open(sopts, error);
    BOOST_REQUIRE_MESSAGE(spool, error);
  }
  cg::engine::ServerConfig config(const std::string& json) const {
    cg::engine::ServerConfig c = cg::engine::parse_config(json);
    c.listen_port = 0;
    c.data_dir = dir.string();
    c.resolve();
    return c;
  }
  cg::engine::ServerParts parts() {
    cg::engine::ServerParts p;
    p.pipeline = pipeline;
    p.spool = spool.get();
    p.metrics = &metrics;
    return p;
  }
  fs::path dir;
  std::shared_ptr<const cg::engine::Pipeline> pipeline;
  std::unique_ptr<cg::engine::Spool> spool;
  cg::engine::Metrics metrics;
};

}  // namespace

BOOST_AUTO_TEST_SUITE(hostile)

// A throw at any stage of a request costs that request only: every slot, count and budget is
// given back and the server keeps answering. In process, with the test-only fault hook.
BOOST_AUTO_TEST_CASE(fault_at_every_stage_releases_everything) {
  using namespace cg::engine;
  InProcess in(scratch("faults"));  // the injected faults are logged as errors: not in the test output
  const ServerConfig config = in.config(R"({"threads": 2, "limits": {"max_connections": 4, "reserved_connections": 0,
                                         "max_buffered_body_bytes": 8192}})");
  std::mutex mutex;
  std::string armed;  // the stage that throws
  ServerParts parts = in.parts();
  parts.fault = [&](std::string_view stage) {
    std::lock_guard lock(mutex);
    if (stage == armed) throw std::runtime_error("injected fault at " + std::string(stage));
  };
  Server server(config, std::move(parts));
  BOOST_REQUIRE(server.start().empty());
  const auto port = server.port();
  const std::string claim = fixture("claim-accepted.json");  // ~1.6 KB: 5 leaked leases fill the budget
  const std::string x12 = gen_x12(2, 7);
  for (const char* stage : {"accept", "header", "route", "body", "pipeline", "spool_done", "answer"}) {
    {
      std::lock_guard lock(mutex);
      armed = stage;
    }
    for (int i = 0; i < 6; ++i) {  // more than max_connections: a leaked slot would show
      const Response f = post(port, "/fhir/Claim", claim);
      BOOST_TEST((f.status == 0 || f.status == 500), stage << ": " << f.status);
      const Response x = post(port, "/x12", x12);
      BOOST_TEST((x.status == 0 || x.status == 500), stage << ": " << x.status);
    }
    {
      std::lock_guard lock(mutex);
      armed.clear();
    }
    BOOST_TEST(wait_for([&] { return metric(get(port, "/metrics").body, "claimgate_open_connections") == 1; }, 5s), stage);
    BOOST_TEST(get(port, "/healthz").status == 200, stage);
    BOOST_TEST(post(port, "/fhir/Claim", claim).status == 201, stage);  // the body budget was given back
    BOOST_TEST(post(port, "/x12", x12).status == 200, stage);
  }
  server.request_stop();
  server.wait();
  in.spool->close();
}

// A burst of POST /admin/reload while a reload runs: each waiting reload held a work-pool thread
// (2 here), so the validation of a large body (over 64 KiB: on the work pool) stalled until every
// reload had run. Now a reload asked for while one runs is answered 409 at once and large bodies
// keep being validated. In process: parts.reload blocks until the test releases it.
BOOST_AUTO_TEST_CASE(a_reload_storm_does_not_starve_validation) {
  using namespace cg::engine;
  InProcess in(scratch("reload-storm"));
  const ServerConfig config =
      in.config(R"({"threads": 2, "admins": [{"id": "ops", "api_key": "admin-key-0123456789"}]})");
  const auto pipeline = in.pipeline;
  std::promise<void> entered, release;
  std::shared_future<void> released = release.get_future().share();
  std::atomic<int> reloads{0};
  ServerParts parts = in.parts();
  parts.reload = [&] {
    if (reloads++ == 0) {
      entered.set_value();
      released.wait();
    }
    Reload r;
    r.pipeline = pipeline;
    return r;
  };
  Server server(config, std::move(parts));
  BOOST_REQUIRE(server.start().empty());
  const auto port = server.port();
  const Headers admin{{"X-API-Key", "admin-key-0123456789"}};
  auto first = std::async(std::launch::async, [&] { return post(port, "/admin/reload", "", admin).status; });
  BOOST_REQUIRE(entered.get_future().wait_for(30s) == std::future_status::ready);
  std::vector<std::future<int>> storm;
  for (int i = 0; i < 4; ++i)
    storm.push_back(std::async(std::launch::async, [&] { return post(port, "/admin/reload", "", admin).status; }));
  std::string big = gen_x12(300, 11);
  BOOST_REQUIRE(big.size() > 65536u);
  auto validation = std::async(std::launch::async, [&] { return post(port, "/x12", big).status; });
  const bool answered = validation.wait_for(30s) == std::future_status::ready;
  BOOST_TEST(answered, "a large body waited behind the queued reloads");
  for (auto& f : storm) {
    const bool ready = f.wait_for(30s) == std::future_status::ready;
    BOOST_TEST(ready);
    if (ready) BOOST_TEST(f.get() == 409);
  }
  release.set_value();
  BOOST_TEST(first.get() == 200);
  if (answered) BOOST_TEST(validation.get() == 200);
  BOOST_TEST(post(port, "/admin/reload", "", admin).status == 200);  // free again
  server.request_stop();
  server.wait();
  in.spool->close();
}

// A chunked trailer field over 64 KiB used to throw out of the connection and keep its slot:
// ~1,000 of them made every answer 503 until restart.
BOOST_AUTO_TEST_CASE(oversized_chunked_trailers_cost_nothing) {
  ServerProcess srv(scratch("trailers"), base_config("", "\"max_connections\": 8, \"reserved_connections\": 0"));
  BOOST_REQUIRE_MESSAGE(srv.start(), srv.log());
  const auto port = srv.port();
  const std::string trailer = "POST /x12 HTTP/1.1\r\nHost: 127.0.0.1\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nISA\r\n0\r\nX-T: " +
                              std::string(70000, 'a') + "\r\n\r\n";
  for (int i = 0; i < 40; ++i) {
    const std::string out = raw_exchange(port, trailer);
    BOOST_TEST((out.rfind("HTTP/1.1 4", 0) == 0 || out.empty()));
  }
  BOOST_TEST(wait_for([&] { return metric(get(port, "/metrics").body, "claimgate_open_connections") == 1; }, 5s));
  BOOST_TEST(get(port, "/healthz").status == 200);
  BOOST_TEST(post(port, "/x12", gen_x12(1, 3)).status == 200);
  BOOST_TEST(srv.log().find("io_thread_exception") == std::string::npos);
  srv.signal(SIGTERM);
  BOOST_TEST(srv.wait_exit(10s) == 0);
}

// RFC 9112 6.1/6.3: any Transfer-Encoding other than exactly "chunked", a second TE field, TE with
// Content-Length or TE in HTTP/1.0 is refused and the connection closed: the smuggled request
// behind the body is never answered.
BOOST_AUTO_TEST_CASE(request_smuggling_variants_are_refused_and_closed) {
  ServerProcess srv(scratch("smuggling"), base_config(""));
  BOOST_REQUIRE_MESSAGE(srv.start(), srv.log());
  const auto port = srv.port();
  const std::string smuggled = "GET /fhir/metadata HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n";
  struct Case {
    const char* name;
    std::string headers;
    std::string body;
  };
  const std::string chunk = "0\r\n\r\n";
  const std::vector<Case> cases = {
      {"CL.TE", "Content-Length: 5\r\nTransfer-Encoding: chunked\r\n", chunk + smuggled},
      {"TE.CL", "Transfer-Encoding: chunked\r\nContent-Length: 3\r\n", "5\r\nISA~~\r\n0\r\n\r\n" + smuggled},
      {"TE.TE chunked, identity", "Transfer-Encoding: chunked, identity\r\n", smuggled},
      {"TE.TE gzip, identity", "Transfer-Encoding: gzip, identity\r\n", smuggled},
      {"TE.TE gzip, chunked", "Transfer-Encoding: gzip, chunked\r\n", chunk + smuggled},
      {"TE.TE identity", "Transfer-Encoding: identity\r\n", smuggled},
      {"TE.TE two fields", "Transfer-Encoding: chunked\r\nTransfer-Encoding: identity\r\n", chunk + smuggled},
      {"TE.TE chunked twice", "Transfer-Encoding: chunked, chunked\r\n", chunk + smuggled},
      {"TE.TE xchunked", "Transfer-Encoding: xchunked\r\n", smuggled},
      {"TE.TE tab", "Transfer-Encoding:\tchunked, identity\r\n", smuggled},
      {"TE.TE upper", "Transfer-Encoding: CHUNKED, IDENTITY\r\n", smuggled},
  };
  for (const auto& c : cases) {
    const std::string out = raw_exchange(port, "POST /x12 HTTP/1.1\r\nHost: 127.0.0.1\r\n" + c.headers + "\r\n" + c.body);
    BOOST_TEST((out.rfind("HTTP/1.1 400", 0) == 0 || out.rfind("HTTP/1.1 501", 0) == 0), c.name << ": " << out.substr(0, 60));
    BOOST_TEST(count_of(out, "HTTP/1.1 ") == 1u, c.name << ": the smuggled request was answered");
    BOOST_TEST(out.find("CapabilityStatement") == std::string::npos, c.name);
  }
  // HTTP/1.0 with Transfer-Encoding.
  const std::string old = raw_exchange(port, "POST /x12 HTTP/1.0\r\nHost: 127.0.0.1\r\nTransfer-Encoding: chunked\r\n\r\n" + chunk + smuggled);
  BOOST_TEST(count_of(old, " 400 ") == 1u);
  // Plain chunked still works, and keep-alive after it.
  const std::string x12 = gen_x12(1, 5);
  char size[32];
  std::snprintf(size, sizeof size, "%zx", x12.size());
  const std::string good = raw_exchange(
      port, "POST /x12 HTTP/1.1\r\nHost: 127.0.0.1\r\nTransfer-Encoding: chunked\r\n\r\n" + std::string(size) + "\r\n" + x12 +
                "\r\n0\r\n\r\nGET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n");
  BOOST_TEST(good.rfind("HTTP/1.1 200", 0) == 0u);
  BOOST_TEST(count_of(good, "HTTP/1.1 200") == 2u);
  BOOST_TEST(metric(get(port, "/metrics").body, "claimgate_refusals_total{reason=\"bad_framing\"}") >= 8);
  srv.signal(SIGTERM);
  BOOST_TEST(srv.wait_exit(10s) == 0);
}

// One address cannot take every slot; beyond the limits, reserved connections still answer
// probes; bodies beyond the memory budget get 503 + Retry-After before they are read; and two
// concurrent 50 MB posts do not stall /healthz.
BOOST_AUTO_TEST_CASE(connection_and_body_budgets_keep_probes_alive) {
  ServerProcess srv(scratch("budgets"),
                    base_config("", "\"max_connections_per_client\": 3, \"reserved_connections\": 2, "
                                    "\"max_buffered_body_bytes\": 120000000, \"max_body_bytes\": 104857600"));
  BOOST_REQUIRE_MESSAGE(srv.start(), srv.log());
  const auto port = srv.port();
  {
    std::vector<std::unique_ptr<RawClient>> hogs;
    for (int i = 0; i < 3; ++i) hogs.push_back(std::make_unique<RawClient>(port));
    std::this_thread::sleep_for(100ms);
    RawClient probe(port), data(port);
    std::this_thread::sleep_for(100ms);
    RawClient beyond(port);  // past the reserve: refused at once
    const Response r = beyond.read();
    BOOST_TEST(r.status == 503);
    BOOST_TEST(!r.header("Retry-After").empty());
    probe.send("GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n");
    BOOST_TEST(probe.read().status == 200);
    data.send("POST /x12 HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 3\r\n\r\nISA");
    const Response d = data.read();
    BOOST_TEST(d.status == 503);
    BOOST_TEST(!d.header("Retry-After").empty());
  }
  BOOST_TEST(wait_for([&] { return metric(get(port, "/metrics").body, "claimgate_open_connections") == 1; }, 5s));

  // Two 50 MB bodies fit the budget; a third declared one does not (503 before its body).
  const std::string big = "{\"resourceType\":\"Claim\",\"id\":\"big\",\"text\":{\"status\":\"generated\",\"div\":\"" +
                          std::string(50u << 20, 'x') + "\"}}";
  auto a = std::async(std::launch::async, [&] { return post(port, "/fhir/Claim", big).status; });
  auto b = std::async(std::launch::async, [&] { return post(port, "/fhir/Claim", big).status; });
  int probes = 0, slow_or_failed = 0;
  while (a.wait_for(0ms) != std::future_status::ready || b.wait_for(0ms) != std::future_status::ready) {
    const auto t0 = std::chrono::steady_clock::now();
    const Response h = request(port, http::verb::get, "/healthz", "", {}, 5);
    ++probes;
    if (h.status != 200 || std::chrono::steady_clock::now() - t0 > 2s) ++slow_or_failed;
    std::this_thread::sleep_for(20ms);
    if (probes > 3000) break;
  }
  const int sa = a.get(), sb = b.get();
  BOOST_TEST(sa != 0);
  BOOST_TEST(sb != 0);
  BOOST_TEST(probes > 0);
  BOOST_TEST(slow_or_failed == 0, slow_or_failed << " of " << probes << " /healthz probes failed or took over 2 s");
  {
    RawClient c(port);
    c.send("POST /fhir/Claim HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 130000000\r\n\r\n");
    BOOST_TEST(c.read().status == 413);  // over max_body_bytes
  }
  {
    RawClient c1(port), c2(port);
    c1.send("POST /fhir/Claim HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 100000000\r\n\r\n{");
    std::this_thread::sleep_for(200ms);
    c2.send("POST /fhir/Claim HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 30000000\r\n\r\n{");
    const Response r = c2.read();
    BOOST_TEST(r.status == 503);
    BOOST_TEST(!r.header("Retry-After").empty());
    BOOST_TEST(r.body.find("transient") != std::string::npos);
  }
  BOOST_TEST(metric(get(port, "/metrics").body, "claimgate_refusals_total{reason=\"body_budget\"}") == 1);
  BOOST_TEST(metric(get(port, "/metrics").body, "claimgate_refusals_total{reason=\"max_connections_per_client\"}") >= 1);
  srv.signal(SIGTERM);
  BOOST_TEST(srv.wait_exit(20s) == 0);
}

// Senders by API key, bound to their submitter ids and payers; admins distinct; Host checked;
// rate limits and quotas; everything in the audit log, whose chain `claimgate audit verify`
// checks and which detects an edit or a removed record.
BOOST_AUTO_TEST_CASE(authentication_bindings_limits_and_audit) {
  const std::string top =
      "\"senders\": ["
      "{\"id\": \"clinic-a\", \"api_key\": \"key-a-0123456789abcdef\", \"submitter_ids\": [\"CLAIMGATEGEN\", \"GEN001\"],"
      " \"payers\": [\"87726\", \"00590\"]},"
      "{\"id\": \"clinic-b\", \"api_key\": \"key-b-0123456789abcdef\", \"submitter_ids\": [\"OTHER\"]},"
      "{\"id\": \"clinic-c\", \"api_key\": \"key-c-0123456789abcdef\", \"payers\": [\"00590\"]},"
      "{\"id\": \"clinic-r\", \"api_key\": \"key-r-0123456789abcdef\", \"rate_per_s\": 1, \"burst\": 2},"
      "{\"id\": \"clinic-q\", \"api_key\": \"key-q-0123456789abcdef\", \"claims_per_day\": 3}],"
      "\"admins\": [{\"id\": \"ops\", \"api_key\": \"admin-0123456789abcdef\"}],"
      "\"allowed_hosts\": [\"claims.example.org\", \"127.0.0.1\"],";
  ServerProcess srv(scratch("auth"), base_config(top));
  BOOST_REQUIRE_MESSAGE(srv.start(), srv.log());
  const auto port = srv.port();
  const Headers a{{"X-API-Key", "key-a-0123456789abcdef"}};
  const Headers admin{{"Authorization", "Bearer admin-0123456789abcdef"}};
  const std::string x12 = gen_x12(4, 11);

  BOOST_TEST(srv.log().find("UNAUTHENTICATED") == std::string::npos);
  // 401: no key, an unknown key; the header sender is not honoured.
  BOOST_TEST(post(port, "/x12", x12, {{"X-Claimgate-Sender", "clinic-a"}}).status == 401);
  BOOST_TEST(post(port, "/fhir/Claim", fixture("claim-accepted.json"), {{"X-API-Key", "key-a-0123456789abcdeX"}}).status == 401);
  // 403: an admin key cannot submit; a sender key is not an admin.
  BOOST_TEST(post(port, "/x12", x12, admin).status == 403);
  BOOST_TEST(request(port, http::verb::get, "/admin/dead-letters", "", a).status == 403);
  BOOST_TEST(request(port, http::verb::get, "/metrics", "", a).status == 403);
  BOOST_TEST(get(port, "/metrics").status == 401);
  // A browser's first round trip to the console: no credential, a 401 with the Basic challenge
  // (not a failed authentication: below, nothing is logged or audited as auth_failed for it).
  const Response challenge = get(port, "/admin/console");
  BOOST_TEST(challenge.status == 401);
  BOOST_TEST(challenge.header("WWW-Authenticate").find("Basic") != std::string::npos, challenge.header("WWW-Authenticate"));
  BOOST_TEST(request(port, http::verb::get, "/metrics", "", admin).status == 200);
  BOOST_TEST(request(port, http::verb::get, "/admin/dead-letters", "", admin).status == 200);
  // Accepted for the bound sender.
  const Response ok = post(port, "/x12", x12, a);
  BOOST_TEST(ok.status == 200);
  BOOST_TEST(!ok.header("X-Claimgate-Entry-Keys").empty());
  // Submitter ids not bound to the sender: 403, nothing accepted.
  const Response wrong_sub = post(port, "/x12", x12, {{"X-API-Key", "key-b-0123456789abcdef"}});
  BOOST_TEST(wrong_sub.status == 403);
  BOOST_TEST(wrong_sub.body.find("ISA06 'CLAIMGATEGEN'") != std::string::npos);
  BOOST_TEST(wrong_sub.header("X-Claimgate-Entry-Keys").empty());
  // A payer not bound to the sender (the generator uses 87726 and 00590).
  const Response wrong_payer = post(port, "/x12", gen_x12(8, 12), {{"X-API-Key", "key-c-0123456789abcdef"}});
  BOOST_TEST(wrong_payer.status == 403);
  BOOST_TEST(wrong_payer.body.find("payer '87726'") != std::string::npos);
  // A FHIR refusal is an OperationOutcome.
  const Response fhir_403 = post(port, "/fhir/Claim", fixture("claim-accepted.json"), {{"X-API-Key", "key-b-0123456789abcdef"}});
  BOOST_TEST((fhir_403.status == 201 || fhir_403.status == 403));  // FHIR has no X12 submitter ids
  const Response fhir_payer = post(port, "/fhir/Claim", fixture("claim-accepted.json"), {{"X-API-Key", "key-c-0123456789abcdef"}});
  BOOST_TEST(fhir_payer.status == 403);
  BOOST_TEST(fhir_payer.body.find("OperationOutcome") != std::string::npos);
  // DNS rebinding: a Host not configured.
  BOOST_TEST(post(port, "/x12", x12, {{"X-API-Key", "key-a-0123456789abcdef"}, {"Host", "attacker.example"}}).status == 421);
  BOOST_TEST(post(port, "/fhir/Claim/$validate", fixture("claim-accepted.json"),
                  {{"X-API-Key", "key-a-0123456789abcdef"}, {"Host", "claims.example.org:8443"}})
                 .status == 200);
  // Rate: a burst of 2, then 429 + Retry-After.
  const Headers r{{"X-API-Key", "key-r-0123456789abcdef"}};
  int limited = 0;
  std::string retry_after;
  for (int i = 0; i < 6; ++i) {
    const Response x = post(port, "/fhir/Claim/$validate", fixture("claim-accepted.json"), r);
    if (x.status == 429) {
      ++limited;
      retry_after = x.header("Retry-After");
    }
  }
  BOOST_TEST(limited >= 1);
  BOOST_TEST(!retry_after.empty());
  // Quota: 3 claims a day; 4 in one request is refused whole, then 2 + 1 fit, then nothing.
  const Headers q{{"X-API-Key", "key-q-0123456789abcdef"}};
  BOOST_TEST(post(port, "/x12", gen_x12(4, 13), q).status == 429);
  BOOST_TEST(post(port, "/x12", gen_x12(2, 14), q).status == 200);
  BOOST_TEST(post(port, "/fhir/Claim", fixture("claim-accepted.json"), q).status == 201);
  const Response over = post(port, "/fhir/Claim", fixture("claim-accepted.json"), q);
  BOOST_TEST(over.status == 429);
  BOOST_TEST(!over.header("Retry-After").empty());

  const std::string m = request(port, http::verb::get, "/metrics", "", admin).body;
  BOOST_TEST(metric(m, "claimgate_refusals_total{reason=\"unauthorized\"}") >= 3);
  BOOST_TEST(metric(m, "claimgate_refusals_total{reason=\"forbidden\"}") >= 5);
  BOOST_TEST(metric(m, "claimgate_refusals_total{reason=\"rate_limited\"}") >= 3);
  BOOST_TEST(metric(m, "claimgate_refusals_total{reason=\"misdirected_host\"}") == 1);
  srv.signal(SIGTERM);
  BOOST_REQUIRE(srv.wait_exit(10s) == 0);

  // The audit trail: who, what, never PHI; CLM01 only as a keyed hash.
  const fs::path audit = srv.var() / "audit.log";
  const std::string text = read_text(audit);
  BOOST_TEST(text.find("\"event\":\"auth_failed\"") != std::string::npos);
  BOOST_TEST(text.find("\"reason\":\"unknown_api_key\"") != std::string::npos);
  BOOST_TEST(text.find("missing_credential") == std::string::npos);  // challenges are no failures
  BOOST_TEST(srv.log().find("\"reason\":\"unknown_api_key\"") != std::string::npos);
  BOOST_TEST(srv.log().find("missing_credential") == std::string::npos);
  BOOST_TEST(text.find("\"event\":\"admin\",\"request_id\"") != std::string::npos);
  BOOST_TEST(text.find("\"admin\":\"ops\"") != std::string::npos);
  BOOST_TEST(text.find("\"reason\":\"sender_binding\"") != std::string::npos);
  BOOST_TEST(text.find("\"reason\":\"quota_exhausted\"") != std::string::npos);
  BOOST_TEST(text.find("\"reason\":\"rate_limited\"") != std::string::npos);
  BOOST_TEST(text.find("\"sender\":\"clinic-a\"") != std::string::npos);
  BOOST_TEST(text.find("\"claim_hashes\":[\"") != std::string::npos);
  BOOST_TEST(text.find("\"control_numbers\":[\"") != std::string::npos);
  BOOST_TEST(text.find("PCN-1001") == std::string::npos);  // the FHIR claim's identifier (CLM01)
  BOOST_TEST(text.find("key-a-0123456789abcdef") == std::string::npos);
  BOOST_TEST(srv.log().find("PCN-1001") == std::string::npos);
  const std::string exe = CG_CLAIMGATE_EXE;
  std::string out;
  BOOST_TEST(run(exe + " audit verify " + audit.string(), &out) == 0, out);
  BOOST_TEST(out.find("intact") != std::string::npos);
  // Tampering: a changed field, then a removed record.
  std::string changed = text;
  changed.replace(changed.find("\"sender\":\"clinic-a\""), 19, "\"sender\":\"clinic-x\"");
  write_text(srv.dir() / "changed.log", changed);
  BOOST_TEST(run(exe + " audit verify " + (srv.dir() / "changed.log").string(), &out) == 1);
  BOOST_TEST(out.find("hash mismatch") != std::string::npos, out);
  std::string removed = text;
  const auto second = removed.find('\n') + 1;
  removed.erase(second, removed.find('\n', second) + 1 - second);
  write_text(srv.dir() / "removed.log", removed);
  BOOST_TEST(run(exe + " audit verify " + (srv.dir() / "removed.log").string(), &out) == 1);
  BOOST_TEST(out.find("line 2") != std::string::npos, out);
  // The chain continues across a restart.
  BOOST_REQUIRE(srv.start());
  BOOST_TEST(post(srv.port(), "/fhir/Claim/$validate", fixture("claim-accepted.json"), a).status == 200);
  srv.signal(SIGTERM);
  BOOST_REQUIRE(srv.wait_exit(10s) == 0);
  BOOST_TEST(run(exe + " audit verify " + audit.string(), &out) == 0, out);
}

// admin_listen: /admin/* and /metrics move to their own listener (still behind the admin
// credential); the main listener no longer serves them.
BOOST_AUTO_TEST_CASE(admin_endpoints_on_their_own_listener) {
  ServerProcess srv(scratch("admin-listener"),
                    base_config("\"admins\": [{\"id\": \"ops\", \"api_key\": \"admin-0123456789abcdef\"}], "
                                "\"admin_listen\": \"127.0.0.1:0\","));
  BOOST_REQUIRE_MESSAGE(srv.start(), srv.log());
  const std::string log = srv.log();
  const auto at = log.find("\"admin_port\":");
  BOOST_REQUIRE(at != std::string::npos);
  const auto admin_port = static_cast<std::uint16_t>(std::stoi(log.substr(at + 13)));
  BOOST_REQUIRE(admin_port != 0);
  const Headers admin{{"X-API-Key", "admin-0123456789abcdef"}};
  BOOST_TEST(request(srv.port(), http::verb::get, "/admin/dead-letters", "", admin).status == 404);
  BOOST_TEST(request(srv.port(), http::verb::get, "/metrics", "", admin).status == 404);
  BOOST_TEST(request(admin_port, http::verb::get, "/admin/dead-letters", "", admin).status == 200);
  BOOST_TEST(request(admin_port, http::verb::get, "/admin/dead-letters", "").status == 401);
  BOOST_TEST(request(admin_port, http::verb::get, "/metrics", "", admin).status == 200);
  BOOST_TEST(get(admin_port, "/healthz").status == 200);
  BOOST_TEST(post(admin_port, "/x12", gen_x12(1, 4)).status == 404);  // no data path there
  BOOST_TEST(post(srv.port(), "/x12", gen_x12(1, 4)).status == 200);   // senders not configured: open, and said
  BOOST_TEST(srv.log().find("admins are configured but no senders") != std::string::npos);
  srv.signal(SIGTERM);
  BOOST_TEST(srv.wait_exit(10s) == 0);
}

// Idempotency-Key: the retry gets the original answer (also after a restart) and nothing is
// accepted twice; the same key with another body is 422.
BOOST_AUTO_TEST_CASE(idempotency_key_returns_the_original_answer) {
  ServerProcess srv(scratch("idempotency"), base_config(""));
  BOOST_REQUIRE_MESSAGE(srv.start(), srv.log());
  const std::string claim = fixture("claim-accepted.json");
  const Headers key{{"Idempotency-Key", "retry-0001"}};
  const Response first = post(srv.port(), "/fhir/Claim", claim, key);
  BOOST_TEST(first.status == 201);
  const std::string entry = first.header("X-Claimgate-Entry-Keys");
  BOOST_TEST(!entry.empty());
  const Response again = post(srv.port(), "/fhir/Claim", claim, key);
  BOOST_TEST(again.status == 201);
  BOOST_TEST(again.body == first.body);
  BOOST_TEST(again.header("X-Claimgate-Entry-Keys") == entry);
  BOOST_TEST(again.header("Idempotent-Replayed") == "true");
  const std::string x12 = gen_x12(3, 21);
  const Response x1 = post(srv.port(), "/x12", x12, {{"Idempotency-Key", "x12-0001"}});
  const Response x2 = post(srv.port(), "/x12", x12, {{"Idempotency-Key", "x12-0001"}});
  BOOST_TEST(x1.status == 200);
  BOOST_TEST(x2.body == x1.body);
  BOOST_TEST(x2.header("X-Claimgate-Entry-Keys") == x1.header("X-Claimgate-Entry-Keys"));
  BOOST_TEST(post(srv.port(), "/fhir/Claim", claim + " ", key).status == 422);
  BOOST_TEST(post(srv.port(), "/fhir/Claim", claim, {{"Idempotency-Key", "bad key"}}).status == 400);
  const double appended = metric(get(srv.port(), "/metrics").body, "claimgate_spool_appended_total");
  srv.signal(SIGTERM);
  BOOST_REQUIRE(srv.wait_exit(10s) == 0);
  BOOST_REQUIRE(srv.start());
  const Response after = post(srv.port(), "/fhir/Claim", claim, key);
  BOOST_TEST(after.status == 201);
  BOOST_TEST(after.header("X-Claimgate-Entry-Keys") == entry);
  BOOST_TEST(metric(get(srv.port(), "/metrics").body, "claimgate_spool_appended_total") == 0);  // nothing new this run
  BOOST_TEST(appended >= 2);
  // Without a key the same body is accepted again (a new submission).
  const Response fresh = post(srv.port(), "/fhir/Claim", claim);
  BOOST_TEST(fresh.header("X-Claimgate-Entry-Keys") != entry);
  srv.signal(SIGTERM);
  BOOST_TEST(srv.wait_exit(10s) == 0);
}

BOOST_AUTO_TEST_SUITE_END()
