// The pipeline a configuration describes (`claimgate serve` and the C ABI's cg_engine_new read
// the same keys): the routing by target format, the rule sets of "rules" (default, by_payer, by_sender; packs by name from
// rules.packs_dir or the installed packs (engine/data_paths.hpp), or by path) and the "identity". The code set is loaded by
// the caller (each front end has its own default location).
#pragma once

#include "engine/config.hpp"
#include "engine/pipeline.hpp"

#include <filesystem>

namespace cg::engine {

// Throws ConfigError naming the key, e.g. "rules.by_payer.87726: unknown pack 'x'". anchor: the
// folder packs are looked up from when rules.packs_dir is not set (find_packs_dir; default the
// executable's, the C library passes its own).
// The routing of forward.targets.NAME.format (by_payer, default_target): what pipeline_options
// sets; and that of stream.topic_formats (payer_topics, "*"), which `claimgate stream` uses instead.
[[nodiscard]] Routing forward_routing(const ForwardConfig& forward);
[[nodiscard]] Routing stream_routing(const StreamConfig& stream);

[[nodiscard]] PipelineOptions pipeline_options(const ServerConfig& config, const std::filesystem::path& anchor = {});

}  // namespace cg::engine
