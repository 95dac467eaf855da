// engine/ids: the one id source of every front end. Ids are "<32 hex digits>-<n>" and never
// repeat within a process; the pipeline draws from it when the front end names no prefix (the
// CLI, the C ABI), so two calls never answer with the same resource id.
#include "engine/ids.hpp"
#include "engine/pipeline.hpp"

#include <boost/test/unit_test.hpp>
#include <rapidjson/document.h>

#include <fstream>
#include <set>
#include <sstream>

using namespace cg;
using namespace cg::engine;

BOOST_AUTO_TEST_CASE(unique_ids_are_a_random_process_id_and_a_counter) {
  BOOST_TEST(process_id().size() == 32u);
  BOOST_TEST(process_id().find_first_not_of("0123456789abcdef") == std::string::npos);
  std::set<std::string> seen;
  for (int i = 0; i < 1000; ++i) BOOST_TEST(seen.insert(unique_id()).second);
  const std::uint64_t n = next_id_number();
  BOOST_TEST(next_id_number() > n);
  BOOST_TEST(unique_id(n) == process_id() + "-" + std::to_string(n));
}

BOOST_AUTO_TEST_CASE(the_pipeline_answers_with_fresh_ids_when_no_prefix_is_given) {
  std::ifstream in(CG_SOURCE_DIR "/conformance/cases/fhir/clean-professional/input.json", std::ios::binary);
  std::ostringstream ss;
  ss << in.rdbuf();
  const Pipeline p{PipelineOptions{}};
  std::set<std::string> ids;
  for (const FhirOperation op : {FhirOperation::Validate, FhirOperation::Validate, FhirOperation::Create,
                                 FhirOperation::Batch, FhirOperation::Batch}) {
    const FhirResult r = p.process_fhir(ss.str(), op, "S1", rules::Date{2026, 1, 2}, "2026-01-02T00:00:00Z");
    rapidjson::Document d;
    d.Parse(r.body.data(), r.body.size());  // with its length: no SSE4.2 read past the end
    BOOST_TEST_REQUIRE((d.IsObject() && d.HasMember("id")));
    const std::string id = d["id"].GetString();
    BOOST_TEST(id.rfind(process_id(), 0) == 0u);
    BOOST_TEST(ids.insert(id).second, "repeated id " << id);
    for (const auto& f : r.forward) BOOST_TEST(f.key.empty());  // keys only when the server asks
  }
  // An explicit prefix with entry keys (the server): the queued claim's key is its answer's id.
  const FhirResult r =
      p.process_fhir(ss.str(), FhirOperation::Create, "S1", rules::Date{2026, 1, 2}, {}, "request", "req-9", true);
  BOOST_TEST_REQUIRE(r.forward.size() == 1u);
  BOOST_TEST(r.forward.front().key == "req-9-1");
}
