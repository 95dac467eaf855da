#include "engine/code_report.hpp"

#include "parsers/text/json_string.hpp"
#include "rulesets/codesets/code_key.hpp"

#include <rapidjson/prettywriter.h>
#include <rapidjson/stringbuffer.h>

#include <optional>

namespace cg::engine {

using codesets::CodeExplanation;
using codesets::CodeRef;
using codesets::Icd10Index;

namespace {

template <class W>
void str(W& w, std::string_view s) {
  text::write_json_string(w, s);
}

template <class W>
void opt_date(W& w, const std::optional<rules::Date>& d) {
  if (d) str(w, d->iso());
  else w.Null();
}

template <class W>
void refs_json(W& w, const std::vector<CodeRef>& refs) {
  w.StartArray();
  for (const auto& r : refs) {
    w.StartObject();
    w.Key("ref");
    str(w, code_ref_text(r));
    w.Key("note");
    str(w, r.note);
    w.Key("declared_at");
    str(w, r.declared_at);
    w.Key("level");
    str(w, code_note_level(r.declared_at));
    w.EndObject();
  }
  w.EndArray();
}

}  // namespace

std::string code_ref_text(const CodeRef& r) {
  std::string s = codesets::dotted_code(r.first);
  if (!r.last.empty()) {
    s.push_back('-');
    s.append(codesets::dotted_code(r.last));
  }
  if (r.prefix) s.push_back('-');
  if (!r.with.empty()) s += " " + r.with;
  return s;
}

const char* code_sex_text(codesets::DemographicEdits::Sex s) {
  switch (s) {
    case codesets::DemographicEdits::Sex::MaleOnly: return "male";
    case codesets::DemographicEdits::Sex::FemaleOnly: return "female";
    case codesets::DemographicEdits::Sex::Any: break;
  }
  return "any";
}

std::string code_warning(const Icd10Index& idx, const CodeExplanation& e) {
  if (e.release_in_force_loaded) return {};
  if (e.release.empty())
    return "icd10cm.code-set-not-loaded: " + e.dos.iso() + " is before the first loaded release (" +
           idx.releases().front().name + ", " + idx.releases().front().effective_from.iso() + ")";
  return "icd10cm.code-set-not-loaded: the release in force on " + e.dos.iso() +
         " is not loaded; answered from the newest loaded release " + e.release + " (valid to " +
         idx.releases().back().effective_to.iso() + ")";
}

const char* code_note_level(const std::string& at) {
  if (!at.empty() && at.find_first_not_of("0123456789") == std::string::npos) return "chapter";
  if (at.find('-') != std::string::npos) return "section";
  return "code";
}

std::string code_poa_text(const Icd10Index& idx, const CodeExplanation& e) {
  if (e.status != codesets::CodeStatus::Billable) return {};
  const auto p = idx.poa_exemption(e.code, e.dos);
  if (p.list.empty()) return {};
  std::string s = p.exempt ? "exempt: leave the POA indicator empty (837I HI0n-9) on inpatient claims (CMS POA-exempt list " + p.list + ")"
                           : "required on inpatient claims: Y, N, U or W (not on the CMS POA-exempt list " + p.list + ")";
  if (p.beyond_list) s += "; no POA-exempt list after " + p.list + " is loaded, so the " + p.list + " list was used";
  return s;
}

std::string code_report_json(const Icd10Index& idx, const CodeExplanation& e) {
  rapidjson::StringBuffer buf;
  rapidjson::PrettyWriter<rapidjson::StringBuffer> w(buf);
  w.SetIndent(' ', 2);
  w.StartObject();
  w.Key("code");
  str(w, e.code);
  w.Key("dos");
  str(w, e.dos.iso());
  w.Key("release");
  if (e.release.empty()) w.Null();
  else str(w, e.release);
  w.Key("release_in_force_loaded");
  w.Bool(e.release_in_force_loaded);
  if (const auto warn = code_warning(idx, e); !warn.empty()) {
    w.Key("warning");
    str(w, warn);
  }
  w.Key("status");
  str(w, codesets::to_string(e.status));
  w.Key("title");
  str(w, e.title);
  w.Key("short_title");
  str(w, e.short_title);
  w.Key("billable_children");
  w.StartArray();
  for (const auto& c : e.billable_children) str(w, c);
  w.EndArray();
  w.Key("effective_from");
  opt_date(w, e.effective_from);
  w.Key("last_valid");
  opt_date(w, e.last_valid);
  w.Key("header_since");
  opt_date(w, e.header_since);
  w.Key("billable_until");
  opt_date(w, e.billable_until);
  w.Key("replacements");
  w.StartArray();
  for (const auto& c : e.replacements) str(w, c);
  w.EndArray();
  w.Key("related_codes");
  w.StartArray();
  for (const auto& c : e.related) str(w, c);
  w.EndArray();
  w.Key("extension_problem");
  str(w, e.extension_problem);
  w.Key("seventh_character");
  if (e.seventh) {
    w.StartObject();
    w.Key("defined_at");
    str(w, e.seventh->defined_at);
    w.Key("allowed");
    w.StartArray();
    for (std::size_t i = 0; i < e.seventh->allowed.size(); ++i) {
      w.StartObject();
      w.Key("char");
      str(w, std::string(1, e.seventh->allowed[i]));
      w.Key("meaning");
      str(w, i < e.seventh->meanings.size() ? e.seventh->meanings[i] : std::string());
      w.EndObject();
    }
    w.EndArray();
    w.EndObject();
  } else {
    w.Null();
  }
  w.Key("excludes1");
  refs_json(w, e.excludes1);
  w.Key("excludes2");
  refs_json(w, e.excludes2);
  w.Key("manifestation");
  w.Bool(e.manifestation);
  w.Key("chapter");
  w.Int(idx.chapter(e.code, e.dos));
  w.Key("notes_release");
  str(w, e.notes_release);
  const auto d = idx.demographics(e.code, e.dos);
  w.Key("demographics");
  w.StartObject();
  w.Key("sex");
  str(w, code_sex_text(d.sex));
  w.Key("age_category");
  if (d.age_category.empty()) w.Null();
  else str(w, d.age_category);
  w.Key("age_min");
  if (d.age) w.Int(d.age->first);
  else w.Null();
  w.Key("age_max");
  if (d.age) w.Int(d.age->second);
  else w.Null();
  w.Key("source");
  str(w, d.source);
  w.EndObject();
  // POA: only for a code billable on the date (the lists hold billable codes only).
  w.Key("poa");
  if (const auto p = idx.poa_exemption(e.code, e.dos); e.status == codesets::CodeStatus::Billable && !p.list.empty()) {
    w.StartObject();
    w.Key("exempt");
    w.Bool(p.exempt);
    w.Key("list");
    str(w, p.list);
    w.Key("beyond_list");
    w.Bool(p.beyond_list);
    w.EndObject();
  } else {
    w.Null();
  }
  w.EndObject();
  return std::string(buf.GetString(), buf.GetSize()) + "\n";
}


}  // namespace cg::engine
