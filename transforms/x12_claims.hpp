// X12 837 (P/I/D) syntax -> canonical Claims, streaming: feed bytes in any chunking, claims come
// out as soon as their last segment is read. Syntax errors become Findings (rule ids
// x12.interchange, x12.group, x12.transaction, x12.segment, x12.element) with an X12 location;
// the raw SyntaxError is also passed on for acknowledgments (999/TA1).
#pragma once

#include "parsers/x12/reader.hpp"
#include "transforms/input.hpp"

#include <functional>
#include <memory>

namespace cg::transforms {

using SyntaxErrorCallback = std::function<void(const x12::SyntaxError&)>;

struct X12ReadOptions {
  // Receives every reader event too (envelopes, segments, errors), e.g. to build a 999.
  x12::Handler* observer = nullptr;
  // Copy each claim's segments as received into Claim::x12 raw_* (for re-enveloping and the
  // 277CA). Off by default: validation alone does not need it.
  bool capture_raw = false;
};

class X12ClaimReader {
 public:
  X12ClaimReader(std::string_view source_name, const InputLimits& limits, ClaimCallback on_claim,
                 ErrorCallback on_error, SyntaxErrorCallback on_syntax = {},
                 X12ReadOptions options = {});
  ~X12ClaimReader();
  X12ClaimReader(const X12ClaimReader&) = delete;
  X12ClaimReader& operator=(const X12ClaimReader&) = delete;

  void feed(std::string_view chunk);
  void finish();

  [[nodiscard]] std::size_t claims() const;
  [[nodiscard]] std::size_t errors() const;        // syntax errors of any level
  [[nodiscard]] std::uint32_t interchanges() const;

  // For reading runs of transaction sets elsewhere (transforms/x12_parallel.hpp): the reader,
  // and the claims and syntax errors of a run another X12ClaimReader read.
  [[nodiscard]] x12::Reader& reader();
  [[nodiscard]] const x12::Reader& reader() const;
  void add_counts(std::size_t claims, std::size_t errors);

 private:
  class Builder;
  std::unique_ptr<Builder> builder_;
  std::unique_ptr<x12::Reader> reader_;
};

// The Finding for a syntax error (rule id by level, severity reject, X12 location).
[[nodiscard]] rules::Finding to_finding(const x12::SyntaxError& e);

}  // namespace cg::transforms
