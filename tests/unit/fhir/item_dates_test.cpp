// Every FHIR item with its own servicedDate / servicedPeriod hands that date to its service line,
// with the FHIRPath of the date element the line's date comes from (rules check each diagnosis
// against the release in force on the date of every line pointing to it).
#include "fhir_test_util.hpp"

#include <boost/test/unit_test.hpp>

using namespace cg;
using namespace cg::fhir_test;

namespace {

std::string iso(const std::optional<rules::Date>& d) { return d ? d->iso() : "-"; }

std::string item(int seq, const std::string& date_member) {
  return R"({"sequence":)" + std::to_string(seq) +
         R"(,"diagnosisSequence":[1],"productOrService":{"coding":[{"system":"http://www.ama-assn.org/go/cpt","code":"99213"}]})" +
         (date_member.empty() ? "" : "," + date_member) + "}";
}

}  // namespace

BOOST_AUTO_TEST_SUITE(fhir_item_dates)

BOOST_AUTO_TEST_CASE(each_line_has_its_own_date_and_location) {
  // Out of order, across the 2024-10-01 release change, a period with only an end, one without
  // a date (the claim's billablePeriod decides it).
  const std::string items = "[" + item(1, R"("servicedDate":"2024-10-02")") + "," +
                            item(2, R"("servicedPeriod":{"start":"2024-09-30","end":"2024-10-01"})") + "," +
                            item(3, R"("servicedPeriod":{"end":"2024-09-15"})") + "," + item(4, "") + "]";
  const auto r = read(ClaimBuilder()
                          .set("billablePeriod", R"({"start":"2024-09-01","end":"2024-10-31"})")
                          .set("item", items)
                          .json());
  BOOST_TEST_REQUIRE(r.claims.size() == 1u);
  BOOST_TEST(r.findings[0].empty());
  const auto& l = r.claims[0].lines;
  BOOST_TEST_REQUIRE(l.size() == 4u);
  BOOST_TEST(iso(l[0].service_from) == "2024-10-02");
  BOOST_TEST(l[0].date_src.fhirpath == "Claim.item[0].servicedDate");
  BOOST_TEST(iso(l[1].service_from) == "2024-09-30");
  BOOST_TEST(iso(l[1].service_to) == "2024-10-01");
  BOOST_TEST(l[1].date_src.fhirpath == "Claim.item[1].servicedPeriod.start");
  BOOST_TEST(iso(l[2].service_from) == "-");
  BOOST_TEST(iso(l[2].service_to) == "2024-09-15");
  BOOST_TEST(l[2].date_src.fhirpath == "Claim.item[2].servicedPeriod.end");
  BOOST_TEST(!l[3].service_from.has_value());
  BOOST_TEST(l[3].date_src.fhirpath.empty());
  BOOST_TEST(iso(r.claims[0].date_from) == "2024-09-01");
  BOOST_TEST(iso(r.claims[0].date_to) == "2024-10-31");
}

BOOST_AUTO_TEST_CASE(claim_dates_from_the_lines_without_billable_period) {
  const std::string items = "[" + item(1, R"("servicedDate":"2024-10-02")") + "," +
                            item(2, R"("servicedPeriod":{"start":"2024-09-30","end":"2024-10-01"})") + "]";
  const auto r = read(ClaimBuilder().set("item", items).json());
  BOOST_TEST_REQUIRE(r.claims.size() == 1u);
  BOOST_TEST(iso(r.claims[0].date_from) == "2024-09-30");
  BOOST_TEST(iso(r.claims[0].date_to) == "2024-10-02");
}

BOOST_AUTO_TEST_CASE(bad_item_dates_are_findings_at_the_date) {
  const std::string items = "[" + item(1, R"("servicedDate":"2024-02-30")") + "," +
                            item(2, R"("servicedPeriod":{"start":"2024-10-05","end":"2024-10-01"})") + "]";
  const auto r = read(ClaimBuilder().set("item", items).json());
  BOOST_TEST_REQUIRE(r.claims.size() == 1u);
  const auto f = r.of(0, "fhir.value");
  BOOST_TEST_REQUIRE(f.size() == 2u);
  BOOST_TEST(f[0].src.fhirpath == "Claim.item[0].servicedDate");
  BOOST_TEST(f[0].line == 1);
  BOOST_TEST(f[1].src.fhirpath == "Claim.item[1].servicedPeriod.end");
  BOOST_TEST(f[1].message == "Claim.item[1].servicedPeriod.end: the period ends (2024-10-01) before it starts (2024-10-05)");
  BOOST_TEST(f[1].line == 2);
  BOOST_TEST(!r.claims[0].lines[0].service_from.has_value());  // never a guessed date
}

BOOST_AUTO_TEST_SUITE_END()
