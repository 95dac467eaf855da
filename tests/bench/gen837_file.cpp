// Writes a generated 837 batch (tests/support/gen837.hpp: deterministic, synthetic, real codes)
// to standard output, for measuring the command-line tool on big files, e.g. the peak RSS of
// `claimgate validate --out` on a 1,000,000-claim batch (docs/performance.md):
//
//   build/tests/bench_gen837_file 1000000 > /tmp/batch-1m.x12
//   build/tests/bench_gen837_file 100000 institutional > /tmp/batch-100k-i.x12
//   build/tests/bench_gen837_file 100000 dental > /tmp/batch-100k-d.x12
#include "tests/support/gen837.hpp"

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>

int main(int argc, char** argv) {
  const long claims = argc > 1 ? std::atol(argv[1]) : 100000;
  using Kind = cg::test::Gen837::Kind;
  const Kind kind = argc > 2 && std::strcmp(argv[2], "institutional") == 0 ? Kind::Institutional
                    : argc > 2 && std::strcmp(argv[2], "dental") == 0     ? Kind::Dental
                                                                           : Kind::Professional;
  cg::test::Gen837 gen(kind);
  std::string buf;
  gen.begin(buf);
  for (long i = 0; i < claims; ++i) {
    gen.claim(buf);
    if (buf.size() > (1u << 20)) {
      std::fwrite(buf.data(), 1, buf.size(), stdout);
      buf.clear();
    }
  }
  gen.end(buf);
  std::fwrite(buf.data(), 1, buf.size(), stdout);
  return std::fflush(stdout) == 0 ? 0 : 1;
}
