// claim.future-date (reject)
// Enforces: no date of service after the day the claim is received (RuleEnv::today: the
// server's clock, the CLI's --today). Line dates are checked first (DTP*472 / servicedDate);
// the claim dates only when no line date is in the future. Skipped when today is not set.
// Source: payer front-end edits (services must have been rendered before they are billed);
// WEDI SNIP level 4.
// Passes: DTP*472*D8*20240601 received 2024-06-01   Fails: the same line received 2024-05-31.
#include "rulesets/kinds/builtin.hpp"
#include "rulesets/kinds/common.hpp"

namespace cg::rules::kinds {

void check_claim_future_date(const Claim& claim, const RuleEnv& env, const BuiltinRule& rule,
                             Findings& out) noexcept {
  const Date today = env.today;
  if (today == Date{}) return;
  bool any = false;
  for (const auto& line : claim.lines) {
    std::optional<Date> late;
    if (line.service_from && today < *line.service_from) late = line.service_from;
    else if (line.service_to && today < *line.service_to) late = line.service_to;
    if (!late) continue;
    any = true;
    add_finding(out, rule.id, rule.severity,
                line_label(line) + " has date of service " + late->iso() +
                    ", after the day the claim was received (" + today.iso() +
                    "); correct the date or send the claim after the service.",
                line.date_src.empty() ? line.src : line.date_src, late->iso(), line.number, 0);
  }
  if (any) return;
  std::optional<Date> late;
  if (claim.date_from && today < *claim.date_from) late = claim.date_from;
  else if (claim.date_to && today < *claim.date_to) late = claim.date_to;
  if (!late) return;
  add_finding(out, rule.id, rule.severity,
              "The claim's date of service " + late->iso() +
                  " is after the day the claim was received (" + today.iso() +
                  "); correct the date or send the claim after the service.",
              claim.src, late->iso(), 0, 0);
}

}  // namespace cg::rules::kinds
