#include "engine/cli/setup.hpp"

#include "engine/data_paths.hpp"
#include "engine/log.hpp"
#include "rulesets/codesets/icd10cm.hpp"

#include <fcntl.h>
#include <unistd.h>

namespace cg::engine {

int open_log(const ServerConfig& config, std::string& error) {
  int fd = 2;
  if (!config.log.file.empty()) {
    fd = ::open(config.log.file.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0640);
    if (fd < 0) {
      error = "log.file: cannot open " + config.log.file;
      return -1;
    }
  }
  log::configure(fd, log::level_named(config.log.level));
  return fd;
}

bool load_code_set(const ServerConfig& config, PipelineOptions& out, std::string& error) {
  std::string path = config.code_set;
  if (path.empty()) {
    const DataLookup found = find_codeset();
    if (!found.error.empty()) {
      error = found.error;
      return false;
    }
    path = found.path;
  }
  auto loaded = codesets::Icd10Index::load(path);
  if (auto* err = std::get_if<std::string>(&loaded)) {
    error = std::string(config.code_set.empty() ? "the bundled code set" : "code_set") +
            ": cannot load the ICD-10-CM code set: " + *err;
    return false;
  }
  out.codes = std::get<std::shared_ptr<const codesets::Icd10Index>>(loaded);
  return true;
}

}  // namespace cg::engine
