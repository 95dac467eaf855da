#include "engine/server/metrics_endpoint.hpp"

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

#include <sys/socket.h>

#include <atomic>
#include <thread>

namespace cg::engine {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;

struct MetricsEndpoint::Impl {
  std::function<std::string()> render;
  std::function<bool()> ready;
  asio::io_context ioc;
  tcp::acceptor acceptor{ioc};
  std::thread thread;
  std::atomic<bool> stopping{false};

  void serve(tcp::socket& s) {
    timeval tv{2, 0};
    ::setsockopt(s.native_handle(), SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    ::setsockopt(s.native_handle(), SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
    beast::flat_buffer buf;
    http::request_parser<http::empty_body> parser;
    parser.header_limit(16 * 1024);
    beast::error_code ec;
    http::read(s, buf, parser, ec);
    if (ec) return;
    const auto& req = parser.get();
    http::response<http::string_body> res{http::status::ok, req.version()};
    res.set(http::field::content_type, "text/plain");
    const std::string_view target(req.target().data(), req.target().size());
    if (req.method() != http::verb::get && req.method() != http::verb::head) {
      res.result(http::status::method_not_allowed);
      res.body() = "GET only\n";
    } else if (target == "/metrics") {
      res.set(http::field::content_type, "text/plain; version=0.0.4");
      res.body() = render();
    } else if (target == "/healthz") {
      res.body() = "ok\n";
    } else if (target == "/readyz") {
      const bool r = ready();
      res.result(r ? http::status::ok : http::status::service_unavailable);
      res.body() = r ? "ready\n" : "not ready\n";
    } else {
      res.result(http::status::not_found);
      res.body() = "not found\n";
    }
    res.keep_alive(false);
    res.prepare_payload();
    http::write(s, res, ec);
    s.shutdown(tcp::socket::shutdown_both, ec);
  }

  void accept_loop() {
    while (!stopping.load()) {
      tcp::socket s(ioc);
      beast::error_code ec;
      acceptor.accept(s, ec);
      if (stopping.load()) break;
      if (ec) continue;
      serve(s);
    }
  }
};

MetricsEndpoint::MetricsEndpoint(std::function<std::string()> render, std::function<bool()> ready)
    : impl_(std::make_unique<Impl>()) {
  impl_->render = std::move(render);
  impl_->ready = std::move(ready);
}

MetricsEndpoint::~MetricsEndpoint() { stop(); }

std::string MetricsEndpoint::start(const std::string& address, std::uint16_t port) {
  beast::error_code ec;
  const auto addr = asio::ip::make_address(address, ec);
  if (ec) return "listen: bad address " + address;
  const tcp::endpoint ep(addr, port);
  impl_->acceptor.open(ep.protocol(), ec);
  if (!ec) impl_->acceptor.set_option(asio::socket_base::reuse_address(true), ec);
  if (!ec) impl_->acceptor.bind(ep, ec);
  if (!ec) impl_->acceptor.listen(64, ec);
  if (ec) return "listen " + address + ":" + std::to_string(port) + ": " + ec.message();
  port_ = impl_->acceptor.local_endpoint().port();
  impl_->thread = std::thread([this] { impl_->accept_loop(); });
  return {};
}

void MetricsEndpoint::stop() {
  if (!impl_ || !impl_->thread.joinable()) return;
  impl_->stopping.store(true);
  beast::error_code ec;
  {
    // Wake the blocking accept with a connection of our own.
    tcp::socket s(impl_->ioc);
    const auto ep = impl_->acceptor.local_endpoint(ec);
    const auto any = ep.address().is_v6() ? asio::ip::make_address("::1") : asio::ip::make_address("127.0.0.1");
    tcp::endpoint wake(ep.address().is_unspecified() ? any : ep.address(), ep.port());
    s.connect(wake, ec);
  }
  impl_->thread.join();
  impl_->acceptor.close(ec);
}

}  // namespace cg::engine
