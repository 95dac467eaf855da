#include "engine/server/server.hpp"
#include "engine/clock.hpp"

#include "engine/delivery/dead_letter.hpp"
#include "engine/delivery/receipts.hpp"
#include "engine/ids.hpp"
#include "engine/log.hpp"
#include "engine/server/audit.hpp"
#include "engine/server/auth.hpp"
#include "engine/server/claim_status.hpp"
#include "engine/server/console.hpp"
#include "engine/server/idempotency.hpp"

#include <openssl/ssl.h>
#include <openssl/x509.h>

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
#include <boost/asio/thread_pool.hpp>
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
#include <thread>

namespace cg::engine {

// docs/openapi.json with the report schema, compiled in (engine/server/openapi.cmake).
extern const std::string_view kOpenApiDocument;

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;
using Clock = std::chrono::steady_clock;
using boost::system::error_code;

namespace {

constexpr std::size_t kChunk = 64 * 1024;
constexpr std::uint64_t kIsaPeek = 4096;  // bytes read of an oversized X12 body, for its TA1
constexpr std::string_view kEdiX12 = "application/edi-x12";

// Exactly what this server implements; nothing more is claimed.
constexpr std::string_view kCapabilityStatement = R"cap({
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
      "interaction": [{"code": "create", "documentation": "POST [base]/Claim: one Claim (a Bundle holding exactly one Claim is read as that Claim; several Claims go to $submit or the system batch); 201 + ClaimResponse and Location ClaimResponse/[key] when accepted, 422 + OperationOutcome when rejected"}],
      "versioning": "no-version",
      "readHistory": false,
      "updateCreate": false,
      "operation": [
        {"name": "submit", "definition": "http://hl7.org/fhir/OperationDefinition/Claim-submit", "documentation": "POST [base]/Claim/$submit: a Claim (200 + ClaimResponse when accepted, 422 + OperationOutcome when rejected) or a Bundle of Claims (200 + batch-response Bundle)"},
        {"name": "validate", "definition": "http://hl7.org/fhir/OperationDefinition/Resource-validate", "documentation": "POST [base]/Claim/$validate: 200 + OperationOutcome; never forwarded"}
      ]
    }, {
      "type": "ClaimResponse",
      "profile": "http://hl7.org/fhir/StructureDefinition/ClaimResponse",
      "interaction": [{"code": "read", "documentation": "GET [base]/ClaimResponse/[key]: what became of an accepted Claim (outcome queued, complete = forwarded, error = dead-lettered)"}],
      "versioning": "no-version",
      "readHistory": false,
      "updateCreate": false
    }],
    "interaction": [{"code": "batch", "documentation": "POST [base] with a Bundle of type batch whose entries POST Claims; answered with a batch-response Bundle"}]
  }]
}
)cap";

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

// Every error under /fhir is an OperationOutcome (issue code `issue`); elsewhere
// {"error": code, "message"}.
void set_error(Answer& a, bool fhir, std::string_view code, std::string_view issue, std::string_view message) {
  if (fhir) {
    a.content_type = "application/fhir+json";
    a.body = operation_outcome(issue, message);
  } else {
    a.content_type = "application/json";
    a.body = error_json(code, message);
  }
}

bool fhir_path(std::string_view target) { return target == "/fhir" || target.starts_with("/fhir/") || target.starts_with("/fhir?"); }

// The path with %XX escapes decoded (RFC 3986: "%24validate" is "$validate"); false when an
// escape is malformed or decodes to a control character.
bool decode_path(std::string_view in, std::string& out) {
  out.clear();
  for (std::size_t i = 0; i < in.size(); ++i) {
    if (in[i] != '%') {
      out += in[i];
      continue;
    }
    if (i + 2 >= in.size() || !std::isxdigit(static_cast<unsigned char>(in[i + 1])) ||
        !std::isxdigit(static_cast<unsigned char>(in[i + 2])))
      return false;
    const int v = std::stoi(std::string(in.substr(i + 1, 2)), nullptr, 16);
    if (v < 0x20 || v == 0x7f) return false;
    out += static_cast<char>(v);
    i += 2;
  }
  return true;
}

// The value of `name` in a query string ("a=1&b=2"), empty when absent.
std::string_view query_param(std::string_view query, std::string_view name) {
  while (!query.empty()) {
    const auto amp = query.find('&');
    const std::string_view pair = query.substr(0, amp);
    if (pair.size() > name.size() && pair.starts_with(name) && pair[name.size()] == '=') return pair.substr(name.size() + 1);
    if (amp == std::string_view::npos) break;
    query.remove_prefix(amp + 1);
  }
  return {};
}

// The media type of a Content-Type value, lowercase, without parameters.
std::string media_type(std::string_view v) {
  std::string t(v.substr(0, v.find(';')));
  while (!t.empty() && (t.back() == ' ' || t.back() == '\t')) t.pop_back();
  while (!t.empty() && (t.front() == ' ' || t.front() == '\t')) t.erase(0, 1);
  for (auto& ch : t) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
  return t;
}

// Which answer an X12 sender asked for: the JSON report (default), or X12 (Accept:
// application/edi-x12): all (TA1/999 then 277CA), the TA1/999 alone or the 277CA alone, chosen
// by the Accept parameter "answer" or the query parameter "answer" (999 | 277ca | all).
enum class X12Answer { Json, All, Only999, Only277ca, Bad };

X12Answer x12_answer(std::string_view accept, std::string_view query) {
  std::string wanted(query_param(query, "answer"));
  const auto at = accept.find(kEdiX12);
  if (wanted.empty() && at != std::string_view::npos) {
    // Parameters of the application/edi-x12 range: up to the next media range.
    std::string_view params = accept.substr(at + kEdiX12.size());
    params = params.substr(0, params.find(','));
    if (const auto p = params.find("answer="); p != std::string_view::npos) {
      std::string_view v = params.substr(p + 7);
      v = v.substr(0, v.find_first_of("; \t"));
      if (v.size() >= 2 && v.front() == '"' && v.back() == '"') v = v.substr(1, v.size() - 2);
      wanted = std::string(v);
    }
  }
  for (auto& ch : wanted) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
  if (wanted.empty()) return at == std::string_view::npos ? X12Answer::Json : X12Answer::All;
  if (wanted == "all") return X12Answer::All;
  if (wanted == "999") return X12Answer::Only999;
  if (wanted == "277ca") return X12Answer::Only277ca;
  return X12Answer::Bad;
}

// Why this body cannot be read here (415), empty when it can: a content coding other than
// identity (no decompression), or a media type the endpoint does not read: FHIR reads JSON
// only; X12 reads any type but JSON, XML and multipart ones (curl's default
// application/x-www-form-urlencoded included). No Content-Type: read as the endpoint's own type.
template <class Request>
std::string unsupported_media(const Request& req, Endpoint endpoint) {
  const auto enc = req[http::field::content_encoding];
  if (const std::string coding = media_type(std::string_view(enc.data(), enc.size())); !coding.empty() && coding != "identity")
    return "Content-Encoding " + coding.substr(0, 40) + " is not supported: send the body uncompressed";
  const auto ct = req[http::field::content_type];
  const std::string type = media_type(std::string_view(ct.data(), ct.size()));
  if (type.empty()) return {};
  if (endpoint == Endpoint::X12) {
    const bool other_format = type.find("json") != std::string::npos || type.find("xml") != std::string::npos ||
                              type.starts_with("multipart/");
    if (!other_format) return {};
    return "Content-Type " + type.substr(0, 80) + " is not X12: send X12 as application/edi-x12 (FHIR goes to /fhir)";
  }
  for (const std::string_view ok : {"application/fhir+json", "application/json", "application/json+fhir"})
    if (type == ok) return {};
  return "Content-Type " + type.substr(0, 80) + " is not supported: this server reads FHIR JSON (application/fhir+json)";
}

std::string_view query_of(std::string_view target) {
  const auto q = target.find('?');
  return q == std::string_view::npos ? std::string_view() : target.substr(q + 1);
}

template <class Request>
X12Answer x12_answer(const Request& req, std::string_view target) {
  const auto accept = req[http::field::accept];
  return x12_answer(std::string_view(accept.data(), accept.size()), query_of(target));
}

template <class Request>
bool wants_x12(const Request& req, std::string_view target) {
  const X12Answer a = x12_answer(req, target);
  return a != X12Answer::Json && a != X12Answer::Bad;
}

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
  std::string address;        // the client's IP address
  bool admin_listener = false;  // accepted on admin_listen
  bool probe_only = false;    // over a connection limit: one probe request, else 503
  std::string cert_cn;        // subject CN of a verified client certificate

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
  std::atomic<std::uint64_t> next_conn{1};
  std::mutex registry_mutex;
  std::map<std::uint64_t, std::weak_ptr<Conn>> registry;
  tcp::acceptor admin_acceptor{ioc};
  // Heavy work off the io threads (whole-body FHIR, the end of an X12 stream, fsyncs of
  // stored answers), so probes and other connections keep being served.
  asio::thread_pool work{threads_wanted()};
  RateLimiter rates;
  std::vector<std::string> allowed_hosts;  // lowercase; empty: any
  std::mutex clients_mutex;
  std::map<std::string, std::uint32_t> per_client;  // open connections by client address
  std::atomic<std::uint32_t> probe_slots{0};
  std::atomic<std::uint64_t> buffered_bytes{0};
  // What a reload swaps besides the pipeline: the senders and admins (keys, bindings, rates,
  // quotas), the limits, log.requests (and log.level, set globally). A request takes it once.
  struct Live {
    std::shared_ptr<const ServerConfig> config;
    Authenticator auth;
    explicit Live(std::shared_ptr<const ServerConfig> c) : config(std::move(c)), auth(*config) {}
  };
  std::shared_ptr<const Live> live_;  // under pipeline_mutex
  mutable std::mutex pipeline_mutex;  // parts.pipeline and live_ (swapped by a reload)
  std::mutex reload_mutex;            // one reload at a time
  std::atomic<bool> reload_again{false};  // a SIGHUP asked for a reload (reload_pending)
  std::unique_ptr<Console> console;  // /admin/console, /admin/status

  Impl(ServerConfig c, ServerParts p)
      : config(std::move(c)), parts(std::move(p)), ioc(static_cast<int>(threads_wanted())) {
    console = std::make_unique<Console>(config, *parts.metrics, parts.spool);
    live_ = std::make_shared<const Live>(std::make_shared<const ServerConfig>(config));
    // Never a per-run counter: numbers must not repeat across restarts (throws at startup).
    if (!parts.control_numbers) parts.control_numbers = ControlNumbers::durable(config.data_dir + "/control-numbers", 64);
    for (const auto& h : config.allowed_hosts) allowed_hosts.push_back(lower(h));
    error_code ec;
    const auto listen = asio::ip::make_address(config.listen_address, ec);
    if (allowed_hosts.empty() && !ec && listen.is_loopback()) allowed_hosts = {"localhost", "127.0.0.1", "::1", "[::1]"};
  }

  static std::string lower(std::string_view s) {
    std::string out(s);
    for (auto& ch : out) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
    return out;
  }

  void fault(std::string_view stage) const {
    if (parts.fault) parts.fault(stage);
  }

  // Request ids unique across restarts and processes: engine::unique_id (engine/ids.hpp).
  [[nodiscard]] static std::string rid(std::uint64_t request_id) { return unique_id(request_id); }

  void audit(const AuditRecord& r) {
    if (parts.audit) parts.audit->append(r);
  }

  [[nodiscard]] std::uint32_t threads_wanted() const {
    if (config.threads > 0) return config.threads;
    const unsigned hc = std::thread::hardware_concurrency();
    return hc == 0 ? 1 : hc;
  }

  [[nodiscard]] std::uint16_t admin_port() const {
    error_code ec;
    const auto ep = admin_acceptor.local_endpoint(ec);
    return ec ? 0 : ep.port();
  }

  // The pipeline now: a request takes it once and keeps it to its end, so a reload never
  // changes the rules under a request.
  [[nodiscard]] std::shared_ptr<const Pipeline> pipeline() const {
    std::lock_guard lock(pipeline_mutex);
    return parts.pipeline;
  }

  [[nodiscard]] std::shared_ptr<const Live> live() const {
    std::lock_guard lock(pipeline_mutex);
    return live_;
  }
  [[nodiscard]] Limits limits() const { return live()->config->limits; }

  // A reload (SIGHUP, POST /admin/reload): a new pipeline and settings from parts.reload,
  // swapped in together; a bad new file keeps the running ones and the answer (and the log)
  // says why.
  // One at a time, never queued: reloads waiting for the lock each held a work-pool thread, so a
  // burst of POST /admin/reload starved the validation of large bodies. While one runs, the admin
  // endpoint answers 409 and a SIGHUP makes it run once more when it ends (reload_pending).
  // Called with reload_mutex held.
  Reload reload_locked(std::string_view by) {
    Reload r;
    if (!parts.reload) {
      r.error = "reloading is not available in this server";
    } else {
      try {
        r = parts.reload();
      } catch (const std::exception& e) {
        r.pipeline.reset();
        r.error = e.what();
      }
    }
    if (r.pipeline) {
      std::shared_ptr<const Live> next = r.config ? std::make_shared<const Live>(r.config) : nullptr;
      std::lock_guard lock(pipeline_mutex);
      parts.pipeline = r.pipeline;
      if (next) {
        live_ = std::move(next);
        log::set_min_level(log::level_named(live_->config->log.level));
      }
    }
    if (r.error.empty() && !r.pipeline) r.error = "the reload produced no pipeline";
    log::Line line(r.pipeline ? log::Level::Info : log::Level::Error, r.pipeline ? "reload.done" : "reload.failed");
    line.str("by", by).str("error", r.error).list("restart_needed", r.restart_needed, 50);
    return r;
  }

  // SIGHUP, and after an admin reload: runs the reload a SIGHUP asked for, unless one is running
  // (it runs it when it ends: the flag is set before the lock is tried, checked after it is freed).
  void reload_pending() {
    for (;;) {
      std::unique_lock serial(reload_mutex, std::try_to_lock);
      if (!serial.owns_lock() || !reload_again.exchange(false)) return;
      (void)reload_locked("SIGHUP");
    }
  }

  static std::string reload_json(const Reload& r) {
    std::string j = std::string("{\"reloaded\":") + (r.pipeline ? "true" : "false") + ",\"error\":\"";
    log::append_json_escaped(j, r.error);
    j += "\",\"restart_needed\":[";
    for (std::size_t i = 0; i < r.restart_needed.size(); ++i) {
      j += i ? ",\"" : "\"";
      log::append_json_escaped(j, r.restart_needed[i]);
      j += '"';
    }
    j += "]}\n";
    return j;
  }

  // SIGTERM/SIGINT: a graceful shutdown; SIGHUP: a reload (on the work pool), then wait again.
  void wait_signal() {
    signals.async_wait([this](const error_code& e, int sig) {
      if (e) return;
      log::Line(log::Level::Info, "signal").num("signal", sig);
      if (sig == SIGHUP) {
        reload_again = true;
        asio::post(work, [this] { reload_pending(); });
        wait_signal();
        return;
      }
      begin_drain();
    });
  }

  [[nodiscard]] bool ready() const {
    return pipeline() && parts.spool && parts.spool->stats().healthy && !draining.load();
  }

  // ---- accept ---------------------------------------------------------------------------

  asio::awaitable<void> accept_loop(tcp::acceptor& from, bool admin_listener) {
    for (;;) {
      error_code ec;
      tcp::socket socket(asio::make_strand(ioc));
      co_await from.async_accept(socket, asio::redirect_error(asio::use_awaitable, ec));
      if (draining.load() || ec == asio::error::operation_aborted) co_return;
      if (ec) {
        log::Line(log::Level::Warn, "accept_failed").str("error", ec.message());
        asio::steady_timer t(ioc, std::chrono::milliseconds(50));
        co_await t.async_wait(asio::redirect_error(asio::use_awaitable, ec));
        continue;
      }
      try {
        start_conn(std::move(socket), admin_listener);
      } catch (const std::exception& e) {
        log::Line(log::Level::Error, "accept_failed").str("error", e.what());
      }
    }
  }

  // Kept out of the coroutines: GCC 12 mishandles some temporaries inside co_await
  // expressions, so executors are only copied in plain functions.
  // Gives back everything a connection holds, whichever way its coroutine ends: normally, by
  // an exception inside it, or destroyed unresumed when an exception escapes a completion
  // handler below it (the frame, and this guard in it, are destroyed then).
  struct ConnSlot {
    Impl* m;
    std::shared_ptr<Conn> conn;
    bool counted_client;
    bool probe;
    ConnSlot(Impl* impl, std::shared_ptr<Conn> c, bool client, bool p) : m(impl), conn(std::move(c)), counted_client(client), probe(p) {}
    ConnSlot(const ConnSlot&) = delete;
    ConnSlot& operator=(const ConnSlot&) = delete;
    ~ConnSlot() {
      error_code ignored;
      conn->timer.cancel();
      conn->socket.close(ignored);
      m->connections.fetch_sub(1);
      if (probe) m->probe_slots.fetch_sub(1);
      if (counted_client) {
        std::lock_guard lock(m->clients_mutex);
        const auto it = m->per_client.find(conn->address);
        if (it != m->per_client.end() && --it->second == 0) m->per_client.erase(it);
      }
      m->parts.metrics->connection_closed();
      std::lock_guard lock(m->registry_mutex);
      m->registry.erase(conn->id);
    }
  };

  // Kept out of the coroutines: GCC 12 mishandles some temporaries inside co_await
  // expressions, so executors are only copied in plain functions.
  void start_conn(tcp::socket socket, bool admin_listener) {
    auto conn = std::make_shared<Conn>(std::move(socket));
    conn->id = next_conn.fetch_add(1);
    conn->admin_listener = admin_listener;
    conn->buffer.max_size(limits().max_header_bytes + 2048);
    error_code ignored;
    conn->socket.set_option(tcp::no_delay(true), ignored);
    const auto peer = conn->socket.remote_endpoint(ignored);
    if (!ignored) conn->address = peer.address().to_string();
    const Limits lim = limits();
    const bool over_total = connections.fetch_add(1) >= lim.max_connections;
    bool over_client = false;
    {
      std::lock_guard lock(clients_mutex);
      over_client = ++per_client[conn->address] > lim.max_connections_per_client;
    }
    parts.metrics->connection_opened();
    bool probe = false;
    if (over_total || over_client) probe = probe_slots.fetch_add(1) < lim.reserved_connections;
    const bool refuse = (over_total || over_client) && !probe;
    if (refuse) {
      probe_slots.fetch_sub(1);
      parts.metrics->refusal(over_client ? Refusal::ClientConnections : Refusal::MaxConnections);
    }
    conn->probe_only = probe;
    {
      std::lock_guard lock(registry_mutex);
      registry[conn->id] = conn;
    }
    auto slot = std::make_unique<ConnSlot>(this, conn, true, probe);
    fault("accept");
    const auto executor = conn->socket.get_executor();
    asio::co_spawn(executor, run_conn(std::move(slot), refuse, over_client), asio::detached);
  }

  asio::awaitable<void> run_conn(std::unique_ptr<ConnSlot> slot, bool refuse, bool over_client) {
    const std::shared_ptr<Conn> conn = slot->conn;
    try {
      if (refuse) {
        const std::string why = over_client ? "too many connections from this address; retry later" : "too many connections; retry later";
        Answer a{503, "application/json", error_json(over_client ? "max_connections_per_client" : "max_connections", why), {}, true};
        a.headers.emplace_back("Retry-After", std::to_string(limits().retry_after_s));
        audit(AuditRecord("refusal").num("status", 503).str("reason", over_client ? "max_connections_per_client" : "max_connections")
                  .str("address", conn->address));
        co_await write_answer(*conn, conn->socket, a, 11, false, Endpoint::Other, Clock::now());
        co_await linger_close(*conn);
      } else if (ssl_ctx) {
        conn->tls = std::make_unique<asio::ssl::stream<tcp::socket&>>(conn->socket, *ssl_ctx);
        conn->arm(std::chrono::milliseconds(limits().header_timeout_ms));
        error_code ec;
        co_await conn->tls->async_handshake(asio::ssl::stream_base::server, asio::redirect_error(asio::use_awaitable, ec));
        conn->disarm();
        if (!ec) {
          conn->cert_cn = verified_client_cn(conn->tls->native_handle());
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
  }

  // The subject CN of the client certificate, when one was presented and verified.
  static std::string verified_client_cn(SSL* ssl) {
    std::string cn;
    X509* cert = SSL_get1_peer_certificate(ssl);
    if (!cert) return cn;
    if (SSL_get_verify_result(ssl) == X509_V_OK) {
      char buf[256];
      const int n = X509_NAME_get_text_by_NID(X509_get_subject_name(cert), NID_commonName, buf, sizeof buf);
      if (n > 0) cn.assign(buf, static_cast<std::size_t>(n));
    }
    X509_free(cert);
    return cn;
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

  // RFC 9112 6.1 and 6.3: framing that two parsers could read differently is refused and the
  // connection closed (a body read as the next request is request smuggling): a
  // Transfer-Encoding other than exactly "chunked" (501 for codings not implemented here, 400
  // otherwise), more than one Transfer-Encoding field, Transfer-Encoding together with
  // Content-Length, or Transfer-Encoding in an HTTP/1.0 request. Returns 0 when the framing is fine.
  static int framing_problem(const http::request<http::buffer_body>& req, std::string& why) {
    const auto range = req.equal_range(http::field::transfer_encoding);
    const auto fields = std::distance(range.first, range.second);
    if (fields == 0) return 0;
    if (fields > 1) {
      why = "more than one Transfer-Encoding field";
      return 400;
    }
    if (req.count(http::field::content_length) > 0) {
      why = "Transfer-Encoding together with Content-Length";
      return 400;
    }
    if (req.version() < 11) {
      why = "Transfer-Encoding in an HTTP/1.0 request";
      return 400;
    }
    const std::string value = lower(std::string_view(range.first->value().data(), range.first->value().size()));
    std::size_t chunked = 0;
    std::size_t pos = 0;
    while (pos <= value.size()) {
      std::size_t comma = value.find(',', pos);
      if (comma == std::string::npos) comma = value.size();
      std::string coding = value.substr(pos, comma - pos);
      while (!coding.empty() && (coding.front() == ' ' || coding.front() == '\t')) coding.erase(0, 1);
      while (!coding.empty() && (coding.back() == ' ' || coding.back() == '\t')) coding.pop_back();
      if (coding != "chunked") {
        why = "Transfer-Encoding \"" + std::string(value.substr(0, 64)) + "\": only \"chunked\" is implemented";
        return 501;
      }
      ++chunked;
      pos = comma + 1;
    }
    if (chunked != 1) {
      why = "Transfer-Encoding must name chunked exactly once";
      return 400;
    }
    return 0;
  }

  template <class Stream>
  asio::awaitable<void> session(Conn& c, Stream& stream) {
    const Limits lim = limits();
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
      // The body limit is enforced as the body is read (read_body), so that an X12 sender who
      // asked for X12 can be answered with a TA1 naming its interchange.
      parser.body_limit(boost::none);
      c.idle.store(tls_idle);
      c.arm(std::chrono::milliseconds(tls_idle ? std::max(lim.idle_timeout_ms, lim.header_timeout_ms) : lim.header_timeout_ms));
      co_await http::async_read_header(stream, c.buffer, parser, asio::redirect_error(asio::use_awaitable, ec));
      c.idle.store(false);
      const bool timed_out = c.timed_out;
      c.disarm();
      if (ec && tls_idle && !parser.got_some()) co_return;
      Answer refused;
      refused.close = true;
      const std::string_view target(parser.get().target().data(), parser.get().target().size());
      const bool fhir = fhir_path(target);
      if (ec) {
        if (timed_out) {
          parts.metrics->refusal(Refusal::ReadTimeout);
          refused.status = 408;
          set_error(refused, fhir, "request_timeout", "timeout", "the request header did not arrive in time");
        } else if (ec == http::error::header_limit || ec == http::error::buffer_overflow) {
          parts.metrics->refusal(Refusal::HeaderTooLarge);
          refused.status = 431;
          set_error(refused, fhir, "header_too_large", "too-costly",
                    "the request header exceeds " + std::to_string(lim.max_header_bytes) + " bytes");
        } else if (ec == http::error::end_of_stream || ec == asio::error::eof || ec == asio::error::connection_reset ||
                   ec == asio::error::operation_aborted) {
          co_return;
        } else {
          refused.status = 400;
          set_error(refused, fhir, "bad_request", "structure", "malformed HTTP request: " + ec.message());
        }
      } else {
        fault("header");
        std::string why;
        const auto length = parser.content_length();
        if (const int status = framing_problem(parser.get(), why)) {
          parts.metrics->refusal(Refusal::BadFraming);
          refused.status = status;
          set_error(refused, fhir, status == 501 ? "transfer_coding_not_implemented" : "bad_framing",
                    status == 501 ? "not-supported" : "structure", why);
        } else if (length && *length > lim.max_body_bytes &&
                   !(target.starts_with("/x12") && wants_x12(parser.get(), target))) {
          // Refused before a byte of the body is read (an X12 sender who asked for X12 gets a
          // TA1 instead: handle() reads the ISA first).
          parts.metrics->refusal(Refusal::BodyTooLarge);
          refused.status = 413;
          set_error(refused, fhir, "body_too_large", "too-costly", "the body exceeds " + std::to_string(lim.max_body_bytes) + " bytes");
        }
      }
      if (refused.status != 200) {
        if (refused.status != 400 && refused.status != 501) {
          audit(AuditRecord("refusal").num("status", refused.status).str("reason", "request_header").str("address", c.address));
        }
        co_await write_answer(c, stream, refused, 11, false, Endpoint::Other, started);
        if constexpr (kPlain) co_await linger_close(c);
        co_return;
      }
      const auto& req = parser.get();
      const bool keep_alive = req.keep_alive();
      const unsigned version = req.version();
      Endpoint endpoint = Endpoint::Other;
      std::uint64_t request_id = next_id_number();
      Answer a;
      try {
        a = co_await handle(c, stream, parser, endpoint, request_id, started);
        fault("answer");
      } catch (const std::exception& e) {
        // A bug, not the client's fault: one 500, a log line, and the connection closed.
        log::Line(log::Level::Error, "request_failed").str("request_id", rid(request_id)).str("error", e.what());
        a = Answer{500, "application/json", error_json("internal_error", "the request could not be processed; retry later"), {}, true};
      }
      if (const std::string client = client_request_id(req); !client.empty()) {
        a.headers.emplace_back("X-Claimgate-Request-Id", rid(request_id));
        a.headers.emplace_back("X-Request-Id", client);
      }
      if (draining.load() || !keep_alive || c.probe_only) a.close = true;
      const bool wrote = co_await write_answer(c, stream, a, version, true, endpoint, started, request_id);
      if (!wrote) co_return;
      if (a.close) {
        if constexpr (kPlain) {
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
    // The client's X-Request-Id, when the answer carries it, replaces the gateway's.
    const bool client_rid = std::any_of(a.headers.begin(), a.headers.end(), [](const auto& h) { return h.first == "X-Request-Id"; });
    if (request_id && !client_rid) res.set("X-Request-Id", rid(request_id));
    for (const auto& [k, v] : a.headers) res.insert(k, v);
    res.keep_alive(!a.close);
    res.body() = a.body;
    res.prepare_payload();
    c.arm(std::chrono::milliseconds(limits().write_timeout_ms));
    error_code ec;
    co_await http::async_write(stream, res, asio::redirect_error(asio::use_awaitable, ec));
    c.disarm();
    const double seconds = std::chrono::duration<double>(Clock::now() - started).count();
    if (count || a.status >= 400) parts.metrics->request(endpoint, a.status, seconds);
    co_return !ec;
  }

  // ---- body reading ----------------------------------------------------------------------

  enum class BodyStatus { Ok, Stopped, TooLarge, Timeout, Broken, OverBudget };

  // A share of limits.max_buffered_body_bytes, given back when the request ends.
  struct BodyLease {
    std::atomic<std::uint64_t>& pool;
    std::uint64_t max;
    std::uint64_t held = 0;
    BodyLease(std::atomic<std::uint64_t>& p, std::uint64_t m) : pool(p), max(m) {}
    BodyLease(const BodyLease&) = delete;
    BodyLease& operator=(const BodyLease&) = delete;
    ~BodyLease() { pool.fetch_sub(held); }
    [[nodiscard]] bool grow(std::uint64_t n) {
      std::uint64_t cur = pool.load();
      do {
        if (cur + n > max) return false;
      } while (!pool.compare_exchange_weak(cur, cur + n));
      held += n;
      return true;
    }
  };

  template <class Stream, class OnChunk>
  asio::awaitable<BodyStatus> read_body(Conn& c, Stream& stream, http::request_parser<http::buffer_body>& parser,
                                        Clock::time_point started, OnChunk&& on_chunk) {
    const Limits lim = limits();
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
    std::uint64_t total = 0;
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
      total += n;
      if (n > 0) {
        // The chunk that crosses the limit is still seen (an X12 session reads its ISA for the TA1).
        if (const BodyStatus s = on_chunk(std::string_view(c.chunk.data(), n)); s != BodyStatus::Ok) co_return s;
      }
      if (total > lim.max_body_bytes) co_return BodyStatus::TooLarge;
      if (ec) {
        if (timed_out) co_return BodyStatus::Timeout;
        if (ec == http::error::body_limit) co_return BodyStatus::TooLarge;
        co_return BodyStatus::Broken;
      }
    }
    co_return BodyStatus::Ok;
  }

  [[nodiscard]] std::string refusal_message(BodyStatus s) const {
    return s == BodyStatus::TooLarge ? "the body exceeds " + std::to_string(limits().max_body_bytes) + " bytes"
                                     : "more than " + std::to_string(limits().max_claims_per_request) + " claims in one request";
  }

  Answer body_refusal(BodyStatus s, bool fhir) {
    Answer a;
    a.close = true;
    if (fhir) a.content_type = "application/fhir+json";
    if (s == BodyStatus::TooLarge) {
      parts.metrics->refusal(Refusal::BodyTooLarge);
      a.status = 413;
      const std::string msg = refusal_message(s);
      a.body = fhir ? operation_outcome("too-costly", msg) : error_json("body_too_large", msg);
    } else if (s == BodyStatus::Timeout) {
      parts.metrics->refusal(Refusal::ReadTimeout);
      a.status = 408;
      const std::string msg = "the request body did not arrive in time";
      a.body = fhir ? operation_outcome("timeout", msg) : error_json("request_timeout", msg);
    } else if (s == BodyStatus::Stopped) {
      parts.metrics->refusal(Refusal::TooManyClaims);
      a.status = 413;
      const std::string msg = refusal_message(s);
      a.body = fhir ? operation_outcome("too-costly", msg) : error_json("too_many_claims", msg);
    } else if (s == BodyStatus::OverBudget) {
      parts.metrics->refusal(Refusal::BodyBudget);
      a.status = 503;
      a.headers.emplace_back("Retry-After", std::to_string(limits().retry_after_s));
      const std::string msg = "the gateway holds too many request bodies now; nothing was accepted, retry later";
      a.body = fhir ? operation_outcome("transient", msg) : error_json("busy", msg);
    } else {
      a.status = 400;
      a.body = error_json("bad_request", "the request body is malformed or was cut off");
    }
    return a;
  }

  // Bodies up to this size are validated on the connection's io thread: for one claim or a few
  // (tens to hundreds of microseconds) the handoff to the work pool and back (two thread
  // wake-ups) costs as much as the validation itself. Larger ones go to the work pool, so
  // probes and other connections keep being served.
  static constexpr std::size_t kInlineBody = 64u << 10;

  // Runs `job` on the work pool and resumes the caller on its connection's strand; an exception
  // from the job is rethrown in the caller.
  void offload_start(std::function<void()> job, const asio::any_io_executor& exec, std::function<void()> done) {
    asio::post(work, [job = std::move(job), exec, done = std::move(done)] {
      job();
      asio::post(exec, done);
    });
  }

  asio::awaitable<void> offload(Conn& c, std::function<void()> job) {
    std::exception_ptr error;
    std::function<void()> guarded = [&job, &error] {
      try {
        job();
      } catch (...) {
        error = std::current_exception();
      }
    };
    co_await asio::async_initiate<decltype(asio::use_awaitable), void()>(
        [this, &guarded, &c](auto handler) {
          auto h = std::make_shared<decltype(handler)>(std::move(handler));
          offload_start(guarded, c.socket.get_executor(), [h] {
            auto moved = std::move(*h);
            std::move(moved)();
          });
        },
        asio::use_awaitable);
    if (error) std::rethrow_exception(error);
  }

  // ---- spool -----------------------------------------------------------------------------

  void spool_append_start(std::vector<SpoolItem>&& items, const asio::any_io_executor& exec,
                          std::function<void(bool, std::vector<std::string>)> done) {
    parts.spool->append(std::move(items), [this, exec, done = std::move(done)](bool ok, const std::vector<std::string>& keys) {
      asio::post(exec, [this, done, ok, keys]() mutable {
        fault("spool_done");
        done(ok, std::move(keys));
      });
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

  // Spools the forward items (moved out of `forward`); on failure turns `a` into a 503 (nothing
  // was accepted).
  asio::awaitable<std::vector<std::string>> spool_or_refuse(Conn& c, std::vector<ForwardItem>& forward, std::string_view sender,
                                                            Answer& a, bool fhir) {
    std::vector<std::string> keys;
    if (forward.empty()) co_return keys;
    std::vector<SpoolItem> items;
    items.reserve(forward.size());
    for (auto& f : forward) {  // moved: nothing reads the forward items after this
      SpoolItem it;
      it.payer_id = std::move(f.payer_id);
      it.content_type = std::move(f.content_type);
      it.sender = std::string(sender);
      it.claim_ids = std::move(f.claim_ids);
      it.key = std::move(f.key);
      it.body = std::move(f.body);
      items.push_back(std::move(it));
    }
    auto [ok, k] = co_await spool_append(c, std::move(items));
    if (!ok) {
      a = Answer{};
      a.status = 503;
      a.close = true;
      a.headers.emplace_back("Retry-After", std::to_string(limits().retry_after_s));
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

  // One request as it goes: what the audit record and the request log line report.
  struct Req {
    Req(Conn& conn, Endpoint e, std::uint64_t request_id, bool is_fhir) : c(conn), endpoint(e), id(request_id), fhir(is_fhir) {}
    Conn& c;
    Endpoint endpoint;
    std::uint64_t id;
    bool fhir;
    std::string sender = "anonymous";
    std::string auth_method = "none";
    Counts counts;
    std::vector<std::string> control_numbers, claim_ids, keys;
    std::string client_request_id;  // the client's X-Request-Id, when usable
    std::shared_ptr<const Live> live;  // senders, admins, limits as of the request's start
  };

  // What a request did, into an audit record or a log line (never PHI: claim ids only hashed).
  template <class Sink>
  void describe(Sink& out, const Req& r, int status, const std::vector<std::string>& claim_hashes, std::size_t max) const {
    out.str("request_id", rid(r.id));
    if (!r.client_request_id.empty()) out.str("client_request_id", r.client_request_id);
    out.str("sender", r.sender)
        .str("endpoint", to_string(r.endpoint))
        .num("status", status)
        .num("claims", static_cast<std::int64_t>(r.counts.claims))
        .num("accepted", static_cast<std::int64_t>(r.counts.accepted))
        .num("rejected", static_cast<std::int64_t>(r.counts.rejected))
        .num("warnings", static_cast<std::int64_t>(r.counts.warnings))
        .list("control_numbers", r.control_numbers, max)
        .list("claim_hashes", claim_hashes, max)
        .list("spool_keys", r.keys, max);
  }

  // A refusal: the answer (OperationOutcome for FHIR endpoints), its metric and audit record.
  Answer refuse(Req& r, int status, Refusal metric, std::string_view code, std::string_view issue_code, const std::string& msg,
                std::uint32_t retry_after = 0, bool close = true) {
    parts.metrics->refusal(metric);
    Answer a;
    a.status = status;
    a.close = close;
    if (retry_after) a.headers.emplace_back("Retry-After", std::to_string(retry_after));
    if (r.fhir) {
      a.content_type = "application/fhir+json";
      a.body = operation_outcome(issue_code, msg);
    } else {
      a.body = error_json(code, msg);
    }
    audit(AuditRecord("refusal")
              .str("request_id", rid(r.id))
              .str("sender", r.sender)
              .str("address", r.c.address)
              .str("endpoint", to_string(r.endpoint))
              .num("status", status)
              .str("reason", code));
    return a;
  }

  // The client's X-Request-Id when usable (1-128 visible ASCII characters), else empty: kept in
  // the logs and echoed, so an interface engine's message id traces through.
  static std::string client_request_id(const http::request<http::buffer_body>& req) {
    const auto f = req["X-Request-Id"];
    const std::string_view v(f.data(), f.size());
    if (v.empty() || v.size() > 128) return {};
    for (const char ch : v)
      if (ch < 0x21 || ch > 0x7e) return {};
    return std::string(v);
  }

  // GET /claims/{key} and GET /fhir/ClaimResponse/{key}: what became of a spool entry. Senders
  // see only their own entries (another's is "not found"), admins every one.
  Answer entry_status(Req& r, const http::request<http::buffer_body>& req, std::string_view key, bool fhir_read) {
    Answer a;
    // Without senders anyone may submit (as anonymous or X-Claimgate-Sender), so anyone may look.
    bool sees_all = r.live->config->senders.empty();
    bool basic = false;
    if (const auto out = r.live->auth.identify(presented_key(req, false, basic), r.c.cert_cn); out.result == Authenticator::Result::Ok) {
      r.sender = out.who.id;
      r.auth_method = out.who.method;
      sees_all = sees_all || out.who.kind == Principal::Kind::Admin;
    } else if (!sees_all) {
      Principal who;
      Answer refusal;
      (void)authenticate(r, req, Principal::Kind::Sender, who, refusal);
      return refusal;
    }
    const EntryStatus st = find_entry_status(*parts.spool, parts.receipts, config.dead_letter_dir, std::string(key));
    if (st.state == EntryStatus::State::Unknown || !(sees_all || st.sender == r.sender)) {
      a.status = 404;
      const std::string msg = "no spool entry with key '" + std::string(key.substr(0, 200)) +
                              "' is known here (never accepted, or its receipt has aged out)";
      if (fhir_read) {
        a.content_type = "application/fhir+json";
        a.body = operation_outcome("not-found", msg);
      } else {
        a.body = error_json("not_found", msg);
      }
      return a;
    }
    if (fhir_read) {
      a.content_type = "application/fhir+json";
      a.body = entry_status_claim_response(st, utc_datetime_now());
    } else {
      a.body = entry_status_json(st);
    }
    return a;
  }

  // The API key of the request: X-API-Key, else Authorization: Bearer, else (admin endpoints
  // only: a browser on the console) the password of Authorization: Basic.
  static std::string presented_key(const http::request<http::buffer_body>& req, bool admin, bool& basic) {
    std::string_view key(req["X-API-Key"].data(), req["X-API-Key"].size());
    const std::string_view auth(req[http::field::authorization].data(), req[http::field::authorization].size());
    if (key.empty() && auth.size() > 7 && beast::iequals(auth.substr(0, 7), "Bearer ")) key = auth.substr(7);
    basic = false;
    if (key.empty() && admin) {
      std::string password = basic_password(auth);
      basic = !password.empty();
      return password;
    }
    return std::string(key);
  }

  // Identifies the caller as the kind wanted; on failure returns the 401/403 in `refusal`.
  bool authenticate(Req& r, const http::request<http::buffer_body>& req, Principal::Kind wanted, Principal& who, Answer& refusal) {
    const bool admin = wanted == Principal::Kind::Admin;
    bool basic = false;
    const std::string key = presented_key(req, admin, basic);
    const auto out = r.live->auth.identify(key, r.c.cert_cn);
    std::string reason;
    if (out.result == Authenticator::Result::Missing) reason = "missing_credential";
    else if (out.result == Authenticator::Result::Unknown) reason = key.empty() ? "unknown_client_certificate" : "unknown_api_key";
    else if (out.who.kind != wanted) reason = admin ? "not_an_admin" : "not_a_sender";
    if (reason.empty()) {
      who = out.who;
      r.sender = who.id;
      r.auth_method = basic ? "basic" : who.method;
      return true;
    }
    if (out.result == Authenticator::Result::Missing) {
      // No credential at all: the challenge round trip a browser makes before it asks for the
      // key (or a client that forgot it). A 401 refusal, not a failed authentication.
      log::Line(log::Level::Debug, "auth.challenge")
          .str("request_id", rid(r.id))
          .str("address", r.c.address)
          .str("endpoint", to_string(r.endpoint));
    } else {
      log::Line(log::Level::Warn, "auth.failed")
          .str("request_id", rid(r.id))
          .str("address", r.c.address)
          .str("endpoint", to_string(r.endpoint))
          .str("reason", reason);
      audit(AuditRecord("auth_failed")
                .str("request_id", rid(r.id))
                .str("address", r.c.address)
                .str("endpoint", to_string(r.endpoint))
                .str("reason", reason)
                .str("identity", out.result == Authenticator::Result::Ok ? out.who.id : std::string()));
    }
    if (out.result == Authenticator::Result::Ok) {
      refusal = refuse(r, 403, Refusal::Forbidden, "forbidden", "forbidden",
                       admin ? "this endpoint needs an admin credential; a sender credential is not one"
                             : "an admin credential cannot submit claims; use a sender credential");
    } else {
      refusal = refuse(r, 401, Refusal::Unauthorized, "unauthorized", "login",
                       admin ? "an admin credential is required (X-API-Key, Authorization: Bearer, or a client certificate)"
                             : "a valid API key (X-API-Key or Authorization: Bearer) or client certificate is required");
      refusal.headers.emplace_back("WWW-Authenticate", "Bearer");
      // A browser asks for the admin key (as the password) and opens the console with it.
      if (admin) refusal.headers.emplace_back("WWW-Authenticate", "Basic realm=\"claimgate admin\", charset=\"UTF-8\"");
    }
    return false;
  }

  // Host names this server answers to (DNS rebinding: a browser sends the attacker's name).
  [[nodiscard]] bool host_allowed(std::string_view host) const {
    if (allowed_hosts.empty()) return true;
    std::string name = lower(host);
    if (!name.empty() && name.front() == '[') {
      name = name.substr(0, name.find(']') + 1);
    } else if (const auto colon = name.rfind(':'); colon != std::string::npos && name.find(':') == colon) {
      name = name.substr(0, colon);
    }
    return std::find(allowed_hosts.begin(), allowed_hosts.end(), name) != allowed_hosts.end();
  }

  // Releases an Idempotency-Key scope that did not end in a stored answer.
  struct IdempotencyScope {
    IdempotencyStore* store = nullptr;
    std::string scope;
    ~IdempotencyScope() {
      if (store) store->abandon(scope);
    }
  };

  template <class Stream>
  asio::awaitable<Answer> handle(Conn& c, Stream& stream, http::request_parser<http::buffer_body>& parser,
                                 Endpoint& endpoint, std::uint64_t request_id, Clock::time_point started) {
    const auto& req = parser.get();
    const std::string_view raw_target(req.target().data(), req.target().size());
    const std::string_view query = query_of(raw_target);
    std::string path;
    if (!decode_path(raw_target.substr(0, raw_target.find('?')), path)) {
      Answer bad;
      bad.status = 400;
      bad.close = !parser.is_done();
      set_error(bad, fhir_path(raw_target), "bad_request", "structure", "the request target has a malformed %-escape");
      co_return bad;
    }
    const std::string_view target = path;
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
    else if (target == "/openapi.json") endpoint = Endpoint::OpenApi;
    else if (target.rfind("/admin/", 0) == 0) endpoint = Endpoint::Admin;
    else if (target.rfind("/claims/", 0) == 0) endpoint = Endpoint::ClaimStatus;
    else if (target.rfind("/fhir/ClaimResponse/", 0) == 0) endpoint = Endpoint::FhirClaimResponse;
    fault("route");

    // Every error under /fhir is an OperationOutcome.
    const bool fhir = fhir_path(target);
    Req r{c, endpoint, request_id, fhir};
    r.live = live();
    r.client_request_id = client_request_id(req);
    Answer a;
    const auto method_not_allowed = [&](const char* allow) {
      a.close = !parser.is_done();
      a.status = 405;
      set_error(a, fhir, "method_not_allowed", "not-supported", std::string("use ") + allow);
      a.headers.emplace_back("Allow", allow);
      return a;
    };
    const auto not_found = [&] {
      a.close = !parser.is_done();
      a.status = 404;
      set_error(a, fhir, "not_found", "not-found", "no such endpoint (GET /openapi.json lists them)");
      return a;
    };
    const bool probe = endpoint == Endpoint::Healthz || endpoint == Endpoint::Readyz || endpoint == Endpoint::Metrics;
    if (c.probe_only && !probe) {
      co_return refuse(r, 503, Refusal::MaxConnections, "max_connections", "transient",
                       "too many connections; only /healthz, /readyz and /metrics are answered now; retry later",
                       limits().retry_after_s);
    }
    // With admin_listen the admin endpoints and /metrics live there, and only there.
    if (!config.admin_listen_address.empty()) {
      const bool admin_side = endpoint == Endpoint::Admin || endpoint == Endpoint::Metrics;
      if (c.admin_listener ? !(admin_side || probe) : admin_side) co_return not_found();
    }
    if (endpoint != Endpoint::Healthz && endpoint != Endpoint::Readyz &&
        !host_allowed(std::string_view(req[http::field::host].data(), req[http::field::host].size()))) {
      co_return refuse(r, 421, Refusal::MisdirectedHost, "misdirected_request", "forbidden",
                       "the Host header names no host this gateway serves (allowed_hosts)");
    }
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
      case Endpoint::Metrics: {
        if (!get) co_return method_not_allowed("GET");
        if (r.live->config->authenticated()) {
          Principal who;
          Answer refusal;
          if (!authenticate(r, req, Principal::Kind::Admin, who, refusal)) co_return refusal;
        }
        a.content_type = "text/plain; version=0.0.4";
        a.body = parts.metrics->render();
        co_return a;
      }
      case Endpoint::OpenApi:
        if (!get) co_return method_not_allowed("GET");
        a.body = std::string(kOpenApiDocument);
        co_return a;
      case Endpoint::FhirMetadata:
        if (!get) co_return method_not_allowed("GET");
        a.content_type = "application/fhir+json";
        a.body = std::string(kCapabilityStatement);
        co_return a;
      case Endpoint::Admin: {
        if (r.live->config->admins.empty()) {
          co_return refuse(r, 403, Refusal::Forbidden, "forbidden", "forbidden",
                           "admin endpoints are disabled: no admin credential is configured (admins)", 0, !parser.is_done());
        }
        Principal who;
        Answer refusal;
        if (!authenticate(r, req, Principal::Kind::Admin, who, refusal)) co_return refusal;
        // A browser sends a cached Basic credential with any request, also one a foreign page
        // makes it send: a change requested that way must carry a header no form can set.
        if (method != http::verb::get && r.auth_method == "basic" && req["X-Claimgate-Console"].empty()) {
          co_return refuse(r, 403, Refusal::Forbidden, "forbidden", "forbidden",
                           "a change requested with Basic authentication needs the X-Claimgate-Console header (cross-site requests are refused)",
                           0, !parser.is_done());
        }
        // On the work pool: a replay waits for the spool's fsync and /admin/status reads the
        // dead-letter folder; the io threads keep serving.
        Answer answer;
        co_await offload(c, [&] { answer = admin(c, parser, target, query, method, r); });
        co_return answer;
      }
      case Endpoint::ClaimStatus:
      case Endpoint::FhirClaimResponse: {
        if (!get) co_return method_not_allowed("GET");
        const std::string_view key = target.substr(endpoint == Endpoint::ClaimStatus ? 8 : 20);
        co_return entry_status(r, req, key, endpoint == Endpoint::FhirClaimResponse);
      }
      case Endpoint::Other:
        co_return not_found();
      default:
        break;
    }
    if (!post) co_return method_not_allowed("POST");

    // What the body is: a media type and content coding this endpoint reads (415 otherwise).
    const X12Answer answer = endpoint == Endpoint::X12 ? x12_answer(req, raw_target) : X12Answer::Json;
    if (std::string why = unsupported_media(req, endpoint); !why.empty()) {
      a.close = !parser.is_done();
      a.status = 415;
      set_error(a, fhir, "unsupported_media_type", "not-supported", why);
      a.headers.emplace_back("Accept-Encoding", "identity");
      co_return a;
    }
    if (answer == X12Answer::Bad) {
      a.close = !parser.is_done();
      a.status = 400;
      set_error(a, false, "bad_answer_type", "", "answer must be 999, 277ca or all (Accept: application/edi-x12; answer=999, or ?answer=999)");
      co_return a;
    }

    // Who is sending.
    Principal who;
    if (!r.live->config->senders.empty()) {
      Answer refusal;
      if (!authenticate(r, req, Principal::Kind::Sender, who, refusal)) co_return refusal;
    } else if (!r.live->config->authenticated()) {
      if (const auto s = req["X-Claimgate-Sender"]; valid_token(std::string_view(s.data(), s.size()), 64)) {
        r.sender.assign(s.data(), s.size());
        r.auth_method = "header";
      }
    }
    const std::string& sender = r.sender;

    // Rate limit and quota, before the body is read.
    if (who.sender) {
      if (const std::uint32_t wait = rates.take_request(*who.sender, Clock::now())) {
        co_return refuse(r, 429, Refusal::RateLimited, "rate_limited", "throttled",
                         "sender '" + sender + "' is over its rate of " + std::to_string(who.sender->rate_per_s) + " requests/s", wait);
      }
      if (const std::uint32_t wait = rates.take_claims(*who.sender, 0, std::time(nullptr))) {
        co_return refuse(r, 429, Refusal::RateLimited, "quota_exhausted", "throttled",
                         "sender '" + sender + "' has used its quota of " + std::to_string(who.sender->claims_per_day) +
                             " claims for today (UTC)",
                         wait);
      }
    }

    // Refusals before reading the body.
    const bool may_forward = endpoint != Endpoint::FhirValidate;
    if (!ready() || (may_forward && parts.spool->over_limit())) {
      const bool full = ready();
      co_return refuse(r, 503, draining.load() ? Refusal::ShuttingDown : Refusal::SpoolFull, full ? "spool_full" : "not_ready",
                       "transient", full ? "the forwarding spool is full; retry later" : "the gateway is not ready; retry later",
                       limits().retry_after_s);
    }

    // Idempotency-Key: a retry gets the stored answer.
    IdempotencyScope idem;
    const auto key_field = req["Idempotency-Key"];
    const std::string_view idem_key(key_field.data(), key_field.size());
    IdempotencyStore::Answer stored;
    bool replay = false;
    if (!idem_key.empty() && parts.idempotency && may_forward) {
      if (!IdempotencyStore::valid_key(idem_key)) {
        a.status = 400;
        a.body = fhir ? operation_outcome("invalid", "Idempotency-Key must be 1-255 visible ASCII characters")
                      : error_json("bad_idempotency_key", "Idempotency-Key must be 1-255 visible ASCII characters");
        if (fhir) a.content_type = "application/fhir+json";
        co_return a;
      }
      const std::string scope = sender + "\n" + std::string(to_string(endpoint)) + "\n" + std::string(idem_key);
      const auto state = parts.idempotency->begin(scope, stored);
      if (state == IdempotencyStore::State::InFlight) {
        a.status = 409;
        const std::string msg = "a request with this Idempotency-Key is still being processed; retry later";
        a.body = fhir ? operation_outcome("conflict", msg) : error_json("idempotency_key_in_use", msg);
        if (fhir) a.content_type = "application/fhir+json";
        a.headers.emplace_back("Retry-After", "1");
        co_return a;
      }
      if (state == IdempotencyStore::State::New) {
        idem.store = parts.idempotency;
        idem.scope = scope;
      } else {
        replay = true;
      }
    }

    BodyLease lease(buffered_bytes, limits().max_buffered_body_bytes);
    std::unique_ptr<Sha256> digest;
    if (idem.store || replay) digest = std::make_unique<Sha256>();
    if (replay) {
      // The body is read only to be compared with the first one.
      const BodyStatus bs = co_await read_body(c, stream, parser, started, [&](std::string_view chunk) {
        digest->update(chunk);
        return BodyStatus::Ok;
      });
      if (bs != BodyStatus::Ok) co_return body_refusal(bs, fhir);
      if (digest->hex() != stored.request_digest) {
        a.status = 422;
        const std::string msg = "this Idempotency-Key was used before with a different body";
        a.body = fhir ? operation_outcome("business-rule", msg) : error_json("idempotency_key_reused", msg);
        if (fhir) a.content_type = "application/fhir+json";
        co_return a;
      }
      a.status = stored.status;
      a.content_type = stored.content_type;
      a.headers = stored.headers;
      a.headers.emplace_back("Idempotent-Replayed", "true");
      a.body = std::move(stored.body);
      audit(AuditRecord("idempotent_replay")
                .str("request_id", rid(request_id))
                .str("sender", sender)
                .str("address", c.address)
                .str("endpoint", to_string(endpoint))
                .num("status", a.status));
      co_return a;
    }

    const rules::Date today = local_today();
    // Held to the end of the request: sessions refer to it, and a reload may swap it meanwhile.
    const std::shared_ptr<const Pipeline> current = pipeline();
    std::vector<ForwardItem>* forward = nullptr;
    const std::vector<transforms::ClaimOutcome>* outcomes = nullptr;
    X12Result xr;
    FhirResult fr;
    // The control numbers (durable allocator) and time of the interchanges written: answers,
    // re-enveloped 837s, and the 837s of FHIR claims routed to X12 targets.
    Stamp stamp;
    stamp.allocate = [cn = parts.control_numbers](std::string_view q, std::string_view id) { return cn->next(q, id); };
    X12DateTime x12_now = local_x12_now();
    stamp.date = std::move(x12_now.date);
    stamp.time = std::move(x12_now.time);
    if (endpoint == Endpoint::X12) {
      char source[40];
      std::snprintf(source, sizeof source, "request-%llu", static_cast<unsigned long long>(request_id));
      auto x12 = current->begin_x12(source, sender, today, stamp, rid(request_id));
      const std::size_t max_claims = limits().max_claims_per_request;
      // Over the size limit by its Content-Length: only the interchange header is read, for the TA1.
      const auto length = parser.content_length();
      const bool oversize = length && *length > limits().max_body_bytes;
      std::uint64_t fed = 0;
      const BodyStatus bs = co_await read_body(c, stream, parser, started, [&](std::string_view chunk) {
        fault("body");
        if (!lease.grow(chunk.size())) return BodyStatus::OverBudget;
        if (digest) digest->update(chunk);
        x12->feed(chunk);
        fed += chunk.size();
        if (oversize && fed >= kIsaPeek) return BodyStatus::TooLarge;
        return x12->claims_so_far() <= max_claims ? BodyStatus::Ok : BodyStatus::Stopped;
      });
      if (bs == BodyStatus::Ok && oversize) co_return body_refusal(BodyStatus::TooLarge, false);
      // Over a limit: refused whole; the sender who asked for X12 gets a TA1 rejecting the
      // interchange (TA105 024), the limit in X-Claimgate-Error.
      const auto x12_refusal = [&](BodyStatus why) {
        Answer refusal = body_refusal(why, false);
        if ((why == BodyStatus::TooLarge || why == BodyStatus::Stopped) && answer != X12Answer::Json) {
          if (std::string ta1 = x12->refuse("024"); !ta1.empty()) {
            refusal.headers.emplace_back("X-Claimgate-Error", refusal_message(why));
            refusal.content_type = std::string(kEdiX12);
            refusal.body = std::move(ta1);
          }
        }
        return refusal;
      };
      if (bs != BodyStatus::Ok) co_return x12_refusal(bs);
      const auto finish_x12 = [&] {
        fault("pipeline");
        xr = x12->finish();
      };
      if (fed <= kInlineBody) finish_x12();
      else co_await offload(c, finish_x12);
      // Transaction sets read on the work pool count their claims only once they are handed
      // back, so a body over the limit may be read to its end: the same refusal then.
      r.counts = std::move(xr.counts);
      r.control_numbers = std::move(xr.control_numbers);
      if (r.counts.claims > max_claims) co_return x12_refusal(BodyStatus::Stopped);
      x12.reset();
      if (!xr.usable) {
        a.status = 400;
        a.body = error_json("not_x12", "the body is not an X12 interchange");
      } else {
        if (answer == X12Answer::Json) {
          a.body = std::move(xr.report_json);
        } else {
          // 277CA only: empty when the 999 accepted no transaction set (ask for 999 to see why).
          a.content_type = std::string(kEdiX12);
          a.body = std::move(answer == X12Answer::Only999 ? xr.ack_999 : answer == X12Answer::Only277ca ? xr.ack_277ca : xr.ack);
        }
        forward = &xr.forward;
        outcomes = &xr.outcomes;
      }
    } else {
      std::string body;
      const auto length = parser.content_length();
      if (length && *length <= limits().max_body_bytes) {
        if (!lease.grow(*length)) co_return body_refusal(BodyStatus::OverBudget, true);
        body.reserve(static_cast<std::size_t>(*length));
      }
      const BodyStatus bs = co_await read_body(c, stream, parser, started, [&](std::string_view chunk) {
        fault("body");
        if (!length && !lease.grow(chunk.size())) return BodyStatus::OverBudget;
        if (digest) digest->update(chunk);
        body.append(chunk);
        return BodyStatus::Ok;
      });
      if (bs != BodyStatus::Ok) co_return body_refusal(bs, true);
      const FhirOperation op = endpoint == Endpoint::FhirClaim    ? FhirOperation::Create
                               : endpoint == Endpoint::FhirSubmit ? FhirOperation::Submit
                               : endpoint == Endpoint::FhirBatch  ? FhirOperation::Batch
                                                                  : FhirOperation::Validate;
      const auto validate_fhir = [&] {
        fault("pipeline");
        fr = current->process_fhir(body, op, sender, today, {}, "request", rid(request_id), true, stamp);
      };
      if (body.size() <= kInlineBody) validate_fhir();
      else co_await offload(c, validate_fhir);
      r.counts = std::move(fr.counts);
      if (r.counts.claims > limits().max_claims_per_request) co_return body_refusal(BodyStatus::Stopped, true);
      a.status = fr.http_status;
      a.content_type = fr.content_type;
      a.body = std::move(fr.body);
      if (op == FhirOperation::Validate) fr.forward.clear();
      forward = &fr.forward;
      outcomes = &fr.outcomes;
    }
    if (forward) {
      // What the sender may submit, and its quota, before anything is accepted.
      if (who.sender) {
        if (std::string why = binding_violation(*who.sender, *outcomes, *forward); !why.empty()) {
          co_return refuse(r, 403, Refusal::Forbidden, "sender_binding", "forbidden", why + "; nothing was accepted", 0, false);
        }
        if (const std::uint32_t wait = rates.take_claims(*who.sender, r.counts.claims, std::time(nullptr))) {
          co_return refuse(r, 429, Refusal::RateLimited, "quota_exhausted", "throttled",
                           "sender '" + sender + "' would exceed its quota of " + std::to_string(who.sender->claims_per_day) +
                               " claims for today (UTC); nothing was accepted",
                           wait, false);
        }
      }
      for (const auto& f : *forward) r.claim_ids.insert(r.claim_ids.end(), f.claim_ids.begin(), f.claim_ids.end());
      r.keys = co_await spool_or_refuse(c, *forward, sender, a, fhir);
      // 201 Created: where the ClaimResponse can be read again (its id is the entry key).
      if (a.status == 201 && r.keys.size() == 1) a.headers.emplace_back("Location", "/fhir/ClaimResponse/" + r.keys.front());
    }
    if (idem.store && a.status < 500) {
      IdempotencyStore::Answer keep{a.status, a.content_type, a.headers, a.body, digest->hex()};
      bool kept = false;
      co_await offload(c, [&] { kept = idem.store->finish(idem.scope, keep); });
      idem.store = nullptr;
      if (!kept) log::Line(log::Level::Error, "idempotency.write_failed").str("request_id", rid(request_id));
    }
    parts.metrics->claims(a.status == 503 ? 0 : r.counts.accepted, r.counts.rejected, r.counts.findings_by_rule,
                          r.counts.rejections_by_rule);
    if (outcomes && r.counts.rejected > 0) parts.metrics->rejections(sender, rejected_by_payer(*outcomes));
    std::vector<std::string> claim_hashes;
    if (parts.audit) {
      claim_hashes.reserve(r.claim_ids.size());
      for (const auto& id : r.claim_ids) claim_hashes.push_back(parts.audit->claim_hash(id));
    }
    {
      AuditRecord record("submission");
      describe(record.str("auth", r.auth_method).str("address", c.address), r, a.status, claim_hashes, 1000);
      audit(record);
    }
    if (r.live->config->log.requests && log::enabled(log::Level::Info)) {
      std::vector<std::string> rule_ids;
      for (const auto& [rule, n] : r.counts.findings_by_rule) rule_ids.push_back(rule);
      log::Line line(log::Level::Info, "request");
      describe(line, r, a.status, claim_hashes, 20);
      line.list("rule_ids", rule_ids, 50)
          .real("latency_ms", std::chrono::duration<double, std::milli>(Clock::now() - started).count());
    }
    co_return a;
  }

  Answer admin(Conn& c, http::request_parser<http::buffer_body>& parser, std::string_view target, std::string_view query,
               http::verb method, Req& r) {
    Answer a;
    a.close = !parser.is_done();
    std::string error;
    if (target == "/admin/dead-letters" && method == http::verb::get) {
      auto letters = list_dead_letters(config.dead_letter_dir, error);
      a.body = dead_letters_json(letters);
      audit(AuditRecord("admin")
                .str("request_id", rid(r.id))
                .str("admin", r.sender)
                .str("auth", r.auth_method)
                .str("address", c.address)
                .str("action", "dead_letters.list")
                .num("count", static_cast<std::int64_t>(letters.size())));
      return a;
    }
    if (target == "/admin/dead-letters/replay" && method == http::verb::post) {
      std::string key;
      if (query.rfind("key=", 0) == 0) key = std::string(query.substr(4));
      // Waits for the spool's fsync (on the work pool, see handle()).
      const std::size_t n = replay_dead_letters(config.dead_letter_dir, *parts.spool, key, error);
      a.status = error.empty() || n > 0 ? 200 : 404;
      a.body = "{\"replayed\":" + std::to_string(n) + ",\"error\":\"";
      log::append_json_escaped(a.body, error);
      a.body += "\"}\n";
      audit(AuditRecord("admin")
                .str("request_id", rid(r.id))
                .str("admin", r.sender)
                .str("auth", r.auth_method)
                .str("address", c.address)
                .str("action", "dead_letters.replay")
                .str("key", key.empty() ? "*" : key)
                .num("replayed", static_cast<std::int64_t>(n))
                .str("error", error));
      return a;
    }
    if (method == http::verb::get && target == "/admin/status") {
      a.body = console->status_json(pipeline().get());
      a.headers = console_headers();
      return a;
    }
    if (method == http::verb::get && target.rfind("/admin/console", 0) == 0) {
      const std::string_view file = target.substr(std::string_view("/admin/console").size());
      if (const ConsoleAsset* asset = console_asset(file)) {
        a.content_type = std::string(asset->content_type);
        a.body = std::string(asset->body);
        a.headers = console_headers();
        if (asset == console_asset("")) {
          audit(AuditRecord("admin")
                    .str("request_id", rid(r.id))
                    .str("admin", r.sender)
                    .str("auth", r.auth_method)
                    .str("address", c.address)
                    .str("action", "console.open"));
        }
        return a;
      }
    }
    if (target == "/admin/reload" && method == http::verb::post) {
      // On the work pool (admin() is offloaded): the io threads keep serving while the code set loads.
      std::unique_lock serial(reload_mutex, std::try_to_lock);
      if (!serial.owns_lock()) {
        a.status = 409;
        a.headers.emplace_back("Retry-After", "1");
        a.body = "{\"reloaded\":false,\"error\":\"a reload is already running; ask again when it has ended\",\"restart_needed\":[]}\n";
        return a;
      }
      const Reload result = reload_locked("admin:" + r.sender);
      serial.unlock();
      reload_pending();
      a.status = result.pipeline ? 200 : 422;
      a.body = reload_json(result);
      audit(AuditRecord("admin")
                .str("request_id", rid(r.id))
                .str("admin", r.sender)
                .str("auth", r.auth_method)
                .str("address", c.address)
                .str("action", "reload")
                .str("error", result.error));
      return a;
    }
    if (target == "/admin/dead-letters" || target == "/admin/dead-letters/replay" || target == "/admin/status" || target == "/admin/reload" ||
        (target.rfind("/admin/console", 0) == 0 && console_asset(target.substr(14)))) {
      a.status = 405;
      a.headers.emplace_back("Allow", target == "/admin/dead-letters/replay" || target == "/admin/reload" ? "POST" : "GET");
      a.body = error_json("method_not_allowed", std::string("use ") + a.headers.back().second);
      return a;
    }
    a.status = 404;
    a.body = error_json("not_found",
                        "admin endpoints: GET /admin/console, GET /admin/status, GET /admin/dead-letters, "
                        "POST /admin/dead-letters/replay[?key=K], POST /admin/reload");
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
    admin_acceptor.close(ec);
    const auto deadline = Clock::now() + std::chrono::milliseconds(limits().shutdown_grace_ms);
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

namespace {

std::string listen_on(tcp::acceptor& acceptor, const std::string& address_text, std::uint16_t port, const char* key) {
  error_code ec;
  const auto address = asio::ip::make_address(address_text, ec);
  if (ec) return std::string(key) + ": bad address " + address_text;
  const tcp::endpoint ep(address, port);
  acceptor.open(ep.protocol(), ec);
  if (!ec) acceptor.set_option(asio::socket_base::reuse_address(true), ec);
  if (!ec) acceptor.bind(ep, ec);
  if (!ec) acceptor.listen(asio::socket_base::max_listen_connections, ec);
  if (ec) return std::string(key) + ": cannot listen on " + address_text + ":" + std::to_string(port) + ": " + ec.message();
  return {};
}

}  // namespace

std::string Server::start() {
  Impl& m = *impl_;
  if (m.config.tls.enabled()) {
    const auto& tls = m.config.tls;
    m.ssl_ctx = std::make_unique<asio::ssl::context>(asio::ssl::context::tls_server);
    m.ssl_ctx->set_options(asio::ssl::context::default_workarounds | asio::ssl::context::no_sslv2 |
                           asio::ssl::context::no_sslv3 | asio::ssl::context::no_tlsv1 | asio::ssl::context::no_tlsv1_1 |
                           asio::ssl::context::no_compression | SSL_OP_NO_RENEGOTIATION | SSL_OP_CIPHER_SERVER_PREFERENCE);
    SSL_CTX* native = m.ssl_ctx->native_handle();
    if (SSL_CTX_set_min_proto_version(native, tls.min_version == "1.3" ? TLS1_3_VERSION : TLS1_2_VERSION) != 1) {
      return "tls.min_version: not supported by this OpenSSL";
    }
    if (SSL_CTX_set_cipher_list(native, tls.ciphers.c_str()) != 1) return "tls.ciphers: no usable cipher in \"" + tls.ciphers + "\"";
    if (!tls.ciphersuites.empty() && SSL_CTX_set_ciphersuites(native, tls.ciphersuites.c_str()) != 1) {
      return "tls.ciphersuites: no usable TLS 1.3 suite in \"" + tls.ciphersuites + "\"";
    }
    error_code ec;
    m.ssl_ctx->use_certificate_chain_file(tls.cert_file, ec);
    if (ec) return "tls.cert_file: " + tls.cert_file + ": " + ec.message();
    m.ssl_ctx->use_private_key_file(tls.key_file, asio::ssl::context::pem, ec);
    if (ec) return "tls.key_file: " + tls.key_file + ": " + ec.message();
    if (tls.client_cert != "none") {
      m.ssl_ctx->load_verify_file(tls.client_ca_file, ec);
      if (ec) return "tls.client_ca_file: " + tls.client_ca_file + ": " + ec.message();
      // The CAs a client may pick its certificate by.
      if (STACK_OF(X509_NAME)* names = SSL_load_client_CA_file(tls.client_ca_file.c_str())) SSL_CTX_set_client_CA_list(native, names);
      auto mode = asio::ssl::verify_peer;
      if (tls.client_cert == "require") mode |= asio::ssl::verify_fail_if_no_peer_cert;
      m.ssl_ctx->set_verify_mode(mode);
      static constexpr unsigned char kContext[] = "claimgate";
      SSL_CTX_set_session_id_context(native, kContext, sizeof kContext - 1);
    }
  }
  error_code ec;
  if (std::string err = listen_on(m.acceptor, m.config.listen_address, m.config.listen_port, "listen"); !err.empty()) return err;
  if (!m.config.admin_listen_address.empty()) {
    if (std::string err = listen_on(m.admin_acceptor, m.config.admin_listen_address, m.config.admin_listen_port, "admin_listen");
        !err.empty()) {
      return err;
    }
    asio::co_spawn(m.ioc, m.accept_loop(m.admin_acceptor, true), asio::detached);
  }
  m.signals.add(SIGTERM, ec);
  m.signals.add(SIGINT, ec);
  m.signals.add(SIGHUP, ec);
  m.wait_signal();
  asio::co_spawn(m.ioc, m.accept_loop(m.acceptor, false), asio::detached);
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
      .boolean("tls", m.ssl_ctx != nullptr)
      .str("client_cert", m.ssl_ctx ? m.config.tls.client_cert : "none")
      .num("admin_port", m.admin_port());
  if (!m.config.authenticated()) {
    log::Line(log::Level::Warn, "UNAUTHENTICATED")
        .str("message",
             "no senders and no admins are configured: anyone who can reach this port may submit claims under any "
             "X-Claimgate-Sender, and the admin endpoints are disabled; configure senders and admins (docs/security.md)");
  }
  if (m.config.senders.empty() && !m.config.admins.empty()) {
    log::Line(log::Level::Warn, "UNAUTHENTICATED")
        .str("message", "admins are configured but no senders: anyone who can reach this port may submit claims (as 'anonymous')");
  }
  if (m.allowed_hosts.empty()) {
    log::Line(log::Level::Warn, "host_check_off").str("message", "allowed_hosts is empty and the listener is not loopback: any Host header is accepted");
  }
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
