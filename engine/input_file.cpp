#include "engine/input_file.hpp"

#include "transforms/input_stream.hpp"

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

std::string read_in_chunks(const std::string& path, const std::function<void(std::string_view)>& feed) {
  const bool stdin_input = path == "-";
  const int fd = stdin_input ? 0 : ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return path + ": " + std::strerror(errno);
  std::string error;
  std::string buf(kChunk, '\0');
  for (;;) {
    buf.resize(kChunk);
    const ssize_t n = read_full(fd, buf.data(), kChunk);
    if (n < 0) {
      error = path + ": " + std::strerror(errno);
      break;
    }
    buf.resize(static_cast<std::size_t>(n));
    feed(buf);
    if (buf.size() < kChunk) break;
  }
  if (!stdin_input) ::close(fd);
  return error;
}

FileReadResult read_claims_from_file(const std::string& path, const transforms::InputLimits& limits,
                                     const transforms::ClaimCallback& on_claim,
                                     const transforms::ErrorCallback& on_error,
                                     const std::function<void(const x12::SyntaxError&)>& on_syntax) {
  FileReadResult out;
  transforms::InputStream input(path == "-" ? "<stdin>" : path, limits, on_claim, on_error, on_syntax);
  bool read = false;
  out.io_error = read_in_chunks(path, [&](std::string_view chunk) {
    read = true;
    input.feed(chunk);
  });
  // A file that could not be opened is not reported on (no "input is empty" error).
  if (read) out.summary = input.finish();
  return out;
}

}  // namespace cg::engine
