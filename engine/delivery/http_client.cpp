#include "engine/delivery/http_client.hpp"
#include "engine/log.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>

#include <chrono>

namespace cg::engine {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;

bool parse_url(const std::string& text, Url& out) {
  std::size_t pos = 0;
  if (text.rfind("http://", 0) == 0) {
    out.tls = false;
    pos = 7;
  } else if (text.rfind("https://", 0) == 0) {
    out.tls = true;
    pos = 8;
  } else {
    return false;
  }
  const std::size_t slash = text.find('/', pos);
  std::string authority = text.substr(pos, slash == std::string::npos ? std::string::npos : slash - pos);
  out.target = slash == std::string::npos ? "/" : text.substr(slash);
  if (authority.empty() || authority.find('@') != std::string::npos) return false;
  std::size_t colon = std::string::npos;
  if (authority.front() == '[') {
    const std::size_t close = authority.find(']');
    if (close == std::string::npos) return false;
    out.host = authority.substr(1, close - 1);
    if (close + 1 < authority.size()) {
      if (authority[close + 1] != ':') return false;
      colon = close + 1;
    }
  } else {
    colon = authority.rfind(':');
    out.host = authority.substr(0, colon);
  }
  out.port = colon == std::string::npos ? (out.tls ? "443" : "80") : authority.substr(colon + 1);
  if (out.host.empty() || out.port.empty() || out.port.find_first_not_of("0123456789") != std::string::npos) return false;
  return true;
}

namespace {

struct Conn {
  std::unique_ptr<beast::tcp_stream> tcp;
  std::unique_ptr<beast::ssl_stream<beast::tcp_stream>> tls;
  beast::flat_buffer buffer;

  beast::tcp_stream& lowest() { return tls ? beast::get_lowest_layer(*tls) : *tcp; }
};

template <class Stream>
asio::awaitable<void> write_read(Stream& stream, beast::flat_buffer& buffer, http::request<http::string_body>& req,
                                 http::response_parser<http::string_body>& parser, beast::error_code& ec,
                                 bool& wrote, bool& got_bytes) {
  co_await http::async_write(stream, req, asio::redirect_error(asio::use_awaitable, ec));
  if (ec) co_return;
  wrote = true;
  co_await http::async_read_header(stream, buffer, parser, asio::redirect_error(asio::use_awaitable, ec));
  if (ec) co_return;
  got_bytes = true;
  co_await http::async_read(stream, buffer, parser, asio::redirect_error(asio::use_awaitable, ec));
}

}  // namespace

struct HttpClient::Impl {
  asio::io_context ioc{1};
  // One TLS context per (CA bundle, client certificate): TLS 1.2 or later, peer verified.
  std::map<std::string, std::unique_ptr<asio::ssl::context>> ssl_contexts;
  std::chrono::milliseconds connect_timeout;
  std::chrono::milliseconds timeout;
  std::map<std::string, std::unique_ptr<Conn>> pool;

  static std::string tls_id(const Url& url) { return url.ca_file + "|" + url.client_cert_file + "|" + url.client_key_file; }

  asio::ssl::context* context_for(const Url& url, std::string& error) {
    auto& ctx = ssl_contexts[tls_id(url)];
    if (ctx) return ctx.get();
    auto made = std::make_unique<asio::ssl::context>(asio::ssl::context::tls_client);
    SSL_CTX_set_min_proto_version(made->native_handle(), TLS1_2_VERSION);
    beast::error_code ec;
    made->set_verify_mode(asio::ssl::verify_peer, ec);
    if (url.ca_file.empty()) made->set_default_verify_paths(ec);
    else made->load_verify_file(url.ca_file, ec);
    if (ec) {
      error = "ca_file " + url.ca_file + ": " + ec.message();
      return nullptr;
    }
    if (!url.client_cert_file.empty()) {
      made->use_certificate_chain_file(url.client_cert_file, ec);
      if (!ec) made->use_private_key_file(url.client_key_file, asio::ssl::context::pem, ec);
      if (ec) {
        error = "client_cert_file " + url.client_cert_file + ": " + ec.message();
        return nullptr;
      }
    }
    ctx = std::move(made);
    return ctx.get();
  }

  asio::awaitable<void> connect(const Url& url, std::unique_ptr<Conn>& conn, beast::error_code& ec) {
    tcp::resolver resolver(ioc);
    const auto results = co_await resolver.async_resolve(url.host, url.port, asio::redirect_error(asio::use_awaitable, ec));
    if (ec) co_return;
    conn = std::make_unique<Conn>();
    if (url.tls) {
      std::string error;
      asio::ssl::context* ctx = context_for(url, error);
      if (!ctx) {
        log::Line(log::Level::Error, "forward.tls_config").str("host", url.host).str("error", error);
        ec = asio::error::invalid_argument;
        co_return;
      }
      conn->tls = std::make_unique<beast::ssl_stream<beast::tcp_stream>>(ioc, *ctx);
    } else {
      conn->tcp = std::make_unique<beast::tcp_stream>(ioc);
    }
    conn->lowest().expires_after(connect_timeout);
    co_await conn->lowest().async_connect(results, asio::redirect_error(asio::use_awaitable, ec));
    if (ec) co_return;
    conn->lowest().socket().set_option(tcp::no_delay(true), ec);
    ec = {};
    if (url.tls) {
      if (!SSL_set_tlsext_host_name(conn->tls->native_handle(), url.host.c_str())) {
        ec = beast::error_code(static_cast<int>(::ERR_get_error()), asio::error::get_ssl_category());
        co_return;
      }
      conn->tls->set_verify_callback(asio::ssl::host_name_verification(url.host));
      co_await conn->tls->async_handshake(asio::ssl::stream_base::client, asio::redirect_error(asio::use_awaitable, ec));
    }
  }

  asio::awaitable<void> exchange(const Url& url, http::request<http::string_body>& req, HttpOutcome& out) {
    const std::string key = (url.tls ? "https://" : "http://") + url.host + ":" + url.port + (url.tls ? "|" + tls_id(url) : "");
    for (int round = 0; round < 2; ++round) {
      beast::error_code ec;
      auto& conn = pool[key];
      const bool reused = conn != nullptr;
      if (!conn) {
        co_await connect(url, conn, ec);
        if (ec) {
          out.error = "connect " + url.host + ":" + url.port + ": " + ec.message();
          conn.reset();
          co_return;
        }
      }
      conn->lowest().expires_after(timeout);
      http::response_parser<http::string_body> parser;
      parser.body_limit(1 << 20);
      bool wrote = false, got_bytes = false;
      if (conn->tls) {
        co_await write_read(*conn->tls, conn->buffer, req, parser, ec, wrote, got_bytes);
      } else {
        co_await write_read(*conn->tcp, conn->buffer, req, parser, ec, wrote, got_bytes);
      }
      if (ec) {
        const bool stale = reused && !got_bytes && ec != beast::error::timeout;
        conn.reset();
        if (stale) continue;  // the upstream closed an idle keep-alive connection
        out.error = (ec == beast::error::timeout ? std::string("timeout") : ec.message()) +
                    (got_bytes ? " reading the answer" : wrote ? " waiting for the answer" : " sending");
        co_return;
      }
      auto& res = parser.get();
      out.status = static_cast<int>(res.result_int());
      out.body = res.body().size() > 65536 ? res.body().substr(0, 65536) : res.body();
      if (!res.keep_alive()) conn.reset();
      co_return;
    }
    out.error = "connection closed by the upstream";
  }
};

HttpClient::HttpClient(std::uint32_t connect_timeout_ms, std::uint32_t timeout_ms) : impl_(std::make_unique<Impl>()) {
  impl_->connect_timeout = std::chrono::milliseconds(connect_timeout_ms);
  impl_->timeout = std::chrono::milliseconds(timeout_ms);
}

HttpClient::~HttpClient() = default;

HttpOutcome HttpClient::post(const Url& url, const std::string& content_type, const std::string& body,
                             const std::vector<std::pair<std::string, std::string>>& headers) {
  http::request<http::string_body> req{http::verb::post, url.target, 11};
  const bool default_port = url.port == (url.tls ? "443" : "80");
  req.set(http::field::host, default_port ? url.host : url.host + ":" + url.port);
  req.set(http::field::user_agent, "claimgate/0.1");
  req.set(http::field::content_type, content_type);
  for (const auto& [name, value] : headers) req.set(name, value);
  req.keep_alive(true);
  req.body() = body;
  req.prepare_payload();
  HttpOutcome out;
  asio::co_spawn(impl_->ioc, impl_->exchange(url, req, out), [&out](std::exception_ptr e) {
    if (e) {
      try {
        std::rethrow_exception(e);
      } catch (const std::exception& ex) {
        out.status = 0;
        out.error = std::string("internal error: ") + ex.what();
      } catch (...) {
        out.status = 0;
        out.error = "internal error";
      }
    }
  });
  impl_->ioc.restart();
  impl_->ioc.run();
  return out;
}

}  // namespace cg::engine
