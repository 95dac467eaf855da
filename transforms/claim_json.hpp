// The canonical Claim as one JSON object (the line format of `claimgate parse --format json`).
// X12 and FHIR input print the same keys, so the two can be compared; with
// with_locations=false every source location is left out (for that comparison).
#pragma once

#include "rulesets/core/claim.hpp"

#include <string>

namespace cg::transforms {

struct ClaimJsonOptions {
  bool with_locations = true;
};

[[nodiscard]] std::string claim_to_json(const rules::Claim& claim, ClaimJsonOptions opts = {});

}  // namespace cg::transforms
