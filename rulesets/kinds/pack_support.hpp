// What the pack rule kinds share: reading an entry's JSON strictly (unknown fields and wrong
// types are load errors naming file, entry and field), code lists (exact codes, ranges,
// families), message templates, and the PackRule base (id, severity, since/until).
// Internal to rulesets/; the public loader is rulesets/core/packs.hpp.
#pragma once

#include "rulesets/core/packs.hpp"
#include "rulesets/kinds/common.hpp"

#include <rapidjson/document.h>

#include <initializer_list>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace cg::rules::packs {

// Reads one JSON object field by field; finish() rejects the fields nobody asked for.
class JsonFields {
 public:
  // `where` prefixes every error: "spine.json: rules[2] (spine.x): params".
  JsonFields(const rapidjson::Value& value, std::string where);

  [[nodiscard]] const rapidjson::Value* get(std::string_view key);
  [[nodiscard]] std::optional<std::string> string(std::string_view key, bool required);
  [[nodiscard]] std::vector<std::string> strings(std::string_view key, bool required);
  [[nodiscard]] std::optional<bool> boolean(std::string_view key);
  void finish() const;
  [[noreturn]] void fail(std::string_view field, std::string_view what) const;
  [[nodiscard]] const std::string& where() const noexcept { return where_; }

 private:
  const rapidjson::Value& value_;
  std::string where_;
  std::vector<std::string> seen_;
};

// One item of a code list, as written: "M51.16" (exactly that code), "M51.A0-M51.A5" (a range,
// inclusive, compared on the normalized code the ICD-10-CM way), "M54.1-" or "M54.1*" (the
// code and everything under it). Procedure lists take CPT/HCPCS codes, ranges
// ("99213-99215") and "*" families.
struct CodePattern {
  enum class Kind : std::uint8_t { Exact, Prefix, Range };
  Kind kind = Kind::Exact;
  std::string lo;    // normalized
  std::string hi;    // Range only
  std::string text;  // as written, for messages
  [[nodiscard]] bool matches(std::string_view normalized) const noexcept;
};

struct CodeList {
  std::vector<CodePattern> items;
  [[nodiscard]] bool matches(std::string_view normalized) const noexcept;
  [[nodiscard]] bool empty() const noexcept { return items.empty(); }
  [[nodiscard]] std::string display() const;  // "M51.A0-M51.A5, M51.16 or M54.1-"
  [[nodiscard]] std::vector<std::string> exact_codes() const;  // dotted, Exact items only
};

enum class CodeKind : std::uint8_t { Diagnosis, Procedure };
[[nodiscard]] CodeList read_codes(JsonFields& f, std::string_view key, CodeKind kind,
                                  bool required);

// The fields every entry has.
struct EntryCommon {
  std::string id;
  std::string kind;
  Severity severity = Severity::Reject;
  bool severity_given = false;
  std::optional<Date> since;
  std::optional<Date> until;
  std::string message;  // "message" or "reason": a template, empty = the kind's default
  std::string source;
  std::string where;    // "spine.json: rules[2] (spine.x)"
};

// "{name}" placeholders; `vars` name -> value. Unknown names are left as written (load-time
// validation rejects them).
[[nodiscard]] std::string expand(std::string_view tmpl,
                                 std::initializer_list<std::pair<std::string_view, std::string>> vars);
// Throws PackError when `tmpl` uses a placeholder not in `allowed`.
void check_template(const EntryCommon& e, std::initializer_list<std::string_view> allowed);

class PackRule : public Rule {
 public:
  explicit PackRule(EntryCommon common, std::string_view description)
      : c_(std::move(common)), description_(description) {}
  [[nodiscard]] std::string_view id() const noexcept override { return c_.id; }
  [[nodiscard]] Severity default_severity() const noexcept override { return c_.severity; }
  [[nodiscard]] std::string_view description() const noexcept override { return description_; }
  [[nodiscard]] const EntryCommon& common() const noexcept { return c_; }

 protected:
  [[nodiscard]] bool applies_on(Date d) const noexcept {
    return !(c_.since && d < *c_.since) && !(c_.until && *c_.until < d);
  }
  // The entry's message when it has one, else `fallback`, expanded with `vars`.
  [[nodiscard]] std::string render(
      std::string_view fallback,
      std::initializer_list<std::pair<std::string_view, std::string>> vars) const;

  EntryCommon c_;
  std::string_view description_;
};

// The kinds (one file each under rulesets/kinds/pack_*.cpp). Each reads its Params from
// `params` (finish() is called by the loader).
std::unique_ptr<const Rule> make_procedure_requires_diagnosis(EntryCommon e, JsonFields& params);
std::unique_ptr<const Rule> make_diagnosis_requires_companion(EntryCommon e, JsonFields& params);
std::unique_ptr<const Rule> make_forbidden_combination(EntryCommon e, JsonFields& params);
std::unique_ptr<const Rule> make_require_specificity(EntryCommon e, JsonFields& params);
SeverityOverride make_severity_override(const EntryCommon& e, JsonFields& params);

}  // namespace cg::rules::packs
