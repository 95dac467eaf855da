// Values that cannot be written into an 837 (security review): X12 has no escape, so a claim
// value holding a delimiter (* : ^ ~) would split its element or segment and forge content
// (a FHIR Claim.identifier "A~NM1*PR*..." became a payer segment of its own), and a control
// character (NUL, LF ...) makes an interchange our own reader and payers refuse. Every such
// value, in every element the writer fills (simple elements and the components of composites:
// CLM, SV1/SV2/SV3 procedure and modifiers, TOO surfaces ...), is refused with a located
// convert.unmappable error and nothing is written; ordinary values still convert.
#include "transforms/claim_x12.hpp"
#include "transforms/input.hpp"

#include <boost/test/unit_test.hpp>

#include <filesystem>
#include <fstream>
#include <functional>
#include <sstream>

using namespace cg;

namespace {

std::vector<rules::Claim> claims_of(const char* example) {
  std::ifstream in(std::filesystem::path(CG_SOURCE_DIR) / "deploy/examples" / example, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  std::vector<rules::Claim> out;
  transforms::read_claims(
      s.str(), example, {}, [&](rules::Claim&& c, rules::Findings&&) { out.push_back(std::move(c)); },
      [](rules::Finding&&) {});
  BOOST_REQUIRE(!out.empty());
  return out;
}

struct Written {
  transforms::Conversion conv;
  std::string text;
};

Written write(const rules::Claim& c, const std::string& sender_id = "CLAIMGATE") {
  Written w;
  transforms::X12Stamp stamp;
  transforms::X12WriteOptions o;
  o.sender.id = sender_id;
  o.receiver.id = "PAYER";
  o.contact_phone = "6155550100";
  transforms::Claim837Writer writer(o, stamp, [&](std::string_view s) { w.text += s; });
  w.conv = writer.add(c);
  writer.finish();
  return w;
}

const std::string kHostile[] = {"A~NM1*PR*2*EVIL", "A*B", "A:B", "A^B", "A\nB", "A\rB", "A\tB",
                                std::string("A\0B", 3), "A\x1D" "B", "A\x7F" "B"};

// Each mutation sets one written value; every hostile value must be refused.
void refuses(const char* example, const char* what, const std::function<void(rules::Claim&, const std::string&)>& set) {
  const std::vector<rules::Claim> claims = claims_of(example);
  const rules::Claim& base = claims.front();
  BOOST_TEST_REQUIRE(write(base).conv.ok(), example << ": the unmodified claim converts");
  for (const std::string& bad : kHostile) {
    rules::Claim c = base;
    set(c, bad);
    const Written w = write(c);
    BOOST_TEST(!w.conv.ok(), what << " = '" << bad << "' was written: " << w.text);
    BOOST_TEST(w.text.empty(), what);
    bool unmappable = false;
    for (const auto& f : w.conv.errors) unmappable = unmappable || f.rule == "convert.unmappable";
    BOOST_TEST(unmappable, what);
  }
}

}  // namespace

BOOST_AUTO_TEST_SUITE(hostile_values)

BOOST_AUTO_TEST_CASE(claim_level_values_are_refused) {
  refuses("professional.x12", "CLM01", [](rules::Claim& c, const std::string& v) { c.id = v; });
  refuses("professional.x12", "CLM06", [](rules::Claim& c, const std::string& v) { c.details.provider_signature = v; });
  refuses("professional.x12", "CLM05-3", [](rules::Claim& c, const std::string& v) { c.frequency_code = v; });
  refuses("professional.x12", "NM103", [](rules::Claim& c, const std::string& v) { c.parties.subscriber.edit().last_or_org = v; });
  refuses("professional.x12", "REF*G1", [](rules::Claim& c, const std::string& v) { c.details.prior_authorization = v; });
  refuses("professional.x12", "HI", [](rules::Claim& c, const std::string& v) { c.diagnoses.front().code = v; });
}

BOOST_AUTO_TEST_CASE(line_values_and_composite_components_are_refused) {
  refuses("professional.x12", "SV101-2", [](rules::Claim& c, const std::string& v) { c.lines.front().procedure.code = v; });
  refuses("professional.x12", "SV101-3",
          [](rules::Claim& c, const std::string& v) { c.lines.front().procedure.modifiers = {"25", v}; });
  refuses("professional.x12", "SV103", [](rules::Claim& c, const std::string& v) { c.lines.front().unit_basis = v; });
  refuses("professional.x12", "SV105", [](rules::Claim& c, const std::string& v) { c.lines.front().place_of_service = v; });
  refuses("institutional.x12", "SV201", [](rules::Claim& c, const std::string& v) { c.lines.front().revenue_code = v; });
  refuses("dental.x12", "TOO02", [](rules::Claim& c, const std::string& v) {
    for (auto& l : c.lines) l.teeth = {rules::Tooth{v, {}}};
  });
  refuses("dental.x12", "TOO03", [](rules::Claim& c, const std::string& v) {
    for (auto& l : c.lines) l.teeth = {rules::Tooth{"3", {"M", v}}};
  });
}

BOOST_AUTO_TEST_CASE(envelope_identities_are_refused) {
  const rules::Claim c = claims_of("professional.x12").front();
  for (const std::string& bad : kHostile) {
    const Written w = write(c, bad);
    BOOST_TEST(!w.conv.ok(), "ISA06 '" << bad << "' was written: " << w.text);
    BOOST_TEST(w.text.empty());
  }
}

// Characters X12 can carry (the extended character set, and UTF-8 as payers' translators pass
// it through) are not refused.
BOOST_AUTO_TEST_CASE(ordinary_values_still_convert) {
  rules::Claim c = claims_of("professional.x12").front();
  c.id = "PCN-0042/B.7 (A)&'#";
  c.parties.subscriber.edit().last_or_org = "O'BRIEN-SMITH JR.";
  const Written w = write(c);
  BOOST_TEST(w.conv.ok());
  BOOST_TEST(w.text.find("CLM*PCN-0042/B.7 (A)&'#*") != std::string::npos);
}

BOOST_AUTO_TEST_SUITE_END()
