// FHIR R4 answers for the sender: verdicts -> OperationOutcome, ClaimResponse and
// batch-response Bundle (docs/fhir-answers.md has every mapping and the HTTP statuses).
//
// Contract
// - Pure functions: no clock, no I/O, no global state. The time and the ids of the generated
//   resources come in through FhirAnswerStamp, so tests inject them.
// - Output is one compact JSON text (application/fhir+json), valid FHIR R4: resourceType first,
//   every required element present (a data-absent-reason extension where the Claim lacked
//   what the answer must carry), no empty strings, arrays or objects.
// - Issue expressions are the findings' FHIRPaths as the reader made them: relative to the
//   Claim ("Claim.item[1].diagnosisSequence[0]"), also for a Claim that came in a Bundle (each
//   outcome concerns one Claim; a batch-response entry sits at the index of its request entry).
//   Input errors about the request as a whole keep the Bundle paths the reader gave them.
// - Ids of generated resources are "<id_prefix>-<n>": a function writing one resource uses
//   n = sequence; batch_response_json numbers the Bundle `sequence` and then every resource it
//   writes in document order (sequence + 1, + 2, ...). A prefix with characters an id may not
//   hold has them replaced by '-', and it is shortened so the id fits 64 characters. Use a
//   prefix unique per request (the request id) for ids unique across requests.
// - Never throws on any input (allocation failure aside); invalid UTF-8 in a message or value
//   is replaced by U+FFFD, control characters by spaces.
//
// Thread safety: reentrant.
#pragma once

#include "rulesets/core/claim.hpp"
#include "rulesets/core/finding.hpp"
#include "rulesets/core/rule.hpp"

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace cg::transforms {

// The CodeSystem of claimgate rule ids, carried in issue.details and ClaimResponse.error.code.
inline constexpr std::string_view kRuleSystem = "urn:claimgate:rule";

// The system of ClaimResponse.identifier naming the spool entry key an accepted claim was
// queued under (the gateway's GET /claims/{key}).
inline constexpr std::string_view kEntryKeySystem = "urn:claimgate:entry-key";

struct FhirAnswerStamp {
  std::string now;                // FHIR dateTime with zone, e.g. 2026-11-23T10:00:00Z
  std::string id_prefix = "cg";   // ids of generated resources: <prefix>-<n>
  std::uint64_t sequence = 1;
  // The accepted claims are queued under their ClaimResponse's id: each queued ClaimResponse
  // names it in identifier [{system kEntryKeySystem, value id}].
  bool entry_keys = false;
};

// The id of the n-th generated resource: "<id_prefix>-<n>", as described above.
[[nodiscard]] std::string resource_id(const FhirAnswerStamp& stamp, std::uint64_t n);

// OperationOutcome.issue.code (R4 issue-type) for a finding's rule id: fhir.* as
// fhir_issue_code (an unknown fhir.* id: invalid); ICD-10-CM code validity (icd10cm.unknown,
// header, not-yet-effective, deleted, invalid-extension, qualifier-mismatch) and procedure code
// validity (icd10pcs.unknown, header, not-yet-effective, deleted, on-service-line;
// hcpcs.unknown, terminated, not-yet-effective, modifier; cpt.format): code-invalid;
// icd10pcs.principal-missing: required; the *.code-set-not-loaded rules: informational (the
// claim is not at fault, the check could not run fully); x12.*: structure; everything else (dx.*, claim.*, the other icd10cm.* rules,
// pack rules): business-rule.
[[nodiscard]] std::string_view operation_outcome_code(std::string_view rule_id) noexcept;

// One OperationOutcome for one claim's findings, one issue per finding in order: severity
// (reject -> error, warn -> warning), code as above, details {coding [{kRuleSystem, rule id}],
// text message}, diagnostics rule id, expression [FHIRPath] when the finding has one. No
// findings: one issue information / informational "All checks passed" ($validate of a clean
// claim). id = <prefix>-<sequence>.
[[nodiscard]] std::string operation_outcome_json(const rules::Findings& findings,
                                                 const FhirAnswerStamp& stamp);

// The ClaimResponse for create / $submit. outcome "error" with one error[] per reject finding
// when the verdict rejects; `accepted_outcome` ("queued" or "complete"; anything else is taken
// as "queued") when it accepts. error.itemSequence = the finding's line when the finding is on
// the item (FHIRPath under Claim.item, or none); R4 omits it for errors outside the items.
// Warnings become processNote entries. References the Claim made to its contained resources
// are answered with an identifier or a display (a "#id" cannot stand outside the Claim).
// id = <prefix>-<sequence>.
[[nodiscard]] std::string claim_response_json(const rules::Claim& claim, const rules::Verdict& verdict,
                                              const FhirAnswerStamp& stamp,
                                              std::string_view accepted_outcome = "queued");

// One entry of a batch-response: a Claim with its verdict, or (claim or verdict null) an entry
// that could not be read as a Claim, with the input errors about it. The pointers are only
// read during batch_response_json.
struct BatchEntry {
  const rules::Claim* claim = nullptr;  // null for an unreadable entry
  const rules::Verdict* verdict = nullptr;
  rules::Findings input_errors;  // for unreadable entries
};

// The batch-response Bundle: one entry per request entry, in the order given. Accepted:
// "201 Created", resource = the ClaimResponse (queued), location "ClaimResponse/<its id>",
// outcome = the warnings when there are any. Rejected: "422 Unprocessable Entity", outcome =
// its OperationOutcome. Unreadable: "400 Bad Request", outcome = input_error_outcome_json.
// accepted_ids (optional): receives the ids of the accepted entries' ClaimResponses, in order.
[[nodiscard]] std::string batch_response_json(const std::vector<BatchEntry>& entries,
                                              const FhirAnswerStamp& stamp,
                                              std::vector<std::string>* accepted_ids = nullptr);

// The ClaimResponse a FHIR read (GET [base]/ClaimResponse/<key>) answers for a spool entry
// after the fact: id and identifier = the entry key, outcome "queued" (still in the spool),
// "complete" (forwarded) or "error" (dead-lettered), the disposition saying when, where or why,
// insurer = the payer id; type and patient are data-absent (the Claim is not kept). created =
// stamp.now. A key with characters an id may not hold is cleaned as ids are.
[[nodiscard]] std::string entry_status_response_json(std::string_view entry_key, std::string_view outcome,
                                                     std::string_view disposition, std::string_view payer_id,
                                                     const FhirAnswerStamp& stamp);

// The OperationOutcome for an input that could not be read at all (HTTP 400): one issue per
// finding, severity fatal (warn findings: warning), code as operation_outcome_code. No findings:
// one fatal / invalid issue "The input could not be read". id = <prefix>-<sequence>.
[[nodiscard]] std::string input_error_outcome_json(const rules::Findings& errors,
                                                   const FhirAnswerStamp& stamp);

}  // namespace cg::transforms
