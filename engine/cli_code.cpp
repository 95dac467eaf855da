// Placeholder until the ICD-10-CM index lands (issue 4): both commands say so and fail.
#include "engine/commands.hpp"

#include <cstdio>

namespace cg::engine {

int cmd_code(const Args&) {
  std::fputs("claimgate code: the ICD-10-CM index is not built into this version yet\n", stderr);
  return 2;
}

int cmd_code_set(const Args&) {
  std::fputs("claimgate code-set: the ICD-10-CM compiler is not built into this version yet\n", stderr);
  return 2;
}

}  // namespace cg::engine
