#include "engine/stream/worker.hpp"

#include "engine/log.hpp"

#include <algorithm>
#include <condition_variable>
#include <exception>
#include <thread>

namespace cg::engine::stream {

using Clock = std::chrono::steady_clock;

void StreamMetrics::set_lag(std::map<TopicPartition, std::int64_t> lag) {
  std::lock_guard lock(mutex_);
  lag_ = std::move(lag);
}

std::string StreamMetrics::render() const {
  std::string out;
  auto counter = [&out](const char* name, const char* help, const std::atomic<std::uint64_t>& v) {
    out += std::string("# HELP ") + name + " " + help + "\n# TYPE " + name + " counter\n" + name + " " +
           std::to_string(v.load(std::memory_order_relaxed)) + "\n";
  };
  counter("claimgate_stream_records_in_total", "Inbound records processed and committed.", records_in);
  counter("claimgate_stream_bytes_in_total", "Bytes of the inbound records processed and committed.", bytes_in);
  counter("claimgate_stream_records_out_total", "Records produced in committed transactions.", records_out);
  counter("claimgate_stream_transactions_total", "Transactions committed.", transactions);
  counter("claimgate_stream_transaction_aborts_total", "Transactions aborted (their records are read again).",
          aborts);
  counter("claimgate_stream_rebalances_total", "Consumer group rebalances seen (assign and revoke events).",
          rebalances);
  counter("claimgate_stream_dead_letters_total", "Inbound records sent to the dead-letter topic.", dead_letters);
  out += "# HELP claimgate_stream_claims_total Claims in committed transactions by verdict.\n"
         "# TYPE claimgate_stream_claims_total counter\n";
  out += "claimgate_stream_claims_total{verdict=\"accepted\"} " + std::to_string(claims_accepted.load()) + "\n";
  out += "claimgate_stream_claims_total{verdict=\"rejected\"} " + std::to_string(claims_rejected.load()) + "\n";
  out += "# HELP claimgate_stream_consumer_lag Records in an assigned partition after the committed offset.\n"
         "# TYPE claimgate_stream_consumer_lag gauge\n";
  std::lock_guard lock(mutex_);
  for (const auto& [tp, lag] : lag_) {
    out += "claimgate_stream_consumer_lag{topic=\"";
    log::append_json_escaped(out, tp.topic);
    out += "\",partition=\"" + std::to_string(tp.partition) + "\"} " + std::to_string(lag) + "\n";
  }
  return out;
}

Worker::Worker(const Pipeline& pipeline, ControlNumbers& numbers, const StreamConfig& config, Client& client,
               StreamMetrics& metrics, WorkerLimits limits)
    : pipeline_(pipeline), numbers_(numbers), config_(config), client_(client), metrics_(metrics), limits_(limits) {}

std::string Worker::run(const std::function<void()>& between) {
  std::string error;
  while (!stopping_.load()) {
    if (!run_batch(error)) return error;
    if (between) between();
  }
  return {};
}

bool Worker::run_batch(std::string& error) {
  std::vector<InRecord> batch;
  std::uint64_t bytes = 0;
  auto deadline = Clock::now() + limits_.linger;
  while (batch.size() < limits_.max_records && bytes < limits_.max_bytes) {
    std::chrono::milliseconds wait(200);
    if (!batch.empty()) {
      const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
      if (left.count() <= 0) break;
      wait = std::min(wait, left);
    } else if (stopping_.load()) {
      return true;
    }
    std::optional<InRecord> rec = client_.poll(wait);
    for (const TopicPartition& tp : client_.take_revoked()) {
      std::erase_if(batch, [&](const InRecord& r) {
        if (r.topic != tp.topic || r.partition != tp.partition) return false;
        bytes -= r.value.size();
        return true;
      });
    }
    if (!rec) continue;
    if (batch.empty()) deadline = Clock::now() + limits_.linger;
    bytes += rec->value.size();
    batch.push_back(std::move(*rec));
  }
  if (batch.empty()) return true;

  std::vector<RecordOutcome> outcomes;
  try {
    outcomes = process_batch(batch);
  } catch (const ControlNumberError& e) {
    error = e.what();  // nothing produced yet: the records go to the next owner
    return false;
  }

  const Status s = transact(batch, outcomes);
  if (s.kind == Status::Kind::Fatal) {
    error = s.message;
    return false;
  }
  if (!s.ok()) {
    // Aborted and rewound: the records come again, after a pause that grows while the
    // cluster keeps failing.
    consecutive_aborts_ = std::min<std::uint32_t>(consecutive_aborts_ + 1, 50);
    std::this_thread::sleep_for(std::chrono::milliseconds(100 * consecutive_aborts_));
    return true;
  }
  consecutive_aborts_ = 0;
  std::uint64_t out = 0, in_bytes = 0, accepted = 0, rejected = 0, dead = 0;
  for (std::size_t i = 0; i < batch.size(); ++i) {
    out += outcomes[i].out.size();
    in_bytes += batch[i].value.size();
    accepted += outcomes[i].counts.accepted;
    rejected += outcomes[i].counts.rejected;
    dead += outcomes[i].dead_lettered ? 1 : 0;
  }
  metrics_.records_in += batch.size();
  metrics_.bytes_in += in_bytes;
  metrics_.records_out += out;
  metrics_.claims_accepted += accepted;
  metrics_.claims_rejected += rejected;
  metrics_.dead_letters += dead;
  ++metrics_.transactions;
  log::Line(log::Level::Debug, "stream.commit")
      .num("records", static_cast<std::int64_t>(batch.size()))
      .num("outputs", static_cast<std::int64_t>(out))
      .num("accepted", static_cast<std::int64_t>(accepted))
      .num("rejected", static_cast<std::int64_t>(rejected));
  return true;
}

std::vector<RecordOutcome> Worker::process_batch(const std::vector<InRecord>& batch) {
  const std::size_t n = batch.size();
  std::vector<RecordOutcome> outcomes(n);
  transforms::WorkPool* pool = pipeline_.options().pool.get();
  const std::size_t helpers = pool == nullptr ? 0 : std::min<std::size_t>(pool->threads(), n - 1);
  if (helpers == 0) {
    for (std::size_t i = 0; i < n; ++i)
      outcomes[i] = process_record(pipeline_, numbers_, config_, batch[i], limits_.record);
    return outcomes;
  }

  // Each thread takes the next record nobody has taken, so every record before one in hand is
  // in hand or finished: a record waiting for its turn to draw control numbers (until all
  // before it have drawn theirs) never waits on one that has not started.
  struct State {
    std::mutex m;
    std::condition_variable cv;
    std::vector<char> finished;      // the record draws no more control numbers
    std::size_t finished_below = 0;  // every record before this one is finished
    std::size_t helpers_running = 0;
    std::atomic<std::size_t> next{0};
    std::vector<std::exception_ptr> errors;
  } st;
  st.finished.assign(n, 0);
  st.errors.resize(n);
  const auto work = [&] {
    for (std::size_t i; (i = st.next.fetch_add(1)) < n;) {
      const auto my_turn = [&st, i] {
        std::unique_lock lock(st.m);
        st.cv.wait(lock, [&] { return st.finished_below >= i; });
      };
      const auto done = [&st, i, n] {
        std::lock_guard lock(st.m);
        st.finished[i] = 1;
        while (st.finished_below < n && st.finished[st.finished_below] != 0) ++st.finished_below;
        st.cv.notify_all();
      };
      try {
        outcomes[i] = process_record(pipeline_, numbers_, config_, batch[i], limits_.record, my_turn, done);
      } catch (...) {
        st.errors[i] = std::current_exception();
      }
      done();
    }
  };
  st.helpers_running = helpers;
  for (std::size_t h = 0; h < helpers; ++h)
    pool->submit([&] {
      work();
      std::lock_guard lock(st.m);
      --st.helpers_running;
      st.cv.notify_all();
    });
  work();
  {
    std::unique_lock lock(st.m);
    st.cv.wait(lock, [&] { return st.helpers_running == 0; });
  }
  for (const std::exception_ptr& e : st.errors)
    if (e) std::rethrow_exception(e);  // the first in batch order, as on one thread
  return outcomes;
}

Status Worker::transact(const std::vector<InRecord>& batch, const std::vector<RecordOutcome>& outcomes) {
  std::map<TopicPartition, std::int64_t> first, next;
  for (const InRecord& r : batch) {
    const TopicPartition tp{r.topic, r.partition};
    const auto [it, fresh] = first.emplace(tp, r.offset);
    if (!fresh) it->second = std::min(it->second, r.offset);
    auto& n = next[tp];
    n = std::max(n, r.offset + 1);
  }
  Status s = client_.begin();
  if (s.ok()) {
    for (const RecordOutcome& o : outcomes) {
      for (const OutRecord& rec : o.out) {
        s = client_.produce(rec);
        if (!s.ok()) break;
      }
      if (!s.ok()) break;
    }
  }
  if (s.ok()) s = client_.send_offsets(next);
  if (s.ok()) {
    for (std::uint32_t attempt = 0;; ++attempt) {
      s = client_.commit();
      if (s.kind != Status::Kind::Retriable || attempt >= limits_.commit_retries) break;
      std::this_thread::sleep_for(std::chrono::milliseconds(100 << std::min<std::uint32_t>(attempt, 4)));
    }
  }
  if (s.ok() || s.kind == Status::Kind::Fatal) return s;

  log::Line(log::Level::Warn, "stream.abort").str("reason", s.message).num("records", static_cast<std::int64_t>(batch.size()));
  const Status a = client_.abort();
  if (a.kind == Status::Kind::Fatal) return a;
  ++metrics_.aborts;
  client_.rewind(first);
  return Status{Status::Kind::Abortable, s.message};
}

}  // namespace cg::engine::stream
