#define BOOST_TEST_MODULE claimgate
#include <boost/test/unit_test.hpp>
