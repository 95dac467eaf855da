// The report for billers that `claimgate validate --out` writes beside the answers:
//   report.csv   one row per finding (and one per claim without findings): claim_id, format,
//                source, verdict, severity, rule, location, message, suggestions; input errors
//                not tied to a claim have an empty claim_id and verdict "input-error".
//   report.html  one page: the counts, then the findings grouped by rule id (each rule with the
//                claims it was found on), then grouped by claim (every claim with a finding).
// Written as claims arrive, in bounded memory: CSV rows go straight to the file; the HTML
// sections are gathered in temporary files (one per rule id, one for the claims) and put
// together by finish().
//
// Thread safety: one writer per thread.
#pragma once

#include "rulesets/core/claim.hpp"
#include "rulesets/core/rule.hpp"

#include <cstdio>
#include <filesystem>
#include <map>
#include <string>
#include <string_view>

namespace cg::engine {

class BillerReport {
 public:
  // source: the input's name as shown in the reports.
  BillerReport(const std::filesystem::path& dir, std::string source);
  ~BillerReport();
  BillerReport(const BillerReport&) = delete;
  BillerReport& operator=(const BillerReport&) = delete;

  void claim(const rules::Claim& claim, const rules::Verdict& verdict);
  void input_error(const rules::Finding& f);
  // Writes report.html and closes both files; false when a file could not be written.
  [[nodiscard]] bool finish();

 private:
  struct RuleSection {
    std::FILE* rows = nullptr;  // temporary: <tr> rows of this rule's findings
    std::size_t findings = 0, claims = 0;
    std::string severity;
  };
  void csv_row(std::string_view claim_id, std::string_view format, std::string_view verdict,
               const rules::Finding* f);

  std::filesystem::path dir_;
  std::string source_;
  std::FILE* csv_ = nullptr;
  std::FILE* by_claim_ = nullptr;  // temporary: the by-claim section
  std::map<std::string, RuleSection> rules_;
  std::size_t claims_ = 0, accepted_ = 0, rejected_ = 0, warnings_ = 0, errors_ = 0;
  bool ok_ = true;
};

}  // namespace cg::engine
