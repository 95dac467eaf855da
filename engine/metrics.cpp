#include "engine/metrics.hpp"

#include <cstdio>
#include <memory>

namespace cg::engine {
namespace {

void line(std::string& out, std::string_view name, std::string_view labels, std::uint64_t value) {
  out += name;
  if (!labels.empty()) {
    out += '{';
    out += labels;
    out += '}';
  }
  out += ' ';
  out += std::to_string(value);
  out += '\n';
}

void help(std::string& out, std::string_view name, std::string_view type, std::string_view text) {
  out += "# HELP ";
  out += name;
  out += ' ';
  out += text;
  out += "\n# TYPE ";
  out += name;
  out += ' ';
  out += type;
  out += '\n';
}

std::string escape_label(std::string_view v) {
  std::string out;
  for (char c : v) {
    if (c == '\\' || c == '"') out += '\\';
    if (c == '\n') {
      out += "\\n";
      continue;
    }
    out += c;
  }
  return out;
}

}  // namespace

std::string_view to_string(Endpoint e) noexcept {
  switch (e) {
    case Endpoint::X12: return "/x12";
    case Endpoint::FhirClaim: return "/fhir/Claim";
    case Endpoint::FhirSubmit: return "/fhir/Claim/$submit";
    case Endpoint::FhirValidate: return "/fhir/Claim/$validate";
    case Endpoint::FhirBatch: return "/fhir";
    case Endpoint::FhirMetadata: return "/fhir/metadata";
    case Endpoint::Healthz: return "/healthz";
    case Endpoint::Readyz: return "/readyz";
    case Endpoint::Metrics: return "/metrics";
    case Endpoint::Admin: return "/admin";
    case Endpoint::ClaimStatus: return "/claims";
    case Endpoint::FhirClaimResponse: return "/fhir/ClaimResponse";
    case Endpoint::OpenApi: return "/openapi.json";
    case Endpoint::Other: return "other";
  }
  return "other";
}

std::string_view to_string(Refusal r) noexcept {
  switch (r) {
    case Refusal::BodyTooLarge: return "body_too_large";
    case Refusal::HeaderTooLarge: return "header_too_large";
    case Refusal::TooManyClaims: return "too_many_claims";
    case Refusal::ReadTimeout: return "read_timeout";
    case Refusal::MaxConnections: return "max_connections";
    case Refusal::SpoolFull: return "spool_full";
    case Refusal::Unauthorized: return "unauthorized";
    case Refusal::ShuttingDown: return "shutting_down";
    case Refusal::ClientConnections: return "max_connections_per_client";
    case Refusal::BodyBudget: return "body_budget";
    case Refusal::Forbidden: return "forbidden";
    case Refusal::RateLimited: return "rate_limited";
    case Refusal::MisdirectedHost: return "misdirected_host";
    case Refusal::BadFraming: return "bad_framing";
  }
  return "other";
}

Metrics::Metrics(std::vector<std::string> target_names) {
  for (auto& n : target_names) {
    auto t = std::make_unique<TargetStats>();
    t->name = std::move(n);
    targets_.push_back(std::move(t));
  }
}

void Metrics::request(Endpoint e, int status, double seconds) noexcept {
  const auto ei = static_cast<std::size_t>(e);
  std::size_t si = kStatuses.size() - 1;
  for (std::size_t i = 0; i + 1 < kStatuses.size(); ++i) {
    if (kStatuses[i] == status) {
      si = i;
      break;
    }
  }
  requests_[ei][si].fetch_add(1, std::memory_order_relaxed);
  Histogram& h = latency_[ei];
  std::size_t b = 0;
  while (b < kBuckets.size() && seconds > kBuckets[b]) ++b;
  h.buckets[b].fetch_add(1, std::memory_order_relaxed);
  h.count.fetch_add(1, std::memory_order_relaxed);
  h.sum_us.fetch_add(static_cast<std::uint64_t>(seconds * 1e6), std::memory_order_relaxed);
}

void Metrics::refusal(Refusal r) noexcept { refusals_[static_cast<std::size_t>(r)].fetch_add(1, std::memory_order_relaxed); }

void Metrics::claims(std::size_t accepted, std::size_t rejected, const std::map<std::string, std::size_t>& findings_by_rule,
                     const std::map<std::string, std::size_t>& rejections_by_rule) {
  accepted_.fetch_add(accepted, std::memory_order_relaxed);
  rejected_.fetch_add(rejected, std::memory_order_relaxed);
  if (findings_by_rule.empty()) return;
  std::lock_guard lock(findings_mutex_);
  for (const auto& [rule, n] : findings_by_rule) {
    if (findings_.size() >= 4096 && findings_.find(rule) == findings_.end()) continue;  // bounded label set
    findings_[rule] += n;
  }
  for (const auto& [rule, n] : rejections_by_rule) {
    if (rejections_.size() >= 4096 && rejections_.find(rule) == rejections_.end()) continue;
    rejections_[rule] += n;
  }
}

namespace {

void add_bounded(std::map<std::string, std::uint64_t, std::less<>>& m, std::string_view label, std::uint64_t n) {
  auto it = m.find(label);
  if (it == m.end()) {
    if (m.size() >= Metrics::kMaxRejectionLabels) label = Metrics::kOtherLabel;
    it = m.try_emplace(std::string(label), 0).first;
  }
  it->second += n;
}

}  // namespace

void Metrics::rejections(std::string_view sender, const std::map<std::string, std::size_t>& by_payer) {
  std::uint64_t total = 0;
  for (const auto& [payer, n] : by_payer) total += n;
  if (total == 0) return;
  std::lock_guard lock(findings_mutex_);
  add_bounded(rejected_by_sender_, sender, total);
  for (const auto& [payer, n] : by_payer)
    if (n > 0) add_bounded(rejected_by_payer_, payer, n);
}

Metrics::Snapshot Metrics::snapshot(bool detail) const {
  Snapshot s;
  for (const Endpoint e : {Endpoint::X12, Endpoint::FhirClaim, Endpoint::FhirSubmit, Endpoint::FhirValidate, Endpoint::FhirBatch}) {
    for (const auto& n : requests_[static_cast<std::size_t>(e)]) s.requests += n.load(std::memory_order_relaxed);
  }
  s.accepted = accepted_.load(std::memory_order_relaxed);
  s.rejected = rejected_.load(std::memory_order_relaxed);
  for (std::size_t r = 0; r < kRefusalCount; ++r) {
    const std::uint64_t n = refusals_[r].load(std::memory_order_relaxed);
    s.refused += n;
    if (detail && n > 0) s.refusals.emplace_back(to_string(static_cast<Refusal>(r)), n);
  }
  if (!detail) return s;
  s.open_connections = connections_.load(std::memory_order_relaxed);
  for (const auto& t : targets_) {
    s.targets.push_back({t->name, t->attempts.load(), t->failures.load(), t->successes.load(), t->dead.load(),
                         static_cast<CircuitState>(t->circuit.load())});
  }
  std::lock_guard lock(findings_mutex_);
  s.findings.insert(findings_.begin(), findings_.end());
  s.rejections.insert(rejections_.begin(), rejections_.end());
  s.rejected_by_sender.insert(rejected_by_sender_.begin(), rejected_by_sender_.end());
  s.rejected_by_payer.insert(rejected_by_payer_.begin(), rejected_by_payer_.end());
  return s;
}

void Metrics::forward_attempt(std::size_t t) noexcept {
  if (t < targets_.size()) targets_[t]->attempts.fetch_add(1, std::memory_order_relaxed);
}
void Metrics::forward_failure(std::size_t t) noexcept {
  if (t < targets_.size()) targets_[t]->failures.fetch_add(1, std::memory_order_relaxed);
}
void Metrics::forward_success(std::size_t t) noexcept {
  if (t < targets_.size()) targets_[t]->successes.fetch_add(1, std::memory_order_relaxed);
}
void Metrics::dead_lettered(std::size_t t) noexcept {
  if (t < targets_.size()) targets_[t]->dead.fetch_add(1, std::memory_order_relaxed);
}
void Metrics::circuit(std::size_t t, CircuitState s) noexcept {
  if (t < targets_.size()) targets_[t]->circuit.store(static_cast<std::uint8_t>(s), std::memory_order_relaxed);
}

std::string Metrics::render() const {
  std::string out;
  out.reserve(16 * 1024);
  help(out, "claimgate_http_requests_total", "counter", "HTTP requests answered, by endpoint and status code.");
  for (std::size_t e = 0; e < kEndpointCount; ++e) {
    for (std::size_t s = 0; s < kStatuses.size(); ++s) {
      const std::uint64_t v = requests_[e][s].load(std::memory_order_relaxed);
      if (v == 0) continue;
      std::string labels = "endpoint=\"";
      labels += to_string(static_cast<Endpoint>(e));
      labels += "\",status=\"";
      labels += kStatuses[s] == 0 ? std::string("other") : std::to_string(kStatuses[s]);
      labels += '"';
      line(out, "claimgate_http_requests_total", labels, v);
    }
  }
  help(out, "claimgate_http_request_duration_seconds", "histogram", "Time from the request header to the answer, by endpoint.");
  for (std::size_t e = 0; e < kEndpointCount; ++e) {
    const Histogram& h = latency_[e];
    const std::uint64_t count = h.count.load(std::memory_order_relaxed);
    if (count == 0) continue;
    const std::string ep = "endpoint=\"" + std::string(to_string(static_cast<Endpoint>(e))) + "\"";
    std::uint64_t cumulative = 0;
    for (std::size_t b = 0; b <= kBuckets.size(); ++b) {
      cumulative += h.buckets[b].load(std::memory_order_relaxed);
      char le[32];
      if (b < kBuckets.size()) std::snprintf(le, sizeof le, "%g", kBuckets[b]);
      else std::snprintf(le, sizeof le, "+Inf");
      line(out, "claimgate_http_request_duration_seconds_bucket", ep + ",le=\"" + le + "\"", cumulative);
    }
    char sum[48];
    std::snprintf(sum, sizeof sum, "%.6f", static_cast<double>(h.sum_us.load(std::memory_order_relaxed)) / 1e6);
    out += "claimgate_http_request_duration_seconds_sum{" + ep + "} " + sum + "\n";
    line(out, "claimgate_http_request_duration_seconds_count", ep, count);
  }
  help(out, "claimgate_refusals_total", "counter", "Requests or connections refused by a limit, by reason.");
  for (std::size_t r = 0; r < kRefusalCount; ++r) {
    line(out, "claimgate_refusals_total", "reason=\"" + std::string(to_string(static_cast<Refusal>(r))) + "\"",
         refusals_[r].load(std::memory_order_relaxed));
  }
  help(out, "claimgate_claims_total", "counter", "Claims validated, by verdict.");
  line(out, "claimgate_claims_total", "verdict=\"accepted\"", accepted_.load(std::memory_order_relaxed));
  line(out, "claimgate_claims_total", "verdict=\"rejected\"", rejected_.load(std::memory_order_relaxed));
  help(out, "claimgate_findings_total", "counter", "Findings reported, by rule id.");
  {
    std::lock_guard lock(findings_mutex_);
    for (const auto& [rule, n] : findings_) line(out, "claimgate_findings_total", "rule=\"" + escape_label(rule) + "\"", n);
    help(out, "claimgate_rejections_total", "counter", "Findings of severity reject (each rejects its claim), by rule id.");
    for (const auto& [rule, n] : rejections_) line(out, "claimgate_rejections_total", "rule=\"" + escape_label(rule) + "\"", n);
    help(out, "claimgate_sender_rejected_claims_total", "counter", "Rejected claims, by sender.");
    for (const auto& [sender, n] : rejected_by_sender_)
      line(out, "claimgate_sender_rejected_claims_total", "sender=\"" + escape_label(sender) + "\"", n);
    help(out, "claimgate_payer_rejected_claims_total", "counter", "Rejected claims, by payer id (empty: none named).");
    for (const auto& [payer, n] : rejected_by_payer_)
      line(out, "claimgate_payer_rejected_claims_total", "payer=\"" + escape_label(payer) + "\"", n);
  }
  help(out, "claimgate_open_connections", "gauge", "Client connections open now.");
  out += "claimgate_open_connections " + std::to_string(connections_.load(std::memory_order_relaxed)) + "\n";
  help(out, "claimgate_forward_attempts_total", "counter", "Forwarding attempts, by target.");
  for (const auto& t : targets_) line(out, "claimgate_forward_attempts_total", "target=\"" + escape_label(t->name) + "\"", t->attempts.load());
  help(out, "claimgate_forward_failures_total", "counter", "Failed forwarding attempts, by target.");
  for (const auto& t : targets_) line(out, "claimgate_forward_failures_total", "target=\"" + escape_label(t->name) + "\"", t->failures.load());
  help(out, "claimgate_forwarded_total", "counter", "Spool entries the target took, by target.");
  for (const auto& t : targets_) line(out, "claimgate_forwarded_total", "target=\"" + escape_label(t->name) + "\"", t->successes.load());
  help(out, "claimgate_dead_letters_total", "counter", "Spool entries moved to the dead-letter folder, by target.");
  for (const auto& t : targets_) line(out, "claimgate_dead_letters_total", "target=\"" + escape_label(t->name) + "\"", t->dead.load());
  help(out, "claimgate_upstream_circuit_state", "gauge", "Circuit breaker of each target: 0 closed, 1 open, 2 half-open.");
  for (const auto& t : targets_) line(out, "claimgate_upstream_circuit_state", "target=\"" + escape_label(t->name) + "\"", t->circuit.load());
  if (extra_) extra_(out);
  return out;
}

}  // namespace cg::engine
