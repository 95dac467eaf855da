// claimgate stream --config FILE [--listen ADDR:PORT] [--port-file FILE] [--instance ID] [--data-dir DIR]
#include "engine/cli/commands.hpp"
#include "engine/cli/setup.hpp"
#include "engine/config.hpp"
#include "engine/delivery/control_numbers.hpp"
#include "engine/delivery/dead_letter.hpp"
#include "engine/log.hpp"
#include "engine/pipeline.hpp"
#include "engine/pipeline_config.hpp"
#include "engine/server/metrics_endpoint.hpp"
#include "engine/stream/kafka_client.hpp"
#include "engine/stream/worker.hpp"

#include <pthread.h>
#include <signal.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <thread>

namespace cg::engine {
namespace {

constexpr const char* kStreamHelp =
    "usage: claimgate stream --config FILE [options]\n"
    "\n"
    "Runs a Kafka worker: consumes claims (X12 interchanges, FHIR Claim / Bundle / NDJSON, one\n"
    "per record) from stream.input_topic as a member of the consumer group stream.group_id,\n"
    "validates them through the same pipeline as the server, and in one Kafka transaction per\n"
    "batch produces accepted claims to the payer topics, answers (999/TA1, 277CA, FHIR) to\n"
    "stream.answers_topic, per-claim verdict events to stream.verdicts_topic and unreadable\n"
    "records to stream.dead_letter_topic, together with the consumed offsets (exactly once).\n"
    "Start as many as the input topic has partitions; they share the work. GET /metrics,\n"
    "/healthz and /readyz on \"listen\". SIGTERM/SIGINT: finish the batch, commit, leave the group.\n"
    "\n"
    "options:\n"
    "  --config FILE       the server's configuration file with a \"stream\" section\n"
    "                      (see deploy/claimgate.sample.json and docs/scale-out.md)\n"
    "  --listen ADDR:PORT  overrides \"listen\" (the metrics endpoint; port 0: any free port)\n"
    "  --port-file FILE    write the metrics port to FILE once listening\n"
    "  --instance ID       overrides stream.instance_id (the transactional id is\n"
    "                      <transactional_id_prefix>-<ID>; default: the host name)\n"
    "  --data-dir DIR      overrides \"data_dir\" (the control-number state of the 999, 277CA\n"
    "                      and 837s written: DIR/control-numbers; see docs/scale-out.md)\n"
    "\n"
    "exit codes: 0 after a graceful shutdown, 2 bad options or configuration, 1 startup failure\n"
    "or a fatal Kafka error (e.g. another worker took over this transactional id).\n";

std::string host_name() {
  char buf[256] = {};
  if (::gethostname(buf, sizeof buf - 1) != 0 || buf[0] == '\0') return "claimgate";
  return buf;
}

}  // namespace

int cmd_stream(const Args& args) {
  std::string config_file, listen, port_file, instance, data_dir;
  for (std::size_t i = 0; i < args.size(); ++i) {
    const std::string& a = args[i];
    auto value = [&](std::string& out, const char* what) {
      if (i + 1 >= args.size() || args[i + 1].empty()) {
        std::fprintf(stderr, "claimgate stream: %s needs %s\n\n%s", a.c_str(), what, kStreamHelp);
        return false;
      }
      out = args[++i];
      return true;
    };
    if (a == "--help" || a == "-h") {
      std::fputs(kStreamHelp, stdout);
      return 0;
    }
    if (a == "--config") {
      if (!value(config_file, "a file")) return 2;
    } else if (a == "--listen") {
      if (!value(listen, "ADDR:PORT")) return 2;
    } else if (a == "--port-file") {
      if (!value(port_file, "a file")) return 2;
    } else if (a == "--instance") {
      if (!value(instance, "an id")) return 2;
    } else if (a == "--data-dir") {
      if (!value(data_dir, "a directory")) return 2;
    } else {
      std::fprintf(stderr, "claimgate stream: unknown option '%s'\n\n%s", a.c_str(), kStreamHelp);
      return 2;
    }
  }
  if (config_file.empty()) {
    std::fprintf(stderr, "claimgate stream: --config FILE is required\n\n%s", kStreamHelp);
    return 2;
  }
  const auto t0 = std::chrono::steady_clock::now();
  ServerConfig config;
  PipelineOptions popts;
  std::string error;
  try {
    config = load_config(config_file);
    if (!listen.empty()) parse_listen(listen, "--listen", config);
    if (!instance.empty()) config.stream.instance_id = instance;
    if (!data_dir.empty()) config.data_dir = data_dir;
    if (config.stream.instance_id.empty()) config.stream.instance_id = host_name();
    config.resolve();
    require_stream(config.stream);
    popts = pipeline_options(config);
    popts.routing = stream_routing(config.stream);  // the worker's targets are its payer topics
  } catch (const ConfigError& e) {
    std::fprintf(stderr, "claimgate stream: bad configuration: %s\n", e.what());
    return 2;
  }
  const int log_fd = open_log(config, error);
  if (log_fd < 0) {
    std::fprintf(stderr, "claimgate stream: bad configuration: %s\n", error.c_str());
    return 2;
  }
  if (!load_code_set(config, popts, error)) {
    std::fprintf(stderr, "claimgate stream: %s\n", error.c_str());
    return 1;
  }
  // Signals are taken by one thread (sigtimedwait); every other thread, librdkafka's and the
  // work pool's included, is created with them blocked.
  sigset_t stop_signals;
  sigemptyset(&stop_signals);
  sigaddset(&stop_signals, SIGTERM);
  sigaddset(&stop_signals, SIGINT);
  pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);

  // stream.threads: the records of a batch (and the transaction sets of a large X12 record)
  // are validated on this pool and the worker's thread.
  const unsigned threads =
      config.stream.threads != 0 ? config.stream.threads : transforms::WorkPool::available_cpus();
  if (threads > 1) popts.pool = std::make_shared<transforms::WorkPool>(threads - 1);
  const Pipeline pipeline(std::move(popts));

  stream::StreamMetrics metrics;
  std::unique_ptr<stream::KafkaClient> client;
  try {
    client = std::make_unique<stream::KafkaClient>(config.stream, config.stream.instance_id, metrics);
  } catch (const ConfigError& e) {
    std::fprintf(stderr, "claimgate stream: bad configuration: %s\n", e.what());
    return 2;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "claimgate stream: %s\n", e.what());
    return 1;
  }

  stream::WorkerLimits limits;
  limits.max_records = config.stream.max_in_flight_records;
  limits.max_bytes = config.stream.max_in_flight_bytes;
  limits.linger = std::chrono::milliseconds(config.stream.transaction_ms);
  limits.record.max_record_bytes = config.limits.max_body_bytes;
  std::shared_ptr<ControlNumbers> numbers;
  try {
    numbers = ControlNumbers::durable(config.data_dir + "/control-numbers", 64, config.stream.control_number_first,
                                      config.stream.control_number_last);
  } catch (const ControlNumberError& e) {
    std::fprintf(stderr, "claimgate stream: %s\n", e.what());
    return 1;
  }
  stream::Worker worker(pipeline, *numbers, config.stream, *client, metrics, limits);

  std::atomic<bool> running{true};
  MetricsEndpoint endpoint([&metrics] { return metrics.render(); }, [&running] { return running.load(); });
  if (std::string err = endpoint.start(config.listen_address, config.listen_port); !err.empty()) {
    std::fprintf(stderr, "claimgate stream: %s\n", err.c_str());
    return 1;
  }
  if (!port_file.empty()) {
    const auto slash = port_file.rfind('/');
    const std::string dir = slash == std::string::npos ? "." : port_file.substr(0, slash);
    const std::string name = slash == std::string::npos ? port_file : port_file.substr(slash + 1);
    if (!write_file_durable(dir, name, std::to_string(endpoint.port()) + "\n", error)) {
      std::fprintf(stderr, "claimgate stream: --port-file: %s\n", error.c_str());
    }
  }
  std::thread signals([&] {
    const timespec tick{0, 200'000'000};
    while (running.load()) {
      const int sig = sigtimedwait(&stop_signals, nullptr, &tick);
      if (sig == SIGTERM || sig == SIGINT) {
        log::Line(log::Level::Info, "shutdown.begin").str("signal", sig == SIGTERM ? "SIGTERM" : "SIGINT");
        worker.stop();
        return;
      }
    }
  });
  log::Line(log::Level::Info, "stream.ready")
      .str("instance", config.stream.instance_id)
      .str("transactional_id", config.stream.transactional_id_prefix + "-" + config.stream.instance_id)
      .str("group_id", config.stream.group_id)
      .str("input_topic", config.stream.input_topic)
      .num("metrics_port", endpoint.port())
      .real("startup_ms", std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count());

  auto last_lag = std::chrono::steady_clock::now() - std::chrono::seconds(1);
  const std::string fatal = worker.run([&] {
    const auto now = std::chrono::steady_clock::now();
    if (now - last_lag < std::chrono::seconds(1)) return;
    last_lag = now;
    client->update_lag();
  });
  running.store(false);
  signals.join();
  client->close();
  numbers->close();
  endpoint.stop();
  if (!fatal.empty()) {
    log::Line(log::Level::Error, "stream.fatal").str("error", fatal);
    std::fprintf(stderr, "claimgate stream: %s\n", fatal.c_str());
  }
  log::Line(log::Level::Info, "shutdown.complete")
      .num("records_in", static_cast<std::int64_t>(metrics.records_in.load()))
      .num("transactions", static_cast<std::int64_t>(metrics.transactions.load()));
  if (log_fd != 2) ::close(log_fd);
  return fatal.empty() ? 0 : 1;
}

}  // namespace cg::engine
