// FHIR parse-to-Claims throughput, side by side with plain RapidJSON in the same run.
//
// Generates a deterministic batch of realistic professional Claims (contained Patient,
// billing Organization with a valid NPI, Coverage and payer Organization; 2-6 distinct ICD-10-CM
// diagnoses, 1-5 items with pointers to every diagnosis, modifiers, dates, money; 2.5-4.5 KB
// each) as NDJSON and as one batch Bundle, then times:
//   baseline Document   rapidjson::Document().Parse(text), default flags, no mapping (the
//                       JSON scan every FHIR reader pays)
//   baseline in situ    the same parser flags read_fhir_claims uses, reused buffers, no mapping
//   read_fhir_claims    parse (in situ, UTF-8 validation, depth guard) + map to rules::Claim
//   full pipeline       NDJSON only: Pipeline::begin_validation (what `claimgate validate` runs):
//                       parse + map + every built-in rule against the real ICD-10-CM index
// Best of `reps` runs, one thread, in CPU time of that thread. Usage: bench_fhir_parse [claims=20000] [reps=5]
#include "engine/pipeline.hpp"
#include "rulesets/codesets/icd10cm.hpp"
#include "transforms/fhir_claims.hpp"

#include <rapidjson/document.h>

#include <algorithm>
#include <ctime>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <map>
#include <memory>
#include <string>
#include <variant>
#include <vector>

namespace {

struct Lcg {
  std::uint64_t s = 0x2545F4914F6CDD1Dull;
  std::uint32_t next() {
    s = s * 6364136223846793005ull + 1442695040888963407ull;
    return static_cast<std::uint32_t>(s >> 33);
  }
  std::uint32_t below(std::uint32_t n) { return next() % n; }
};

// Billable on the claims' dates (March 2024, ICD-10-CM FY2024). Lines carry CPT codes, as the
// generated 837s do: the bundled HCPCS releases end in 2019, so HCPCS lines of 2024 would only
// draw the hcpcs.code-set-not-loaded warning.
const char* const kDx[] = {"M54.50", "M54.16", "G89.29", "M51.36", "M47.816", "M96.1", "E11.9", "I10",
                           "M43.01", "G89.4",  "M54.59", "S32.009A", "Z79.899"};
constexpr unsigned kDxCount = sizeof kDx / sizeof *kDx;
const char* const kCpt[] = {"99213", "99214", "62323", "64483", "72148", "97110", "63030", "20610"};

// A valid NPI: 9 digits and the Luhn check digit over "80840" + those digits.
unsigned long long npi(Lcg& r) {
  const unsigned base = 100000000u + r.next() % 900000000u;
  const std::string digits = "80840" + std::to_string(base);
  int sum = 0;
  for (std::size_t i = 0; i < digits.size(); ++i) {
    int d = digits[digits.size() - 1 - i] - '0';
    if (i % 2 == 0) {  // doubled: every second digit from the right of the number with its check digit
      d *= 2;
      if (d > 9) d -= 9;
    }
    sum += d;
  }
  return static_cast<unsigned long long>(base) * 10 + static_cast<unsigned>((10 - sum % 10) % 10);
}

std::string make_claim(Lcg& r, int n) {
  char buf[512];
  std::string s;
  s.reserve(4096);
  const int day = 1 + static_cast<int>(r.below(28));
  std::snprintf(buf, sizeof buf,
                R"({"resourceType":"Claim","id":"clm-%06d","meta":{"profile":["http://hl7.org/fhir/us/davinci-pas/StructureDefinition/profile-claim"]},)",
                n);
  s += buf;
  std::snprintf(buf, sizeof buf,
                R"("contained":[{"resourceType":"Patient","id":"pat","identifier":[{"system":"urn:example:member","value":"W%09u"}],"name":[{"family":"DOE","given":["JANE","Q"]}],"gender":"%s","birthDate":"19%02u-%02u-%02u","address":[{"line":["%u ELM STREET"],"city":"SPRINGFIELD","state":"IL","postalCode":"62704"}]},)",
                r.next() % 1000000000u, r.below(2) ? "female" : "male", 30 + r.below(70), 1 + r.below(12),
                1 + r.below(28), 1 + r.below(999));
  s += buf;
  std::snprintf(buf, sizeof buf,
                R"({"resourceType":"Organization","id":"prov","identifier":[{"system":"http://hl7.org/fhir/sid/us-npi","value":"%llu"},{"system":"urn:oid:2.16.840.1.113883.4.4","value":"37%07u"}],"name":"SPRINGFIELD SPINE AND PAIN CENTER","address":[{"line":["100 MAIN STREET"],"city":"SPRINGFIELD","state":"IL","postalCode":"62701"}]},)",
                npi(r), r.next() % 10000000u);
  s += buf;
  std::snprintf(buf, sizeof buf,
                R"({"resourceType":"Organization","id":"payer","identifier":[{"system":"urn:example:payer-id","value":"%05u"}],"name":"EXAMPLE HEALTH PLAN"},)"
                R"({"resourceType":"Coverage","id":"cov","status":"active","subscriberId":"W%09u","beneficiary":{"reference":"#pat"},"relationship":{"coding":[{"system":"http://terminology.hl7.org/CodeSystem/subscriber-relationship","code":"self"}]},"payor":[{"reference":"#payer"}]}],)",
                r.below(100000), r.next() % 1000000000u);
  s += buf;
  std::snprintf(buf, sizeof buf,
                R"("identifier":[{"system":"urn:example:pcn","value":"PCN%08d"}],"status":"active","type":{"coding":[{"system":"http://terminology.hl7.org/CodeSystem/claim-type","code":"professional"}]},"use":"claim","patient":{"reference":"#pat"},"billablePeriod":{"start":"2024-03-%02d","end":"2024-03-%02d"},"created":"2024-04-01T09:30:00-05:00","insurer":{"reference":"#payer"},"provider":{"reference":"#prov"},"priority":{"coding":[{"system":"http://terminology.hl7.org/CodeSystem/processpriority","code":"normal"}]},)",
                n, day, day);
  s += buf;
  // 1-5 lines, 2-6 distinct diagnoses (at most 4 per line), each pointed to by some line.
  const int nitems = 1 + static_cast<int>(r.below(5));
  const int ndx = std::min(2 + static_cast<int>(r.below(5)), 4 * nitems);
  const unsigned first_dx = r.below(kDxCount), dx_step = 1 + r.below(kDxCount - 1);  // kDxCount is prime
  s += R"("diagnosis":[)";
  for (int i = 1; i <= ndx; ++i) {
    std::snprintf(buf, sizeof buf,
                  R"(%s{"sequence":%d,"diagnosisCodeableConcept":{"coding":[{"system":"http://hl7.org/fhir/sid/icd-10-cm","code":"%s"}]}%s})",
                  i > 1 ? "," : "", i, kDx[(first_dx + static_cast<unsigned>(i - 1) * dx_step) % kDxCount],
                  i == 1 ? R"(,"type":[{"coding":[{"system":"http://terminology.hl7.org/CodeSystem/ex-diagnosistype","code":"principal"}]}])" : "");
    s += buf;
  }
  s += R"(],"insurance":[{"sequence":1,"focal":true,"coverage":{"reference":"#cov"}}],"item":[)";
  long total_cents = 0;
  for (int i = 1; i <= nitems; ++i) {
    const unsigned qty = 1 + r.below(3);
    const unsigned price = 2500 + r.below(40000);  // cents
    total_cents += static_cast<long>(qty * price);
    std::string pointers;  // line i points to diagnoses i, i + nitems, ...
    for (int d = i; d <= ndx; d += nitems) pointers += (pointers.empty() ? "" : ",") + std::to_string(d);
    if (pointers.empty()) pointers = std::to_string(1 + static_cast<int>(r.below(static_cast<unsigned>(ndx))));
    std::snprintf(buf, sizeof buf,
                  R"(%s{"sequence":%d,"careTeamSequence":[1],"diagnosisSequence":[%s],"productOrService":{"coding":[{"system":"http://www.ama-assn.org/go/cpt","code":"%s"}]},)",
                  i > 1 ? "," : "", i, pointers.c_str(), kCpt[r.below(8)]);
    s += buf;
    std::snprintf(buf, sizeof buf,
                  R"("modifier":[{"coding":[{"system":"http://www.ama-assn.org/go/cpt","code":"%s"}]}],"servicedDate":"2024-03-%02d","locationCodeableConcept":{"coding":[{"system":"https://www.cms.gov/Medicare/Coding/place-of-service-codes/Place_of_Service_Code_Set","code":"11"}]},"quantity":{"value":%u},"unitPrice":{"value":%u.%02u,"currency":"USD"},"net":{"value":%u.%02u,"currency":"USD"}})",
                  r.below(2) ? "25" : "59", day, qty, price / 100, price % 100, qty * price / 100, qty * price % 100);
    s += buf;
  }
  std::snprintf(buf, sizeof buf, R"(],"total":{"value":%ld.%02ld,"currency":"USD"}})", total_cents / 100, total_cents % 100);
  s += buf;
  return s;
}

// CPU time of this thread, not the wall clock: the figures are per core even when the machine's
// cores are shared with other work (everything here runs on one thread).
double now() {
  timespec t{};
  ::clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t);
  return static_cast<double>(t.tv_sec) + static_cast<double>(t.tv_nsec) * 1e-9;
}

template <class F>
double best_of(int reps, F&& f) {
  double best = 1e30;
  for (int i = 0; i < reps; ++i) {
    const double t0 = now();
    f();
    best = std::min(best, now() - t0);
  }
  return best;
}

std::vector<std::string_view> lines_of(std::string_view s) {
  std::vector<std::string_view> out;
  std::size_t b = 0;
  while (b < s.size()) {
    std::size_t e = s.find('\n', b);
    if (e == std::string_view::npos) e = s.size();
    if (e > b) out.push_back(s.substr(b, e - b));
    b = e + 1;
  }
  return out;
}

void row(const char* input, const char* what, std::size_t claims, std::size_t bytes, double secs, double base) {
  std::printf("%-8s %-36s %12.0f %9.1f %9.3f %8.2fx\n", input, what, static_cast<double>(claims) / secs,
              static_cast<double>(bytes) / secs / 1e6, secs * 1e3 / 1, secs / base);
}

}  // namespace

int main(int argc, char** argv) {
  const int n = argc > 1 ? std::atoi(argv[1]) : 20000;
  const int reps = argc > 2 ? std::atoi(argv[2]) : 5;
  Lcg rng;
  std::string ndjson, bundle = R"({"resourceType":"Bundle","type":"batch","entry":[)";
  for (int i = 0; i < n; ++i) {
    const std::string c = make_claim(rng, i);
    ndjson += c;
    ndjson += '\n';
    if (i) bundle += ',';
    bundle += R"({"fullUrl":"urn:uuid:claim-)" + std::to_string(i) + R"(","resource":)" + c +
              R"(,"request":{"method":"POST","url":"Claim"}})";
  }
  bundle += "]}";

  cg::transforms::InputLimits limits;
  limits.max_fhir_bytes = 1u << 30;
  limits.max_fhir_entries = 10'000'000;
  std::size_t claims = 0, findings = 0, sink = 0;
  auto on_claim = [&](cg::rules::Claim&& c, cg::rules::Findings&& f) {
    ++claims;
    findings += f.size();
    sink += c.lines.size();
  };
  auto on_error = [&](cg::rules::Finding&&) { ++findings; };

  std::printf("claims: %d, NDJSON %zu bytes (%.0f bytes/claim), Bundle %zu bytes, best of %d\n\n", n, ndjson.size(),
              static_cast<double>(ndjson.size()) / n, bundle.size(), reps);
  std::printf("%-8s %-36s %12s %9s %9s %9s\n", "input", "what", "claims/s", "MB/s", "ms", "vs base");

  // The full pipeline needs the ICD-10-CM index of the build tree.
  std::unique_ptr<cg::engine::Pipeline> pipeline;
  {
    auto loaded = cg::codesets::Icd10Index::load(std::string(CG_BINARY_DIR) + "/icd10cm.cgx");
    if (auto* idx = std::get_if<std::shared_ptr<const cg::codesets::Icd10Index>>(&loaded)) {
      cg::engine::PipelineOptions po;
      po.codes = *idx;
      pipeline = std::make_unique<cg::engine::Pipeline>(std::move(po));
    } else {
      std::printf("(no full pipeline row: cannot load %s/icd10cm.cgx: %s)\n", CG_BINARY_DIR,
                  std::get<std::string>(loaded).c_str());
    }
  }

  const auto lines = lines_of(ndjson);
  std::vector<char> buf;
  // The flags read_fhir_claims uses, for the in-situ baseline.
  constexpr unsigned kFlags = rapidjson::kParseInsituFlag | rapidjson::kParseValidateEncodingFlag |
                              rapidjson::kParseIterativeFlag | rapidjson::kParseNumbersAsStringsFlag;
  auto insitu = [&](std::string_view text, rapidjson::MemoryPoolAllocator<>& pool) {
    buf.assign(text.begin(), text.end());
    buf.resize(buf.size() + 17, '\0');  // NUL + SSE4.2 padding
    pool.Clear();
    rapidjson::Document d(&pool);
    d.ParseInsitu<kFlags>(buf.data());
    sink += d.IsObject() ? d.MemberCount() : 0;
  };

  for (int pass = 0; pass < 2; ++pass) {
    const bool nd = pass == 0;
    const std::string& input = nd ? ndjson : bundle;
    const char* name = nd ? "NDJSON" : "Bundle";
    const double base = best_of(reps, [&] {
      if (nd) {
        for (auto l : lines) {
          rapidjson::Document d;
          d.Parse(l.data(), l.size());
          sink += d.IsObject() ? d.MemberCount() : 0;
        }
      } else {
        rapidjson::Document d;
        d.Parse(bundle.data(), bundle.size());
        sink += d.IsObject() ? d.MemberCount() : 0;
      }
    });
    rapidjson::MemoryPoolAllocator<> pool;
    const double base2 = best_of(reps, [&] {
      if (nd) {
        for (auto l : lines) insitu(l, pool);
      } else {
        insitu(bundle, pool);
      }
    });
    claims = 0;
    findings = 0;
    const double ours = best_of(reps, [&] {
      claims = 0;
      (void)cg::transforms::read_fhir_claims(input, "bench", limits, on_claim, on_error);
    });
    row(name, "baseline rapidjson::Document::Parse", static_cast<std::size_t>(n), input.size(), base, base);
    row(name, "baseline in situ, same flags", static_cast<std::size_t>(n), input.size(), base2, base);
    row(name, "read_fhir_claims (parse + map)", claims, input.size(), ours, base);
    if (claims != static_cast<std::size_t>(n) || findings != 0)
      std::printf("!! expected %d claims without findings, got %zu claims, %zu findings\n", n, claims, findings);
    if (nd && pipeline) {
      std::size_t outcomes = 0, rejected = 0;
      std::map<std::string, std::size_t> by_rule;
      const double full = best_of(reps, [&] {
        outcomes = rejected = 0;
        by_rule.clear();
        auto stream = pipeline->begin_validation(
            "bench", "bench", cg::rules::Date{2026, 1, 15},
            [&](cg::transforms::ClaimVerdict&& o) {
              ++outcomes;
              rejected += o.verdict.accepted ? 0 : 1;
              for (const auto& f : o.verdict.findings) ++by_rule[f.rule];
            },
            [&](cg::rules::Finding&&) { ++findings; });
        constexpr std::size_t kChunk = 1u << 20;
        for (std::size_t i = 0; i < input.size(); i += kChunk) stream->feed(std::string_view(input).substr(i, kChunk));
        (void)stream->finish();
      });
      row(name, "full pipeline (parse + map + rules)", outcomes, input.size(), full, base);
      std::printf("%-8s (%zu of %zu claims rejected by the rules; findings:", "", rejected, outcomes);
      for (const auto& [rule, count] : by_rule) std::printf(" %s %zu", rule.c_str(), count);
      std::printf(")\n");
    }
  }
  std::printf("\n(sink %zu)\n", sink);
  return 0;
}
