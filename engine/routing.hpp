// Routing by target format: each forward target (or stream topic) takes X12 837 or FHIR R4;
// an accepted claim whose payer's target takes the other format than the claim came in is
// converted (transforms/claim_x12, transforms/claim_fhir) in the pipeline, for every front end
// alike (the server, the Kafka worker, the C library). docs/convert.md "Routing".
//
// Two steps, both called by engine/pipeline.cpp only:
// - check_route() at verdict time: the claim is converted and the result read back by our own
//   reader (an 837 must give one claim without syntax errors; a Bundle one Claim without
//   findings); when the conversion or the read-back fails the claim is rejected with findings
//   of rule kConvertTargetNeeds, located where the input lacks what the target needs (FHIRPath
//   for FHIR claims), so the sender's answer (OperationOutcome, 277CA, JSON report) names the
//   reason and nothing of the claim is forwarded. What the target cannot carry is reported as
//   convert.not-carried warnings.
// - routed_body() at forward time: the converted document (a FHIR batch Bundle, or a complete
//   837 interchange with the trading partner's envelope identities, the identity's submitter
//   contact and the control numbers of the caller's stamp).
//
// Thread safety: pure functions.
#pragma once

#include "rulesets/core/claim.hpp"
#include "rulesets/core/rule.hpp"
#include "transforms/x12_ack.hpp"

#include <map>
#include <string>
#include <string_view>

namespace cg::engine {

struct PipelineOptions;

inline constexpr std::string_view kConvertTargetNeeds = "convert.target-needs";

// What a target takes. AsReceived (a target without "format"): no conversion.
enum class WireFormat { AsReceived, X12, Fhir };

struct Routing {
  std::map<std::string, WireFormat> by_payer;  // payer id -> the format of its target
  WireFormat fallback = WireFormat::AsReceived;  // payers not listed (the default target)
  [[nodiscard]] WireFormat format_for(const std::string& payer_id) const;
  // The format `c` must be converted to for its payer; AsReceived when it goes as it came.
  [[nodiscard]] WireFormat conversion_for(const rules::Claim& c) const;
};

// Adds the routing findings to an accepted claim's verdict (rejecting it when it cannot be
// converted); does nothing for a rejected claim or one that goes as it came.
void check_route(const PipelineOptions& options, const rules::Claim& c, rules::Verdict& v);

struct RoutedBody {
  std::string content_type;  // "application/edi-x12" or "application/fhir+json"
  std::string body;
};
// The converted document for an accepted claim that check_route() let through (conversion_for
// not AsReceived). X12: one interchange; stamp.take() is called once.
[[nodiscard]] RoutedBody routed_body(const PipelineOptions& options, const rules::Claim& c,
                                     transforms::X12Stamp& stamp);

}  // namespace cg::engine
