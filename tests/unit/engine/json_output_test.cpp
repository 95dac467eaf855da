// Input that poisons outputs: bytes that are not UTF-8 (an X12 element in Latin-1, or garbage)
// must never make a JSON output invalid. One escaper (parsers/text/json_string.hpp) serves every
// JSON writer; these tests check it byte by byte, then run an 837 with bad bytes in every kind
// of element through the reader into each JSON output and parse the result with RapidJSON's
// validating reader (an independent check of RFC 8259 + UTF-8).
#include "engine/log.hpp"
#include "engine/report.hpp"
#include "parsers/text/json_string.hpp"
#include "rulesets/core/rule.hpp"
#include "transforms/claim_json.hpp"
#include "transforms/input.hpp"

#include <rapidjson/document.h>
#include <rapidjson/error/en.h>

#include <boost/test/unit_test.hpp>

#include <cstdio>
#include <fstream>
#include <sstream>
#include <unistd.h>

using namespace cg;

namespace {

// Parses `json` with UTF-8 validation; the reason when it is not valid JSON.
std::string json_problem(const std::string& json) {
  rapidjson::Document d;
  d.Parse<rapidjson::kParseValidateEncodingFlag>(json.data(), json.size());
  if (!d.HasParseError()) return {};
  return std::string(rapidjson::GetParseError_En(d.GetParseError())) + " at " + std::to_string(d.GetErrorOffset());
}

std::string slurp(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

}  // namespace

BOOST_AUTO_TEST_SUITE(json_output)

BOOST_AUTO_TEST_CASE(escapes_and_repairs_exactly) {
  struct Case {
    std::string in, out;
  };
  const Case cases[] = {
      {"PCN-77", "PCN-77"},
      {"a\"b\\c/d", "a\\\"b\\\\c/d"},
      {std::string("\n\r\t\b\f\x01\x1f", 7), "\\n\\r\\t\\b\\f\\u0001\\u001f"},
      {std::string("nul\0x", 5), "nul\\u0000x"},
      {"caf\xC3\xA9 \xE2\x82\xAC \xF0\x9F\x98\x80", "caf\xC3\xA9 \xE2\x82\xAC \xF0\x9F\x98\x80"},  // valid: copied
      {"caf\xE9", "caf\xEF\xBF\xBD"},                       // Latin-1 e-acute
      {"\x80x", "\xEF\xBF\xBDx"},                            // lone continuation byte
      {"\xC0\x80", "\xEF\xBF\xBD\xEF\xBF\xBD"},             // overlong NUL
      {"\xE0\x80\xAF", "\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD"},  // overlong '/'
      {"\xED\xA0\x80", "\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD"},  // UTF-16 surrogate
      {"\xF4\x90\x80\x80", "\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD"},  // above U+10FFFF
      {"\xF5\xFF\xFE", "\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD"},
      {"end\xE2\x82", "end\xEF\xBF\xBD\xEF\xBF\xBD"},         // truncated at the end
      {"\xE2\x82\"", "\xEF\xBF\xBD\xEF\xBF\xBD\\\""},          // truncated before a quote
  };
  for (const auto& c : cases) {
    std::string out;
    text::append_json_escaped(out, c.in);
    BOOST_TEST(out == c.out);
    BOOST_TEST(text::json_quoted(c.in) == '"' + c.out + '"');
    BOOST_TEST(json_problem(text::json_quoted(c.in)).empty());
  }
  BOOST_TEST(text::is_valid_utf8("caf\xC3\xA9"));
  BOOST_TEST(!text::is_valid_utf8("caf\xE9"));
}

BOOST_AUTO_TEST_CASE(every_byte_string_gives_valid_json) {
  // All single bytes and pairs, then pseudo-random strings (fixed seed, bounded count).
  for (int a = 0; a < 256; ++a) {
    for (int b = 0; b < 256; ++b) {
      const std::string s{static_cast<char>(a), static_cast<char>(b)};
      const std::string q = text::json_quoted(s);
      if (!json_problem(q).empty()) BOOST_FAIL("bytes " << a << ' ' << b << ": " << json_problem(q));
    }
  }
  std::uint64_t x = 0x9E3779B97F4A7C15ull;
  for (int n = 0; n < 3000; ++n) {
    std::string s(static_cast<std::size_t>(n % 40), '\0');
    for (auto& ch : s) {
      x ^= x << 13, x ^= x >> 7, x ^= x << 17;
      ch = static_cast<char>(x >> 56);
    }
    const std::string q = text::json_quoted(s);
    rapidjson::Document d;
    d.Parse<rapidjson::kParseValidateEncodingFlag>(q.data(), q.size());
    BOOST_TEST_REQUIRE(!d.HasParseError());
    if (text::is_valid_utf8(s))  // valid text comes back unchanged
      BOOST_TEST((std::string(d.GetString(), d.GetStringLength()) == s));
  }
}

// An 837P whose CLM01, patient name, diagnosis code, procedure code and modifier carry bytes
// that are not UTF-8: every JSON output stays valid.
BOOST_AUTO_TEST_CASE(x12_with_invalid_utf8_in_every_json_output) {
  std::string x12 = slurp(std::string(CG_SOURCE_DIR) + "/conformance/cases/837p/clean-office-visit/input.x12");
  BOOST_TEST_REQUIRE(!x12.empty());
  auto inject = [&](const std::string& after, const std::string& bytes) {
    const auto at = x12.find(after);
    BOOST_TEST_REQUIRE(at != std::string::npos, after);
    x12.insert(at + after.size(), bytes);
  };
  inject("CLM*", "\xFF\xC3(\"\\");
  inject("NM1*IL*1*", "M\xFCLLER\xE9");
  inject("HI*ABK:", "\xE9");
  inject("SV1*HC:", "\xED\xA0\x80");

  std::vector<transforms::ClaimOutcome> outcomes;
  rules::Findings errors;
  const auto ruleset = rules::RuleSet::builtins();
  rules::RuleEnv env;
  env.today = *rules::parse_iso_date("2024-06-03");
  const auto summary = transforms::read_claims(
      x12, "bad-bytes.x12", {},
      [&](rules::Claim&& c, rules::Findings&& f) {
        auto v = ruleset->evaluate(c, env, std::move(f));
        outcomes.push_back({std::move(c), std::move(v)});
      },
      [&](rules::Finding&& f) { errors.push_back(std::move(f)); });
  BOOST_TEST_REQUIRE(outcomes.size() == 1u);
  const auto& claim = outcomes[0].claim;
  BOOST_TEST(claim.id.find('\xFF') != std::string::npos);  // the model keeps what was sent

  const std::string claim_json = transforms::claim_to_json(claim);
  BOOST_TEST(json_problem(claim_json).empty(), json_problem(claim_json) << ": " << claim_json);
  const std::string one = engine::claim_report_json(claim, outcomes[0].verdict);
  BOOST_TEST(json_problem(one).empty(), json_problem(one));
  const std::string report = engine::report_json(outcomes, errors, "bad-bytes.x12");
  BOOST_TEST(json_problem(report).empty(), json_problem(report));
  BOOST_TEST(report.find("\xEF\xBF\xBD\xEF\xBF\xBD(\\\"\\\\") != std::string::npos);  // CLM01 as written

  // A log line with such a value (logs never carry PHI; control numbers can still be bad bytes).
  char path[] = "/tmp/cg-log-XXXXXX";
  const int fd = ::mkstemp(path);
  BOOST_TEST_REQUIRE(fd >= 0);
  engine::log::configure(fd, engine::log::Level::Info);
  engine::log::Line(engine::log::Level::Info, "test").str("control_number", "00\xFF\x01");
  engine::log::configure(2, engine::log::Level::Info);
  ::close(fd);
  std::string line = slurp(path);
  ::unlink(path);
  BOOST_TEST_REQUIRE(!line.empty());
  line.pop_back();  // the newline
  BOOST_TEST(json_problem(line).empty(), json_problem(line));
  BOOST_TEST(line.find("\"control_number\":\"00\xEF\xBF\xBD\\u0001\"") != std::string::npos, line);

  // The text format (a terminal): the same fields, escaped the same way, one line per event.
  char text_path[] = "/tmp/cg-log-XXXXXX";
  const int tfd = ::mkstemp(text_path);
  BOOST_TEST_REQUIRE(tfd >= 0);
  engine::log::configure(tfd, engine::log::Level::Info);
  BOOST_TEST(engine::log::choose_format("text", tfd));
  engine::log::Line(engine::log::Level::Warn, "auth.failed")
      .str("reason", "unknown_api_key")
      .str("note", "two words\nand a line break")
      .num("status", 401)
      .list("control_numbers", {"000000101", ""});
  BOOST_TEST(!engine::log::choose_format("xml", tfd));
  BOOST_TEST(engine::log::choose_format("auto", tfd));  // a file is no terminal: JSON
  engine::log::Line(engine::log::Level::Info, "after");
  engine::log::configure(2, engine::log::Level::Info);
  ::close(tfd);
  const std::string text = slurp(text_path);
  ::unlink(text_path);
  const auto nl = text.find('\n');
  BOOST_TEST_REQUIRE(nl != std::string::npos);
  const std::string first = text.substr(0, nl);
  BOOST_TEST(first.size() > 28u);
  BOOST_TEST(first.substr(27) ==
                 " WARN  auth.failed reason=unknown_api_key note=\"two words\\nand a line break\" status=401 "
                 "control_numbers=[000000101,\"\"]",
             first);
  BOOST_TEST(text.substr(nl + 1, 9) == "{\"time\":\"");
  (void)summary;
}

BOOST_AUTO_TEST_SUITE_END()
