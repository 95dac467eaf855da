#include "transforms/claim_json.hpp"

#include "parsers/text/json_string.hpp"

#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

namespace cg::transforms {
namespace {

using Writer = rapidjson::Writer<rapidjson::StringBuffer>;

void str(Writer& w, const char* key, std::string_view v) {
  w.Key(key);
  text::write_json_string(w, v);
}

void opt_str(Writer& w, const char* key, std::string_view v) {
  if (!v.empty()) str(w, key, v);
}

void date(Writer& w, const char* key, const std::optional<rules::Date>& d) {
  if (d) str(w, key, d->iso());
}

void amount(Writer& w, const char* key, const rules::Amount& a) {
  if (!a.present) return;
  w.Key(key);
  const std::string s = a.to_string();
  w.RawValue(s.data(), s.size(), rapidjson::kNumberType);
}

void location(Writer& w, const rules::SourceRef& src, const ClaimJsonOptions& o) {
  if (!o.with_locations) return;
  if (!src.x12.empty()) str(w, "location", src.x12.render());
  if (!src.fhirpath.empty()) str(w, "fhirpath", src.fhirpath);
}

}  // namespace

std::string claim_to_json(const rules::Claim& c, ClaimJsonOptions o) {
  rapidjson::StringBuffer buf;
  Writer w(buf);
  w.StartObject();
  str(w, "claim_id", c.id);
  str(w, "format", to_string(c.format));
  str(w, "kind", to_string(c.kind));
  if (o.with_locations) opt_str(w, "source", c.source_name);
  opt_str(w, "payer_id", c.payer_id);
  opt_str(w, "billing_npi", c.billing_npi);
  if (c.birth_date || c.sex) {
    w.Key("patient");
    w.StartObject();
    date(w, "birth_date", c.birth_date);
    if (c.sex) str(w, "sex", std::string_view(&c.sex, 1));
    w.EndObject();
  }
  date(w, "date_from", c.date_from);
  date(w, "date_to", c.date_to);
  opt_str(w, "frequency_code", c.frequency_code);
  opt_str(w, "facility_code", c.facility_code);
  amount(w, "total", c.total);
  location(w, c.src, o);
  w.Key("diagnoses");
  w.StartArray();
  for (const auto& d : c.diagnoses) {
    w.StartObject();
    w.Key("position");
    w.Int(d.position);
    str(w, "code", d.code);
    if (o.with_locations) str(w, "code_as_sent", d.code_as_sent);
    str(w, "system", to_string(d.system));
    if (o.with_locations) opt_str(w, "system_as_sent", d.system_as_sent);
    str(w, "role", to_string(d.role));
    if (d.poa) str(w, "poa", std::string_view(&d.poa, 1));
    opt_str(w, "reference", d.reference);
    location(w, d.src, o);
    w.EndObject();
  }
  w.EndArray();
  if (!c.procedures.empty()) {
    w.Key("procedures");
    w.StartArray();
    for (const auto& p : c.procedures) {
      w.StartObject();
      w.Key("position");
      w.Int(p.position);
      str(w, "code", p.code);
      if (o.with_locations) str(w, "code_as_sent", p.code_as_sent);
      str(w, "system", to_string(p.system));
      if (o.with_locations) opt_str(w, "system_as_sent", p.system_as_sent);
      str(w, "role", to_string(p.role));
      date(w, "date", p.date);
      location(w, p.src, o);
      w.EndObject();
    }
    w.EndArray();
  }
  w.Key("lines");
  w.StartArray();
  for (const auto& l : c.lines) {
    w.StartObject();
    w.Key("number");
    w.Int(l.number);
    w.Key("procedure");
    w.StartObject();
    if (o.with_locations) opt_str(w, "system", l.procedure.system);
    str(w, "code", l.procedure.code);
    if (!l.procedure.modifiers.empty()) {
      w.Key("modifiers");
      w.StartArray();
      for (const auto& m : l.procedure.modifiers) text::write_json_string(w, m);
      w.EndArray();
    }
    w.EndObject();
    opt_str(w, "revenue_code", l.revenue_code);
    amount(w, "charge", l.charge);
    if (l.units) {
      w.Key("units");
      w.Double(*l.units);
    }
    date(w, "service_from", l.service_from);
    date(w, "service_to", l.service_to);
    w.Key("pointers");
    w.StartArray();
    for (const auto& p : l.pointers) {
      w.StartObject();
      str(w, "raw", p.raw);
      if (p.value >= 0) {
        w.Key("value");
        w.Int(p.value);
      }
      location(w, p.src, o);
      w.EndObject();
    }
    w.EndArray();
    location(w, l.src, o);
    w.EndObject();
  }
  w.EndArray();
  w.EndObject();
  return {buf.GetString(), buf.GetSize()};
}

}  // namespace cg::transforms
