// Benchmark: the compiled ICD-10-CM index versus a std::unordered_map<std::string, ...> built
// from the same FY2026 order file, in the same run. Prints load time, index size, and per-lookup
// median / p99 (timed in batches of 64 lookups; per-lookup time = batch time / 64), plus the
// heap allocations made by the index lookups (expected 0).
//
// The same for the ICD-10-PCS part of the index: every FY2026 ICD-10-PCS code (plus 10 %
// unknown) against an unordered_map of the FY2026 ICD-10-PCS order file.
//
// usage: bench_codeset_lookup [INDEX] [ORDER_FILE] [PCS_ORDER_FILE]
//   defaults: CG_BINARY_DIR/icd10cm.cgx and the bundled FY2026 order files.
#include "rulesets/codesets/icd10cm.hpp"
#include "rulesets/codesets/icd10cm_compiler.hpp"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <new>
#include <random>
#include <string>
#include <unordered_map>
#include <vector>

namespace {
std::atomic<std::size_t> g_allocations{0};
}

void* operator new(std::size_t n) {
  g_allocations.fetch_add(1, std::memory_order_relaxed);
  if (void* p = std::malloc(n ? n : 1)) return p;
  throw std::bad_alloc();
}
void operator delete(void* p) noexcept { std::free(p); }
void operator delete(void* p, std::size_t) noexcept { std::free(p); }

namespace {

using Clock = std::chrono::steady_clock;
constexpr int kBatch = 64;

struct Stats {
  double median_ns;
  double p99_ns;
};

template <class F>
Stats measure(const std::vector<std::string>& queries, int rounds, F&& lookup, unsigned& sink) {
  std::vector<double> per;
  per.reserve(queries.size() / kBatch * static_cast<std::size_t>(rounds));
  for (int r = 0; r < rounds; ++r)
    for (std::size_t i = 0; i + kBatch <= queries.size(); i += kBatch) {
      const auto t0 = Clock::now();
      for (int j = 0; j < kBatch; ++j) sink += lookup(queries[i + static_cast<std::size_t>(j)]);
      const auto t1 = Clock::now();
      per.push_back(std::chrono::duration<double, std::nano>(t1 - t0).count() / kBatch);
    }
  std::sort(per.begin(), per.end());
  return {per[per.size() / 2], per[per.size() * 99 / 100]};
}

}  // namespace

int main(int argc, char** argv) {
  const std::string index_path = argc > 1 ? argv[1] : CG_BINARY_DIR "/icd10cm.cgx";
  const std::string order_path =
      argc > 2 ? argv[2] : CG_SOURCE_DIR "/rulesets/codesets/icd10cm/fy2026/icd10cm_order_2026.txt.xz";
  const auto on = *cg::rules::parse_iso_date("2026-03-02");

  // Load: median of 15 loads.
  std::vector<double> loads;
  std::shared_ptr<const cg::codesets::Icd10Index> idx;
  for (int i = 0; i < 15; ++i) {
    const auto t0 = Clock::now();
    auto v = cg::codesets::Icd10Index::load(index_path);
    const auto t1 = Clock::now();
    if (auto* e = std::get_if<std::string>(&v)) {
      std::fprintf(stderr, "%s\n", e->c_str());
      return 2;
    }
    idx = std::get<0>(v);
    loads.push_back(std::chrono::duration<double, std::milli>(t1 - t0).count());
  }
  std::sort(loads.begin(), loads.end());

  // Baseline: the FY2026 order file in an unordered_map keyed by the code without the dot.
  std::vector<cg::codesets::OrderEntry> entries;
  if (auto e = cg::codesets::read_order_file(order_path, entries); !e.empty()) {
    std::fprintf(stderr, "%s\n", e.c_str());
    return 2;
  }
  const auto b0 = Clock::now();
  std::unordered_map<std::string, unsigned char> baseline;
  baseline.reserve(entries.size());
  std::size_t baseline_bytes = 0;
  for (const auto& e : entries) {
    baseline.emplace(e.code, e.billable ? 1 : 2);
    baseline_bytes += sizeof(std::pair<const std::string, unsigned char>) + 2 * sizeof(void*) +
                      (e.code.size() > 15 ? e.code.size() + 1 : 0);
  }
  baseline_bytes += baseline.bucket_count() * sizeof(void*);
  const double baseline_build_ms = std::chrono::duration<double, std::milli>(Clock::now() - b0).count();

  // Queries: every FY2026 code, dotted as claims carry them, shuffled; plus 10% unknown codes.
  std::vector<std::string> queries;
  for (const auto& e : entries) queries.push_back(e.code.size() > 3 ? e.code.substr(0, 3) + "." + e.code.substr(3) : e.code);
  std::mt19937 rng(42);
  for (std::size_t i = 0; i < entries.size() / 10; ++i) queries.push_back("Z" + std::to_string(rng() % 100) + ".Q9");
  std::shuffle(queries.begin(), queries.end(), rng);

  unsigned sink = 0;
  const auto index_lookup = [&](const std::string& q) { return static_cast<unsigned>(idx->status(q, on)); };
  const auto map_lookup = [&](const std::string& q) {
    char buf[16];
    std::size_t n = 0;
    for (char c : q)
      if (c != '.' && n < sizeof buf) buf[n++] = c;
    const auto it = baseline.find(std::string(buf, n));
    return it == baseline.end() ? 0u : static_cast<unsigned>(it->second);
  };
  measure(queries, 1, index_lookup, sink);  // warm-up
  measure(queries, 1, map_lookup, sink);
  const std::size_t alloc0 = g_allocations.load();
  for (const auto& q : queries) sink += index_lookup(q);
  const std::size_t index_allocs = g_allocations.load() - alloc0;
  const Stats si = measure(queries, 5, index_lookup, sink);
  const Stats sm = measure(queries, 5, map_lookup, sink);

  std::printf("ICD-10-CM code-set lookup benchmark (%zu queries x 5 rounds, batches of %d; date %s)\n",
              queries.size(), kBatch, on.iso().c_str());
  std::printf("%-34s %14s %16s\n", "", "index (.cgx)", "unordered_map");
  std::printf("%-34s %14zu %16zu\n", "releases", idx->releases().size(), std::size_t{1});
  std::printf("%-34s %14.2f %16.2f\n", "load / build (ms, median of 15)", loads[loads.size() / 2], baseline_build_ms);
  std::printf("%-34s %14zu %16zu\n", "size (bytes; map: estimated heap)", idx->size_bytes(), baseline_bytes);
  std::printf("%-34s %14.1f %16.1f\n", "lookup median (ns)", si.median_ns, sm.median_ns);
  std::printf("%-34s %14.1f %16.1f\n", "lookup p99 (ns)", si.p99_ns, sm.p99_ns);
  std::printf("%-34s %14zu %16s\n", "heap allocations in index lookups", index_allocs, "-");

  // ICD-10-PCS: the index's procedure code sets against a map of the FY2026 PCS order file.
  const std::string pcs_path =
      argc > 3 ? argv[3] : CG_SOURCE_DIR "/rulesets/codesets/icd10pcs/fy2026/icd10pcs_order_2026.txt.xz";
  std::string pcs_text;
  if (auto e = cg::codesets::read_data_file(pcs_path, pcs_text); !e.empty()) {
    std::fprintf(stderr, "%s\n", e.c_str());
    return 2;
  }
  const auto p0 = Clock::now();
  std::unordered_map<std::string, unsigned char> pcs_map;
  std::vector<std::string> pcs_queries;
  for (std::size_t pos = 0; pos + 15 < pcs_text.size();) {
    const std::size_t nl = pcs_text.find('\n', pos);
    std::string code = pcs_text.substr(pos + 6, 7);
    code.erase(code.find_last_not_of(' ') + 1);
    pcs_map.emplace(code, pcs_text[pos + 14] == '1' ? 1 : 2);
    pcs_queries.push_back(code);
    if (nl == std::string::npos) break;
    pos = nl + 1;
  }
  const double pcs_build_ms = std::chrono::duration<double, std::milli>(Clock::now() - p0).count();
  const std::size_t pcs_known = pcs_queries.size();
  for (std::size_t i = 0; i < pcs_known / 10; ++i) pcs_queries.push_back("0Z" + std::to_string(rng() % 100000));
  std::shuffle(pcs_queries.begin(), pcs_queries.end(), rng);
  const auto& procs = idx->procedures();
  const auto pcs_index = [&](const std::string& q) {
    return static_cast<unsigned>(procs.status(cg::codesets::ProcedureCatalog::Icd10Pcs, q, on));
  };
  const auto pcs_lookup_map = [&](const std::string& q) {
    const auto it = pcs_map.find(q);
    return it == pcs_map.end() ? 0u : static_cast<unsigned>(it->second);
  };
  measure(pcs_queries, 1, pcs_index, sink);
  measure(pcs_queries, 1, pcs_lookup_map, sink);
  const std::size_t palloc0 = g_allocations.load();
  for (const auto& q : pcs_queries) sink += pcs_index(q);
  const std::size_t pcs_allocs = g_allocations.load() - palloc0;
  const Stats pi = measure(pcs_queries, 5, pcs_index, sink);
  const Stats pm = measure(pcs_queries, 5, pcs_lookup_map, sink);
  std::printf("\nICD-10-PCS lookups in the same index (%zu queries x 5 rounds; %zu PCS releases, %zu procedure "
              "codes and modifiers in the index)\n",
              pcs_queries.size(), procs.releases(cg::codesets::ProcedureCatalog::Icd10Pcs).size(), procs.code_count());
  std::printf("%-34s %14s %16s\n", "", "index (.cgx)", "unordered_map");
  std::printf("%-34s %14s %16.2f\n", "build (ms; index: loaded above)", "-", pcs_build_ms);
  std::printf("%-34s %14.1f %16.1f\n", "lookup median (ns)", pi.median_ns, pm.median_ns);
  std::printf("%-34s %14.1f %16.1f\n", "lookup p99 (ns)", pi.p99_ns, pm.p99_ns);
  std::printf("%-34s %14zu %16s\n", "heap allocations in index lookups", pcs_allocs, "-");
  std::printf("(checksum %u)\n", sink);
  return 0;
}
