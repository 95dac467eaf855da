// Pack kind "diagnosis-requires-companion"
// Enforces: when a diagnosis in `diagnoses` is billed with a procedure in `procedures` (a
// line with that procedure pointing at it; "linked": false = anywhere on the claim; no
// procedures = on any claim), one of `requires` is also on the claim.
// Params: {"diagnoses": [...], "procedures": [...], "requires": [...], "linked": true}
// Message placeholders: {position} {code} {line} {procedure} {date} {requires}
// Source: ICD-10-CM "use additional code" conventions and payer policies; seed 002 (M96.1 on
// a pain-management E/M visit with G89.29).
// Passes: M96.1 + G89.29 on a 99214 line   Fails: M96.1 alone on a 99214 line.
#include "rulesets/kinds/pack_support.hpp"

namespace cg::rules::packs {
namespace {

struct Params {
  CodeList diagnoses;
  CodeList procedures;
  CodeList requires_;
  bool linked = true;
};

class DiagnosisRequiresCompanion final : public PackRule {
 public:
  DiagnosisRequiresCompanion(EntryCommon e, Params p)
      : PackRule(std::move(e), "A diagnosis billed with these procedures needs a companion code"),
        p_(std::move(p)) {}

  void check(const Claim& claim, const RuleEnv& env, Findings& out) const noexcept override {
    for (const auto& d : claim.diagnoses) {
      if (is_cm(d) && p_.requires_.matches(d.code)) return;
    }
    ClaimFacts scratch;
    const ClaimFacts* facts = nullptr;
    for (std::size_t i = 0; i < claim.diagnoses.size(); ++i) {
      const auto& d = claim.diagnoses[i];
      if (!is_cm(d) || !p_.diagnoses.matches(d.code)) continue;
      const ServiceLine* with = nullptr;
      Date date{};
      if (p_.procedures.empty()) {
        if (facts == nullptr) facts = &facts_for(claim, env, scratch);
        date = facts->dx[i].first_date();
      } else {
        for (const auto& line : claim.lines) {
          if (!p_.procedures.matches(line.procedure.code)) continue;
          bool points = !p_.linked;
          for (const auto& ptr : line.pointers) points = points || (ptr.value == d.position);
          if (!points) continue;
          with = &line;
          date = line_date(claim, line).value_or(Date{});
          break;
        }
        if (with == nullptr) continue;
      }
      if (!applies_on(date)) continue;
      std::string msg = render(
          with != nullptr
              ? "Diagnosis {position} ({code}) is billed with {procedure} (line {line}) without "
                "{requires}; add {requires} when the record supports it."
              : "Diagnosis {position} ({code}) is billed without {requires}; add {requires} when "
                "the record supports it.",
          {{"position", std::to_string(d.position)},
           {"code", dx_display(d)},
           {"line", with != nullptr ? std::to_string(with->number) : std::string()},
           {"procedure", with != nullptr ? with->procedure.code : std::string()},
           {"date", date.iso()},
           {"requires", p_.requires_.display()}});
      auto& f = add_finding(out, c_.id, c_.severity, std::move(msg), d.src, d.code_as_sent,
                            with != nullptr ? with->number : 0, d.position);
      f.suggestions = p_.requires_.exact_codes();
    }
  }

 private:
  Params p_;
};

}  // namespace

std::unique_ptr<const Rule> make_diagnosis_requires_companion(EntryCommon e, JsonFields& params) {
  Params p;
  p.diagnoses = read_codes(params, "diagnoses", CodeKind::Diagnosis, true);
  p.procedures = read_codes(params, "procedures", CodeKind::Procedure, false);
  p.requires_ = read_codes(params, "requires", CodeKind::Diagnosis, true);
  if (auto linked = params.boolean("linked")) p.linked = *linked;
  check_template(e, {"position", "code", "line", "procedure", "date", "requires"});
  return std::make_unique<DiagnosisRequiresCompanion>(std::move(e), std::move(p));
}

}  // namespace cg::rules::packs
