#include "engine/delivery/kafka_conf.hpp"

#include "engine/config.hpp"
#include "engine/log.hpp"

#include <stdexcept>
#include <string_view>

namespace cg::engine {
namespace {

void on_log(const rd_kafka_t*, int level, const char* facility, const char* message) {
  // The pass-through properties go to the consumer and the producer alike: a property of the
  // other kind is expected, not worth a warning.
  const bool other_kind = std::string_view(message).find("will be ignored by this") != std::string_view::npos;
  const log::Level l = other_kind ? log::Level::Debug
                       : level <= 3 ? log::Level::Error
                       : level == 4 ? log::Level::Warn
                                    : log::Level::Debug;
  log::Line(l, "kafka.log").str("facility", facility).str("message", message);
}

}  // namespace

KafkaConf::KafkaConf(std::string prefix) : prefix_(std::move(prefix)), conf_(rd_kafka_conf_new()) {
  rd_kafka_conf_set_log_cb(conf_, &on_log);
}

KafkaConf::~KafkaConf() {
  if (conf_) rd_kafka_conf_destroy(conf_);
}

void KafkaConf::set(const std::map<std::string, std::string>& props, bool pass_through) {
  char err[512];
  for (const auto& [k, v] : props) {
    if (rd_kafka_conf_set(conf_, k.c_str(), v.c_str(), err, sizeof err) == RD_KAFKA_CONF_OK) continue;
    if (pass_through) throw ConfigError(prefix_ + "." + k + ": " + err);
    throw std::runtime_error("librdkafka refused " + k + "=" + v + ": " + err);
  }
}

rd_kafka_t* KafkaConf::create(rd_kafka_type_t type) {
  char err[512];
  rd_kafka_t* rk = rd_kafka_new(type, conf_, err, sizeof err);
  if (!rk) throw ConfigError(prefix_ + ": " + err);
  conf_ = nullptr;
  return rk;
}

}  // namespace cg::engine
