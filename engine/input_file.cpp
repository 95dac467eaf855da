#include "engine/input_file.hpp"

#include "transforms/x12_claims.hpp"

#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <unistd.h>

namespace cg::engine {
namespace {

constexpr std::size_t kChunk = 1u << 20;

// Reads up to n bytes (fewer only at end of file). Returns -1 on error.
ssize_t read_full(int fd, char* buf, std::size_t n) {
  std::size_t got = 0;
  while (got < n) {
    const ssize_t r = ::read(fd, buf + got, n - got);
    if (r < 0) {
      if (errno == EINTR) continue;
      return -1;
    }
    if (r == 0) break;
    got += static_cast<std::size_t>(r);
  }
  return static_cast<ssize_t>(got);
}

}  // namespace

FileReadResult read_claims_from_file(const std::string& path, const transforms::InputLimits& limits,
                                     const transforms::ClaimCallback& on_claim,
                                     const transforms::ErrorCallback& on_error,
                                     const std::function<void(const x12::SyntaxError&)>& on_syntax) {
  FileReadResult out;
  const bool stdin_input = path == "-";
  const int fd = stdin_input ? 0 : ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    out.io_error = path + ": " + std::strerror(errno);
    return out;
  }
  std::string buf(kChunk, '\0');
  const ssize_t first = read_full(fd, buf.data(), kChunk);
  if (first < 0) {
    out.io_error = path + ": " + std::strerror(errno);
    if (!stdin_input) ::close(fd);
    return out;
  }
  buf.resize(static_cast<std::size_t>(first));
  const std::string source = stdin_input ? "<stdin>" : path;
  const transforms::InputKind kind = transforms::detect_input(std::string_view(buf).substr(0, 8192));
  if (kind == transforms::InputKind::X12) {
    std::size_t errors = 0;
    auto count = [&](rules::Finding&& f) {
      ++errors;
      on_error(std::move(f));
    };
    transforms::X12ClaimReader reader(source, limits, on_claim, count, on_syntax);
    reader.feed(buf);
    while (buf.size() == kChunk) {
      buf.resize(kChunk);
      const ssize_t n = read_full(fd, buf.data(), kChunk);
      if (n < 0) {
        out.io_error = path + ": " + std::strerror(errno);
        break;
      }
      buf.resize(static_cast<std::size_t>(n));
      reader.feed(buf);
    }
    reader.finish();
    out.summary.kind = kind;
    out.summary.claims = reader.claims();
    out.summary.errors = errors;
    out.summary.usable = reader.interchanges() > 0;
  } else {
    // FHIR (or unrecognized): the whole document, up to the size limit (+1 to detect overflow).
    while (buf.size() <= limits.max_fhir_bytes) {
      const std::size_t old = buf.size();
      if (old % kChunk != 0 || old == 0) break;  // the last read was short: end of file
      buf.resize(old + kChunk);
      const ssize_t n = read_full(fd, buf.data() + old, kChunk);
      if (n < 0) {
        out.io_error = path + ": " + std::strerror(errno);
        break;
      }
      buf.resize(old + static_cast<std::size_t>(n));
      if (static_cast<std::size_t>(n) < kChunk) break;
    }
    if (buf.size() > limits.max_fhir_bytes) {
      rules::Finding f;
      f.rule = "fhir.limit";
      f.message = "the document is larger than the limit of " + std::to_string(limits.max_fhir_bytes) +
                  " bytes";
      on_error(std::move(f));
      out.summary.kind = kind;
      out.summary.errors = 1;
    } else {
      out.summary = transforms::read_claims(buf, source, limits, on_claim, on_error);
    }
  }
  if (!stdin_input) ::close(fd);
  return out;
}

}  // namespace cg::engine
