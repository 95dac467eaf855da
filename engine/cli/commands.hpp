// The `claimgate` subcommands. Each takes its arguments (without the program and command
// name), writes to stdout/stderr, and returns the process exit code. They never throw.
#pragma once

#include <string>
#include <vector>

namespace cg::engine {

using Args = std::vector<std::string>;

int cmd_parse(const Args& args);          // engine/cli/parse.cpp
int cmd_validate(const Args& args);       // engine/cli/validate.cpp
int cmd_ack(const Args& args);            // engine/cli/validate.cpp
int cmd_code(const Args& args);           // engine/cli/code.cpp
int cmd_code_set(const Args& args);       // engine/cli/code.cpp ("code-set build ...")
int cmd_serve(const Args& args);          // engine/cli/serve.cpp
int cmd_dead_letter(const Args& args);    // engine/cli/serve.cpp ("dead-letter list|replay")
int cmd_audit(const Args& args);          // engine/cli/audit.cpp ("audit verify FILE")
int cmd_stream(const Args& args);         // engine/cli/stream.cpp (the Kafka worker)
int cmd_convert(const Args& args);        // engine/cli/convert.cpp (X12 837 <-> FHIR R4)

}  // namespace cg::engine
