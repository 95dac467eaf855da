// Payer rule packs: payer-specific rules (WEDI SNIP 7) as data. A pack is one JSON file
// (format and every rule kind: rulesets/packs/README.md):
//
//   {"pack": "spine", "description": "...", "rules": [
//     {"id": "spine.decompression-requires-dx", "kind": "procedure-requires-diagnosis",
//      "severity": "reject", "since": "2021-10-01", "until": "2026-09-30",
//      "params": {...}, "message": "...", "source": "seeds/002 ..."}]}
//
// Each entry becomes a Rule whose id is the entry id (it must start with "<pack>."), so
// findings, reports and overrides name it like a built-in; a "severity-override" entry
// becomes a SeverityOverride instead.
//
// Contract: loading happens at startup or reload, never on the request path. Any problem
// (bad JSON, unknown field, wrong type, bad params, bad date, unknown kind, duplicate id)
// throws PackError whose message names the file and the entry, e.g.
//   "spine.json: rules[2] (spine.x): params.procedures[1]: \"6303\" is not a CPT/HCPCS code".
// A loaded RulePack is immutable and shared as shared_ptr<const RulePack>.
#pragma once

#include "rulesets/core/rule.hpp"

#include <memory>
#include <span>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace cg::rules {

class PackError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

struct RulePack {
  std::string name;         // "spine"
  std::string description;
  std::string origin;       // the file it came from (or the name given to parse_pack)
  std::vector<std::unique_ptr<const Rule>> rules;
  std::vector<SeverityOverride> overrides;
};

// A pack rule kind: its name in "kind" and a one-line description (for docs and `--help`).
struct PackKindInfo {
  std::string_view kind;
  std::string_view description;
};
[[nodiscard]] std::span<const PackKindInfo> pack_kinds() noexcept;

// Parses a pack from JSON text; `origin` names it in errors ("spine.json"). Throws PackError.
[[nodiscard]] std::shared_ptr<const RulePack> parse_pack(std::string_view json,
                                                         std::string_view origin);
// Loads a pack file by path. Throws PackError (also when the file cannot be read).
[[nodiscard]] std::shared_ptr<const RulePack> load_pack_file(const std::string& path);
// Loads "<packs_dir>/<name>.json"; `name` is letters, digits, '-', '_' only. Throws PackError.
[[nodiscard]] std::shared_ptr<const RulePack> load_pack(std::string_view name,
                                                        const std::string& packs_dir);
// A NAME or a path: a value containing '/' or ending in ".json" is a path, else a name looked
// up in packs_dir (what `--pack` accepts).
[[nodiscard]] std::shared_ptr<const RulePack> load_pack_ref(std::string_view name_or_path,
                                                            const std::string& packs_dir);
// Pack names (file stems) in a directory, sorted.
[[nodiscard]] std::vector<std::string> list_packs(const std::string& packs_dir);

}  // namespace cg::rules
