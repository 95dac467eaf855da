#include "transforms/fhir_claims.hpp"


#include "parsers/fhir/json_document.hpp"
#include "parsers/fhir/ndjson.hpp"
#include "transforms/claim_fhir.hpp"
#include "transforms/code_systems.hpp"

#include <algorithm>
#include <array>
#include <charconv>
#include <climits>
#include <cstring>
#include <cmath>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

namespace cg::transforms {
namespace {

using fhir::Value;
using rules::Claim;
using rules::Finding;
using rules::Findings;

constexpr FhirRuleInfo kRules[] = {
    {kFhirSyntax, "structure", "not JSON, truncated, trailing data or invalid UTF-8"},
    {kFhirStructure, "structure", "an element has the wrong JSON type"},
    {kFhirValue, "value", "an element has a value its datatype does not allow"},
    {kFhirRequired, "required", "a required element is missing"},
    {kFhirCodeInvalid, "code-invalid", "a code is not in the required value set"},
    {kFhirResourceType, "invalid", "the resource is not a Claim or a Bundle of Claims"},
    {kFhirNotSupported, "not-supported", "valid FHIR the gateway does not accept"},
    {kFhirLimit, "too-long", "a size, depth or count limit was exceeded"},
    {kFhirDuplicateKey, "structure", "an object holds the same member name twice"},
    {kFhirDuplicateSequence, "invariant", "two diagnoses have the same sequence"},
};

constexpr std::string_view kIcd10Cm = "http://hl7.org/fhir/sid/icd-10-cm";
constexpr std::string_view kIcd10 = "http://hl7.org/fhir/sid/icd-10";
constexpr std::string_view kIcd9Cm = "http://hl7.org/fhir/sid/icd-9-cm";
constexpr std::string_view kNpiSystem = "http://hl7.org/fhir/sid/us-npi";
constexpr std::size_t kMaxValueEcho = 64;

// Sizes of what the reader copies into the Claim (bytes). A value over its limit is a
// fhir.limit finding and only its first `max` bytes are kept, so no answer, report, log or
// manifest ever holds a multi-megabyte identifier. Each limit is the X12 005010 element the
// value maps to (the Claim model is shared with the 837), else FHIR's own rule.
struct Bound {
  std::size_t max;
  std::string_view maps_to;  // for the message
};
constexpr Bound kAnyString{4096, "a string claimgate keeps (uri, reference, code)"};
constexpr Bound kClaimNumber{38, "X12 CLM01, the patient control number it maps to"};
constexpr Bound kFhirId{64, "FHIR id: 1 to 64 of A-Z a-z 0-9 - ."};
constexpr Bound kDiagnosisCode{30, "X12 HI01-2, the diagnosis code"};
constexpr Bound kProcedureCode{48, "X12 SV101-2 / SV202-2 / SV301-2, the procedure code"};
constexpr Bound kModifier{2, "X12 SV101-3, a procedure code modifier"};
constexpr Bound kRevenueCode{48, "X12 SV201, the revenue code"};
constexpr Bound kPlaceOfService{2, "X12 CLM05-1, the place of service"};
constexpr Bound kPartyId{80, "X12 NM109, the identification code"};

// ---------------------------------------------------------------------------------------------
// FHIRPath built incrementally: one string, grown and cut back as the walk enters and leaves
// elements, copied only when a SourceRef or a Finding needs it.
class Path {
 public:
  explicit Path(std::string_view root) : s_(root) { s_.reserve(96); }
  [[nodiscard]] std::size_t mark() const { return s_.size(); }
  void cut(std::size_t m) { s_.resize(m); }
  void field(std::string_view f) {
    s_ += '.';
    s_ += f;
  }
  void index(std::size_t i) {
    char b[24];
    const auto r = std::to_chars(b, b + sizeof b, i);
    s_ += '[';
    s_.append(b, r.ptr);
    s_ += ']';
  }
  [[nodiscard]] const std::string& str() const { return s_; }
  [[nodiscard]] std::string with(std::string_view f) const {
    std::string r;
    r.reserve(s_.size() + 1 + f.size());
    r += s_;
    r += '.';
    r += f;
    return r;
  }
  void reset(std::string_view root) { s_.assign(root); }

 private:
  std::string s_;
};

// Restores the path when leaving an element.
class Enter {
 public:
  struct Index {
    std::size_t i;
  };

  Enter(Path& p, std::string_view f) : p_(p), m_(p.mark()) { p.field(f); }
  Enter(Path& p, std::string_view f, std::size_t i) : p_(p), m_(p.mark()) {
    p.field(f);
    p.index(i);
  }
  Enter(Path& p, Index at) : p_(p), m_(p.mark()) { p.index(at.i); }
  Enter(const Enter&) = delete;
  Enter& operator=(const Enter&) = delete;
  ~Enter() { p_.cut(m_); }

 private:
  Path& p_;
  std::size_t m_;
};

// ---------------------------------------------------------------------------------------------
// Resources of a Bundle, found by fullUrl or "Type/id".
struct TypeId {
  std::string_view type, id;
  bool operator==(const TypeId&) const = default;
};
struct TypeIdHash {
  std::size_t operator()(const TypeId& k) const noexcept {
    const std::size_t a = std::hash<std::string_view>{}(k.type);
    return a ^ (std::hash<std::string_view>{}(k.id) + 0x9e3779b97f4a7c15ull + (a << 6) + (a >> 2));
  }
};

std::string_view strip_history(std::string_view ref) {
  const auto h = ref.find("/_history/");
  return h == std::string_view::npos ? ref : ref.substr(0, h);
}

// "Patient/123", "http://x/fhir/Patient/123" -> {Patient, 123}; {} when not of that shape.
TypeId split_reference(std::string_view ref) {
  ref = strip_history(ref);
  const auto slash = ref.rfind('/');
  if (slash == std::string_view::npos || slash == 0 || slash + 1 == ref.size()) return {};
  const std::string_view id = ref.substr(slash + 1);
  const std::string_view head = ref.substr(0, slash);
  const auto prev = head.rfind('/');
  const std::string_view type = prev == std::string_view::npos ? head : head.substr(prev + 1);
  if (type.empty() || type.front() < 'A' || type.front() > 'Z') return {};
  return {type, id};
}

class BundleIndex {
 public:
  void reserve(std::size_t n) {
    by_url_.reserve(n);
    by_type_id_.reserve(n);
  }
  void add(std::string_view full_url, const Value& resource) {
    if (!full_url.empty()) by_url_.emplace(full_url, &resource);
    const std::string_view type = fhir::str(fhir::member(resource, "resourceType"));
    const Value* id = fhir::member(resource, "id");
    if (!type.empty() && id && id->IsString())
      by_type_id_.emplace(TypeId{type, fhir::str(*id)}, &resource);
  }
  [[nodiscard]] const Value* find(std::string_view ref) const {
    if (auto it = by_url_.find(ref); it != by_url_.end()) return it->second;
    const TypeId k = split_reference(ref);
    if (k.type.empty()) return nullptr;
    auto it = by_type_id_.find(k);
    return it == by_type_id_.end() ? nullptr : it->second;
  }

 private:
  std::unordered_map<std::string_view, const Value*> by_url_;
  std::unordered_map<TypeId, const Value*, TypeIdHash> by_type_id_;
};

// ---------------------------------------------------------------------------------------------
enum class Kind : std::uint8_t { Null, Bool, Number, String, Object, Array };

std::string_view kind_name(Kind k) {
  switch (k) {
    case Kind::Null: return "null";
    case Kind::Bool: return "a boolean";
    case Kind::Number: return "a number";
    case Kind::String: return "a string";
    case Kind::Object: return "an object";
    case Kind::Array: return "an array";
  }
  return "?";
}

bool is_digits(std::string_view s) {
  if (s.empty()) return false;
  for (char c : s)
    if (c < '0' || c > '9') return false;
  return true;
}

// FHIR dateTime: YYYY, YYYY-MM, YYYY-MM-DD or YYYY-MM-DDThh:mm:ss[.f+](Z|(+|-)hh:mm).
bool valid_datetime(std::string_view t) {
  auto d = [&](std::size_t at, std::size_t n) { return t.size() >= at + n && is_digits(t.substr(at, n)); };
  if (!d(0, 4)) return false;
  if (t.size() == 4) return true;
  if (t.size() < 7 || t[4] != '-' || !d(5, 2)) return false;
  if (t.size() == 7) return t[5] <= '1';
  if (t.size() < 10 || t[7] != '-' || !d(8, 2) || !rules::parse_iso_date(t.substr(0, 10))) return false;
  if (t.size() == 10) return true;
  if (t[10] != 'T' || !d(11, 2) || t.size() < 19 || t[13] != ':' || !d(14, 2) || t[16] != ':' || !d(17, 2))
    return false;
  std::size_t i = 19;
  if (i < t.size() && t[i] == '.') {
    ++i;
    const std::size_t b = i;
    while (i < t.size() && t[i] >= '0' && t[i] <= '9') ++i;
    if (i == b) return false;
  }
  if (i == t.size()) return false;  // a time needs a zone
  if (t[i] == 'Z') return i + 1 == t.size();
  if (t[i] != '+' && t[i] != '-') return false;
  return t.size() == i + 6 && d(i + 1, 2) && t[i + 3] == ':' && d(i + 4, 2);
}

rules::CodeSystem dx_system(std::string_view s) {
  if (s.empty()) return rules::CodeSystem::None;
  if (s == kIcd10Cm || s == "urn:oid:2.16.840.1.113883.6.90") return rules::CodeSystem::Icd10Cm;
  if (s == kIcd10 || s == "urn:oid:2.16.840.1.113883.6.3") return rules::CodeSystem::Icd10Who;
  if (s == kIcd9Cm || s == "urn:oid:2.16.840.1.113883.6.103" || s == "http://hl7.org/fhir/sid/icd-9-cm/diagnosis")
    return rules::CodeSystem::Icd9Cm;
  return rules::CodeSystem::Other;
}

int dx_rank(std::string_view system) {
  switch (dx_system(system)) {
    case rules::CodeSystem::Icd10Cm: return 0;
    case rules::CodeSystem::Icd10Who: return 1;
    case rules::CodeSystem::Icd9Cm: return 2;
    default: return 3;
  }
}

bool is_procedure_system(std::string_view s) {
  switch (rules::procedure_system(s, {})) {
    case rules::ProcedureSystem::Hcpcs:
    case rules::ProcedureSystem::Cpt:
    case rules::ProcedureSystem::Icd10Pcs:
    case rules::ProcedureSystem::Cdt: return true;
    default: return false;
  }
}

// Claim.procedure codings: ICD-10-PCS first, then ICD-9-CM, then anything else.
int claim_procedure_rank(std::string_view s) {
  switch (rules::procedure_system(s, {})) {
    case rules::ProcedureSystem::Icd10Pcs: return 0;
    case rules::ProcedureSystem::Icd9Cm: return 1;
    default: return 2;
  }
}

int any_rank(std::string_view) { return 0; }
int procedure_rank(std::string_view s) { return is_procedure_system(s) ? 0 : 1; }

bool iequals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    const char x = a[i] >= 'A' && a[i] <= 'Z' ? static_cast<char>(a[i] + 32) : a[i];
    if (x != b[i]) return false;
  }
  return true;
}

rules::DxRole dx_role(std::string_view code) {
  if (iequals(code, "principal")) return rules::DxRole::Principal;
  if (iequals(code, "admitting")) return rules::DxRole::Admitting;
  if (iequals(code, "patientreasonforvisit") || iequals(code, "patient-reason-for-visit") ||
      iequals(code, "reasonforvisit"))
    return rules::DxRole::ReasonForVisit;
  if (iequals(code, "externalcauseofinjury") || iequals(code, "external-cause-of-injury") ||
      iequals(code, "externalcause"))
    return rules::DxRole::ExternalCause;
  return rules::DxRole::Other;
}

struct Coding {
  std::string_view system, code;
  int index = -1;  // index in coding[]
};

// ---------------------------------------------------------------------------------------------
// Maps one Claim resource. Errors become Findings; the walk goes on past them.
class ClaimMapper {
 public:
  ClaimMapper(const fhir::JsonDocument& doc, const BundleIndex* bundle, Claim& claim, Findings& out)
      : doc_(doc), bundle_(bundle), claim_(claim), out_(out) {}

  void map(const Value& res);

 private:
  // --- JSON types
  Kind kind(const Value& v) const {
    if (v.IsString()) return doc_.is_number(v) ? Kind::Number : Kind::String;
    if (v.IsObject()) return Kind::Object;
    if (v.IsArray()) return Kind::Array;
    if (v.IsBool()) return Kind::Bool;
    if (v.IsNull()) return Kind::Null;
    return Kind::Number;
  }
  std::string echo(const Value& v) const {
    switch (kind(v)) {
      case Kind::Number: return std::string(fhir::str(v).substr(0, kMaxValueEcho));
      case Kind::String: return '"' + std::string(fhir::str(v).substr(0, kMaxValueEcho)) + '"';
      case Kind::Bool: return v.GetBool() ? "true" : "false";
      case Kind::Null: return "null";
      case Kind::Object: return "{...}";
      case Kind::Array: return "[...]";
    }
    return {};
  }

  // --- findings
  void add(std::string_view rule, std::string path, std::string message, std::string value = {}) {
    Finding f;
    f.rule = rule;
    f.severity = rules::Severity::Reject;
    f.message = std::move(message);
    f.value = std::move(value);
    f.src.fhirpath = std::move(path);
    f.line = line_ctx_;
    f.diagnosis = dx_ctx_;
    out_.push_back(std::move(f));
  }
  void wrong_type(const Value& v, std::string_view expected) {
    add(kFhirStructure, path_.str(),
        path_.str() + ": expected " + std::string(expected) + ", got " + std::string(kind_name(kind(v))) +
            (kind(v) == Kind::String || kind(v) == Kind::Number ? " " + echo(v) : std::string()),
        echo(v));
  }
  void missing(std::string_view element, std::string_view expected) {
    std::string p = path_.with(element);
    add(kFhirRequired, p, p + " is missing; it is required: " + std::string(expected));
  }
  bool is(const Value& v, Kind k, std::string_view expected) {
    if (kind(v) == k) return true;
    wrong_type(v, expected);
    return false;
  }

  // --- datatypes (path_ is at the element)
  std::optional<int> positive_int(const Value& v);
  // A JSON string (path_ at it), at most bound.max bytes (see Bound).
  std::string_view string_value(const Value& v, std::string_view expected = "a JSON string",
                                Bound bound = kAnyString) {
    return is(v, Kind::String, expected) ? bounded(fhir::str(v), bound, path_.str()) : std::string_view();
  }
  std::string_view bounded(std::string_view s, Bound bound, const std::string& at) {
    if (s.size() <= bound.max) return s;
    add(kFhirLimit, at,
        at + " is " + std::to_string(s.size()) + " bytes long; the limit is " + std::to_string(bound.max) + " (" +
            std::string(bound.maps_to) + ")");
    return s.substr(0, bound.max);
  }
  std::string bounded_copy(std::string_view s, Bound bound, const std::string& at) {
    return std::string(bounded(s, bound, at));
  }
  std::optional<rules::Date> date_value(const Value& v, bool datetime);
  std::optional<rules::Amount> money_value(const Value& v);
  std::optional<rules::Amount> decimal_value(const Value& v);
  std::optional<double> number_value(const Value& v);
  // The coding ranked first; its code at most code_bound (checked on the chosen coding only).
  template <class Rank>
  Coding codeable_concept(const Value& v, Rank rank, Bound code_bound = kAnyString);
  std::string_view reference_text(const Value& v);
  void period(const Value& v, std::optional<rules::Date>& from, std::optional<rules::Date>& to);

  // --- references
  const Value* resolve(std::string_view ref) const;
  std::string payer_from(const Value& ref_obj, int depth) const;
  std::string npi_of(const Value& ref_obj, int depth) const;
  static std::string_view first_identifier(const Value& resource, std::string_view system);

  // --- parts
  void diagnoses(const Value& arr);
  void diagnosis(const Value& d, std::size_t i);
  void procedures(const Value& arr);
  void procedure(const Value& p);
  void items(const Value& arr);
  void item(const Value& it, std::size_t i);
  void insurance(const Value& arr);
  void patient(const Value& ref);
  // What translation needs (Claim::parties, Claim::details); never a finding.
  void translation(const Value& res);
  void party(const Value* resource, rules::PartyRef& out) const;
  const Value* resolve_member(const Value& obj, std::string_view name) const {
    return resolve(fhir::str(fhir::member(fhir::member(obj, name) ? *fhir::member(obj, name) : obj, "reference")));
  }

  const fhir::JsonDocument& doc_;
  const BundleIndex* bundle_;
  Claim& claim_;
  Findings& out_;
  Path path_{"Claim"};
  int line_ctx_ = 0;
  int dx_ctx_ = 0;
  std::vector<std::pair<std::string_view, const Value*>> contained_;
  const Value* contained_array_ = nullptr;  // Claim.contained
  const Value* focal_coverage_ = nullptr;
};

std::optional<int> ClaimMapper::positive_int(const Value& v) {
  if (!is(v, Kind::Number, "a positiveInt (a JSON number 1 or more)")) return std::nullopt;
  const std::string_view t = fhir::str(v);
  int n = 0;
  const auto r = std::from_chars(t.data(), t.data() + t.size(), n);
  if (!is_digits(t) || r.ec != std::errc() || r.ptr != t.data() + t.size() || n < 1 ||
      (t.size() > 1 && t[0] == '0')) {
    const std::string shown(t.substr(0, kMaxValueEcho));
    add(kFhirValue, path_.str(),
        path_.str() + ": expected a positiveInt (a whole number 1 or more), got " + shown +
            (t.size() > kMaxValueEcho ? "..." : ""),
        shown);
    return std::nullopt;
  }
  return n;
}

std::optional<rules::Date> ClaimMapper::date_value(const Value& v, bool datetime) {
  const std::string_view t = string_value(v, datetime ? "a dateTime string" : "a date string");
  if (!v.IsString() || kind(v) != Kind::String) return std::nullopt;
  std::optional<rules::Date> d;
  if (t.size() >= 10 && (!datetime || valid_datetime(t))) d = rules::parse_iso_date(t);
  if (!d)
    add(kFhirValue, path_.str(),
        path_.str() + ": expected a full date YYYY-MM-DD" + (datetime ? " (or a dateTime with one)" : "") +
            ", got \"" + std::string(t.substr(0, kMaxValueEcho)) + '"',
        std::string(t.substr(0, kMaxValueEcho)));
  return d;
}

std::optional<rules::Amount> ClaimMapper::decimal_value(const Value& v) {
  if (!is(v, Kind::Number, "a decimal (a JSON number)")) return std::nullopt;
  const std::string_view t = fhir::str(v);
  auto a = rules::parse_amount(t);
  if (!a)
    add(kFhirValue, path_.str(),
        path_.str() + ": expected a decimal with at most 4 decimal places and no exponent, got " +
            std::string(t.substr(0, kMaxValueEcho)),
        std::string(t.substr(0, kMaxValueEcho)));
  return a;
}

std::optional<double> ClaimMapper::number_value(const Value& v) {
  if (!is(v, Kind::Number, "a decimal (a JSON number)")) return std::nullopt;
  const std::string_view t = fhir::str(v);
  double d = 0;
  const auto r = std::from_chars(t.data(), t.data() + t.size(), d);
  if (r.ec != std::errc() || r.ptr != t.data() + t.size() || !std::isfinite(d)) {
    add(kFhirValue, path_.str(), path_.str() + ": expected a decimal, got " + std::string(t.substr(0, kMaxValueEcho)),
        std::string(t.substr(0, kMaxValueEcho)));
    return std::nullopt;
  }
  return d;
}

std::optional<rules::Amount> ClaimMapper::money_value(const Value& v) {
  if (!is(v, Kind::Object, "a Money object {value, currency}")) return std::nullopt;
  std::optional<rules::Amount> out;
  for (auto m = v.MemberBegin(); m != v.MemberEnd(); ++m) {
    const std::string_view k = fhir::key(m);
    if (k == "value") {
      Enter e(path_, "value");
      out = decimal_value(m->value);
    } else if (k == "currency") {
      Enter e(path_, "currency");
      (void)string_value(m->value, "a currency code string");
    }
  }
  return out;
}

template <class Rank>
Coding ClaimMapper::codeable_concept(const Value& v, Rank rank, Bound code_bound) {
  Coding best;
  int best_rank = INT_MAX;
  if (!is(v, Kind::Object, "a CodeableConcept object")) return best;
  const Value* coding = fhir::member(v, "coding");
  if (!coding) return best;
  Enter e(path_, "coding");
  if (!is(*coding, Kind::Array, "an array of Coding")) return best;
  for (rapidjson::SizeType i = 0; i < coding->Size(); ++i) {
    const Value& c = (*coding)[i];
    const std::size_t m0 = path_.mark();
    path_.index(i);
    const std::size_t m = path_.mark();
    Coding cur;
    cur.index = static_cast<int>(i);
    if (is(c, Kind::Object, "a Coding object {system, code}")) {
      for (auto mm = c.MemberBegin(); mm != c.MemberEnd(); ++mm) {
        const std::string_view k = fhir::key(mm);
        if (k == "system") {
          path_.field("system");
          cur.system = string_value(mm->value, "a uri string");
          path_.cut(m);
        } else if (k == "code") {
          path_.field("code");
          cur.code = string_value(mm->value, "a code string");
          path_.cut(m);
        }
      }
    }
    path_.cut(m0);
    if (cur.code.empty()) continue;
    const int r = rank(cur.system);
    if (r < best_rank) {
      best_rank = r;
      best = cur;
    }
  }
  if (best.code.size() > code_bound.max) {
    const std::size_t m = path_.mark();
    path_.index(static_cast<std::size_t>(best.index));
    path_.field("code");
    best.code = bounded(best.code, code_bound, path_.str());
    path_.cut(m);
  }
  return best;
}

std::string_view ClaimMapper::reference_text(const Value& v) {
  if (!is(v, Kind::Object, "a Reference object")) return {};
  const Value* r = fhir::member(v, "reference");
  if (!r) return {};
  Enter e(path_, "reference");
  return string_value(*r, "a reference string");
}

void ClaimMapper::period(const Value& v, std::optional<rules::Date>& from, std::optional<rules::Date>& to) {
  if (!is(v, Kind::Object, "a Period object {start, end}")) return;
  for (auto m = v.MemberBegin(); m != v.MemberEnd(); ++m) {
    const std::string_view k = fhir::key(m);
    if (k == "start") {
      Enter e(path_, "start");
      from = date_value(m->value, true);
    } else if (k == "end") {
      Enter e(path_, "end");
      to = date_value(m->value, true);
    }
  }
  if (from && to && *to < *from)
    add(kFhirValue, path_.with("end"),
        path_.with("end") + ": the period ends (" + to->iso() + ") before it starts (" + from->iso() + ")",
        to->iso());
}

const Value* ClaimMapper::resolve(std::string_view ref) const {
  if (ref.empty()) return nullptr;
  if (ref.front() == '#') {
    const std::string_view id = ref.substr(1);
    for (const auto& [cid, res] : contained_)
      if (cid == id) return res;
    return nullptr;
  }
  return bundle_ ? bundle_->find(ref) : nullptr;
}

std::string_view ClaimMapper::first_identifier(const Value& resource, std::string_view system) {
  const Value* ids = fhir::member(resource, "identifier");
  if (!ids || !ids->IsArray()) return {};
  for (const auto& id : ids->GetArray()) {
    const std::string_view value = fhir::str(fhir::member(id, "value"));
    if (value.empty()) continue;
    if (system.empty() || fhir::str(fhir::member(id, "system")) == system)
      return value;
  }
  return {};
}

// Payer id from a Reference(Organization) (Coverage.payor[], Claim.insurer): its logical
// identifier, else the first identifier of the resolved Organization.
std::string ClaimMapper::payer_from(const Value& ref_obj, int depth) const {
  if (!ref_obj.IsObject() || depth > 2) return {};
  if (const Value* ident = fhir::member(ref_obj, "identifier")) {
    if (const Value* value = fhir::member(*ident, "value"); value && value->IsString() && value->GetStringLength())
      return std::string(fhir::str(*value));
  }
  const Value* ref = fhir::member(ref_obj, "reference");
  const Value* res = ref ? resolve(fhir::str(*ref)) : nullptr;
  if (!res) return {};
  return std::string(first_identifier(*res, {}));
}

// NPI from a Reference(Organization | Practitioner | PractitionerRole).
std::string ClaimMapper::npi_of(const Value& ref_obj, int depth) const {
  if (!ref_obj.IsObject() || depth > 2) return {};
  if (const Value* ident = fhir::member(ref_obj, "identifier")) {
    const Value* sys = fhir::member(*ident, "system");
    const Value* value = fhir::member(*ident, "value");
    if (sys && value && fhir::str(*sys) == kNpiSystem && value->IsString()) return std::string(fhir::str(*value));
  }
  const Value* ref = fhir::member(ref_obj, "reference");
  const Value* res = ref ? resolve(fhir::str(*ref)) : nullptr;
  if (!res) return {};
  if (auto npi = first_identifier(*res, kNpiSystem); !npi.empty()) return std::string(npi);
  if (fhir::str(fhir::member(*res, "resourceType")) ==
      "PractitionerRole") {
    for (std::string_view k : {"practitioner", "organization"}) {
      if (const Value* r = fhir::member(*res, k)) {
        std::string npi = npi_of(*r, depth + 1);
        if (!npi.empty()) return npi;
      }
    }
  }
  return {};
}

void ClaimMapper::patient(const Value& ref_obj) {
  const std::string_view ref = reference_text(ref_obj);
  claim_.fhir.patient_reference = ref;
  const Value* p = resolve(ref);
  if (!p || !p->IsObject()) return;
  if (const Value* bd = fhir::member(*p, "birthDate"); bd && bd->IsString() && bd->GetStringLength() == 10) {
    claim_.birth_date = rules::parse_iso_date(fhir::str(*bd));
    // A contained Patient is Claim.contained[k]; one elsewhere in the Bundle is the Patient
    // resource the reference names.
    claim_.birth_date_src.fhirpath = "Patient.birthDate";
    for (std::size_t k = 0; k < contained_.size(); ++k)
      if (contained_[k].second == p && contained_array_ != nullptr)
        for (rapidjson::SizeType j = 0; j < contained_array_->Size(); ++j)
          if (&(*contained_array_)[j] == p) claim_.birth_date_src.fhirpath = "Claim.contained[" + std::to_string(j) + "].birthDate";
  }
  if (const Value* g = fhir::member(*p, "gender"); g && g->IsString()) {
    const std::string_view s = fhir::str(*g);
    claim_.sex = s == "male" ? 'M' : s == "female" ? 'F' : (s == "unknown" || s == "other") ? 'U' : 0;
  }
}

void ClaimMapper::insurance(const Value& arr) {
  if (!is(arr, Kind::Array, "an array of insurance")) return;
  if (arr.Empty()) {
    add(kFhirRequired, path_.str(), path_.str() + " is empty; at least one insurance is required (1..*)");
    return;
  }
  int first_ok = -1;
  for (rapidjson::SizeType i = 0; i < arr.Size(); ++i) {
    const Value& ins = arr[i];
    const std::size_t m0 = path_.mark();
    path_.index(i);
    const std::size_t m = path_.mark();
    if (is(ins, Kind::Object, "an insurance object")) {
      const Value *seq = nullptr, *focal = nullptr, *coverage = nullptr;
      for (auto mm = ins.MemberBegin(); mm != ins.MemberEnd(); ++mm) {
        const std::string_view k = fhir::key(mm);
        if (k == "sequence") seq = &mm->value;
        else if (k == "focal") focal = &mm->value;
        else if (k == "coverage") coverage = &mm->value;
      }
      if (!seq) missing("sequence", "a positiveInt");
      else {
        path_.field("sequence");
        (void)positive_int(*seq);
        path_.cut(m);
      }
      bool is_focal = false;
      if (!focal) missing("focal", "a boolean (true for the insurance to use for this claim)");
      else {
        path_.field("focal");
        if (is(*focal, Kind::Bool, "a boolean")) is_focal = focal->GetBool();
        path_.cut(m);
      }
      std::string_view cov_ref;
      if (!coverage) missing("coverage", "a Reference(Coverage)");
      else {
        path_.field("coverage");
        cov_ref = reference_text(*coverage);
        path_.cut(m);
      }
      if (first_ok < 0) first_ok = static_cast<int>(i);
      if (is_focal) {
        ++claim_.fhir.focal_count;
        if (claim_.fhir.focal_count == 1) {
          claim_.fhir.focal_insurance = static_cast<int>(i);
          claim_.fhir.coverage_reference = cov_ref;
          focal_coverage_ = resolve(cov_ref);
        }
      }
    }
    path_.cut(m0);
  }
  if (claim_.fhir.focal_count == 0 && first_ok >= 0) {
    claim_.fhir.focal_insurance = first_ok;
    const Value* cov = fhir::member(arr[static_cast<rapidjson::SizeType>(first_ok)], "coverage");
    const Value* r = cov ? fhir::member(*cov, "reference") : nullptr;
    if (r && r->IsString()) {
      claim_.fhir.coverage_reference = fhir::str(*r);
      focal_coverage_ = resolve(fhir::str(*r));
    }
  }
}

void ClaimMapper::diagnoses(const Value& arr) {
  if (!is(arr, Kind::Array, "an array of diagnosis")) return;
  claim_.diagnoses.reserve(arr.Size());
  std::unordered_map<int, rapidjson::SizeType> first;  // sequence -> index of its first diagnosis
  for (rapidjson::SizeType i = 0; i < arr.Size(); ++i) {
    Enter e(path_, Enter::Index{i});
    const std::size_t before = claim_.diagnoses.size();
    diagnosis(arr[i], i);
    if (claim_.diagnoses.size() == before) continue;
    const int seq = claim_.diagnoses.back().position;
    if (seq < 1) continue;
    const auto [at, fresh] = first.emplace(seq, i);
    if (fresh) continue;
    // Every item.diagnosisSequence naming it could mean either diagnosis.
    const std::string p = path_.with("sequence");
    const std::string other = "Claim.diagnosis[" + std::to_string(at->second) + "]";
    dx_ctx_ = seq;
    add(kFhirDuplicateSequence, p,
        p + ": " + std::to_string(seq) + " is already the sequence of " + other +
            "; a diagnosisSequence " + std::to_string(seq) +
            " could mean either diagnosis. Give each diagnosis its own sequence.",
        std::to_string(seq));
  }
  dx_ctx_ = 0;
}

void ClaimMapper::diagnosis(const Value& d, std::size_t i) {
  dx_ctx_ = 0;
  if (!is(d, Kind::Object, "a diagnosis object")) return;
  rules::Diagnosis dx;
  const Value *seq = nullptr, *cc = nullptr, *ref = nullptr, *type = nullptr, *poa = nullptr;
  for (auto m = d.MemberBegin(); m != d.MemberEnd(); ++m) {
    const std::string_view k = fhir::key(m);
    if (k == "sequence") seq = &m->value;
    else if (k == "diagnosisCodeableConcept") cc = &m->value;
    else if (k == "diagnosisReference") ref = &m->value;
    else if (k == "type") type = &m->value;
    else if (k == "onAdmission") poa = &m->value;
  }
  if (!seq) {
    missing("sequence", "a positiveInt that item.diagnosisSequence refers to");
  } else {
    Enter e(path_, "sequence");
    if (auto n = positive_int(*seq)) dx.position = *n;
  }
  dx_ctx_ = dx.position;
  if (!cc && !ref) {
    missing("diagnosis[x]", "diagnosisCodeableConcept or diagnosisReference");
  }
  dx.src.fhirpath = path_.str();
  if (cc) {
    Enter e(path_, "diagnosisCodeableConcept");
    const Coding c = codeable_concept(*cc, dx_rank, kDiagnosisCode);
    if (c.index >= 0) {
      path_.field("coding");
      path_.index(static_cast<std::size_t>(c.index));
      path_.field("code");
      dx.src.fhirpath = path_.str();
      dx.code_as_sent = c.code;
      dx.code = rules::normalize_code(c.code);
      dx.system = dx_system(c.system);
      dx.system_as_sent = c.system;
    }
  } else if (ref) {
    Enter e(path_, "diagnosisReference");
    dx.src.fhirpath = path_.str();
    const std::string_view r = reference_text(*ref);
    const Value* cond = resolve(r);
    const Value* code = cond ? fhir::member(*cond, "code") : nullptr;
    Coding c;
    if (code && code->IsObject()) {
      // The Condition is not the Claim: its own type errors are not reported here.
      if (const Value* codings = fhir::member(*code, "coding"); codings && codings->IsArray()) {
        int best = INT_MAX;
        for (rapidjson::SizeType k = 0; k < codings->Size(); ++k) {
          const Value& cd = (*codings)[k];
          const Value* cv = fhir::member(cd, "code");
          const Value* sv = fhir::member(cd, "system");
          if (!cv || !cv->IsString() || !cv->GetStringLength()) continue;
          const std::string_view sys = sv ? fhir::str(*sv) : std::string_view();
          if (dx_rank(sys) < best) {
            best = dx_rank(sys);
            c = Coding{sys, fhir::str(*cv), static_cast<int>(k)};
          }
        }
      }
    }
    if (c.index >= 0) {
      dx.code_as_sent = bounded(c.code, kDiagnosisCode, dx.src.fhirpath);
      dx.code = rules::normalize_code(dx.code_as_sent);
      dx.system = dx_system(c.system);
      dx.system_as_sent = bounded(c.system, kAnyString, dx.src.fhirpath);
    } else {
      dx.reference = r;
    }
  }
  if (type) {
    Enter e(path_, "type");
    if (is(*type, Kind::Array, "an array of CodeableConcept")) {
      for (rapidjson::SizeType k = 0; k < type->Size(); ++k) {
        Enter ek(path_, Enter::Index{k});
        const Coding c = codeable_concept((*type)[k], any_rank);
        const rules::DxRole role = dx_role(c.code);
        if (role != rules::DxRole::Other && dx.role == rules::DxRole::Other) dx.role = role;
      }
    }
  }
  if (poa) {
    Enter e(path_, "onAdmission");
    const Coding c = codeable_concept(*poa, any_rank);
    if (c.code.size() == 1) {
      const char ch = c.code[0];
      dx.poa = ch >= 'a' && ch <= 'z' ? static_cast<char>(ch - 32) : ch;
    }
  }
  (void)i;
  claim_.diagnoses.push_back(std::move(dx));
}

void ClaimMapper::procedures(const Value& arr) {
  if (!is(arr, Kind::Array, "an array of procedure")) return;
  claim_.procedures.reserve(arr.Size());
  for (rapidjson::SizeType i = 0; i < arr.Size(); ++i) {
    Enter e(path_, Enter::Index{i});
    procedure(arr[i]);
  }
  // No procedure typed principal: the first in sequence order is (837I HI*BBR).
  auto& ps = claim_.procedures;
  if (!ps.empty() && std::none_of(ps.begin(), ps.end(), [](const rules::ClaimProcedure& p) {
        return p.role == rules::ProcedureRole::Principal;
      })) {
    std::min_element(ps.begin(), ps.end(), [](const auto& a, const auto& b) { return a.position < b.position; })
        ->role = rules::ProcedureRole::Principal;
  }
}

void ClaimMapper::procedure(const Value& p) {
  if (!is(p, Kind::Object, "a procedure object")) return;
  rules::ClaimProcedure proc;
  const Value *seq = nullptr, *cc = nullptr, *ref = nullptr, *type = nullptr, *date = nullptr;
  for (auto m = p.MemberBegin(); m != p.MemberEnd(); ++m) {
    const std::string_view k = fhir::key(m);
    if (k == "sequence") seq = &m->value;
    else if (k == "procedureCodeableConcept") cc = &m->value;
    else if (k == "procedureReference") ref = &m->value;
    else if (k == "type") type = &m->value;
    else if (k == "date") date = &m->value;
  }
  if (!seq) {
    missing("sequence", "a positiveInt");
  } else {
    Enter e(path_, "sequence");
    if (auto n = positive_int(*seq)) proc.position = *n;
  }
  if (!cc && !ref) missing("procedure[x]", "procedureCodeableConcept or procedureReference");
  proc.src.fhirpath = path_.str();
  if (cc) {
    Enter e(path_, "procedureCodeableConcept");
    const Coding c = codeable_concept(*cc, claim_procedure_rank, kProcedureCode);
    if (c.index >= 0) {
      path_.field("coding");
      path_.index(static_cast<std::size_t>(c.index));
      path_.field("code");
      proc.src.fhirpath = path_.str();
      proc.code_as_sent = c.code;
      proc.code = rules::normalize_code(c.code);
      proc.system_as_sent = c.system;
      proc.system = rules::procedure_system(c.system, c.code);
    }
  } else if (ref) {
    // A Procedure resource: its code is not the Claim's to check here; kept as sent.
    Enter e(path_, "procedureReference");
    proc.src.fhirpath = path_.str();
    proc.code_as_sent = std::string(reference_text(*ref).substr(0, kMaxValueEcho));
  }
  if (type) {
    Enter e(path_, "type");
    if (is(*type, Kind::Array, "an array of CodeableConcept")) {
      for (rapidjson::SizeType k = 0; k < type->Size(); ++k) {
        Enter ek(path_, Enter::Index{k});
        const Coding c = codeable_concept((*type)[k], any_rank);
        if (iequals(c.code, "primary") || iequals(c.code, "principal")) proc.role = rules::ProcedureRole::Principal;
      }
    }
  }
  if (date) {
    Enter e(path_, "date");
    proc.date_src.fhirpath = path_.str();
    proc.date = date_value(*date, true);
  }
  claim_.procedures.push_back(std::move(proc));
}

void ClaimMapper::items(const Value& arr) {
  if (!is(arr, Kind::Array, "an array of item")) return;
  claim_.lines.reserve(arr.Size());
  for (rapidjson::SizeType i = 0; i < arr.Size(); ++i) {
    Enter e(path_, Enter::Index{i});
    item(arr[i], i);
  }
  line_ctx_ = 0;
}

void ClaimMapper::item(const Value& it, std::size_t) {
  line_ctx_ = 0;
  if (!is(it, Kind::Object, "an item object")) return;
  rules::ServiceLine line;
  line.src.fhirpath = path_.str();
  const Value *seq = nullptr, *ptrs = nullptr, *pos = nullptr, *mods = nullptr, *sdate = nullptr,
              *speriod = nullptr, *qty = nullptr, *price = nullptr, *factor = nullptr, *net = nullptr,
              *revenue = nullptr, *location = nullptr;
  for (auto m = it.MemberBegin(); m != it.MemberEnd(); ++m) {
    const std::string_view k = fhir::key(m);
    if (k == "sequence") seq = &m->value;
    else if (k == "diagnosisSequence") ptrs = &m->value;
    else if (k == "productOrService") pos = &m->value;
    else if (k == "modifier") mods = &m->value;
    else if (k == "servicedDate") sdate = &m->value;
    else if (k == "servicedPeriod") speriod = &m->value;
    else if (k == "quantity") qty = &m->value;
    else if (k == "unitPrice") price = &m->value;
    else if (k == "factor") factor = &m->value;
    else if (k == "net") net = &m->value;
    else if (k == "revenue") revenue = &m->value;
    else if (k == "locationCodeableConcept") location = &m->value;
  }
  if (!seq) {
    missing("sequence", "a positiveInt");
  } else {
    Enter e(path_, "sequence");
    if (auto n = positive_int(*seq)) line.number = *n;
  }
  line_ctx_ = line.number;
  if (ptrs) {
    Enter e(path_, "diagnosisSequence");
    if (is(*ptrs, Kind::Array, "an array of positiveInt")) {
      line.pointers_present = true;
      line.pointers.reserve(ptrs->Size());
      for (rapidjson::SizeType k = 0; k < ptrs->Size(); ++k) {
        const Value& p = (*ptrs)[k];
        Enter ek(path_, Enter::Index{k});
        rules::DiagnosisPointer dp;
        dp.src.fhirpath = path_.str();
        const Kind pk = kind(p);
        dp.raw = pk == Kind::Number ? std::string(fhir::str(p).substr(0, kMaxValueEcho)) : echo(p);
        if (auto n = positive_int(p)) {
          dp.value = *n;
        } else if (pk == Kind::Number && dp.raw == "0") {
          dp.value = 0;  // as DiagnosisPointer documents: a plain unsigned decimal keeps its value
        }
        line.pointers.push_back(std::move(dp));
      }
    }
  }
  if (!pos) {
    missing("productOrService", "a CodeableConcept (CPT, HCPCS ...)");
  } else {
    Enter e(path_, "productOrService");
    line.procedure.src.fhirpath = path_.str();
    const Coding c = codeable_concept(*pos, procedure_rank, kProcedureCode);
    line.procedure.system = c.system;
    line.procedure.code = c.code;
  }
  if (mods) {
    Enter e(path_, "modifier");
    if (is(*mods, Kind::Array, "an array of CodeableConcept")) {
      for (rapidjson::SizeType k = 0; k < mods->Size(); ++k) {
        Enter ek(path_, Enter::Index{k});
        const Coding c = codeable_concept((*mods)[k], any_rank, kModifier);
        if (c.code.empty()) continue;
        line.procedure.modifiers.emplace_back(c.code);
        rules::SourceRef at;
        at.fhirpath = path_.str();
        line.procedure.modifier_src.push_back(std::move(at));
      }
    }
  }
  if (revenue) {
    Enter e(path_, "revenue");
    line.revenue_code = codeable_concept(*revenue, any_rank, kRevenueCode).code;
  }
  if (location) {
    Enter e(path_, "locationCodeableConcept");
    const Coding c = codeable_concept(*location, any_rank, kPlaceOfService);
    line.place_of_service = c.code;
    // Place of service (837P CLM05-1) when the claim carries none at its level.
    if (claim_.facility_code.empty() && claim_.kind != rules::ClaimKind::Institutional)
      claim_.facility_code = c.code;
  }
  if (sdate) {
    Enter e(path_, "servicedDate");
    line.date_src.fhirpath = path_.str();
    line.service_from = date_value(*sdate, false);
    line.service_to = line.service_from;
  } else if (speriod) {
    // The line's date is the start (else the end): its location is that element's.
    Enter e(path_, "servicedPeriod");
    period(*speriod, line.service_from, line.service_to);
    line.date_src.fhirpath = line.service_from ? path_.with("start") : line.service_to ? path_.with("end") : path_.str();
  }
  std::optional<double> quantity;
  if (qty) {
    Enter e(path_, "quantity");
    if (is(*qty, Kind::Object, "a Quantity object {value}")) {
      if (const Value* v = fhir::member(*qty, "value")) {
        Enter ev(path_, "value");
        quantity = number_value(*v);
      }
      if (fhir::str(fhir::member(*qty, "system")) == code_systems::kX12UnitBasis)
        line.unit_basis = fhir::str(fhir::member(*qty, "code")).substr(0, 2);
    }
    line.units = quantity;
  }
  std::optional<rules::Amount> unit_price, factor_value;
  if (price) {
    Enter e(path_, "unitPrice");
    unit_price = money_value(*price);
  }
  if (factor) {
    Enter e(path_, "factor");
    factor_value = decimal_value(*factor);
  }
  if (net) {
    Enter e(path_, "net");
    if (auto a = money_value(*net)) line.charge = *a;
  } else if (unit_price) {
    // net = quantity x unitPrice x factor (quantity and factor default to 1)
    long double v = static_cast<long double>(unit_price->units) * (quantity ? *quantity : 1.0);
    if (factor_value) v = v * factor_value->units / rules::Amount::kScale;
    if (std::fabs(v) < 9.0e17L) line.charge = rules::Amount{static_cast<std::int64_t>(std::llround(v)), true};
  }
  if (const Value* site = fhir::member(it, "bodySite")) {
    // 837D tooth (TOO02) and its surfaces (TOO03), ADA universal numbering.
    if (const Value* codings = fhir::member(*site, "coding"); codings && codings->IsArray()) {
      for (const auto& cd : codings->GetArray()) {
        if (fhir::str(fhir::member(cd, "system")) != code_systems::kAdaToothSystem) continue;
        rules::Tooth& t = line.teeth.emplace_back();
        t.code = fhir::str(fhir::member(cd, "code")).substr(0, 50);
        if (const Value* subs = fhir::member(it, "subSite"); subs && subs->IsArray())
          for (const auto& sub : subs->GetArray())
            if (const Value* sc = fhir::member(sub, "coding"); sc && sc->IsArray() && !sc->Empty())
              t.surfaces.emplace_back(fhir::str(fhir::member((*sc)[0], "code")).substr(0, 2));
        break;
      }
    }
  }
  claim_.lines.push_back(std::move(line));
}

void ClaimMapper::map(const Value& res) {
  claim_.format = rules::Format::Fhir;
  claim_.kind = rules::ClaimKind::Other;
  claim_.src.fhirpath = "Claim";
  const Value *id = nullptr, *identifier = nullptr, *status = nullptr, *type = nullptr, *use = nullptr,
              *pat = nullptr, *billable = nullptr, *created = nullptr, *insurer = nullptr,
              *provider = nullptr, *priority = nullptr, *dx = nullptr, *ins = nullptr, *items_v = nullptr,
              *total = nullptr, *contained = nullptr, *sub_type = nullptr, *related = nullptr,
              *procs = nullptr;
  for (auto m = res.MemberBegin(); m != res.MemberEnd(); ++m) {
    const std::string_view k = fhir::key(m);
    const Value* v = &m->value;
    switch (k.size()) {
      case 2: if (k == "id") id = v; break;
      case 3: if (k == "use") use = v; break;
      case 4:
        if (k == "type") type = v;
        else if (k == "item") items_v = v;
        break;
      case 5: if (k == "total") total = v; break;
      case 6: if (k == "status") status = v; break;
      case 7:
        if (k == "patient") pat = v;
        else if (k == "created") created = v;
        else if (k == "insurer") insurer = v;
        else if (k == "subType") sub_type = v;
        else if (k == "related") related = v;
        break;
      case 8:
        if (k == "provider") provider = v;
        else if (k == "priority") priority = v;
        break;
      case 9:
        if (k == "diagnosis") dx = v;
        else if (k == "procedure") procs = v;
        else if (k == "insurance") ins = v;
        else if (k == "contained") contained = v;
        break;
      case 10: if (k == "identifier") identifier = v; break;
      case 14: if (k == "billablePeriod") billable = v; break;
      default: break;
    }
  }

  if (contained) {
    Enter e(path_, "contained");
    if (is(*contained, Kind::Array, "an array of resources")) {
      contained_.reserve(contained->Size());
      contained_array_ = contained;
      for (const auto& r : contained->GetArray()) {
        const Value* rid = fhir::member(r, "id");
        if (rid && rid->IsString()) contained_.emplace_back(fhir::str(*rid), &r);
      }
    }
  }

  if (id) {
    Enter e(path_, "id");
    claim_.fhir.resource_id = string_value(*id, "an id string", kFhirId);
    const std::string_view rid = claim_.fhir.resource_id;
    if (!rid.empty() && !std::all_of(rid.begin(), rid.end(), [](char c) {
          return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '.';
        }))
      add(kFhirValue, path_.str(),
          path_.str() + ": a FHIR id has only the characters A-Z a-z 0-9 - and ., got \"" +
              std::string(rid.substr(0, kMaxValueEcho)) + '"',
          std::string(rid.substr(0, kMaxValueEcho)));
  }
  if (identifier) {
    Enter e(path_, "identifier");
    if (is(*identifier, Kind::Array, "an array of Identifier") && !identifier->Empty()) {
      Enter e0(path_, Enter::Index{0});
      const Value& first = (*identifier)[0];
      if (is(first, Kind::Object, "an Identifier object {system, value}")) {
        if (const Value* v = fhir::member(first, "value")) {
          Enter ev(path_, "value");
          claim_.fhir.identifier = string_value(*v, "a string", kClaimNumber);
        }
      }
    }
  }
  claim_.id = !claim_.fhir.identifier.empty() ? claim_.fhir.identifier : claim_.fhir.resource_id;

  if (!status) {
    missing("status", "active | cancelled | draft | entered-in-error");
  } else {
    Enter e(path_, "status");
    const std::string_view s = string_value(*status, "a code string");
    if (status->IsString() && kind(*status) == Kind::String) {
      claim_.fhir.status = s;
      if (s != "active" && s != "cancelled" && s != "draft" && s != "entered-in-error")
        add(kFhirCodeInvalid, path_.str(),
            path_.str() + ": \"" + std::string(s.substr(0, kMaxValueEcho)) +
                "\" is not a claim status; expected active, cancelled, draft or entered-in-error",
            std::string(s.substr(0, kMaxValueEcho)));
    }
  }
  if (!type) {
    missing("type", "a CodeableConcept from http://terminology.hl7.org/CodeSystem/claim-type");
  } else {
    Enter e(path_, "type");
    const Coding c = codeable_concept(*type, any_rank);
    claim_.fhir.type_code = c.code;
    if (c.code == "professional") claim_.kind = rules::ClaimKind::Professional;
    else if (c.code == "institutional") claim_.kind = rules::ClaimKind::Institutional;
    else if (c.code == "oral") claim_.kind = rules::ClaimKind::Dental;
  }
  if (sub_type) {
    // Institutional type of bill (NUBC, e.g. "831" or "0831"): facility type and frequency.
    Enter e(path_, "subType");
    std::string_view bill = codeable_concept(*sub_type, any_rank).code;
    if (bill.size() == 4 && bill[0] == '0') bill.remove_prefix(1);
    if (claim_.kind == rules::ClaimKind::Institutional && bill.size() == 3 && is_digits(bill)) {
      claim_.facility_code = bill.substr(0, 2);
      claim_.frequency_code = bill.substr(2);
    }
  }
  if (!use) {
    missing("use", "claim | preauthorization | predetermination");
  } else {
    Enter e(path_, "use");
    const std::string_view s = string_value(*use, "a code string");
    if (use->IsString() && kind(*use) == Kind::String) {
      claim_.fhir.use = s;
      if (s != "claim" && s != "preauthorization" && s != "predetermination")
        add(kFhirCodeInvalid, path_.str(),
            path_.str() + ": \"" + std::string(s.substr(0, kMaxValueEcho)) +
                "\" is not a claim use; expected claim, preauthorization or predetermination",
            std::string(s.substr(0, kMaxValueEcho)));
    }
  }
  if (!pat) {
    missing("patient", "a Reference(Patient)");
  } else {
    Enter e(path_, "patient");
    patient(*pat);
  }
  if (billable) {
    Enter e(path_, "billablePeriod");
    period(*billable, claim_.date_from, claim_.date_to);
  }
  if (!created) {
    missing("created", "a dateTime");
  } else {
    Enter e(path_, "created");
    const std::string_view s = string_value(*created, "a dateTime string");
    if (created->IsString() && kind(*created) == Kind::String) {
      claim_.fhir.created = s;
      if (!valid_datetime(s))
        add(kFhirValue, path_.str(),
            path_.str() + ": expected a dateTime (YYYY-MM-DD or YYYY-MM-DDThh:mm:ss+zz:zz), got \"" +
                std::string(s.substr(0, kMaxValueEcho)) + '"',
            std::string(s.substr(0, kMaxValueEcho)));
    }
  }
  if (insurer) {
    Enter e(path_, "insurer");
    claim_.fhir.insurer_reference = reference_text(*insurer);
  }
  if (!provider) {
    missing("provider", "a Reference(Practitioner | PractitionerRole | Organization)");
  } else {
    Enter e(path_, "provider");
    claim_.fhir.provider_reference = reference_text(*provider);
    claim_.billing_npi = npi_of(*provider, 0);
  }
  if (!priority) {
    missing("priority", "a CodeableConcept (stat | normal | deferred)");
  } else {
    Enter e(path_, "priority");
    claim_.fhir.priority = codeable_concept(*priority, any_rank).code;
  }
  if (!ins) {
    missing("insurance", "at least one insurance {sequence, focal, coverage}");
  } else {
    Enter e(path_, "insurance");
    insurance(*ins);
  }
  // Payer: the focal Coverage's payor, else Claim.insurer.
  std::string payer_at;
  if (focal_coverage_) {
    if (const Value* payor = fhir::member(*focal_coverage_, "payor"); payor && payor->IsArray() && !payor->Empty()) {
      claim_.payer_id = payer_from((*payor)[0], 0);
      payer_at = "Claim.insurance[" + std::to_string(claim_.fhir.focal_insurance) + "].coverage";
    }
  }
  if (claim_.payer_id.empty() && insurer) {
    claim_.payer_id = payer_from(*insurer, 0);
    payer_at = "Claim.insurer";
  }
  claim_.payer_id = bounded_copy(claim_.payer_id, kPartyId, payer_at + " (the payer identifier)");
  claim_.billing_npi = bounded_copy(claim_.billing_npi, kPartyId, "Claim.provider (the provider identifier)");

  if (dx) {
    Enter e(path_, "diagnosis");
    diagnoses(*dx);
  }
  if (procs) {
    Enter e(path_, "procedure");
    procedures(*procs);
  }
  if (items_v) {
    Enter e(path_, "item");
    items(*items_v);
  }
  if (total) {
    Enter e(path_, "total");
    claim_.total_src.fhirpath = path_.str();
    if (auto a = money_value(*total)) claim_.total = *a;
  }
  if (claim_.frequency_code.empty()) {
    // X12 claim frequency (CLM05-3) as FHIR expresses it: a cancelled Claim voids (8), a Claim
    // related to a prior one replaces it (7), any other Claim is an original (1).
    bool replaces = false;
    if (related && related->IsArray()) {
      for (const auto& rel : related->GetArray()) {
        const Value* relationship = fhir::member(rel, "relationship");
        const Value* codings = relationship ? fhir::member(*relationship, "coding") : nullptr;
        if (!codings || !codings->IsArray()) continue;
        for (const auto& cd : codings->GetArray())
          replaces = replaces || fhir::str(fhir::member(cd, "code")) == "prior";
      }
    }
    claim_.frequency_code = claim_.fhir.status == "cancelled" ? "8" : replaces ? "7" : "1";
  }
  translation(res);
  if (!claim_.date_from && !claim_.date_to) {
    for (const auto& l : claim_.lines) {
      const auto& f = l.service_from ? l.service_from : l.service_to;
      const auto& t = l.service_to ? l.service_to : l.service_from;
      if (f && (!claim_.date_from || *f < *claim_.date_from)) claim_.date_from = f;
      if (t && (!claim_.date_to || *claim_.date_to < *t)) claim_.date_to = t;
    }
  }
}

namespace {

// A Coding of a CodeableConcept (or Coding array holder) with the given system; nullptr none.
const Value* coding_of(const Value* concept_value, std::string_view system) {
  const Value* codings = concept_value ? fhir::member(*concept_value, "coding") : nullptr;
  if (!codings || !codings->IsArray()) return nullptr;
  for (const auto& cd : codings->GetArray())
    if (fhir::str(fhir::member(cd, "system")) == system) return &cd;
  return nullptr;
}
std::string_view code_in(const Value* concept_value, std::string_view system) {
  const Value* cd = coding_of(concept_value, system);
  return cd ? fhir::str(fhir::member(*cd, "code")) : std::string_view();
}
std::string clip(std::string_view s) { return std::string(s.substr(0, 80)); }

}  // namespace

void ClaimMapper::party(const Value* r, rules::PartyRef& out) const {
  namespace cs = code_systems;
  if (!r || !r->IsObject()) return;
  rules::Party& p = out.edit();
  const std::string_view type = fhir::str(fhir::member(*r, "resourceType"));
  p.person = type == "Patient" || type == "Practitioner";
  const Value* name = fhir::member(*r, "name");
  if (name && name->IsString()) {
    p.last_or_org = clip(fhir::str(*name));
  } else if (name && name->IsArray() && !name->Empty()) {
    const Value& n = (*name)[0];
    p.last_or_org = clip(fhir::str(fhir::member(n, "family")));
    if (const Value* given = fhir::member(n, "given"); given && given->IsArray()) {
      if (given->Size() > 0) p.first = clip(fhir::str((*given)[0]));
      if (given->Size() > 1) p.middle = clip(fhir::str((*given)[1]));
    }
    if (const Value* suffix = fhir::member(n, "suffix"); suffix && suffix->IsArray() && !suffix->Empty())
      p.suffix = clip(fhir::str((*suffix)[0]));
  }
  if (const Value* ids = fhir::member(*r, "identifier"); ids && ids->IsArray()) {
    for (const auto& id : ids->GetArray()) {
      const std::string_view value = fhir::str(fhir::member(id, "value"));
      const std::string_view system = fhir::str(fhir::member(id, "system"));
      const Value* idtype = fhir::member(id, "type");
      std::string_view qual = code_in(idtype, cs::kX12IdQualifier);
      std::string_view tax = code_in(idtype, cs::kX12RefQualifier);
      if (system == cs::kEin) tax = "EI";
      else if (system == cs::kSsn) tax = "SY";
      else if (system == cs::kNpi) qual = "XX";
      else if (qual.empty() && code_in(idtype, cs::kC4bbIdentifierType) == "payerid") qual = "PI";
      else if (qual.empty() && code_in(idtype, cs::kV2IdentifierType) == "MB") qual = "MI";
      if (value.empty()) continue;
      if (!tax.empty() && p.tax_id.empty()) {
        p.tax_qualifier = tax;
        p.tax_id = clip(value);
      } else if (tax.empty() && p.id.empty() && !qual.empty()) {
        p.id_qualifier = qual;
        p.id = clip(value);
      }
    }
  }
  const Value* addr = fhir::member(*r, "address");
  if (addr && addr->IsArray()) addr = addr->Empty() ? nullptr : &(*addr)[0];
  if (addr && addr->IsObject()) {
    if (const Value* lines = fhir::member(*addr, "line"); lines && lines->IsArray()) {
      if (lines->Size() > 0) p.address1 = clip(fhir::str((*lines)[0]));
      if (lines->Size() > 1) p.address2 = clip(fhir::str((*lines)[1]));
    }
    p.city = clip(fhir::str(fhir::member(*addr, "city")));
    p.state = clip(fhir::str(fhir::member(*addr, "state")));
    p.zip = clip(fhir::str(fhir::member(*addr, "postalCode")));
    p.country = clip(fhir::str(fhir::member(*addr, "country")));
  }
  if (const std::string_view bd = fhir::str(fhir::member(*r, "birthDate")); bd.size() == 10)
    p.birth_date = rules::parse_iso_date(bd);
  const std::string_view g = fhir::str(fhir::member(*r, "gender"));
  p.sex = g == "male" ? 'M' : g == "female" ? 'F' : g.empty() ? 0 : 'U';
  if (const Value* q = fhir::member(*r, "qualification"); q && q->IsArray() && !q->Empty())
    p.taxonomy = clip(code_in(fhir::member((*q)[0], "code"), cs::kNuccTaxonomy));
  if (const Value* t = fhir::member(*r, "type"); t && t->IsArray() && !t->Empty())
    p.taxonomy = clip(code_in(&(*t)[0], cs::kNuccTaxonomy));
}

void ClaimMapper::translation(const Value& res) {
  namespace cs = code_systems;
  auto& pt = claim_.parties;
  auto& d = claim_.details;
  const Value* patient_res = resolve(claim_.fhir.patient_reference);
  party(resolve(claim_.fhir.provider_reference), pt.billing);
  if (pt.billing->id.empty() && !claim_.billing_npi.empty()) {
    pt.billing.edit().id_qualifier = "XX";
    pt.billing.edit().id = claim_.billing_npi;
  }
  party(resolve(claim_.fhir.insurer_reference), pt.payer);
  if (focal_coverage_ && focal_coverage_->IsObject()) {
    const Value& cov = *focal_coverage_;
    if (pt.payer.empty())
      if (const Value* payor = fhir::member(cov, "payor"); payor && payor->IsArray() && !payor->Empty())
        party(resolve(fhir::str(fhir::member((*payor)[0], "reference"))), pt.payer);
    const Value* rel = fhir::member(cov, "relationship");
    std::string_view x12rel = code_in(rel, cs::kX12Relationship);
    const std::string_view fhirrel = code_in(rel, cs::kSubscriberRelationship);
    if (x12rel.empty())
      x12rel = fhirrel == "self" ? "18" : fhirrel == "spouse" ? "01" : fhirrel == "child" ? "19"
               : fhirrel == "common" ? "53" : fhirrel.empty() ? "" : "G8";
    d.relationship = x12rel;
    const std::string_view sub_ref = fhir::str(fhir::member(fhir::member(cov, "subscriber") ? *fhir::member(cov, "subscriber") : cov, "reference"));
    const Value* sub_res = sub_ref.empty() ? nullptr : resolve(sub_ref);
    if (sub_res && sub_res != patient_res) {
      party(sub_res, pt.subscriber);
      party(patient_res, pt.patient);
    } else if (sub_res || x12rel == "18") {
      party(patient_res, pt.subscriber);
    }
    if (const std::string_view sid = fhir::str(fhir::member(cov, "subscriberId")); !sid.empty() && pt.subscriber->id.empty()) {
      pt.subscriber.edit().id_qualifier = "MI";
      pt.subscriber.edit().id = clip(sid);
    }
    if (const Value* classes = fhir::member(cov, "class"); classes && classes->IsArray())
      for (const auto& k : classes->GetArray())
        if (code_in(fhir::member(k, "type"), cs::kCoverageClass) == "group")
          d.group_number = clip(fhir::str(fhir::member(k, "value")));
    d.filing_indicator = clip(code_in(fhir::member(cov, "type"), cs::kX12FilingIndicator));
    const std::string_view order = fhir::str(fhir::member(cov, "order"));
    d.payer_responsibility = order == "1" ? "P" : order == "2" ? "S" : order == "3" ? "T" : "";
  } else if (patient_res) {
    party(patient_res, pt.patient);
  }
  if (pt.payer->id.empty() && !claim_.payer_id.empty()) {
    pt.payer.edit().id_qualifier = "PI";
    pt.payer.edit().id = claim_.payer_id;
  }
  if (const Value* team = fhir::member(res, "careTeam"); team && team->IsArray()) {
    for (const auto& m : team->GetArray()) {
      const std::string_view role = code_in(fhir::member(m, "role"), cs::kC4bbCareTeamRole);
      rules::PartyRef* to = role == "performing" || role == "rendering" ? &pt.rendering
                         : role == "attending"                      ? &pt.attending
                         : role == "referring"                      ? &pt.referring
                                                                    : nullptr;
      if (to && to->empty()) party(resolve(fhir::str(fhir::member(fhir::member(m, "provider") ? *fhir::member(m, "provider") : m, "reference"))), *to);
    }
  }
  if (const Value* fac = fhir::member(res, "facility")) party(resolve(fhir::str(fhir::member(*fac, "reference"))), pt.facility);
  if (const std::string_view created = claim_.fhir.created; created.size() >= 10) d.created = rules::parse_iso_date(created);
  if (const Value* related = fhir::member(res, "related"); related && related->IsArray())
    for (const auto& rel : related->GetArray())
      if (code_in(fhir::member(rel, "relationship"), cs::kRelatedClaimRelationship) == "prior")
        if (const Value* c = fhir::member(rel, "claim"))
          d.original_reference = clip(fhir::str(fhir::member(fhir::member(*c, "identifier") ? *fhir::member(*c, "identifier") : *c, "value")));
  if (const Value* ins = fhir::member(res, "insurance"); ins && ins->IsArray() && claim_.fhir.focal_insurance >= 0 &&
                                                         static_cast<rapidjson::SizeType>(claim_.fhir.focal_insurance) < ins->Size())
    if (const Value* pre = fhir::member((*ins)[static_cast<rapidjson::SizeType>(claim_.fhir.focal_insurance)], "preAuthRef");
        pre && pre->IsArray() && !pre->Empty())
      d.prior_authorization = clip(fhir::str((*pre)[0]));
  if (const Value* infos = fhir::member(res, "supportingInfo"); infos && infos->IsArray()) {
    for (const auto& si : infos->GetArray()) {
      const Value* cat = fhir::member(si, "category");
      const Value* code = fhir::member(si, "code");
      const std::string_view c4bb = code_in(cat, cs::kC4bbSupportingInfoType);
      const std::string_view x12q = code_in(cat, cs::kX12CodeListQualifier);
      const Value* codings = code ? fhir::member(*code, "coding") : nullptr;
      const std::string_view value =
          codings && codings->IsArray() && !codings->Empty() ? fhir::str(fhir::member((*codings)[0], "code")) : "";
      const Value* period_v = fhir::member(si, "timingPeriod");
      const std::string_view start = fhir::str(period_v ? fhir::member(*period_v, "start") : fhir::member(si, "timingDate"));
      const std::string_view end = period_v ? fhir::str(fhir::member(*period_v, "end")) : start;
      if (c4bb == "typeofbill") {
        std::string_view bill = value;
        if (bill.size() == 4 && bill[0] == '0') bill.remove_prefix(1);
        if (bill.size() == 3) {
          claim_.facility_code = bill.substr(0, 2);
          claim_.frequency_code = bill.substr(2);
        }
      } else if (c4bb == "admissionperiod") {
        d.admission_date = start.size() >= 10 ? rules::parse_iso_date(start.substr(0, 10)) : std::nullopt;
      } else if (c4bb == "admtype") {
        d.admission_type = clip(value);
      } else if (c4bb == "pointoforigin") {
        d.admission_source = clip(value);
      } else if (c4bb == "discharge-status") {
        d.patient_status = clip(value);
      } else if (!x12q.empty()) {
        rules::InstitutionalCode& ic = d.codes.emplace_back();
        ic.qualifier = clip(x12q);
        ic.code = clip(value);
        if (start.size() >= 10) ic.from = rules::parse_iso_date(start.substr(0, 10));
        if (end.size() >= 10) ic.to = rules::parse_iso_date(end.substr(0, 10));
        if (const Value* q = fhir::member(si, "valueQuantity"))
          if (auto a = rules::parse_amount(fhir::str(fhir::member(*q, "value")))) ic.amount = *a;
      }
    }
  }
  // The X12 values with no FHIR element (claimgate's extension, written by claim_to_fhir).
  if (const Value* exts = fhir::member(res, "extension"); exts && exts->IsArray()) {
    for (const auto& ext : exts->GetArray()) {
      if (fhir::str(fhir::member(ext, "url")) != kX12Extension) continue;
      const Value* subs = fhir::member(ext, "extension");
      if (!subs || !subs->IsArray()) continue;
      for (const auto& sub : subs->GetArray()) {
        const std::string_view url = fhir::str(fhir::member(sub, "url"));
        const std::string v = clip(fhir::str(fhir::member(sub, "valueString")));
        if (url == "CLM05-1") claim_.facility_code = v;
        else if (url == "CLM05-3") claim_.frequency_code = v;
        else if (url == "CLM06") d.provider_signature = v;
        else if (url == "BHT05") d.created_time = v;
        else if (url == "CLM07") d.assignment = v;
        else if (url == "CLM08") d.benefits_assignment = v;
        else if (url == "CLM09") d.release_of_info = v;
        else if (url == "SBR01") d.payer_responsibility = v;
        else if (url == "SBR09" && d.filing_indicator.empty()) d.filing_indicator = v;
      }
    }
  }
  if (!pt.patient.empty() || !pt.subscriber.empty()) {
    // The canonical claim's patient demographics are the patient party's.
    const rules::Party& who = pt.patient.empty() ? *pt.subscriber : *pt.patient;
    if (!claim_.birth_date) claim_.birth_date = who.birth_date;
    if (!claim_.sex) claim_.sex = who.sex;
  }
}

// ---------------------------------------------------------------------------------------------
// Where a resource sits in the input, for Claim::fhir and for error paths.
struct Origin {
  std::uint32_t ndjson_line = 0;
  int entry_index = -1;
  int inner_entry_index = -1;
  std::string bundle_type;
  std::string bundle_id;
  std::string full_url;
};

class Reader {
 public:
  Reader(std::string_view input, std::string_view source_name, const InputLimits& limits,
         const ClaimCallback& on_claim, const ErrorCallback& on_error)
      : input_(input), source_name_(source_name), limits_(limits), on_claim_(on_claim), on_error_(on_error) {
    summary_.kind = InputKind::Fhir;
  }

  ReadSummary run();
  // One NDJSON line (without its LF, not blank) that starts at `start`.
  void ndjson_line(std::string_view text, fhir::Position start);
  void syntax_error(const fhir::JsonError& e, std::uint32_t ndjson_line);
  void error(std::string_view rule, std::string path, std::string message, std::string value = {}) {
    Finding f;
    f.rule = rule;
    f.severity = rules::Severity::Reject;
    f.message = std::move(message);
    f.value = std::move(value);
    f.src.fhirpath = std::move(path);
    ++summary_.errors;
    on_error_(std::move(f));
  }
  [[nodiscard]] const ReadSummary& summary() const { return summary_; }

 private:
  // As ClaimMapper::bounded, for values of the Bundle copied into every Claim.
  std::string_view bounded(std::string_view s, Bound bound, const std::string& at, const std::string& prefix) {
    if (s.size() <= bound.max) return s;
    error(kFhirLimit, at,
          prefix + at + " is " + std::to_string(s.size()) + " bytes long; the limit is " + std::to_string(bound.max) +
              " (" + std::string(bound.maps_to) + ")");
    return s.substr(0, bound.max);
  }
  bool parse(std::string_view text, fhir::Position start, std::uint32_t ndjson_line);
  void resource(const Value& root, const Origin& origin, const std::string& path, int level);
  void bundle(const Value& b, const Origin& origin, const std::string& path, int level);
  void claim(const Value& res, const Origin& origin, const BundleIndex* index);
  std::string where(std::uint32_t ndjson_line) const {
    return ndjson_line ? "NDJSON line " + std::to_string(ndjson_line) + ": " : std::string();
  }

  std::string_view input_;
  std::string_view source_name_;
  const InputLimits& limits_;
  const ClaimCallback& on_claim_;
  const ErrorCallback& on_error_;
  ReadSummary summary_;
  fhir::JsonDocument doc_;
  std::size_t claims_in_bundle_ = 0;
};

void Reader::syntax_error(const fhir::JsonError& e, std::uint32_t ndjson_line) {
  const std::string_view rule = e.kind == fhir::JsonErrorKind::TooDeep || e.kind == fhir::JsonErrorKind::TooLarge
                                    ? kFhirLimit
                                : e.kind == fhir::JsonErrorKind::Duplicate ? kFhirDuplicateKey
                                                                           : kFhirSyntax;
  error(rule, e.path, where(ndjson_line) + e.message + " at " + fhir::describe(e.where));
}

bool Reader::parse(std::string_view text, fhir::Position start, std::uint32_t ndjson_line) {
  fhir::JsonError err;
  const fhir::JsonLimits jl{limits_.max_fhir_bytes, limits_.max_fhir_depth};
  if (doc_.parse(text, jl, err, start)) {
    summary_.usable = true;
    return true;
  }
  syntax_error(err, ndjson_line);
  return false;
}

void Reader::claim(const Value& res, const Origin& origin, const BundleIndex* index) {
  Claim c;
  Findings findings;
  c.source_name = source_name_;
  c.fhir.ndjson_line = origin.ndjson_line;
  c.fhir.entry_index = origin.entry_index;
  c.fhir.inner_entry_index = origin.inner_entry_index;
  c.fhir.bundle_type = origin.bundle_type;
  c.fhir.bundle_id = origin.bundle_id;
  c.fhir.full_url = origin.full_url;
  ClaimMapper(doc_, index, c, findings).map(res);
  if (limits_.capture_raw) doc_.write(res, c.fhir.raw_json);
  ++summary_.claims;
  ++claims_in_bundle_;
  on_claim_(std::move(c), std::move(findings));
}

void Reader::resource(const Value& root, const Origin& origin, const std::string& path, int level) {
  const std::string prefix = where(origin.ndjson_line);
  if (!root.IsObject()) {
    error(kFhirStructure, path, prefix + (path.empty() ? "the JSON text" : path) +
                                    " is not a JSON object; expected a FHIR resource (Claim or Bundle)");
    return;
  }
  const Value* rt = fhir::member(root, "resourceType");
  if (!rt) {
    const std::string p = path.empty() ? "resourceType" : path + ".resourceType";
    error(kFhirRequired, p, prefix + p + " is missing; expected \"Claim\" or \"Bundle\"");
    return;
  }
  const std::string_view type = fhir::str(*rt);
  if (!rt->IsString() || doc_.is_number(*rt)) {
    const std::string p = path.empty() ? "resourceType" : path + ".resourceType";
    error(kFhirStructure, p, prefix + p + ": expected a string (\"Claim\" or \"Bundle\")");
    return;
  }
  if (type == "Claim") {
    claim(root, origin, nullptr);
  } else if (type == "Bundle" && level == 0) {
    bundle(root, origin, path.empty() ? std::string("Bundle") : path, level);
  } else {
    const std::string p = path.empty() ? std::string(type.substr(0, kMaxValueEcho)) : path;
    error(kFhirResourceType, p,
          prefix + "resourceType \"" + std::string(type.substr(0, kMaxValueEcho)) + "\" is not accepted" +
              (path.empty() ? "" : " at " + path) + "; expected a Claim or a Bundle of Claims",
          std::string(type.substr(0, kMaxValueEcho)));
  }
}

void Reader::bundle(const Value& b, const Origin& origin, const std::string& path, int level) {
  const std::string prefix = where(origin.ndjson_line);
  const Value* type = fhir::member(b, "type");
  std::string_view type_s;
  if (!type) {
    error(kFhirRequired, path + ".type", prefix + path + ".type is missing; expected batch, transaction or collection");
    return;
  }
  if (!type->IsString() || doc_.is_number(*type)) {
    error(kFhirStructure, path + ".type", prefix + path + ".type: expected a code string");
    return;
  }
  type_s = fhir::str(*type);
  if (type_s != "batch" && type_s != "transaction" && type_s != "collection") {
    error(kFhirNotSupported, path + ".type",
          prefix + path + ".type \"" + std::string(type_s.substr(0, kMaxValueEcho)) +
              "\" is not accepted; expected batch, transaction or collection",
          std::string(type_s.substr(0, kMaxValueEcho)));
    return;
  }
  const Value* entries = fhir::member(b, "entry");
  if (entries && (!entries->IsArray())) {
    error(kFhirStructure, path + ".entry", prefix + path + ".entry: expected an array of entries");
    return;
  }
  const rapidjson::SizeType n = entries ? entries->Size() : 0;
  if (n > limits_.max_fhir_entries) {
    error(kFhirLimit, path + ".entry",
          prefix + path + " has " + std::to_string(n) + " entries; the limit is " +
              std::to_string(limits_.max_fhir_entries) + " (split the Bundle)");
    return;
  }
  Origin o = origin;
  if (level == 0) {
    o.bundle_type = type_s;
    o.bundle_id = bounded(fhir::str(fhir::member(b, "id")), kFhirId, path + ".id", prefix);
  }
  BundleIndex index;
  index.reserve(n);
  for (rapidjson::SizeType i = 0; i < n; ++i) {
    const Value& e = (*entries)[i];
    const Value* r = fhir::member(e, "resource");
    if (r && r->IsObject()) {
      const Value* fu = fhir::member(e, "fullUrl");
      index.add(fu ? fhir::str(*fu) : std::string_view(), *r);
    }
  }
  const std::size_t before = claims_in_bundle_;
  for (rapidjson::SizeType i = 0; i < n; ++i) {
    const Value& e = (*entries)[i];
    std::string ep = path + ".entry[" + std::to_string(i) + "]";
    if (!e.IsObject()) {
      error(kFhirStructure, ep, prefix + ep + ": expected an entry object");
      continue;
    }
    const Value* r = fhir::member(e, "resource");
    if (!r) {
      error(kFhirRequired, ep + ".resource", prefix + ep + ".resource is missing; expected a Claim or a resource it references");
      continue;
    }
    ep += ".resource";
    if (!r->IsObject()) {
      error(kFhirStructure, ep, prefix + ep + ": expected a resource object");
      continue;
    }
    const std::string_view rt = fhir::str(fhir::member(*r, "resourceType"));
    const Value* fu = fhir::member(e, "fullUrl");
    if (level == 0) {
      o.entry_index = static_cast<int>(i);
      o.inner_entry_index = -1;
    } else {
      o.inner_entry_index = static_cast<int>(i);
    }
    o.full_url = rt == "Claim" && fu ? bounded(fhir::str(*fu), kAnyString, ep.substr(0, ep.size() - 9) + ".fullUrl", prefix)
                                     : std::string_view();
    if (rt == "Claim") {
      claim(*r, o, &index);
    } else if (rt == "Bundle" && level == 0 && type_s != "collection") {
      bundle(*r, o, ep, level + 1);
    } else if (rt.empty()) {
      error(kFhirRequired, ep + ".resourceType", prefix + ep + ".resourceType is missing");
    }
    // Any other resource is one the Claims may reference (Patient, Coverage, ...).
  }
  if (claims_in_bundle_ == before)
    error(kFhirResourceType, path,
          prefix + path + " holds no Claim; expected a Bundle with at least one Claim entry");
}

void Reader::ndjson_line(std::string_view text, fhir::Position start) {
  if (!parse(text, start, start.line)) return;
  Origin o;
  o.ndjson_line = start.line;
  resource(doc_.root(), o, {}, 0);
}

ReadSummary Reader::run() {
  std::size_t skip = 0;
  if (input_.size() >= 3 && input_.compare(0, 3, "\xEF\xBB\xBF") == 0) skip = 3;
  const std::string_view body = input_.substr(skip);
  if (fhir::is_blank(body)) {
    error(kFhirSyntax, {}, "the input is empty; expected a FHIR Claim, Bundle or NDJSON");
    return summary_;
  }
  if (fhir::looks_like_ndjson(body)) {
    const std::size_t lines = fhir::count_ndjson_lines(body);
    if (lines > limits_.max_fhir_entries) {
      error(kFhirLimit, {},
            "the NDJSON input has " + std::to_string(lines) + " resources; the limit is " +
                std::to_string(limits_.max_fhir_entries) + " (split the file)");
      return summary_;
    }
    fhir::NdjsonCursor cursor(input_, skip);
    fhir::NdjsonLine line;
    while (cursor.next(line)) {
      fhir::Position start = line.start;
      if (start.offset == skip && skip) start.column += static_cast<std::uint32_t>(skip);
      ndjson_line(line.text, start);
    }
    return summary_;
  }
  const fhir::Position start{1, static_cast<std::uint32_t>(1 + skip), skip};
  if (!parse(body, start, 0)) return summary_;
  resource(doc_.root(), Origin{}, {}, 0);
  return summary_;
}

constexpr std::string_view kBom = "\xEF\xBB\xBF";

}  // namespace

// ---------------------------------------------------------------------------------------------
struct FhirNdjsonStream::Impl {
  Impl(std::string_view source, const InputLimits& lim, ClaimCallback claim_cb, ErrorCallback error_cb)
      : source_name(source),
        limits(lim),
        on_claim(std::move(claim_cb)),
        on_error(std::move(error_cb)),
        reader({}, source_name, limits, on_claim, on_error) {}

  // A complete line (LF excluded) of `size` bytes; `text` is empty when it was too long to keep.
  void line(std::string_view text, std::size_t size) {
    ++line_no;
    fhir::Position start{line_no, 1, line_offset};
    if (line_no == 1 && bom) start.column += static_cast<std::uint32_t>(kBom.size());
    line_offset += size + 1;
    if (stopped || (size <= limits.max_fhir_bytes && fhir::is_blank(text))) return;
    if (++resources > limits.max_fhir_entries) {
      stopped = true;
      reader.error(kFhirLimit, {},
                   "NDJSON line " + std::to_string(line_no) + ": the input has more than " +
                       std::to_string(limits.max_fhir_entries) +
                       " resources, the limit (split the file); this line and the ones after it were not read");
      return;
    }
    if (size > limits.max_fhir_bytes) {
      reader.syntax_error(fhir::too_large(size, limits.max_fhir_bytes, start), line_no);
      return;
    }
    reader.ndjson_line(text, start);
  }

  void consume(std::string_view chunk) {
    while (!chunk.empty()) {
      const void* nl = std::memchr(chunk.data(), '\n', chunk.size());
      const std::size_t len = nl ? static_cast<std::size_t>(static_cast<const char*>(nl) - chunk.data()) : chunk.size();
      const std::string_view piece = chunk.substr(0, len);
      const std::size_t total = partial_size + len;
      if (!nl) {
        // Keep the beginning of the line only while it can still be within the limit.
        if (total <= limits.max_fhir_bytes) partial.append(piece);
        else std::string().swap(partial);
        partial_size = total;
        return;
      }
      if (partial_size == 0) {
        line(piece, len);  // the whole line is in this chunk: no copy
      } else {
        if (total <= limits.max_fhir_bytes) partial.append(piece);
        line(total <= limits.max_fhir_bytes ? std::string_view(partial) : std::string_view(), total);
        partial.clear();
        partial_size = 0;
      }
      chunk.remove_prefix(len + 1);
    }
  }

  std::string source_name;
  InputLimits limits;
  ClaimCallback on_claim;
  ErrorCallback on_error;
  Reader reader;
  bool started = false, bom = false, stopped = false;
  std::string head;             // the first bytes until 3 are known (BOM or not)
  std::string partial;          // the line begun in an earlier chunk
  std::size_t partial_size = 0;  // its length so far (partial is dropped once over the limit)
  std::uint32_t line_no = 0;
  std::uint64_t line_offset = 0;  // byte offset of the current line in the whole input
  std::size_t resources = 0;
};

FhirNdjsonStream::FhirNdjsonStream(std::string_view source_name, const InputLimits& limits, ClaimCallback on_claim,
                                   ErrorCallback on_error)
    : impl_(std::make_unique<Impl>(source_name, limits, std::move(on_claim), std::move(on_error))) {}

FhirNdjsonStream::~FhirNdjsonStream() = default;

bool FhirNdjsonStream::recognizes(std::string_view head) noexcept {
  if (head.substr(0, kBom.size()) == kBom) head.remove_prefix(kBom.size());
  return fhir::looks_like_ndjson(head);
}

void FhirNdjsonStream::feed(std::string_view chunk) {
  Impl& m = *impl_;
  if (!m.started) {
    // The first 3 bytes decide whether a BOM is there, however the input is chunked.
    const std::size_t need = std::min(kBom.size() - m.head.size(), chunk.size());
    m.head.append(chunk.substr(0, need));
    chunk.remove_prefix(need);
    if (m.head.size() < kBom.size()) return;
    m.started = true;
    if (m.head == kBom) {
      m.bom = true;
      m.line_offset = kBom.size();
    } else {
      m.consume(m.head);
    }
  }
  m.consume(chunk);
}

ReadSummary FhirNdjsonStream::finish() {
  Impl& m = *impl_;
  if (!m.started) m.consume(m.head);  // an input of fewer than 3 bytes
  if (m.partial_size > 0) {
    m.line(m.partial_size <= m.limits.max_fhir_bytes ? std::string_view(m.partial) : std::string_view(), m.partial_size);
    std::string().swap(m.partial);
    m.partial_size = 0;
  }
  return m.reader.summary();
}

std::span<const FhirRuleInfo> fhir_rules() noexcept { return kRules; }

std::string_view fhir_issue_code(std::string_view rule_id) noexcept {
  for (const auto& r : kRules)
    if (r.rule == rule_id) return r.issue_code;
  return {};
}

ReadSummary read_fhir_claims(std::string_view bytes, std::string_view source_name, const InputLimits& limits,
                             const ClaimCallback& on_claim, const ErrorCallback& on_error) {
  Reader reader(bytes, source_name, limits, on_claim, on_error);
  return reader.run();
}

}  // namespace cg::transforms
