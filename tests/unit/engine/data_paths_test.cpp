// The data lookup (engine/data_paths.hpp): environment first, then beside the binary, then the
// binary's install prefix; an error names every place it looked.
#include "engine/data_paths.hpp"
#include "tests/unit/engine/scratch_dir.hpp"

#include <boost/test/unit_test.hpp>

#include <cstdlib>
#include <filesystem>
#include <fstream>

namespace fs = std::filesystem;
using namespace cg::engine;

namespace {

using cg::test::fresh_dir;

struct NoEnv {
  NoEnv() {
    ::unsetenv("CLAIMGATE_CODESET");
    ::unsetenv("CLAIMGATE_PACKS");
  }
  ~NoEnv() {
    ::unsetenv("CLAIMGATE_CODESET");
    ::unsetenv("CLAIMGATE_PACKS");
  }
};

}  // namespace

BOOST_FIXTURE_TEST_SUITE(data_paths, NoEnv)

BOOST_AUTO_TEST_CASE(beside_the_binary_wins_over_the_install_prefix) {
  const fs::path root = fresh_dir("paths-beside");
  fs::create_directories(root / "bin" / "packs");
  fs::create_directories(root / "share" / "claimgate" / "packs");
  std::ofstream(root / "bin" / "icd10cm.cgx") << "x";
  std::ofstream(root / "share" / "claimgate" / "icd10cm.cgx") << "x";
  BOOST_TEST(find_codeset(root / "bin").path == (root / "bin" / "icd10cm.cgx").string());
  BOOST_TEST(find_packs_dir(root / "bin").path == (root / "bin" / "packs").string());
}

BOOST_AUTO_TEST_CASE(a_relocated_prefix_is_found_from_its_bin_folder) {
  const fs::path root = fresh_dir("paths-prefix");
  fs::create_directories(root / "bin");
  fs::create_directories(root / "share" / "claimgate" / "packs");
  std::ofstream(root / "share" / "claimgate" / "icd10cm.cgx") << "x";
  BOOST_TEST(find_codeset(root / "bin").path == (root / "share" / "claimgate" / "icd10cm.cgx").string());
  BOOST_TEST(find_packs_dir(root / "bin").path == (root / "share" / "claimgate" / "packs").string());
}

BOOST_AUTO_TEST_CASE(nothing_found_says_where_it_looked_and_how_to_point_elsewhere) {
  const fs::path root = fresh_dir("paths-none");
  fs::create_directories(root / "deep" / "bin");
  const DataLookup r = find_codeset(root / "deep" / "bin");
  BOOST_TEST(r.path.empty());
  BOOST_TEST(r.tried.size() >= 3u);
  BOOST_TEST(r.error.find((root / "deep" / "bin" / "icd10cm.cgx").string()) != std::string::npos, r.error);
  BOOST_TEST(r.error.find((root / "deep" / "share" / "claimgate" / "icd10cm.cgx").string()) != std::string::npos,
             r.error);
  BOOST_TEST(r.error.find("CLAIMGATE_CODESET") != std::string::npos, r.error);
  BOOST_TEST(r.error.find("--code-set") != std::string::npos, r.error);
  BOOST_TEST(find_packs_dir(root / "deep" / "bin").error.find("CLAIMGATE_PACKS") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(the_environment_is_used_as_given) {
  const fs::path root = fresh_dir("paths-env");
  std::ofstream(root / "mine.cgx") << "x";
  ::setenv("CLAIMGATE_CODESET", (root / "mine.cgx").c_str(), 1);
  BOOST_TEST(find_codeset(root).path == (root / "mine.cgx").string());
  ::setenv("CLAIMGATE_CODESET", (root / "missing.cgx").c_str(), 1);
  const DataLookup r = find_codeset(root);
  BOOST_TEST(r.path.empty());
  BOOST_TEST(r.error.find("missing.cgx ($CLAIMGATE_CODESET)") != std::string::npos, r.error);
}

BOOST_AUTO_TEST_CASE(the_build_tree_finds_its_own_index_and_packs) {
  // Test executables live in build/tests/: one folder up holds icd10cm.cgx and packs/.
  BOOST_TEST(fs::equivalent(find_codeset().path, fs::path(CG_BINARY_DIR) / "icd10cm.cgx"));
  BOOST_TEST(fs::equivalent(find_packs_dir().path, fs::path(CG_BINARY_DIR) / "packs"));
}

BOOST_AUTO_TEST_SUITE_END()
