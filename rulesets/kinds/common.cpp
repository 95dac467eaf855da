#include "rulesets/kinds/common.hpp"
#include "rulesets/kinds/procedure_common.hpp"

#include <algorithm>
#include <cstdio>

namespace cg::rules {

int dx_index(const Claim& claim, int position) noexcept {
  const auto& d = claim.diagnoses;
  if (position >= 1 && static_cast<std::size_t>(position) <= d.size() &&
      d[static_cast<std::size_t>(position) - 1].position == position) {
    return position - 1;
  }
  for (std::size_t i = 0; i < d.size(); ++i) {
    if (d[i].position == position) return static_cast<int>(i);
  }
  return -1;
}

std::optional<Date> claim_check_date(const Claim& claim) noexcept { return claim.claim_date(); }

std::optional<Date> line_date(const Claim& claim, const ServiceLine& line) noexcept {
  if (line.service_from) return line.service_from;
  if (line.service_to) return line.service_to;
  return claim_check_date(claim);
}

bool has_line_pointers(const Claim& claim) noexcept {
  return claim.kind == ClaimKind::Professional || claim.kind == ClaimKind::Dental;
}

bool is_x12(const Claim& claim) noexcept { return claim.format != Format::Fhir; }

int first_listed(const Claim& claim) noexcept {
  int best = -1;
  for (std::size_t i = 0; i < claim.diagnoses.size(); ++i) {
    const auto& d = claim.diagnoses[i];
    if (d.role == DxRole::Principal) return static_cast<int>(i);
    if (best < 0 || d.position < claim.diagnoses[static_cast<std::size_t>(best)].position) {
      best = static_cast<int>(i);
    }
  }
  return best;
}

bool is_cm(const Diagnosis& d) noexcept {
  return d.system == CodeSystem::Icd10Cm && !d.code.empty();
}

namespace {

void add_date(DxFacts& f, Date date, int line) {
  for (auto& x : f.dates) {
    if (x.date == date) {
      if (line < x.line) x.line = line;
      return;
    }
  }
  f.dates.push_back(DxDate{date, line, codesets::CodeStatus::Unknown, false});
}

}  // namespace

void compute_facts(const Claim& claim, const RuleEnv& env, ClaimFacts& out) noexcept {
  out.claim = &claim;
  out.statuses = 0;
  out.mce_age = out.mce_sex = out.beyond_newest = false;
  out.dx.clear();
  out.dx.resize(claim.diagnoses.size());
  for (const auto& line : claim.lines) {
    std::optional<Date> date;
    bool have_date = false;
    for (const auto& p : line.pointers) {
      if (p.value < 1) continue;
      const int i = dx_index(claim, p.value);
      if (i < 0) continue;
      if (!have_date) {
        date = line_date(claim, line);
        have_date = true;
      }
      auto& f = out.dx[static_cast<std::size_t>(i)];
      f.pointed = true;
      if (date) add_date(f, *date, line.number);
    }
  }
  const std::optional<Date> fallback = claim_check_date(claim);
  const auto* index = env.index();
  const bool want_mce = claim.birth_date.has_value() || claim.sex == 'M' || claim.sex == 'F';
  for (std::size_t i = 0; i < claim.diagnoses.size(); ++i) {
    auto& f = out.dx[i];
    if (f.dates.empty() && fallback) add_date(f, *fallback, 0);
    std::sort(f.dates.begin(), f.dates.end(),
              [](const DxDate& a, const DxDate& b) { return a.date < b.date; });
    const auto& d = claim.diagnoses[i];
    if (index == nullptr || !is_cm(d)) continue;
    for (std::size_t k = 0; k < f.dates.size(); ++k) {
      auto& x = f.dates[k];
      out.beyond_newest = out.beyond_newest || index->beyond_newest(x.date);
      if (x.date < kIcd10CmCutover) continue;
      x.checked = true;
      if (k > 0) {
        x.status = index->status(d.code, x.date);
        out.statuses |= 1u << static_cast<unsigned>(x.status);
        continue;
      }
      const auto p = index->probe(d.code, x.date, want_mce);
      x.status = p.status;
      out.statuses |= 1u << static_cast<unsigned>(x.status);
      f.notes = p.notes;
      if (!p.demographics) continue;
      const auto& e = *p.demographics;
      f.mce_done = true;
      f.mce_sex = e.sex;
      out.mce_sex = out.mce_sex || e.sex != codesets::DemographicEdits::Sex::Any;
      out.mce_age = out.mce_age || e.age.has_value();
      f.mce_source = e.source;
      f.mce_newer_than_list = e.beyond_list;
      if (e.age) {
        f.mce_has_age = true;
        f.mce_age_lo = static_cast<std::int16_t>(e.age->first);
        f.mce_age_hi = static_cast<std::int16_t>(e.age->second);
      }
    }
  }
  out.lines.clear();
  out.lines.resize(claim.lines.size());
  const auto* codes = kinds::procedure_codes(env);
  for (std::size_t i = 0; i < claim.lines.size(); ++i) {
    const auto& l = claim.lines[i];
    auto& x = out.lines[i];
    x.date = line_date(claim, l);
    x.system = procedure_system(l.procedure.system, l.procedure.code);
    x.pcs = x.date && kinds::pcs_on_line(l, *x.date, env);
    const auto catalog = kinds::line_catalog(l, env);
    if (!catalog || !x.date || l.procedure.code.empty() || x.pcs) continue;
    x.coded = true;
    x.catalog = *catalog;
    x.status = codes ? codes->status(*catalog, l.procedure.code, *x.date) : codesets::ProcedureStatus::NotLoaded;
  }
}

const ClaimFacts& facts_for(const Claim& claim, const RuleEnv& env, ClaimFacts& scratch) noexcept {
  if (env.facts_ != nullptr && env.facts_->claim == &claim) return *env.facts_;
  compute_facts(claim, env, scratch);
  return scratch;
}

void append_dx_display(std::string& out, const Diagnosis& d) {
  if (d.system == CodeSystem::Icd10Cm && !d.code.empty()) {
    for (std::size_t i = 0; i < d.code.size(); ++i) {  // dotted()
      if (i == 3 && d.code.find('.') == std::string::npos) out += '.';
      out += d.code[i];
    }
    return;
  }
  out += d.code_as_sent.empty() ? d.code : d.code_as_sent;
}

std::string dx_display(const Diagnosis& d) {
  std::string out;
  append_dx_display(out, d);
  return out;
}

void append_dx_label(std::string& out, const Diagnosis& d) {
  // A FHIR diagnosis whose sequence was not a positive integer has no position to name.
  if (d.position > 0) {
    out += "Diagnosis ";
    char buf[16];
    const int n = std::snprintf(buf, sizeof buf, "%d", d.position);
    out.append(buf, static_cast<std::size_t>(n));
  } else {
    out += "The diagnosis at ";
    if (d.src.fhirpath.empty())
      out += "an invalid position";
    else
      out.append(std::string_view(d.src.fhirpath).substr(0, d.src.fhirpath.find(".diagnosisCodeableConcept")));
  }
  const std::size_t before = out.size();
  out += " (";
  append_dx_display(out, d);
  if (out.size() == before + 2) {
    out.resize(before);  // no code to show
    return;
  }
  out += ')';
}

std::string dx_label(const Diagnosis& d) {
  std::string out;
  append_dx_label(out, d);
  return out;
}

std::string line_label(const ServiceLine& l) {
  std::string out = "Line " + std::to_string(l.number);
  if (!l.procedure.code.empty()) out += " (" + l.procedure.code + ')';
  return out;
}

std::string_view pointer_element(const Claim& claim) noexcept {
  switch (claim.format) {
    case Format::X12_837P: return "SV107";
    case Format::X12_837D: return "SV311";
    case Format::X12_837I: return "pointer";
    case Format::Fhir: return "diagnosisSequence";
  }
  return "pointer";
}

std::vector<std::string> dotted_all(const std::vector<std::string>& codes) {
  std::vector<std::string> out;
  out.reserve(codes.size());
  for (const auto& c : codes) out.push_back(dotted(normalize_code(c)));
  return out;
}

Finding& add_finding(Findings& out, std::string_view rule, Severity severity, std::string message,
                     const SourceRef& src, std::string_view value, int line, int diagnosis) {
  Finding& f = out.emplace_back();
  f.rule = std::string(rule);
  f.severity = severity;
  f.message = std::move(message);
  f.value = std::string(value);
  f.src = src;
  f.line = line;
  f.diagnosis = diagnosis;
  return f;
}

}  // namespace cg::rules
