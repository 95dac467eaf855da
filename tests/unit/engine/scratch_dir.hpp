// A fresh, empty scratch directory for one unit test, under the build tree.
#pragma once

#include <filesystem>
#include <string>

namespace cg::test {

inline std::filesystem::path fresh_dir(const std::string& name) {
  const std::filesystem::path p = std::filesystem::path(CG_BINARY_DIR) / "unit-engine-scratch" / name;
  std::filesystem::remove_all(p);
  std::filesystem::create_directories(p);
  return p;
}

}  // namespace cg::test
