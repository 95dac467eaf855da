// One entry point from bytes to canonical Claims, whatever the syntax: X12 837 (P/I/D) or
// FHIR R4 (Claim, Bundle, NDJSON), recognized by content, not by file name.
//
// Input problems become Findings with rule ids "x12.*" (syntax, envelopes, counts) or
// "fhir.*" (JSON syntax, datatypes, required elements), severity reject: those tied to one
// claim are handed over with that claim; the others (envelope, a resource that is not a
// Claim ...) go to on_error. Claims keep flowing after an error: one bad transaction or one
// bad Bundle entry does not stop the others.
#pragma once

#include "rulesets/core/claim.hpp"
#include "rulesets/core/finding.hpp"

#include <cstddef>
#include <functional>
#include <string_view>

namespace cg::transforms {

enum class InputKind { X12, Fhir, Unknown };

// Looks at the first bytes (after a UTF-8 BOM and whitespace): "ISA" is X12, '{' is FHIR JSON
// or NDJSON. UTF-16 (a BOM or NULs) and anything else is Unknown.
[[nodiscard]] InputKind detect_input(std::string_view head);

struct InputLimits {
  std::size_t max_claim_segments = 100000;  // X12: segments in one claim
  std::size_t max_fhir_bytes = 64u << 20;   // one FHIR document / one NDJSON line
  unsigned max_fhir_depth = 64;
  std::size_t max_fhir_entries = 100000;    // Bundle entries / NDJSON lines
  // FHIR: keep each Claim resource's JSON in Claim::fhir.raw_json (what is forwarded).
  bool capture_raw = false;
};

using ClaimCallback = std::function<void(rules::Claim&&, rules::Findings&&)>;
using ErrorCallback = std::function<void(rules::Finding&&)>;

struct ReadSummary {
  InputKind kind = InputKind::Unknown;
  std::size_t claims = 0;
  std::size_t errors = 0;  // findings handed to on_error
  bool usable = false;     // false: nothing could be read at all (exit code 2 territory)
};

ReadSummary read_claims(std::string_view bytes, std::string_view source_name,
                        const InputLimits& limits, const ClaimCallback& on_claim,
                        const ErrorCallback& on_error);

}  // namespace cg::transforms
