// The report of `claimgate validate` (and of the server's default JSON answer): per claim its
// id, format, source and verdict with every finding; input errors not tied to one claim; and a
// summary. Written as claims arrive, so a large batch streams through.
//
// JSON shape (the JSON Schema: docs/report.schema.json, checked in CI):
// {"claims":[{"claim_id","format","source","verdict","entry_key" (server: queued claims only),
//   "findings":[{"rule","severity","message","code","location","fhirpath","line","diagnosis",
//   "suggestions":[]}]}],"errors":[{"source","rule","severity","message","code","location",
//   "fhirpath","byte_offset"}],"summary":{"claims","accepted","rejected","warnings","errors",
//   "by_rule":{"<rule id>":{"findings","claims"}}}}
// The summary line (text and summary formats) is followed, in the summary format, by one line
// per rule id with its findings and the claims it was found on.
#pragma once

#include "rulesets/core/claim.hpp"
#include "rulesets/core/rule.hpp"
#include "transforms/x12_out.hpp"

#include <cstdio>
#include <map>
#include <memory>
#include <string>

namespace cg::engine {

enum class ReportFormat { Text, Json, Summary };

class ReportWriter {
 public:
  // progress: where to draw a progress line for large inputs (a terminal), or nullptr.
  // list_claims false: claims are counted but not written (JSON: an empty "claims" array; the
  // caller hands each claim_report_json() elsewhere, as the C ABI's stream does).
  ReportWriter(std::FILE* out, ReportFormat format, std::FILE* progress = nullptr, bool list_claims = true);
  // entry_key: the spool entry the claim was queued under (the server's answer), else empty.
  void claim(const rules::Claim& claim, const rules::Verdict& verdict, std::string_view entry_key = {});
  // The same for a validation stream's claim read from `source`.
  void claim(const transforms::ClaimVerdict& claim, std::string_view source);
  // Text and JSON list only the rejected claims (the summary still counts every claim).
  void only_rejected(bool on) { only_rejected_ = on; }
  void input_error(std::string_view source, const rules::Finding& f);
  void finish();

  [[nodiscard]] std::size_t claims() const { return claims_; }
  [[nodiscard]] std::size_t accepted() const { return accepted_; }
  [[nodiscard]] std::size_t rejected() const { return rejected_; }
  [[nodiscard]] std::size_t warnings() const { return warnings_; }
  [[nodiscard]] std::size_t input_errors() const { return errors_; }

 private:
  void claim(std::string_view id, rules::Format format, std::string_view source, const rules::Verdict& verdict,
             std::string_view entry_key);
  void progress();
  std::FILE* out_;
  ReportFormat format_;
  std::FILE* progress_;
  bool list_claims_;
  std::size_t claims_ = 0, accepted_ = 0, rejected_ = 0, warnings_ = 0, errors_ = 0;
  std::string pending_errors_;  // JSON: error objects, written after the claims array
  struct RuleCount {
    std::size_t findings = 0, claims = 0;
  };
  std::map<std::string, RuleCount> by_rule_;
  std::size_t listed_ = 0;
  bool only_rejected_ = false;
  bool progress_shown_ = false;
  long last_progress_ms_ = 0;
};

// The JSON report written into memory (report_json(), the C ABI). Throws std::bad_alloc when no
// memory stream can be opened.
class JsonReportBuffer {
 public:
  explicit JsonReportBuffer(bool list_claims = true);
  ~JsonReportBuffer();
  JsonReportBuffer(const JsonReportBuffer&) = delete;
  JsonReportBuffer& operator=(const JsonReportBuffer&) = delete;

  [[nodiscard]] ReportWriter& writer() { return *writer_; }
  // Finishes the report and returns its text (once).
  [[nodiscard]] std::string finish();

 private:
  char* data_ = nullptr;
  std::size_t size_ = 0;
  std::FILE* mem_ = nullptr;
  std::unique_ptr<ReportWriter> writer_;
};

// The whole JSON report for claims already validated and the input errors of one source;
// entry_keys (when given): the spool entry key of each outcome, empty for those not queued.
[[nodiscard]] std::string report_json(const std::vector<transforms::ClaimOutcome>& outcomes,
                                      const rules::Findings& input_errors, std::string_view source,
                                      const std::vector<std::string>* entry_keys = nullptr);

// One claim's report entry as a JSON object (the element of "claims"), with "entry_key" after
// "verdict" when one is given.
[[nodiscard]] std::string claim_report_json(const rules::Claim& claim, const rules::Verdict& verdict,
                                            std::string_view entry_key = {});
[[nodiscard]] std::string claim_report_json(const transforms::ClaimVerdict& claim, std::string_view source);

}  // namespace cg::engine
