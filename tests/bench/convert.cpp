// Translation throughput (issue 14), side by side in one run on the same generated claims:
//   parse only           X12 837 -> canonical claims (the baseline)
//   X12 -> FHIR          parse + claim_to_fhir (one Bundle per claim)
//   FHIR parse only      the NDJSON of those Bundles -> canonical claims (the baseline back)
//   FHIR -> X12          FHIR parse + Claim837Writer (one interchange)
//
//   build/tests/bench_convert [claims=20000]
#include "tests/support/gen837.hpp"
#include "transforms/claim_fhir.hpp"
#include "transforms/claim_x12.hpp"
#include "transforms/fhir_claims.hpp"
#include "transforms/x12_claims.hpp"

#include <chrono>
#include <cstdio>
#include <cstdlib>

using namespace cg;
using Clock = std::chrono::steady_clock;

namespace {

double seconds_since(Clock::time_point t) { return std::chrono::duration<double>(Clock::now() - t).count(); }

template <class OnClaim>
std::size_t read_x12(const std::string& bytes, OnClaim on_claim) {
  std::size_t n = 0;
  transforms::X12ClaimReader reader(
      "bench", transforms::InputLimits{}, [&](rules::Claim&& c, rules::Findings&&) { ++n, on_claim(c); },
      [](rules::Finding&&) {});
  reader.feed(bytes);
  reader.finish();
  return n;
}

template <class OnClaim>
std::size_t read_fhir(const std::string& ndjson, OnClaim on_claim) {
  std::size_t n = 0;
  transforms::FhirNdjsonStream s("bench", transforms::InputLimits{},
                                 [&](rules::Claim&& c, rules::Findings&&) { ++n, on_claim(c); },
                                 [](rules::Finding&&) {});
  s.feed(ndjson);
  (void)s.finish();
  return n;
}

void row(const char* what, std::size_t claims, double s, std::size_t bytes_out) {
  std::printf("%-22s %8zu claims %8.3f s %10.0f claims/s %8.1f MB out\n", what, claims, s, claims / s,
              bytes_out / 1e6);
}

}  // namespace

int main(int argc, char** argv) {
  const long claims = argc > 1 ? std::atol(argv[1]) : 20000;
  std::string x12;
  for (auto kind : {test::Gen837::Kind::Professional, test::Gen837::Kind::Institutional}) {
    test::Gen837 gen(kind);
    gen.begin(x12);
    for (long i = 0; i < claims / 2; ++i) gen.claim(x12);
    gen.end(x12);
  }
  std::printf("%ld generated claims (837P and 837I), %.1f MB of X12\n", claims, x12.size() / 1e6);

  auto t = Clock::now();
  std::size_t n = read_x12(x12, [](const rules::Claim&) {});
  row("X12 parse only", n, seconds_since(t), 0);

  std::string ndjson;
  std::size_t failed = 0;
  t = Clock::now();
  n = read_x12(x12, [&](const rules::Claim& c) {
    const transforms::Conversion r = transforms::claim_to_fhir(c, transforms::FhirBundleType::Collection);
    if (!r.ok()) ++failed;
    ndjson += r.text;
    ndjson += '\n';
  });
  row("X12 -> FHIR", n, seconds_since(t), ndjson.size());

  t = Clock::now();
  n = read_fhir(ndjson, [](const rules::Claim&) {});
  row("FHIR parse only", n, seconds_since(t), 0);

  std::string out;
  transforms::X12Stamp stamp;
  transforms::X12WriteOptions o;
  o.sender.id = "CLAIMGATE";
  o.receiver.id = "PAYER";
  o.contact_phone = "6155550100";
  t = Clock::now();
  {
    transforms::Claim837Writer w(o, stamp, [&](std::string_view s) { out += s; });
    n = read_fhir(ndjson, [&](const rules::Claim& c) {
      if (!w.add(c).ok()) ++failed;
    });
    w.finish();
  }
  row("FHIR -> X12", n, seconds_since(t), out.size());
  if (failed) std::printf("%zu conversions failed\n", failed);
  return failed ? 1 : 0;
}
