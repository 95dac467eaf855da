// Building librdkafka clients from claimgate's configuration: claimgate's defaults, then the
// pass-through properties of the configuration (SASL, SSL, tuning), then what claimgate owns.
// librdkafka's own log lines go to claimgate's log (event "kafka.log").
//
// Errors: a pass-through property librdkafka refuses, or a client it refuses to create, throws
// ConfigError naming "<prefix>.<property>" / "<prefix>"; anything else std::runtime_error.
#pragma once

#include <librdkafka/rdkafka.h>

#include <map>
#include <string>

namespace cg::engine {

class KafkaConf {
 public:
  explicit KafkaConf(std::string prefix);  // e.g. "stream.librdkafka"
  ~KafkaConf();
  KafkaConf(const KafkaConf&) = delete;
  KafkaConf& operator=(const KafkaConf&) = delete;

  // pass_through: the properties come from the configuration file (errors name the key).
  void set(const std::map<std::string, std::string>& props, bool pass_through);
  [[nodiscard]] rd_kafka_conf_t* get() { return conf_; }
  // Creates the client; the configuration then belongs to it.
  [[nodiscard]] rd_kafka_t* create(rd_kafka_type_t type);

 private:
  std::string prefix_;
  rd_kafka_conf_t* conf_;
};

}  // namespace cg::engine
