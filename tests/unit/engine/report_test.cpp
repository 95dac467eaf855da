// The reports of `claimgate validate`: counts per rule id in the summary, --only-rejected,
// plurals; the biller report (report.csv, report.html) grouped by rule and by claim.
#include "engine/biller_report.hpp"
#include "engine/report.hpp"

#include <boost/test/unit_test.hpp>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

namespace fs = std::filesystem;
using namespace cg;
using namespace cg::engine;

namespace {

rules::Finding finding(const std::string& rule, const std::string& message, rules::Severity sev = rules::Severity::Reject) {
  rules::Finding f;
  f.rule = rule;
  f.message = message;
  f.severity = sev;
  return f;
}

struct Item {
  rules::Claim claim;
  rules::Verdict verdict;
};

Item item(const std::string& id, std::vector<rules::Finding> findings) {
  Item it;
  it.claim.id = id;
  it.claim.source_name = "batch.x12";
  for (auto& f : findings) {
    if (f.severity == rules::Severity::Reject) {
      it.verdict.accepted = false;
      ++it.verdict.rejects;
    } else {
      ++it.verdict.warnings;
    }
    it.verdict.findings.push_back(std::move(f));
  }
  return it;
}

std::vector<Item> sample() {
  return {item("A-1", {}),
          item("B-2", {finding("icd10cm.header", "Diagnosis 1 (M54.5) is a header"),
                       finding("icd10cm.header", "Diagnosis 2 (M54.1) is a header"),
                       finding("claim.balance", "total 400, lines 390")}),
          item("=HYPERLINK(\"x\")", {finding("icd10cm.header", "a <b>header</b> & more")}),
          item("D-4", {finding("spine.m5450-on-injection-or-mri", "warned", rules::Severity::Warn)})};
}

std::string render(ReportFormat format, bool only_rejected) {
  char* data = nullptr;
  std::size_t size = 0;
  std::FILE* mem = open_memstream(&data, &size);
  {
    ReportWriter w(mem, format);
    w.only_rejected(only_rejected);
    for (const auto& it : sample()) w.claim(it.claim, it.verdict);
    w.finish();
  }
  std::fclose(mem);
  std::string out(data, size);
  std::free(data);
  return out;
}

std::string slurp(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

}  // namespace

BOOST_AUTO_TEST_SUITE(reports)

BOOST_AUTO_TEST_CASE(summary_counts_findings_and_claims_per_rule) {
  const std::string s = render(ReportFormat::Summary, false);
  BOOST_TEST(s.find("summary: 4 claims: 2 accepted, 2 rejected, 1 warning, 0 input errors\n") == 0u, s);
  BOOST_TEST(s.find("  icd10cm.header                          3         2\n") != std::string::npos, s);
  BOOST_TEST(s.find("  claim.balance                           1         1\n") != std::string::npos, s);
  BOOST_TEST(s.find("  spine.m5450-on-injection-or-mri         1         1\n") != std::string::npos, s);
  const std::string j = render(ReportFormat::Json, false);
  BOOST_TEST(j.find("\"by_rule\":{\"claim.balance\":{\"findings\":1,\"claims\":1},\"icd10cm.header\":{\"findings\":3,"
                    "\"claims\":2}") != std::string::npos, j);
}

BOOST_AUTO_TEST_CASE(only_rejected_lists_rejected_claims_and_counts_all) {
  const std::string t = render(ReportFormat::Text, true);
  BOOST_TEST(t.find("A-1") == std::string::npos);
  BOOST_TEST(t.find("D-4") == std::string::npos);  // accepted with a warning
  BOOST_TEST(t.find("B-2") != std::string::npos);
  BOOST_TEST(t.find("summary: 4 claims: 2 accepted, 2 rejected") != std::string::npos);
  const std::string j = render(ReportFormat::Json, true);
  BOOST_TEST(j.find("{\"claims\":[{\"claim_id\":\"B-2\"") == 0u, j);
  BOOST_TEST(j.find("A-1") == std::string::npos);
  // Nothing rejected: still a valid document.
  char* data = nullptr;
  std::size_t size = 0;
  std::FILE* mem = open_memstream(&data, &size);
  {
    ReportWriter w(mem, ReportFormat::Json);
    w.only_rejected(true);
    const Item ok = item("A-1", {});
    w.claim(ok.claim, ok.verdict);
    w.finish();
  }
  std::fclose(mem);
  const std::string empty(data, size);
  std::free(data);
  BOOST_TEST(empty.find("{\"claims\":[],\"errors\":[],\"summary\":{\"claims\":1,") == 0u, empty);
}

BOOST_AUTO_TEST_CASE(biller_report_groups_by_rule_and_by_claim) {
  const fs::path dir = fs::path(CG_BINARY_DIR) / "unit-engine-scratch" / "biller";
  fs::remove_all(dir);
  fs::create_directories(dir);
  {
    BillerReport r(dir, "batch.x12");
    for (const auto& it : sample()) r.claim(it.claim, it.verdict);
    rules::Finding e = finding("x12.segment", "junk after IEA");
    r.input_error(e);
    BOOST_TEST(r.finish());
  }
  const std::string csv = slurp(dir / "report.csv");
  BOOST_TEST(csv.find("claim_id,format,source,verdict,severity,rule,location,message,suggestions\r\n") == 0u);
  BOOST_TEST(csv.find("A-1,") != std::string::npos);  // a claim without findings has its row
  BOOST_TEST(csv.find("B-2,") != std::string::npos);
  // A formula from the sender is neutralised and quoted.
  BOOST_TEST(csv.find("\"'=HYPERLINK(\"\"x\"\")\"") != std::string::npos, csv);
  BOOST_TEST(csv.find("\"total 400, lines 390\"") != std::string::npos);
  BOOST_TEST(csv.find(",input-error,reject,x12.segment,") != std::string::npos);

  const std::string html = slurp(dir / "report.html");
  const auto by_rule = html.find("<h2>By rule</h2>");
  const auto by_claim = html.find("<h2>By claim</h2>");
  BOOST_REQUIRE(by_rule != std::string::npos);
  BOOST_REQUIRE(by_claim != std::string::npos);
  BOOST_TEST(html.find("<td><a href=\"#rule-icd10cm.header\">icd10cm.header</a></td><td>reject</td><td>3</td><td>2</td>") !=
             std::string::npos);
  const auto section = html.find("<h3 id=\"rule-icd10cm.header\">");
  BOOST_TEST((section > by_rule && section < by_claim));
  BOOST_TEST(html.find("a &lt;b&gt;header&lt;/b&gt; &amp; more") != std::string::npos);
  BOOST_TEST(html.find("<b>header</b>") == std::string::npos);
  BOOST_TEST(html.find("<h3>=HYPERLINK(&quot;x&quot;)") != std::string::npos);
  BOOST_TEST(html.rfind("</body></html>\n") == html.size() - 15);
}

BOOST_AUTO_TEST_SUITE_END()
