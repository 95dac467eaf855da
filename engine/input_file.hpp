// Reads claims from a file or standard input ("-"), recognizing X12 or FHIR by content.
// X12 is streamed in fixed-size chunks, so memory stays bounded by one claim plus envelope
// context whatever the file size; FHIR documents are read whole (bounded by
// InputLimits::max_fhir_bytes).
#pragma once

#include "parsers/x12/reader.hpp"
#include "transforms/input.hpp"

#include <functional>

#include <string>

namespace cg::engine {

struct FileReadResult {
  transforms::ReadSummary summary;
  std::string io_error;  // non-empty when the file could not be opened or read
};

// Reads a file (or standard input, "-") in chunks of 1 MiB, handing each to `feed` as it
// arrives. Returns an error message naming the file, empty on success.
std::string read_in_chunks(const std::string& path, const std::function<void(std::string_view)>& feed);

// on_syntax (optional) sees every X12 syntax error with its envelope context, just before the
// same error reaches on_claim's findings or on_error as a Finding.
FileReadResult read_claims_from_file(const std::string& path, const transforms::InputLimits& limits,
                                     const transforms::ClaimCallback& on_claim,
                                     const transforms::ErrorCallback& on_error,
                                     const std::function<void(const x12::SyntaxError&)>& on_syntax = {});

}  // namespace cg::engine
