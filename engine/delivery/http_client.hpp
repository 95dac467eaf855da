// A small blocking HTTP/1.1 client for the forwarder: one per worker thread, keeping one
// keep-alive connection per upstream (host, port, scheme) open between requests. Every
// exchange is bounded by the connect timeout and the whole-exchange timeout; a pooled
// connection the upstream closed meanwhile is replaced once, transparently.
//
// Thread safety: none; one HttpClient belongs to one thread.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

namespace cg::engine {

struct Url {
  bool tls = false;
  std::string host;
  std::string port;    // "80" / "443" when absent
  std::string target;  // path and query, "/" when absent
  // https only: the CA bundle the upstream must chain to (empty: the system CAs) and our
  // client certificate chain and key (mutual TLS); all PEM files.
  std::string ca_file, client_cert_file, client_key_file;
};
// Parses http[s]://host[:port][/path]. Returns false on anything else.
[[nodiscard]] bool parse_url(const std::string& text, Url& out);

struct HttpOutcome {
  int status = 0;      // 0: no HTTP answer (connect/timeout/reset: see error)
  std::string error;   // empty on an HTTP answer
  std::string body;    // the answer's body, at most 64 KiB kept
};

class HttpClient {
 public:
  HttpClient(std::uint32_t connect_timeout_ms, std::uint32_t timeout_ms);
  ~HttpClient();
  HttpClient(const HttpClient&) = delete;
  HttpClient& operator=(const HttpClient&) = delete;

  [[nodiscard]] HttpOutcome post(const Url& url, const std::string& content_type, const std::string& body,
                                 const std::vector<std::pair<std::string, std::string>>& headers);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace cg::engine
