#include "rulesets/core/packs.hpp"

#include "rulesets/core/json_keys.hpp"
#include "rulesets/kinds/pack_support.hpp"

#include <rapidjson/error/en.h>

#include <algorithm>
#include <array>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

namespace cg::rules {
namespace {

using packs::EntryCommon;
using packs::JsonFields;

constexpr std::array<PackKindInfo, 5> kPackKinds{{
    {"procedure-requires-diagnosis",
     "Lines with these procedures must point to one of these diagnoses"},
    {"diagnosis-requires-companion",
     "A diagnosis billed with these procedures needs one of these companion codes on the claim"},
    {"forbidden-combination", "Two diagnoses (codes, ranges, families) never on one claim"},
    {"require-specificity", "These unspecified codes are not accepted"},
    {"severity-override", "Changes the severity of another rule's findings"},
}};

bool valid_id_char(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' ||
         c == '-' || c == '_';
}

bool valid_pack_name(std::string_view n) {
  return !n.empty() && n.size() <= 64 && std::all_of(n.begin(), n.end(), [](char c) {
    return valid_id_char(c) && c != '.';
  });
}

std::string base_name(std::string_view origin) {
  const auto slash = origin.find_last_of('/');
  return std::string(slash == std::string_view::npos ? origin : origin.substr(slash + 1));
}

std::optional<Date> read_date(JsonFields& f, std::string_view key) {
  auto text = f.string(key, false);
  if (!text) return std::nullopt;
  auto d = parse_iso_date(*text);
  if (!d || text->size() != 10) f.fail(key, '"' + *text + "\" is not a date (YYYY-MM-DD)");
  return d;
}

}  // namespace

std::span<const PackKindInfo> pack_kinds() noexcept { return kPackKinds; }

std::shared_ptr<const RulePack> parse_pack(std::string_view json, std::string_view origin_view) {
  const std::string origin = base_name(origin_view);
  rapidjson::Document doc;
  doc.Parse(json.data(), json.size());
  if (doc.HasParseError()) {
    throw PackError(origin + ": JSON syntax error at offset " + std::to_string(doc.GetErrorOffset()) +
                    ": " + rapidjson::GetParseError_En(doc.GetParseError()));
  }
  if (const std::string key = repeated_key_path(doc); !key.empty())
    throw PackError(origin + ": " + key + ": is given twice in the same object (which one was meant?); give it once");
  auto pack = std::make_shared<RulePack>();
  pack->origin = std::string(origin_view);
  JsonFields top(doc, origin);
  pack->name = *top.string("pack", true);
  if (!valid_pack_name(pack->name)) {
    top.fail("pack", "\"" + pack->name + "\" is not a pack name (letters, digits, '-', '_')");
  }
  pack->description = top.string("description", false).value_or("");
  const auto* rules = top.get("rules");
  if (rules == nullptr || !rules->IsArray()) top.fail("rules", "required: an array of entries");
  top.finish();

  std::vector<std::string> ids;
  for (rapidjson::SizeType i = 0; i < rules->Size(); ++i) {
    const auto& v = (*rules)[i];
    std::string where = origin + ": rules[" + std::to_string(i) + ']';
    if (v.IsObject()) {
      const auto it = v.FindMember("id");
      if (it != v.MemberEnd() && it->value.IsString()) {
        where += " (";
        where.append(it->value.GetString(), it->value.GetStringLength());
        where += ')';
      }
    }
    JsonFields f(v, where);
    EntryCommon e;
    e.where = where;
    e.id = *f.string("id", true);
    if (!e.id.starts_with(pack->name + ".") || e.id.size() == pack->name.size() + 1 ||
        !std::all_of(e.id.begin(), e.id.end(), valid_id_char)) {
      f.fail("id", "\"" + e.id + "\" must be \"" + pack->name +
                       ".<name>\" (letters, digits, '.', '-', '_')");
    }
    if (std::find(ids.begin(), ids.end(), e.id) != ids.end()) {
      f.fail("id", "\"" + e.id + "\" is defined twice in this pack");
    }
    ids.push_back(e.id);
    e.kind = *f.string("kind", true);
    const auto kind_it = std::find_if(kPackKinds.begin(), kPackKinds.end(),
                                      [&](const PackKindInfo& k) { return k.kind == e.kind; });
    if (kind_it == kPackKinds.end()) {
      std::string names;
      for (const auto& k : kPackKinds) {
        names += names.empty() ? "" : ", ";
        names += k.kind;
      }
      f.fail("kind", "\"" + e.kind + "\" is not a rule kind (" + names + ')');
    }
    if (auto sev = f.string("severity", false)) {
      e.severity_given = true;
      if (*sev == "reject") {
        e.severity = Severity::Reject;
      } else if (*sev == "warn") {
        e.severity = Severity::Warn;
      } else {
        f.fail("severity", "\"" + *sev + "\" is not reject or warn");
      }
    }
    e.since = read_date(f, "since");
    e.until = read_date(f, "until");
    if (e.since && e.until && *e.until < *e.since) {
      f.fail("until", e.until->iso() + " is before since " + e.since->iso());
    }
    auto message = f.string("message", false);
    auto reason = f.string("reason", false);
    if (message && reason) f.fail("reason", "give message or reason, not both");
    e.message = message ? *message : reason.value_or("");
    e.source = f.string("source", false).value_or("");
    const auto* params_value = f.get("params");
    if (params_value == nullptr) f.fail("params", "required: an object");
    f.finish();
    JsonFields params(*params_value, where + ": params");
    if (e.kind == "procedure-requires-diagnosis") {
      pack->rules.push_back(packs::make_procedure_requires_diagnosis(std::move(e), params));
    } else if (e.kind == "diagnosis-requires-companion") {
      pack->rules.push_back(packs::make_diagnosis_requires_companion(std::move(e), params));
    } else if (e.kind == "forbidden-combination") {
      pack->rules.push_back(packs::make_forbidden_combination(std::move(e), params));
    } else if (e.kind == "require-specificity") {
      pack->rules.push_back(packs::make_require_specificity(std::move(e), params));
    } else {
      auto o = packs::make_severity_override(e, params);
      if (find_builtin(o.rule) == nullptr && !o.rule.starts_with(pack->name + ".")) {
        // Rules of other packs are checked when the RuleSet is built.
        if (o.rule.find('.') == std::string::npos) {
          params.fail("rule", "\"" + o.rule + "\" is not a rule id");
        }
      }
      pack->overrides.push_back(std::move(o));
    }
    params.finish();
  }
  for (const auto& o : pack->overrides) {
    if (o.rule.starts_with(pack->name + ".") &&
        std::find(ids.begin(), ids.end(), o.rule) == ids.end()) {
      throw PackError(o.origin + ": params.rule: \"" + o.rule + "\" is not a rule of this pack");
    }
  }
  return pack;
}

std::shared_ptr<const RulePack> load_pack_file(const std::string& path) {
  // Not a FIFO or a device, which could block or never end (a reload would hang on it).
  std::error_code ec;
  if (!std::filesystem::is_regular_file(path, ec)) throw PackError(path + ": cannot read the rule pack: not a regular file");
  std::ifstream in(path, std::ios::binary);
  if (!in) throw PackError(path + ": cannot read the rule pack");
  std::ostringstream ss;
  ss << in.rdbuf();
  return parse_pack(ss.str(), path);
}

std::shared_ptr<const RulePack> load_pack(std::string_view name, const std::string& packs_dir) {
  if (!valid_pack_name(name)) {
    throw PackError(std::string("\"").append(name) + "\" is not a pack name (letters, digits, '-', '_')");
  }
  const std::string path = packs_dir + '/' + std::string(name) + ".json";
  std::error_code ec;
  if (!std::filesystem::is_regular_file(path, ec)) {
    std::string known;
    for (const auto& n : list_packs(packs_dir)) {
      known += known.empty() ? "" : ", ";
      known += n;
    }
    throw PackError(std::string("no rule pack \"").append(name) + "\" in " + packs_dir +
                    (known.empty() ? std::string() : " (available: " + known + ')'));
  }
  auto pack = load_pack_file(path);
  if (pack->name != name) {
    throw PackError(path + ": pack: \"" + pack->name + "\" does not match the file name");
  }
  return pack;
}

std::shared_ptr<const RulePack> load_pack_ref(std::string_view name_or_path,
                                              const std::string& packs_dir) {
  if (name_or_path.find('/') != std::string_view::npos || name_or_path.ends_with(".json")) {
    return load_pack_file(std::string(name_or_path));
  }
  return load_pack(name_or_path, packs_dir);
}

std::vector<std::string> list_packs(const std::string& packs_dir) {
  std::vector<std::string> out;
  std::error_code ec;
  for (const auto& entry : std::filesystem::directory_iterator(packs_dir, ec)) {
    if (entry.path().extension() == ".json") out.push_back(entry.path().stem().string());
  }
  std::sort(out.begin(), out.end());
  return out;
}

}  // namespace cg::rules
