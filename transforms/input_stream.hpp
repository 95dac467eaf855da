// Bytes of one input in any chunking -> canonical Claims, X12 or FHIR recognized from the first
// bytes as read_claims() does. X12 streams: memory stays bounded by one claim plus envelope
// context whatever the input size. A FHIR document (or NDJSON) is buffered up to
// InputLimits::max_fhir_bytes and read at finish(); beyond the limit, NDJSON goes on line by line
// (FhirNdjsonStream: the limit is per line, memory one line), anything else becomes one
// fhir.limit error and the rest is skipped. Callbacks as for read_claims(); on_syntax (optional) sees every
// X12 syntax error with its envelope context just before the same error reaches on_claim's
// findings or on_error.
//
// Used by the file reader of the CLI and by the pipeline's validation stream (the C ABI's
// cg_stream_*). One InputStream belongs to one thread at a time.
#pragma once

#include "transforms/input.hpp"
#include "transforms/x12_claims.hpp"
#include "transforms/x12_parallel.hpp"

#include <memory>
#include <string>

namespace cg::transforms {

class FhirNdjsonStream;

class InputStream {
 public:
  InputStream(std::string_view source_name, const InputLimits& limits, ClaimCallback on_claim,
              ErrorCallback on_error, SyntaxErrorCallback on_syntax = {});
  ~InputStream();
  InputStream(const InputStream&) = delete;
  InputStream& operator=(const InputStream&) = delete;

  // Before the first feed: X12 input is read by a ParallelX12Reader on `pool` (null: this
  // thread): each claim goes through evaluate (on any thread) and its ClaimVerdict to on_verdict
  // (this thread, input order) instead of to on_claim. FHIR input still goes to on_claim.
  void read_x12_with(WorkPool* pool, ClaimEvaluator evaluate, VerdictSink on_verdict);

  void feed(std::string_view chunk);
  // Ends the input: reads a buffered FHIR document, closes the X12 reader. Call once.
  ReadSummary finish();

  // Unknown until enough bytes arrived to recognize the input (8 KiB or the end).
  [[nodiscard]] InputKind kind() const { return kind_; }

 private:
  static constexpr std::size_t kDetectBytes = 8192;
  void over_limit();
  void start_x12();
  void feed_x12(std::string_view chunk);

  std::string source_;
  InputLimits limits_;
  ClaimCallback on_claim_;
  ErrorCallback on_error_;
  SyntaxErrorCallback on_syntax_;
  bool decided_ = false;
  bool over_limit_ = false;
  InputKind kind_ = InputKind::Unknown;
  std::size_t errors_ = 0;
  std::string buffer_;  // the head until recognized; then the whole FHIR document
  std::unique_ptr<X12ClaimReader> x12_;
  std::unique_ptr<ParallelX12Reader> px12_;
  WorkPool* pool_ = nullptr;
  ClaimEvaluator evaluate_;
  VerdictSink on_verdict_;
  std::unique_ptr<FhirNdjsonStream> ndjson_;
};

}  // namespace cg::transforms
