// Pack kind "require-specificity"
// Enforces: the unspecified codes in `diagnoses` are not accepted by this payer (optionally
// only when a line with one of `procedures` points at them). Suggestions: the code's billable
// siblings in the release in force (from the code set).
// Params: {"diagnoses": [...], "procedures": [...]}
// Message placeholders: {position} {code} {line} {procedure} {date} {alternatives}
// Source: payer policies; seed 001 (unspecified low back pain M54.50 may not support an
// epidural injection or advanced imaging).
// Passes: M54.51 on a 62323 line   Fails: M54.50 on a 62323 line.
#include "rulesets/kinds/pack_support.hpp"

namespace cg::rules::packs {
namespace {

struct Params {
  CodeList diagnoses;
  CodeList procedures;
};

class RequireSpecificity final : public PackRule {
 public:
  RequireSpecificity(EntryCommon e, Params p)
      : PackRule(std::move(e), "Unspecified diagnosis codes this payer does not accept"),
        p_(std::move(p)) {}

  void check(const Claim& claim, const RuleEnv& env, Findings& out) const noexcept override {
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
          bool points = false;
          for (const auto& ptr : line.pointers) points = points || (ptr.value == d.position);
          if (!points) continue;
          with = &line;
          date = line_date(claim, line).value_or(Date{});
          break;
        }
        if (with == nullptr) continue;
      }
      if (!applies_on(date)) continue;
      std::vector<std::string> siblings;
      if (const auto* index = env.index(); index != nullptr && d.code.size() > 3) {
        const std::string parent = d.code.substr(0, d.code.size() - 1);
        for (const auto& c : index->lookup(parent, date).billable_children) {
          if (normalize_code(c) != d.code) siblings.push_back(dotted(normalize_code(c)));
        }
      }
      std::string alternatives = siblings.empty() ? std::string() : ", e.g. " + join_or(siblings);
      // The wording follows the entry's severity: a reject refuses, a warn only cautions.
      const bool refuses = default_severity() == Severity::Reject;
      std::string msg = render(
          with != nullptr
              ? std::string("Diagnosis {position} ({code}) is an unspecified code this payer ") +
                    (refuses ? "does not accept" : "questions") +
                    " for {procedure} (line {line}); code to the specificity the record supports{alternatives}."
              : std::string("Diagnosis {position} ({code}) is an unspecified code this payer ") +
                    (refuses ? "does not accept" : "questions") +
                    "; code to the specificity the record supports{alternatives}.",
          {{"position", std::to_string(d.position)},
           {"code", dx_display(d)},
           {"line", with != nullptr ? std::to_string(with->number) : std::string()},
           {"procedure", with != nullptr ? with->procedure.code : std::string()},
           {"date", date.iso()},
           {"alternatives", alternatives}});
      auto& f = add_finding(out, c_.id, c_.severity, std::move(msg), d.src, d.code_as_sent,
                            with != nullptr ? with->number : 0, d.position);
      f.suggestions = std::move(siblings);
    }
  }

 private:
  Params p_;
};

}  // namespace

std::unique_ptr<const Rule> make_require_specificity(EntryCommon e, JsonFields& params) {
  Params p;
  p.diagnoses = read_codes(params, "diagnoses", CodeKind::Diagnosis, true);
  p.procedures = read_codes(params, "procedures", CodeKind::Procedure, false);
  check_template(e, {"position", "code", "line", "procedure", "date", "alternatives"});
  return std::make_unique<RequireSpecificity>(std::move(e), std::move(p));
}

}  // namespace cg::rules::packs
