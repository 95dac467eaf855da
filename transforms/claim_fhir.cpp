#include "transforms/claim_fhir.hpp"

#include "parsers/text/json_string.hpp"
#include "transforms/code_systems.hpp"

#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <charconv>
#include <cstdio>

namespace cg::transforms {
namespace {

using rules::Claim;
using rules::Party;
using Writer = rapidjson::Writer<rapidjson::StringBuffer>;
namespace cs = code_systems;

// --- JSON helpers -------------------------------------------------------------------------
void str(Writer& w, const char* key, std::string_view v) {
  w.Key(key);
  text::write_json_string(w, v);
}
void opt(Writer& w, const char* key, std::string_view v) {
  if (!v.empty()) str(w, key, v);
}
void number(Writer& w, const char* key, std::string_view raw) {
  w.Key(key);
  w.RawValue(raw.data(), raw.size(), rapidjson::kNumberType);
}
void coding(Writer& w, std::string_view system, std::string_view code) {
  w.StartObject();
  str(w, "system", system);
  str(w, "code", code);
  w.EndObject();
}
void codeable(Writer& w, const char* key, std::string_view system, std::string_view code) {
  w.Key(key);
  w.StartObject();
  w.Key("coding");
  w.StartArray();
  coding(w, system, code);
  w.EndArray();
  w.EndObject();
}
void reference(Writer& w, const char* key, std::string_view full_url) {
  w.Key(key);
  w.StartObject();
  str(w, "reference", full_url);
  w.EndObject();
}
// A required element the claim does not carry: the data-absent-reason extension (R4 core).
void absent(Writer& w, const char* key) {
  w.Key(key);
  w.StartObject();
  w.Key("extension");
  w.StartArray();
  w.StartObject();
  str(w, "url", cs::kDataAbsentReason);
  str(w, "valueCode", "unknown");
  w.EndObject();
  w.EndArray();
  w.EndObject();
}

// Deterministic urn:uuid for a resource of a claim (RFC 9562 version 8, from FNV-1a hashes of
// the claim's identity): the same input converts to the same bytes.
std::string uuid_for(const Claim& c, std::string_view resource) {
  auto fnv = [&](std::uint64_t h) {
    auto mix = [&h](std::string_view s) {
      for (unsigned char ch : s) h = (h ^ ch) * 0x100000001b3ull;
      h = (h ^ 0xff) * 0x100000001b3ull;
    };
    mix(c.id);
    mix(c.x12.isa13);
    mix(c.x12.gs06);
    mix(c.x12.st02);
    mix(std::to_string(c.x12.set_index));
    mix(c.fhir.resource_id);
    mix(c.source_name);
    mix(resource);
    return h;
  };
  const std::uint64_t a = fnv(0xcbf29ce484222325ull), b = fnv(0x84222325cbf29ce4ull);
  char out[64];
  std::snprintf(out, sizeof out, "urn:uuid:%08x-%04x-8%03x-%04x-%012llx", static_cast<unsigned>(a >> 32),
                static_cast<unsigned>((a >> 16) & 0xffff), static_cast<unsigned>(a & 0xfff),
                static_cast<unsigned>(0x8000 | ((b >> 48) & 0x3fff)),
                static_cast<unsigned long long>(b & 0xffffffffffffull));
  return out;
}

// --- parties ------------------------------------------------------------------------------
void identifier(Writer& w, std::string_view x12_list, std::string_view qualifier, std::string_view value) {
  w.StartObject();
  w.Key("type");
  w.StartObject();
  w.Key("coding");
  w.StartArray();
  coding(w, x12_list, qualifier);
  if (const std::string_view std_type = cs::identifier_type_for(qualifier); !std_type.empty())
    coding(w, cs::identifier_type_system_for(qualifier), std_type);
  w.EndArray();
  w.EndObject();
  opt(w, "system", cs::identifier_system_for(qualifier));
  str(w, "value", value);
  w.EndObject();
}

void identifiers(Writer& w, const Party& p) {
  if (p.id.empty() && p.tax_id.empty()) return;
  w.Key("identifier");
  w.StartArray();
  if (!p.id.empty()) identifier(w, cs::kX12IdQualifier, p.id_qualifier, p.id);
  if (!p.tax_id.empty()) identifier(w, cs::kX12RefQualifier, p.tax_qualifier, p.tax_id);
  w.EndArray();
}

void name(Writer& w, const Party& p) {
  if (!p.person) {
    opt(w, "name", p.last_or_org);
    return;
  }
  if (p.last_or_org.empty() && p.first.empty()) return;
  w.Key("name");
  w.StartArray();
  w.StartObject();
  opt(w, "family", p.last_or_org);
  if (!p.first.empty() || !p.middle.empty()) {
    w.Key("given");
    w.StartArray();
    text::write_json_string(w, p.first);
    if (!p.middle.empty()) text::write_json_string(w, p.middle);
    w.EndArray();
  }
  if (!p.suffix.empty()) {
    w.Key("suffix");
    w.StartArray();
    text::write_json_string(w, p.suffix);
    w.EndArray();
  }
  w.EndObject();
  w.EndArray();
}

void address(Writer& w, const Party& p, bool single) {
  if (p.address1.empty() && p.city.empty() && p.state.empty() && p.zip.empty()) return;
  w.Key("address");
  if (!single) w.StartArray();
  w.StartObject();
  if (!p.address1.empty()) {
    w.Key("line");
    w.StartArray();
    text::write_json_string(w, p.address1);
    if (!p.address2.empty()) text::write_json_string(w, p.address2);
    w.EndArray();
  }
  opt(w, "city", p.city);
  opt(w, "state", p.state);
  opt(w, "postalCode", p.zip);
  opt(w, "country", p.country);
  w.EndObject();
  if (!single) w.EndArray();
}

void demographics(Writer& w, const Party& p) {
  if (p.sex) str(w, "gender", p.sex == 'M' ? "male" : p.sex == 'F' ? "female" : "unknown");
  if (p.birth_date) str(w, "birthDate", p.birth_date->iso());
}

void taxonomy(Writer& w, const Party& p, bool practitioner) {
  if (p.taxonomy.empty()) return;
  if (practitioner) {
    w.Key("qualification");
    w.StartArray();
    w.StartObject();
    codeable(w, "code", cs::kNuccTaxonomy, p.taxonomy);
    w.EndObject();
    w.EndArray();
  } else {
    w.Key("type");
    w.StartArray();
    w.StartObject();
    w.Key("coding");
    w.StartArray();
    coding(w, cs::kNuccTaxonomy, p.taxonomy);
    w.EndArray();
    w.EndObject();
    w.EndArray();
  }
}

// --- the Bundle -----------------------------------------------------------------------------
class BundleWriter {
 public:
  BundleWriter(const Claim& c, FhirBundleType type, Conversion& out) : c_(c), type_(type), out_(out), w_(buf_) {}

  void run() {
    check();
    if (!out_.ok()) return;
    w_.StartObject();
    str(w_, "resourceType", "Bundle");
    str(w_, "type", type_ == FhirBundleType::Batch ? "batch" : "collection");
    w_.Key("entry");
    w_.StartArray();
    entry("Claim", "claim", [this] { claim(); });
    const bool own_patient = !c_.parties.patient.empty();
    entry("Patient", "patient", [&] { patient(own_patient ? *c_.parties.patient : *c_.parties.subscriber); });
    if (own_patient) entry("Patient", "subscriber", [this] { patient(*c_.parties.subscriber); });
    entry("Coverage", "coverage", [this] { coverage(); });
    entry(c_.parties.billing->person ? "Practitioner" : "Organization", "billing",
          [this] { provider(*c_.parties.billing); });
    entry("Organization", "payer", [this] { provider(*c_.parties.payer); });
    for (const auto& [p, id] : care_team())
      entry(p->person ? "Practitioner" : "Organization", id, [&, p = p] { provider(*p); });
    if (!c_.parties.facility.empty()) entry("Location", "facility", [this] { location(); });
    w_.EndArray();
    w_.EndObject();
    out_.text.assign(buf_.GetString(), buf_.GetSize());
  }

 private:
  void fail(std::string message, const rules::SourceRef& src, std::string value = {}) {
    out_.errors.push_back(conversion_finding(kConvertUnmappable, std::move(message), src, std::move(value)));
  }

  // What FHIR cannot hold faithfully: errors before anything is written.
  void check() {
    for (const auto& d : c_.diagnoses) {
      if (d.code.empty())
        fail("diagnosis " + std::to_string(d.position) + " has no code (a diagnosisReference that was not resolved)",
             d.src, d.reference);
      else if (cs::diagnosis_system(d.system).empty())
        fail("diagnosis " + std::to_string(d.position) + " qualifier '" + d.system_as_sent +
                 "' is not ICD-10-CM or ICD-9-CM: no FHIR code system to put it in",
             d.src, d.system_as_sent);
      else if (d.position < 1)
        fail("diagnosis has no sequence", d.src);
    }
    for (const auto& p : c_.procedures) {
      if (p.code.empty() || rules::fhir_system_uri(p.system).empty())
        fail("procedure " + std::to_string(p.position) + " has no code of a known system ('" + p.system_as_sent + "')",
             p.src, p.system_as_sent);
    }
    for (const auto& l : c_.lines) {
      if (l.number < 1) fail("service line number (LX01) is not a positive number: item.sequence needs one", l.src);
      for (const auto& p : l.pointers)
        if (p.value < 1)
          fail("diagnosis pointer '" + p.raw + "' is not a diagnosis position: item.diagnosisSequence needs one",
               p.src, p.raw);
      if (!l.procedure.code.empty() && cs::line_procedure_uri(l.procedure).empty())
        fail("procedure code system '" + l.procedure.system + "' is not CPT, HCPCS or CDT: no FHIR system to write",
             l.procedure.src, l.procedure.system);
      if (l.teeth.size() > 1)
        fail("service line " + std::to_string(l.number) + " names " + std::to_string(l.teeth.size()) +
                 " teeth; a FHIR Claim.item has one bodySite: split the line per tooth",
             l.src);
    }
    for (const auto& u : c_.x12.unmapped)
      out_.warnings.push_back(conversion_finding(kConvertNotCarried, "segment " + u + " is not carried into the converted claim",
                                                 {}, u, rules::Severity::Warn));
  }

  template <class Body>
  void entry(std::string_view type, std::string_view id, Body body) {
    w_.StartObject();
    str(w_, "fullUrl", url(id));
    w_.Key("resource");
    w_.StartObject();
    str(w_, "resourceType", type);
    str(w_, "id", id);
    body();
    w_.EndObject();
    if (type_ == FhirBundleType::Batch) {
      w_.Key("request");
      w_.StartObject();
      str(w_, "method", "POST");
      str(w_, "url", type);
      w_.EndObject();
    }
    w_.EndObject();
  }

  std::string url(std::string_view id) const { return uuid_for(c_, id); }

  std::vector<std::pair<const Party*, std::string_view>> care_team() const {
    std::vector<std::pair<const Party*, std::string_view>> out;
    if (!c_.parties.rendering.empty()) out.emplace_back(&*c_.parties.rendering, "rendering");
    if (!c_.parties.attending.empty()) out.emplace_back(&*c_.parties.attending, "attending");
    if (!c_.parties.referring.empty()) out.emplace_back(&*c_.parties.referring, "referring");
    return out;
  }

  void sub(const char* url_key, std::string_view value) {
    if (value.empty()) return;
    w_.StartObject();
    str(w_, "url", url_key);
    str(w_, "valueString", value);
    w_.EndObject();
  }

  void claim() {
    const auto& d = c_.details;
    w_.Key("extension");
    w_.StartArray();
    w_.StartObject();
    str(w_, "url", kX12Extension);
    w_.Key("extension");
    w_.StartArray();
    sub("ISA13", c_.x12.isa13);
    sub("GS06", c_.x12.gs06);
    sub("ST02", c_.x12.st02);
    sub("BHT05", d.created_time);
    sub("CLM01", c_.id);
    sub("CLM05-1", c_.facility_code);
    sub("CLM05-3", c_.frequency_code);
    sub("CLM06", d.provider_signature);
    sub("CLM07", d.assignment);
    sub("CLM08", d.benefits_assignment);
    sub("CLM09", d.release_of_info);
    sub("SBR01", d.payer_responsibility);
    sub("SBR09", d.filing_indicator);
    w_.EndArray();
    w_.EndObject();
    w_.EndArray();
    w_.Key("identifier");
    w_.StartArray();
    w_.StartObject();
    codeable(w_, "type", cs::kC4bbIdentifierType, "pat");
    str(w_, "value", c_.id);
    w_.EndObject();
    w_.EndArray();
    str(w_, "status", "active");
    codeable(w_, "type", cs::kClaimType,
            c_.kind == rules::ClaimKind::Institutional ? "institutional"
            : c_.kind == rules::ClaimKind::Dental      ? "oral"
                                                       : "professional");
    str(w_, "use", "claim");
    reference(w_, "patient", url("patient"));
    if (c_.date_from || c_.date_to) {
      w_.Key("billablePeriod");
      w_.StartObject();
      if (c_.date_from) str(w_, "start", c_.date_from->iso());
      if (c_.date_to) str(w_, "end", c_.date_to->iso());
      w_.EndObject();
    }
    if (d.created) str(w_, "created", d.created->iso());
    else absent(w_, "_created");
    reference(w_, "insurer", url("payer"));
    reference(w_, "provider", url("billing"));
    absent(w_, "priority");
    if (!d.original_reference.empty()) {
      w_.Key("related");
      w_.StartArray();
      w_.StartObject();
      w_.Key("claim");
      w_.StartObject();
      w_.Key("identifier");
      w_.StartObject();
      str(w_, "value", d.original_reference);
      w_.EndObject();
      w_.EndObject();
      codeable(w_, "relationship", cs::kRelatedClaimRelationship, "prior");
      w_.EndObject();
      w_.EndArray();
    }
    if (!c_.parties.facility.empty()) reference(w_, "facility", url("facility"));
    const auto team = care_team();
    if (!team.empty()) {
      w_.Key("careTeam");
      w_.StartArray();
      int seq = 0;
      for (const auto& [p, id] : team) {
        w_.StartObject();
        w_.Key("sequence");
        w_.Int(++seq);
        reference(w_, "provider", url(id));
        codeable(w_, "role", cs::kC4bbCareTeamRole, id == "rendering" ? "performing" : id);
        w_.EndObject();
      }
      w_.EndArray();
    }
    supporting_info();
    if (!c_.diagnoses.empty()) {
      w_.Key("diagnosis");
      w_.StartArray();
      for (const auto& dx : c_.diagnoses) diagnosis(dx);
      w_.EndArray();
    }
    if (!c_.procedures.empty()) {
      w_.Key("procedure");
      w_.StartArray();
      for (const auto& p : c_.procedures) {
        w_.StartObject();
        w_.Key("sequence");
        w_.Int(p.position);
        w_.Key("type");
        w_.StartArray();
        w_.StartObject();
        w_.Key("coding");
        w_.StartArray();
        coding(w_, cs::kProcedureType, p.role == rules::ProcedureRole::Principal ? "primary" : "secondary");
        w_.EndArray();
        w_.EndObject();
        w_.EndArray();
        if (p.date) str(w_, "date", p.date->iso());
        codeable(w_, "procedureCodeableConcept", rules::fhir_system_uri(p.system), p.code);
        w_.EndObject();
      }
      w_.EndArray();
    }
    w_.Key("insurance");
    w_.StartArray();
    w_.StartObject();
    w_.Key("sequence");
    w_.Int(1);
    w_.Key("focal");
    w_.Bool(true);
    reference(w_, "coverage", url("coverage"));
    if (!d.prior_authorization.empty()) {
      w_.Key("preAuthRef");
      w_.StartArray();
      text::write_json_string(w_, d.prior_authorization);
      w_.EndArray();
    }
    w_.EndObject();
    w_.EndArray();
    if (!c_.lines.empty()) {
      w_.Key("item");
      w_.StartArray();
      for (const auto& l : c_.lines) item(l);
      w_.EndArray();
    }
    if (c_.total.present) {
      w_.Key("total");
      w_.StartObject();
      number(w_, "value", c_.total.to_string());
      w_.EndObject();
    }
  }

  void info_start(int& seq, std::string_view category_system, std::string_view category) {
    w_.StartObject();
    w_.Key("sequence");
    w_.Int(++seq);
    codeable(w_, "category", category_system, category);
  }

  void supporting_info() {
    const auto& d = c_.details;
    const bool inst = c_.kind == rules::ClaimKind::Institutional;
    if (!inst && !d.admission_date) return;
    int seq = 0;
    w_.Key("supportingInfo");
    w_.StartArray();
    if (inst && !c_.facility_code.empty() && !c_.frequency_code.empty()) {
      info_start(seq, cs::kC4bbSupportingInfoType, "typeofbill");
      codeable(w_, "code", cs::kNubcTypeOfBill, "0" + c_.facility_code + c_.frequency_code);
      w_.EndObject();
    }
    if (d.admission_date) {
      info_start(seq, cs::kC4bbSupportingInfoType, "admissionperiod");
      w_.Key("timingPeriod");
      w_.StartObject();
      str(w_, "start", d.admission_date->iso());
      w_.EndObject();
      w_.EndObject();
    }
    const std::pair<const std::string*, std::pair<std::string_view, std::string_view>> coded[] = {
        {&d.admission_type, {"admtype", cs::kNubcAdmissionType}},
        {&d.admission_source, {"pointoforigin", cs::kNubcPointOfOrigin}},
        {&d.patient_status, {"discharge-status", cs::kNubcDischargeStatus}},
    };
    for (const auto& [value, what] : coded) {
      if (value->empty()) continue;
      info_start(seq, cs::kC4bbSupportingInfoType, what.first);
      codeable(w_, "code", what.second, *value);
      w_.EndObject();
    }
    for (const auto& ic : d.codes) {
      info_start(seq, cs::kX12CodeListQualifier, ic.qualifier);
      codeable(w_, "code", cs::nubc_system_for(ic.qualifier), ic.code);
      if (ic.from && ic.to && *ic.from != *ic.to) {
        w_.Key("timingPeriod");
        w_.StartObject();
        str(w_, "start", ic.from->iso());
        str(w_, "end", ic.to->iso());
        w_.EndObject();
      } else if (ic.from) {
        str(w_, "timingDate", ic.from->iso());
      }
      if (ic.amount.present) {
        w_.Key("valueQuantity");
        w_.StartObject();
        number(w_, "value", ic.amount.to_string());
        w_.EndObject();
      }
      w_.EndObject();
    }
    w_.EndArray();
  }

  void diagnosis(const rules::Diagnosis& dx) {
    w_.StartObject();
    w_.Key("sequence");
    w_.Int(dx.position);
    codeable(w_, "diagnosisCodeableConcept", cs::diagnosis_system(dx.system), dx.code);
    if (const auto [system, code] = cs::diagnosis_type(dx.role); !code.empty()) {
      w_.Key("type");
      w_.StartArray();
      w_.StartObject();
      w_.Key("coding");
      w_.StartArray();
      coding(w_, system, code);
      w_.EndArray();
      w_.EndObject();
      w_.EndArray();
    }
    if (dx.poa) {
      const char lower = dx.poa >= 'A' && dx.poa <= 'Z' ? static_cast<char>(dx.poa + 32) : dx.poa;
      const bool standard = lower == 'y' || lower == 'n' || lower == 'u' || lower == 'w';
      codeable(w_, "onAdmission", standard ? cs::kDiagnosisOnAdmission : cs::kCmsPoa,
              std::string_view(standard ? &lower : &dx.poa, 1));
    }
    w_.EndObject();
  }

  void item(const rules::ServiceLine& l) {
    w_.StartObject();
    w_.Key("sequence");
    w_.Int(l.number);
    if (!l.pointers.empty()) {
      w_.Key("diagnosisSequence");
      w_.StartArray();
      for (const auto& p : l.pointers) w_.Int(p.value);
      w_.EndArray();
    }
    if (!l.revenue_code.empty()) codeable(w_, "revenue", cs::kNubcRevenue, l.revenue_code);
    if (l.procedure.code.empty()) {
      absent(w_, "productOrService");
    } else {
      codeable(w_, "productOrService", cs::line_procedure_uri(l.procedure), l.procedure.code);
    }
    if (!l.procedure.modifiers.empty()) {
      w_.Key("modifier");
      w_.StartArray();
      for (const auto& m : l.procedure.modifiers) {
        w_.StartObject();
        w_.Key("coding");
        w_.StartArray();
        coding(w_, cs::modifier_system(m), m);
        w_.EndArray();
        w_.EndObject();
      }
      w_.EndArray();
    }
    if (l.service_from && (!l.service_to || *l.service_to == *l.service_from)) {
      str(w_, "servicedDate", l.service_from->iso());
    } else if (l.service_from || l.service_to) {
      w_.Key("servicedPeriod");
      w_.StartObject();
      if (l.service_from) str(w_, "start", l.service_from->iso());
      if (l.service_to) str(w_, "end", l.service_to->iso());
      w_.EndObject();
    }
    const std::string& pos = !l.place_of_service.empty() ? l.place_of_service
                             : c_.kind != rules::ClaimKind::Institutional ? c_.facility_code
                                                                          : l.place_of_service;
    if (!pos.empty()) codeable(w_, "locationCodeableConcept", cs::kPlaceOfService, pos);
    if (l.units || !l.unit_basis.empty()) {
      w_.Key("quantity");
      w_.StartObject();
      if (l.units) number(w_, "value", units_text(*l.units));
      if (!l.unit_basis.empty()) {
        str(w_, "system", cs::kX12UnitBasis);
        str(w_, "code", l.unit_basis);
      }
      w_.EndObject();
    }
    if (l.charge.present) {
      w_.Key("net");
      w_.StartObject();
      number(w_, "value", l.charge.to_string());
      w_.EndObject();
    }
    if (l.teeth.size() == 1) {
      const rules::Tooth& t = l.teeth.front();
      codeable(w_, "bodySite", cs::kAdaToothSystem, t.code);
      if (!t.surfaces.empty()) {
        w_.Key("subSite");
        w_.StartArray();
        for (const auto& s : t.surfaces) {
          w_.StartObject();
          w_.Key("coding");
          w_.StartArray();
          coding(w_, cs::kToothSurface, s);
          w_.EndArray();
          w_.EndObject();
        }
        w_.EndArray();
      }
    }
    w_.EndObject();
  }

  void patient(const Party& p) {
    identifiers(w_, p);
    Party as_person = p;
    as_person.person = true;
    name(w_, as_person);
    demographics(w_, p);
    address(w_, p, false);
  }

  void coverage() {
    const auto& d = c_.details;
    const Party& s = *c_.parties.subscriber;
    absent(w_, "_status");
    if (!d.filing_indicator.empty()) codeable(w_, "type", cs::kX12FilingIndicator, d.filing_indicator);
    if (!c_.parties.patient.empty()) reference(w_, "subscriber", url("subscriber"));
    else reference(w_, "subscriber", url("patient"));
    opt(w_, "subscriberId", s.id);
    reference(w_, "beneficiary", url("patient"));
    if (!d.relationship.empty()) {
      w_.Key("relationship");
      w_.StartObject();
      w_.Key("coding");
      w_.StartArray();
      coding(w_, cs::kX12Relationship, d.relationship);
      if (const std::string_view r = cs::subscriber_relationship(d.relationship); !r.empty())
        coding(w_, cs::kSubscriberRelationship, r);
      w_.EndArray();
      w_.EndObject();
    }
    w_.Key("payor");
    w_.StartArray();
    w_.StartObject();
    str(w_, "reference", url("payer"));
    w_.EndObject();
    w_.EndArray();
    if (!d.group_number.empty()) {
      w_.Key("class");
      w_.StartArray();
      w_.StartObject();
      codeable(w_, "type", cs::kCoverageClass, "group");
      str(w_, "value", d.group_number);
      w_.EndObject();
      w_.EndArray();
    }
  }

  void provider(const Party& p) {
    identifiers(w_, p);
    name(w_, p);
    if (!p.person) taxonomy(w_, p, false);
    address(w_, p, false);
    if (p.person) taxonomy(w_, p, true);
  }

  void location() {
    const Party& p = *c_.parties.facility;
    identifiers(w_, p);
    opt(w_, "name", p.last_or_org);
    address(w_, p, true);
  }

  const Claim& c_;
  FhirBundleType type_;
  Conversion& out_;
  rapidjson::StringBuffer buf_;
  Writer w_;
};

}  // namespace

rules::Finding conversion_finding(std::string_view rule, std::string message, const rules::SourceRef& src,
                                  std::string value, rules::Severity severity) {
  rules::Finding f;
  f.rule = rule;
  f.severity = severity;
  f.message = std::move(message);
  f.value = std::move(value);
  f.src = src;
  return f;
}

std::string units_text(double v) {
  char b[32];
  const auto r = std::to_chars(b, b + sizeof b, v);
  return std::string(b, r.ptr);
}

Conversion claim_to_fhir(const rules::Claim& claim, FhirBundleType type) {
  Conversion out;
  BundleWriter(claim, type, out).run();
  return out;
}

}  // namespace cg::transforms
