// Placeholder until the rule engine lands (issue 5).
#include "engine/commands.hpp"

#include <cstdio>

namespace cg::engine {

int cmd_validate(const Args&) {
  std::fputs("claimgate validate: not available in this version yet\n", stderr);
  return 2;
}

}  // namespace cg::engine
