// icd10cm.header (reject)
// Enforces: a diagnosis code is a leaf (billable) code, not a category or subcategory that
// has children, in the release in force on the date of service. The message names the date
// it stopped being billable and its billable children (suggestions: all of them).
// Source: ICD-10-CM Official Guidelines I.A.2/I.B.1 (code to the highest specificity; only
// codes without children are valid); seed 001 (M54.5 a header from FY2022).
// Passes: M54.50 on 2021-10-01; M54.5 on 2021-09-30.
// Fails:  M54.5 on 2021-10-01 -> "Diagnosis 2 (M54.5) is a category header, not billable for
//         dates of service from 2021-10-01; use M54.50, M54.51 or M54.59."
#include "rulesets/kinds/builtin.hpp"
#include "rulesets/kinds/common.hpp"

namespace cg::rules::kinds {
namespace {

// The first day of the run of releases, ending with the one in force on `dos`, in which the
// code is a header; nullopt when it has been one since the oldest loaded release.
std::optional<Date> header_since(const codesets::Icd10Index& index, std::string_view code,
                                 Date dos) {
  const auto& rels = index.releases();
  std::size_t k = rels.size();
  for (std::size_t i = 0; i < rels.size(); ++i) {
    if (!(dos < rels[i].effective_from)) k = i;
  }
  if (k == rels.size()) return std::nullopt;
  while (k > 0 && index.status(code, rels[k - 1].effective_from) == codesets::CodeStatus::Header) {
    --k;
  }
  if (k == 0) return std::nullopt;
  return rels[k].effective_from;
}

}  // namespace

void check_icd10cm_header(const Claim& claim, const RuleEnv& env, const BuiltinRule& rule,
                          Findings& out) noexcept {
  const auto* index = env.index();
  if (index == nullptr) return;
  ClaimFacts scratch;
  const ClaimFacts& facts = facts_for(claim, env, scratch);
  for_each_status(claim, facts, codesets::CodeStatus::Header,
                  [&](const Diagnosis& d, const DxFacts& f, std::size_t k) {
    const Date dos = f.dates[k].date;
    const auto ex = index->lookup(d.code, dos);
    const auto children = dotted_all(ex.billable_children);
    std::string msg = dx_label(d) + " is a category header, not billable for dates of service ";
    if (auto since = header_since(*index, d.code, dos)) {
      msg += "from " + since->iso();
    } else {
      msg += "on " + dos.iso() + " (nor on any earlier date)";
    }
    if (!children.empty()) {
      msg += "; use " + join_or(children) + '.';
    } else {
      msg += "; use a billable code under it.";
    }
    auto& fd = add_finding(out, rule.id, rule.severity, std::move(msg), d.src, d.code_as_sent,
                           f.dates[k].line, d.position);
    fd.suggestions = children;
  });
}

}  // namespace cg::rules::kinds
