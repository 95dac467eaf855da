// A small closed-loop HTTP/1.1 load generator for `claimgate serve` (keep-alive, epoll, one
// thread per --threads, --connections spread over them). Reports requests/s, p50/p99/max
// latency and the status codes seen. Bounded by --duration.
//
//   bench_server_load --port 8080 --path /healthz --method GET
//   bench_server_load --port 8080 --path /fhir/Claim --body claim.json --connections 32
//   bench_server_load --port 8080 --path /x12 --x12-claims 100
//   bench_server_load --fsync-probe DIR --count 300    the disk's baseline: N x (a 200-byte
//       append + fdatasync) to a file in DIR (the spool's file system), each timed; p50/p99/mean
#include "tests/support/gen837.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <fcntl.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <map>
#include <mutex>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

namespace {

using Clock = std::chrono::steady_clock;

struct Options {
  int port = 8080;
  std::string method = "POST", path = "/healthz", body_file, content_type = "application/fhir+json";
  int x12_claims = 0, x12_per_set = 5000;
  int connections = 32, threads = 1;
  double duration = 5, warmup = 1;
};

struct Conn {
  int fd = -1;
  std::size_t sent = 0;
  std::string in;
  Clock::time_point started;
};

struct Stats {
  std::vector<double> latencies_us;
  std::map<int, std::uint64_t> statuses;
  std::uint64_t errors = 0;
};

int connect_to(int port) {
  const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(static_cast<std::uint16_t>(port));
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  const int one = 1;
  ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0 && errno != EINPROGRESS) {
    ::close(fd);
    return -1;
  }
  return fd;
}

// Returns the length of a complete response at the front of `in` (0: incomplete), its status.
std::size_t complete_response(const std::string& in, int& status) {
  const std::size_t end = in.find("\r\n\r\n");
  if (end == std::string::npos) return 0;
  status = in.size() > 12 ? std::atoi(in.c_str() + 9) : 0;
  std::size_t length = 0;
  for (std::size_t p = in.find("\r\n"); p < end; p = in.find("\r\n", p + 2)) {
    if (strncasecmp(in.c_str() + p + 2, "content-length:", 15) == 0) length = std::strtoul(in.c_str() + p + 17, nullptr, 10);
  }
  return in.size() >= end + 4 + length ? end + 4 + length : 0;
}

void run(const Options& o, const std::string& request, int nconn, Clock::time_point measure_from, Clock::time_point until,
         Stats& stats) {
  const int ep = ::epoll_create1(0);
  std::vector<Conn> conns(static_cast<std::size_t>(nconn));
  for (std::size_t i = 0; i < conns.size(); ++i) {
    conns[i].fd = connect_to(o.port);
    conns[i].started = Clock::now();
    epoll_event ev{};
    ev.events = EPOLLIN | EPOLLOUT;
    ev.data.u64 = i;
    ::epoll_ctl(ep, EPOLL_CTL_ADD, conns[i].fd, &ev);
  }
  char buf[65536];
  epoll_event events[256];
  while (Clock::now() < until) {
    const int n = ::epoll_wait(ep, events, 256, 100);
    for (int k = 0; k < n; ++k) {
      Conn& c = conns[events[k].data.u64];
      if ((events[k].events & EPOLLOUT) && c.sent < request.size()) {
        const ssize_t w = ::send(c.fd, request.data() + c.sent, request.size() - c.sent, MSG_NOSIGNAL);
        if (w > 0) c.sent += static_cast<std::size_t>(w);
        if (c.sent == request.size()) {
          epoll_event ev{};
          ev.events = EPOLLIN;
          ev.data.u64 = events[k].data.u64;
          ::epoll_ctl(ep, EPOLL_CTL_MOD, c.fd, &ev);
        }
      }
      if (events[k].events & (EPOLLIN | EPOLLHUP | EPOLLERR)) {
        const ssize_t r = ::recv(c.fd, buf, sizeof buf, 0);
        if (r <= 0) {
          if (r < 0 && errno == EAGAIN) continue;
          ++stats.errors;  // closed: reconnect
          ::epoll_ctl(ep, EPOLL_CTL_DEL, c.fd, nullptr);
          ::close(c.fd);
          c = Conn{};
          c.fd = connect_to(o.port);
          c.started = Clock::now();
          epoll_event ev{};
          ev.events = EPOLLIN | EPOLLOUT;
          ev.data.u64 = events[k].data.u64;
          ::epoll_ctl(ep, EPOLL_CTL_ADD, c.fd, &ev);
          continue;
        }
        c.in.append(buf, static_cast<std::size_t>(r));
        int status = 0;
        if (const std::size_t len = complete_response(c.in, status); len > 0) {
          const auto now = Clock::now();
          if (c.started >= measure_from) {
            stats.latencies_us.push_back(std::chrono::duration<double, std::micro>(now - c.started).count());
            ++stats.statuses[status];
          }
          c.in.erase(0, len);
          c.sent = 0;
          c.started = now;
          epoll_event ev{};
          ev.events = EPOLLIN | EPOLLOUT;
          ev.data.u64 = events[k].data.u64;
          ::epoll_ctl(ep, EPOLL_CTL_MOD, c.fd, &ev);
        }
      }
    }
  }
  for (auto& c : conns) ::close(c.fd);
  ::close(ep);
}

// The disk alone: what one group commit of the spool costs at least, measured the way the
// spool does it (append, fdatasync), one at a time.
int fsync_probe(const std::string& dir, int count) {
  const std::string path = dir + "/fsync-probe.tmp";
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_APPEND | O_CLOEXEC, 0600);
  if (fd < 0) {
    std::fprintf(stderr, "cannot open %s: %s\n", path.c_str(), std::strerror(errno));
    return 1;
  }
  const std::string record(200, 'x');
  std::vector<double> ms;
  for (int i = 0; i < count; ++i) {
    const auto t0 = Clock::now();
    if (::write(fd, record.data(), record.size()) != static_cast<ssize_t>(record.size()) || ::fdatasync(fd) != 0) {
      std::fprintf(stderr, "write/fdatasync failed: %s\n", std::strerror(errno));
      break;
    }
    ms.push_back(std::chrono::duration<double, std::milli>(Clock::now() - t0).count());
  }
  ::close(fd);
  ::unlink(path.c_str());
  if (ms.empty()) return 1;
  double sum = 0;
  for (const double m : ms) sum += m;
  std::sort(ms.begin(), ms.end());
  const auto pct = [&](double p) { return ms[std::min(ms.size() - 1, static_cast<std::size_t>(p * static_cast<double>(ms.size())))]; };
  std::printf("%-30s %9zu x  200-byte append + fdatasync  p50 %7.3f ms  p99 %7.3f ms  mean %7.3f ms  max %8.3f ms\n",
              "fsync probe (disk)", ms.size(), pct(0.5), pct(0.99), sum / static_cast<double>(ms.size()), ms.back());
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  Options o;
  if (argc >= 3 && std::string(argv[1]) == "--fsync-probe")
    return fsync_probe(argv[2], argc >= 5 && std::string(argv[3]) == "--count" ? std::atoi(argv[4]) : 300);
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string k = argv[i], v = argv[i + 1];
    if (k == "--port") o.port = std::stoi(v);
    else if (k == "--path") o.path = v;
    else if (k == "--method") o.method = v;
    else if (k == "--body") o.body_file = v;
    else if (k == "--content-type") o.content_type = v;
    else if (k == "--x12-claims") o.x12_claims = std::stoi(v);
    else if (k == "--x12-per-set") o.x12_per_set = std::stoi(v);
    else if (k == "--connections") o.connections = std::stoi(v);
    else if (k == "--threads") o.threads = std::stoi(v);
    else if (k == "--duration") o.duration = std::stod(v);
    else if (k == "--warmup") o.warmup = std::stod(v);
    else {
      std::fprintf(stderr, "unknown option %s\n", k.c_str());
      return 2;
    }
  }
  std::string body;
  if (!o.body_file.empty()) {
    std::ifstream in(o.body_file, std::ios::binary);
    std::ostringstream ss;
    ss << in.rdbuf();
    body = ss.str();
  } else if (o.x12_claims > 0) {
    cg::test::Gen837 g(cg::test::Gen837::Kind::Professional, 5);
    g.begin(body, o.x12_per_set);
    for (int i = 0; i < o.x12_claims; ++i) g.claim(body);
    g.end(body);
    o.content_type = "application/edi-x12";
  }
  std::string request = o.method + " " + o.path + " HTTP/1.1\r\nHost: 127.0.0.1\r\n";
  if (o.method == "POST") {
    request += "Content-Type: " + o.content_type + "\r\nContent-Length: " + std::to_string(body.size()) + "\r\n\r\n" + body;
  } else {
    request += "\r\n";
  }
  const auto start = Clock::now();
  const auto measure_from = start + std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(o.warmup));
  const auto until = measure_from + std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(o.duration));
  std::vector<Stats> stats(static_cast<std::size_t>(o.threads));
  std::vector<std::thread> threads;
  for (int t = 0; t < o.threads; ++t) {
    const int n = o.connections / o.threads + (t < o.connections % o.threads ? 1 : 0);
    threads.emplace_back([&, t, n] { run(o, request, n, measure_from, until, stats[static_cast<std::size_t>(t)]); });
  }
  for (auto& t : threads) t.join();
  Stats all;
  for (auto& s : stats) {
    all.latencies_us.insert(all.latencies_us.end(), s.latencies_us.begin(), s.latencies_us.end());
    for (auto& [k, v] : s.statuses) all.statuses[k] += v;
    all.errors += s.errors;
  }
  std::sort(all.latencies_us.begin(), all.latencies_us.end());
  const auto pct = [&](double p) {
    if (all.latencies_us.empty()) return 0.0;
    return all.latencies_us[std::min(all.latencies_us.size() - 1, static_cast<std::size_t>(p * static_cast<double>(all.latencies_us.size())))] / 1000.0;
  };
  std::string statuses;
  for (auto& [k, v] : all.statuses) statuses += (statuses.empty() ? "" : ",") + std::to_string(k) + ":" + std::to_string(v);
  std::printf("%-30s %9zu B  %10.0f req/s  p50 %7.3f ms  p99 %7.3f ms  max %8.3f ms  statuses %s  reconnects %llu\n",
              (o.method + " " + o.path +
               (o.x12_claims ? " (" + std::to_string(o.x12_claims) + " claims" +
                                   (o.x12_claims > o.x12_per_set ? ", " + std::to_string(o.x12_claims / o.x12_per_set) + " sets" : "") + ")"
                             : ""))
                  .c_str(),
              body.size(), static_cast<double>(all.latencies_us.size()) / o.duration, pct(0.50), pct(0.99),
              all.latencies_us.empty() ? 0.0 : all.latencies_us.back() / 1000.0, statuses.c_str(),
              static_cast<unsigned long long>(all.errors));
  return 0;
}
