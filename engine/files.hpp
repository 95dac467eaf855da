// Small POSIX file helpers shared by the spool and the forwarder's sinks. They return false on
// failure with errno set; they never throw.
#pragma once

#include <string>

namespace cg::engine {

// mkdir -p (mode 0750).
[[nodiscard]] bool make_dirs(const std::string& path);
// fsync of a directory, so that renames and creations in it are durable.
[[nodiscard]] bool fsync_dir(const std::string& dir);

}  // namespace cg::engine
