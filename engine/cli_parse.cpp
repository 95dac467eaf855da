// Placeholder replaced by the X12/FHIR parse command in this same change series.
#include "engine/commands.hpp"

#include <cstdio>

namespace cg::engine {

int cmd_parse(const Args&) {
  std::fputs("claimgate parse: not available yet\n", stderr);
  return 2;
}

}  // namespace cg::engine
