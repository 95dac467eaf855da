// Control numbers (engine/delivery/control_numbers.hpp): unique per sender identity, durable
// across runs, never reused after a crash or by a second process sharing the directory.
#include "engine/delivery/control_numbers.hpp"
#include "tests/unit/engine/scratch_dir.hpp"

#include <boost/test/unit_test.hpp>

#include <filesystem>
#include <fstream>
#include <set>
#include <thread>

#include <sys/stat.h>

namespace fs = std::filesystem;
using namespace cg::engine;

namespace {

using cg::test::fresh_dir;

std::string slurp(const std::string& p) {
  std::ifstream in(p);
  std::string s;
  std::getline(in, s);
  return s;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(control_numbers)

BOOST_AUTO_TEST_CASE(consecutive_per_identity_and_continued_by_the_next_run) {
  const fs::path dir = fresh_dir("cn-runs");
  {
    auto cn = ControlNumbers::durable(dir.string());
    BOOST_TEST(cn->next("ZZ", "CLAIMGATE") == 1u);
    BOOST_TEST(cn->next("ZZ", "CLAIMGATE") == 2u);
    BOOST_TEST(cn->next("ZZ", "OTHER") == 1u);
    BOOST_TEST(cn->next("01", "CLAIMGATE") == 1u);  // another qualifier is another identity
    BOOST_TEST(cn->next("ZZ", "CLAIMGATE") == 3u);
  }
  auto again = ControlNumbers::durable(dir.string(), 64);
  BOOST_TEST(again->next("ZZ", "CLAIMGATE") == 4u);
  BOOST_TEST(again->next("ZZ", "OTHER") == 2u);
  again->close();  // a clean end writes back the exact next number: no gap
  BOOST_TEST(slurp(again->state_file("ZZ", "CLAIMGATE")) == "5");
  BOOST_TEST(ControlNumbers::durable(dir.string())->next("ZZ", "CLAIMGATE") == 5u);
}

BOOST_AUTO_TEST_CASE(a_crash_leaves_a_gap_never_a_repeat) {
  const fs::path dir = fresh_dir("cn-crash");
  auto first = ControlNumbers::durable(dir.string(), 64);
  BOOST_TEST(first->next("ZZ", "CLAIMGATE") == 1u);
  BOOST_TEST(first->next("ZZ", "CLAIMGATE") == 2u);
  // What is on disk before any clean end covers every number handed out.
  BOOST_TEST(slurp(first->state_file("ZZ", "CLAIMGATE")) == "65");
  // A second process (or the restarted server after a crash) starts after the reservation...
  auto second = ControlNumbers::durable(dir.string(), 1);
  BOOST_TEST(second->next("ZZ", "CLAIMGATE") == 65u);
  // ... and the first one's clean end must not lower the state below the second's numbers.
  BOOST_TEST(first->next("ZZ", "CLAIMGATE") == 3u);
  first->close();
  second->close();
  BOOST_TEST(ControlNumbers::durable(dir.string())->next("ZZ", "CLAIMGATE") == 66u);
}

BOOST_AUTO_TEST_CASE(numbers_wrap_after_nine_digits) {
  const fs::path dir = fresh_dir("cn-wrap");
  auto cn = ControlNumbers::durable(dir.string());
  std::ofstream(cn->state_file("ZZ", "X")) << "999999999\n";
  BOOST_TEST(cn->next("ZZ", "X") == 999999999u);
  BOOST_TEST(cn->next("ZZ", "X") == 1u);
}

BOOST_AUTO_TEST_CASE(a_range_has_its_own_state_and_wraps_within_itself) {
  const fs::path dir = fresh_dir("cn-range");
  auto whole = ControlNumbers::durable(dir.string(), 64);
  auto range = ControlNumbers::durable(dir.string(), 64, 700, 702);  // a block larger than the range
  BOOST_TEST(range->state_file("ZZ", "X") == whole->state_file("ZZ", "X") + "+700+702");
  BOOST_TEST(range->next("ZZ", "X") == 700u);
  BOOST_TEST(range->next("ZZ", "X") == 701u);
  BOOST_TEST(range->next("ZZ", "X") == 702u);
  BOOST_TEST(range->next("ZZ", "X") == 700u);
  BOOST_TEST(whole->next("ZZ", "X") == 1u);
  std::ofstream(range->state_file("ZZ", "Y")) << "12\n";  // outside the range: not a guess
  BOOST_CHECK_THROW((void)range->next("ZZ", "Y"), ControlNumberError);
  BOOST_CHECK_THROW(ControlNumbers::durable(dir.string(), 1, 0, 5), ControlNumberError);
  BOOST_CHECK_THROW(ControlNumbers::durable(dir.string(), 1, 9, 5), ControlNumberError);
  BOOST_CHECK_THROW(ControlNumbers::durable(dir.string(), 1, 1, 1'000'000'000), ControlNumberError);
}

BOOST_AUTO_TEST_CASE(a_damaged_state_file_is_an_error_not_a_guess) {
  const fs::path dir = fresh_dir("cn-damaged");
  auto cn = ControlNumbers::durable(dir.string());
  std::ofstream(cn->state_file("ZZ", "X")) << "12x\n";
  BOOST_CHECK_EXCEPTION((void)cn->next("ZZ", "X"), ControlNumberError, [](const ControlNumberError& e) {
    return std::string(e.what()).find("is damaged") != std::string::npos;
  });
}

// A FIFO (or another file that never ends) in place of a state file: an error, not a hang.
BOOST_AUTO_TEST_CASE(a_fifo_as_state_file_is_an_error_not_a_hang) {
  const fs::path dir = fresh_dir("cn-fifo");
  auto cn = ControlNumbers::durable(dir.string());
  BOOST_TEST_REQUIRE(::mkfifo(cn->state_file("ZZ", "X").c_str(), 0600) == 0);
  BOOST_CHECK_EXCEPTION((void)cn->next("ZZ", "X"), ControlNumberError, [](const ControlNumberError& e) {
    return std::string(e.what()).find("is damaged") != std::string::npos;
  });
}

// The 999/TA1 go out under the identity the submitter's ISA08 named: a hostile sender varying it
// must not get a state file per interchange. Beyond kMaxIdentities files, new identities share
// one pool; identities with a file keep theirs; no number is handed out twice.
BOOST_AUTO_TEST_CASE(identities_beyond_the_limit_share_one_pool) {
  const fs::path dir = fresh_dir("cn-many");
  auto cn = ControlNumbers::durable(dir.string());
  for (std::size_t i = 0; i < ControlNumbers::kMaxIdentities - 1; ++i)
    std::ofstream(cn->state_file("ZZ", "OLD" + std::to_string(i))) << "5\n";
  BOOST_TEST(cn->next("ZZ", "LAST") == 1u);  // the limit's last own file
  BOOST_TEST(fs::exists(cn->state_file("ZZ", "LAST")));
  std::set<std::uint64_t> pool;
  for (int i = 0; i < 50; ++i) {
    const std::string id = "HOSTILE" + std::to_string(i);
    BOOST_TEST(pool.insert(cn->next("ZZ", id)).second);
    BOOST_TEST(!fs::exists(cn->state_file("ZZ", id)), id << " got a state file");
    BOOST_TEST(!fs::exists(cn->state_file("ZZ", id) + ".lock"), id << " got a lock file");
  }
  BOOST_TEST(cn->next("ZZ", "OLD7") == 5u);  // its own file, as before
  BOOST_TEST(cn->next("ZZ", "LAST") == 2u);
  std::size_t files = 0;
  for (const auto& e : fs::directory_iterator(dir)) files += e.path().extension() == ".lock" ? 0 : 1;
  BOOST_TEST(files == ControlNumbers::kMaxIdentities + 1);  // the identities' and the pool's
  // A second process (or a restart) on the full directory continues the pool.
  cn->close();
  auto again = ControlNumbers::durable(dir.string());
  BOOST_TEST(pool.insert(again->next("ZZ", "HOSTILE0")).second);
  BOOST_TEST(pool.insert(again->next("ZZ", "NEWCOMER")).second);
}

BOOST_AUTO_TEST_CASE(identities_never_share_a_file) {
  const fs::path dir = fresh_dir("cn-names");
  auto cn = ControlNumbers::durable(dir.string());
  BOOST_TEST(cn->state_file("ZZ", "A B") != cn->state_file("ZZ", "A_B"));
  BOOST_TEST(cn->state_file("ZZ", "A-B") != cn->state_file("ZZ-A", "B"));
  BOOST_TEST(cn->state_file("ZZ", "../x").find("/../") == std::string::npos);
}

BOOST_AUTO_TEST_CASE(threads_never_get_the_same_number) {
  const fs::path dir = fresh_dir("cn-threads");
  auto cn = ControlNumbers::durable(dir.string(), 8);
  std::vector<std::vector<std::uint64_t>> got(4);
  std::vector<std::thread> ts;
  for (int t = 0; t < 4; ++t)
    ts.emplace_back([&, t] {
      for (int i = 0; i < 200; ++i) got[static_cast<std::size_t>(t)].push_back(cn->next("ZZ", "CLAIMGATE"));
    });
  for (auto& t : ts) t.join();
  std::set<std::uint64_t> all;
  for (const auto& v : got) all.insert(v.begin(), v.end());
  BOOST_TEST(all.size() == 800u);
}

BOOST_AUTO_TEST_CASE(counting_from_a_start_persists_nothing) {
  auto cn = ControlNumbers::counting_from(7001);
  BOOST_TEST(cn->next("ZZ", "A") == 7001u);
  BOOST_TEST(cn->next("ZZ", "A") == 7002u);
  BOOST_TEST(cn->next("ZZ", "B") == 7001u);
  BOOST_CHECK_THROW(ControlNumbers::counting_from(0), ControlNumberError);
}

BOOST_AUTO_TEST_SUITE_END()
