#include "engine/stream/record.hpp"

#include "engine/log.hpp"
#include "rulesets/core/date.hpp"

#include <algorithm>
#include <cstdio>
#include <ctime>

namespace cg::engine::stream {
namespace {

constexpr std::string_view kX12 = "application/edi-x12";
constexpr std::string_view kFhir = "application/fhir+json";

std::string find_header(const Headers& h, std::string_view name) {
  for (const auto& [k, v] : h)
    if (k == name) return v;
  return {};
}

enum class Kind { X12, Fhir, Unknown };

Kind detect(const InRecord& in) {
  const std::string ct = in.header("content-type");
  if (ct.rfind(kX12, 0) == 0) return Kind::X12;
  if (ct.find("json") != std::string::npos) return Kind::Fhir;  // fhir+json, json, fhir+ndjson, x-ndjson
  std::size_t i = 0;
  if (in.value.compare(0, 3, "\xEF\xBB\xBF") == 0) i = 3;
  while (i < in.value.size() && (in.value[i] == ' ' || in.value[i] == '\t' || in.value[i] == '\r' || in.value[i] == '\n')) ++i;
  if (i >= in.value.size()) return Kind::Unknown;
  if (in.value[i] == 'I') return Kind::X12;
  if (in.value[i] == '{') return Kind::Fhir;
  return Kind::Unknown;
}

// The id prefix of the FHIR resources answered for a record: unique per record in the cluster
// and the same on a replay. "<topic>.<partition>.<offset>" when the topic has only letters,
// digits and '-' and the prefix stays short; otherwise the topic's first 12 characters ('.' and
// '_' as '-'), a dot and its 64-bit FNV-1a hash go first, which makes four dot-separated parts
// where the plain form has three: the two forms never meet.
std::string answer_id_prefix(const InRecord& in) {
  const std::string place = "." + std::to_string(in.partition) + "." + std::to_string(in.offset);
  const bool plain = std::all_of(in.topic.begin(), in.topic.end(), [](char ch) {
    return (ch >= 'A' && ch <= 'Z') || (ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9') || ch == '-';
  });
  if (plain && !in.topic.empty() && in.topic.size() + place.size() <= 40) return in.topic + place;
  std::uint64_t h = 14695981039346656037ull;
  for (unsigned char ch : in.topic) h = (h ^ ch) * 1099511628211ull;
  std::string head = in.topic.substr(0, 12);
  for (auto& ch : head)
    if (ch == '.' || ch == '_') ch = '-';
  char hex[17];
  std::snprintf(hex, sizeof hex, "%016llx", static_cast<unsigned long long>(h));
  return head + "." + hex + place;
}

std::tm utc(std::int64_t ms) {
  const std::time_t t = static_cast<std::time_t>(ms / 1000);
  std::tm tm{};
  gmtime_r(&t, &tm);
  return tm;
}

Headers base_headers(const InRecord& in, std::string_view kind) {
  return Headers{{"claimgate-key", output_key(in, kind)},
                 {"claimgate-inbound-topic", in.topic},
                 {"claimgate-inbound-partition", std::to_string(in.partition)},
                 {"claimgate-inbound-offset", std::to_string(in.offset)}};
}

// One output record, keyed like the inbound record (answers, verdicts, dead letters) or by payer.
OutRecord& emit(RecordOutcome& r, const std::string& topic, const InRecord& in, std::string value, Headers headers) {
  r.out.push_back(OutRecord{topic, in.has_key, in.key, std::move(value), std::move(headers)});
  return r.out.back();
}

void answer(RecordOutcome& r, const StreamConfig& c, const InRecord& in, std::string_view kind,
            std::string_view content_type, std::string body) {
  Headers h = base_headers(in, kind);
  h.emplace_back("claimgate-answer", std::string(kind));
  h.emplace_back("content-type", std::string(content_type));
  emit(r, c.answers_topic, in, std::move(body), std::move(h));
}

void dead_letter(RecordOutcome& r, const StreamConfig& c, const InRecord& in, std::string_view code,
                 const std::string& reason) {
  r.dead_lettered = true;
  Headers h = in.headers;
  for (auto& b : base_headers(in, "dead-letter")) h.push_back(std::move(b));
  h.emplace_back("claimgate-reason", std::string(code) + ": " + reason);
  emit(r, c.dead_letter_topic, in, in.value, std::move(h));
  std::string body = "{\"error\":\"";
  log::append_json_escaped(body, code);
  body += "\",\"message\":\"";
  log::append_json_escaped(body, reason + "; the record is on the dead-letter topic");
  body += "\"}";
  answer(r, c, in, "error", "application/json", std::move(body));
}

const std::string& payer_topic(const StreamConfig& c, const std::string& payer) {
  const auto it = c.payer_topics.find(payer);
  return it != c.payer_topics.end() ? it->second : c.payer_topics.at("*");
}

void forward(RecordOutcome& r, const StreamConfig& c, const InRecord& in, const std::vector<ForwardItem>& items) {
  std::size_t n = 0;
  for (const auto& f : items) {
    Headers h = base_headers(in, "payer/" + f.payer_id + "/" + std::to_string(n++));
    h.emplace_back("content-type", f.content_type);
    OutRecord& o = emit(r, payer_topic(c, f.payer_id), in, f.body, std::move(h));
    o.has_key = true;  // keyed by payer
    o.key = f.payer_id;
  }
}

void verdicts(RecordOutcome& r, const StreamConfig& c, const InRecord& in,
              const std::vector<transforms::ClaimOutcome>& outcomes) {
  std::size_t n = 0;
  for (const auto& o : outcomes) {
    std::string j = "{\"claim_id\":\"";
    log::append_json_escaped(j, o.claim.id);
    j += "\",\"format\":\"";
    j += o.claim.format == rules::Format::Fhir ? "fhir" : "x12";
    j += "\",\"payer_id\":\"";
    log::append_json_escaped(j, o.claim.payer_id);
    j += "\",\"verdict\":\"";
    j += o.verdict.name();
    j += "\",\"findings\":[";
    bool first = true;
    for (const auto& f : o.verdict.findings) {
      j += first ? "{\"rule\":\"" : ",{\"rule\":\"";
      first = false;
      log::append_json_escaped(j, f.rule);
      j += "\",\"severity\":\"";
      j += f.severity == rules::Severity::Reject ? "reject" : "warn";
      j += "\"";
      if (!f.src.x12.empty()) {
        j += ",\"location\":\"";
        log::append_json_escaped(j, f.src.x12.render());
        j += "\"";
      }
      if (!f.src.fhirpath.empty()) {
        j += ",\"fhirpath\":\"";
        log::append_json_escaped(j, f.src.fhirpath);
        j += "\"";
      }
      j += "}";
    }
    j += "],\"inbound\":{\"topic\":\"";
    log::append_json_escaped(j, in.topic);
    j += "\",\"partition\":" + std::to_string(in.partition) + ",\"offset\":" + std::to_string(in.offset) + "}}";
    Headers h = base_headers(in, "verdict/" + std::to_string(n++));
    h.emplace_back("content-type", "application/json");
    emit(r, c.verdicts_topic, in, std::move(j), std::move(h));
  }
}

}  // namespace

std::string InRecord::header(std::string_view name) const { return find_header(headers, name); }
std::string OutRecord::header(std::string_view name) const { return find_header(headers, name); }

std::string output_key(const InRecord& in, std::string_view kind) {
  std::string k = in.topic;
  k += '/';
  k += std::to_string(in.partition);
  k += '/';
  k += std::to_string(in.offset);
  k += '/';
  k += kind;
  return k;
}

RecordOutcome process_record(const Pipeline& pipeline, ControlNumbers& numbers, const StreamConfig& config,
                             const InRecord& in, const RecordLimits& limits,
                             const std::function<void()>& before_numbers,
                             const std::function<void()>& after_numbers) {
  RecordOutcome r;
  if (in.value.size() > limits.max_record_bytes) {
    dead_letter(r, config, in, "too_large",
                "the record has " + std::to_string(in.value.size()) + " bytes, more than limits.max_body_bytes (" +
                    std::to_string(limits.max_record_bytes) + ")");
    return r;
  }
  // The producer sets the timestamp (CreateTime): any int64. X12 dates have four-digit years.
  constexpr std::int64_t kLastMs = 253'402'300'799'999;  // 9999-12-31T23:59:59.999Z
  if (in.timestamp_ms > kLastMs) {
    dead_letter(r, config, in, "bad_timestamp",
                "the record's timestamp (" + std::to_string(in.timestamp_ms) +
                    " ms) is after 9999-12-31; the answers and the rules' today come from it");
    return r;
  }
  // librdkafka gives -1 for a record without a timestamp (message format v0); a "today" of
  // 1970-01-01 would reject every claim as dated in the future.
  if (in.timestamp_ms < 0) {
    dead_letter(r, config, in, "bad_timestamp",
                "the record has no timestamp (" + std::to_string(in.timestamp_ms) +
                    "); the answers and the rules' today come from it: produce with CreateTime or LogAppendTime");
    return r;
  }
  const Kind kind = detect(in);
  if (kind == Kind::Unknown) {
    dead_letter(r, config, in, "not_claims", "the record is neither an X12 interchange nor FHIR JSON");
    return r;
  }
  std::string sender = in.header("claimgate-sender");
  if (sender.empty()) sender = "anonymous";
  const std::int64_t ts = in.timestamp_ms;
  const std::tm tm = utc(ts);
  const rules::Date today{static_cast<std::int16_t>(tm.tm_year + 1900), static_cast<std::uint8_t>(tm.tm_mon + 1),
                          static_cast<std::uint8_t>(tm.tm_mday)};
  const std::string source = output_key(in, "record");

  Stamp stamp;
  // Every interchange written for the record (TA1/999, 277CA, one 837 per payer, the 837 of a
  // FHIR claim routed to an X12 topic) takes its ISA13 from the worker's durable allocator,
  // reserved on disk before it is written: unique per sender identity across records, replays
  // and restarts (docs/scale-out.md).
  stamp.allocate = [&numbers, &before_numbers](std::string_view q, std::string_view id) {
    if (before_numbers) before_numbers();
    return numbers.next(q, id);
  };
  char d[16], t[8];
  std::strftime(d, sizeof d, "%Y%m%d", &tm);
  std::strftime(t, sizeof t, "%H%M", &tm);
  stamp.date = d;
  stamp.time = t;
  if (kind == Kind::X12) {
    X12Result x = pipeline.process_x12(in.value, source, sender, today, stamp);
    if (after_numbers) after_numbers();
    if (!x.usable) {
      dead_letter(r, config, in, "not_x12", "the record is not an X12 interchange (no ISA segment could be read)");
      return r;
    }
    r.counts = std::move(x.counts);
    answer(r, config, in, "999", kX12, std::move(x.ack_999));
    if (!x.ack_277ca.empty()) answer(r, config, in, "277ca", kX12, std::move(x.ack_277ca));
    forward(r, config, in, x.forward);
    verdicts(r, config, in, x.outcomes);
    return r;
  }
  char now[32];
  std::strftime(now, sizeof now, "%Y-%m-%dT%H:%M:%S", &tm);
  std::string now_s = now;
  now_s += "." + std::to_string(1000 + ts % 1000).substr(1) + "Z";
  FhirResult f = pipeline.process_fhir(in.value, FhirOperation::Submit, sender, today, now_s, "request",
                                       answer_id_prefix(in), false, stamp);
  if (after_numbers) after_numbers();
  if (!f.usable) {
    dead_letter(r, config, in, "not_json", "the record is not JSON (no FHIR resource could be read)");
    return r;
  }
  r.counts = std::move(f.counts);
  answer(r, config, in, "fhir", f.content_type, std::move(f.body));
  r.out.back().headers.emplace_back("claimgate-status", std::to_string(f.http_status));
  forward(r, config, in, f.forward);
  verdicts(r, config, in, f.outcomes);
  return r;
}

}  // namespace cg::engine::stream
