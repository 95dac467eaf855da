// libFuzzer target: arbitrary bytes through the FHIR reader (Claim, Bundle, NDJSON) and the
// mapping. Must never crash, hang or grow without bound.
#include "transforms/fhir_claims.hpp"

#include <cstddef>
#include <cstdint>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  cg::transforms::InputLimits limits;
  limits.capture_raw = true;
  (void)cg::transforms::read_fhir_claims(
      text, "fuzz", limits, [](cg::rules::Claim&&, cg::rules::Findings&&) {}, [](cg::rules::Finding&&) {});
  return 0;
}
