// libFuzzer target: arbitrary bytes through the X12 reader and the claim mapping, fed in two
// chunks split at a fuzzer-chosen point. Must never crash, hang or grow without bound.
#include "transforms/x12_claims.hpp"

#include <cstddef>
#include <cstdint>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  const std::string_view text(reinterpret_cast<const char*>(data) + 1, size - 1);
  const std::size_t cut = text.empty() ? 0 : data[0] % (text.size() + 1);
  cg::transforms::X12ClaimReader reader(
      "fuzz", cg::transforms::InputLimits{}, [](cg::rules::Claim&&, cg::rules::Findings&&) {},
      [](cg::rules::Finding&&) {}, {}, cg::transforms::X12ReadOptions{nullptr, true});
  reader.feed(text.substr(0, cut));
  reader.feed(text.substr(cut));
  reader.finish();
  return 0;
}
