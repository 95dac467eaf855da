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

#include <algorithm>

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
    const auto children = dotted_all(index->lookup(d.code, dos).billable_children);
    // Lines on dates in other releases may need other children: suggest only the codes valid
    // on every date the code is a header, else say which fits which line.
    std::vector<std::pair<const DxDate*, std::vector<std::string>>> per_date;
    std::vector<std::string> common = children;
    bool differ = false;
    for (std::size_t j = k; j < f.dates.size(); ++j) {
      const auto& x = f.dates[j];
      if (!x.checked || x.status != codesets::CodeStatus::Header) continue;
      auto c = j == k ? children : dotted_all(index->lookup(d.code, x.date).billable_children);
      if (c != children) differ = true;
      std::vector<std::string> keep;
      for (const auto& code : common)
        if (std::find(c.begin(), c.end(), code) != c.end()) keep.push_back(code);
      common = std::move(keep);
      per_date.emplace_back(&x, std::move(c));
    }
    std::string msg = dx_label(d) + " is a category header, not billable for dates of service ";
    if (auto since = header_since(*index, d.code, dos)) {
      msg += "from " + since->iso();
    } else {
      msg += "on " + dos.iso() + " (nor on any earlier date)";
    }
    std::vector<std::string> suggestions = children;
    if (!differ) {
      msg += children.empty() ? "; use a billable code under it." : "; use " + join_or(children) + '.';
    } else if (!common.empty()) {
      msg += "; its lines fall in releases with different codes under it: use " + join_or(common) +
             ", valid on every one of those dates.";
      suggestions = common;
    } else {
      msg += "; its lines fall in releases with different codes under it:";
      for (std::size_t j = 0; j < per_date.size(); ++j) {
        const auto& [x, c] = per_date[j];
        msg += j ? "; " : " ";
        msg += (x->line > 0 ? "for line " + std::to_string(x->line) + " (" + x->date.iso() + ')'
                            : "for " + x->date.iso()) +
               " use " + (c.empty() ? std::string("a billable code under it") : join_or(c));
      }
      msg += '.';
    }
    auto& fd = add_finding(out, rule.id, rule.severity, std::move(msg), d.src, d.code_as_sent,
                           f.dates[k].line, d.position);
    fd.suggestions = std::move(suggestions);
  });
}

}  // namespace cg::rules::kinds
