#include "transforms/input_stream.hpp"

#include "transforms/fhir_claims.hpp"

namespace cg::transforms {

InputStream::InputStream(std::string_view source_name, const InputLimits& limits, ClaimCallback on_claim,
                         ErrorCallback on_error, SyntaxErrorCallback on_syntax)
    : source_(source_name),
      limits_(limits),
      on_claim_(std::move(on_claim)),
      on_error_([this, cb = std::move(on_error)](rules::Finding&& f) {
        ++errors_;
        cb(std::move(f));
      }),
      on_syntax_(std::move(on_syntax)) {}

InputStream::~InputStream() = default;

void InputStream::over_limit() {
  over_limit_ = true;
  buffer_.clear();
  buffer_.shrink_to_fit();
  rules::Finding f;
  f.rule = "fhir.limit";
  f.message = "the document is larger than the limit of " + std::to_string(limits_.max_fhir_bytes) + " bytes";
  on_error_(std::move(f));
}

void InputStream::read_x12_with(WorkPool* pool, ClaimEvaluator evaluate, VerdictSink on_verdict) {
  pool_ = pool;
  evaluate_ = std::move(evaluate);
  on_verdict_ = std::move(on_verdict);
}

void InputStream::start_x12() {
  if (evaluate_)
    px12_ = std::make_unique<ParallelX12Reader>(source_, limits_, evaluate_, OutcomeSink{}, on_verdict_, on_error_,
                                                on_syntax_, X12ReadOptions{}, pool_);
  else
    x12_ = std::make_unique<X12ClaimReader>(source_, limits_, on_claim_, on_error_, on_syntax_);
}

void InputStream::feed_x12(std::string_view chunk) {
  if (px12_)
    px12_->feed(chunk);
  else
    x12_->feed(chunk);
}

void InputStream::feed(std::string_view chunk) {
  if (x12_ || px12_) {
    feed_x12(chunk);
    return;
  }
  if (ndjson_) {
    ndjson_->feed(chunk);
    return;
  }
  if (over_limit_ || (decided_ && kind_ == InputKind::Unknown)) return;
  if (!decided_) {
    if (buffer_.size() + chunk.size() < kDetectBytes) {
      buffer_.append(chunk);
      return;
    }
    // Recognize from the first kDetectBytes without copying a large chunk.
    std::string head = buffer_;
    head.append(chunk.substr(0, kDetectBytes - head.size()));
    decided_ = true;
    kind_ = detect_input(head);
    if (kind_ == InputKind::X12) {
      start_x12();
      feed_x12(buffer_);
      buffer_.clear();
      buffer_.shrink_to_fit();
      feed_x12(chunk);
      return;
    }
    if (kind_ == InputKind::Unknown) {
      buffer_ = std::move(head);
      return;
    }
  }
  if (buffer_.size() + chunk.size() > limits_.max_fhir_bytes) {
    // NDJSON has the limit per line: from here on it is read line by line as it arrives.
    if (FhirNdjsonStream::recognizes(buffer_)) {
      ndjson_ = std::make_unique<FhirNdjsonStream>(source_, limits_, on_claim_, on_error_);
      ndjson_->feed(buffer_);
      std::string().swap(buffer_);
      ndjson_->feed(chunk);
      return;
    }
    over_limit();
    return;
  }
  buffer_.append(chunk);
}

ReadSummary InputStream::finish() {
  ReadSummary summary;
  if (!decided_) {
    decided_ = true;
    kind_ = detect_input(buffer_);
  }
  summary.kind = kind_;
  if (kind_ == InputKind::X12 && !x12_ && !px12_) {
    // A short X12 input (under kDetectBytes) arrives whole at the end.
    start_x12();
    feed_x12(buffer_);
    buffer_.clear();
  }
  if (x12_) {
    x12_->finish();
    summary.claims = x12_->claims();
    summary.usable = x12_->interchanges() > 0;
  } else if (px12_) {
    px12_->finish();
    summary.claims = px12_->claims();
    summary.usable = px12_->interchanges() > 0;
  } else if (ndjson_) {
    const ReadSummary r = ndjson_->finish();
    summary.claims = r.claims;
    summary.usable = r.usable;
  } else if (!over_limit_) {
    const ReadSummary r = read_claims(buffer_, source_, limits_, on_claim_, on_error_);
    summary.claims = r.claims;
    summary.usable = r.usable;
    buffer_.clear();
    buffer_.shrink_to_fit();
  }
  summary.errors = errors_;
  return summary;
}

}  // namespace cg::transforms
