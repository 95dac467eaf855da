// A small HTTP/1.1 listener for processes that are not the gateway server (the stream
// worker): GET /metrics (Prometheus text), /healthz (200 while the process runs) and /readyz
// (200 when `ready()`, else 503). One thread; each connection answers one request with short
// timeouts; anything else is 404 / 405.
//
// Thread safety: start()/stop() from one thread; the callbacks run on the listener's thread.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>

namespace cg::engine {

class MetricsEndpoint {
 public:
  MetricsEndpoint(std::function<std::string()> render, std::function<bool()> ready);
  ~MetricsEndpoint();
  MetricsEndpoint(const MetricsEndpoint&) = delete;
  MetricsEndpoint& operator=(const MetricsEndpoint&) = delete;

  // Binds address:port (port 0: any free port). Returns an error message, empty on success.
  [[nodiscard]] std::string start(const std::string& address, std::uint16_t port);
  [[nodiscard]] std::uint16_t port() const { return port_; }
  void stop();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
  std::uint16_t port_ = 0;
};

}  // namespace cg::engine
