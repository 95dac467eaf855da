// The floor for `claimgate validate` on an 837 file: one pass over the bytes that tokenizes every
// segment, counts the diagnoses of each claim (HI) and checks that every service line's
// diagnosis pointers (SV107 on 837P, SV311 on 837D) name one of them. No guide, no code set, no
// model: what any validator must at least do. Issue 16 asks the whole command to stay within 3x
// of this. Reads the file in 1 MiB chunks as the command does; prints MB/s of CPU time.
//
//   build/tests/bench_scan_baseline FILE
#include <sys/resource.h>

#include <cstdio>
#include <cstring>
#include <string>
#include <string_view>
#include <vector>

namespace {

double cpu_seconds() {
  rusage u{};
  getrusage(RUSAGE_SELF, &u);
  return static_cast<double>(u.ru_utime.tv_sec + u.ru_stime.tv_sec) +
         static_cast<double>(u.ru_utime.tv_usec + u.ru_stime.tv_usec) / 1e6;
}

struct Scan {
  char element = '*', component = ':', segment = '~';
  std::size_t segments = 0, claims = 0, pointers = 0, bad_pointers = 0;
  unsigned diagnoses = 0;

  // Element `n` (1-based) of a segment, or empty.
  std::string_view element_at(std::string_view seg, unsigned n) const {
    for (unsigned i = 0; i < n; ++i) {
      const std::size_t at = seg.find(element);
      if (at == std::string_view::npos) return {};
      seg.remove_prefix(at + 1);
    }
    return seg.substr(0, seg.find(element));
  }

  void pointers_in(std::string_view v) {
    while (!v.empty()) {
      const std::size_t at = v.find(component);
      const std::string_view p = v.substr(0, at);
      unsigned n = 0;
      for (char c : p) n = n * 10 + static_cast<unsigned>(c - '0');
      ++pointers;
      bad_pointers += n == 0 || n > diagnoses;
      if (at == std::string_view::npos) break;
      v.remove_prefix(at + 1);
    }
  }

  void segment_of(std::string_view seg) {
    while (!seg.empty() && (seg.front() == '\n' || seg.front() == '\r')) seg.remove_prefix(1);
    ++segments;
    const std::string_view id = seg.substr(0, seg.find(element));
    if (id == "CLM") {
      ++claims;
      diagnoses = 0;
    } else if (id == "HI") {
      for (char c : seg) diagnoses += c == element;
    } else if (id == "SV1") {
      pointers_in(element_at(seg, 7));
    } else if (id == "SV3") {
      pointers_in(element_at(seg, 11));
    }
  }
};

}  // namespace

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: bench_scan_baseline FILE\n");
    return 2;
  }
  std::FILE* f = std::fopen(argv[1], "rb");
  if (f == nullptr) {
    std::perror(argv[1]);
    return 2;
  }
  const double start = cpu_seconds();
  Scan scan;
  std::vector<char> chunk(1u << 20);
  std::string carry;
  std::size_t bytes = 0;
  bool first = true;
  for (;;) {
    const std::size_t n = std::fread(chunk.data(), 1, chunk.size(), f);
    if (n == 0) break;
    bytes += n;
    std::string_view buf(chunk.data(), n);
    if (first && n > 106 && buf.substr(0, 3) == "ISA") {
      scan.element = buf[3];
      scan.component = buf[104];
      scan.segment = buf[105];
      first = false;
    }
    std::size_t begin = 0;
    for (;;) {
      const void* t = std::memchr(buf.data() + begin, scan.segment, buf.size() - begin);
      if (t == nullptr) break;
      const std::size_t end = static_cast<std::size_t>(static_cast<const char*>(t) - buf.data());
      if (!carry.empty()) {
        carry.append(buf.substr(begin, end - begin));
        scan.segment_of(carry);
        carry.clear();
      } else {
        scan.segment_of(buf.substr(begin, end - begin));
      }
      begin = end + 1;
    }
    carry.append(buf.substr(begin));
  }
  std::fclose(f);
  const double cpu = cpu_seconds() - start;
  const double mb = static_cast<double>(bytes) / 1e6;
  std::printf("scan baseline: %.1f MB, %zu segments, %zu claims, %zu pointers (%zu bad), %.3f CPU s, %.0f MB/s\n", mb,
              scan.segments, scan.claims, scan.pointers, scan.bad_pointers, cpu, cpu > 0 ? mb / cpu : 0.0);
  return 0;
}
