// Kafka side of the stream tests: the mock cluster process (claimgate-kafka-mock), claimgate
// stream workers as child processes, and a librdkafka producer / reader. 127.0.0.1 only; every
// wait is bounded.
#pragma once

#include "tests/integration/harness.hpp"

#include <librdkafka/rdkafka.h>
#include <poll.h>

#include <functional>

namespace cg::itest {

// claimgate-kafka-mock as a child: its first stdout line is the bootstrap list; commands on
// its stdin inject failures.
class MockCluster {
 public:
  explicit MockCluster(const std::vector<std::string>& topics) {
    int in[2], out[2];
    if (::pipe(in) != 0 || ::pipe(out) != 0) return;
    pid_ = ::fork();
    if (pid_ == 0) {
      ::dup2(in[0], 0);
      ::dup2(out[1], 1);
      ::close(in[1]);
      ::close(out[0]);
      std::vector<std::string> args{CG_KAFKA_MOCK_EXE, "--brokers", "3"};
      for (const auto& t : topics) {
        args.push_back("--topic");
        args.push_back(t);
      }
      std::vector<char*> argv;
      for (auto& a : args) argv.push_back(a.data());
      argv.push_back(nullptr);
      ::execv(argv[0], argv.data());
      ::_exit(127);
    }
    ::close(in[0]);
    ::close(out[1]);
    to_ = in[1];
    from_ = out[0];
    bootstrap_ = read_line(10'000);
  }
  ~MockCluster() {
    if (to_ >= 0) ::close(to_);
    if (from_ >= 0) ::close(from_);
    if (pid_ > 0) {
      ::kill(pid_, SIGTERM);
      int status = 0;
      if (!wait_for([&] { return ::waitpid(pid_, &status, WNOHANG) == pid_; }, 5s)) {
        ::kill(pid_, SIGKILL);
        ::waitpid(pid_, nullptr, 0);
      }
    }
  }
  [[nodiscard]] const std::string& bootstrap() const { return bootstrap_; }
  // Sends one command; returns the mock's answer line ("ok" or "error: ...").
  std::string command(const std::string& line) {
    const std::string l = line + "\n";
    if (::write(to_, l.data(), l.size()) != static_cast<ssize_t>(l.size())) return "error: write";
    return read_line(5'000);
  }

 private:
  std::string read_line(int timeout_ms) {
    const auto end = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
    for (;;) {
      const auto nl = buffer_.find('\n');
      if (nl != std::string::npos) {
        std::string line = buffer_.substr(0, nl);
        buffer_.erase(0, nl + 1);
        return line;
      }
      const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(end - std::chrono::steady_clock::now());
      if (left.count() <= 0) return {};
      pollfd p{from_, POLLIN, 0};
      if (::poll(&p, 1, static_cast<int>(left.count())) <= 0) return {};
      char buf[1024];
      const ssize_t n = ::read(from_, buf, sizeof buf);
      if (n <= 0) return {};
      buffer_.append(buf, static_cast<std::size_t>(n));
    }
  }
  pid_t pid_ = -1;
  int to_ = -1, from_ = -1;
  std::string buffer_, bootstrap_;
};

// `claimgate stream` as a child process.
class StreamWorker {
 public:
  StreamWorker(fs::path dir, std::string config, std::string instance)
      : dir_(std::move(dir)), config_(std::move(config)), instance_(std::move(instance)) {}
  bool start() {
    return proc_.start({"stream", "--config", config_, "--instance", instance_}, dir_ / (instance_ + ".port"),
                       dir_ / (instance_ + ".log"), 20s);
  }
  void signal(int sig) { proc_.signal(sig); }
  // Exit status after the process ends (bounded), -1 on timeout or a signal.
  int wait_exit(std::chrono::milliseconds limit) { return proc_.wait_exit(limit); }
  [[nodiscard]] std::uint16_t port() const { return proc_.port(); }
  [[nodiscard]] std::string log() const { return read_text(dir_ / (instance_ + ".log")); }

 private:
  fs::path dir_;
  std::string config_, instance_;
  ClaimgateProcess proc_;
};

struct Record {
  std::string topic;
  std::int32_t partition = 0;
  std::int64_t offset = 0;
  std::string key, value;
  std::map<std::string, std::string> headers;
};

inline rd_kafka_t* kafka_client(rd_kafka_type_t type, const std::string& bootstrap,
                                const std::vector<std::pair<std::string, std::string>>& extra = {}) {
  char err[512];
  rd_kafka_conf_t* conf = rd_kafka_conf_new();
  rd_kafka_conf_set(conf, "bootstrap.servers", bootstrap.c_str(), err, sizeof err);
  rd_kafka_conf_set(conf, "log_level", "3", err, sizeof err);
  for (const auto& [k, v] : extra) rd_kafka_conf_set(conf, k.c_str(), v.c_str(), err, sizeof err);
  return rd_kafka_new(type, conf, err, sizeof err);
}

// Produces (idempotent, acks=all) and waits for every acknowledgement. Returns false on a failure.
inline bool produce_all(const std::string& bootstrap, const std::string& topic,
                        const std::vector<std::pair<std::string, std::string>>& key_values,
                        const std::vector<std::pair<std::string, std::string>>& headers = {}) {
  rd_kafka_t* p = kafka_client(RD_KAFKA_PRODUCER, bootstrap, {{"enable.idempotence", "true"}});
  if (!p) return false;
  bool ok = true;
  for (const auto& [k, v] : key_values) {
    rd_kafka_headers_t* h = rd_kafka_headers_new(headers.size());
    for (const auto& [hk, hv] : headers) rd_kafka_header_add(h, hk.c_str(), -1, hv.data(), static_cast<ssize_t>(hv.size()));
    for (int tries = 0;; ++tries) {
      const auto err = rd_kafka_producev(p, RD_KAFKA_V_TOPIC(topic.c_str()), RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY),
                                         RD_KAFKA_V_KEY(k.data(), k.size()),
                                         RD_KAFKA_V_VALUE(const_cast<char*>(v.data()), v.size()), RD_KAFKA_V_HEADERS(h),
                                         RD_KAFKA_V_END);
      if (!err) break;
      if (err != RD_KAFKA_RESP_ERR__QUEUE_FULL || tries > 200) {
        rd_kafka_headers_destroy(h);
        ok = false;
        break;
      }
      rd_kafka_poll(p, 50);
    }
  }
  ok = rd_kafka_flush(p, 30'000) == RD_KAFKA_RESP_ERR_NO_ERROR && ok;
  rd_kafka_destroy(p);
  return ok;
}

// Every record of every partition of `topic` up to the high watermark, read_committed.
inline std::vector<Record> read_topic(const std::string& bootstrap, const std::string& topic, int partitions) {
  std::vector<Record> out;
  rd_kafka_t* c = kafka_client(RD_KAFKA_CONSUMER, bootstrap,
                               {{"group.id", "claimgate-test-reader"}, {"isolation.level", "read_committed"},
                                {"enable.auto.commit", "false"}});
  if (!c) return out;
  rd_kafka_topic_partition_list_t* list = rd_kafka_topic_partition_list_new(partitions);
  std::map<std::int32_t, std::int64_t> high;
  for (int p = 0; p < partitions; ++p) {
    std::int64_t lo = 0, hi = 0;
    rd_kafka_query_watermark_offsets(c, topic.c_str(), p, &lo, &hi, 10'000);
    high[p] = hi;
    rd_kafka_topic_partition_list_add(list, topic.c_str(), p)->offset = RD_KAFKA_OFFSET_BEGINNING;
  }
  rd_kafka_assign(c, list);
  rd_kafka_topic_partition_list_destroy(list);
  std::map<std::int32_t, std::int64_t> next;
  auto done = [&] {
    for (const auto& [p, h] : high)
      if (next[p] < h) return false;
    return true;
  };
  const auto end = std::chrono::steady_clock::now() + 60s;
  while (!done() && std::chrono::steady_clock::now() < end) {
    rd_kafka_message_t* m = rd_kafka_consumer_poll(c, 200);
    if (!m) continue;
    if (!m->err) {
      Record r;
      r.topic = topic;
      r.partition = m->partition;
      r.offset = m->offset;
      if (m->key) r.key.assign(static_cast<const char*>(m->key), m->key_len);
      if (m->payload) r.value.assign(static_cast<const char*>(m->payload), m->len);
      rd_kafka_headers_t* h = nullptr;
      if (!rd_kafka_message_headers(m, &h) && h) {
        const char* name;
        const void* val;
        std::size_t size;
        for (std::size_t i = 0; !rd_kafka_header_get_all(h, i, &name, &val, &size); ++i)
          r.headers[name] = val ? std::string(static_cast<const char*>(val), size) : std::string();
      }
      next[r.partition] = r.offset + 1;
      out.push_back(std::move(r));
    }
    rd_kafka_message_destroy(m);
  }
  rd_kafka_consumer_close(c);
  rd_kafka_destroy(c);
  return out;
}

}  // namespace cg::itest
