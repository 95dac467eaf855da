#include "rulesets/core/json_keys.hpp"

#include <set>
#include <string_view>

namespace cg::rules {

std::string repeated_key_path(const rapidjson::Value& v, const std::string& prefix) {
  if (v.IsObject()) {
    std::set<std::string_view> seen;
    for (auto it = v.MemberBegin(); it != v.MemberEnd(); ++it) {
      const std::string_view name(it->name.GetString(), it->name.GetStringLength());
      const std::string path = prefix.empty() ? std::string(name) : prefix + "." + std::string(name);
      if (!name.starts_with('_') && !seen.insert(name).second) return path;
      if (std::string inner = repeated_key_path(it->value, path); !inner.empty()) return inner;
    }
  } else if (v.IsArray()) {
    for (rapidjson::SizeType i = 0; i < v.Size(); ++i) {
      if (std::string inner = repeated_key_path(v[i], prefix + "[" + std::to_string(i) + "]"); !inner.empty())
        return inner;
    }
  }
  return {};
}

}  // namespace cg::rules
