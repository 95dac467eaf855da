// Pack kind "forbidden-combination"
// Enforces: no diagnosis in `first` together with a diagnosis in `second` on one claim
// (reported on the `second` one, naming the first). For the code set's own Excludes1 pairs
// the built-in icd10cm.excludes1 applies; this kind is for payer policy.
// Params: {"first": [...], "second": [...]}
// Message placeholders: {position} {code} {other_position} {other_code} {date}
// Source: payer policies; seed 002 (M96.1 with M96.3: kyphosis has its own code).
// Passes: M96.1 alone   Fails: M96.1 with M96.3.
#include "rulesets/kinds/pack_support.hpp"

namespace cg::rules::packs {
namespace {

struct Params {
  CodeList first;
  CodeList second;
};

class ForbiddenCombination final : public PackRule {
 public:
  ForbiddenCombination(EntryCommon e, Params p)
      : PackRule(std::move(e), "Two diagnoses this payer does not accept on one claim"),
        p_(std::move(p)) {}

  void check(const Claim& claim, const RuleEnv& /*env*/, Findings& out) const noexcept override {
    const auto& ds = claim.diagnoses;
    for (std::size_t j = 0; j < ds.size(); ++j) {
      if (!is_cm(ds[j]) || !p_.second.matches(ds[j].code)) continue;
      for (std::size_t i = 0; i < ds.size(); ++i) {
        if (i == j || !is_cm(ds[i]) || !p_.first.matches(ds[i].code)) continue;
        if (ds[i].code == ds[j].code) continue;
        const Date date = claim_check_date(claim).value_or(Date{});
        if (!applies_on(date)) return;
        std::string msg = render(
            "Diagnosis {position} ({code}) may not be billed with diagnosis {other_position} "
            "({other_code}) under this payer's rules; keep the one the record supports.",
            {{"position", std::to_string(ds[j].position)},
             {"code", dx_display(ds[j])},
             {"other_position", std::to_string(ds[i].position)},
             {"other_code", dx_display(ds[i])},
             {"date", date.iso()}});
        add_finding(out, c_.id, c_.severity, std::move(msg), ds[j].src, ds[j].code_as_sent, 0,
                    ds[j].position);
        break;
      }
    }
  }

 private:
  Params p_;
};

}  // namespace

std::unique_ptr<const Rule> make_forbidden_combination(EntryCommon e, JsonFields& params) {
  Params p;
  p.first = read_codes(params, "first", CodeKind::Diagnosis, true);
  p.second = read_codes(params, "second", CodeKind::Diagnosis, true);
  check_template(e, {"position", "code", "other_position", "other_code", "date"});
  return std::make_unique<ForbiddenCombination>(std::move(e), std::move(p));
}

}  // namespace cg::rules::packs
