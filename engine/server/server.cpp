#include "engine/server/server.hpp"
#include "engine/clock.hpp"

#include "engine/delivery/dead_letter.hpp"
#include "engine/log.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http.hpp>

#include <algorithm>
#include <atomic>
#include <functional>
#include <cctype>
#include <chrono>
#include <ctime>
#include <map>
#include <mutex>
#include <random>
#include <thread>

namespace cg::engine {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;
using Clock = std::chrono::steady_clock;
using boost::system::error_code;

namespace {

constexpr std::size_t kChunk = 64 * 1024;
constexpr std::string_view kEdiX12 = "application/edi-x12";

// Exactly what this server implements; nothing more is claimed.
constexpr std::string_view kCapabilityStatement = R"({
  "resourceType": "CapabilityStatement",
  "status": "active",
  "date": "2026-01-01",
  "kind": "instance",
  "software": {"name": "claimgate", "version": "0.1.0"},
  "implementation": {"description": "claimgate claim gateway: validates Claims against ICD-10-CM and payer rule packs, forwards the accepted ones"},
  "fhirVersion": "4.0.1",
  "format": ["application/fhir+json", "json"],
  "rest": [{
    "mode": "server",
    "documentation": "Claims are validated and, when accepted, queued durably for the payer; the ClaimResponse reports outcome 'queued'.",
    "resource": [{
      "type": "Claim",
      "profile": "http://hl7.org/fhir/StructureDefinition/Claim",
      "interaction": [{"code": "create", "documentation": "POST [base]/Claim: a Claim or a Bundle of Claims; 201 + ClaimResponse when accepted, 422 + OperationOutcome when rejected"}],
      "versioning": "no-version",
      "readHistory": false,
      "updateCreate": false,
      "operation": [
        {"name": "submit", "definition": "http://hl7.org/fhir/OperationDefinition/Claim-submit", "documentation": "POST [base]/Claim/$submit: 200 + ClaimResponse when accepted, 422 + OperationOutcome when rejected"},
        {"name": "validate", "definition": "http://hl7.org/fhir/OperationDefinition/Resource-validate", "documentation": "POST [base]/Claim/$validate: 200 + OperationOutcome; never forwarded"}
      ]
    }],
    "interaction": [{"code": "batch", "documentation": "POST [base] with a Bundle of type batch whose entries POST Claims; answered with a batch-response Bundle"}]
  }]
}
)";

std::string error_json(std::string_view code, std::string_view message) {
  std::string j = "{\"error\":\"";
  log::append_json_escaped(j, code);
  j += "\",\"message\":\"";
  log::append_json_escaped(j, message);
  j += "\"}\n";
  return j;
}

std::string operation_outcome(std::string_view issue_code, std::string_view message) {
  std::string j = R"({"resourceType":"OperationOutcome","issue":[{"severity":"error","code":")";
  log::append_json_escaped(j, issue_code);
  j += R"(","diagnostics":")";
  log::append_json_escaped(j, message);
  j += "\"}]}\n";
  return j;
}

struct Answer {
  int status = 200;
  std::string content_type = "application/json";
  std::string body;
  std::vector<std::pair<std::string, std::string>> headers;
  bool close = false;
};

bool valid_token(std::string_view s, std::size_t max) {
  if (s.empty() || s.size() > max) return false;
  for (const char c : s)
    if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_' || c == '.')) return false;
  return true;
}

// One client connection. Lives in a shared_ptr held by its coroutine and by pending timer
// handlers; everything runs on its strand.
struct Conn : std::enable_shared_from_this<Conn> {
  explicit Conn(tcp::socket s) : socket(std::move(s)), timer(socket.get_executor()) {}

  tcp::socket socket;
  std::unique_ptr<asio::ssl::stream<tcp::socket&>> tls;
  asio::steady_timer timer;
  std::uint64_t gen = 0;
  bool timed_out = false;
  std::atomic<bool> idle{false};
  beast::flat_buffer buffer;
  std::vector<char> chunk;
  std::uint64_t id = 0;
  bool loopback = false;

  void arm(Clock::duration d) {
    ++gen;
    timed_out = false;
    timer.expires_after(d);
    // A weak reference: the handler must never be the last owner of the connection (that
    // would destroy the timer and the socket from inside their own completion).
    timer.async_wait([weak = weak_from_this(), g = gen](const error_code& ec) {
      if (ec) return;
      const auto self = weak.lock();
      if (!self || g != self->gen) return;
      self->timed_out = true;
      error_code ignored;
      self->socket.cancel(ignored);
    });
  }
  void disarm() {
    ++gen;
    timer.cancel();
  }
};

}  // namespace

struct Server::Impl {
  ServerConfig config;
  ServerParts parts;
  asio::io_context ioc;
  std::unique_ptr<asio::ssl::context> ssl_ctx;
  tcp::acceptor acceptor{ioc};
  asio::signal_set signals{ioc};
  std::vector<std::thread> threads;
  std::atomic<std::uint32_t> connections{0};
  std::atomic<bool> draining{false};
  std::atomic<bool> stopped{false};
  std::atomic<std::uint64_t> next_request{1};
  std::atomic<std::uint64_t> next_conn{1};
  std::uint32_t request_prefix = 0;
  std::mutex registry_mutex;
  std::map<std::uint64_t, std::weak_ptr<Conn>> registry;
  std::map<std::string, std::string> api_keys;  // key -> sender id

  Impl(ServerConfig c, ServerParts p)
      : config(std::move(c)), parts(std::move(p)), ioc(static_cast<int>(threads_wanted())) {
    std::random_device rd;
    request_prefix = rd();
    // Never a per-run counter: numbers must not repeat across restarts (throws at startup).
    if (!parts.control_numbers) parts.control_numbers = ControlNumbers::durable(config.data_dir + "/control-numbers", 64);
    for (const auto& s : config.senders) api_keys[s.api_key] = s.id;
  }

  [[nodiscard]] std::uint32_t threads_wanted() const {
    if (config.threads > 0) return config.threads;
    const unsigned hc = std::thread::hardware_concurrency();
    return hc == 0 ? 1 : hc;
  }

  [[nodiscard]] bool ready() const {
    return parts.pipeline && parts.spool && parts.spool->stats().healthy && !draining.load();
  }

  // ---- accept ---------------------------------------------------------------------------

  asio::awaitable<void> accept_loop() {
    for (;;) {
      error_code ec;
      tcp::socket socket(asio::make_strand(ioc));
      co_await acceptor.async_accept(socket, asio::redirect_error(asio::use_awaitable, ec));
      if (draining.load() || ec == asio::error::operation_aborted) co_return;
      if (ec) {
        log::Line(log::Level::Warn, "accept_failed").str("error", ec.message());
        asio::steady_timer t(ioc, std::chrono::milliseconds(50));
        co_await t.async_wait(asio::redirect_error(asio::use_awaitable, ec));
        continue;
      }
      start_conn(std::move(socket));
    }
  }

  // Kept out of the coroutines: GCC 12 mishandles some temporaries inside co_await
  // expressions, so executors are only copied in plain functions.
  void start_conn(tcp::socket socket) {
    auto conn = std::make_shared<Conn>(std::move(socket));
    conn->id = next_conn.fetch_add(1);
    error_code ignored;
    conn->socket.set_option(tcp::no_delay(true), ignored);
    const auto peer = conn->socket.remote_endpoint(ignored);
    conn->loopback = !ignored && peer.address().is_loopback();
    const bool over = connections.fetch_add(1) >= config.limits.max_connections;
    parts.metrics->connection_opened();
    {
      std::lock_guard lock(registry_mutex);
      registry[conn->id] = conn;
    }
    const auto executor = conn->socket.get_executor();
    asio::co_spawn(executor, run_conn(conn, over), asio::detached);
  }

  asio::awaitable<void> run_conn(std::shared_ptr<Conn> conn, bool over_limit) {
    try {
      if (over_limit) {
        parts.metrics->refusal(Refusal::MaxConnections);
        Answer a{503, "application/json", error_json("max_connections", "too many connections; retry later"), {}, true};
        a.headers.emplace_back("Retry-After", std::to_string(config.limits.retry_after_s));
        co_await write_answer(*conn, conn->socket, a, 11, false, Endpoint::Other, Clock::now());
        co_await linger_close(*conn);
      } else if (ssl_ctx) {
        conn->tls = std::make_unique<asio::ssl::stream<tcp::socket&>>(conn->socket, *ssl_ctx);
        conn->arm(std::chrono::milliseconds(config.limits.header_timeout_ms));
        error_code ec;
        co_await conn->tls->async_handshake(asio::ssl::stream_base::server, asio::redirect_error(asio::use_awaitable, ec));
        conn->disarm();
        if (!ec) {
          co_await session(*conn, *conn->tls);
          conn->arm(std::chrono::seconds(2));
          co_await conn->tls->async_shutdown(asio::redirect_error(asio::use_awaitable, ec));
          conn->disarm();
        }
      } else {
        co_await session(*conn, conn->socket);
      }
    } catch (const std::exception& e) {
      log::Line(log::Level::Error, "session_failed").str("error", e.what());
    }
    error_code ignored;
    conn->timer.cancel();
    conn->socket.close(ignored);
    connections.fetch_sub(1);
    parts.metrics->connection_closed();
    std::lock_guard lock(registry_mutex);
    registry.erase(conn->id);
  }

  // Half-closes, then reads and discards what the client still sends (bounded), so that it
  // sees the answer instead of a reset.
  asio::awaitable<void> linger_close(Conn& c) {
    error_code ec;
    c.socket.shutdown(tcp::socket::shutdown_send, ec);
    if (ec) co_return;
    c.arm(std::chrono::seconds(2));
    char sink[16 * 1024];
    std::size_t total = 0;
    while (total < (16u << 20)) {
      const std::size_t n = co_await c.socket.async_read_some(asio::buffer(sink), asio::redirect_error(asio::use_awaitable, ec));
      if (ec) break;
      total += n;
    }
    c.disarm();
  }

  // ---- one connection: requests in turn -----------------------------------------------

  template <class Stream>
  asio::awaitable<void> session(Conn& c, Stream& stream) {
    const auto& lim = config.limits;
    for (;;) {
      error_code ec;
      constexpr bool kPlain = std::is_same_v<Stream, tcp::socket>;
      bool tls_idle = false;
      if (c.buffer.size() == 0) {
        if (draining.load()) co_return;
        if constexpr (kPlain) {
          // Between requests: wait for the first byte without the header clock running, so an
          // idle keep-alive connection is closed silently and a drain can close it at once.
          c.idle.store(true);
          c.arm(std::chrono::milliseconds(lim.idle_timeout_ms));
          co_await c.socket.async_wait(tcp::socket::wait_read, asio::redirect_error(asio::use_awaitable, ec));
          c.idle.store(false);
          c.disarm();
          if (ec || draining.load()) co_return;
        } else {
          // TLS may hold decrypted bytes the socket no longer shows: the header read itself
          // runs on the idle clock, and a timeout before any byte is a silent close.
          tls_idle = true;
        }
      }
      const auto started = Clock::now();
      http::request_parser<http::buffer_body> parser;
      parser.header_limit(lim.max_header_bytes);
      parser.body_limit(lim.max_body_bytes);
      c.idle.store(tls_idle);
      c.arm(std::chrono::milliseconds(tls_idle ? std::max(lim.idle_timeout_ms, lim.header_timeout_ms) : lim.header_timeout_ms));
      co_await http::async_read_header(stream, c.buffer, parser, asio::redirect_error(asio::use_awaitable, ec));
      c.idle.store(false);
      const bool timed_out = c.timed_out;
      c.disarm();
      if (ec && tls_idle && !parser.got_some()) co_return;
      if (ec) {
        Answer a;
        a.close = true;
        if (timed_out) {
          parts.metrics->refusal(Refusal::ReadTimeout);
          a.status = 408;
          a.body = error_json("request_timeout", "the request header did not arrive in time");
        } else if (ec == http::error::header_limit) {
          parts.metrics->refusal(Refusal::HeaderTooLarge);
          a.status = 431;
          a.body = error_json("header_too_large", "the request header exceeds " + std::to_string(lim.max_header_bytes) + " bytes");
        } else if (ec == http::error::body_limit) {
          parts.metrics->refusal(Refusal::BodyTooLarge);
          a.status = 413;
          a.body = error_json("body_too_large", "the body exceeds " + std::to_string(lim.max_body_bytes) + " bytes");
        } else if (ec == http::error::end_of_stream || ec == asio::error::eof || ec == asio::error::connection_reset ||
                   ec == asio::error::operation_aborted) {
          co_return;
        } else {
          a.status = 400;
          a.body = error_json("bad_request", "malformed HTTP request: " + ec.message());
        }
        co_await write_answer(c, stream, a, 11, false, Endpoint::Other, started);
        if constexpr (std::is_same_v<Stream, tcp::socket>) co_await linger_close(c);
        co_return;
      }
      const auto& req = parser.get();
      const bool keep_alive = req.keep_alive();
      const unsigned version = req.version();
      Endpoint endpoint = Endpoint::Other;
      std::uint64_t request_id = next_request.fetch_add(1);
      Answer a = co_await handle(c, stream, parser, endpoint, request_id, started);
      if (draining.load() || !keep_alive) a.close = true;
      const bool wrote = co_await write_answer(c, stream, a, version, true, endpoint, started, request_id);
      if (!wrote) co_return;
      if (a.close) {
        if constexpr (std::is_same_v<Stream, tcp::socket>) {
          if (!parser.is_done()) co_await linger_close(c);
        }
        co_return;
      }
      if (!parser.is_done()) co_return;  // an unread body cannot be skipped safely
    }
  }

  template <class Stream>
  asio::awaitable<bool> write_answer(Conn& c, Stream& stream, const Answer& a, unsigned version, bool count,
                                     Endpoint endpoint, Clock::time_point started, std::uint64_t request_id = 0) {
    http::response<http::string_body> res{static_cast<http::status>(a.status), version};
    res.set(http::field::server, "claimgate/0.1");
    res.set(http::field::content_type, a.content_type);
    if (request_id) {
      char rid[32];
      std::snprintf(rid, sizeof rid, "%08x-%llu", request_prefix, static_cast<unsigned long long>(request_id));
      res.set("X-Request-Id", rid);
    }
    for (const auto& [k, v] : a.headers) res.set(k, v);
    res.keep_alive(!a.close);
    res.body() = a.body;
    res.prepare_payload();
    c.arm(std::chrono::milliseconds(config.limits.write_timeout_ms));
    error_code ec;
    co_await http::async_write(stream, res, asio::redirect_error(asio::use_awaitable, ec));
    c.disarm();
    const double seconds = std::chrono::duration<double>(Clock::now() - started).count();
    if (count || a.status >= 400) parts.metrics->request(endpoint, a.status, seconds);
    co_return !ec;
  }

  // ---- body reading ----------------------------------------------------------------------

  enum class BodyStatus { Ok, Stopped, TooLarge, Timeout, Broken };

  template <class Stream, class OnChunk>
  asio::awaitable<BodyStatus> read_body(Conn& c, Stream& stream, http::request_parser<http::buffer_body>& parser,
                                        Clock::time_point started, OnChunk&& on_chunk) {
    const auto& lim = config.limits;
    const auto deadline = started + std::chrono::milliseconds(lim.request_timeout_ms);
    if (c.chunk.empty()) c.chunk.resize(kChunk);
    if (const auto expect = parser.get()[http::field::expect]; !parser.is_done() && beast::iequals(expect, "100-continue")) {
      static constexpr std::string_view kContinue = "HTTP/1.1 100 Continue\r\n\r\n";
      error_code ec;
      c.arm(std::chrono::milliseconds(lim.write_timeout_ms));
      co_await asio::async_write(stream, asio::buffer(kContinue.data(), kContinue.size()), asio::redirect_error(asio::use_awaitable, ec));
      c.disarm();
      if (ec) co_return BodyStatus::Broken;
    }
    while (!parser.is_done()) {
      auto& body = parser.get().body();
      body.data = c.chunk.data();
      body.size = c.chunk.size();
      const auto now = Clock::now();
      if (now >= deadline) co_return BodyStatus::Timeout;
      c.arm(std::min<Clock::duration>(std::chrono::milliseconds(lim.read_timeout_ms), deadline - now));
      error_code ec;
      co_await http::async_read(stream, c.buffer, parser, asio::redirect_error(asio::use_awaitable, ec));
      const bool timed_out = c.timed_out;
      c.disarm();
      if (ec == http::error::need_buffer) ec = {};
      const std::size_t n = c.chunk.size() - body.size;
      if (n > 0 && !on_chunk(std::string_view(c.chunk.data(), n))) co_return BodyStatus::Stopped;
      if (ec) {
        if (timed_out) co_return BodyStatus::Timeout;
        if (ec == http::error::body_limit) co_return BodyStatus::TooLarge;
        co_return BodyStatus::Broken;
      }
    }
    co_return BodyStatus::Ok;
  }

  Answer body_refusal(BodyStatus s, bool fhir) {
    Answer a;
    a.close = true;
    if (fhir) a.content_type = "application/fhir+json";
    if (s == BodyStatus::TooLarge) {
      parts.metrics->refusal(Refusal::BodyTooLarge);
      a.status = 413;
      const std::string msg = "the body exceeds " + std::to_string(config.limits.max_body_bytes) + " bytes";
      a.body = fhir ? operation_outcome("too-costly", msg) : error_json("body_too_large", msg);
    } else if (s == BodyStatus::Timeout) {
      parts.metrics->refusal(Refusal::ReadTimeout);
      a.status = 408;
      const std::string msg = "the request body did not arrive in time";
      a.body = fhir ? operation_outcome("timeout", msg) : error_json("request_timeout", msg);
    } else if (s == BodyStatus::Stopped) {
      parts.metrics->refusal(Refusal::TooManyClaims);
      a.status = 413;
      const std::string msg = "more than " + std::to_string(config.limits.max_claims_per_request) + " claims in one request";
      a.body = fhir ? operation_outcome("too-costly", msg) : error_json("too_many_claims", msg);
    } else {
      a.status = 400;
      a.body = error_json("bad_request", "the request body is malformed or was cut off");
    }
    return a;
  }

  // ---- spool -----------------------------------------------------------------------------

  void spool_append_start(std::vector<SpoolItem>&& items, const asio::any_io_executor& exec,
                          std::function<void(bool, std::vector<std::string>)> done) {
    parts.spool->append(std::move(items), [exec, done = std::move(done)](bool ok, const std::vector<std::string>& keys) {
      asio::post(exec, [done, ok, keys]() mutable { done(ok, std::move(keys)); });
    });
  }

  asio::awaitable<std::tuple<bool, std::vector<std::string>>> spool_append(Conn& c, std::vector<SpoolItem> items) {
    co_return co_await asio::async_initiate<decltype(asio::use_awaitable), void(bool, std::vector<std::string>)>(
        [this, &items, &c](auto handler) {
          // The handler owns the coroutine frame: it is moved out and invoked as an rvalue on
          // the connection's strand, never run or destroyed on the spool's writer thread.
          auto h = std::make_shared<decltype(handler)>(std::move(handler));
          spool_append_start(std::move(items), c.socket.get_executor(), [h](bool ok, std::vector<std::string> keys) {
            auto moved = std::move(*h);
            std::move(moved)(ok, std::move(keys));
          });
        },
        asio::use_awaitable);
  }

  // Spools the forward items; on failure turns `a` into a 503 (nothing was accepted).
  asio::awaitable<std::vector<std::string>> spool_or_refuse(Conn& c, std::vector<ForwardItem>& forward, std::string_view sender,
                                                            Answer& a, bool fhir) {
    std::vector<std::string> keys;
    if (forward.empty()) co_return keys;
    std::vector<SpoolItem> items;
    items.reserve(forward.size());
    for (auto& f : forward) {
      SpoolItem it;
      it.payer_id = f.payer_id;
      it.content_type = f.content_type;
      it.sender = std::string(sender);
      it.claim_ids = f.claim_ids;
      it.body = std::move(f.body);
      items.push_back(std::move(it));
    }
    auto [ok, k] = co_await spool_append(c, std::move(items));
    if (!ok) {
      a = Answer{};
      a.status = 503;
      a.close = true;
      a.headers.emplace_back("Retry-After", std::to_string(config.limits.retry_after_s));
      const std::string msg = "the spool cannot be written; nothing was accepted, retry later";
      if (fhir) {
        a.content_type = "application/fhir+json";
        a.body = operation_outcome("transient", msg);
      } else {
        a.body = error_json("spool_unavailable", msg);
      }
      co_return keys;
    }
    keys = std::move(k);
    std::string joined;
    for (const auto& key : keys) joined += (joined.empty() ? "" : ",") + key;
    if (joined.size() < 4000) a.headers.emplace_back("X-Claimgate-Entry-Keys", joined);
    co_return keys;
  }

  // ---- routing ---------------------------------------------------------------------------

  template <class Stream>
  asio::awaitable<Answer> handle(Conn& c, Stream& stream, http::request_parser<http::buffer_body>& parser,
                                 Endpoint& endpoint, std::uint64_t request_id, Clock::time_point started) {
    const auto& req = parser.get();
    std::string_view target(req.target().data(), req.target().size());
    std::string_view query;
    if (const auto q = target.find('?'); q != std::string_view::npos) {
      query = target.substr(q + 1);
      target = target.substr(0, q);
    }
    const auto method = req.method();
    const bool post = method == http::verb::post;
    const bool get = method == http::verb::get;

    if (target == "/healthz") endpoint = Endpoint::Healthz;
    else if (target == "/readyz") endpoint = Endpoint::Readyz;
    else if (target == "/metrics") endpoint = Endpoint::Metrics;
    else if (target == "/x12") endpoint = Endpoint::X12;
    else if (target == "/fhir/Claim") endpoint = Endpoint::FhirClaim;
    else if (target == "/fhir/Claim/$submit") endpoint = Endpoint::FhirSubmit;
    else if (target == "/fhir/Claim/$validate") endpoint = Endpoint::FhirValidate;
    else if (target == "/fhir" || target == "/fhir/") endpoint = Endpoint::FhirBatch;
    else if (target == "/fhir/metadata") endpoint = Endpoint::FhirMetadata;
    else if (target.rfind("/admin/", 0) == 0) endpoint = Endpoint::Admin;

    Answer a;
    const auto method_not_allowed = [&](const char* allow) {
      a.status = 405;
      a.body = error_json("method_not_allowed", std::string("use ") + allow);
      a.headers.emplace_back("Allow", allow);
      a.close = !parser.is_done();
      return a;
    };
    switch (endpoint) {
      case Endpoint::Healthz:
        if (!get) co_return method_not_allowed("GET");
        a.content_type = "text/plain";
        a.body = "ok\n";
        co_return a;
      case Endpoint::Readyz:
        if (!get) co_return method_not_allowed("GET");
        a.content_type = "text/plain";
        if (ready()) {
          a.body = "ready\n";
        } else {
          a.status = 503;
          a.body = draining.load() ? "shutting down\n" : "not ready\n";
        }
        co_return a;
      case Endpoint::Metrics:
        if (!get) co_return method_not_allowed("GET");
        a.content_type = "text/plain; version=0.0.4";
        a.body = parts.metrics->render();
        co_return a;
      case Endpoint::FhirMetadata:
        if (!get) co_return method_not_allowed("GET");
        a.content_type = "application/fhir+json";
        a.body = std::string(kCapabilityStatement);
        co_return a;
      case Endpoint::Admin:
        co_return admin(c, parser, target, query, method);
      case Endpoint::Other:
        a.status = 404;
        a.body = error_json("not_found", "no such endpoint");
        a.close = !parser.is_done();
        co_return a;
      default:
        break;
    }
    if (!post) co_return method_not_allowed("POST");
    const bool fhir = endpoint != Endpoint::X12;

    // Who is sending.
    std::string sender = "anonymous";
    if (!api_keys.empty()) {
      std::string_view key(req["X-API-Key"].data(), req["X-API-Key"].size());
      const std::string_view auth(req[http::field::authorization].data(), req[http::field::authorization].size());
      if (key.empty() && auth.size() > 7 && beast::iequals(auth.substr(0, 7), "Bearer ")) key = auth.substr(7);
      const auto it = api_keys.find(std::string(key));
      if (it == api_keys.end()) {
        parts.metrics->refusal(Refusal::Unauthorized);
        a.status = 401;
        a.close = true;
        a.headers.emplace_back("WWW-Authenticate", "Bearer");
        const std::string msg = "a valid API key is required (X-API-Key or Authorization: Bearer)";
        if (fhir) {
          a.content_type = "application/fhir+json";
          a.body = operation_outcome("login", msg);
        } else {
          a.body = error_json("unauthorized", msg);
        }
        co_return a;
      }
      sender = it->second;
    } else if (const auto s = req["X-Claimgate-Sender"]; valid_token(std::string_view(s.data(), s.size()), 64)) {
      sender.assign(s.data(), s.size());
    }

    // Refusals before reading the body.
    const bool may_forward = endpoint != Endpoint::FhirValidate;
    if (!ready() || (may_forward && parts.spool->over_limit())) {
      const bool full = ready();
      parts.metrics->refusal(draining.load() ? Refusal::ShuttingDown : Refusal::SpoolFull);
      a.status = 503;
      a.close = true;
      a.headers.emplace_back("Retry-After", std::to_string(config.limits.retry_after_s));
      const std::string msg = full ? "the forwarding spool is full; retry later" : "the gateway is not ready; retry later";
      if (fhir) {
        a.content_type = "application/fhir+json";
        a.body = operation_outcome("transient", msg);
      } else {
        a.body = error_json(full ? "spool_full" : "not_ready", msg);
      }
      co_return a;
    }

    const rules::Date today = local_today();
    std::vector<std::string> keys;
    Counts counts;
    std::vector<std::string> control_numbers;
    std::vector<std::string> claim_ids;
    if (endpoint == Endpoint::X12) {
      Stamp stamp;
      stamp.allocate = [cn = parts.control_numbers](std::string_view q, std::string_view id) {
        return cn->next(q, id);
      };
      {
        const std::time_t now = std::time(nullptr);
        std::tm tm{};
        localtime_r(&now, &tm);
        char d[16], t[8];
        std::strftime(d, sizeof d, "%Y%m%d", &tm);
        std::strftime(t, sizeof t, "%H%M", &tm);
        stamp.date = d;
        stamp.time = t;
      }
      char source[40];
      std::snprintf(source, sizeof source, "request-%llu", static_cast<unsigned long long>(request_id));
      auto x12 = parts.pipeline->begin_x12(source, sender, today, stamp);
      const std::size_t max_claims = config.limits.max_claims_per_request;
      const BodyStatus bs = co_await read_body(c, stream, parser, started, [&](std::string_view chunk) {
        x12->feed(chunk);
        return x12->claims_so_far() <= max_claims;
      });
      if (bs != BodyStatus::Ok) co_return body_refusal(bs, false);
      X12Result r = x12->finish();
      x12.reset();
      counts = std::move(r.counts);
      control_numbers = std::move(r.control_numbers);
      if (counts.claims > max_claims) co_return body_refusal(BodyStatus::Stopped, false);
      if (!r.usable) {
        a.status = 400;
        a.body = error_json("not_x12", "the body is not an X12 interchange");
      } else {
        const auto accept = req[http::field::accept];
        if (std::string_view(accept.data(), accept.size()).find(kEdiX12) != std::string_view::npos) {
          a.content_type = std::string(kEdiX12);
          a.body = std::move(r.ack);
        } else {
          a.body = std::move(r.report_json);
        }
        for (const auto& f : r.forward) claim_ids.insert(claim_ids.end(), f.claim_ids.begin(), f.claim_ids.end());
        keys = co_await spool_or_refuse(c, r.forward, sender, a, false);
      }
    } else {
      std::string body;
      const auto length = parser.content_length();
      if (length && *length <= config.limits.max_body_bytes) body.reserve(static_cast<std::size_t>(*length));
      const BodyStatus bs = co_await read_body(c, stream, parser, started, [&](std::string_view chunk) {
        body.append(chunk);
        return true;
      });
      if (bs != BodyStatus::Ok) co_return body_refusal(bs, true);
      const FhirOperation op = endpoint == Endpoint::FhirClaim    ? FhirOperation::Create
                               : endpoint == Endpoint::FhirSubmit ? FhirOperation::Submit
                               : endpoint == Endpoint::FhirBatch  ? FhirOperation::Batch
                                                                  : FhirOperation::Validate;
      FhirResult r = parts.pipeline->process_fhir(body, op, sender, today);
      counts = std::move(r.counts);
      if (counts.claims > config.limits.max_claims_per_request) co_return body_refusal(BodyStatus::Stopped, true);
      a.status = r.http_status;
      a.content_type = r.content_type;
      a.body = std::move(r.body);
      if (op == FhirOperation::Validate) r.forward.clear();
      for (const auto& f : r.forward) claim_ids.insert(claim_ids.end(), f.claim_ids.begin(), f.claim_ids.end());
      keys = co_await spool_or_refuse(c, r.forward, sender, a, true);
    }
    parts.metrics->claims(a.status == 503 ? 0 : counts.accepted, counts.rejected, counts.findings_by_rule);
    if (config.log.requests && log::enabled(log::Level::Info)) {
      std::vector<std::string> rule_ids;
      for (const auto& [rule, n] : counts.findings_by_rule) rule_ids.push_back(rule);
      char rid[32];
      std::snprintf(rid, sizeof rid, "%08x-%llu", request_prefix, static_cast<unsigned long long>(request_id));
      log::Line(log::Level::Info, "request")
          .str("request_id", rid)
          .str("sender", sender)
          .str("endpoint", to_string(endpoint))
          .num("status", a.status)
          .num("claims", static_cast<std::int64_t>(counts.claims))
          .num("accepted", static_cast<std::int64_t>(counts.accepted))
          .num("rejected", static_cast<std::int64_t>(counts.rejected))
          .num("warnings", static_cast<std::int64_t>(counts.warnings))
          .list("claim_ids", claim_ids)
          .list("control_numbers", control_numbers)
          .list("rule_ids", rule_ids, 50)
          .list("spool_keys", keys, 10)
          .real("latency_ms", std::chrono::duration<double, std::milli>(Clock::now() - started).count());
    }
    co_return a;
  }

  Answer admin(Conn& c, http::request_parser<http::buffer_body>& parser, std::string_view target,
               std::string_view query, http::verb method) {
    Answer a;
    a.close = !parser.is_done();
    if (!c.loopback) {
      a.status = 404;
      a.body = error_json("not_found", "no such endpoint");
      return a;
    }
    std::string error;
    if (target == "/admin/dead-letters" && method == http::verb::get) {
      auto letters = list_dead_letters(config.dead_letter_dir, error);
      a.body = dead_letters_json(letters);
      return a;
    }
    if (target == "/admin/dead-letters/replay" && method == http::verb::post) {
      std::string key;
      if (query.rfind("key=", 0) == 0) key = std::string(query.substr(4));
      // Blocks this io thread for the fsync: an operator action, not the data path.
      const std::size_t n = replay_dead_letters(config.dead_letter_dir, *parts.spool, key, error);
      a.status = error.empty() || n > 0 ? 200 : 404;
      a.body = "{\"replayed\":" + std::to_string(n) + ",\"error\":\"";
      log::append_json_escaped(a.body, error);
      a.body += "\"}\n";
      return a;
    }
    a.status = 404;
    a.body = error_json("not_found", "admin endpoints: GET /admin/dead-letters, POST /admin/dead-letters/replay[?key=K]");
    return a;
  }

  // ---- shutdown --------------------------------------------------------------------------

  // Closes an idle connection (or any, when forced) on its strand.
  static void poke(std::shared_ptr<Conn> p, bool force) {
    const auto executor = p->socket.get_executor();
    asio::post(executor, [p = std::move(p), force] {
      if (force || p->idle.load()) {
        error_code ignored;
        p->socket.cancel(ignored);
        if (force) p->socket.shutdown(tcp::socket::shutdown_both, ignored);
      }
    });
  }

  asio::awaitable<void> drain() {
    log::Line(log::Level::Info, "shutdown.begin").num("connections", connections.load());
    error_code ec;
    acceptor.close(ec);
    const auto deadline = Clock::now() + std::chrono::milliseconds(config.limits.shutdown_grace_ms);
    asio::steady_timer tick(ioc);
    for (;;) {
      std::vector<std::shared_ptr<Conn>> conns;
      {
        std::lock_guard lock(registry_mutex);
        for (auto& [id, w] : registry)
          if (auto p = w.lock()) conns.push_back(std::move(p));
      }
      if (conns.empty()) break;
      const bool force = Clock::now() >= deadline;
      for (auto& p : conns) poke(std::move(p), force);
      tick.expires_after(std::chrono::milliseconds(20));
      co_await tick.async_wait(asio::redirect_error(asio::use_awaitable, ec));
    }
    signals.cancel(ec);
    log::Line(log::Level::Info, "shutdown.connections_closed");
    ioc.stop();
  }

  void begin_drain() {
    if (draining.exchange(true)) return;
    asio::co_spawn(ioc, drain(), asio::detached);
  }
};

Server::Server(ServerConfig config, ServerParts parts) : impl_(std::make_unique<Impl>(std::move(config), std::move(parts))) {}

Server::~Server() {
  if (!impl_->threads.empty()) {
    request_stop();
    wait();
  }
}

std::string Server::start() {
  Impl& m = *impl_;
  if (m.config.tls.enabled()) {
    m.ssl_ctx = std::make_unique<asio::ssl::context>(asio::ssl::context::tls_server);
    m.ssl_ctx->set_options(asio::ssl::context::default_workarounds | asio::ssl::context::no_sslv2 |
                           asio::ssl::context::no_sslv3 | asio::ssl::context::no_tlsv1 | asio::ssl::context::no_tlsv1_1);
    error_code ec;
    m.ssl_ctx->use_certificate_chain_file(m.config.tls.cert_file, ec);
    if (ec) return "tls.cert_file: " + m.config.tls.cert_file + ": " + ec.message();
    m.ssl_ctx->use_private_key_file(m.config.tls.key_file, asio::ssl::context::pem, ec);
    if (ec) return "tls.key_file: " + m.config.tls.key_file + ": " + ec.message();
  }
  error_code ec;
  const auto address = asio::ip::make_address(m.config.listen_address, ec);
  if (ec) return "listen: bad address " + m.config.listen_address;
  const tcp::endpoint ep(address, m.config.listen_port);
  m.acceptor.open(ep.protocol(), ec);
  if (!ec) m.acceptor.set_option(asio::socket_base::reuse_address(true), ec);
  if (!ec) m.acceptor.bind(ep, ec);
  if (!ec) m.acceptor.listen(asio::socket_base::max_listen_connections, ec);
  if (ec) return "listen: cannot listen on " + m.config.listen_address + ":" + std::to_string(m.config.listen_port) + ": " + ec.message();
  m.signals.add(SIGTERM, ec);
  m.signals.add(SIGINT, ec);
  m.signals.async_wait([&m](const error_code& e, int sig) {
    if (e) return;
    log::Line(log::Level::Info, "signal").num("signal", sig);
    m.begin_drain();
  });
  asio::co_spawn(m.ioc, m.accept_loop(), asio::detached);
  const std::uint32_t n = m.threads_wanted();
  for (std::uint32_t i = 0; i < n; ++i) {
    m.threads.emplace_back([&m] {
      for (;;) {
        try {
          m.ioc.run();
          return;
        } catch (const std::exception& e) {
          log::Line(log::Level::Error, "io_thread_exception").str("error", e.what());
        }
      }
    });
  }
  log::Line(log::Level::Info, "listening")
      .str("address", m.config.listen_address)
      .num("port", port())
      .num("threads", n)
      .boolean("tls", m.ssl_ctx != nullptr);
  return {};
}

std::uint16_t Server::port() const {
  error_code ec;
  const auto ep = impl_->acceptor.local_endpoint(ec);
  return ec ? 0 : ep.port();
}

void Server::request_stop() {
  asio::post(impl_->ioc, [m = impl_.get()] { m->begin_drain(); });
}

void Server::wait() {
  for (auto& t : impl_->threads)
    if (t.joinable()) t.join();
  impl_->threads.clear();
}

}  // namespace cg::engine
