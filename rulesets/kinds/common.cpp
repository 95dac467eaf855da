#include "rulesets/kinds/common.hpp"

#include <algorithm>

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
    for (auto& x : f.dates) {
      if (x.date < kIcd10CmCutover) continue;
      x.status = index->status(d.code, x.date);
      x.checked = true;
    }
    if (want_mce && f.was_checked(0) && f.dates[0].status == codesets::CodeStatus::Billable) {
      const auto e = index->demographics(d.code, f.dates[0].date);
      f.mce_done = true;
      f.mce_sex = e.sex;
      f.mce_source = e.source;
      f.mce_newer_than_list = e.beyond_list;
      if (e.age) {
        f.mce_has_age = true;
        f.mce_age_lo = static_cast<std::int16_t>(e.age->first);
        f.mce_age_hi = static_cast<std::int16_t>(e.age->second);
      }
    }
  }
}

const ClaimFacts& facts_for(const Claim& claim, const RuleEnv& env, ClaimFacts& scratch) noexcept {
  if (env.facts_ != nullptr && env.facts_->claim == &claim) return *env.facts_;
  compute_facts(claim, env, scratch);
  return scratch;
}

std::string dx_display(const Diagnosis& d) {
  if (d.system == CodeSystem::Icd10Cm && !d.code.empty()) return dotted(d.code);
  return d.code_as_sent.empty() ? d.code : d.code_as_sent;
}

std::string dx_label(const Diagnosis& d) {
  // A FHIR diagnosis whose sequence was not a positive integer has no position to name.
  std::string out = d.position > 0 ? "Diagnosis " + std::to_string(d.position)
                                   : "The diagnosis at " + (d.src.fhirpath.empty() ? std::string("an invalid position")
                                                                                    : d.src.fhirpath.substr(0, d.src.fhirpath.find(".diagnosisCodeableConcept")));
  const std::string code = dx_display(d);
  if (!code.empty()) out += " (" + code + ')';
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
