// X12 837 parse-to-Claims throughput, side by side with a baseline in the same run: a plain scan
// of the same buffer counting segment terminators. Also the peak resident memory while a
// generated 1 GB stream flows through the reader in 1 MiB chunks.
//
//   build/tests/bench_x12_parse [claims=100000] [stream_mb=1024] [guides=PID]
// claims = 0 runs the stream alone, so that its peak RSS is the reader's own. guides: the
// batches to run (P 837P, I 837I, D 837D), e.g. for one guide's instruction counts:
//   valgrind --tool=callgrind build/tests/bench_x12_parse 1000 0 P
// (callgrind_annotate --inclusive=yes: parse, reader_only<true> and reader_only<false> are
// the parse-to-Claims and the reader with and without the guide model, 3 runs each).
#include "tests/support/gen837.hpp"
#include "transforms/x12_claims.hpp"

#include <sys/resource.h>

#include <chrono>
#include <cstring>
#include <string>

using namespace cg;
using Clock = std::chrono::steady_clock;

namespace {

double seconds_since(Clock::time_point t) {
  return std::chrono::duration<double>(Clock::now() - t).count();
}

long peak_rss_kb() {
  rusage u{};
  getrusage(RUSAGE_SELF, &u);
  return u.ru_maxrss;
}

std::string batch(test::Gen837::Kind kind, long claims) {
  test::Gen837 gen(kind);
  std::string out;
  out.reserve(static_cast<std::size_t>(claims) * 900);
  gen.begin(out);
  for (long i = 0; i < claims; ++i) gen.claim(out);
  gen.end(out);
  return out;
}

std::size_t baseline_scan(const std::string& buf) {
  std::size_t n = 0;
  const char* p = buf.data();
  const char* end = p + buf.size();
  while ((p = static_cast<const char*>(std::memchr(p, '~', static_cast<std::size_t>(end - p)))) != nullptr) {
    ++n;
    ++p;
  }
  return n;
}

// noinline: callgrind's inclusive costs of parse and reader_only are the figures compared.
[[gnu::noinline]] std::size_t parse(const std::string& buf, std::size_t& errors) {
  std::size_t claims = 0, diagnoses = 0;
  transforms::X12ClaimReader reader(
      "bench", transforms::InputLimits{},
      [&](rules::Claim&& c, rules::Findings&&) {
        ++claims;
        diagnoses += c.diagnoses.size();
      },
      [&](rules::Finding&&) { ++errors; });
  constexpr std::size_t kChunk = 1u << 20;
  for (std::size_t i = 0; i < buf.size(); i += kChunk) reader.feed(std::string_view(buf).substr(i, kChunk));
  reader.finish();
  errors += reader.errors();
  return claims + (diagnoses == 0 ? 0 : 0);
}

// The reader alone (no claim building), with and without the guide model's checks (loop
// structure, element rules of each place, syntax notes).
// A template, so that the two variants are two functions in a profile.
template <bool guide_model>
[[gnu::noinline]] double reader_only(const std::string& buf, std::size_t& errors) {
  struct Count final : x12::Handler {
    std::size_t errors = 0;
    void on_error(const x12::SyntaxError&) override { ++errors; }
  } sink;
  x12::ReaderLimits limits;
  limits.guide_model = guide_model;
  x12::Reader reader(sink, limits);
  const auto t = Clock::now();
  constexpr std::size_t kChunk = 1u << 20;
  for (std::size_t i = 0; i < buf.size(); i += kChunk) reader.feed(std::string_view(buf).substr(i, kChunk));
  reader.finish();
  errors = sink.errors;
  return seconds_since(t);
}

void run(const char* name, test::Gen837::Kind kind, long claims) {
  const std::string buf = batch(kind, claims);
  const double mb = static_cast<double>(buf.size()) / (1024.0 * 1024.0);
  double best_scan = 1e9, best_parse = 1e9;
  std::size_t segs = 0, parsed = 0, errors = 0;
  for (int rep = 0; rep < 3; ++rep) {
    auto t = Clock::now();
    segs = baseline_scan(buf);
    best_scan = std::min(best_scan, seconds_since(t));
    t = Clock::now();
    errors = 0;
    parsed = parse(buf, errors);
    best_parse = std::min(best_parse, seconds_since(t));
  }
  double best_plain = 1e9, best_model = 1e9;
  std::size_t model_errors = 0, plain_errors = 0;
  for (int rep = 0; rep < 3; ++rep) {
    best_plain = std::min(best_plain, reader_only<false>(buf, plain_errors));
    best_model = std::min(best_model, reader_only<true>(buf, model_errors));
  }
  std::printf("%-6s %8.1f MB %9ld claims %10zu segments  errors=%zu\n", name, mb, claims, segs, errors);
  std::printf("  %-28s %10.0f MB/s %12.0f claims/s\n", "baseline: count terminators", mb / best_scan,
              static_cast<double>(claims) / best_scan);
  std::printf("  %-28s %10.0f MB/s %12.0f claims/s   (%.1fx the baseline time)\n",
              "claimgate parse-to-Claims", mb / best_parse, static_cast<double>(parsed) / best_parse,
              best_parse / best_scan);
  std::printf("  %-28s %10.0f MB/s   errors=%zu\n", "reader, no guide model", mb / best_plain, plain_errors);
  std::printf("  %-28s %10.0f MB/s   errors=%zu   (guide checks: +%.0f%% of the reader's time)\n",
              "reader with guide model", mb / best_model, model_errors, 100.0 * (best_model - best_plain) / best_plain);
  // The parse runs the guide checks; without them it would take best_parse - (best_model - best_plain).
  const double checks = best_model - best_plain;
  std::printf("  %-28s %10.0f%% of a parse-to-Claims without them (%.0f%% of the parse with them)\n",
              "guide checks cost", 100.0 * checks / (best_parse - checks), 100.0 * checks / best_parse);
}

}  // namespace

int main(int argc, char** argv) {
  const long claims = argc > 1 ? std::atol(argv[1]) : 100000;
  const long stream_mb = argc > 2 ? std::atol(argv[2]) : 1024;
  const std::string guides = argc > 3 ? argv[3] : "PID";
  if (claims > 0) {
    std::printf("X12 837 parse benchmark (best of 3, one core)\n");
    if (guides.find('P') != std::string::npos) run("837P", test::Gen837::Kind::Professional, claims);
    if (guides.find('I') != std::string::npos) run("837I", test::Gen837::Kind::Institutional, claims);
    if (guides.find('D') != std::string::npos) run("837D", test::Gen837::Kind::Dental, claims);
  }
  if (stream_mb <= 0) return 0;

  // Streaming: generate and feed chunk by chunk, never holding the whole stream.
  const long rss_before = peak_rss_kb();
  test::Gen837 gen(test::Gen837::Kind::Professional, 7);
  std::size_t got = 0, errors = 0;
  transforms::X12ClaimReader reader(
      "stream", transforms::InputLimits{}, [&](rules::Claim&&, rules::Findings&&) { ++got; },
      [&](rules::Finding&&) { ++errors; });
  std::string chunk;
  gen.begin(chunk);
  std::uint64_t fed = 0;
  const std::uint64_t target = static_cast<std::uint64_t>(stream_mb) << 20;
  const auto t = Clock::now();
  while (fed < target) {
    while (chunk.size() < (1u << 20)) gen.claim(chunk);
    reader.feed(chunk);
    fed += chunk.size();
    chunk.clear();
  }
  gen.end(chunk);
  reader.feed(chunk);
  reader.finish();
  std::printf("stream %.0f MB through the reader in 1 MiB chunks: %zu claims, %zu errors, %.1f s, "
              "peak RSS %ld MB (before the stream: %ld MB)\n",
              static_cast<double>(fed) / (1 << 20), got, errors, seconds_since(t), peak_rss_kb() / 1024,
              rss_before / 1024);
  return 0;
}
