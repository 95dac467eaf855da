#include "engine/biller_report.hpp"

#include <cctype>

namespace cg::engine {
namespace {

std::string html(std::string_view v) {
  std::string out;
  out.reserve(v.size());
  for (const char c : v) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      case '\'': out += "&#39;"; break;
      default: out.push_back(c);
    }
  }
  return out;
}

// One CSV field (RFC 4180). A field a spreadsheet would run as a formula (=, +, -, @, tab,
// CR first: claim ids come from the sender) starts with an apostrophe.
std::string csv(std::string_view v) {
  std::string s(v);
  if (!s.empty() && (s[0] == '=' || s[0] == '+' || s[0] == '-' || s[0] == '@' || s[0] == '\t' || s[0] == '\r'))
    s.insert(s.begin(), '\'');
  if (s.find_first_of(",\"\r\n") == std::string::npos) return s;
  std::string q = "\"";
  for (const char c : s) {
    if (c == '"') q.push_back('"');
    q.push_back(c);
  }
  q.push_back('"');
  return q;
}

std::string suggestions(const rules::Finding& f) {
  std::string out;
  for (const auto& s : f.suggestions) out += (out.empty() ? "" : " ") + s;
  return out;
}

std::string anchor(std::string_view rule) {
  std::string a = "rule-";
  for (const char c : rule) a.push_back(std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '-' ? c : '_');
  return a;
}

bool copy_into(std::FILE* from, std::FILE* to) {
  if (std::fflush(from) != 0 || std::fseek(from, 0, SEEK_SET) != 0) return false;
  char buf[1 << 16];
  std::size_t n = 0;
  while ((n = std::fread(buf, 1, sizeof buf, from)) > 0)
    if (std::fwrite(buf, 1, n, to) != n) return false;
  return std::ferror(from) == 0;
}

}  // namespace

BillerReport::BillerReport(const std::filesystem::path& dir, std::string source)
    : dir_(dir), source_(std::move(source)) {
  csv_ = std::fopen((dir_ / "report.csv").c_str(), "wb");
  by_claim_ = std::tmpfile();
  ok_ = csv_ != nullptr && by_claim_ != nullptr;
  if (csv_) std::fputs("claim_id,format,source,verdict,severity,rule,location,message,suggestions\r\n", csv_);
}

BillerReport::~BillerReport() {
  if (csv_) std::fclose(csv_);
  if (by_claim_) std::fclose(by_claim_);
  for (auto& [rule, sec] : rules_)
    if (sec.rows) std::fclose(sec.rows);
}

void BillerReport::csv_row(std::string_view claim_id, std::string_view format, std::string_view verdict,
                           const rules::Finding* f) {
  if (!csv_) return;
  std::string row = csv(claim_id) + "," + csv(format) + "," + csv(source_) + "," + csv(verdict) + ",";
  if (f) {
    row += csv(rules::to_string(f->severity)) + "," + csv(f->rule) + "," + csv(f->src.render()) + "," +
           csv(f->message) + "," + csv(suggestions(*f));
  } else {
    row += ",,,,";
  }
  row += "\r\n";
  if (std::fwrite(row.data(), 1, row.size(), csv_) != row.size()) ok_ = false;
}

void BillerReport::claim(const rules::Claim& c, const rules::Verdict& v) {
  ++claims_;
  (v.accepted ? accepted_ : rejected_) += 1;
  warnings_ += v.warnings;
  const std::string id = c.id.empty() ? "(no claim id)" : c.id;
  const std::string format(rules::to_string(c.format));
  const std::string verdict(v.name());
  if (v.findings.empty()) {
    csv_row(id, format, verdict, nullptr);
    return;
  }
  std::string block = "<section class=\"claim " + html(verdict) + "\"><h3>" + html(id) + " <small>" + html(format) +
                      ", " + html(verdict) + "</small></h3>\n<ul>\n";
  for (std::size_t i = 0; i < v.findings.size(); ++i) {
    const rules::Finding& f = v.findings[i];
    csv_row(id, format, verdict, &f);
    const std::string where = f.src.render();
    const std::string severity(rules::to_string(f.severity));
    block += "<li><b class=\"" + html(severity) + "\">" + html(severity) + "</b> <a href=\"#" + anchor(f.rule) +
             "\">" + html(f.rule) + "</a> " + html(where) + ": " + html(f.message) + "</li>\n";
    RuleSection& sec = rules_[f.rule];
    if (sec.rows == nullptr) {
      sec.rows = std::tmpfile();
      sec.severity = severity;
      if (sec.rows == nullptr) ok_ = false;
    }
    ++sec.findings;
    bool first = true;  // a claim counts once per rule
    for (std::size_t k = 0; k < i && first; ++k) first = v.findings[k].rule != f.rule;
    sec.claims += first ? 1 : 0;
    if (sec.rows) {
      const std::string row = "<tr><td>" + html(id) + "</td><td>" + html(verdict) + "</td><td>" + html(where) +
                              "</td><td>" + html(f.message) + "</td><td>" + html(suggestions(f)) + "</td></tr>\n";
      if (std::fwrite(row.data(), 1, row.size(), sec.rows) != row.size()) ok_ = false;
    }
  }
  block += "</ul></section>\n";
  if (by_claim_ && std::fwrite(block.data(), 1, block.size(), by_claim_) != block.size()) ok_ = false;
}

void BillerReport::input_error(const rules::Finding& f) {
  ++errors_;
  csv_row("", "", "input-error", &f);
}

bool BillerReport::finish() {
  if (csv_) {
    ok_ = std::fclose(csv_) == 0 && ok_;
    csv_ = nullptr;
  }
  std::FILE* out = std::fopen((dir_ / "report.html").c_str(), "wb");
  if (out == nullptr) return false;
  std::string head =
      "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>claimgate report: " + html(source_) +
      "</title>\n<style>body{font-family:sans-serif;margin:2em;max-width:80em}table{border-collapse:collapse}"
      "td,th{border:1px solid #ccc;padding:.2em .5em;text-align:left;vertical-align:top}"
      "b.reject{color:#b00}b.warn{color:#a60}small{color:#555;font-weight:normal}</style></head><body>\n"
      "<h1>claimgate report: " + html(source_) + "</h1>\n<p>" + std::to_string(claims_) + " claims: " +
      std::to_string(accepted_) + " accepted, " + std::to_string(rejected_) + " rejected, " +
      std::to_string(warnings_) + " warnings, " + std::to_string(errors_) +
      " input errors (listed in report.csv).</p>\n<h2>By rule</h2>\n";
  if (rules_.empty()) {
    head += "<p>No findings.</p>\n";
  } else {
    head += "<table><tr><th>rule</th><th>severity</th><th>findings</th><th>claims</th></tr>\n";
    for (const auto& [rule, sec] : rules_)
      head += "<tr><td><a href=\"#" + anchor(rule) + "\">" + html(rule) + "</a></td><td>" + html(sec.severity) +
              "</td><td>" + std::to_string(sec.findings) + "</td><td>" + std::to_string(sec.claims) + "</td></tr>\n";
    head += "</table>\n";
  }
  bool ok = ok_ && std::fwrite(head.data(), 1, head.size(), out) == head.size();
  for (auto& [rule, sec] : rules_) {
    const std::string h = "<h3 id=\"" + anchor(rule) + "\">" + html(rule) + " <small>" +
                          std::to_string(sec.findings) + " findings on " + std::to_string(sec.claims) +
                          " claims</small></h3>\n<table><tr><th>claim</th><th>verdict</th><th>where</th>"
                          "<th>message</th><th>suggestions</th></tr>\n";
    ok = ok && std::fwrite(h.data(), 1, h.size(), out) == h.size() && sec.rows && copy_into(sec.rows, out) &&
         std::fputs("</table>\n", out) >= 0;
  }
  ok = ok && std::fputs("<h2>By claim</h2>\n", out) >= 0 && by_claim_ && copy_into(by_claim_, out) &&
       std::fputs("</body></html>\n", out) >= 0;
  return std::fclose(out) == 0 && ok;
}

}  // namespace cg::engine
