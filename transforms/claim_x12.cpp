#include "transforms/claim_x12.hpp"

#include "transforms/code_systems.hpp"

#include <algorithm>
#include <charconv>
#include <initializer_list>
#include <span>

namespace cg::transforms {
namespace {

using rules::Claim;
using rules::ClaimKind;
using rules::Party;

constexpr char kEl = '*', kComp = ':', kRep = '^', kTerm = '~';
const std::string kExtensionPath = "Claim.extension('" + std::string(kX12Extension) + "').extension('";

std::string_view guide_of(ClaimKind k) {
  return k == ClaimKind::Institutional ? "005010X223A2" : k == ClaimKind::Dental ? "005010X224A2" : "005010X222A1";
}

std::string padded(std::string_view v, std::size_t n) {
  std::string s(v.substr(0, n));
  s.resize(n, ' ');
  return s;
}

std::string zero_padded(std::uint64_t v, std::size_t n) {
  std::string s = std::to_string(v);
  return s.size() >= n ? s : std::string(n - s.size(), '0') + s;
}

std::string d8(const rules::Date& d) {
  std::string iso = d.iso();
  return iso.substr(0, 4) + iso.substr(5, 2) + iso.substr(8, 2);
}

// Why a value cannot be written into an 837 element (empty when it can): X12 has no escape for
// its delimiters, and the reader (like payers' translators) refuses control characters, which
// would also split the lines of whatever stores the file. A composite element's own component
// separators are allowed.
std::string_view unwritable(std::string_view v, bool composite) {
  for (const char ch : v) {
    if (ch == kEl || ch == kRep || ch == kTerm || (ch == kComp && !composite)) return "holds an X12 delimiter (* : ^ ~)";
    const auto u = static_cast<unsigned char>(ch);
    if (u < 0x20 || u == 0x7F) return "holds a control character";
  }
  return {};
}

// One transaction set being built: segments, the count, and what could not be written.
class SetBuilder {
 public:
  SetBuilder(const Claim& c, Conversion& out) : c_(c), out_(out) {}

  // A segment from its elements; trailing empty elements dropped. A value that cannot be
  // written (a delimiter: X12 has no escape; a control character) is an error located at the
  // value's source. `composites`: the positions of elements built by comp(), whose component
  // separators are the only ones allowed (their components were checked there).
  void seg(std::initializer_list<std::string_view> els, const rules::SourceRef& src = {},
           std::initializer_list<std::size_t> composites = {}) {
    std::size_t last = 0, i = 0;
    for (auto e : els) {
      if (!e.empty()) last = i;
      ++i;
    }
    i = 0;
    for (auto e : els) {
      if (i > last) break;
      if (i) text_ += kEl;
      const bool composite = std::find(composites.begin(), composites.end(), i) != composites.end();
      if (const std::string_view why = unwritable(e, composite); i > 0 && !why.empty()) {
        unmappable(std::string(*els.begin()) + (i < 10 ? "0" : "") + std::to_string(i) + " value '" + std::string(e) +
                       "' " + std::string(why),
                   src.empty() ? c_.src : src, std::string(e));
      }
      text_ += e;
      ++i;
    }
    text_ += kTerm;
    text_ += '\n';
    ++count_;
  }
  // A composite element value from its components (trailing empty ones dropped).
  std::string comp(std::initializer_list<std::string_view> parts, const rules::SourceRef& src = {}) {
    return comp(std::span<const std::string_view>(parts.begin(), parts.size()), src);
  }
  std::string comp(std::span<const std::string_view> parts, const rules::SourceRef& src = {}) {
    std::size_t last = 0, i = 0;
    for (auto p : parts) {
      if (!p.empty()) last = i;
      ++i;
    }
    std::string s;
    i = 0;
    for (auto p : parts) {
      if (i > last) break;
      if (i) s += kComp;
      if (const std::string_view why = unwritable(p, false); !why.empty())
        unmappable("value '" + std::string(p) + "' " + std::string(why), src.empty() ? c_.src : src, std::string(p));
      s += p;
      ++i;
    }
    return s;
  }

  // `where`: the element the value would come from (an X12 location, or a FHIRPath for a FHIR
  // claim); fhir_hint names, for a FHIR claim, what would carry the value.
  void missing(std::string what, const rules::SourceRef& where, std::string fhir_hint) {
    const bool fhir = c_.format == rules::Format::Fhir;
    rules::SourceRef src = where.empty() ? c_.src : where;
    out_.errors.push_back(conversion_finding(
        kConvertMissing, "the 837 needs " + what + (fhir && !fhir_hint.empty() ? " (FHIR: " + fhir_hint + ")" : ""),
        src));
  }
  void warn(rules::Finding f) { out_.warnings.push_back(std::move(f)); }
  void unmappable(std::string what, const rules::SourceRef& where, std::string value = {}) {
    out_.errors.push_back(conversion_finding(kConvertUnmappable, std::move(what), where, std::move(value)));
  }

  std::string text_;
  std::size_t count_ = 0;

 private:
  const Claim& c_;
  Conversion& out_;
};

}  // namespace

struct Claim837Writer::Impl {
  // Writes the transaction set of one claim into b (ST through SE).
  static void write_set(const Claim& c, ClaimKind kind, const X12WriteOptions& o, const X12Stamp& stamp,
                        const std::string& st02, SetBuilder& b);
  static void party_name(SetBuilder& b, std::string_view entity, const Party& p, bool with_id);
  static void address(SetBuilder& b, const Party& p);
};

void Claim837Writer::Impl::party_name(SetBuilder& b, std::string_view entity, const Party& p, bool with_id) {
  b.seg({"NM1", entity, p.person ? "1" : "2", p.last_or_org, p.person ? std::string_view(p.first) : "",
         p.person ? std::string_view(p.middle) : "", "", p.person ? std::string_view(p.suffix) : "",
         with_id ? std::string_view(p.id_qualifier) : "", with_id ? std::string_view(p.id) : ""});
}

void Claim837Writer::Impl::address(SetBuilder& b, const Party& p) {
  if (p.address1.empty() && p.city.empty()) return;
  if (!p.address1.empty()) b.seg({"N3", p.address1, p.address2});
  b.seg({"N4", p.city, p.state, p.zip, p.country});
}

void Claim837Writer::Impl::write_set(const Claim& c, ClaimKind kind, const X12WriteOptions& o,
                                     const X12Stamp& stamp, const std::string& st02, SetBuilder& b) {
  namespace cs = code_systems;
  const auto& d = c.details;
  // The parties as plain references (an absent one reads as an empty Party).
  const struct {
    const Party &billing, &rendering, &attending, &referring, &facility, &subscriber, &patient, &payer;
  } pt{*c.parties.billing, *c.parties.rendering, *c.parties.attending, *c.parties.referring,
       *c.parties.facility, *c.parties.subscriber, *c.parties.patient, *c.parties.payer};
  const bool inst = kind == ClaimKind::Institutional, dental = kind == ClaimKind::Dental;
  const bool fhir = c.format == rules::Format::Fhir;
  const rules::SourceRef none;
  auto at = [&](std::string_view fhirpath) {
    rules::SourceRef r;
    if (fhir) r.fhirpath = std::string(fhirpath);
    return r;
  };

  // --- the envelope (ISA/GS are written once per interchange, from the options)
  for (const auto& [v, what] : {std::pair<std::string_view, const char*>{o.sender.qualifier, "ISA05"},
                                {o.sender.id, "ISA06"}, {o.sender.gs_id(), "GS02"},
                                {o.receiver.qualifier, "ISA07"}, {o.receiver.id, "ISA08"}, {o.receiver.gs_id(), "GS03"}}) {
    if (const std::string_view why = unwritable(v, false); !why.empty())
      b.unmappable(std::string("the envelope's ") + what + " value '" + std::string(v) + "' " + std::string(why), none,
                   std::string(v));
  }

  // --- what the 837 requires
  if (c.id.empty()) b.missing("CLM01, the patient control number", at("Claim.identifier"), "Claim.identifier[0].value");
  if (!c.total.present) b.missing("CLM02, the total charge", at("Claim.total"), "Claim.total.value");
  if (c.billing_npi.empty() && pt.billing.id.empty())
    b.missing("the billing provider NPI (loop 2010AA NM109)",
              c.billing_npi_src.empty() ? at("Claim.provider") : c.billing_npi_src, "Claim.provider identifier us-npi");
  if (pt.billing.tax_id.empty())
    b.missing("the billing provider tax id (loop 2010AA REF*EI or REF*SY)", at("Claim.provider"),
              "Claim.provider identifier " + std::string(cs::kEin));
  if (pt.billing.last_or_org.empty()) b.missing("the billing provider name (2010AA NM103)", at("Claim.provider"), "Claim.provider name");
  if (pt.billing.address1.empty() || pt.billing.city.empty() || pt.billing.state.empty() || pt.billing.zip.empty())
    b.missing("the billing provider address (2010AA N301, N401, N402, N403)", at("Claim.provider"), "Claim.provider address");
  if (pt.subscriber.id.empty())
    b.missing("the subscriber id (loop 2010BA NM109)", at("Claim.insurance"), "Coverage.subscriberId");
  if (pt.subscriber.last_or_org.empty())
    b.missing("the subscriber last name (2010BA NM103)", at("Claim.insurance"), "Coverage.subscriber name.family");
  if (c.payer_id.empty() && pt.payer.id.empty())
    b.missing("the payer id (loop 2010BB NM109)", at("Claim.insurer"), "Claim.insurer / Coverage.payor identifier");
  if (pt.payer.last_or_org.empty()) b.missing("the payer name (2010BB NM103)", at("Claim.insurer"), "Claim.insurer name");
  const Party& patient = pt.patient.empty() ? pt.subscriber : pt.patient;
  if (!c.birth_date || !c.sex)
    b.missing("the patient's birth date and sex (DMG02, DMG03)", at("Claim.patient"), "Patient.birthDate, Patient.gender");
  if (pt.patient.empty() ? false : patient.last_or_org.empty())
    b.missing("the patient last name (2010CA NM103)", at("Claim.patient"), "Patient.name.family");
  if (c.facility_code.empty())
    b.missing(inst ? "the facility type code (CLM05-1, from the type of bill)" : "the place of service (CLM05-1)",
              at("Claim"), inst ? "Claim.supportingInfo typeofbill" : "Claim.item.locationCodeableConcept");
  if (c.frequency_code.empty())
    b.missing("the claim frequency code (CLM05-3)", at("Claim"), kExtensionPath + "CLM05-3')");
  const std::pair<const std::string*, const char*> indicators[] = {
      {&d.provider_signature, "CLM06 provider signature on file (Y/N)"},
      {&d.assignment, "CLM07 assignment or plan participation (A/B/C)"},
      {&d.benefits_assignment, "CLM08 benefits assignment certification (Y/N/W)"},
      {&d.release_of_info, "CLM09 release of information (I/Y)"},
      {&d.payer_responsibility, "SBR01 payer responsibility sequence (P/S/T ...)"},
      {&d.filing_indicator, "SBR09 claim filing indicator (CI, MB, MC ...)"},
  };
  for (const auto& [v, what] : indicators) {
    if (inst && std::string_view(what).starts_with("CLM06")) continue;
    if (v->empty()) b.missing(what, at("Claim"), kExtensionPath + std::string(std::string_view(what).substr(0, 5)) + "')");
  }
  if (pt.patient.empty() && d.relationship.empty())
    b.missing("the patient's relationship to the subscriber (SBR02, 18 when the patient is the subscriber)",
              at("Claim.insurance"), "Coverage.relationship");
  if (c.diagnoses.empty() && !dental) b.missing("at least one diagnosis (HI)", at("Claim.diagnosis"), "Claim.diagnosis");
  if (inst && (!c.date_from || !c.date_to))
    b.missing("the statement dates (DTP*434)", at("Claim.billablePeriod"), "Claim.billablePeriod");
  if (inst && d.patient_status.empty())
    b.missing("the patient status (CL103)", at("Claim.supportingInfo"), "Claim.supportingInfo discharge-status");
  if (c.lines.empty()) b.missing("at least one service line (loop 2400)", at("Claim.item"), "Claim.item");
  if (const auto& t = d.created_time; !t.empty() && ((t.size() != 4 && t.size() < 6) || t.size() > 8 ||
                                                     t.find_first_not_of("0123456789") != std::string::npos))
    b.unmappable("the creation time '" + t + "' is not an X12 time HHMM[SS[D[D]]] (BHT05)", at("Claim"), t);
  if (o.contact_phone.empty())
    b.missing("the submitter contact phone (1000A PER04): configure it (--contact-phone)", none, "");
  if (o.sender.id.empty() || o.receiver.id.empty())
    b.missing("the interchange sender and receiver ids (--sender, --receiver)", none, "");
  for (std::size_t i = 0; i < c.lines.size(); ++i) {
    const auto& l = c.lines[i];
    const std::string item = "Claim.item[" + std::to_string(i) + "]";
    if (!l.charge.present) b.missing("the line charge (SV102 / SV203 / SV302)", l.src, item + ".net");
    if (inst ? l.revenue_code.empty() : l.procedure.code.empty())
      b.missing(inst ? "the revenue code (SV201)" : "the procedure code (SV101-2 / SV301-2)", l.src,
                item + (inst ? ".revenue" : ".productOrService"));
    if (!dental && !l.units) b.missing("the service unit count (SV104 / SV205)", l.src, item + ".quantity.value");
    if (!inst && !dental && !l.service_from) b.missing("the date of service (DTP*472)", l.src, item + ".servicedDate");
    if (!inst && !dental && l.pointers.empty())
      b.missing("at least one diagnosis pointer (SV107)", l.src, item + ".diagnosisSequence");
    if (!l.procedure.code.empty()) {
      const std::string_view q = cs::line_procedure_qualifier(l.procedure);
      if (q.empty() || (dental ? q != "AD" : q != "HC"))
        b.unmappable("procedure code system '" + l.procedure.system + "' cannot be written in " +
                         std::string(guide_of(kind)) + (dental ? " (CDT, qualifier AD)" : " (CPT/HCPCS, qualifier HC)"),
                     l.procedure.src, l.procedure.system);
    }
    for (const auto& p : l.pointers)
      if (p.value < 1 || p.value > 12)  // SV107 / SV311: N0 1-2, a position 1 to 12
        b.unmappable("diagnosis pointer '" + p.raw + "' is not a diagnosis position 1 to 12", p.src, p.raw);
    if (l.pointers.size() > 4) b.unmappable("more than 4 diagnosis pointers on one line (SV107 holds 4)", l.src);
    if (!dental && !l.teeth.empty()) b.unmappable("tooth numbers on a non-dental claim", l.src);
  }
  for (const auto& p : c.procedures) {
    if (!inst) b.unmappable("claim-level procedures (ICD-10-PCS) exist only in the 837I", p.src, p.code);
    else if (p.system != rules::ProcedureSystem::Icd10Pcs && p.system != rules::ProcedureSystem::Icd9Cm)
      b.unmappable("procedure " + std::to_string(p.position) + " is not ICD-10-PCS or ICD-9-CM", p.src, p.system_as_sent);
    else if (!p.date)
      b.missing("the procedure date (HI0n-4) of procedure " + std::to_string(p.position), p.src,
                "Claim.procedure.date");
  }
  for (const auto& dx : c.diagnoses) {
    if (dx.system != rules::CodeSystem::Icd10Cm && dx.system != rules::CodeSystem::Icd9Cm)
      b.unmappable("diagnosis " + std::to_string(dx.position) + " is not ICD-10-CM or ICD-9-CM ('" +
                       std::string(dx.system_as_sent) + "')",
                   dx.src, dx.system_as_sent);
  }
  if (static_cast<int>(c.diagnoses.size()) > (inst ? 25 : dental ? 4 : 12))
    b.unmappable("more diagnoses than the " + std::string(guide_of(kind)) + " HI holds", c.src);
  for (std::size_t i = 0; i < c.diagnoses.size(); ++i)
    if (c.diagnoses[i].position != static_cast<int>(i + 1))
      b.unmappable("diagnosis sequences must be 1, 2, 3 ... in order for the 837 (HI positions are the pointers)",
                   c.diagnoses[i].src);
  using Named = std::pair<const Party*, std::string_view>;
  for (const auto& [p, role] : {Named{&pt.referring, "referring provider"}, Named{&pt.facility, "service facility"},
                                Named{&pt.rendering, "rendering provider"}})
    if (!p->taxonomy.empty() && (p != &pt.rendering || inst))
      b.warn(conversion_finding(kConvertNotCarried,
                                "the 837 has no PRV for the " + std::string(role) + ": its taxonomy " + p->taxonomy +
                                    " is not written",
                                {}, p->taxonomy, rules::Severity::Warn));
  for (const auto& u : c.x12.unmapped)
    b.warn(conversion_finding(kConvertNotCarried, "segment " + u + " is not carried into the converted claim", {}, u,
                              rules::Severity::Warn));

  // --- the transaction set
  b.seg({"ST", "837", st02, guide_of(kind)});
  // BHT04/BHT05: the claim's own creation date and time when it carries them (X12 -> X12 and
  // X12 -> FHIR -> X12 give back the original BHT); else the time this transaction set is
  // written (what BHT05 means for a new set: no claim fact is made up).
  const std::string created = d.created ? d8(*d.created) : stamp.date;
  const bool own_time = d.created && !d.created_time.empty();
  b.seg({"BHT", "0019", "00", st02, created, own_time ? std::string_view(d.created_time) : std::string_view(stamp.time), "CH"});
  b.seg({"NM1", "41", "2", o.sender.name.empty() ? std::string_view(o.sender.id) : std::string_view(o.sender.name), "",
         "", "", "", "46", o.sender.id});
  b.seg({"PER", "IC", o.contact_name, "TE", o.contact_phone});
  b.seg({"NM1", "40", "2", o.receiver.name.empty() ? std::string_view(o.receiver.id) : std::string_view(o.receiver.name),
         "", "", "", "", "46", o.receiver.id});
  const bool own_patient = !pt.patient.empty();
  b.seg({"HL", "1", "", "20", "1"});
  if (!pt.billing.taxonomy.empty()) b.seg({"PRV", "BI", "PXC", pt.billing.taxonomy});
  Party billing = pt.billing;
  if (billing.id.empty() || billing.id_qualifier.empty()) {
    billing.id_qualifier = "XX";
    billing.id = c.billing_npi;
  }
  party_name(b, "85", billing, true);
  address(b, billing);
  b.seg({"REF", billing.tax_qualifier.empty() ? "EI" : std::string_view(billing.tax_qualifier), billing.tax_id});
  b.seg({"HL", "2", "1", "22", own_patient ? "1" : "0"});
    b.seg({"SBR", d.payer_responsibility, own_patient ? "" : std::string_view(d.relationship), d.group_number, "", "", "", "", "",
         d.filing_indicator});
  Party sub = pt.subscriber;
  if (sub.id_qualifier.empty()) sub.id_qualifier = "MI";
  sub.person = true;
  party_name(b, "IL", sub, true);
  address(b, sub);
  const std::string sex(1, c.sex ? c.sex : 'U');
  if (!own_patient && c.birth_date) b.seg({"DMG", "D8", d8(*c.birth_date), sex});
  else if (sub.birth_date) b.seg({"DMG", "D8", d8(*sub.birth_date), std::string(1, sub.sex ? sub.sex : 'U')});
  Party payer = pt.payer;
  if (payer.id.empty()) payer.id = c.payer_id;
  if (payer.id_qualifier.empty()) payer.id_qualifier = "PI";
  payer.person = false;
  party_name(b, "PR", payer, true);
  address(b, payer);
  if (own_patient) {
    b.seg({"HL", "3", "2", "23", "0"});
    b.seg({"PAT", d.relationship});
    Party p = pt.patient;
    p.person = true;
    party_name(b, "QC", p, false);
    address(b, p);
    if (c.birth_date) b.seg({"DMG", "D8", d8(*c.birth_date), sex});
  }
  // 2300
  const std::string clm05 = b.comp({c.facility_code, inst ? "A" : "B", c.frequency_code});
  b.seg({"CLM", c.id, c.total.to_string(), "", "", clm05, inst ? "" : std::string_view(d.provider_signature), d.assignment,
         d.benefits_assignment, d.release_of_info},
        {}, {5});
  if (inst && c.date_from && c.date_to) b.seg({"DTP", "434", "RD8", d8(*c.date_from) + "-" + d8(*c.date_to)});
  if (d.admission_date && !dental) b.seg({"DTP", "435", "D8", d8(*d.admission_date)});
  if (inst) b.seg({"CL1", d.admission_type, d.admission_source, d.patient_status});
  if (dental && c.date_from && c.lines.size() > 0 && !c.lines.front().service_from)
    b.seg({"DTP", "472", "D8", d8(*c.date_from)});
  if (!d.prior_authorization.empty()) b.seg({"REF", "G1", d.prior_authorization});
  if (!d.original_reference.empty()) b.seg({"REF", "F8", d.original_reference});
  // HI: P and D one segment (ABK then ABF); I: one segment per role, other diagnoses 12 a segment.
  auto qualifier = [&](const rules::Diagnosis& dx, bool first) -> std::string_view {
    const bool icd9 = dx.system == rules::CodeSystem::Icd9Cm;
    if (!inst) return first ? (icd9 ? "BK" : "ABK") : (icd9 ? "BF" : "ABF");
    switch (dx.role) {
      case rules::DxRole::Principal: return icd9 ? "BK" : "ABK";
      case rules::DxRole::Admitting: return icd9 ? "BJ" : "ABJ";
      case rules::DxRole::ReasonForVisit: return icd9 ? "PR" : "APR";
      case rules::DxRole::ExternalCause: return icd9 ? "BN" : "ABN";
      case rules::DxRole::Other: break;
    }
    return icd9 ? "BF" : "ABF";
  };
  auto hi = [&](const std::vector<const rules::Diagnosis*>& dxs) {
    for (std::size_t at0 = 0; at0 < dxs.size(); at0 += 12) {
      std::vector<std::string> els{"HI"};
      for (std::size_t k = at0; k < dxs.size() && k < at0 + 12; ++k) {
        const rules::Diagnosis& dx = *dxs[k];
        const std::string poa = dx.poa ? std::string(1, dx.poa) : std::string();
        els.push_back(b.comp({qualifier(dx, &dx == &c.diagnoses.front()), dx.code, "", "", "", "", "", "", poa}, dx.src));
      }
      std::string line;
      for (std::size_t k = 0; k < els.size(); ++k) line += (k ? "*" : "") + els[k];
      b.text_ += line + kTerm + '\n';
      ++b.count_;
    }
  };
  if (!inst) {
    std::vector<const rules::Diagnosis*> all;
    for (const auto& dx : c.diagnoses) all.push_back(&dx);
    hi(all);
  } else {
    for (rules::DxRole role : {rules::DxRole::Principal, rules::DxRole::Admitting, rules::DxRole::ReasonForVisit,
                               rules::DxRole::ExternalCause, rules::DxRole::Other}) {
      std::vector<const rules::Diagnosis*> some;
      for (const auto& dx : c.diagnoses)
        if (dx.role == role) some.push_back(&dx);
      if (!some.empty()) hi(some);
    }
    for (rules::ProcedureRole role : {rules::ProcedureRole::Principal, rules::ProcedureRole::Other}) {
      std::string line = "HI";
      std::size_t n = 0;
      for (const auto& p : c.procedures) {
        if (p.role != role) continue;
        if (n == 12) {
          b.text_ += line + kTerm + '\n';
          ++b.count_;
          line = "HI";
          n = 0;
        }
        const bool icd9 = p.system == rules::ProcedureSystem::Icd9Cm;
        const std::string_view q = role == rules::ProcedureRole::Principal ? (icd9 ? "BR" : "BBR") : (icd9 ? "BQ" : "BBQ");
        line += "*" + b.comp({q, p.code, p.date ? "D8" : "", p.date ? d8(*p.date) : ""}, p.src);
        ++n;
      }
      if (n == 0) continue;
      b.text_ += line + kTerm + '\n';
      ++b.count_;
    }
    std::vector<std::string> order;
    for (const auto& ic : d.codes)
      if (std::find(order.begin(), order.end(), ic.qualifier) == order.end()) order.push_back(ic.qualifier);
    for (const auto& q : order) {
      std::string line = "HI";
      std::size_t n = 0;
      for (const auto& ic : d.codes) {
        if (ic.qualifier != q) continue;
        if (n == 12) {
          b.text_ += line + kTerm + '\n';
          ++b.count_;
          line = "HI";
          n = 0;
        }
        std::string dates;
        if (ic.from && ic.to && *ic.from != *ic.to) dates = d8(*ic.from) + "-" + d8(*ic.to);
        else if (ic.from) dates = d8(*ic.from);
        const std::string_view fmt = dates.empty() ? "" : dates.size() > 8 ? "RD8" : "D8";
        line += "*" + b.comp({ic.qualifier, ic.code, fmt, dates, ic.amount.present ? ic.amount.to_string() : ""});
        ++n;
      }
      b.text_ += line + kTerm + '\n';
      ++b.count_;
    }
  }
  // 2310 loops, in each guide's order.
  auto provider_loop = [&](std::string_view entity, const Party& p, std::string_view prv, bool addr) {
    if (p.empty()) return;
    Party q = p;
    if (q.id_qualifier.empty() && !q.id.empty()) q.id_qualifier = "XX";
    party_name(b, entity, q, true);
    if (!prv.empty() && !p.taxonomy.empty()) b.seg({"PRV", prv, "PXC", p.taxonomy});
    if (addr) address(b, p);
  };
  if (inst) {
    provider_loop("71", pt.attending, "AT", false);
    provider_loop("82", pt.rendering, "", false);
    provider_loop("77", pt.facility, "", true);
    provider_loop("DN", pt.referring, "", false);
  } else {
    provider_loop("DN", pt.referring, "", false);
    provider_loop("82", pt.rendering, "PE", false);
    provider_loop("77", pt.facility, "", true);
  }
  // 2400
  for (const auto& l : c.lines) {
    b.seg({"LX", std::to_string(l.number)});
    std::vector<std::string_view> proc_parts{cs::line_procedure_qualifier(l.procedure), l.procedure.code};
    for (const auto& m : l.procedure.modifiers) proc_parts.push_back(m);
    if (proc_parts.size() > 6) proc_parts.resize(6);
    const std::string proc = l.procedure.code.empty() ? std::string() : b.comp(proc_parts, l.src);
    std::string ptrs;
    for (std::size_t k = 0; k < l.pointers.size() && k < 4; ++k)
      ptrs += (k ? ":" : "") + std::to_string(l.pointers[k].value);
    const std::string units = l.units ? units_text(*l.units) : std::string();
    const std::string_view basis = l.unit_basis.empty() ? std::string_view("UN") : std::string_view(l.unit_basis);
    const std::string_view pos = l.place_of_service == c.facility_code ? "" : std::string_view(l.place_of_service);
    if (inst) {
      b.seg({"SV2", l.revenue_code, proc, l.charge.to_string(), basis, units}, l.src, {2});
    } else if (dental) {
      b.seg({"SV3", proc, l.charge.to_string(), pos, "", "", units, "", "", "", "", ptrs}, l.src, {1, 11});
      for (const auto& t : l.teeth) {
        std::vector<std::string_view> surfaces(t.surfaces.begin(), t.surfaces.begin() + std::min<std::size_t>(t.surfaces.size(), 5));
        b.seg({"TOO", "JP", t.code, b.comp(surfaces, l.src)}, l.src, {3});
      }
    } else {
      b.seg({"SV1", proc, l.charge.to_string(), basis, units, pos, "", ptrs}, l.src, {1, 7});
    }
    if (l.service_from) {
      if (l.service_to && *l.service_to != *l.service_from)
        b.seg({"DTP", "472", "RD8", d8(*l.service_from) + "-" + d8(*l.service_to)});
      else
        b.seg({"DTP", "472", "D8", d8(*l.service_from)});
    }
  }
  b.seg({"SE", std::to_string(b.count_ + 1), st02});
}

Claim837Writer::Claim837Writer(X12WriteOptions options, X12Stamp& stamp, Sink sink)
    : options_(std::move(options)), stamp_(stamp), sink_(std::move(sink)) {}

Conversion Claim837Writer::add(const rules::Claim& claim) {
  Conversion out;
  ClaimKind kind = options_.kind ? *options_.kind : claim.kind;
  if (kind == ClaimKind::Other) {
    out.errors.push_back(conversion_finding(
        kConvertUnmappable, "the claim type is not professional, institutional or oral: choose the 837 with --kind",
        claim.src));
    return out;
  }
  if (options_.kind && claim.kind != ClaimKind::Other && claim.kind != *options_.kind) {
    out.errors.push_back(conversion_finding(kConvertUnmappable,
                                            "the claim is " + std::string(rules::to_string(claim.kind)) + ", not what " +
                                                std::string(guide_of(*options_.kind)) + " carries",
                                            claim.src));
    return out;
  }
  const std::string st02 = zero_padded(set_number_ + 1, 4);
  SetBuilder b(claim, out);
  Impl::write_set(claim, kind, options_, stamp_, st02, b);
  if (!out.ok()) return out;
  if (interchange_open_ && group_open_ && group_kind_ != kind) close_group();
  open(kind);
  ++set_number_;
  ++sets_in_group_;
  ++written_;
  sink_(b.text_);
  return out;
}

void Claim837Writer::open(ClaimKind kind) {
  if (!interchange_open_) {
    isa13_ = stamp_.take(options_.sender.qualifier, options_.sender.id);
    std::string isa = "ISA*00*" + padded("", 10) + "*00*" + padded("", 10) + "*" + padded(options_.sender.qualifier, 2) +
                      "*" + padded(options_.sender.id, 15) + "*" + padded(options_.receiver.qualifier, 2) + "*" +
                      padded(options_.receiver.id, 15) + "*" + stamp_.date.substr(2) + "*" + stamp_.time + "*" + kRep +
                      "*00501*" + zero_padded(isa13_ % 1000000000, 9) + "*0*" + options_.usage + "*" + kComp + kTerm + "\n";
    sink_(isa);
    interchange_open_ = true;
  }
  if (!group_open_) {
    ++groups_;
    sink_("GS*HC*" + options_.sender.gs_id() + "*" + options_.receiver.gs_id() + "*" + stamp_.date + "*" +
          stamp_.time + "*" + std::to_string(groups_) + "*X*" + std::string(guide_of(kind)) + kTerm + "\n");
    group_open_ = true;
    group_kind_ = kind;
    sets_in_group_ = 0;
  }
}

void Claim837Writer::close_group() {
  if (!group_open_) return;
  sink_("GE*" + std::to_string(sets_in_group_) + "*" + std::to_string(groups_) + kTerm + "\n");
  group_open_ = false;
}

void Claim837Writer::finish() {
  if (!interchange_open_) return;
  close_group();
  sink_("IEA*" + std::to_string(groups_) + "*" + zero_padded(isa13_ % 1000000000, 9) + kTerm + "\n");
  interchange_open_ = false;
}

}  // namespace cg::transforms
