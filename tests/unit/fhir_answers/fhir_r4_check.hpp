// A small structural checker for the FHIR R4 resources the answers renderer writes
// (OperationOutcome, ClaimResponse, batch-response Bundle): resourceType first, id syntax,
// required elements, elements known to R4, required value sets (issue-severity, issue-type,
// fm-status, claim-use, remittance-outcome, note-type), FHIR JSON rules (no null, no empty
// string / array / object), references that stand outside the Claim (no "#id").
// Returns the problems found, one line each, empty when the resource is fine.
#pragma once

#include <rapidjson/document.h>

#include <algorithm>
#include <initializer_list>
#include <string>
#include <string_view>
#include <vector>

namespace cg::fhir_answers_test {

using Value = rapidjson::Value;

class R4Check {
 public:
  std::vector<std::string> problems;

  void resource(const Value& r, const std::string& path) {
    json_rules(r, path);
    if (!r.IsObject() || r.MemberCount() == 0) return fail(path, "not a resource object");
    if (std::string_view(r.MemberBegin()->name.GetString()) != "resourceType")
      fail(path, "resourceType is not the first member");
    const std::string type = get_str(r, "resourceType");
    if (r.HasMember("id")) check_id(r["id"], path + ".id");
    if (type == "OperationOutcome") {
      operation_outcome(r, path);
    } else if (type == "ClaimResponse") {
      claim_response(r, path);
    } else if (type == "Bundle") {
      bundle(r, path);
    } else {
      fail(path, "unexpected resourceType '" + type + "'");
    }
  }

 private:
  void fail(const std::string& path, const std::string& what) { problems.push_back(path + ": " + what); }

  static bool one_of(std::string_view v, std::initializer_list<std::string_view> set) {
    return std::find(set.begin(), set.end(), v) != set.end();
  }

  static std::string get_str(const Value& o, const char* k) {
    if (!o.IsObject() || !o.HasMember(k) || !o[k].IsString()) return {};
    return o[k].GetString();
  }

  void known(const Value& o, const std::string& path, std::initializer_list<std::string_view> keys) {
    if (!o.IsObject()) return;
    for (auto it = o.MemberBegin(); it != o.MemberEnd(); ++it) {
      std::string_view k = it->name.GetString();
      if (k.starts_with("_")) k.remove_prefix(1);
      if (!one_of(k, keys)) fail(path, "unknown element '" + std::string(it->name.GetString()) + "'");
    }
  }

  void require(const Value& o, const std::string& path, const char* k) {
    const std::string underscore = std::string("_") + k;
    if (!o.HasMember(k) && !o.HasMember(underscore.c_str())) fail(path, std::string("missing required ") + k);
  }

  void coded(const Value& o, const std::string& path, const char* k, std::initializer_list<std::string_view> set) {
    if (!o.HasMember(k)) return fail(path, std::string("missing required ") + k);
    if (!o[k].IsString() || !one_of(o[k].GetString(), set))
      fail(path + "." + k, "not in the required value set");
  }

  // FHIR JSON: no nulls, no empty strings / arrays / objects, strings trimmed.
  void json_rules(const Value& v, const std::string& path) {
    if (v.IsNull()) return fail(path, "null");
    if (v.IsString()) {
      const std::string_view s(v.GetString(), v.GetStringLength());
      if (s.empty()) return fail(path, "empty string");
      if (s.front() == ' ' || s.back() == ' ') fail(path, "untrimmed string");
      for (char c : s)
        if (static_cast<unsigned char>(c) < 0x20 && c != '\t' && c != '\r' && c != '\n')
          return fail(path, "control character");
    }
    if (v.IsArray()) {
      if (v.Empty()) return fail(path, "empty array");
      for (rapidjson::SizeType i = 0; i < v.Size(); ++i) json_rules(v[i], path + "[" + std::to_string(i) + "]");
    }
    if (v.IsObject()) {
      if (v.MemberCount() == 0) return fail(path, "empty object");
      for (auto it = v.MemberBegin(); it != v.MemberEnd(); ++it)
        json_rules(it->value, path + "." + it->name.GetString());
    }
  }

  void check_id(const Value& v, const std::string& path) {
    if (!v.IsString()) return fail(path, "id not a string");
    const std::string_view s = v.GetString();
    if (s.empty() || s.size() > 64) fail(path, "id length");
    for (char c : s)
      if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '.'))
        return fail(path, "id character");
  }

  static bool digits(std::string_view s, std::size_t at, std::size_t n) {
    if (at + n > s.size()) return false;
    for (std::size_t k = at; k < at + n; ++k)
      if (s[k] < '0' || s[k] > '9') return false;
    return true;
  }

  // R4 dateTime: YYYY, YYYY-MM, YYYY-MM-DD or YYYY-MM-DDThh:mm:ss(.s+)?(Z|+hh:mm|-hh:mm).
  void date_time(const Value& v, const std::string& path) {
    if (!v.IsString()) return fail(path, "dateTime not a string");
    const std::string_view s = v.GetString();
    if (s.size() == 4 && digits(s, 0, 4)) return;
    if (s.size() == 7 && digits(s, 0, 4) && s[4] == '-' && digits(s, 5, 2)) return;
    if (s.size() < 10 || !digits(s, 0, 4) || s[4] != '-' || !digits(s, 5, 2) || s[7] != '-' || !digits(s, 8, 2))
      return fail(path, "not a dateTime");
    if (s.size() == 10) return;
    if (s.size() < 20 || s[10] != 'T' || !digits(s, 11, 2) || s[13] != ':' || !digits(s, 14, 2) || s[16] != ':' ||
        !digits(s, 17, 2))
      return fail(path, "dateTime time part");
    std::size_t i = 19;
    if (s[i] == '.') {
      ++i;
      while (i < s.size() && s[i] >= '0' && s[i] <= '9') ++i;
    }
    const std::string_view zone = s.substr(i);
    if (zone == "Z") return;
    if (zone.size() == 6 && (zone[0] == '+' || zone[0] == '-') && digits(zone, 1, 2) && zone[3] == ':' &&
        digits(zone, 4, 2))
      return;
    fail(path, "dateTime without a valid zone");
  }

  void coding(const Value& c, const std::string& path) {
    known(c, path, {"system", "version", "code", "display", "userSelected"});
    if (!c.HasMember("code") && !c.HasMember("display")) fail(path, "coding without code");
  }

  void codeable_concept(const Value& cc, const std::string& path) {
    if (!cc.IsObject()) return fail(path, "CodeableConcept not an object");
    known(cc, path, {"extension", "coding", "text"});
    if (cc.HasMember("coding")) {
      if (!cc["coding"].IsArray()) return fail(path, "coding not an array");
      for (rapidjson::SizeType i = 0; i < cc["coding"].Size(); ++i)
        coding(cc["coding"][i], path + ".coding[" + std::to_string(i) + "]");
    }
  }

  void reference(const Value& r, const std::string& path) {
    if (!r.IsObject()) return fail(path, "Reference not an object");
    known(r, path, {"extension", "reference", "type", "identifier", "display"});
    const std::string ref = get_str(r, "reference");
    if (!ref.empty() && ref.front() == '#') fail(path, "contained reference outside its resource");
    if (r.HasMember("identifier")) known(r["identifier"], path + ".identifier", {"use", "type", "system", "value"});
  }

  void operation_outcome(const Value& r, const std::string& path) {
    known(r, path, {"resourceType", "id", "meta", "text", "issue"});
    if (!r.HasMember("issue") || !r["issue"].IsArray() || r["issue"].Empty())
      return fail(path, "issue 1..* missing");
    const Value& issues = r["issue"];
    for (rapidjson::SizeType i = 0; i < issues.Size(); ++i) {
      const Value& is = issues[i];
      const std::string p = path + ".issue[" + std::to_string(i) + "]";
      known(is, p, {"severity", "code", "details", "diagnostics", "location", "expression"});
      coded(is, p, "severity", {"fatal", "error", "warning", "information"});
      coded(is, p, "code",
            {"invalid", "structure", "required", "value", "invariant", "security", "login", "unknown",
             "expired", "forbidden", "suppressed", "processing", "not-supported", "duplicate",
             "multiple-matches", "not-found", "deleted", "too-long", "code-invalid", "extension",
             "too-costly", "business-rule", "conflict", "transient", "lock-error", "no-store", "exception",
             "timeout", "incomplete", "throttled", "informational"});
      if (is.HasMember("details")) codeable_concept(is["details"], p + ".details");
      if (is.HasMember("expression") && !is["expression"].IsArray()) fail(p, "expression not an array");
      if (is.HasMember("location")) fail(p, "location is deprecated, use expression");
    }
  }

  void claim_response(const Value& r, const std::string& path) {
    known(r, path,
          {"resourceType", "id", "meta", "text", "identifier", "status", "type", "subType", "use", "patient",
           "created", "insurer", "requestor", "request", "outcome", "disposition", "preAuthRef",
           "preAuthPeriod", "payeeType", "item", "addItem", "adjudication", "total", "payment",
           "fundsReserve", "formCode", "form", "processNote", "communicationRequest", "insurance", "error"});
    coded(r, path, "status", {"active", "cancelled", "draft", "entered-in-error"});
    require(r, path, "type");
    if (r.HasMember("type")) codeable_concept(r["type"], path + ".type");
    coded(r, path, "use", {"claim", "preauthorization", "predetermination"});
    require(r, path, "patient");
    if (r.HasMember("patient")) reference(r["patient"], path + ".patient");
    require(r, path, "created");
    if (r.HasMember("created")) date_time(r["created"], path + ".created");
    require(r, path, "insurer");
    if (r.HasMember("insurer")) reference(r["insurer"], path + ".insurer");
    if (r.HasMember("requestor")) reference(r["requestor"], path + ".requestor");
    if (r.HasMember("request")) reference(r["request"], path + ".request");
    coded(r, path, "outcome", {"queued", "complete", "error", "partial"});
    if (r.HasMember("processNote")) {
      const Value& notes = r["processNote"];
      for (rapidjson::SizeType i = 0; notes.IsArray() && i < notes.Size(); ++i) {
        const std::string p = path + ".processNote[" + std::to_string(i) + "]";
        known(notes[i], p, {"number", "type", "text", "language"});
        if (!notes[i].HasMember("number") || !notes[i]["number"].IsInt() || notes[i]["number"].GetInt() < 1)
          fail(p, "number not a positiveInt");
        coded(notes[i], p, "type", {"display", "print", "printoper"});
        if (!notes[i].HasMember("text") || !notes[i]["text"].IsString()) fail(p, "text 1..1 missing");
      }
    }
    if (r.HasMember("error")) {
      const Value& errs = r["error"];
      for (rapidjson::SizeType i = 0; errs.IsArray() && i < errs.Size(); ++i) {
        const std::string p = path + ".error[" + std::to_string(i) + "]";
        known(errs[i], p, {"itemSequence", "detailSequence", "subDetailSequence", "code"});
        if (errs[i].HasMember("itemSequence") &&
            (!errs[i]["itemSequence"].IsInt() || errs[i]["itemSequence"].GetInt() < 1))
          fail(p, "itemSequence not a positiveInt");
        if (!errs[i].HasMember("code")) {
          fail(p, "code 1..1 missing");
        } else {
          codeable_concept(errs[i]["code"], p + ".code");
        }
      }
    }
    if (get_str(r, "outcome") == "error" && !r.HasMember("error") && !r.HasMember("disposition"))
      fail(path, "outcome error without error[] or disposition");
  }

  void bundle(const Value& r, const std::string& path) {
    known(r, path, {"resourceType", "id", "meta", "identifier", "type", "timestamp", "total", "link", "entry"});
    coded(r, path, "type", {"batch-response"});
    if (r.HasMember("timestamp")) date_time(r["timestamp"], path + ".timestamp");
    if (!r.HasMember("entry")) return;
    const Value& entries = r["entry"];
    for (rapidjson::SizeType i = 0; entries.IsArray() && i < entries.Size(); ++i) {
      const Value& e = entries[i];
      const std::string p = path + ".entry[" + std::to_string(i) + "]";
      known(e, p, {"link", "fullUrl", "resource", "search", "response"});  // no request: bdl-3
      if (e.HasMember("resource")) resource(e["resource"], p + ".resource");
      if (!e.HasMember("response")) {
        fail(p, "response missing (bdl-4)");
        continue;
      }
      const Value& resp = e["response"];
      known(resp, p + ".response", {"status", "location", "etag", "lastModified", "outcome"});
      const std::string status = get_str(resp, "status");
      if (status.size() < 3 || !digits(status, 0, 3) || (status.size() > 3 && status[3] != ' '))
        fail(p + ".response.status", "not an HTTP status");
      if (resp.HasMember("outcome")) {
        resource(resp["outcome"], p + ".response.outcome");
        if (get_str(resp["outcome"], "resourceType") != "OperationOutcome")
          fail(p + ".response.outcome", "not an OperationOutcome");
      }
    }
  }
};

// Parses and checks one JSON text; parse errors are problems too.
inline std::vector<std::string> check_r4(const std::string& json) {
  rapidjson::Document doc;
  doc.Parse(json.c_str(), json.size());
  if (doc.HasParseError()) return {"not JSON at offset " + std::to_string(doc.GetErrorOffset())};
  R4Check c;
  c.resource(doc, doc.IsObject() && doc.HasMember("resourceType") && doc["resourceType"].IsString()
                      ? doc["resourceType"].GetString()
                      : "?");
  return c.problems;
}

inline std::string joined(const std::vector<std::string>& v) {
  std::string s;
  for (const auto& p : v) s += p + "\n";
  return s;
}

}  // namespace cg::fhir_answers_test
