// Translation round trips (issue 14): for every 837 of the corpus copied into the project and for
// generated batches, X12 -> canonical -> FHIR Bundle -> canonical -> X12 837 -> canonical gives
// the same canonical claim (every field translation carries), and neither the FHIR nor the X12
// written has a reader error; FHIR -> X12 -> FHIR likewise for the FHIR corpus Claims that carry
// what an 837 needs. A claim that cannot be converted must say why with a location.
#include "tests/support/gen837.hpp"
#include "transforms/claim_fhir.hpp"
#include "transforms/claim_x12.hpp"
#include "transforms/code_systems.hpp"
#include "transforms/fhir_claims.hpp"
#include "transforms/input.hpp"

#include <boost/test/unit_test.hpp>

#include <filesystem>
#include <fstream>
#include <sstream>

using namespace cg;

namespace {

std::string slurp(const std::filesystem::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

struct Read {
  std::vector<rules::Claim> claims;
  std::size_t input_errors = 0;  // syntax findings (with a claim or not)
  std::vector<std::string> messages;
};

Read read(std::string_view bytes) {
  Read r;
  transforms::read_claims(
      bytes, "t", {},
      [&](rules::Claim&& c, rules::Findings&& f) {
        bool bad = false;
        for (const auto& x : f)
          if (x.rule.starts_with("x12.") || x.rule.starts_with("fhir.")) {
            bad = true;
            r.messages.push_back(x.rule + " " + x.src.render() + " " + x.message);
          }
        if (bad) ++r.input_errors;
        else r.claims.push_back(std::move(c));
      },
      [&](rules::Finding&& f) {
        ++r.input_errors;
        r.messages.push_back(f.rule + " " + f.message);
      });
  return r;
}

std::string qualifier(const rules::Procedure& p) {
  const std::string_view q = transforms::code_systems::line_procedure_qualifier(p);
  return q.empty() ? p.system : std::string(q);
}

// The canonical claim as translation must keep it: everything but locations, envelopes and
// the spelling of what has one meaning (code dots, the procedure system's name).
std::string canonical(const rules::Claim& c) {
  std::ostringstream o;
  auto date = [](const std::optional<rules::Date>& d) { return d ? d->iso() : std::string("-"); };
  auto party = [&](const char* what, const rules::Party& p) {
    if (p.empty()) return;
    o << what << ": " << p.person << '|' << p.last_or_org << '|' << p.first << '|' << p.middle << '|' << p.suffix
      << '|' << p.id_qualifier << '|' << p.id << '|' << p.tax_qualifier << '|' << p.tax_id << '|' << p.taxonomy
      << '|' << p.address1 << '|' << p.address2 << '|' << p.city << '|' << p.state << '|' << p.zip << '|'
      << p.country << '|' << date(p.birth_date) << '|' << (p.sex ? p.sex : '-') << '\n';
  };
  o << "claim " << c.id << ' ' << to_string(c.kind) << " payer=" << c.payer_id << " npi=" << c.billing_npi
    << " birth=" << date(c.birth_date) << " sex=" << (c.sex ? c.sex : '-') << " dates=" << date(c.date_from) << ".."
    << date(c.date_to) << " freq=" << c.frequency_code << " fac=" << c.facility_code << " total=" << c.total.to_string()
    << '\n';
  for (const auto& d : c.diagnoses)
    o << "dx " << d.position << ' ' << d.code << ' ' << to_string(d.system) << ' ' << to_string(d.role) << ' '
      << (d.poa ? d.poa : '-') << '\n';
  for (const auto& p : c.procedures)
    o << "proc " << p.position << ' ' << p.code << ' ' << to_string(p.system) << ' ' << to_string(p.role) << ' '
      << date(p.date) << '\n';
  for (const auto& l : c.lines) {
    const std::string& pos = l.place_of_service.empty() && c.kind != rules::ClaimKind::Institutional
                                 ? c.facility_code
                                 : l.place_of_service;
    o << "line " << l.number << ' ' << qualifier(l.procedure) << ':'
      << l.procedure.code;
    for (const auto& m : l.procedure.modifiers) o << ':' << m;
    o << " rev=" << l.revenue_code << " charge=" << l.charge.to_string() << " units="
      << (l.units ? std::to_string(*l.units) : "-") << " basis=" << l.unit_basis << " pos=" << pos
      << " dates=" << date(l.service_from) << ".." << date(l.service_to) << " ptrs=";
    for (const auto& p : l.pointers) o << p.value << ',';
    for (const auto& t : l.teeth) {
      o << " tooth=" << t.code;
      for (const auto& s : t.surfaces) o << ':' << s;
    }
    o << '\n';
  }
  party("billing", c.parties.billing);
  party("rendering", c.parties.rendering);
  party("attending", c.parties.attending);
  party("referring", c.parties.referring);
  party("facility", c.parties.facility);
  party("subscriber", c.parties.subscriber);
  party("patient", c.parties.patient);
  party("payer", c.parties.payer);
  const auto& d = c.details;
  o << "details " << d.payer_responsibility << '|' << d.relationship << '|' << d.group_number << '|'
    << d.filing_indicator << '|' << d.provider_signature << '|' << d.assignment << '|'
    << d.benefits_assignment << '|' << d.release_of_info << '|' << date(d.created) << '|' << d.original_reference
    << '|' << d.prior_authorization << '|' << date(d.admission_date) << '|' << d.admission_type << '|'
    << d.admission_source << '|' << d.patient_status << '\n';
  for (const auto& ic : d.codes)
    o << "code " << ic.qualifier << ' ' << ic.code << ' ' << date(ic.from) << ".." << date(ic.to) << ' '
      << ic.amount.to_string() << '\n';
  return o.str();
}

std::string to_x12(const rules::Claim& c, transforms::Conversion& conv) {
  std::string out;
  transforms::X12Stamp stamp;
  transforms::X12WriteOptions o;
  o.sender.id = "CLAIMGATE";
  o.sender.name = "CLAIMGATE";
  o.receiver.id = "PAYER";
  o.receiver.name = "PAYER";
  o.contact_phone = "6155550100";
  transforms::Claim837Writer w(o, stamp, [&](std::string_view s) { out += s; });
  conv = w.add(c);
  w.finish();
  return out;
}

struct Tally {
  std::size_t claims = 0, fhir_ok = 0, x12_ok = 0, not_convertible = 0;
};

// X12 claim -> FHIR -> canonical, and -> X12 -> canonical: equal to the original, or a located
// reason why it cannot be converted.
void round_trip_x12(const rules::Claim& c, const std::string& where, Tally& t) {
  ++t.claims;
  const std::string want = canonical(c);
  const transforms::Conversion f = transforms::claim_to_fhir(c, transforms::FhirBundleType::Collection);
  if (!f.ok()) {
    ++t.not_convertible;
    for (const auto& e : f.errors) {
      BOOST_TEST(!e.src.empty(), where << ": unlocated error " << e.message);
      BOOST_TEST_MESSAGE(where << ": not written as FHIR: " << e.src.render() << ": " << e.message);
    }
    return;
  }
  const Read back = read(f.text);
  BOOST_TEST_REQUIRE(back.input_errors == 0u, where << ": the FHIR written does not read back: "
                                                    << (back.messages.empty() ? "" : back.messages[0]));
  BOOST_TEST_REQUIRE(back.claims.size() == 1u);
  BOOST_TEST(canonical(back.claims[0]) == want, where << " X12 -> FHIR\n" << canonical(back.claims[0]) << "\nwant\n" << want);
  ++t.fhir_ok;
  transforms::Conversion x;
  const std::string x12 = to_x12(back.claims[0], x);
  if (!x.ok()) {
    ++t.not_convertible;
    for (const auto& e : x.errors) BOOST_TEST_MESSAGE(where << ": not written as X12: " << e.message);
    return;
  }
  const Read again = read(x12);
  BOOST_TEST_REQUIRE(again.input_errors == 0u, where << ": the X12 written does not read back: "
                                                     << (again.messages.empty() ? "" : again.messages[0]) << "\n"
                                                     << x12);
  BOOST_TEST_REQUIRE(again.claims.size() == 1u);
  BOOST_TEST(canonical(again.claims[0]) == want, where << " X12 -> FHIR -> X12\n" << canonical(again.claims[0]) << "\nwant\n" << want);
  ++t.x12_ok;
}

}  // namespace

BOOST_AUTO_TEST_CASE(every_corpus_837_round_trips) {
  Tally t;
  std::vector<std::filesystem::path> dirs{std::filesystem::path(CG_SOURCE_DIR) / "conformance/x12/corpus"};
  // The whole shared corpus too, when it is there (a clone has only the copy above).
  for (const char* kind : {"837p", "837i", "837d"})
    if (const auto d = std::filesystem::path(CG_SHARED_DIR) / "corpus/x12" / kind; std::filesystem::is_directory(d))
      dirs.push_back(d);
  for (const auto& dir : dirs) {
    for (const auto& e : std::filesystem::directory_iterator(dir)) {
      const std::string name = e.path().filename().string();
      if (name.ends_with(".md") || name.ends_with(".tsv")) continue;
      const Read r = read(slurp(e.path()));
      for (const auto& c : r.claims) round_trip_x12(c, name + " claim " + c.id, t);
    }
  }
  BOOST_TEST_MESSAGE("corpus: " << t.claims << " claims, " << t.fhir_ok << " to FHIR and back, " << t.x12_ok
                                << " to X12 and back, " << t.not_convertible << " not convertible (located)");
  BOOST_TEST(t.claims > 40u);
  BOOST_TEST(t.fhir_ok * 10 >= t.claims * 9);  // X12 -> FHIR for nearly all (the rest: located reasons)
  BOOST_TEST(t.x12_ok > 0u);
}

BOOST_AUTO_TEST_CASE(generated_claims_round_trip) {
  Tally t;
  for (auto kind : {test::Gen837::Kind::Professional, test::Gen837::Kind::Institutional}) {
    for (std::uint64_t seed = 1; seed <= 5; ++seed) {
      test::Gen837 g(kind, seed);
      std::string bytes;
      g.begin(bytes, 7);
      for (int i = 0; i < 40; ++i) g.claim(bytes);
      g.end(bytes);
      const Read r = read(bytes);
      BOOST_TEST_REQUIRE(r.input_errors == 0u);
      for (const auto& c : r.claims) round_trip_x12(c, "generated seed " + std::to_string(seed) + " " + c.id, t);
    }
  }
  BOOST_TEST(t.claims == 400u);
  BOOST_TEST(t.x12_ok == t.claims);
}
