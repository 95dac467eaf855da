// claimgate-kafka-mock: an in-process Kafka mock cluster (librdkafka's rd_kafka_mock, the real
// Kafka protocol on loopback sockets) for tests, kcat and several claimgate processes.
//
//   claimgate-kafka-mock [--brokers N] [--topic NAME:PARTITIONS]...
//
// Prints the bootstrap servers as the first line of standard output, then runs until SIGTERM
// or SIGINT. Commands on standard input (one a line, each answered "ok" or "error: ...") inject
// failures while it runs:
//   broker-down ID | broker-up ID               a broker's connections drop / come back
//   request-errors API_KEY CODE [CODE...]       the next requests of that API fail with CODE
//                                               (librdkafka error numbers, e.g. 0 = Produce)
//   create-topic NAME PARTITIONS
// A test tool only: nothing in claimgate itself knows the mock.
#include <librdkafka/rdkafka.h>
#include <librdkafka/rdkafka_mock.h>

#include <poll.h>
#include <signal.h>
#include <unistd.h>

#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <iostream>
#include <sstream>
#include <string>
#include <vector>

namespace {

std::atomic<bool> g_stop{false};
void on_signal(int) { g_stop.store(true); }

constexpr const char* kHelp =
    "usage: claimgate-kafka-mock [--brokers N] [--topic NAME:PARTITIONS]...\n"
    "Starts a librdkafka mock cluster on 127.0.0.1, prints its bootstrap servers as the first line,\n"
    "runs until SIGTERM. stdin commands: broker-down ID, broker-up ID,\n"
    "request-errors API_KEY CODE [CODE...], create-topic NAME PARTITIONS.\n";

bool parse_int(const std::string& s, long lo, long hi, long& out) {
  char* end = nullptr;
  out = std::strtol(s.c_str(), &end, 10);
  return !s.empty() && *end == '\0' && out >= lo && out <= hi;
}

std::string command(rd_kafka_mock_cluster_t* mc, int brokers, const std::string& line) {
  std::istringstream in(line);
  std::string verb;
  in >> verb;
  std::vector<std::string> args;
  for (std::string a; in >> a;) args.push_back(a);
  long n = 0, m = 0;
  if ((verb == "broker-down" || verb == "broker-up") && args.size() == 1 && parse_int(args[0], 1, brokers, n)) {
    const auto err = verb == "broker-down" ? rd_kafka_mock_broker_set_down(mc, static_cast<int32_t>(n))
                                           : rd_kafka_mock_broker_set_up(mc, static_cast<int32_t>(n));
    return err ? std::string("error: ") + rd_kafka_err2str(err) : "ok";
  }
  if (verb == "request-errors" && args.size() >= 2 && parse_int(args[0], 0, 100, n)) {
    std::vector<rd_kafka_resp_err_t> codes;
    for (std::size_t i = 1; i < args.size(); ++i) {
      if (!parse_int(args[i], -200, 200, m)) return "error: bad error code " + args[i];
      codes.push_back(static_cast<rd_kafka_resp_err_t>(m));
    }
    rd_kafka_mock_push_request_errors_array(mc, static_cast<int16_t>(n), codes.size(), codes.data());
    return "ok";
  }
  if (verb == "create-topic" && args.size() == 2 && parse_int(args[1], 1, 1000, n)) {
    const auto err = rd_kafka_mock_topic_create(mc, args[0].c_str(), static_cast<int>(n), brokers < 3 ? brokers : 3);
    return err ? std::string("error: ") + rd_kafka_err2str(err) : "ok";
  }
  return "error: unknown command (broker-down ID | broker-up ID | request-errors API_KEY CODE... | "
         "create-topic NAME PARTITIONS)";
}

}  // namespace

int main(int argc, char** argv) {
  long brokers = 3;
  std::vector<std::pair<std::string, int>> topics;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    if (a == "--help" || a == "-h") {
      std::fputs(kHelp, stdout);
      return 0;
    }
    if (a == "--brokers" && i + 1 < argc && parse_int(argv[i + 1], 1, 64, brokers)) {
      ++i;
    } else if (a == "--topic" && i + 1 < argc) {
      const std::string t = argv[++i];
      const auto colon = t.rfind(':');
      long parts = 0;
      if (colon == std::string::npos || colon == 0 || !parse_int(t.substr(colon + 1), 1, 1000, parts)) {
        std::fprintf(stderr, "claimgate-kafka-mock: --topic needs NAME:PARTITIONS, not '%s'\n", t.c_str());
        return 2;
      }
      topics.emplace_back(t.substr(0, colon), static_cast<int>(parts));
    } else {
      std::fprintf(stderr, "claimgate-kafka-mock: bad argument '%s'\n\n%s", a.c_str(), kHelp);
      return 2;
    }
  }

  char err[512];
  rd_kafka_conf_t* conf = rd_kafka_conf_new();
  rd_kafka_conf_set(conf, "log_level", "3", err, sizeof err);
  rd_kafka_t* rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf, err, sizeof err);
  if (!rk) {
    std::fprintf(stderr, "claimgate-kafka-mock: %s\n", err);
    return 1;
  }
  rd_kafka_mock_cluster_t* mc = rd_kafka_mock_cluster_new(rk, static_cast<int>(brokers));
  if (!mc) {
    std::fprintf(stderr, "claimgate-kafka-mock: cannot start the mock cluster\n");
    rd_kafka_destroy(rk);
    return 1;
  }
  for (const auto& [name, parts] : topics) {
    if (const auto e = rd_kafka_mock_topic_create(mc, name.c_str(), parts, brokers < 3 ? static_cast<int>(brokers) : 3)) {
      std::fprintf(stderr, "claimgate-kafka-mock: topic %s: %s\n", name.c_str(), rd_kafka_err2str(e));
      return 1;
    }
  }

  struct sigaction sa {};
  sa.sa_handler = on_signal;
  sigaction(SIGTERM, &sa, nullptr);
  sigaction(SIGINT, &sa, nullptr);
  signal(SIGPIPE, SIG_IGN);

  std::printf("%s\n", rd_kafka_mock_cluster_bootstraps(mc));
  std::fflush(stdout);

  std::string pending;
  bool stdin_open = true;
  while (!g_stop.load()) {
    pollfd p{0, POLLIN, 0};
    const int r = stdin_open ? ::poll(&p, 1, 200) : (::usleep(200'000), 0);
    if (r <= 0) continue;
    char buf[4096];
    const ssize_t got = ::read(0, buf, sizeof buf);
    if (got <= 0) {
      stdin_open = false;
      continue;
    }
    pending.append(buf, static_cast<std::size_t>(got));
    for (std::size_t nl; (nl = pending.find('\n')) != std::string::npos;) {
      const std::string line = pending.substr(0, nl);
      pending.erase(0, nl + 1);
      if (line.empty()) continue;
      std::printf("%s\n", command(mc, static_cast<int>(brokers), line).c_str());
      std::fflush(stdout);
    }
  }
  rd_kafka_mock_cluster_destroy(mc);
  rd_kafka_destroy(rk);
  return 0;
}
