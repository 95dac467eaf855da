// `claimgate validate` agrees with `claimgate code` on every code and date (issue 10): a sample
// of codes from every bundled release's order file (billable, headers, codes deleted or not yet
// effective on some date, 7-character codes, placeholder X), plus invalid variants derived from
// them (a 7th character on a code that takes none, an undefined 7th character, a missing
// placeholder X, a stem that is no code), on the day before and the day of every release
// boundary (10-01, 01-01, 04-01) and past the newest release. Each code becomes one 837P claim
// (one diagnosis, one line pointing at it, no birth date or sex) that runs through the pipeline
// (Pipeline::begin_validation, what `claimgate validate` calls); its verdict and code-status
// finding must be what the code command's engine (Icd10Index::lookup, what `claimgate code`
// prints) says for that code and date. A negative control checks that the comparison sees a
// one-day shift at the boundaries, so the test can fail.
#include "engine/pipeline.hpp"
#include "rulesets/codesets/icd10cm.hpp"
#include "rulesets/codesets/icd10cm_compiler.hpp"

#include <boost/test/unit_test.hpp>

#include <array>
#include <fstream>
#include <map>
#include <set>
#include <sstream>

using namespace cg;
using codesets::CodeStatus;
using rules::Date;

namespace {

const std::string kDataDir = CG_SOURCE_DIR "/rulesets/codesets/icd10cm";

std::shared_ptr<const codesets::Icd10Index> load_index() {
  auto v = codesets::Icd10Index::load(CG_BINARY_DIR "/icd10cm.cgx");
  if (const auto* e = std::get_if<std::string>(&v)) BOOST_FAIL("cannot load the index: " << *e);
  return std::get<std::shared_ptr<const codesets::Icd10Index>>(v);
}

// Every 331st code of every order file of releases.tsv, and variants of some of them.
std::vector<std::string> sample_codes() {
  std::set<std::string> codes;
  std::ifstream manifest(kDataDir + "/releases.tsv");
  BOOST_REQUIRE(manifest);
  for (std::string line; std::getline(manifest, line);) {
    if (line.rfind("release\t", 0) != 0) continue;
    const auto at = line.find("\torder=");
    if (at == std::string::npos) continue;
    const std::string file = line.substr(at + 7, line.find('\t', at + 1) - at - 7);
    std::vector<codesets::OrderEntry> entries;
    const std::string err = codesets::read_order_file(kDataDir + "/" + file, entries);
    BOOST_REQUIRE_MESSAGE(err.empty(), err);
    for (std::size_t i = 0; i < entries.size(); i += 331) {
      const std::string& c = entries[i].code;
      codes.insert(c);
      if (i % 4 == 0 && c.size() == 6 && entries[i].billable) codes.insert(c + "A");  // takes no 7th character
      if (i % 4 == 1 && c.size() == 7) codes.insert(c.substr(0, 6) + "Z");           // undefined 7th character
      if (i % 4 == 2 && c.size() == 7 && c.find('X') != std::string::npos) {         // placeholder X left out
        std::string v = c;
        v.erase(v.find('X'), 1);
        codes.insert(v);
      }
      if (i % 4 == 3 && c.size() >= 5) codes.insert(c.substr(0, c.size() - 1) + "9");  // often no code
    }
  }
  return {codes.begin(), codes.end()};
}

std::vector<Date> boundary_dates(const codesets::Icd10Index& idx) {
  std::vector<Date> out;
  for (const auto& r : idx.releases()) {
    out.push_back(Date::from_days(r.effective_from.days() - 1));
    out.push_back(r.effective_from);
  }
  out.push_back(idx.releases().back().effective_to);
  out.push_back(Date::from_days(idx.releases().back().effective_to.days() + 1));  // past the newest
  out.erase(out.begin());  // 2015-09-30: ICD-9-CM (icd10cm.qualifier-mismatch), not this test
  return out;
}

std::string compact(Date d) {
  const std::string iso = d.iso();
  return iso.substr(0, 4) + iso.substr(5, 2) + iso.substr(8, 2);
}

// One 837P interchange: one claim per code, all dated `dos`.
std::string interchange(const std::vector<std::string>& codes, Date dos) {
  std::string st;
  std::size_t segs = 0;
  const auto seg = [&](const std::string& s) {
    st += s + "~\n";
    ++segs;
  };
  seg("ST*837*0001*005010X222A1");
  seg("BHT*0019*00*CGAGREE*20240603*1200*CH");
  seg("NM1*41*2*TESTCLINIC BILLING*****46*CLAIMGATESUB");
  seg("PER*IC*TEST BILLING OFFICE*TE*5555550100");
  seg("NM1*40*2*TEST PAYER*****46*TESTPAYER");
  seg("HL*1**20*1");
  seg("NM1*85*2*TESTCLINIC SPINE*****XX*1234567893");
  seg("N3*100 TEST AVENUE");
  seg("N4*SPRINGFIELD*IL*627010001");
  seg("REF*EI*371234567");
  for (std::size_t i = 0; i < codes.size(); ++i) {
    seg("HL*" + std::to_string(i + 2) + "*1*22*0");
    seg("SBR*P*18*******CI");
    seg("NM1*IL*1*TESTPATIENT*ALPHA****MI*XEX000123");
    seg("NM1*PR*2*TEST PAYER*****PI*PAYER01");
    seg("CLM*AGR" + std::to_string(i) + "*100***11:B:1*Y*A*Y*Y");
    seg("HI*ABK:" + codes[i]);
    seg("LX*1");
    seg("SV1*HC:99213*100*UN*1***1");
    seg("DTP*472*D8*" + compact(dos));
  }
  seg("SE*" + std::to_string(segs + 1) + "*0001");
  return "ISA*00*          *00*          *ZZ*CLAIMGATESUB   *ZZ*TESTPAYER      *240603*1200*^*00501*000000101*0*T*:~\n"
         "GS*HC*CLAIMGATESUB*TESTPAYER*20240603*1200*101*X*005010X222A1~\n" +
         st + "GE*1*101~\nIEA*1*000000101~\n";
}

constexpr std::array kStatusRules{"icd10cm.unknown", "icd10cm.header", "icd10cm.not-yet-effective",
                                  "icd10cm.deleted", "icd10cm.invalid-extension"};

bool is_status_rule(std::string_view r) {
  for (const auto* s : kStatusRules)
    if (r == s) return true;
  return false;
}

// What `claimgate code` says, as a verdict: the status rule (none for billable), its severity,
// and whether the single-diagnosis claim is rejected. As the only (so principal) diagnosis a
// code is also rejected when it is an external cause (V00-Y99, unless unknown) or a
// manifestation, both of which the code command prints (`chapter`, `manifestation`).
struct Expected {
  std::string rule;
  rules::Severity severity = rules::Severity::Reject;
  bool rejected = false;
};

Expected expected_for(const codesets::Icd10Index& idx, const std::string& code, Date dos) {
  const auto e = idx.lookup(code, dos);
  Expected x;
  const bool principal_problem =
      e.manifestation || (code[0] >= 'V' && code[0] <= 'Y' && e.status != CodeStatus::Unknown);
  if (e.status == CodeStatus::Billable) {
    x.rejected = principal_problem;
    return x;
  }
  x.rule = "icd10cm." + std::string(codesets::to_string(e.status));
  // Past the newest release a code it does not know may be new in the release in force.
  if (e.status == CodeStatus::Unknown && !e.release_in_force_loaded) x.severity = rules::Severity::Warn;
  x.rejected = x.severity == rules::Severity::Reject || principal_problem;
  return x;
}

struct Got {
  std::string rule;
  rules::Severity severity = rules::Severity::Reject;
  bool rejected = false;
  std::size_t status_findings = 0;
  std::string other;  // an unexpected reject of another rule
};

std::vector<Got> run(const engine::Pipeline& pipeline, const std::vector<std::string>& codes, Date dos) {
  std::vector<Got> got(codes.size());
  std::size_t seen = 0;
  rules::Findings errors;
  auto stream = pipeline.begin_validation(
      "agreement.x12", "", Date{2030, 1, 1},
      [&](transforms::ClaimVerdict&& o) {
        const std::size_t i = std::stoul(o.id.substr(3));
        BOOST_REQUIRE_LT(i, got.size());
        ++seen;
        Got& g = got[i];
        g.rejected = !o.verdict.accepted;
        for (const auto& f : o.verdict.findings) {
          if (is_status_rule(f.rule)) {
            ++g.status_findings;
            g.rule = f.rule;
            g.severity = f.severity;
          } else if (f.severity == rules::Severity::Reject && f.rule != "icd10cm.external-cause-first" &&
                     f.rule != "icd10cm.manifestation-first") {
            g.other = f.rule + ": " + f.message;
          }
        }
      },
      [&](rules::Finding&& f) { errors.push_back(std::move(f)); });
  stream->feed(interchange(codes, dos));
  (void)stream->finish();
  BOOST_TEST(errors.empty(), "input errors on " << dos.iso() << ": " << (errors.empty() ? "" : errors[0].message));
  BOOST_TEST(seen == codes.size());
  return got;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(validate_agrees_with_code)

BOOST_AUTO_TEST_CASE(on_every_sampled_code_and_boundary_date) {
  const auto idx = load_index();
  engine::PipelineOptions opts;
  opts.codes = idx;
  const engine::Pipeline pipeline(opts);
  const auto codes = sample_codes();
  const auto dates = boundary_dates(*idx);
  BOOST_TEST_MESSAGE(codes.size() << " codes x " << dates.size() << " dates");
  std::map<std::string, std::size_t> by_status;  // the sample must reach every status
  std::size_t mismatches = 0, shifted_disagree = 0;
  for (const Date dos : dates) {
    const auto got = run(pipeline, codes, dos);
    for (std::size_t i = 0; i < codes.size(); ++i) {
      const Expected x = expected_for(*idx, codes[i], dos);
      const Got& g = got[i];
      by_status[x.rule.empty() ? "billable" : x.rule + (x.severity == rules::Severity::Warn ? " (warn)" : "")]++;
      const bool ok = g.rejected == x.rejected && g.rule == x.rule && g.status_findings == (x.rule.empty() ? 0u : 1u) &&
                      (x.rule.empty() || g.severity == x.severity) && g.other.empty();
      if (!ok && ++mismatches <= 10)
        BOOST_ERROR(codes[i] << " on " << dos.iso() << ": code says " << (x.rule.empty() ? "billable" : x.rule)
                             << (x.rejected ? " (rejected)" : " (accepted)") << ", validate gives "
                             << (g.rule.empty() ? "no status finding" : g.rule) << " x" << g.status_findings
                             << (g.rejected ? " (rejected)" : " (accepted)") << (g.other.empty() ? "" : "; " + g.other));
      // Negative control: the engine's answer for the day before differs somewhere.
      const Expected y = expected_for(*idx, codes[i], Date::from_days(dos.days() - 1));
      shifted_disagree += y.rule != g.rule || y.rejected != g.rejected;
    }
  }
  BOOST_TEST(mismatches == 0u);
  for (const char* s : {"billable", "icd10cm.header", "icd10cm.not-yet-effective", "icd10cm.deleted",
                        "icd10cm.invalid-extension", "icd10cm.unknown", "icd10cm.unknown (warn)"})
    BOOST_TEST(by_status[s] > 0u, "the sample reaches " << s);
  for (const auto& [s, n] : by_status) BOOST_TEST_MESSAGE(s << ": " << n);
  BOOST_TEST(shifted_disagree > 100u, "a one-day shift must be visible: " << shifted_disagree);
}

BOOST_AUTO_TEST_SUITE_END()
