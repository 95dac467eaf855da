// Where claimgate finds its data (the compiled ICD-10-CM index and the rule packs) when the
// configuration or the command line does not name them. One lookup for every front end: the
// CLI and the server anchor it at the executable, the C library at the shared object.
//
// Candidates, first found wins:
//   1. the environment: $CLAIMGATE_CODESET (a file) / $CLAIMGATE_PACKS (a directory);
//   2. beside the binary: <dir>/icd10cm.cgx, <dir>/packs (the build tree: build/claimgate);
//   3. the install prefix of the binary: <dir>/../share/claimgate/{icd10cm.cgx,packs};
//   4. the parent of the binary's folder (build/tests/... executables of the build tree);
//   5. the prefix the binary was configured for (CMAKE_INSTALL_PREFIX/share/claimgate).
// Thread safety: pure functions over the file system and the environment.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

namespace cg::engine {

struct DataLookup {
  std::string path;                // the file or directory found; empty when none
  std::vector<std::string> tried;  // every candidate, in order (for the error)
  std::string error;               // empty when found; else where it looked and how to point elsewhere
};

// The folder of the running executable (/proc/self/exe); empty when unknown.
[[nodiscard]] std::filesystem::path executable_dir();

// anchor: the folder of the binary the data belongs with (default: executable_dir()).
[[nodiscard]] DataLookup find_codeset(const std::filesystem::path& anchor = {});
[[nodiscard]] DataLookup find_packs_dir(const std::filesystem::path& anchor = {});

}  // namespace cg::engine
