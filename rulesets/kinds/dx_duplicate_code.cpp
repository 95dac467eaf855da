// dx.duplicate-code (reject)
// Enforces: a diagnosis code appears once per claim (the same code in two HI positions or two
// diagnosis entries). Reported on the repeat, naming the first.
// Source: ICD-10-CM Official Guidelines (a code is reported once per encounter);
// clearinghouse edit practice (duplicate diagnosis codes rejected).
// The 837I admitting diagnosis (ABJ) and patient's reasons for visit (APR) are separate
// fields that legitimately repeat the principal or another diagnosis; they are not compared.
// Passes: M54.50, M51.16; 837I ABK S32.010A with ABJ S32.010A
// Fails: M54.50, M51.16, M54.50 (diagnosis 3 repeats 1).
#include "rulesets/kinds/builtin.hpp"
#include "rulesets/kinds/common.hpp"

#include <cstdio>

namespace cg::rules::kinds {

void check_dx_duplicate_code(const Claim& claim, const RuleEnv&, const BuiltinRule& rule,
                             Findings& out) noexcept {
  const auto& ds = claim.diagnoses;
  const auto separate_field = [](const Diagnosis& d) {
    return d.role == DxRole::Admitting || d.role == DxRole::ReasonForVisit;
  };
  for (std::size_t i = 1; i < ds.size(); ++i) {
    if (ds[i].code.empty() || separate_field(ds[i])) continue;
    for (std::size_t j = 0; j < i; ++j) {
      if (separate_field(ds[j])) continue;
      if (ds[j].code != ds[i].code || ds[j].system != ds[i].system) continue;
      std::string msg;  // one allocation: written into its final buffer
      msg.reserve(128);
      append_dx_label(msg, ds[i]);
      char n[16];
      const std::string_view position(n, static_cast<std::size_t>(std::snprintf(n, sizeof n, "%d", ds[j].position)));
      msg += " repeats diagnosis ";
      msg += position;
      msg += "; remove the repeat and point lines at diagnosis ";
      msg += position;
      msg += '.';
      add_finding(out, rule.id, rule.severity, std::move(msg), ds[i].src, ds[i].code_as_sent, 0, ds[i].position);
      break;
    }
  }
}

}  // namespace cg::rules::kinds
