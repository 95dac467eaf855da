// FHIR R4 input -> canonical Claims: a single Claim, a Bundle (batch, transaction, collection,
// or a Da Vinci PAS style request Bundle: the Claim first, then the resources it references),
// a batch Bundle whose entries are such request Bundles, or NDJSON (one resource per line).
//
// Mapping (docs/fhir-input.md has the full table):
// - Claim::id is Claim.identifier[0].value when present, else Claim.id (both kept in
//   Claim::fhir). kind from Claim.type (professional / institutional / oral; others Other),
//   format Format::Fhir.
// - References (patient, provider, insurer, insurance.coverage, Coverage.payor,
//   diagnosisReference) are resolved in the Claim's `contained` ("#id") and in the enclosing
//   Bundle (by fullUrl, else by "Type/id"). What cannot be resolved is simply absent (a
//   diagnosisReference keeps its reference text in Diagnosis::reference). NDJSON lines are not
//   resolved against each other.
// - Every SourceRef::fhirpath is relative to the Claim ("Claim.item[1].diagnosisSequence[0]",
//   0-based indexes); Claim::fhir says where the Claim sits in a Bundle / NDJSON stream.
//
// Errors: never thrown. Problems inside a Claim (wrong JSON type, bad value, missing required
// element) are Findings handed over with that Claim, which is still mapped as far as possible;
// problems that keep a resource from becoming a Claim (syntax, limits, wrong resourceType, a
// Bundle without Claims) go to on_error. One bad entry or line does not stop the others.
// Every finding has severity Reject, a rule id below and a FHIRPath (empty for syntax errors,
// whose message carries line, column and byte offset).
//
// Memory: one JSON text (the whole document, or one NDJSON line) is held as a DOM at a time,
// bounded by InputLimits::max_fhir_bytes; the read buffer is reused between NDJSON lines.
// Thread safety: reentrant; no shared state.
#pragma once

#include "transforms/input.hpp"

#include <memory>
#include <span>
#include <string_view>

namespace cg::transforms {

// Rule ids of FHIR input findings.
inline constexpr std::string_view kFhirSyntax = "fhir.syntax";              // not JSON, truncated, bad UTF-8
inline constexpr std::string_view kFhirStructure = "fhir.structure";        // wrong JSON type
inline constexpr std::string_view kFhirValue = "fhir.value";                // bad value (sequence 0, bad date)
inline constexpr std::string_view kFhirRequired = "fhir.required";          // required element missing
inline constexpr std::string_view kFhirCodeInvalid = "fhir.code-invalid";   // code outside a required value set
inline constexpr std::string_view kFhirResourceType = "fhir.resource-type"; // not a Claim / Bundle of Claims
inline constexpr std::string_view kFhirNotSupported = "fhir.not-supported"; // e.g. Bundle.type searchset
inline constexpr std::string_view kFhirLimit = "fhir.limit";                // size, depth, entry count
inline constexpr std::string_view kFhirDuplicateKey = "fhir.duplicate-key"; // a member name twice in one object
inline constexpr std::string_view kFhirDuplicateSequence = "fhir.duplicate-sequence";  // two diagnoses, one sequence

struct FhirRuleInfo {
  std::string_view rule;        // rule id
  std::string_view issue_code;  // OperationOutcome.issue.code (R4 issue-type)
  std::string_view summary;     // one line
};

// The single table of FHIR input rule ids and their OperationOutcome issue codes.
[[nodiscard]] std::span<const FhirRuleInfo> fhir_rules() noexcept;

// OperationOutcome.issue.code for a rule id of the table above; "" for any other id.
[[nodiscard]] std::string_view fhir_issue_code(std::string_view rule_id) noexcept;

// Reads FHIR JSON / NDJSON. `bytes` may start with a UTF-8 BOM. Claims are handed to on_claim
// as they are mapped (with their findings); other problems to on_error. Claim::source_name is
// set to source_name. summary.usable is false when no JSON text at all could be parsed.
ReadSummary read_fhir_claims(std::string_view bytes, std::string_view source_name,
                             const InputLimits& limits, const ClaimCallback& on_claim,
                             const ErrorCallback& on_error);

// NDJSON fed in chunks of any size (a file or pipe far larger than max_fhir_bytes): each line
// is read as soon as it is complete, so memory holds one line, and max_fhir_bytes applies to
// each line, as for read_fhir_claims. Lines, positions, Claims and findings are those
// read_fhir_claims gives for the same bytes, with one difference: a stream cannot be counted
// first, so the lines after the first max_fhir_entries resources are refused (one fhir.limit
// error naming the first line not read) instead of the whole input.
class FhirNdjsonStream {
 public:
  FhirNdjsonStream(std::string_view source_name, const InputLimits& limits, ClaimCallback on_claim,
                   ErrorCallback on_error);
  ~FhirNdjsonStream();
  FhirNdjsonStream(const FhirNdjsonStream&) = delete;
  FhirNdjsonStream& operator=(const FhirNdjsonStream&) = delete;

  // True when `head` (the first bytes of the input, BOM included) is NDJSON: at least two
  // resources, one per line (see fhir::looks_like_ndjson).
  [[nodiscard]] static bool recognizes(std::string_view head) noexcept;

  void feed(std::string_view chunk);
  // Reads a last line without LF. Call once.
  ReadSummary finish();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace cg::transforms
