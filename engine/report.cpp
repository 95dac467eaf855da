#include "engine/report.hpp"

#include "parsers/text/json_string.hpp"

#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <new>

namespace cg::engine {
namespace {

using Writer = rapidjson::Writer<rapidjson::StringBuffer>;

void kv(Writer& w, const char* key, std::string_view v) {
  w.Key(key);
  text::write_json_string(w, v);
}

void finding_json(Writer& w, const rules::Finding& f) {
  w.StartObject();
  kv(w, "rule", f.rule);
  kv(w, "severity", rules::to_string(f.severity));
  kv(w, "message", f.message);
  kv(w, "code", f.value);
  if (!f.src.x12.empty()) kv(w, "location", f.src.x12.render());
  if (!f.src.fhirpath.empty()) kv(w, "fhirpath", f.src.fhirpath);
  if (f.line > 0) {
    w.Key("line");
    w.Int(f.line);
  }
  if (f.diagnosis > 0) {
    w.Key("diagnosis");
    w.Int(f.diagnosis);
  }
  w.Key("suggestions");
  w.StartArray();
  for (const auto& s : f.suggestions) text::write_json_string(w, s);
  w.EndArray();
  w.EndObject();
}

long now_ms() {
  return static_cast<long>(std::chrono::duration_cast<std::chrono::milliseconds>(
                               std::chrono::steady_clock::now().time_since_epoch())
                               .count());
}

std::string claim_json(std::string_view id, rules::Format format, std::string_view source, const rules::Verdict& v,
                       std::string_view entry_key) {
  rapidjson::StringBuffer buf;
  Writer w(buf);
  w.StartObject();
  kv(w, "claim_id", id);
  kv(w, "format", rules::to_string(format));
  kv(w, "source", source);
  kv(w, "verdict", v.name());
  if (!entry_key.empty()) kv(w, "entry_key", entry_key);
  w.Key("findings");
  w.StartArray();
  for (const auto& f : v.findings) finding_json(w, f);
  w.EndArray();
  w.EndObject();
  return {buf.GetString(), buf.GetSize()};
}

}  // namespace

std::string claim_report_json(const rules::Claim& c, const rules::Verdict& v, std::string_view entry_key) {
  return claim_json(c.id, c.format, c.source_name, v, entry_key);
}

std::string claim_report_json(const transforms::ClaimVerdict& c, std::string_view source) {
  return claim_json(c.id, c.format, source, c.verdict, {});
}

JsonReportBuffer::JsonReportBuffer(bool list_claims) : mem_(open_memstream(&data_, &size_)) {
  if (mem_ == nullptr) throw std::bad_alloc();
  writer_ = std::make_unique<ReportWriter>(mem_, ReportFormat::Json, nullptr, list_claims);
}

JsonReportBuffer::~JsonReportBuffer() {
  if (mem_ != nullptr) std::fclose(mem_);
  std::free(data_);
}

std::string JsonReportBuffer::finish() {
  writer_->finish();
  std::fclose(mem_);
  mem_ = nullptr;
  return std::string(data_, size_);
}

std::string report_json(const std::vector<transforms::ClaimOutcome>& outcomes,
                        const rules::Findings& input_errors, std::string_view source,
                        const std::vector<std::string>* entry_keys) {
  JsonReportBuffer buf;
  for (std::size_t i = 0; i < outcomes.size(); ++i) {
    const std::string_view key = entry_keys && i < entry_keys->size() ? std::string_view((*entry_keys)[i]) : std::string_view();
    buf.writer().claim(outcomes[i].claim, outcomes[i].verdict, key);
  }
  for (const auto& e : input_errors) buf.writer().input_error(source, e);
  return buf.finish();
}

ReportWriter::ReportWriter(std::FILE* out, ReportFormat format, std::FILE* progress, bool list_claims)
    : out_(out), format_(format), progress_(progress), list_claims_(list_claims) {}

void ReportWriter::claim(const rules::Claim& c, const rules::Verdict& v, std::string_view entry_key) {
  claim(c.id, c.format, c.source_name, v, entry_key);
}

void ReportWriter::claim(const transforms::ClaimVerdict& c, std::string_view source) {
  claim(c.id, c.format, source, c.verdict, {});
}

void ReportWriter::claim(std::string_view id, rules::Format format, std::string_view source, const rules::Verdict& v,
                         std::string_view entry_key) {
  ++claims_;
  if (v.accepted)
    ++accepted_;
  else
    ++rejected_;
  warnings_ += v.warnings;
  for (std::size_t i = 0; i < v.findings.size(); ++i) {
    RuleCount& rc = by_rule_[v.findings[i].rule];
    ++rc.findings;
    bool first = true;  // a claim counts once per rule
    for (std::size_t k = 0; k < i && first; ++k) first = v.findings[k].rule != v.findings[i].rule;
    rc.claims += first ? 1 : 0;
  }
  if (only_rejected_ && v.accepted) {
    progress();
    return;
  }
  if (progress_shown_ && format_ == ReportFormat::Text) {
    // The progress line is cleared before a report line is printed under it.
    std::fputs("\r\033[K", progress_);
    std::fflush(progress_);
    progress_shown_ = false;
  }
  switch (format_) {
    case ReportFormat::Json: {
      if (!list_claims_) break;
      std::fputs(++listed_ == 1 ? "{\"claims\":[" : ",", out_);
      const std::string s = claim_json(id, format, source, v, entry_key);
      std::fwrite(s.data(), 1, s.size(), out_);
      break;
    }
    case ReportFormat::Text: {
      std::fprintf(out_, "%s  %s  %s  (%.*s)\n", id.empty() ? "(no claim id)" : std::string(id).c_str(),
                   std::string(rules::to_string(format)).c_str(), std::string(v.name()).c_str(),
                   static_cast<int>(source.size()), source.data());
      for (const auto& f : v.findings) {
        const std::string where = f.src.render();
        std::fprintf(out_, "    %-6s %-30s %s%s%s\n", std::string(rules::to_string(f.severity)).c_str(),
                     f.rule.c_str(), where.empty() ? "" : where.c_str(), where.empty() ? "" : ": ",
                     f.message.c_str());
      }
      break;
    }
    case ReportFormat::Summary:
      break;
  }
  progress();
}

void ReportWriter::input_error(std::string_view source, const rules::Finding& f) {
  ++errors_;
  if (format_ == ReportFormat::Json) {
    if (errors_ > 10000) return;  // counted, not listed
    rapidjson::StringBuffer buf;
    Writer w(buf);
    w.StartObject();
    kv(w, "source", source);
    kv(w, "rule", f.rule);
    kv(w, "severity", rules::to_string(f.severity));
    kv(w, "message", f.message);
    if (!f.value.empty()) kv(w, "code", f.value);
    if (!f.src.x12.empty()) kv(w, "location", f.src.x12.render());
    if (!f.src.fhirpath.empty()) kv(w, "fhirpath", f.src.fhirpath);
    if (f.src.fhirpath.empty()) {
      w.Key("byte_offset");
      w.Uint64(f.src.x12.byte_offset);
    }
    w.EndObject();
    if (!pending_errors_.empty()) pending_errors_ += ',';
    pending_errors_.append(buf.GetString(), buf.GetSize());
  } else if (format_ == ReportFormat::Text) {
    if (progress_shown_) {
      std::fputs("\r\033[K", progress_);
      std::fflush(progress_);
      progress_shown_ = false;
    }
    std::string where = f.src.render();
    if (where.empty() && f.src.x12.byte_offset != 0) where = "byte " + std::to_string(f.src.x12.byte_offset);
    std::fprintf(out_, "%.*s: input error %s%s%s: %s\n", static_cast<int>(source.size()), source.data(),
                 f.rule.c_str(), where.empty() ? "" : " at ", where.c_str(), f.message.c_str());
  }
}

void ReportWriter::progress() {
  if (progress_ == nullptr || claims_ % 1000 != 0) return;
  const long t = now_ms();
  if (t - last_progress_ms_ < 200) return;
  last_progress_ms_ = t;
  progress_shown_ = true;
  std::fprintf(progress_, "\r  %zu claims: %zu accepted, %zu rejected ", claims_, accepted_, rejected_);
  std::fflush(progress_);
}

void ReportWriter::finish() {
  if (progress_shown_) std::fputs("\r\033[K", progress_);
  const auto n = [](std::size_t k, const char* one, const char* many) {
    return std::to_string(k) + " " + (k == 1 ? one : many);
  };
  const std::string counts = n(claims_, "claim", "claims") + ": " + std::to_string(accepted_) + " accepted, " +
                             std::to_string(rejected_) + " rejected, " + n(warnings_, "warning", "warnings") +
                             ", " + n(errors_, "input error", "input errors");
  if (format_ == ReportFormat::Json) {
    std::fputs(listed_ == 0 ? "{\"claims\":[" : "", out_);
    std::fprintf(out_,
                 "],\"errors\":[%s],\"summary\":{\"claims\":%zu,\"accepted\":%zu,\"rejected\":%zu,"
                 "\"warnings\":%zu,\"errors\":%zu,\"by_rule\":{",
                 pending_errors_.c_str(), claims_, accepted_, rejected_, warnings_, errors_);
    rapidjson::StringBuffer buf;
    Writer w(buf);
    w.StartObject();
    for (const auto& [rule, rc] : by_rule_) {
      w.Key(rule.data(), static_cast<rapidjson::SizeType>(rule.size()));
      w.StartObject();
      w.Key("findings");
      w.Uint64(rc.findings);
      w.Key("claims");
      w.Uint64(rc.claims);
      w.EndObject();
    }
    w.EndObject();
    // The object's braces close "by_rule"; then "summary" and the report.
    std::fwrite(buf.GetString() + 1, 1, buf.GetSize() - 1, out_);
    std::fputs("}}\n", out_);
  } else {
    std::fprintf(out_, "summary: %s\n", counts.c_str());
    if (format_ == ReportFormat::Summary && !by_rule_.empty()) {
      std::size_t width = 4;
      for (const auto& [rule, rc] : by_rule_) width = std::max(width, rule.size());
      std::fprintf(out_, "  %-*s  %8s  %8s\n", static_cast<int>(width), "rule", "findings", "claims");
      for (const auto& [rule, rc] : by_rule_)
        std::fprintf(out_, "  %-*s  %8zu  %8zu\n", static_cast<int>(width), rule.c_str(), rc.findings, rc.claims);
    }
  }
  std::fflush(out_);
}

}  // namespace cg::engine
