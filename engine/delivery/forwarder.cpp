#include "engine/delivery/forwarder.hpp"

#include "engine/clock.hpp"
#include "engine/delivery/dead_letter.hpp"
#include "engine/delivery/receipts.hpp"
#include "engine/delivery/http_client.hpp"
#include "engine/delivery/kafka_target.hpp"
#include "engine/log.hpp"

#include <algorithm>
#include <chrono>
#include <mutex>
#include <random>

namespace cg::engine {

using Clock = std::chrono::steady_clock;

namespace {

// A claim converted for a FHIR target is a batch Bundle (engine/routing.hpp) as claim_to_fhir
// writes it; a sender's Claim is forwarded as the Claim resource.
constexpr std::string_view kBundleHead = R"({"resourceType":"Bundle","type":"batch","entry":[)";

bool is_batch_bundle(std::string_view body) { return body.starts_with(kBundleHead) && body.ends_with("]}"); }

}  // namespace

struct Forwarder::Target {
  std::string name;
  std::size_t index = 0;
  TargetConfig config;
  Url x12_url, fhir_url, fhir_base;  // Claims go to fhir_url (<base>/Claim), Bundles to fhir_base
  bool has_x12 = false, has_fhir = false;
  std::vector<std::pair<std::string, std::string>> headers;
  std::unique_ptr<KafkaTarget> kafka;

  // Circuit breaker.
  std::mutex mutex;
  CircuitState state = CircuitState::Closed;
  std::uint32_t failures = 0;
  Clock::time_point open_until{};
  bool probe_in_flight = false;
};

enum class Forwarder::Verdict { Done, Retry, Permanent };

struct Forwarder::SendResult {
  Verdict verdict = Verdict::Retry;
  std::string reason;
  int status = 0;
};

std::vector<std::string> Forwarder::target_names(const ForwardConfig& config) {
  std::vector<std::string> names;
  for (const auto& [name, t] : config.targets) names.push_back(name);
  return names;
}

Forwarder::Forwarder(const ForwardConfig& config, Spool& spool, Metrics& metrics, std::string dead_letter_dir)
    : config_(config), spool_(spool), metrics_(metrics), dead_letter_dir_(std::move(dead_letter_dir)) {
  for (const auto& [name, tc] : config_.targets) {
    auto t = std::make_unique<Target>();
    t->name = name;
    t->index = targets_.size();
    t->config = tc;
    if (tc.kind == TargetConfig::Kind::Http) {
      t->has_x12 = !tc.x12_url.empty() && parse_url(tc.x12_url, t->x12_url);
      t->has_fhir = !tc.fhir_url.empty() && parse_url(tc.fhir_url, t->fhir_url);
      for (Url* u : {&t->x12_url, &t->fhir_url}) {
        u->ca_file = tc.ca_file;
        u->client_cert_file = tc.client_cert_file;
        u->client_key_file = tc.client_key_file;
      }
      if (t->has_fhir) {
        if (t->fhir_url.target.empty() || t->fhir_url.target.back() != '/') t->fhir_url.target += '/';
        t->fhir_base = t->fhir_url;
        t->fhir_url.target += "Claim";
      }
    }
    if (tc.kind == TargetConfig::Kind::Kafka) {
      t->kafka = std::make_unique<KafkaTarget>(tc, "forward.targets." + name, config_.timeout_ms);
      t->has_x12 = t->has_fhir = true;
    }
    for (const auto& [h, v] : tc.headers) t->headers.emplace_back(h, v);
    if (name == config_.default_target) default_target_ = t->index;
    targets_.push_back(std::move(t));
  }
}

Forwarder::~Forwarder() { stop(); }

void Forwarder::start() {
  for (std::uint32_t i = 0; i < config_.workers; ++i) threads_.emplace_back([this] { worker(); });
}

void Forwarder::stop() {
  stopping_.store(true);
  spool_.wake_all();
  for (auto& t : threads_)
    if (t.joinable()) t.join();
  threads_.clear();
}

Forwarder::Target& Forwarder::route(const std::string& payer_id) {
  const auto it = config_.by_payer.find(payer_id);
  if (it != config_.by_payer.end()) {
    for (auto& t : targets_)
      if (t->name == it->second) return *t;
  }
  return *targets_[default_target_];
}

void Forwarder::worker() {
  HttpClient client(config_.connect_timeout_ms, config_.timeout_ms);
  std::mt19937_64 rng(std::random_device{}());
  std::vector<SpoolEntry> batch;
  while (!stopping_.load()) {
    std::optional<SpoolEntry> taken = spool_.take(std::chrono::milliseconds(250));
    if (!taken) continue;
    Target& first = route(taken->item.payer_id);
    if (first.config.kind != TargetConfig::Kind::Outbox || taken->attempts == ~0u) {
      send_one(*taken, first, client, rng);
      continue;
    }
    // Outbox entries due together go into one batch file: one fdatasync per batch, not per
    // entry (the fsyncs of the outbox and of the spool share the file system's journal).
    batch.clear();
    batch.push_back(std::move(*taken));
    while (batch.size() < kOutboxBatch) {
      std::optional<SpoolEntry> more = spool_.take(std::chrono::milliseconds(0));
      if (!more) break;
      if (&route(more->item.payer_id) != &first || more->attempts == ~0u) {
        send_one(*more, route(more->item.payer_id), client, rng);
        break;
      }
      batch.push_back(std::move(*more));
    }
    write_outbox(first, batch, rng);
  }
}

void Forwarder::append_manifest_line(std::string& out, const SpoolItem& item) {
  // Percent-encoding keeps each field on its line and in its column whatever the sender put in
  // a claim id or payer id (a TAB or newline must not forge a manifest line).
  const auto field = [&out](std::string_view v) {
    static constexpr char kHex[] = "0123456789ABCDEF";
    for (const char ch : v) {
      const auto c = static_cast<unsigned char>(ch);
      if (c < 0x20 || c == 0x7f || c == '%' || c == ',') {
        out += '%';
        out += kHex[c >> 4];
        out += kHex[c & 15];
      } else {
        out += ch;
      }
    }
  };
  field(item.key);
  out += '\t';
  if (item.payer_id.empty()) out += '-';  // a payer id of "-" itself is written %2D
  else if (item.payer_id == "-") out += "%2D";
  else field(item.payer_id);
  out += '\t';
  for (std::size_t i = 0; i < item.claim_ids.size(); ++i) {
    if (i) out += ',';
    field(item.claim_ids[i]);
  }
  out += '\n';
}

void Forwarder::write_outbox(Target& t, std::vector<SpoolEntry>& batch, std::mt19937_64& rng) {
  const auto started = Clock::now();
  // One data file per content type: X12 interchanges one after the other, or a FHIR batch
  // Bundle with one POST Claim entry per spool entry; and its manifest (.keys: one line per
  // entry: key, payer id, claim ids), renamed last, so a complete manifest means a complete batch.
  std::vector<std::string> names, contents;
  for (const bool x12 : {true, false}) {
    std::string data, manifest, first;
    std::size_t n = 0;
    for (const auto& e : batch) {
      if ((e.item.content_type == "application/edi-x12") != x12) continue;
      metrics_.forward_attempt(t.index);
      if (n++ == 0) {
        first = e.item.key;
        if (!x12) data = "{\"resourceType\":\"Bundle\",\"type\":\"batch\",\"entry\":[";
      }
      if (x12) {
        data += e.item.body;
        if (!data.empty() && data.back() != '\n') data += '\n';
      } else if (is_batch_bundle(e.item.body)) {
        // A converted claim: its Bundle's entries (the Claim and what it references), each
        // with its own fullUrl and request.
        if (n > 1) data += ',';
        data += '\n';
        data += std::string_view(e.item.body).substr(kBundleHead.size(), e.item.body.size() - kBundleHead.size() - 2);
      } else {
        if (n > 1) data += ',';
        data += "\n{\"fullUrl\":\"urn:claimgate:entry:";
        log::append_json_escaped(data, e.item.key);
        data += "\",\"resource\":";
        data += e.item.body;
        data += ",\"request\":{\"method\":\"POST\",\"url\":\"Claim\"}}";
      }
      append_manifest_line(manifest, e.item);
    }
    if (n == 0) continue;
    if (!x12) data += "\n]}\n";
    const std::string stem = n == 1 ? first : first + "+" + std::to_string(n - 1);
    names.push_back(stem + (x12 ? ".x12" : ".json"));
    contents.push_back(std::move(data));
    names.push_back(stem + ".keys");
    contents.push_back(std::move(manifest));
  }
  std::vector<std::pair<std::string, std::string_view>> files;
  for (std::size_t i = 0; i < names.size(); ++i) files.emplace_back(names[i], contents[i]);
  std::string err;
  const bool ok = write_files_durable(t.config.dir, files, err);
  const double ms = std::chrono::duration<double, std::milli>(Clock::now() - started).count();
  // The receipts of the whole batch first, in one fdatasync (settle then only marks them done).
  if (ok && receipts_) {
    std::vector<Receipt> rs;
    rs.reserve(batch.size());
    const std::uint64_t now_ms = unix_now_ms();
    for (const auto& e : batch) rs.push_back(Receipt{e.item.key, t.name, e.item.payer_id, e.item.sender, now_ms});
    receipts_->forwarded(std::move(rs));
  }
  for (auto& e : batch) {
    SendResult r;
    r.verdict = ok ? Verdict::Done : Verdict::Retry;
    r.reason = err;
    settle(e, t, r, ms, rng, ok);
  }
}

void Forwarder::send_one(SpoolEntry& e, Target& t, HttpClient& client, std::mt19937_64& rng) {
  if (t.config.kind == TargetConfig::Kind::Outbox && e.attempts != ~0u) {
    std::vector<SpoolEntry> one;
    one.push_back(std::move(e));
    write_outbox(t, one, rng);
    return;
  }
  const bool x12 = e.item.content_type == "application/edi-x12";

  // Circuit breaker: an open circuit does not spend the entry's attempts.
  bool probe = false;
  {
    std::lock_guard lock(t.mutex);
    const auto now = Clock::now();
    if (t.state == CircuitState::Open && now >= t.open_until) {
      t.state = CircuitState::HalfOpen;
      metrics_.circuit(t.index, t.state);
    }
    if (t.state == CircuitState::Open || (t.state == CircuitState::HalfOpen && t.probe_in_flight)) {
      const auto when = t.state == CircuitState::Open ? t.open_until : now + std::chrono::milliseconds(100);
      spool_.retry_at(e.seq, when, false);
      return;
    }
    if (t.state == CircuitState::HalfOpen) {
      t.probe_in_flight = true;
      probe = true;
    }
  }

  metrics_.forward_attempt(t.index);
  const auto started = Clock::now();
  SendResult r;
  if (e.attempts == ~0u) {
    r = {Verdict::Permanent, "the spool entry is unreadable", 0};
  } else if ((x12 && !t.has_x12) || (!x12 && !t.has_fhir)) {
    r = {Verdict::Permanent, std::string("target has no ") + (x12 ? "x12_url" : "fhir_url"), 0};
  } else if (t.kafka) {
    const KafkaTarget::Result k = t.kafka->send(e);
    r = {k.acknowledged ? Verdict::Done : k.permanent ? Verdict::Permanent : Verdict::Retry, k.error, 0};
  } else {
    auto headers = t.headers;
    headers.emplace_back("Idempotency-Key", e.item.key);
    const Url& url = x12 ? t.x12_url : is_batch_bundle(e.item.body) ? t.fhir_base : t.fhir_url;
    const HttpOutcome out = client.post(url, e.item.content_type, e.item.body, headers);
    r.status = out.status;
    if (out.status == 0) {
      r = {Verdict::Retry, out.error, 0};
    } else if ((out.status >= 200 && out.status < 300) || out.status == 409) {
      r.verdict = Verdict::Done;
    } else if (out.status == 408 || out.status == 425 || out.status == 429 || out.status >= 500) {
      r.verdict = Verdict::Retry;
      r.reason = "upstream answered " + std::to_string(out.status);
    } else {
      r.verdict = Verdict::Permanent;
      r.reason = "upstream answered " + std::to_string(out.status) + ": " + out.body.substr(0, 300);
    }
  }
  const double ms = std::chrono::duration<double, std::milli>(Clock::now() - started).count();

  {
    std::lock_guard lock(t.mutex);
    if (probe) t.probe_in_flight = false;
    const CircuitState before = t.state;
    if (r.verdict == Verdict::Retry) {
      ++t.failures;
      if (t.state == CircuitState::HalfOpen || t.failures >= config_.breaker_failures) {
        t.state = CircuitState::Open;
        t.open_until = Clock::now() + std::chrono::milliseconds(config_.breaker_open_ms);
      }
    } else {
      t.failures = 0;
      t.state = CircuitState::Closed;
    }
    if (t.state != before) {
      metrics_.circuit(t.index, t.state);
      log::Line(log::Level::Warn, "forward.circuit")
          .str("target", t.name)
          .str("state", t.state == CircuitState::Open ? "open" : t.state == CircuitState::Closed ? "closed" : "half-open");
    }
  }
  settle(e, t, r, ms, rng);
}

void Forwarder::settle(SpoolEntry& e, Target& t, const SendResult& r, double ms, std::mt19937_64& rng,
                       bool receipted) {
  if (r.verdict == Verdict::Done) {
    // The receipt first: a status lookup in between finds the entry still queued, never lost.
    if (receipts_ && !receipted)
      receipts_->forwarded({Receipt{e.item.key, t.name, e.item.payer_id, e.item.sender, unix_now_ms()}});
    spool_.done(e.seq);
    metrics_.forward_success(t.index);
    log::Line(log::Level::Debug, "forward.done")
        .str("key", e.item.key)
        .str("target", t.name)
        .num("claims", e.item.claim_ids.size())
        .num("status", r.status)
        .real("latency_ms", ms);
    return;
  }
  metrics_.forward_failure(t.index);
  const std::uint32_t attempts = e.attempts == ~0u ? 1 : e.attempts + 1;
  const std::uint64_t now_ms = unix_now_ms();
  const std::uint64_t age_ms = now_ms > e.accepted_ms ? now_ms - e.accepted_ms : 0;
  const bool out_of_time = age_ms >= std::uint64_t{config_.retry_for_s} * 1000;
  const bool out_of_attempts = config_.max_attempts != 0 && attempts >= config_.max_attempts;
  if (r.verdict == Verdict::Permanent || out_of_time || out_of_attempts) {
    e.attempts = attempts;
    std::string err;
    if (!write_dead_letter(dead_letter_dir_, e, t.name, r.reason, err)) {
      log::Line(log::Level::Error, "dead_letter.write_failed").str("key", e.item.key).str("error", err);
      spool_.retry_at(e.seq, Clock::now() + std::chrono::milliseconds(config_.backoff_max_ms), false);
      return;
    }
    spool_.dead(e.seq);
    metrics_.dead_lettered(t.index);
    log::Line(log::Level::Warn, "forward.dead_letter")
        .str("key", e.item.key)
        .str("target", t.name)
        .num("claims", e.item.claim_ids.size())
        .num("attempts", attempts)
        .num("status", r.status)
        .str("reason", r.status ? "upstream answered " + std::to_string(r.status) : r.reason);
    return;
  }
  // Exponential backoff with "equal jitter": half fixed, half random; never past the deadline
  // by more than one step.
  double delay = config_.backoff_initial_ms;
  for (std::uint32_t i = 1; i < attempts && delay < config_.backoff_max_ms; ++i) delay *= 2;
  delay = std::min<double>(delay, config_.backoff_max_ms);
  std::uniform_real_distribution<double> jitter(0.5, 1.0);
  delay *= jitter(rng);
  spool_.retry_at(e.seq, Clock::now() + std::chrono::microseconds(static_cast<std::int64_t>(delay * 1000)), true);
  const bool overdue = age_ms >= std::uint64_t{config_.alert_after_s} * 1000;
  log::Line(overdue ? log::Level::Warn : log::Level::Info, overdue ? "forward.overdue" : "forward.retry")
      .str("key", e.item.key)
      .str("target", t.name)
      .num("attempt", attempts)
      .num("age_s", static_cast<std::int64_t>(age_ms / 1000))
      .num("gives_up_in_s", static_cast<std::int64_t>(
                                 (std::uint64_t{config_.retry_for_s} * 1000 - std::min<std::uint64_t>(age_ms, std::uint64_t{config_.retry_for_s} * 1000)) / 1000))
      .num("status", r.status)
      .str("reason", r.status ? "upstream answered " + std::to_string(r.status) : r.reason)
      .real("retry_in_ms", delay);
}

}  // namespace cg::engine
