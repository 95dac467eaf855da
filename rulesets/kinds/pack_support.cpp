#include "rulesets/kinds/pack_support.hpp"

#include <algorithm>

namespace cg::rules::packs {

JsonFields::JsonFields(const rapidjson::Value& value, std::string where)
    : value_(value), where_(std::move(where)) {
  if (!value_.IsObject()) throw PackError(where_ + ": expected a JSON object");
}

const rapidjson::Value* JsonFields::get(std::string_view key) {
  seen_.emplace_back(key);
  const auto it = value_.FindMember(rapidjson::Value(rapidjson::StringRef(key.data(), key.size())));
  if (it == value_.MemberEnd() || it->value.IsNull()) return nullptr;
  return &it->value;
}

void JsonFields::fail(std::string_view field, std::string_view what) const {
  std::string msg = where_;
  if (!field.empty()) {
    msg += where_.ends_with("params") ? "." : ": ";
    msg += field;
  }
  msg += ": ";
  msg += what;
  throw PackError(msg);
}

std::optional<std::string> JsonFields::string(std::string_view key, bool required) {
  const auto* v = get(key);
  if (v == nullptr) {
    if (required) fail(key, "required");
    return std::nullopt;
  }
  if (!v->IsString()) fail(key, "expected a string");
  return std::string(v->GetString(), v->GetStringLength());
}

std::vector<std::string> JsonFields::strings(std::string_view key, bool required) {
  const auto* v = get(key);
  std::vector<std::string> out;
  if (v == nullptr) {
    if (required) fail(key, "required");
    return out;
  }
  if (!v->IsArray()) fail(key, "expected an array of strings");
  for (rapidjson::SizeType i = 0; i < v->Size(); ++i) {
    const auto& item = (*v)[i];
    if (!item.IsString()) {
      fail(std::string(key) + '[' + std::to_string(i) + ']', "expected a string");
    }
    out.emplace_back(item.GetString(), item.GetStringLength());
  }
  if (required && out.empty()) fail(key, "must not be empty");
  return out;
}

std::optional<bool> JsonFields::boolean(std::string_view key) {
  const auto* v = get(key);
  if (v == nullptr) return std::nullopt;
  if (!v->IsBool()) fail(key, "expected true or false");
  return v->GetBool();
}

void JsonFields::finish() const {
  for (auto it = value_.MemberBegin(); it != value_.MemberEnd(); ++it) {
    const std::string_view name(it->name.GetString(), it->name.GetStringLength());
    if (std::find(seen_.begin(), seen_.end(), name) == seen_.end()) {
      fail(name, "unknown field");
    }
  }
}

bool CodePattern::matches(std::string_view c) const noexcept {
  switch (kind) {
    case Kind::Exact: return c == lo;
    case Kind::Prefix: return c.starts_with(lo);
    case Kind::Range:
      return c.substr(0, lo.size()) >= std::string_view(lo) &&
             c.substr(0, hi.size()) <= std::string_view(hi);
  }
  return false;
}

bool CodeList::matches(std::string_view c) const noexcept {
  for (const auto& p : items) {
    if (p.matches(c)) return true;
  }
  return false;
}

std::string CodeList::display() const {
  std::vector<std::string> texts;
  texts.reserve(items.size());
  for (const auto& p : items) texts.push_back(p.text);
  return join_or(texts, 12);
}

std::vector<std::string> CodeList::exact_codes() const {
  std::vector<std::string> out;
  for (const auto& p : items) {
    if (p.kind == CodePattern::Kind::Exact) out.push_back(p.text);
  }
  return out;
}

namespace {

bool alnum_upper(std::string_view s) {
  return std::all_of(s.begin(), s.end(),
                     [](char ch) { return (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9'); });
}

// ICD-10-CM shape: a letter, a digit, then alphanumerics; 3 to 7 characters (prefixes: 1-7).
bool dx_shape(std::string_view c, bool prefix) {
  if (c.size() > 7 || c.empty() || (!prefix && c.size() < 3)) return false;
  if (c[0] < 'A' || c[0] > 'Z' || !alnum_upper(c)) return false;
  return c.size() < 2 || (c[1] >= '0' && c[1] <= '9');
}

// CPT (5 digits, or 4 digits + F/T/U) or HCPCS Level II (a letter + 4 digits).
bool proc_shape(std::string_view c) { return c.size() == 5 && alnum_upper(c); }

std::string normalize_proc(std::string_view s) {
  std::string out;
  for (char ch : s) {
    if (ch == ' ') continue;
    out += (ch >= 'a' && ch <= 'z') ? static_cast<char>(ch - 'a' + 'A') : ch;
  }
  return out;
}

}  // namespace

CodeList read_codes(JsonFields& f, std::string_view key, CodeKind kind, bool required) {
  CodeList list;
  const auto texts = f.strings(key, required);
  const bool dx = kind == CodeKind::Diagnosis;
  for (std::size_t i = 0; i < texts.size(); ++i) {
    const std::string& t = texts[i];
    const std::string field = std::string(key) + '[' + std::to_string(i) + ']';
    const auto bad = [&] {
      f.fail(field, '"' + t + "\" is not " +
                        (dx ? "an ICD-10-CM code, range (A00-B99) or family (M54.1-)"
                            : "a CPT/HCPCS code, range (99213-99215) or family (992*)"));
    };
    CodePattern p;
    p.text = t;
    const auto norm = [&](std::string_view s) { return dx ? normalize_code(s) : normalize_proc(s); };
    if (!t.empty() && (t.back() == '*' || (dx && t.back() == '-'))) {
      p.kind = CodePattern::Kind::Prefix;
      p.lo = norm(std::string_view(t).substr(0, t.size() - 1));
      if (dx ? !dx_shape(p.lo, true) : (p.lo.empty() || p.lo.size() > 5 || !alnum_upper(p.lo))) bad();
    } else if (const auto dash = t.find('-'); dash != std::string::npos) {
      p.kind = CodePattern::Kind::Range;
      p.lo = norm(std::string_view(t).substr(0, dash));
      p.hi = norm(std::string_view(t).substr(dash + 1));
      const bool ok = dx ? dx_shape(p.lo, false) && dx_shape(p.hi, false)
                         : proc_shape(p.lo) && proc_shape(p.hi);
      if (!ok) bad();
      if (p.hi < p.lo.substr(0, std::min(p.lo.size(), p.hi.size()))) {
        f.fail(field, '"' + t + "\": the range ends before it starts");
      }
    } else {
      p.lo = norm(t);
      if (dx ? !dx_shape(p.lo, false) : !proc_shape(p.lo)) bad();
      if (dx) p.text = dotted(p.lo);
    }
    list.items.push_back(std::move(p));
  }
  return list;
}

std::string expand(std::string_view tmpl,
                   std::initializer_list<std::pair<std::string_view, std::string>> vars) {
  std::string out;
  out.reserve(tmpl.size() + 32);
  std::size_t i = 0;
  while (i < tmpl.size()) {
    if (tmpl[i] == '{') {
      const auto close = tmpl.find('}', i);
      if (close != std::string_view::npos) {
        const auto name = tmpl.substr(i + 1, close - i - 1);
        const auto it = std::find_if(vars.begin(), vars.end(),
                                     [&](const auto& v) { return v.first == name; });
        if (it != vars.end()) {
          out += it->second;
          i = close + 1;
          continue;
        }
      }
    }
    out += tmpl[i++];
  }
  return out;
}

void check_template(const EntryCommon& e, std::initializer_list<std::string_view> allowed) {
  const std::string_view t = e.message;
  std::size_t i = 0;
  while ((i = t.find('{', i)) != std::string_view::npos) {
    const auto close = t.find('}', i);
    if (close == std::string_view::npos) break;
    const auto name = t.substr(i + 1, close - i - 1);
    if (std::find(allowed.begin(), allowed.end(), name) == allowed.end()) {
      std::string names;
      for (auto a : allowed) {
        names += names.empty() ? "{" : ", {";
        names += a;
        names += '}';
      }
      throw PackError(e.where + ".message: unknown placeholder {" + std::string(name) +
                      "}; this kind offers " + names);
    }
    i = close + 1;
  }
}

std::string PackRule::render(
    std::string_view fallback,
    std::initializer_list<std::pair<std::string_view, std::string>> vars) const {
  return expand(c_.message.empty() ? fallback : std::string_view(c_.message), vars);
}

}  // namespace cg::rules::packs
