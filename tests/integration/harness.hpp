// Integration harness: the real claimgate binary as a child process, a Beast upstream that can
// answer, fail, stall, drop or be absent, and a small blocking HTTP client. 127.0.0.1 only;
// every wait is bounded.
#pragma once

#include "tests/support/gen837.hpp"

#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

#include <fcntl.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <map>
#include <mutex>
#include <set>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

namespace cg::itest {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace fs = std::filesystem;
using tcp = asio::ip::tcp;
using namespace std::chrono_literals;

inline std::string read_text(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

inline void write_text(const fs::path& p, const std::string& s) {
  std::ofstream out(p, std::ios::binary);
  out << s;
}

// Polls `cond` every 10 ms until true or `limit` passes.
template <class F>
bool wait_for(F cond, std::chrono::milliseconds limit) {
  const auto end = std::chrono::steady_clock::now() + limit;
  while (std::chrono::steady_clock::now() < end) {
    if (cond()) return true;
    std::this_thread::sleep_for(10ms);
  }
  return cond();
}

// Waits (bounded) for the child `pid` to exit (then sets it to -1); returns its exit status,
// -1 on timeout or when a signal ended it.
inline int wait_child(pid_t& pid, std::chrono::milliseconds limit) {
  int status = 0;
  int result = -1;
  wait_for(
      [&] {
        if (pid <= 0) return true;
        if (::waitpid(pid, &status, WNOHANG) == pid) {
          result = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
          pid = -1;
          return true;
        }
        return false;
      },
      limit);
  return result;
}

struct Response {
  int status = 0;  // 0: no answer (error)
  std::map<std::string, std::string> headers;
  std::string body;
  std::string error;
  [[nodiscard]] std::string header(const std::string& name) const {
    const auto it = headers.find(name);
    return it == headers.end() ? std::string() : it->second;
  }
};

inline void set_timeouts(tcp::socket& s, int seconds) {
  timeval tv{seconds, 0};
  ::setsockopt(s.native_handle(), SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  ::setsockopt(s.native_handle(), SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
}

inline Response read_response(tcp::socket& s, beast::flat_buffer& buf) {
  Response r;
  http::response_parser<http::string_body> p;
  p.body_limit(512u << 20);
  beast::error_code ec;
  http::read(s, buf, p, ec);
  if (ec) {
    r.error = ec.message();
    return r;
  }
  r.status = static_cast<int>(p.get().result_int());
  for (const auto& f : p.get()) r.headers[std::string(f.name_string())] = std::string(f.value());
  r.body = std::move(p.get().body());
  return r;
}

inline Response request(std::uint16_t port, http::verb method, const std::string& target, const std::string& body = {},
                        const std::vector<std::pair<std::string, std::string>>& headers = {}, int timeout_s = 20) {
  asio::io_context ioc;
  tcp::socket s(ioc);
  beast::error_code ec;
  s.connect(tcp::endpoint(asio::ip::make_address("127.0.0.1"), port), ec);
  if (ec) return Response{0, {}, {}, "connect: " + ec.message()};
  set_timeouts(s, timeout_s);
  http::request<http::string_body> req{method, target, 11};
  req.set(http::field::host, "127.0.0.1");
  for (const auto& [k, v] : headers) req.set(k, v);
  req.body() = body;
  if (method == http::verb::post) req.prepare_payload();
  req.keep_alive(false);
  http::write(s, req, ec);
  beast::flat_buffer buf;
  Response r = read_response(s, buf);  // even after a failed write: the server may have answered
  if (r.status == 0 && ec) r.error = "write: " + ec.message() + "; " + r.error;
  return r;
}

// Sends raw bytes and returns the socket (for slow senders).
struct RawClient {
  asio::io_context ioc;
  tcp::socket s{ioc};
  explicit RawClient(std::uint16_t port) {
    s.connect(tcp::endpoint(asio::ip::make_address("127.0.0.1"), port));
    set_timeouts(s, 10);
  }
  void send(const std::string& bytes) {
    beast::error_code ec;
    asio::write(s, asio::buffer(bytes), ec);
  }
  Response read() {
    beast::flat_buffer buf;
    return read_response(s, buf);
  }
};

inline Response post(std::uint16_t port, const std::string& target, const std::string& body,
                     const std::vector<std::pair<std::string, std::string>>& headers = {}) {
  return request(port, http::verb::post, target, body, headers);
}
inline Response get(std::uint16_t port, const std::string& target) { return request(port, http::verb::get, target); }

// A port nothing listens on (bound, then closed).
inline std::uint16_t closed_port() {
  asio::io_context ioc;
  tcp::acceptor a(ioc, tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0));
  const auto port = a.local_endpoint().port();
  a.close();
  return port;
}

// The upstream payer: records every request's Idempotency-Key; behaviour switchable live.
class Upstream {
 public:
  enum class Mode { Ok, Fail500, Reject400, Slow, Drop };

  Upstream() : acceptor_(ioc_, tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0)) {
    port_ = acceptor_.local_endpoint().port();
    thread_ = std::thread([this] { accept_loop(); });
  }
  ~Upstream() { stop(); }

  void stop() {
    if (stopped_.exchange(true)) return;
    beast::error_code ec;
    // Wake the blocking accept with a connection of our own.
    {
      tcp::socket s(ioc_);
      s.connect(tcp::endpoint(asio::ip::make_address("127.0.0.1"), port_), ec);
    }
    if (thread_.joinable()) thread_.join();
    std::vector<std::thread> workers;
    {
      std::lock_guard lock(mutex_);
      for (auto* s : open_) {
        beast::error_code ignored;
        s->shutdown(tcp::socket::shutdown_both, ignored);
      }
      workers.swap(workers_);
    }
    for (auto& t : workers) t.join();
  }

  [[nodiscard]] std::uint16_t port() const { return port_; }
  void mode(Mode m, int fail_first = 0) {
    mode_ = m;
    fail_first_ = fail_first;
  }
  void slow_ms(int ms) { slow_ms_ = ms; }

  [[nodiscard]] std::map<std::string, int> keys() const {
    std::lock_guard lock(mutex_);
    return keys_;
  }
  [[nodiscard]] std::map<std::string, std::string> bodies() const {
    std::lock_guard lock(mutex_);
    return bodies_;
  }
  [[nodiscard]] std::size_t requests() const { return requests_.load(); }
  [[nodiscard]] std::string last_content_type() const {
    std::lock_guard lock(mutex_);
    return last_content_type_;
  }
  [[nodiscard]] std::string last_target() const {
    std::lock_guard lock(mutex_);
    return last_target_;
  }

 private:
  void accept_loop() {
    while (!stopped_) {
      tcp::socket s(ioc_);
      beast::error_code ec;
      acceptor_.accept(s, ec);
      if (ec || stopped_) break;
      std::lock_guard lock(mutex_);
      workers_.emplace_back([this, sock = std::move(s)]() mutable { serve(std::move(sock)); });
    }
  }

  void serve(tcp::socket s) {
    set_timeouts(s, 30);
    {
      std::lock_guard lock(mutex_);
      open_.insert(&s);
    }
    beast::flat_buffer buf;
    for (;;) {
      http::request<http::string_body> req;
      beast::error_code ec;
      http::read(s, buf, req, ec);
      if (ec || stopped_) break;
      const int n = static_cast<int>(requests_.fetch_add(1));
      Mode m = mode_.load();
      if (n < fail_first_.load()) m = Mode::Fail500;
      else if (fail_first_.load() > 0) m = Mode::Ok;
      if (m == Mode::Drop) break;
      if (m == Mode::Slow) std::this_thread::sleep_for(std::chrono::milliseconds(slow_ms_.load()));
      http::response<http::string_body> res{m == Mode::Fail500 ? http::status::internal_server_error
                                            : m == Mode::Reject400 ? http::status::bad_request
                                                                   : http::status::ok,
                                            11};
      res.body() = m == Mode::Reject400 ? "bad claim" : "ok";
      res.keep_alive(req.keep_alive());
      res.prepare_payload();
      if (m == Mode::Ok || m == Mode::Slow) {
        std::lock_guard lock(mutex_);
        const std::string key(req["Idempotency-Key"]);
        ++keys_[key];
        bodies_[key] = req.body();
        last_content_type_ = std::string(req[http::field::content_type]);
        last_target_ = std::string(req.target());
      }
      http::write(s, res, ec);
      if (ec || !req.keep_alive()) break;
    }
    std::lock_guard lock(mutex_);
    open_.erase(&s);
  }

  asio::io_context ioc_;
  tcp::acceptor acceptor_;
  std::uint16_t port_ = 0;
  std::thread thread_;
  std::atomic<bool> stopped_{false};
  std::atomic<Mode> mode_{Mode::Ok};
  std::atomic<int> fail_first_{0};
  std::atomic<int> slow_ms_{0};
  std::atomic<std::size_t> requests_{0};
  mutable std::mutex mutex_;
  std::vector<std::thread> workers_;
  std::set<tcp::socket*> open_;
  std::map<std::string, int> keys_;
  std::map<std::string, std::string> bodies_;
  std::string last_content_type_, last_target_;
};

// `claimgate ARGS... --listen 127.0.0.1:0 --port-file PORT_FILE` as a child process, its stdout
// and stderr appended to a log file; killed (SIGKILL) when destroyed. Shared by the server and
// the stream worker tests.
class ClaimgateProcess {
 public:
  ClaimgateProcess() = default;
  ClaimgateProcess(const ClaimgateProcess&) = delete;
  ClaimgateProcess& operator=(const ClaimgateProcess&) = delete;
  ~ClaimgateProcess() {
    if (pid_ > 0) {
      ::kill(pid_, SIGKILL);
      ::waitpid(pid_, nullptr, 0);
    }
  }

  // Starts it and waits (bounded) until it has written its port. False when it did not come up
  // in time or exited first.
  bool start(std::vector<std::string> args, const fs::path& port_file, const fs::path& log,
             std::chrono::milliseconds limit) {
    fs::remove(port_file);
    port_ = 0;
    args.insert(args.begin(), CG_CLAIMGATE_EXE);
    for (const char* a : {"--listen", "127.0.0.1:0", "--port-file"}) args.emplace_back(a);
    args.push_back(port_file.string());
    std::vector<char*> argv;
    for (auto& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    const std::string log_path = log.string();
    pid_ = ::fork();
    if (pid_ == 0) {
      const int fd = ::open(log_path.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
      if (fd >= 0) {
        ::dup2(fd, 2);
        ::dup2(fd, 1);
      }
      ::execv(argv[0], argv.data());
      ::_exit(127);
    }
    const bool up = wait_for(
        [&] {
          const std::string p = read_text(port_file);
          if (!p.empty() && p.back() == '\n') {
            port_ = static_cast<std::uint16_t>(std::stoi(p));
            return true;
          }
          int status = 0;
          return ::waitpid(pid_, &status, WNOHANG) == pid_ && (pid_ = -1, true);
        },
        limit);
    return up && pid_ > 0 && port_ != 0;
  }

  void signal(int sig) {
    if (pid_ > 0) ::kill(pid_, sig);
  }
  // Waits (bounded) for the process to exit; returns its exit status, -1 on timeout/signal.
  int wait_exit(std::chrono::milliseconds limit) { return wait_child(pid_, limit); }
  [[nodiscard]] std::uint16_t port() const { return port_; }

 private:
  pid_t pid_ = -1;
  std::uint16_t port_ = 0;
};

// `claimgate serve` as a child process with its own data directory and configuration.
class ServerProcess {
 public:
  ServerProcess(fs::path dir, const std::string& config_json) : dir_(std::move(dir)) {
    fs::create_directories(dir_);
    write_text(dir_ / "config.json", config_json);
  }

  // Starts and waits (bounded) until it listens. Returns false when it did not come up.
  bool start() {
    return proc_.start({"serve", "--config", (dir_ / "config.json").string(), "--data-dir", (dir_ / "var").string()},
                       dir_ / "port", dir_ / "server.log", 15s);
  }

  void signal(int sig) { proc_.signal(sig); }
  // Waits (bounded) for the process to exit; returns its exit status, -1 on timeout/signal.
  int wait_exit(std::chrono::milliseconds limit) { return proc_.wait_exit(limit); }
  void kill9() {
    signal(SIGKILL);
    wait_exit(10s);
  }

  [[nodiscard]] std::uint16_t port() const { return proc_.port(); }
  [[nodiscard]] const fs::path& dir() const { return dir_; }
  [[nodiscard]] fs::path var() const { return dir_ / "var"; }
  [[nodiscard]] std::string log() const { return read_text(dir_ / "server.log"); }

 private:
  fs::path dir_;
  ClaimgateProcess proc_;
};

inline std::size_t count_files(const fs::path& dir, const std::string& ext) {
  std::size_t n = 0;
  std::error_code ec;
  for (const auto& e : fs::directory_iterator(dir, ec))
    if (e.path().extension() == ext && e.path().filename().string()[0] != '.') ++n;
  return n;
}

// Spool entry keys found in the outbox manifests (*.keys), with how often each appears.
inline std::map<std::string, int> outbox_keys(const fs::path& dir) {
  std::map<std::string, int> keys;
  std::error_code ec;
  for (const auto& e : fs::directory_iterator(dir, ec)) {
    if (e.path().extension() != ".keys" || e.path().filename().string()[0] == '.') continue;
    std::istringstream in(read_text(e.path()));
    std::string line;
    while (std::getline(in, line))
      if (!line.empty()) ++keys[line.substr(0, line.find('\t'))];
  }
  return keys;
}

// A metric's value from the Prometheus text ("name{labels}" exactly as rendered), -1 if absent.
inline double metric(const std::string& text, const std::string& series) {
  const std::string needle = "\n" + series + " ";
  const auto pos = text.find(needle);
  if (pos == std::string::npos) return -1;
  return std::stod(text.substr(pos + needle.size()));
}

// A professional 837 with `claims` generated claims.
inline std::string gen_x12(int claims, std::uint64_t seed) {
  cg::test::Gen837 g(cg::test::Gen837::Kind::Professional, seed);
  std::string s;
  g.begin(s, 1000);
  for (int i = 0; i < claims; ++i) g.claim(s);
  g.end(s);
  return s;
}

// The keys of an X-Claimgate-Entry-Keys header (comma-separated).
inline std::vector<std::string> split_keys(const std::string& header) {
  std::vector<std::string> out;
  std::size_t start = 0;
  while (start < header.size()) {
    std::size_t comma = header.find(',', start);
    if (comma == std::string::npos) comma = header.size();
    if (comma > start) out.push_back(header.substr(start, comma - start));
    start = comma + 1;
  }
  return out;
}

inline std::size_t count_of(const std::string& text, const std::string& needle) {
  std::size_t n = 0;
  for (std::size_t p = text.find(needle); p != std::string::npos; p = text.find(needle, p + 1)) ++n;
  return n;
}

inline fs::path scratch(const std::string& name) {
  const fs::path p = fs::path(CG_BINARY_DIR) / "integration-scratch" / name;
  fs::remove_all(p);
  fs::create_directories(p);
  return p;
}

}  // namespace cg::itest
