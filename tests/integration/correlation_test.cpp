// Correlation (issue 15): FHIR answer ids unique per request and across restarts, 201 with a
// Location the ClaimResponse can be read at, the ClaimResponse naming its spool entry key,
// GET /claims/{key} and the FHIR read answering queued / forwarded / dead-lettered (also after a
// restart), the X12 JSON report mapping claims to keys, and a client's X-Request-Id echoed and
// logged. The real server on 127.0.0.1, every wait bounded.
#include "tests/integration/harness.hpp"

#include <boost/test/unit_test.hpp>

#include <rapidjson/document.h>

using namespace cg::itest;

namespace {

const fs::path kSource = CG_SOURCE_DIR;

std::string fixture(const std::string& name) { return read_text(kSource / "tests/integration/data" / name); }
std::string example(const std::string& name) { return read_text(kSource / "deploy/examples" / name); }

rapidjson::Document json(const std::string& text) {
  rapidjson::Document d;
  d.Parse(text.data(), text.size());
  BOOST_REQUIRE_MESSAGE(!d.HasParseError() && d.IsObject(), text);
  return d;
}

std::string str(const rapidjson::Value& v, const char* key) {
  const auto it = v.FindMember(key);
  return it != v.MemberEnd() && it->value.IsString() ? std::string(it->value.GetString()) : std::string();
}

std::string config(std::uint16_t upstream_port, const std::string& top = "") {
  const std::string base = "http://127.0.0.1:" + std::to_string(upstream_port);
  return "{\"threads\": 2, \"log\": {\"level\": \"info\"}, " + top +
         "\"forward\": {\"workers\": 1, \"backoff_initial_ms\": 600000, \"backoff_max_ms\": 600000, \"timeout_ms\": 2000,"
         " \"connect_timeout_ms\": 500, \"breaker_failures\": 1000,"
         " \"targets\": {\"payer\": {\"type\": \"http\", \"x12_url\": \"" + base + "/x12\", \"fhir_url\": \"" + base +
         "/fhir\"}}, \"default_target\": \"payer\"}}";
}

// The state GET /claims/{key} reports, "" when not 200.
std::string state_of(std::uint16_t port, const std::string& key,
                     const std::vector<std::pair<std::string, std::string>>& headers = {}) {
  const Response r = request(port, http::verb::get, "/claims/" + key, "", headers);
  if (r.status != 200) return {};
  return str(json(r.body), "state");
}

}  // namespace

BOOST_AUTO_TEST_SUITE(correlation)

BOOST_AUTO_TEST_CASE(ids_location_keys_and_status_across_restarts) {
  Upstream up;
  ServerProcess srv(scratch("correlation"), config(up.port()));
  BOOST_REQUIRE_MESSAGE(srv.start(), srv.log());

  // Ids: never "cg-1" twice; different per request.
  std::set<std::string> ids;
  const auto collect = [&](const Response& r) {
    const auto d = json(r.body);
    const std::string id = str(d, "id");
    BOOST_TEST(!id.empty());
    BOOST_TEST(ids.insert(id).second, "id " << id << " answered twice");
  };
  up.mode(Upstream::Mode::Ok);
  const Response created = post(srv.port(), "/fhir/Claim", fixture("claim-accepted.json"), {{"X-Request-Id", "mirth-msg-0042"}});
  BOOST_REQUIRE_MESSAGE(created.status == 201, created.body);
  collect(created);
  // The client's request id is echoed and logged; the gateway's own comes beside it.
  BOOST_TEST(created.header("X-Request-Id") == "mirth-msg-0042");
  BOOST_TEST(!created.header("X-Claimgate-Request-Id").empty());
  // 201: Location names the ClaimResponse, whose id is the entry key, named in its identifier.
  const std::string key = split_keys(created.header("X-Claimgate-Entry-Keys")).at(0);
  BOOST_TEST(created.header("Location") == "/fhir/ClaimResponse/" + key);
  {
    const auto d = json(created.body);
    BOOST_TEST(str(d, "id") == key);
    BOOST_REQUIRE(d.HasMember("identifier") && d["identifier"].IsArray() && d["identifier"].Size() == 1u);
    BOOST_TEST(str(d["identifier"][0], "system") == "urn:claimgate:entry-key");
    BOOST_TEST(str(d["identifier"][0], "value") == key);
  }
  collect(post(srv.port(), "/fhir/Claim", fixture("claim-accepted.json")));
  collect(post(srv.port(), "/fhir/Claim", fixture("claim-rejected.json")));      // OperationOutcome
  collect(post(srv.port(), "/fhir/Claim/$validate", fixture("claim-rejected.json")));
  const Response batch = post(srv.port(), "/fhir", fixture("batch.json"));
  BOOST_REQUIRE_MESSAGE(batch.status == 200, batch.body);
  collect(batch);
  {
    const auto d = json(batch.body);
    // Every resource in the batch-response has an id of its own.
    for (const auto& e : d["entry"].GetArray()) {
      if (e.HasMember("resource")) BOOST_TEST(ids.insert(str(e["resource"], "id")).second);
      if (e.HasMember("response") && e["response"].HasMember("outcome"))
        BOOST_TEST(ids.insert(str(e["response"]["outcome"], "id")).second);
    }
  }
  // The X12 JSON report names the key each accepted claim was queued under.
  const Response x12 = post(srv.port(), "/x12", example("professional.x12"));
  BOOST_REQUIRE_MESSAGE(x12.status == 200, x12.body);
  const auto x12_keys = split_keys(x12.header("X-Claimgate-Entry-Keys"));
  BOOST_REQUIRE(!x12_keys.empty());
  std::size_t keyed = 0;
  {
    const auto d = json(x12.body);
    for (const auto& c : d["claims"].GetArray()) {
      const std::string k = str(c, "entry_key");
      if (str(c, "verdict") == "rejected") {
        BOOST_TEST(k.empty());
      } else {
        BOOST_TEST((std::find(x12_keys.begin(), x12_keys.end(), k) != x12_keys.end()), k);
        ++keyed;
      }
    }
  }
  BOOST_TEST(keyed > 0u);

  // Forwarded: when and where.
  BOOST_REQUIRE(wait_for([&] { return state_of(srv.port(), key) == "forwarded"; }, 10s));
  {
    const auto d = json(get(srv.port(), "/claims/" + key).body);
    BOOST_TEST(str(d, "target") == "payer");
    BOOST_TEST(str(d, "forwarded_at").substr(0, 2) == "20");
  }
  const Response read = get(srv.port(), "/fhir/ClaimResponse/" + key);
  BOOST_TEST(read.status == 200);
  BOOST_TEST(read.header("Content-Type") == "application/fhir+json");
  BOOST_TEST(str(json(read.body), "outcome") == "complete");
  BOOST_TEST(str(json(read.body), "disposition").find("Forwarded to payer at 20") == 0u);

  // Dead-lettered: why.
  up.mode(Upstream::Mode::Reject400);
  const std::string dead = split_keys(post(srv.port(), "/fhir/Claim", fixture("claim-accepted.json")).header("X-Claimgate-Entry-Keys")).at(0);
  BOOST_REQUIRE(wait_for([&] { return state_of(srv.port(), dead) == "dead_lettered"; }, 10s));
  BOOST_TEST(str(json(get(srv.port(), "/claims/" + dead).body), "reason").find("upstream answered 400") == 0u);
  BOOST_TEST(str(json(get(srv.port(), "/fhir/ClaimResponse/" + dead).body), "outcome") == "error");

  // Queued: the payer fails, the next attempt is minutes away.
  up.mode(Upstream::Mode::Fail500);
  const std::string queued = split_keys(post(srv.port(), "/fhir/Claim", fixture("claim-accepted.json")).header("X-Claimgate-Entry-Keys")).at(0);
  BOOST_REQUIRE(wait_for([&] {
    const Response r = get(srv.port(), "/claims/" + queued);
    return r.status == 200 && r.body.find("\"attempts\":1") != std::string::npos;
  }, 10s));
  BOOST_TEST(state_of(srv.port(), queued) == "queued");
  BOOST_TEST(str(json(get(srv.port(), "/fhir/ClaimResponse/" + queued).body), "outcome") == "queued");

  // Unknown keys: 404, an OperationOutcome for the FHIR read.
  BOOST_TEST(get(srv.port(), "/claims/no-such-key").status == 404);
  const Response missing = get(srv.port(), "/fhir/ClaimResponse/no-such-key");
  BOOST_TEST(missing.status == 404);
  BOOST_TEST(str(json(missing.body), "resourceType") == "OperationOutcome");

  // The client's request id is in the request log line.
  BOOST_TEST(wait_for([&] { return srv.log().find("\"client_request_id\":\"mirth-msg-0042\"") != std::string::npos; }, 5s));

  // After a restart: the same three answers, and new ids never repeat the earlier ones.
  srv.signal(SIGTERM);
  BOOST_REQUIRE(srv.wait_exit(10s) == 0);
  BOOST_REQUIRE_MESSAGE(srv.start(), srv.log());
  BOOST_TEST(state_of(srv.port(), key) == "forwarded");
  BOOST_TEST(state_of(srv.port(), dead) == "dead_lettered");
  BOOST_TEST(state_of(srv.port(), queued) == "queued");
  collect(post(srv.port(), "/fhir/Claim", fixture("claim-rejected.json")));
  collect(post(srv.port(), "/fhir/Claim/$validate", fixture("claim-rejected.json")));
  srv.signal(SIGTERM);
  BOOST_TEST(srv.wait_exit(10s) == 0);
}

BOOST_AUTO_TEST_CASE(senders_see_only_their_own_entries) {
  Upstream up;
  ServerProcess srv(scratch("correlation-senders"),
                    config(up.port(), "\"senders\": [{\"id\": \"clinic-a\", \"api_key\": \"clinic-a-key-0123456789\"},"
                                      " {\"id\": \"clinic-b\", \"api_key\": \"clinic-b-key-0123456789\"}],"
                                      " \"admins\": [{\"id\": \"ops\", \"api_key\": \"admin-key-0123456789\"}],"));
  BOOST_REQUIRE_MESSAGE(srv.start(), srv.log());
  const std::vector<std::pair<std::string, std::string>> a{{"X-API-Key", "clinic-a-key-0123456789"}},
      b{{"X-API-Key", "clinic-b-key-0123456789"}}, admin{{"X-API-Key", "admin-key-0123456789"}};
  const Response created = post(srv.port(), "/fhir/Claim", fixture("claim-accepted.json"), a);
  BOOST_REQUIRE_MESSAGE(created.status == 201, created.body);
  const std::string key = split_keys(created.header("X-Claimgate-Entry-Keys")).at(0);
  BOOST_TEST(!state_of(srv.port(), key, a).empty());
  BOOST_TEST(!state_of(srv.port(), key, admin).empty());
  BOOST_TEST(request(srv.port(), http::verb::get, "/claims/" + key, "", b).status == 404);
  BOOST_TEST(get(srv.port(), "/claims/" + key).status == 401);
  srv.signal(SIGTERM);
  BOOST_TEST(srv.wait_exit(10s) == 0);
}

// Keys that try to leave the data directory, escapes that do not decode, an empty key and an
// oversized one: each is a plain 404/400 (FHIR: an OperationOutcome), never a file read.
BOOST_AUTO_TEST_CASE(hostile_status_keys) {
  Upstream up;
  ServerProcess srv(scratch("correlation-hostile"), config(up.port()));
  BOOST_REQUIRE_MESSAGE(srv.start(), srv.log());
  for (const std::string prefix : {"/claims/", "/fhir/ClaimResponse/"}) {
    for (const std::string& key : std::vector<std::string>{"..%2F..%2F..%2Fetc%2Fpasswd", "../../etc/passwd",
                                                           "%2e%2e%2fspool", "..", "", std::string(3000, 'k')}) {
      const Response r = get(srv.port(), prefix + key);
      BOOST_TEST(r.status == 404, prefix + key.substr(0, 40));
      BOOST_TEST(r.body.find("root:") == std::string::npos);
      if (prefix == "/fhir/ClaimResponse/") BOOST_TEST(str(json(r.body), "resourceType") == "OperationOutcome");
    }
    for (const std::string key : {"x%ZZ", "%00abc", "%"}) BOOST_TEST(get(srv.port(), prefix + key).status == 400, prefix + key);
  }
  BOOST_TEST(get(srv.port(), "/healthz").status == 200);
  srv.signal(SIGTERM);
  BOOST_TEST(srv.wait_exit(10s) == 0);
}

BOOST_AUTO_TEST_SUITE_END()
