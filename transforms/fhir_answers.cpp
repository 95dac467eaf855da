#include "transforms/fhir_answers.hpp"

#include "transforms/fhir_claims.hpp"
#include "parsers/text/json_string.hpp"

#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <array>
#include <cstddef>

namespace cg::transforms {
namespace {

using Writer = rapidjson::Writer<rapidjson::StringBuffer>;

constexpr std::string_view kDataAbsentReason = "http://hl7.org/fhir/StructureDefinition/data-absent-reason";
constexpr std::string_view kClaimTypeSystem = "http://terminology.hl7.org/CodeSystem/claim-type";
constexpr std::string_view kNpiSystem = "http://hl7.org/fhir/sid/us-npi";
constexpr std::size_t kMaxId = 64;

// A FHIR string value: valid UTF-8 (bad bytes -> U+FFFD), no control characters other than
// tab / CR / LF (-> space), no leading or trailing blanks. Empty means "do not write it".
std::string clean(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (std::size_t i = 0; i < s.size();) {
    const auto c = static_cast<unsigned char>(s[i]);
    if (c < 0x20 && c != '\t' && c != '\r' && c != '\n') {
      out += ' ';
      ++i;
      continue;
    }
    if (c == 0x7F) {
      out += ' ';
      ++i;
      continue;
    }
    const std::size_t n = text::utf8_sequence_length(s, i);
    if (n == 0) {
      out += "\xEF\xBF\xBD";
      ++i;
      continue;
    }
    out.append(s.substr(i, n));
    i += n;
  }
  const auto blank = [](char ch) { return ch == ' ' || ch == '\t' || ch == '\r' || ch == '\n'; };
  std::size_t b = 0, e = out.size();
  while (b < e && blank(out[b])) ++b;
  while (e > b && blank(out[e - 1])) --e;
  return out.substr(b, e - b);
}

// A FHIR code: a string without blanks other than single inner spaces.
std::string clean_code(std::string_view s) {
  std::string in = clean(s);
  std::string out;
  out.reserve(in.size());
  for (char ch : in) {
    const bool blank = ch == ' ' || ch == '\t' || ch == '\r' || ch == '\n';
    if (blank) {
      if (!out.empty() && out.back() != ' ') out += ' ';
    } else {
      out += ch;
    }
  }
  return out;
}

void key(Writer& w, std::string_view k) { w.Key(k.data(), static_cast<rapidjson::SizeType>(k.size())); }

void raw_str(Writer& w, std::string_view v) { text::write_json_string(w, v); }

// Writes "k": v for a trusted, non-empty literal.
void lit(Writer& w, std::string_view k, std::string_view v) {
  key(w, k);
  raw_str(w, v);
}

// Writes "k": v after cleaning; nothing when the cleaned value is empty. True when written.
bool str(Writer& w, std::string_view k, std::string_view v) {
  const std::string c = clean(v);
  if (c.empty()) return false;
  key(w, k);
  raw_str(w, c);
  return true;
}


std::string make_id(const FhirAnswerStamp& stamp, std::uint64_t n) {
  const std::string num = "-" + std::to_string(n);
  std::string prefix;
  for (char ch : stamp.id_prefix) {
    const bool ok = (ch >= 'A' && ch <= 'Z') || (ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9') ||
                    ch == '-' || ch == '.';
    prefix += ok ? ch : '-';
  }
  if (prefix.empty()) prefix = "cg";
  if (prefix.size() + num.size() > kMaxId) prefix.resize(kMaxId - num.size());
  return prefix + num;
}

// FHIR instant: YYYY-MM-DDThh:mm:ss(.s+)?(Z|(+|-)hh:mm). Bundle.timestamp is written only then.
bool is_instant(std::string_view t) {
  const auto digits = [&](std::size_t at, std::size_t n) {
    if (at + n > t.size()) return false;
    for (std::size_t k = at; k < at + n; ++k) {
      if (t[k] < '0' || t[k] > '9') return false;
    }
    return true;
  };
  if (t.size() < 20 || !digits(0, 4) || t[4] != '-' || !digits(5, 2) || t[7] != '-' || !digits(8, 2) ||
      t[10] != 'T' || !digits(11, 2) || t[13] != ':' || !digits(14, 2) || t[16] != ':' || !digits(17, 2))
    return false;
  std::size_t i = 19;
  if (i < t.size() && t[i] == '.') {
    ++i;
    const std::size_t start = i;
    while (i < t.size() && t[i] >= '0' && t[i] <= '9') ++i;
    if (i == start) return false;
  }
  if (i + 1 == t.size() && t[i] == 'Z') return true;
  return i + 6 == t.size() && (t[i] == '+' || t[i] == '-') && digits(i + 1, 2) && t[i + 3] == ':' &&
         digits(i + 4, 2);
}

void data_absent(Writer& w) {
  key(w, "extension");
  w.StartArray();
  w.StartObject();
  lit(w, "url", kDataAbsentReason);
  lit(w, "valueCode", "unknown");
  w.EndObject();
  w.EndArray();
}

// CodeableConcept {coding: [{system: kRuleSystem, code: rule}], text: message}; a fallback text
// keeps it non-empty.
void rule_concept(Writer& w, const rules::Finding& f) {
  w.StartObject();
  const std::string rule = clean_code(f.rule);
  if (!rule.empty()) {
    key(w, "coding");
    w.StartArray();
    w.StartObject();
    lit(w, "system", kRuleSystem);
    lit(w, "code", rule);
    w.EndObject();
    w.EndArray();
  }
  if (!str(w, "text", f.message) && rule.empty()) lit(w, "text", "Rejected by a validation rule");
  w.EndObject();
}

void issue(Writer& w, const rules::Finding& f, std::string_view severity) {
  w.StartObject();
  lit(w, "severity", severity);
  lit(w, "code", operation_outcome_code(f.rule));
  key(w, "details");
  rule_concept(w, f);
  // diagnostics: the rule id, then the codes to use instead when the rule knows them (R4
  // issues have no element for a list of codes).
  std::string diag = f.rule;
  for (std::size_t i = 0; i < f.suggestions.size() && i < 20; ++i) diag += (i == 0 ? "; use: " : ", ") + f.suggestions[i];
  if (f.suggestions.size() > 20) diag += ", ... (" + std::to_string(f.suggestions.size()) + " in all)";
  str(w, "diagnostics", diag);
  const std::string expr = clean(f.src.fhirpath);
  if (!expr.empty()) {
    key(w, "expression");
    w.StartArray();
    raw_str(w, expr);
    w.EndArray();
  }
  w.EndObject();
}

void simple_issue(Writer& w, std::string_view severity, std::string_view issue_code, std::string_view text) {
  w.StartObject();
  lit(w, "severity", severity);
  lit(w, "code", issue_code);
  key(w, "details");
  w.StartObject();
  lit(w, "text", text);
  w.EndObject();
  w.EndObject();
}

void outcome_begin(Writer& w, const FhirAnswerStamp& stamp, std::uint64_t n) {
  w.StartObject();
  lit(w, "resourceType", "OperationOutcome");
  lit(w, "id", make_id(stamp, n));
  key(w, "issue");
  w.StartArray();
}

void outcome_end(Writer& w) {
  w.EndArray();
  w.EndObject();
}

void write_outcome(Writer& w, const rules::Findings& findings, const FhirAnswerStamp& stamp, std::uint64_t n) {
  outcome_begin(w, stamp, n);
  for (const auto& f : findings) issue(w, f, f.severity == rules::Severity::Reject ? "error" : "warning");
  if (findings.empty()) simple_issue(w, "information", "informational", "All checks passed");
  outcome_end(w);
}

void write_input_outcome(Writer& w, const rules::Findings& errors, const FhirAnswerStamp& stamp,
                         std::uint64_t n) {
  outcome_begin(w, stamp, n);
  for (const auto& f : errors) issue(w, f, f.severity == rules::Severity::Reject ? "fatal" : "warning");
  if (errors.empty()) simple_issue(w, "fatal", "invalid", "The input could not be read");
  outcome_end(w);
}

bool is_contained(std::string_view ref) { return !ref.empty() && ref.front() == '#'; }

// "Claim/<id>" when the Claim has an id, else "the submitted Claim": where a contained
// resource lives, for a display.
std::string claim_label(const rules::Claim& c) {
  const std::string id = clean(c.fhir.resource_id);
  return id.empty() ? std::string("the submitted Claim") : "Claim/" + id;
}

void contained_display(Writer& w, std::string_view type, std::string_view ref, const rules::Claim& c) {
  str(w, "display", std::string(type) + " " + std::string(ref) + " contained in " + claim_label(c));
}

void absent_reference(Writer& w) {
  data_absent(w);
  lit(w, "display", "unknown");
}

// A Reference copied from the Claim when it can stand outside it (a contained "#id" cannot:
// ref-1 would fail in the ClaimResponse). Returns false when it wrote nothing.
bool reference(Writer& w, std::string_view ref) {
  if (ref.empty() || is_contained(ref)) return false;
  return str(w, "reference", ref);
}

void write_patient(Writer& w, const rules::Claim& c) {
  key(w, "patient");
  w.StartObject();
  const std::string_view ref = c.fhir.patient_reference;
  if (!reference(w, ref)) {
    if (is_contained(ref)) {
      contained_display(w, "Patient", ref, c);
    } else {
      absent_reference(w);
    }
  }
  w.EndObject();
}

void write_insurer(Writer& w, const rules::Claim& c) {
  key(w, "insurer");
  w.StartObject();
  const std::string_view ref = c.fhir.insurer_reference;
  if (!reference(w, ref)) {
    const std::string payer = clean(c.payer_id);
    if (!payer.empty()) {
      key(w, "identifier");
      w.StartObject();
      lit(w, "value", payer);
      w.EndObject();
    } else if (is_contained(ref)) {
      contained_display(w, "Organization", ref, c);
    } else {
      absent_reference(w);
    }
  }
  w.EndObject();
}

void write_requestor(Writer& w, const rules::Claim& c) {
  const std::string_view ref = c.fhir.provider_reference;
  const std::string npi = clean(c.billing_npi);
  if (!is_contained(ref) && !clean(ref).empty()) {
    key(w, "requestor");
    w.StartObject();
    reference(w, ref);
    w.EndObject();
  } else if (!npi.empty()) {
    key(w, "requestor");
    w.StartObject();
    key(w, "identifier");
    w.StartObject();
    lit(w, "system", kNpiSystem);
    lit(w, "value", npi);
    w.EndObject();
    w.EndObject();
  } else if (is_contained(ref)) {
    key(w, "requestor");
    w.StartObject();
    contained_display(w, "provider", ref, c);
    w.EndObject();
  }
}

void write_request(Writer& w, const rules::Claim& c) {
  std::string ref = clean(c.fhir.full_url);
  if (ref.empty()) {
    const std::string id = clean(c.fhir.resource_id);
    if (!id.empty()) ref = "Claim/" + id;
  }
  const std::string ident = clean(c.format == rules::Format::Fhir ? c.fhir.identifier : c.id);
  if (ref.empty() && ident.empty()) return;
  key(w, "request");
  w.StartObject();
  if (!ref.empty()) lit(w, "reference", ref);
  if (!ident.empty()) {
    key(w, "identifier");
    w.StartObject();
    lit(w, "value", ident);
    w.EndObject();
  }
  w.EndObject();
}

void write_type(Writer& w, const rules::Claim& c) {
  static constexpr std::array<std::string_view, 5> kTypes = {"institutional", "oral", "pharmacy",
                                                             "professional", "vision"};
  std::string_view t = c.fhir.type_code;
  if (t.empty() && c.format != rules::Format::Fhir) {
    switch (c.kind) {
      case rules::ClaimKind::Professional: t = "professional"; break;
      case rules::ClaimKind::Institutional: t = "institutional"; break;
      case rules::ClaimKind::Dental: t = "oral"; break;
      case rules::ClaimKind::Other: break;
    }
  }
  key(w, "type");
  w.StartObject();
  bool known = false;
  for (auto k : kTypes) known = known || k == t;
  if (known) {
    key(w, "coding");
    w.StartArray();
    w.StartObject();
    lit(w, "system", kClaimTypeSystem);
    lit(w, "code", t);
    w.EndObject();
    w.EndArray();
  } else if (!str(w, "text", t)) {
    data_absent(w);
  }
  w.EndObject();
}

std::string_view claim_use(std::string_view use) {
  if (use == "preauthorization" || use == "predetermination") return use;
  return "claim";
}

std::string disposition(const rules::Verdict& v, std::string_view outcome) {
  if (!v.accepted) {
    std::size_t n = v.rejects;
    const rules::Finding* first = nullptr;
    std::size_t listed = 0;
    for (const auto& f : v.findings) {
      if (f.severity != rules::Severity::Reject) continue;
      if (first == nullptr) first = &f;
      ++listed;
    }
    if (n < listed) n = listed;
    std::string s = "Rejected: " + std::to_string(n) + (n == 1 ? " problem" : " problems");
    if (n > listed && listed > 0) s += " (first " + std::to_string(listed) + " listed)";
    if (first != nullptr && !clean(first->message).empty())
      s += (n == 1 ? ": " : "; first: ") + first->message;
    return s;
  }
  std::string s = outcome == "complete" ? "Accepted" : "Accepted for processing";
  if (v.warnings > 0) s += " with " + std::to_string(v.warnings) + (v.warnings == 1 ? " warning" : " warnings");
  return s;
}

// ClaimResponse.error.itemSequence "is omitted when the error occurs outside of the item
// structure": a finding about line n counts as on the item when its FHIRPath is under
// Claim.item (or it has no FHIRPath, as X12 findings). A diagnosis code that line n points at
// is a Claim.diagnosis error: no itemSequence.
bool on_item(const rules::Finding& f) {
  if (f.line <= 0) return false;
  const std::string_view p = f.src.fhirpath;
  return p.empty() || p.starts_with("Claim.item[");
}

// ClaimResponse.created: the stamp's time, else data-absent.
void write_created(Writer& w, const FhirAnswerStamp& stamp) {
  if (str(w, "created", stamp.now)) return;
  key(w, "_created");
  w.StartObject();
  data_absent(w);
  w.EndObject();
}

void write_claim_response(Writer& w, const rules::Claim& c, const rules::Verdict& v, const FhirAnswerStamp& stamp,
                          std::uint64_t n, std::string_view accepted_outcome) {
  const std::string_view outcome =
      !v.accepted ? std::string_view("error") : accepted_outcome == "complete" ? "complete" : "queued";
  w.StartObject();
  lit(w, "resourceType", "ClaimResponse");
  const std::string id = make_id(stamp, n);
  lit(w, "id", id);
  if (stamp.entry_keys && outcome == "queued") {
    key(w, "identifier");
    w.StartArray();
    w.StartObject();
    lit(w, "system", kEntryKeySystem);
    lit(w, "value", id);
    w.EndObject();
    w.EndArray();
  }
  lit(w, "status", "active");
  write_type(w, c);
  lit(w, "use", claim_use(c.fhir.use));
  write_patient(w, c);
  write_created(w, stamp);
  write_insurer(w, c);
  write_requestor(w, c);
  write_request(w, c);
  lit(w, "outcome", outcome);
  str(w, "disposition", disposition(v, outcome));

  int note = 0;
  for (const auto& f : v.findings) {
    if (f.severity != rules::Severity::Warn) continue;
    std::string text = clean(f.message);
    const std::string rule = clean(f.rule);
    if (!rule.empty()) text = text.empty() ? rule : text + " (" + rule + ")";
    if (text.empty()) continue;
    if (note == 0) {
      key(w, "processNote");
      w.StartArray();
    }
    w.StartObject();
    key(w, "number");
    w.Int(++note);
    lit(w, "type", "display");
    lit(w, "text", text);
    w.EndObject();
  }
  if (note > 0) w.EndArray();

  if (!v.accepted) {
    bool any = false;
    for (const auto& f : v.findings) {
      if (f.severity != rules::Severity::Reject) continue;
      if (!any) {
        key(w, "error");
        w.StartArray();
        any = true;
      }
      w.StartObject();
      if (on_item(f)) {
        key(w, "itemSequence");
        w.Int(f.line);
      }
      key(w, "code");
      rule_concept(w, f);
      w.EndObject();
    }
    if (any) w.EndArray();
  }
  w.EndObject();
}

}  // namespace

std::string_view operation_outcome_code(std::string_view rule_id) noexcept {
  if (rule_id.starts_with("fhir.")) {
    const std::string_view c = fhir_issue_code(rule_id);
    return c.empty() ? std::string_view("invalid") : c;
  }
  if (rule_id.starts_with("x12.")) return "structure";
  if (rule_id == "icd10cm.unknown" || rule_id == "icd10cm.header" || rule_id == "icd10cm.not-yet-effective" ||
      rule_id == "icd10cm.deleted" || rule_id == "icd10cm.invalid-extension" ||
      rule_id == "icd10cm.qualifier-mismatch")
    return "code-invalid";
  if (rule_id == "icd10pcs.unknown" || rule_id == "icd10pcs.header" || rule_id == "icd10pcs.not-yet-effective" ||
      rule_id == "icd10pcs.deleted" || rule_id == "icd10pcs.on-service-line" || rule_id == "hcpcs.unknown" ||
      rule_id == "hcpcs.terminated" || rule_id == "hcpcs.not-yet-effective" || rule_id == "hcpcs.modifier" ||
      rule_id == "cpt.format")
    return "code-invalid";
  if (rule_id == "icd10pcs.principal-missing" || rule_id == "convert.target-needs") return "required";
  if (rule_id == "icd10cm.code-set-not-loaded" || rule_id == "icd10pcs.code-set-not-loaded" ||
      rule_id == "hcpcs.code-set-not-loaded")
    return "informational";
  return "business-rule";
}

std::string operation_outcome_json(const rules::Findings& findings, const FhirAnswerStamp& stamp) {
  rapidjson::StringBuffer buf;
  Writer w(buf);
  write_outcome(w, findings, stamp, stamp.sequence);
  return {buf.GetString(), buf.GetSize()};
}

std::string input_error_outcome_json(const rules::Findings& errors, const FhirAnswerStamp& stamp) {
  rapidjson::StringBuffer buf;
  Writer w(buf);
  write_input_outcome(w, errors, stamp, stamp.sequence);
  return {buf.GetString(), buf.GetSize()};
}

std::string claim_response_json(const rules::Claim& claim, const rules::Verdict& verdict,
                                const FhirAnswerStamp& stamp, std::string_view accepted_outcome) {
  rapidjson::StringBuffer buf;
  Writer w(buf);
  write_claim_response(w, claim, verdict, stamp, stamp.sequence, accepted_outcome);
  return {buf.GetString(), buf.GetSize()};
}

std::string resource_id(const FhirAnswerStamp& stamp, std::uint64_t n) { return make_id(stamp, n); }

std::string entry_status_response_json(std::string_view entry_key, std::string_view outcome, std::string_view disposition,
                                       std::string_view payer_id, const FhirAnswerStamp& stamp) {
  rules::Claim c;
  c.format = rules::Format::Fhir;
  c.payer_id = std::string(payer_id);
  std::string id;
  for (const char ch : entry_key) {
    const bool ok = (ch >= 'A' && ch <= 'Z') || (ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9') || ch == '-' || ch == '.';
    id += ok ? ch : '-';
  }
  if (id.size() > kMaxId) id.resize(kMaxId);
  rapidjson::StringBuffer buf;
  Writer w(buf);
  w.StartObject();
  lit(w, "resourceType", "ClaimResponse");
  if (!id.empty()) lit(w, "id", id);
  key(w, "identifier");
  w.StartArray();
  w.StartObject();
  lit(w, "system", kEntryKeySystem);
  str(w, "value", entry_key);
  w.EndObject();
  w.EndArray();
  lit(w, "status", "active");
  write_type(w, c);
  lit(w, "use", "claim");
  write_patient(w, c);
  write_created(w, stamp);
  write_insurer(w, c);
  lit(w, "outcome", outcome == "complete" || outcome == "error" ? outcome : std::string_view("queued"));
  str(w, "disposition", disposition);
  w.EndObject();
  return {buf.GetString(), buf.GetSize()};
}

std::string batch_response_json(const std::vector<BatchEntry>& entries, const FhirAnswerStamp& stamp,
                                std::vector<std::string>* accepted_ids) {
  rapidjson::StringBuffer buf;
  Writer w(buf);
  std::uint64_t n = stamp.sequence;
  w.StartObject();
  lit(w, "resourceType", "Bundle");
  lit(w, "id", make_id(stamp, n++));
  lit(w, "type", "batch-response");
  if (is_instant(stamp.now)) lit(w, "timestamp", stamp.now);
  if (!entries.empty()) {
    key(w, "entry");
    w.StartArray();
    for (const auto& e : entries) {
      w.StartObject();
      if (e.claim == nullptr || e.verdict == nullptr) {
        key(w, "response");
        w.StartObject();
        lit(w, "status", "400 Bad Request");
        key(w, "outcome");
        write_input_outcome(w, e.input_errors, stamp, n++);
        w.EndObject();
      } else if (e.verdict->accepted) {
        const std::uint64_t cr = n++;
        if (accepted_ids) accepted_ids->push_back(make_id(stamp, cr));
        key(w, "resource");
        write_claim_response(w, *e.claim, *e.verdict, stamp, cr, "queued");
        key(w, "response");
        w.StartObject();
        lit(w, "status", "201 Created");
        lit(w, "location", "ClaimResponse/" + make_id(stamp, cr));
        if (!e.verdict->findings.empty()) {
          key(w, "outcome");
          write_outcome(w, e.verdict->findings, stamp, n++);
        }
        w.EndObject();
      } else {
        key(w, "response");
        w.StartObject();
        lit(w, "status", "422 Unprocessable Entity");
        key(w, "outcome");
        write_outcome(w, e.verdict->findings, stamp, n++);
        w.EndObject();
      }
      w.EndObject();
    }
    w.EndArray();
  }
  w.EndObject();
  return {buf.GetString(), buf.GetSize()};
}

}  // namespace cg::transforms
