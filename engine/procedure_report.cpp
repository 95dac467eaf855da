#include "engine/procedure_report.hpp"

#include "parsers/text/json_string.hpp"

#include <rapidjson/prettywriter.h>
#include <rapidjson/stringbuffer.h>

namespace cg::engine {

using codesets::ProcedureCatalog;
using codesets::ProcedureExplanation;
using codesets::ProcedureStatus;

namespace {

// Why nothing is known on the date: no release of the catalog covers it.
std::string warning(const codesets::ProcedureCodes& codes, const ProcedureExplanation& e) {
  if (e.status != ProcedureStatus::NotLoaded) return {};
  const auto& rs = codes.releases(e.catalog);
  const std::string id = e.catalog == ProcedureCatalog::Icd10Pcs ? "icd10pcs" : "hcpcs";
  if (rs.empty())
    return id + ".code-set-not-loaded: no " + std::string(to_string(e.catalog)) + " release is compiled into this index";
  return id + ".code-set-not-loaded: the loaded " + std::string(to_string(e.catalog)) + " releases cover " +
         rs.front().effective_from.iso() + " to " + rs.back().effective_to.iso() + ", not " + e.dos.iso();
}

}  // namespace

std::optional<ProcedureCatalog> procedure_catalog(std::string_view s) {
  if (s == "icd10pcs") return ProcedureCatalog::Icd10Pcs;
  if (s == "hcpcs") return ProcedureCatalog::Hcpcs;
  if (s == "hcpcs-modifier") return ProcedureCatalog::HcpcsModifier;
  if (s == "cpt") return ProcedureCatalog::Cpt;
  return std::nullopt;
}

std::string procedure_report_json(const codesets::ProcedureCodes& codes, const ProcedureExplanation& e) {
  rapidjson::StringBuffer buf;
  rapidjson::PrettyWriter<rapidjson::StringBuffer> w(buf);
  w.SetIndent(' ', 2);
  const auto str = [&](const char* key, std::string_view v) {
    w.Key(key);
    text::write_json_string(w, v);
  };
  const auto date = [&](const char* key, const std::optional<rules::Date>& d) {
    w.Key(key);
    if (d) text::write_json_string(w, d->iso());
    else w.Null();
  };
  w.StartObject();
  str("code", e.code);
  str("system", to_string(e.catalog));
  str("dos", e.dos.iso());
  str("release", e.release);
  str("status", to_string(e.status));
  str("title", e.title);
  str("short_title", e.short_title);
  date("effective_from", e.effective_from);
  date("last_valid", e.last_valid);
  w.Key("replacements");
  w.StartArray();
  for (const auto& r : e.replacements) text::write_json_string(w, r);
  w.EndArray();
  w.Key("valid_children");
  w.Uint64(e.valid_children);
  w.Key("children_sample");
  w.StartArray();
  for (const auto& r : e.children_sample) text::write_json_string(w, r);
  w.EndArray();
  if (const auto warn = warning(codes, e); !warn.empty()) str("warning", warn);
  w.EndObject();
  return std::string(buf.GetString(), buf.GetSize()) + "\n";
}

std::string procedure_report_text(const codesets::ProcedureCodes& codes, const ProcedureExplanation& e) {
  std::string out;
  const auto line = [&](const char* label, std::string_view v) {
    if (v.empty()) return;
    char pad[24];
    std::snprintf(pad, sizeof pad, "%-18s", label);
    out += pad;
    out += v;
    out += '\n';
  };
  const auto list = [](const std::vector<std::string>& v) {
    std::string s;
    for (const auto& x : v) s += (s.empty() ? "" : ", ") + x;
    return s;
  };
  line("code", e.code);
  line("system", to_string(e.catalog));
  line("date of service", e.dos.iso());
  line("release", e.release.empty() ? "(none)" : e.release);
  line("warning", warning(codes, e));
  line("status", to_string(e.status));
  line("title", e.title);
  if (e.short_title != e.title) line("short title", e.short_title);
  if (e.effective_from)
    line(e.status == ProcedureStatus::Valid ? "added" : "effective from", e.effective_from->iso());
  if (e.last_valid) line("last valid", e.last_valid->iso());
  line("replacements", list(e.replacements));
  if (e.status == ProcedureStatus::Header) {
    line("valid codes under", std::to_string(e.valid_children));
    line("for example", list(e.children_sample));
  }
  return out;
}

}  // namespace cg::engine
