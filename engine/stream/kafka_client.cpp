#include "engine/stream/kafka_client.hpp"

#include "engine/delivery/kafka_conf.hpp"
#include "engine/log.hpp"

#include <librdkafka/rdkafka.h>

#include <cstring>
#include <mutex>
#include <stdexcept>
#include <thread>

namespace cg::engine::stream {

struct KafkaClient::Impl {
  StreamConfig config;
  StreamMetrics& metrics;
  rd_kafka_t* consumer = nullptr;
  rd_kafka_t* producer = nullptr;
  int timeout_ms = 60'000;
  bool in_txn = false;
  bool closed = false;

  std::mutex mutex;  // delivery reports run inside rd_kafka_poll/flush on this thread, but stay safe
  std::string delivery_error;
  std::vector<TopicPartition> revoked;
  std::map<TopicPartition, std::int64_t> committed, pending;

  Impl(const StreamConfig& c, StreamMetrics& m) : config(c), metrics(m) {}

  static Status classify(rd_kafka_error_t* e) {
    if (!e) return {};
    Status s;
    s.kind = rd_kafka_error_is_fatal(e)              ? Status::Kind::Fatal
             : rd_kafka_error_txn_requires_abort(e) ? Status::Kind::Abortable
             : rd_kafka_error_is_retriable(e)        ? Status::Kind::Retriable
                                                     : Status::Kind::Abortable;
    s.message = rd_kafka_error_string(e);
    rd_kafka_error_destroy(e);
    return s;
  }

  static void on_rebalance(rd_kafka_t* rk, rd_kafka_resp_err_t err, rd_kafka_topic_partition_list_t* parts,
                           void* opaque) {
    auto* self = static_cast<Impl*>(opaque);
    ++self->metrics.rebalances;
    const bool coop = std::strcmp(rd_kafka_rebalance_protocol(rk), "COOPERATIVE") == 0;
    const char* event = err == RD_KAFKA_RESP_ERR__ASSIGN_PARTITIONS ? "assign" : "revoke";
    if (err == RD_KAFKA_RESP_ERR__ASSIGN_PARTITIONS) {
      if (coop) {
        if (rd_kafka_error_t* e = rd_kafka_incremental_assign(rk, parts)) {
          log::Line(log::Level::Error, "stream.assign_failed").str("error", rd_kafka_error_string(e));
          rd_kafka_error_destroy(e);
        }
      } else {
        rd_kafka_assign(rk, parts);
      }
    } else {
      {
        std::lock_guard lock(self->mutex);
        for (int i = 0; i < parts->cnt; ++i) {
          const TopicPartition tp{parts->elems[i].topic, parts->elems[i].partition};
          self->revoked.push_back(tp);
          self->committed.erase(tp);
        }
      }
      if (coop) {
        if (rd_kafka_error_t* e = rd_kafka_incremental_unassign(rk, parts)) rd_kafka_error_destroy(e);
      } else {
        rd_kafka_assign(rk, nullptr);
      }
    }
    std::vector<std::string> names;
    for (int i = 0; i < parts->cnt; ++i) names.push_back(std::string(parts->elems[i].topic) + "/" + std::to_string(parts->elems[i].partition));
    log::Line(log::Level::Info, "stream.rebalance")
        .str("change", event)
        .str("protocol", coop ? "cooperative" : "eager")
        .boolean("lost", rd_kafka_assignment_lost(rk) == 1)
        .list("partitions", names, 64);
  }

  static void on_delivery(rd_kafka_t*, const rd_kafka_message_t* m, void* opaque) {
    if (!m->err) return;
    auto* self = static_cast<Impl*>(opaque);
    std::lock_guard lock(self->mutex);
    if (self->delivery_error.empty()) self->delivery_error = rd_kafka_err2str(m->err);
  }
};

KafkaClient::KafkaClient(const StreamConfig& config, const std::string& instance_id, StreamMetrics& metrics)
    : impl_(std::make_unique<Impl>(config, metrics)) {
  Impl& im = *impl_;
  im.timeout_ms = static_cast<int>(config.transaction_timeout_ms);
  const std::string kbytes = std::to_string(std::max<std::uint64_t>(1, config.max_in_flight_bytes / 1024));
  KafkaConf consumer_conf("stream.librdkafka");
  consumer_conf.set({{"auto.offset.reset", "earliest"}, {"queued.max.messages.kbytes", kbytes}}, false);
  consumer_conf.set(config.librdkafka, true);
  consumer_conf.set({{"bootstrap.servers", config.brokers},
                     {"group.id", config.group_id},
                     {"enable.auto.commit", "false"},
                     {"enable.auto.offset.store", "false"},
                     {"isolation.level", "read_committed"},
                     {"partition.assignment.strategy", "cooperative-sticky"},
                     {"enable.partition.eof", "false"}},
                    false);
  rd_kafka_conf_set_rebalance_cb(consumer_conf.get(), &Impl::on_rebalance);
  rd_kafka_conf_set_opaque(consumer_conf.get(), impl_.get());
  im.consumer = consumer_conf.create(RD_KAFKA_CONSUMER);

  KafkaConf producer_conf("stream.librdkafka");
  producer_conf.set({{"linger.ms", "5"}, {"message.timeout.ms", std::to_string(config.transaction_timeout_ms)}}, false);
  producer_conf.set(config.librdkafka, true);
  producer_conf.set({{"bootstrap.servers", config.brokers},
                     {"transactional.id", config.transactional_id_prefix + "-" + instance_id},
                     {"enable.idempotence", "true"},
                     {"acks", "all"},
                     {"transaction.timeout.ms", std::to_string(config.transaction_timeout_ms)}},
                    false);
  rd_kafka_conf_set_dr_msg_cb(producer_conf.get(), &Impl::on_delivery);
  rd_kafka_conf_set_opaque(producer_conf.get(), impl_.get());
  try {
    im.producer = producer_conf.create(RD_KAFKA_PRODUCER);
  } catch (...) {
    rd_kafka_destroy(im.consumer);
    throw;
  }

  Status s;
  for (int attempt = 0; attempt < 5; ++attempt) {
    s = Impl::classify(rd_kafka_init_transactions(im.producer, im.timeout_ms));
    if (s.kind != Status::Kind::Retriable) break;
  }
  if (s.ok()) {
    rd_kafka_poll_set_consumer(im.consumer);
    rd_kafka_topic_partition_list_t* topics = rd_kafka_topic_partition_list_new(1);
    rd_kafka_topic_partition_list_add(topics, config.input_topic.c_str(), RD_KAFKA_PARTITION_UA);
    const rd_kafka_resp_err_t err = rd_kafka_subscribe(im.consumer, topics);
    rd_kafka_topic_partition_list_destroy(topics);
    if (err) s = {Status::Kind::Fatal, std::string("subscribe: ") + rd_kafka_err2str(err)};
  }
  if (!s.ok()) {
    rd_kafka_destroy(im.producer);
    rd_kafka_destroy(im.consumer);
    throw std::runtime_error("cannot start the transactional producer at " + config.brokers + ": " + s.message);
  }
}

KafkaClient::~KafkaClient() { close(); }

std::optional<InRecord> KafkaClient::poll(std::chrono::milliseconds wait) {
  Impl& im = *impl_;
  rd_kafka_poll(im.producer, 0);
  rd_kafka_message_t* m = rd_kafka_consumer_poll(im.consumer, static_cast<int>(wait.count()));
  if (!m) return std::nullopt;
  if (m->err) {
    if (m->err != RD_KAFKA_RESP_ERR__PARTITION_EOF) {
      log::Line(log::Level::Warn, "stream.consume_error").str("error", rd_kafka_message_errstr(m));
    }
    rd_kafka_message_destroy(m);
    return std::nullopt;
  }
  InRecord r;
  r.topic = rd_kafka_topic_name(m->rkt);
  r.partition = m->partition;
  r.offset = m->offset;
  rd_kafka_timestamp_type_t type;
  r.timestamp_ms = rd_kafka_message_timestamp(m, &type);
  if (m->key) {
    r.has_key = true;
    r.key.assign(static_cast<const char*>(m->key), m->key_len);
  }
  if (m->payload) r.value.assign(static_cast<const char*>(m->payload), m->len);
  rd_kafka_headers_t* hdrs = nullptr;
  if (rd_kafka_message_headers(m, &hdrs) == RD_KAFKA_RESP_ERR_NO_ERROR && hdrs) {
    const char* name = nullptr;
    const void* value = nullptr;
    std::size_t size = 0;
    for (std::size_t i = 0; rd_kafka_header_get_all(hdrs, i, &name, &value, &size) == RD_KAFKA_RESP_ERR_NO_ERROR; ++i) {
      r.headers.emplace_back(name, value ? std::string(static_cast<const char*>(value), size) : std::string());
    }
  }
  rd_kafka_message_destroy(m);
  return r;
}

std::vector<TopicPartition> KafkaClient::take_revoked() {
  std::lock_guard lock(impl_->mutex);
  std::vector<TopicPartition> out;
  out.swap(impl_->revoked);
  return out;
}

Status KafkaClient::begin() {
  Impl& im = *impl_;
  {
    std::lock_guard lock(im.mutex);
    im.delivery_error.clear();
  }
  Status s = Impl::classify(rd_kafka_begin_transaction(im.producer));
  if (s.ok()) im.in_txn = true;
  return s;
}

Status KafkaClient::produce(const OutRecord& r) {
  Impl& im = *impl_;
  const auto give_up = std::chrono::steady_clock::now() + std::chrono::milliseconds(im.timeout_ms);
  for (;;) {
    rd_kafka_headers_t* h = rd_kafka_headers_new(r.headers.size());
    for (const auto& [k, v] : r.headers) {
      rd_kafka_header_add(h, k.data(), static_cast<ssize_t>(k.size()), v.data(), static_cast<ssize_t>(v.size()));
    }
    const rd_kafka_resp_err_t err = rd_kafka_producev(
        im.producer, RD_KAFKA_V_TOPIC(r.topic.c_str()), RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY),
        RD_KAFKA_V_KEY(r.has_key ? r.key.data() : nullptr, r.has_key ? r.key.size() : 0),
        RD_KAFKA_V_VALUE(const_cast<char*>(r.value.data()), r.value.size()), RD_KAFKA_V_HEADERS(h), RD_KAFKA_V_END);
    if (!err) {
      rd_kafka_poll(im.producer, 0);
      return {};
    }
    rd_kafka_headers_destroy(h);
    if (err != RD_KAFKA_RESP_ERR__QUEUE_FULL || std::chrono::steady_clock::now() > give_up) {
      return {Status::Kind::Abortable, std::string("produce to ") + r.topic + ": " + rd_kafka_err2str(err)};
    }
    rd_kafka_poll(im.producer, 50);
  }
}

Status KafkaClient::send_offsets(const std::map<TopicPartition, std::int64_t>& next) {
  Impl& im = *impl_;
  // Every record of the transaction acknowledged before the offsets join it.
  if (rd_kafka_flush(im.producer, im.timeout_ms) != RD_KAFKA_RESP_ERR_NO_ERROR) {
    return {Status::Kind::Abortable, "the produced records were not acknowledged in time"};
  }
  {
    std::lock_guard lock(im.mutex);
    if (!im.delivery_error.empty()) return {Status::Kind::Abortable, "delivery failed: " + im.delivery_error};
  }
  rd_kafka_topic_partition_list_t* list = rd_kafka_topic_partition_list_new(static_cast<int>(next.size()));
  for (const auto& [tp, offset] : next) rd_kafka_topic_partition_list_add(list, tp.topic.c_str(), tp.partition)->offset = offset;
  rd_kafka_consumer_group_metadata_t* group = rd_kafka_consumer_group_metadata(im.consumer);
  Status s = Impl::classify(rd_kafka_send_offsets_to_transaction(im.producer, list, group, im.timeout_ms));
  rd_kafka_consumer_group_metadata_destroy(group);
  rd_kafka_topic_partition_list_destroy(list);
  if (s.ok()) im.pending = next;
  return s;
}

Status KafkaClient::commit() {
  Impl& im = *impl_;
  Status s = Impl::classify(rd_kafka_commit_transaction(im.producer, im.timeout_ms));
  if (s.ok()) {
    im.in_txn = false;
    std::lock_guard lock(im.mutex);
    for (const auto& [tp, offset] : im.pending) im.committed[tp] = offset;
    im.pending.clear();
  }
  return s;
}

Status KafkaClient::abort() {
  Impl& im = *impl_;
  im.pending.clear();
  if (!im.in_txn) return {};
  Status s;
  for (int attempt = 0; attempt < 5; ++attempt) {
    s = Impl::classify(rd_kafka_abort_transaction(im.producer, im.timeout_ms));
    if (s.ok()) {
      im.in_txn = false;
      return s;
    }
    if (s.kind == Status::Kind::Fatal) return s;
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
  }
  return {Status::Kind::Fatal, "the transaction cannot be aborted: " + s.message};
}

void KafkaClient::rewind(const std::map<TopicPartition, std::int64_t>& first) {
  Impl& im = *impl_;
  rd_kafka_topic_partition_list_t* list = rd_kafka_topic_partition_list_new(static_cast<int>(first.size()));
  for (const auto& [tp, offset] : first) rd_kafka_topic_partition_list_add(list, tp.topic.c_str(), tp.partition)->offset = offset;
  if (rd_kafka_error_t* e = rd_kafka_seek_partitions(im.consumer, list, im.timeout_ms)) {
    log::Line(log::Level::Warn, "stream.rewind_failed").str("error", rd_kafka_error_string(e));
    rd_kafka_error_destroy(e);
  }
  rd_kafka_topic_partition_list_destroy(list);
}

void KafkaClient::update_lag() {
  Impl& im = *impl_;
  rd_kafka_topic_partition_list_t* parts = nullptr;
  if (rd_kafka_assignment(im.consumer, &parts) != RD_KAFKA_RESP_ERR_NO_ERROR || !parts) return;
  rd_kafka_position(im.consumer, parts);
  std::map<TopicPartition, std::int64_t> lag;
  {
    std::lock_guard lock(im.mutex);
    for (int i = 0; i < parts->cnt; ++i) {
      const auto& p = parts->elems[i];
      std::int64_t low = -1, high = -1;
      if (rd_kafka_get_watermark_offsets(im.consumer, p.topic, p.partition, &low, &high) || high < 0) continue;
      const TopicPartition tp{p.topic, p.partition};
      const auto it = im.committed.find(tp);
      const std::int64_t done = it != im.committed.end() ? it->second : p.offset >= 0 ? p.offset : low;
      lag[tp] = std::max<std::int64_t>(0, high - done);
    }
  }
  rd_kafka_topic_partition_list_destroy(parts);
  im.metrics.set_lag(std::move(lag));
}

void KafkaClient::close() {
  Impl& im = *impl_;
  if (im.closed) return;
  im.closed = true;
  if (im.in_txn) (void)abort();
  rd_kafka_consumer_close(im.consumer);
  rd_kafka_flush(im.producer, 10'000);
  rd_kafka_destroy(im.consumer);
  rd_kafka_destroy(im.producer);
}

}  // namespace cg::engine::stream
