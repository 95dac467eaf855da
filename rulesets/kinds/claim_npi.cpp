// claim.npi (reject)
// Enforces: the billing provider NPI (837 loop 2010AA NM109 with NM108 = XX; FHIR provider
// identifier with the NPI system) is 10 digits whose last digit is the Luhn check digit
// computed over the prefix 80840 and the first 9 digits. Skipped when no NPI was sent.
// Source: CMS NPI standard (45 CFR 162.406; check digit per ISO/IEC 7812 with prefix 80840);
// clearinghouse edit practice (277CA A7:562 entity's NPI).
// Passes: 1234567893   Fails: 1234567890 (check digit), 123456789 (9 digits).
#include "rulesets/kinds/builtin.hpp"
#include "rulesets/kinds/common.hpp"

namespace cg::rules::kinds {
namespace {

bool valid_npi(std::string_view npi) {
  if (npi.size() != 10) return false;
  for (char c : npi)
    if (c < '0' || c > '9') return false;
  // Luhn over "80840" + the first 9 digits, doubling every second digit from the right of the
  // payload (the check digit itself is excluded).
  const std::string payload = "80840" + std::string(npi.substr(0, 9));
  int sum = 0;
  bool twice = true;
  for (auto it = payload.rbegin(); it != payload.rend(); ++it) {
    int d = *it - '0';
    if (twice) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    sum += d;
    twice = !twice;
  }
  return (10 - sum % 10) % 10 == npi[9] - '0';
}

}  // namespace

void check_claim_npi(const Claim& claim, const RuleEnv&, const BuiltinRule& rule, Findings& out) noexcept {
  if (claim.billing_npi.empty() || valid_npi(claim.billing_npi)) return;
  const SourceRef& src = claim.billing_npi_src.empty() ? claim.src : claim.billing_npi_src;
  add_finding(out, rule.id, rule.severity,
              "The billing provider NPI " + claim.billing_npi +
                  " is not valid (an NPI is 10 digits ending in its check digit); correct it from the "
                  "provider's NPPES record.",
              src, claim.billing_npi, 0, 0);
}

}  // namespace cg::rules::kinds
