// Hot reload (issue 15): SIGHUP and POST /admin/reload read the configuration, rule packs and
// code set again without dropping connections; a bad new file keeps the running configuration
// and the answer says why; settings that need a restart are named. The real server on
// 127.0.0.1, every wait bounded.
#include "tests/integration/harness.hpp"

#include <boost/test/unit_test.hpp>

using namespace cg::itest;

namespace {

const fs::path kSource = CG_SOURCE_DIR;

std::string config(const std::string& organization, const std::string& more = "") {
  return "{\"threads\": 2, \"admins\": [{\"id\": \"ops\", \"api_key\": \"admin-key-0123456789\"}], " + more +
         "\"identity\": {\"organization_name\": \"" + organization + "\"}}";
}

// The 277CA's information source (loop 2100A NM1*AY), which comes from the configuration.
std::string organization(std::uint16_t port) {
  const Response r = post(port, "/x12?answer=277ca", read_text(kSource / "deploy/examples/professional.x12"));
  const auto at = r.body.find("NM1*AY*2*");
  return at == std::string::npos ? std::string() : r.body.substr(at + 9, r.body.find('*', at + 9) - at - 9);
}

}  // namespace

BOOST_AUTO_TEST_SUITE(reload)

BOOST_AUTO_TEST_CASE(sighup_and_admin_reload_keep_connections_and_the_old_configuration_on_error) {
  const fs::path dir = scratch("reload");
  ServerProcess srv(dir, config("FIRSTORG"));
  BOOST_REQUIRE_MESSAGE(srv.start(), srv.log());
  const std::vector<std::pair<std::string, std::string>> admin{{"X-API-Key", "admin-key-0123456789"}};
  BOOST_TEST(organization(srv.port()) == "FIRSTORG");

  // A keep-alive connection opened before the reload is still served after it.
  RawClient kept(srv.port());
  const std::string probe = "GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n";
  kept.send(probe);
  BOOST_TEST(kept.read().status == 200);

  // The admin endpoint: applied, and what needs a restart is named.
  write_text(dir / "config.json",
             config("SECONDORG", "\"limits\": {\"max_claims_per_request\": 50, \"spool_max_bytes\": 5000000},"));
  const Response ok = post(srv.port(), "/admin/reload", "", admin);
  BOOST_TEST(ok.status == 200);
  BOOST_TEST(ok.body.find("\"reloaded\":true") != std::string::npos);
  BOOST_TEST(ok.body.find("\"restart_needed\":[\"limits.spool_max_bytes\"]") != std::string::npos, ok.body);
  BOOST_TEST(organization(srv.port()) == "SECONDORG");
  kept.send(probe);
  BOOST_TEST(kept.read().status == 200);

  // A bad new file: 422 saying why, and the running configuration stays.
  write_text(dir / "config.json", config("BADORG", "\"rules\": {\"default\": [\"no-such-pack\"]},"));
  const Response bad = post(srv.port(), "/admin/reload", "", admin);
  BOOST_TEST(bad.status == 422);
  BOOST_TEST(bad.body.find("no rule pack \\\"no-such-pack\\\"") != std::string::npos, bad.body);
  BOOST_TEST(organization(srv.port()) == "SECONDORG");
  write_text(dir / "config.json", "{ \"identity\": ");
  const Response broken = post(srv.port(), "/admin/reload", "", admin);
  BOOST_TEST(broken.status == 422);
  BOOST_TEST(broken.body.find("bad configuration") != std::string::npos, broken.body);
  BOOST_TEST(organization(srv.port()) == "SECONDORG");
  BOOST_TEST(post(srv.port(), "/admin/reload", "").status == 401);

  // SIGHUP does the same.
  write_text(dir / "config.json", config("THIRDORG"));
  srv.signal(SIGHUP);
  BOOST_TEST(wait_for([&] { return organization(srv.port()) == "THIRDORG"; }, 10s));
  // The line is logged just after the swap the request above saw: waited for, not assumed.
  BOOST_TEST(wait_for([&] { return srv.log().find("\"event\":\"reload.done\",\"by\":\"SIGHUP\"") != std::string::npos; }, 10s));
  BOOST_TEST(srv.log().find("\"event\":\"reload.failed\"") != std::string::npos);
  kept.send(probe);
  BOOST_TEST(kept.read().status == 200);
  srv.signal(SIGTERM);
  BOOST_TEST(srv.wait_exit(10s) == 0);
}

// Senders and their keys, rates and quotas, the limits and the log level change with a reload,
// and a request in flight keeps what it started with; a bad file keeps them all.
BOOST_AUTO_TEST_CASE(senders_keys_quotas_limits_and_log_level_are_reloaded) {
  const fs::path dir = scratch("reload-settings");
  const auto settings = [](const std::string& senders, const std::string& more) {
    return "{\"threads\": 2, \"admins\": [{\"id\": \"ops\", \"api_key\": \"admin-key-0123456789\"}], "
           "\"senders\": [" + senders + "]" + more + "}";
  };
  const std::string clinic = R"({"id": "clinic", "api_key": "clinic-key-0123456789"})";
  ServerProcess srv(dir, settings(clinic, ""));
  BOOST_REQUIRE_MESSAGE(srv.start(), srv.log());
  const std::vector<std::pair<std::string, std::string>> admin{{"X-API-Key", "admin-key-0123456789"}};
  const std::vector<std::pair<std::string, std::string>> old_key{{"X-API-Key", "clinic-key-0123456789"}};
  const std::vector<std::pair<std::string, std::string>> new_key{{"X-API-Key", "lab-key-0123456789ab"}};
  const std::string x12 = read_text(kSource / "deploy/examples/professional.x12");  // 3 claims
  const auto reload = [&](const std::string& text) {
    write_text(dir / "config.json", text);
    return post(srv.port(), "/admin/reload", "", admin);
  };
  BOOST_TEST(post(srv.port(), "/x12", x12, old_key).status == 200);

  // A new sender list: the old key is refused, the new one accepted, at once.
  const std::string lab = R"({"id": "lab", "api_key": "lab-key-0123456789ab"})";
  Response r = reload(settings(lab, ""));
  BOOST_TEST(r.status == 200, r.body);
  BOOST_TEST(r.body.find("\"restart_needed\":[]") != std::string::npos, r.body);
  BOOST_TEST(post(srv.port(), "/x12", x12, old_key).status == 401);
  BOOST_TEST(post(srv.port(), "/x12", x12, new_key).status == 200);

  // A quota: 2 claims a day is less than the 3 of the next request.
  r = reload(settings(R"({"id": "lab", "api_key": "lab-key-0123456789ab", "claims_per_day": 2})", ""));
  BOOST_TEST(r.status == 200, r.body);
  r = post(srv.port(), "/x12", x12, new_key);
  BOOST_TEST(r.status == 429, r.body);
  BOOST_TEST(r.body.find("quota") != std::string::npos, r.body);

  // Limits: 2 claims per request at most.
  r = reload(settings(lab, ", \"limits\": {\"max_claims_per_request\": 2}"));
  BOOST_TEST(r.status == 200, r.body);
  BOOST_TEST(post(srv.port(), "/x12", x12, new_key).status == 413);

  // A bad file (a sender key too short) keeps everything as it was.
  r = reload(settings(R"({"id": "lab", "api_key": "short"})", ""));
  BOOST_TEST(r.status == 422, r.body);
  BOOST_TEST(r.body.find("api_key") != std::string::npos, r.body);
  BOOST_TEST(post(srv.port(), "/x12", x12, new_key).status == 413);

  // The log level: at "error" a request writes no request line; back at "info" it does.
  r = reload(settings(lab, ", \"log\": {\"level\": \"error\"}"));
  BOOST_TEST(r.status == 200, r.body);
  const std::string quiet = post(srv.port(), "/x12", x12, new_key).header("X-Request-Id");
  r = reload(settings(lab, ""));
  BOOST_TEST(r.status == 200, r.body);
  const std::string loud = post(srv.port(), "/x12", x12, new_key).header("X-Request-Id");
  BOOST_TEST_REQUIRE((!quiet.empty() && !loud.empty()));
  BOOST_TEST(wait_for([&] { return srv.log().find("\"request_id\":\"" + loud + "\"") != std::string::npos; }, 10s));
  BOOST_TEST(srv.log().find("\"request_id\":\"" + quiet + "\"") == std::string::npos);
  srv.signal(SIGTERM);
  BOOST_TEST(srv.wait_exit(10s) == 0);
}

BOOST_AUTO_TEST_SUITE_END()
