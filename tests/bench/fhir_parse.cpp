// FHIR parse-to-Claims throughput, side by side with plain RapidJSON in the same run.
//
// Generates a deterministic batch of realistic professional Claims (contained Patient,
// billing Organization with NPI, Coverage and payer Organization; 2-6 ICD-10-CM diagnoses,
// 1-5 items with pointers, modifiers, dates, money; about 3 KB each) as NDJSON and as one
// batch Bundle, then times:
//   read_fhir_claims    parse (in situ, UTF-8 validation, depth guard) + map to rules::Claim
//   baseline Document   rapidjson::Document().Parse(text), default flags, no mapping
//   baseline in situ    the same parser flags read_fhir_claims uses, reused buffers, no mapping
// Best of `reps` runs. Usage: bench_fhir_parse [claims=20000] [reps=5]
#include "transforms/fhir_claims.hpp"

#include <rapidjson/document.h>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
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

const char* const kDx[] = {"M54.50", "M54.16", "G89.29", "M51.36", "M47.816", "M96.1", "E11.9", "I10",
                           "M43.01", "G89.4",  "M54.59", "S32.009A", "Z79.899", "M51.A1"};
const char* const kCpt[] = {"99213", "99214", "62323", "64483", "72148", "97110", "63030", "20610"};
const char* const kHcpcs[] = {"J1030", "J3301", "G0283", "A4550"};

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
                R"({"resourceType":"Organization","id":"prov","identifier":[{"system":"http://hl7.org/fhir/sid/us-npi","value":"1%09u"},{"system":"urn:oid:2.16.840.1.113883.4.4","value":"37%07u"}],"name":"SPRINGFIELD SPINE AND PAIN CENTER","address":[{"line":["100 MAIN STREET"],"city":"SPRINGFIELD","state":"IL","postalCode":"62701"}]},)",
                r.next() % 1000000000u, r.next() % 10000000u);
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
  const int ndx = 2 + static_cast<int>(r.below(5));
  s += R"("diagnosis":[)";
  for (int i = 1; i <= ndx; ++i) {
    std::snprintf(buf, sizeof buf,
                  R"(%s{"sequence":%d,"diagnosisCodeableConcept":{"coding":[{"system":"http://hl7.org/fhir/sid/icd-10-cm","code":"%s"}]}%s})",
                  i > 1 ? "," : "", i, kDx[r.below(sizeof kDx / sizeof *kDx)],
                  i == 1 ? R"(,"type":[{"coding":[{"system":"http://terminology.hl7.org/CodeSystem/ex-diagnosistype","code":"principal"}]}])" : "");
    s += buf;
  }
  s += R"(],"insurance":[{"sequence":1,"focal":true,"coverage":{"reference":"#cov"}}],"item":[)";
  const int nitems = 1 + static_cast<int>(r.below(5));
  long total_cents = 0;
  for (int i = 1; i <= nitems; ++i) {
    const bool hcpcs = r.below(4) == 0;
    const unsigned qty = 1 + r.below(3);
    const unsigned price = 2500 + r.below(40000);  // cents
    total_cents += static_cast<long>(qty * price);
    std::snprintf(buf, sizeof buf,
                  R"(%s{"sequence":%d,"careTeamSequence":[1],"diagnosisSequence":[%d%s],"productOrService":{"coding":[{"system":"%s","code":"%s"}]},)",
                  i > 1 ? "," : "", i, 1 + static_cast<int>(r.below(static_cast<unsigned>(ndx))), ndx > 1 ? ",2" : "",
                  hcpcs ? "http://www.cms.gov/Medicare/Coding/HCPCSReleaseCodeSets" : "http://www.ama-assn.org/go/cpt",
                  hcpcs ? kHcpcs[r.below(4)] : kCpt[r.below(8)]);
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

double now() {
  return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
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
  }
  std::printf("\n(sink %zu)\n", sink);
  return 0;
}
