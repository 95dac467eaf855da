#include "engine/data_paths.hpp"

#include <unistd.h>

#include <cstdlib>
#include <system_error>

#ifndef CG_INSTALL_DATADIR
#define CG_INSTALL_DATADIR "/usr/local/share/claimgate"
#endif

namespace cg::engine {
namespace fs = std::filesystem;
namespace {

std::vector<fs::path> candidate_dirs(const fs::path& anchor_in) {
  const fs::path anchor = anchor_in.empty() ? executable_dir() : anchor_in;
  std::vector<fs::path> dirs;
  const auto add = [&](const fs::path& p) {
    const fs::path n = p.lexically_normal();
    for (const auto& d : dirs)
      if (d == n) return;
    dirs.push_back(n);
  };
  if (!anchor.empty()) {
    add(anchor);
    add(anchor / ".." / "share" / "claimgate");
    add(anchor / "..");
  }
  add(CG_INSTALL_DATADIR);
  return dirs;
}

DataLookup find(const char* env, const char* name, bool directory, const fs::path& anchor,
                const std::string& what, const std::string& how) {
  DataLookup r;
  const auto ok = [&](const fs::path& p) {
    std::error_code ec;
    return directory ? fs::is_directory(p, ec) : fs::is_regular_file(p, ec);
  };
  if (const char* v = std::getenv(env); v != nullptr && *v != '\0') {
    // An explicit setting is used as given: a wrong one is an error, not a silent fallback.
    r.tried.push_back(std::string(v) + " ($" + env + ")");
    if (ok(v)) {
      r.path = v;
      return r;
    }
    r.error = "no " + what + " at " + v + " ($" + env + "); " + how;
    return r;
  }
  for (const auto& d : candidate_dirs(anchor)) {
    const fs::path p = d / name;
    r.tried.push_back(p.string());
    if (ok(p)) {
      r.path = p.string();
      return r;
    }
  }
  r.error = "no " + what + " found; looked at";
  for (std::size_t i = 0; i < r.tried.size(); ++i) r.error += (i ? ", " : " ") + r.tried[i];
  r.error += "; " + how;
  return r;
}

}  // namespace

fs::path executable_dir() {
  char exe[4096];
  const ssize_t n = ::readlink("/proc/self/exe", exe, sizeof exe - 1);
  if (n <= 0) return {};
  return fs::path(std::string(exe, static_cast<std::size_t>(n))).parent_path();
}

DataLookup find_codeset(const fs::path& anchor) {
  return find("CLAIMGATE_CODESET", "icd10cm.cgx", false, anchor, "ICD-10-CM index (icd10cm.cgx)",
              "set CLAIMGATE_CODESET=/path/to/icd10cm.cgx, pass --code-set PATH or set \"code_set\" in "
              "the server configuration");
}

DataLookup find_packs_dir(const fs::path& anchor) {
  return find("CLAIMGATE_PACKS", "packs", true, anchor, "rule-pack directory",
              "set CLAIMGATE_PACKS=/path/to/packs, pass --pack with a file path or set "
              "\"rules.packs_dir\" in the server configuration");
}

}  // namespace cg::engine
