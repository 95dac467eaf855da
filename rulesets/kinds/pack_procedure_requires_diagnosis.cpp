// Pack kind "procedure-requires-diagnosis" (medical necessity linkage)
// Enforces: a service line whose procedure (CPT/HCPCS) is in `procedures` points to at least
// one diagnosis in `diagnoses` (any pointer, or only the first: "pointer": "first").
// "if_claim_has" limits the entry to claims carrying one of those diagnoses (for procedures
// that are not specific to the payer policy, e.g. therapy on a spine claim).
// Params: {"procedures": [...], "diagnoses": [...], "pointer": "any"|"first",
//          "if_claim_has": [...]}
// Message placeholders: {line} {procedure} {date} {diagnoses} {pointed} {hint}
// Source: payer medical-necessity policies (LCD "ICD-10 codes that support medical
// necessity"); the seeds' "Related CPT procedures" lists.
// Passes: 63030 pointing at M51.26   Fails: 63030 pointing only at M54.50.
#include "rulesets/kinds/pack_support.hpp"

namespace cg::rules::packs {
namespace {

struct Params {
  CodeList procedures;
  CodeList diagnoses;
  bool first_only = false;
  CodeList if_claim_has;
};

class ProcedureRequiresDiagnosis final : public PackRule {
 public:
  ProcedureRequiresDiagnosis(EntryCommon e, Params p)
      : PackRule(std::move(e), "A procedure's line must point to one of the listed diagnoses"),
        p_(std::move(p)) {}

  void check(const Claim& claim, const RuleEnv& /*env*/, Findings& out) const noexcept override {
    if (!p_.if_claim_has.empty()) {
      bool has = false;
      for (const auto& d : claim.diagnoses) has = has || (is_cm(d) && p_.if_claim_has.matches(d.code));
      if (!has) return;
    }
    for (const auto& line : claim.lines) {
      if (!p_.procedures.matches(line.procedure.code)) continue;
      const Date date = line_date(claim, line).value_or(Date{});
      if (!applies_on(date)) continue;
      bool ok = false;
      std::vector<std::string> pointed;
      for (std::size_t k = 0; k < line.pointers.size() && !ok; ++k) {
        if (p_.first_only && k > 0) break;
        const int i = dx_index(claim, line.pointers[k].value);
        if (i < 0 || line.pointers[k].value < 1) continue;
        const auto& d = claim.diagnoses[static_cast<std::size_t>(i)];
        ok = is_cm(d) && p_.diagnoses.matches(d.code);
        if (!ok) pointed.push_back(std::to_string(d.position) + " (" + dx_display(d) + ')');
      }
      if (ok) continue;
      std::string hint;
      std::vector<std::string> suggestions;
      for (const auto& d : claim.diagnoses) {
        if (is_cm(d) && p_.diagnoses.matches(d.code)) {
          hint = "; diagnosis " + std::to_string(d.position) + " (" + dx_display(d) +
                 ") qualifies: point the line at it";
          suggestions.push_back(dx_display(d));
          break;
        }
      }
      std::string pointed_text = pointed.empty()         ? std::string("no diagnosis")
                                 : pointed.size() == 1 ? std::string("diagnosis ")
                                                       : std::string("diagnoses ");
      for (std::size_t k = 0; k < pointed.size(); ++k) {
        if (k > 0) pointed_text += k + 1 == pointed.size() ? " and " : ", ";
        pointed_text += pointed[k];
      }
      std::string msg = render(
          p_.first_only
              ? "Line {line} ({procedure}) must point first to a diagnosis in {diagnoses} for this "
                "payer; its first pointer leads to {pointed}{hint}."
              : "Line {line} ({procedure}) must point to a diagnosis in {diagnoses} for this "
                "payer; it points to {pointed}{hint}.",
          {{"line", std::to_string(line.number)},
           {"procedure", line.procedure.code},
           {"date", date.iso()},
           {"diagnoses", p_.diagnoses.display()},
           {"pointed", pointed_text},
           {"hint", hint}});
      const SourceRef& src = line.procedure.src.empty() ? line.src : line.procedure.src;
      auto& f = add_finding(out, c_.id, c_.severity, std::move(msg), src, line.procedure.code,
                            line.number, 0);
      f.suggestions = std::move(suggestions);
    }
  }

 private:
  Params p_;
};

}  // namespace

std::unique_ptr<const Rule> make_procedure_requires_diagnosis(EntryCommon e, JsonFields& params) {
  Params p;
  p.procedures = read_codes(params, "procedures", CodeKind::Procedure, true);
  p.diagnoses = read_codes(params, "diagnoses", CodeKind::Diagnosis, true);
  p.if_claim_has = read_codes(params, "if_claim_has", CodeKind::Diagnosis, false);
  if (auto ptr = params.string("pointer", false)) {
    if (*ptr == "first") {
      p.first_only = true;
    } else if (*ptr != "any") {
      params.fail("pointer", "expected \"any\" or \"first\"");
    }
  }
  check_template(e, {"line", "procedure", "date", "diagnoses", "pointed", "hint"});
  return std::make_unique<ProcedureRequiresDiagnosis>(std::move(e), std::move(p));
}

}  // namespace cg::rules::packs
