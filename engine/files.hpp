// Small POSIX file helpers shared by the spool and the forwarder's sinks. They return false on
// failure with errno set; they never throw.
//
// Every write and fsync of the spool, the outbox and the dead-letter folder goes through
// write_all / sync_data / sync_file (and fsync_dir), so that tests can make any one of them
// fail: set_fault_hook installs a function asked before each call; a non-zero answer is the
// errno the call then fails with (ENOSPC, EIO ...) without touching the file.
#pragma once

#include <cstddef>
#include <string>

namespace cg::engine {

// mkdir -p (mode 0750).
[[nodiscard]] bool make_dirs(const std::string& path);
// fsync of a directory, so that renames and creations in it are durable.
[[nodiscard]] bool fsync_dir(const std::string& dir);

// write(2) until everything is written (EINTR retried).
[[nodiscard]] bool write_all(int fd, const char* data, std::size_t size);
[[nodiscard]] bool sync_data(int fd);  // fdatasync(2)
[[nodiscard]] bool sync_file(int fd);  // fsync(2)

// The whole of a regular file of at most max_bytes into out (configuration, secrets): a FIFO, a
// device (/dev/zero) or a directory is refused rather than read, since it could block or never
// end. Returns why it could not be read; empty on success.
[[nodiscard]] std::string read_regular_file(const std::string& path, std::size_t max_bytes, std::string& out);

enum class FileOp { Write, Sync };
using FaultHook = int (*)(FileOp);
// Tests only; nullptr removes the hook. Thread-safe.
void set_fault_hook(FaultHook hook) noexcept;

}  // namespace cg::engine
