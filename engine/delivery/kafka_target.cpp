#include "engine/delivery/kafka_target.hpp"

#include "engine/delivery/kafka_conf.hpp"

#include <librdkafka/rdkafka.h>

#include <chrono>
#include <condition_variable>
#include <mutex>

namespace cg::engine {

// One record's delivery, shared by the sender and the delivery-report callback.
struct KafkaTarget::State {
  std::mutex mutex;
  bool done = false;
  rd_kafka_resp_err_t err = RD_KAFKA_RESP_ERR_NO_ERROR;
};

struct KafkaTarget::Impl {
  rd_kafka_t* producer = nullptr;
  std::string topic;
  std::uint32_t timeout_ms = 10'000;

  static void on_delivery(rd_kafka_t*, const rd_kafka_message_t* m, void*) {
    auto* holder = static_cast<std::shared_ptr<State>*>(m->_private);
    {
      std::lock_guard lock((*holder)->mutex);
      (*holder)->done = true;
      (*holder)->err = m->err;
    }
    delete holder;
  }
};

KafkaTarget::KafkaTarget(const TargetConfig& config, const std::string& key, std::uint32_t timeout_ms)
    : impl_(std::make_unique<Impl>()) {
  impl_->topic = config.topic;
  impl_->timeout_ms = timeout_ms;
  KafkaConf conf(key + ".librdkafka");
  conf.set({{"linger.ms", "5"}}, false);
  conf.set(config.librdkafka, true);
  conf.set({{"bootstrap.servers", config.brokers},
            {"enable.idempotence", "true"},
            {"acks", "all"},
            {"message.timeout.ms", std::to_string(timeout_ms)}},
           false);
  rd_kafka_conf_set_dr_msg_cb(conf.get(), &Impl::on_delivery);
  impl_->producer = conf.create(RD_KAFKA_PRODUCER);
}

KafkaTarget::~KafkaTarget() {
  if (!impl_->producer) return;
  rd_kafka_flush(impl_->producer, static_cast<int>(impl_->timeout_ms));
  rd_kafka_destroy(impl_->producer);
}

KafkaTarget::Result KafkaTarget::send(const SpoolEntry& e) {
  auto state = std::make_shared<State>();
  auto* holder = new std::shared_ptr<State>(state);
  rd_kafka_headers_t* h = rd_kafka_headers_new(3);
  rd_kafka_header_add(h, "claimgate-key", -1, e.item.key.data(), static_cast<ssize_t>(e.item.key.size()));
  rd_kafka_header_add(h, "content-type", -1, e.item.content_type.data(), static_cast<ssize_t>(e.item.content_type.size()));
  rd_kafka_header_add(h, "claimgate-sender", -1, e.item.sender.data(), static_cast<ssize_t>(e.item.sender.size()));
  const auto give_up = std::chrono::steady_clock::now() + std::chrono::milliseconds(impl_->timeout_ms);
  rd_kafka_resp_err_t err;
  for (;;) {
    err = rd_kafka_producev(impl_->producer, RD_KAFKA_V_TOPIC(impl_->topic.c_str()),
                            RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY),
                            RD_KAFKA_V_KEY(e.item.payer_id.data(), e.item.payer_id.size()),
                            RD_KAFKA_V_VALUE(const_cast<char*>(e.item.body.data()), e.item.body.size()),
                            RD_KAFKA_V_HEADERS(h), RD_KAFKA_V_OPAQUE(holder), RD_KAFKA_V_END);
    if (err != RD_KAFKA_RESP_ERR__QUEUE_FULL || std::chrono::steady_clock::now() > give_up) break;
    rd_kafka_poll(impl_->producer, 50);
  }
  if (err) {
    rd_kafka_headers_destroy(h);
    delete holder;
    return {false, err == RD_KAFKA_RESP_ERR_MSG_SIZE_TOO_LARGE, std::string("kafka: ") + rd_kafka_err2str(err)};
  }
  // librdkafka reports every record by message.timeout.ms; poll until ours is reported (any
  // thread's poll may serve it).
  const auto limit = std::chrono::steady_clock::now() + std::chrono::milliseconds(impl_->timeout_ms + 5'000);
  for (;;) {
    {
      std::lock_guard lock(state->mutex);
      if (state->done) break;
    }
    if (std::chrono::steady_clock::now() > limit) return {false, false, "kafka: no acknowledgement in time"};
    rd_kafka_poll(impl_->producer, 20);
  }
  const rd_kafka_resp_err_t result = state->err;
  if (!result) return {true, false, {}};
  const bool permanent = result == RD_KAFKA_RESP_ERR_MSG_SIZE_TOO_LARGE || result == RD_KAFKA_RESP_ERR_INVALID_RECORD ||
                         result == RD_KAFKA_RESP_ERR_TOPIC_AUTHORIZATION_FAILED ||
                         result == RD_KAFKA_RESP_ERR_RECORD_LIST_TOO_LARGE;
  return {false, permanent, std::string("kafka: ") + rd_kafka_err2str(result)};
}

}  // namespace cg::engine
