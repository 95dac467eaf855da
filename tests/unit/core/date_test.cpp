#include "rulesets/core/claim.hpp"
#include "rulesets/core/date.hpp"

#include <boost/test/unit_test.hpp>

using namespace cg::rules;

BOOST_AUTO_TEST_SUITE(core_date)

BOOST_AUTO_TEST_CASE(d8_accepts_real_dates_only) {
  BOOST_TEST(parse_d8("20240229").has_value());
  BOOST_TEST(!parse_d8("20230229").has_value());
  BOOST_TEST(!parse_d8("20241341").has_value());
  BOOST_TEST(!parse_d8("2024011").has_value());
  BOOST_TEST(!parse_d8("2024O101").has_value());
  BOOST_TEST(parse_d8("20211001")->iso() == "2021-10-01");
}

BOOST_AUTO_TEST_CASE(iso_date_and_datetime_prefix) {
  BOOST_TEST(parse_iso_date("2021-10-01")->iso() == "2021-10-01");
  BOOST_TEST(parse_iso_date("2021-10-01T10:00:00Z")->iso() == "2021-10-01");
  BOOST_TEST(!parse_iso_date("2021-10").has_value());
  BOOST_TEST(!parse_iso_date("2021-02-30").has_value());
}

BOOST_AUTO_TEST_CASE(days_round_trip) {
  for (int z = -800000; z < 800000; z += 37) BOOST_TEST_REQUIRE(Date::from_days(z).days() == z);
  BOOST_TEST(parse_iso_date("1970-01-01")->days() == 0);
  BOOST_TEST(parse_iso_date("2015-10-01")->days() == 16709);
}

BOOST_AUTO_TEST_CASE(age) {
  const Date b = *parse_iso_date("2000-03-15");
  BOOST_TEST(age_in_years(b, *parse_iso_date("2024-03-14")) == 23);
  BOOST_TEST(age_in_years(b, *parse_iso_date("2024-03-15")) == 24);
  BOOST_TEST(age_in_years(b, *parse_iso_date("1999-01-01")) == -1);
}

BOOST_AUTO_TEST_CASE(amounts_are_exact) {
  BOOST_TEST(parse_amount("125")->units == 1250000);
  BOOST_TEST(parse_amount("125.5")->units == 1255000);
  BOOST_TEST(parse_amount("-3.50")->units == -35000);
  BOOST_TEST(parse_amount(".5")->units == 5000);
  BOOST_TEST(!parse_amount("1.23456").has_value());
  BOOST_TEST(!parse_amount("12a").has_value());
  BOOST_TEST(!parse_amount("").has_value());
  BOOST_TEST(!parse_amount("-").has_value());
  BOOST_TEST(parse_amount("100.10")->to_string() == "100.1");
  BOOST_TEST(parse_amount("-0.05")->to_string() == "-0.05");
}

BOOST_AUTO_TEST_CASE(normalize) {
  BOOST_TEST(normalize_code(" m54.50 ") == "M5450");
  BOOST_TEST(normalize_code("M5450") == "M5450");
}

BOOST_AUTO_TEST_SUITE_END()
