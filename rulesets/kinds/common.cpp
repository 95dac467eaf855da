#include "rulesets/kinds/common.hpp"

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

Date claim_check_date(const Claim& claim, Date today) noexcept {
  if (auto d = claim.claim_date()) return *d;
  return today;
}

Date line_date(const Claim& claim, const ServiceLine& line, Date today) noexcept {
  if (line.service_from) return *line.service_from;
  if (line.service_to) return *line.service_to;
  return claim_check_date(claim, today);
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

void add_date(DxFacts& f, Date date, int line) noexcept {
  for (std::size_t i = 0; i < f.n_dates; ++i) {
    if (f.dates[i].date == date) return;
  }
  if (f.n_dates < DxFacts::kMaxDates) f.dates[f.n_dates++] = DxDate{date, line};
}

}  // namespace

void compute_facts(const Claim& claim, const RuleEnv& env, ClaimFacts& out) noexcept {
  out.claim = &claim;
  out.dx.clear();
  out.dx.resize(claim.diagnoses.size());
  for (const auto& line : claim.lines) {
    Date date{};
    bool have_date = false;
    for (const auto& p : line.pointers) {
      if (p.value < 1) continue;
      const int i = dx_index(claim, p.value);
      if (i < 0) continue;
      if (!have_date) {
        date = line_date(claim, line, env.today);
        have_date = true;
      }
      auto& f = out.dx[static_cast<std::size_t>(i)];
      f.pointed = true;
      add_date(f, date, line.number);
    }
  }
  const Date fallback = claim_check_date(claim, env.today);
  const auto* index = env.index();
  const bool want_mce = claim.birth_date.has_value() || claim.sex == 'M' || claim.sex == 'F';
  for (std::size_t i = 0; i < claim.diagnoses.size(); ++i) {
    auto& f = out.dx[i];
    if (f.n_dates == 0) add_date(f, fallback, 0);
    const auto& d = claim.diagnoses[i];
    if (index == nullptr || !is_cm(d)) continue;
    for (std::size_t k = 0; k < f.n_dates; ++k) {
      if (f.dates[k].date < kIcd10CmCutover) continue;
      f.status[k] = index->status(d.code, f.dates[k].date);
      f.checked = static_cast<std::uint8_t>(f.checked | (1u << k));
    }
    if (want_mce && f.was_checked(0) && f.status[0] == codesets::CodeStatus::Billable) {
      const auto e = index->demographics(d.code, f.dates[0].date);
      f.mce_done = true;
      f.mce_sex = e.sex;
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
