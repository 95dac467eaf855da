// The one source of identifiers claimgate makes up: the ids of generated FHIR resources
// (OperationOutcome, ClaimResponse, batch-response Bundle) and the server's request ids, for
// every front end (CLI, server, C ABI). The Kafka worker uses the record's topic/partition/offset
// instead (engine/stream/record.hpp), so a replayed record answers byte for byte the same.
//
// An id is "<process id>-<n>": the process id is 128 random bits drawn once per process from the
// operating system (32 lowercase hex digits), n counts 1, 2, ... within the process. Two runs, two
// processes or two hosts never share an id (a collision of the random part is ~2^-64 after 2^32
// processes), and nothing has to be persisted.
//
// Thread safety: both functions may be called from any thread.
#pragma once

#include <cstdint>
#include <string>

namespace cg::engine {

// This process's random identity: 32 lowercase hex digits, the same for the whole run.
[[nodiscard]] const std::string& process_id();

// The next number of this process: 1, 2, ... (never 0), never twice within the process.
[[nodiscard]] std::uint64_t next_id_number() noexcept;

// "<process_id()>-<n>" for the given number.
[[nodiscard]] std::string unique_id(std::uint64_t n);

// A fresh id: unique_id(next_id_number()).
[[nodiscard]] std::string unique_id();

}  // namespace cg::engine
