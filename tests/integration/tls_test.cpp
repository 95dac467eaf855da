// TLS on both sides, with certificates the test makes (openssl CLI) on 127.0.0.1: the HTTPS
// listener (TLS 1.2 forward-secret suites and TLS 1.3 only), mutual TLS naming a sender by its
// certificate, and an HTTPS upstream that requires the gateway's client certificate and is
// verified against the configured CA bundle.
#include "tests/integration/harness.hpp"

#include <boost/asio/ssl.hpp>
#include <boost/test/unit_test.hpp>

using namespace cg::itest;
namespace ssl = asio::ssl;

namespace {

const fs::path kSource = CG_SOURCE_DIR;

bool sh(const std::string& cmd) { return std::system((cmd + " >/dev/null 2>&1").c_str()) == 0; }

// A CA, a server certificate for 127.0.0.1 and client certificates signed by it, and a client
// certificate with the same name from another CA.
bool make_pki(const fs::path& d) {
  const std::string p = d.string() + "/";
  const auto cert = [&](const std::string& name, const std::string& cn, const std::string& ca, const std::string& ext) {
    return sh("openssl req -new -newkey rsa:2048 -nodes -keyout " + p + name + ".key -subj /CN=" + cn + " -out " + p + name +
              ".csr") &&
           sh("openssl x509 -req -in " + p + name + ".csr -CA " + p + ca + ".pem -CAkey " + p + ca + ".key -CAcreateserial -days 2 " +
              ext + " -out " + p + name + ".pem");
  };
  write_text(d / "server.ext", "subjectAltName=IP:127.0.0.1,DNS:localhost\n");
  for (const char* ca : {"ca", "rogue-ca"}) {
    if (!sh("openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj /CN=" + std::string(ca) + " -keyout " + p + ca + ".key -out " + p +
            ca + ".pem")) {
      return false;
    }
  }
  return cert("server", "127.0.0.1", "ca", "-extfile " + p + "server.ext") && cert("clinic", "clinic-tls", "ca", "") &&
         cert("gateway", "claimgate-gateway", "ca", "") && cert("rogue", "clinic-tls", "rogue-ca", "");
}

struct TlsClientOptions {
  std::string cert, key;
  int max_version = 0;  // e.g. TLS1_1_VERSION
  std::string ciphers;  // TLS 1.2 list
};

// One request over TLS; status 0 when the handshake or exchange failed (error says which).
Response tls_request(std::uint16_t port, const fs::path& ca, const TlsClientOptions& o, const std::string& target,
                     const std::string& body, const std::vector<std::pair<std::string, std::string>>& headers = {}) {
  Response r;
  asio::io_context ioc;
  ssl::context ctx(ssl::context::tls_client);
  ctx.load_verify_file(ca.string());
  ctx.set_verify_mode(ssl::verify_peer);
  if (!o.cert.empty()) {
    ctx.use_certificate_chain_file(o.cert);
    ctx.use_private_key_file(o.key, ssl::context::pem);
  }
  if (o.max_version) {
    SSL_CTX_set_min_proto_version(ctx.native_handle(), 0);
    SSL_CTX_set_max_proto_version(ctx.native_handle(), o.max_version);
  }
  if (!o.ciphers.empty()) SSL_CTX_set_cipher_list(ctx.native_handle(), o.ciphers.c_str());
  ssl::stream<tcp::socket> s(ioc, ctx);
  beast::error_code ec;
  s.next_layer().connect(tcp::endpoint(asio::ip::make_address("127.0.0.1"), port), ec);
  if (ec) {
    r.error = "connect: " + ec.message();
    return r;
  }
  set_timeouts(s.next_layer(), 10);
  s.handshake(ssl::stream_base::client, ec);
  if (ec) {
    r.error = "handshake: " + ec.message();
    return r;
  }
  http::request<http::string_body> req{body.empty() ? http::verb::get : http::verb::post, target, 11};
  req.set(http::field::host, "127.0.0.1");
  for (const auto& [k, v] : headers) req.set(k, v);
  req.body() = body;
  req.prepare_payload();
  req.keep_alive(false);
  http::write(s, req, ec);
  if (ec) {
    r.error = "write: " + ec.message();
    return r;
  }
  beast::flat_buffer buf;
  http::response<http::string_body> res;
  http::read(s, buf, res, ec);
  if (ec && ec != ssl::error::stream_truncated) {
    r.error = "read: " + ec.message();
    return r;
  }
  r.status = static_cast<int>(res.result_int());
  r.body = res.body();
  return r;
}

// An HTTPS payer that requires a client certificate from `ca` and records Idempotency-Keys.
class TlsUpstream {
 public:
  TlsUpstream(const fs::path& pki) : ctx_(ssl::context::tls_server), acceptor_(ioc_, tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0)) {
    ctx_.use_certificate_chain_file((pki / "server.pem").string());
    ctx_.use_private_key_file((pki / "server.key").string(), ssl::context::pem);
    ctx_.load_verify_file((pki / "ca.pem").string());
    ctx_.set_verify_mode(ssl::verify_peer | ssl::verify_fail_if_no_peer_cert);
    port_ = acceptor_.local_endpoint().port();
    thread_ = std::thread([this] { loop(); });
  }
  ~TlsUpstream() {
    stop_ = true;
    beast::error_code ec;
    tcp::socket wake(ioc_);
    wake.connect(tcp::endpoint(asio::ip::make_address("127.0.0.1"), port_), ec);
    wake.close(ec);
    thread_.join();
  }
  [[nodiscard]] std::uint16_t port() const { return port_; }
  [[nodiscard]] std::size_t received() const { return received_.load(); }
  [[nodiscard]] std::size_t refused_handshakes() const { return refused_.load(); }

 private:
  void loop() {
    while (!stop_) {
      tcp::socket sock(ioc_);
      beast::error_code ec;
      acceptor_.accept(sock, ec);
      if (ec || stop_) break;
      set_timeouts(sock, 5);
      ssl::stream<tcp::socket> s(std::move(sock), ctx_);
      s.handshake(ssl::stream_base::server, ec);
      if (ec) {
        ++refused_;
        continue;
      }
      beast::flat_buffer buf;
      for (;;) {
        http::request<http::string_body> req;
        http::read(s, buf, req, ec);
        if (ec) break;
        if (!req["Idempotency-Key"].empty()) ++received_;
        http::response<http::string_body> res{http::status::ok, 11};
        res.body() = "ok";
        res.keep_alive(req.keep_alive());
        res.prepare_payload();
        http::write(s, res, ec);
        if (ec || !req.keep_alive()) break;
      }
      s.shutdown(ec);
    }
  }

  asio::io_context ioc_;
  ssl::context ctx_;
  tcp::acceptor acceptor_;
  std::uint16_t port_ = 0;
  std::thread thread_;
  std::atomic<bool> stop_{false};
  std::atomic<std::size_t> received_{0}, refused_{0};
};

}  // namespace

BOOST_AUTO_TEST_SUITE(tls)

BOOST_AUTO_TEST_CASE(https_listener_mutual_tls_and_https_upstream) {
  const fs::path dir = scratch("tls");
  const fs::path pki = dir / "pki";
  fs::create_directories(pki);
  if (!make_pki(pki)) {
    BOOST_TEST_MESSAGE("openssl CLI not available: TLS test skipped");
    return;
  }
  TlsUpstream up(pki);
  const std::string p = pki.string() + "/";
  const std::string base = "https://127.0.0.1:" + std::to_string(up.port());
  const std::string cfg =
      "{\"threads\": 2, \"tls\": {\"cert_file\": \"" + p + "server.pem\", \"key_file\": \"" + p + "server.key\", \"client_ca_file\": \"" + p +
      "ca.pem\", \"client_cert\": \"optional\"},"
      "\"senders\": [{\"id\": \"clinic-tls\", \"client_cert_cn\": \"clinic-tls\"},"
      "              {\"id\": \"clinic-key\", \"api_key\": \"key-0123456789abcdef\"}],"
      "\"admins\": [{\"id\": \"ops\", \"api_key\": \"admin-0123456789abcdef\"}],"
      "\"forward\": {\"workers\": 1, \"backoff_initial_ms\": 20, \"backoff_max_ms\": 200, \"default_target\": \"payer\","
      " \"targets\": {\"payer\": {\"type\": \"http\", \"fhir_url\": \"" + base + "/fhir\", \"ca_file\": \"" + p +
      "ca.pem\", \"client_cert_file\": \"" + p + "gateway.pem\", \"client_key_file\": \"" + p + "gateway.key\"}}}}";
  ServerProcess srv(dir / "server", cfg);
  BOOST_REQUIRE_MESSAGE(srv.start(), srv.log());
  const auto port = srv.port();
  const fs::path ca = pki / "ca.pem";
  const std::string claim = read_text(kSource / "tests/integration/data/claim-accepted.json");
  const TlsClientOptions clinic{p + "clinic.pem", p + "clinic.key", 0, ""};

  // The sender named by its certificate; the claim reaches the HTTPS payer over mutual TLS.
  const Response ok = tls_request(port, ca, clinic, "/fhir/Claim", claim);
  BOOST_TEST(ok.status == 201, ok.error << ok.body);
  BOOST_TEST(wait_for([&] { return up.received() == 1; }, 10s));
  // No certificate: an API key still works (client_cert optional); neither: 401.
  BOOST_TEST(tls_request(port, ca, {}, "/fhir/Claim/$validate", claim, {{"X-API-Key", "key-0123456789abcdef"}}).status == 200);
  BOOST_TEST(tls_request(port, ca, {}, "/fhir/Claim/$validate", claim).status == 401);
  // A certificate with the right name from another CA: refused by the TLS layer (with TLS 1.3
  // the client learns it on its first read).
  const Response rogue = tls_request(port, ca, {p + "rogue.pem", p + "rogue.key", 0, ""}, "/fhir/Claim", claim);
  BOOST_TEST(rogue.status == 0);
  BOOST_TEST(rogue.error.find("unknown ca") != std::string::npos, rogue.error);
  // TLS 1.1, and TLS 1.2 without forward secrecy, are refused; ECDHE with AES-GCM and TLS 1.3 work.
  BOOST_TEST(tls_request(port, ca, {"", "", TLS1_1_VERSION, "DEFAULT:@SECLEVEL=0"}, "/healthz", "").status == 0);
  BOOST_TEST(tls_request(port, ca, {"", "", TLS1_2_VERSION, "AES128-GCM-SHA256:AES256-SHA256"}, "/healthz", "").status == 0);
  BOOST_TEST(tls_request(port, ca, {"", "", TLS1_2_VERSION, "ECDHE-RSA-AES128-GCM-SHA256"}, "/healthz", "").status == 200);
  BOOST_TEST(tls_request(port, ca, {"", "", TLS1_3_VERSION, ""}, "/healthz", "").status == 200);
  srv.signal(SIGTERM);
  BOOST_TEST(srv.wait_exit(10s) == 0);
  BOOST_TEST(srv.log().find("\"sender\":\"clinic-tls\"") != std::string::npos);
  BOOST_TEST(read_text(srv.var() / "audit.log").find("\"auth\":\"client_cert\"") != std::string::npos);

  // An upstream whose certificate does not chain to the configured CA bundle gets nothing.
  const std::string bad = std::string(cfg).replace(cfg.find(p + "ca.pem\", \"client_cert_file"), (p + "ca.pem").size(), p + "rogue-ca.pem");
  ServerProcess srv2(dir / "server2", bad);
  BOOST_REQUIRE_MESSAGE(srv2.start(), srv2.log());
  BOOST_TEST(tls_request(srv2.port(), ca, clinic, "/fhir/Claim", claim).status == 201);
  BOOST_TEST(wait_for([&] { return srv2.log().find("forward.retry") != std::string::npos; }, 10s), srv2.log());
  BOOST_TEST(up.received() == 1u);
  srv2.signal(SIGTERM);
  BOOST_TEST(srv2.wait_exit(10s) == 0);
}

BOOST_AUTO_TEST_SUITE_END()
