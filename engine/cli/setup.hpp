// Start-up steps `claimgate serve` and `claimgate stream` share: the log from the "log"
// section, and the code set (code_set, else the installed index).
#pragma once

#include "engine/config.hpp"
#include "engine/pipeline.hpp"

#include <string>

namespace cg::engine {

// Opens log.file (or stderr) at log.level. Returns the descriptor (2 for stderr), -1 when the
// file cannot be opened (`error` says why).
[[nodiscard]] int open_log(const ServerConfig& config, std::string& error);

// Loads the ICD-10-CM index into `out.codes`. Returns false with `error` set when it cannot.
[[nodiscard]] bool load_code_set(const ServerConfig& config, PipelineOptions& out, std::string& error);

}  // namespace cg::engine
