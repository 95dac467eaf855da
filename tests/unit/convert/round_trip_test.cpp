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
  party("billing", *c.parties.billing);
  party("rendering", *c.parties.rendering);
  party("attending", *c.parties.attending);
  party("referring", *c.parties.referring);
  party("facility", *c.parties.facility);
  party("subscriber", *c.parties.subscriber);
  party("patient", *c.parties.patient);
  party("payer", *c.parties.payer);
  const auto& d = c.details;
  o << "details " << d.payer_responsibility << '|' << d.relationship << '|' << d.group_number << '|'
    << d.filing_indicator << '|' << d.provider_signature << '|' << d.assignment << '|'
    << d.benefits_assignment << '|' << d.release_of_info << '|' << date(d.created) << '|' << d.created_time << '|' << d.original_reference
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

namespace {

// An 837I with what the corpus lacks: ICD-10-PCS procedures (HI BBR / BBQ), POA indicators,
// admitting and external-cause diagnoses, occurrence / value / condition codes, an admission date,
// attending and rendering providers and a patient who is not the subscriber.
constexpr std::string_view kInstitutional =
    "ISA*00*          *00*          *ZZ*HOSPITAL       *ZZ*PAYER          *240301*1200*^*00501*000000001*0*P*:~"
    "GS*HC*HOSPITAL*PAYER*20240301*1200*1*X*005010X223A2~ST*837*0001*005010X223A2~"
    "BHT*0019*00*0001*20240301*1200*CH~NM1*41*2*GENERAL HOSPITAL*****46*HOSPITAL~PER*IC*BILLING*TE*6155550100~"
    "NM1*40*2*PAYER*****46*PAYER~HL*1**20*1~PRV*BI*PXC*282N00000X~NM1*85*2*GENERAL HOSPITAL*****XX*1234567893~"
    "N3*1 HOSPITAL DRIVE~N4*NASHVILLE*TN*372031234~REF*EI*621234567~HL*2*1*22*1~SBR*P**GRP100******CI~"
    "NM1*IL*1*SMITH*JOHN****MI*W123456789~N3*12 OAK AVENUE~N4*NASHVILLE*TN*372111186~DMG*D8*19600101*M~"
    "NM1*PR*2*ACME HEALTH*****PI*87726~HL*3*2*23*0~PAT*19~NM1*QC*1*SMITH*ANNA~N3*12 OAK AVENUE~"
    "N4*NASHVILLE*TN*372111186~DMG*D8*20100505*F~CLM*INST-1*1500***11:A:1**A*Y*Y~DTP*434*RD8*20240210-20240214~"
    "DTP*435*D8*20240210~CL1*1*7*01~REF*G1*AUTH77~HI*ABK:K3580:::::::Y~HI*ABJ:R1031~HI*ABN:W010XXA:::::::N~"
    "HI*ABF:E119:::::::Y*ABF:I10:::::::U~HI*BBR:0DTJ4ZZ:D8:20240211~HI*BBQ:0DB64Z3:D8:20240212*BBQ:5A1955Z:D8:20240212~"
    "HI*BH:11:D8:20240209~HI*BI:74:RD8:20240201-20240205~HI*BE:80:::4~HI*BG:41~NM1*71*1*JONES*MARY****XX*1234567893~"
    "PRV*AT*PXC*207Q00000X~NM1*82*1*BROWN*PAUL****XX*1234567893~LX*1~SV2*0120*HC:99223:25*1000*UN*4~"
    "DTP*472*RD8*20240210-20240213~LX*2~SV2*0250**500*UN*10~SE*48*0001~GE*1*1~IEA*1*000000001~";

// An 837D line with one tooth and surfaces, and a line of another tooth.
constexpr std::string_view kDental =
    "ISA*00*          *00*          *ZZ*DENTIST        *ZZ*PAYER          *240301*1200*^*00501*000000002*0*P*:~"
    "GS*HC*DENTIST*PAYER*20240301*1200*2*X*005010X224A2~ST*837*0001*005010X224A2~"
    "BHT*0019*00*0001*20240301*1200*CH~NM1*41*2*SMILE DENTAL*****46*DENTIST~PER*IC*FRONT DESK*TE*6155550101~"
    "NM1*40*2*PAYER*****46*PAYER~HL*1**20*1~NM1*85*2*SMILE DENTAL*****XX*1234567893~N3*5 MAIN ST~"
    "N4*NASHVILLE*TN*372031234~REF*EI*621234567~HL*2*1*22*0~SBR*P*18*GRP7******CI~"
    "NM1*IL*1*DOE*JANE****MI*D987654~N3*9 ELM ST~N4*NASHVILLE*TN*372111186~DMG*D8*19850202*F~"
    "NM1*PR*2*DENTAL PLAN*****PI*61101~CLM*DENT-1*250***11:B:7*Y*A*Y*Y~REF*F8*ORIG555~HI*ABK:K0252~"
    "LX*1~SV3*AD:D2392*150****1~TOO*JP*3*M:O~DTP*472*D8*20240215~LX*2~SV3*AD:D1110*100****1~TOO*JP*14~"
    "DTP*472*D8*20240215~SE*29*0001~GE*1*2~IEA*1*000000002~";

// FHIR -> X12 -> FHIR: the FHIR claim, the claim of the X12 written from it and the claim of
// the FHIR written from that are one canonical claim.
void round_trip_fhir(const std::string& fhir, const std::string& where) {
  const Read first = read(fhir);
  BOOST_TEST_REQUIRE(first.input_errors == 0u, where << ": " << (first.messages.empty() ? "" : first.messages[0]));
  for (const auto& c : first.claims) {
    transforms::Conversion x;
    const std::string x12 = to_x12(c, x);
    BOOST_TEST_REQUIRE(x.ok(), where << ": " << (x.errors.empty() ? "" : x.errors[0].message));
    const Read mid = read(x12);
    BOOST_TEST_REQUIRE(mid.input_errors == 0u, where << ": " << (mid.messages.empty() ? "" : mid.messages[0]));
    BOOST_TEST(canonical(mid.claims.at(0)) == canonical(c), where << " FHIR -> X12");
    const transforms::Conversion f = transforms::claim_to_fhir(mid.claims.at(0), transforms::FhirBundleType::Batch);
    BOOST_TEST_REQUIRE(f.ok());
    const Read last = read(f.text);
    BOOST_TEST_REQUIRE(last.input_errors == 0u, where << ": " << (last.messages.empty() ? "" : last.messages[0]));
    BOOST_TEST(canonical(last.claims.at(0)) == canonical(c), where << " FHIR -> X12 -> FHIR");
  }
}

}  // namespace

BOOST_AUTO_TEST_CASE(institutional_procedures_codes_and_parties_round_trip) {
  const Read r = read(kInstitutional);
  BOOST_TEST_REQUIRE(r.input_errors == 0u, (r.messages.empty() ? "" : r.messages[0]));
  const rules::Claim& c = r.claims.at(0);
  BOOST_TEST(c.procedures.size() == 3u);
  BOOST_TEST(c.details.codes.size() == 4u);
  BOOST_TEST(c.parties.patient->first == "ANNA");
  BOOST_TEST(c.parties.attending->taxonomy == "207Q00000X");
  BOOST_TEST(c.x12.unmapped.empty());
  Tally t;
  round_trip_x12(c, "837I sample", t);
  BOOST_TEST(t.x12_ok == 1u);
  const transforms::Conversion f = transforms::claim_to_fhir(c, transforms::FhirBundleType::Collection);
  BOOST_TEST(f.text.find("\"procedure\":[{\"sequence\":1,\"type\":[{\"coding\":[{\"system\":\"http://terminology.hl7.org/"
                         "CodeSystem/ex-procedure-type\",\"code\":\"primary\"}]}],\"date\":\"2024-02-11\"") !=
             std::string::npos);
  round_trip_fhir(f.text, "837I sample as FHIR");
}

BOOST_AUTO_TEST_CASE(dental_teeth_and_replacement_round_trip) {
  const Read r = read(kDental);
  BOOST_TEST_REQUIRE(r.input_errors == 0u, (r.messages.empty() ? "" : r.messages[0]));
  const rules::Claim& c = r.claims.at(0);
  BOOST_TEST_REQUIRE(c.lines.size() == 2u);
  BOOST_TEST(c.lines[0].teeth.at(0).surfaces.size() == 2u);
  BOOST_TEST(c.details.original_reference == "ORIG555");
  Tally t;
  round_trip_x12(c, "837D sample", t);
  BOOST_TEST(t.x12_ok == 1u);
  round_trip_fhir(transforms::claim_to_fhir(c, transforms::FhirBundleType::Collection).text, "837D sample as FHIR");
}

// BHT05: the original's creation time survives X12 -> X12 and X12 -> FHIR -> X12 (the x12-claim
// extension 'BHT05'); a claim without one gets the time the set is written (the stamp's), and a
// value that is not an X12 time is refused, not written.
BOOST_AUTO_TEST_CASE(the_original_creation_time_is_kept_and_none_is_made_up) {
  const Read r = read(kDental);
  BOOST_TEST_REQUIRE(r.claims.size() == 1u);
  BOOST_TEST(r.claims[0].details.created_time == "1200");
  transforms::Conversion x;
  BOOST_TEST(to_x12(r.claims[0], x).find("BHT*0019*00*0001*20240301*1200*CH~") != std::string::npos);
  const transforms::Conversion f = transforms::claim_to_fhir(r.claims[0], transforms::FhirBundleType::Collection);
  BOOST_TEST_REQUIRE(f.ok());
  BOOST_TEST(f.text.find(R"({"url":"BHT05","valueString":"1200"})") != std::string::npos);
  const Read back = read(f.text);
  BOOST_TEST_REQUIRE(back.claims.size() == 1u);
  BOOST_TEST(to_x12(back.claims[0], x).find("BHT*0019*00*0001*20240301*1200*CH~") != std::string::npos);

  std::string no_time = f.text;
  const std::string bht05 = R"({"url":"BHT05","valueString":"1200"},)";
  BOOST_TEST_REQUIRE(no_time.find(bht05) != std::string::npos);
  no_time.erase(no_time.find(bht05), bht05.size());
  const Read plain = read(no_time);
  BOOST_TEST_REQUIRE(plain.claims.size() == 1u);
  BOOST_TEST(plain.claims[0].details.created_time.empty());
  BOOST_TEST(to_x12(plain.claims[0], x).find("BHT*0019*00*0001*20240301*0000*CH~") != std::string::npos);  // the stamp's time

  rules::Claim odd = back.claims[0];
  odd.details.created_time = "12";
  to_x12(odd, x);
  BOOST_TEST_REQUIRE(x.errors.size() == 1u);
  BOOST_TEST(x.errors[0].rule == "convert.unmappable");
  BOOST_TEST(x.errors[0].message.find("BHT05") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(what_fhir_cannot_hold_is_refused_with_a_location) {
  // Two teeth on one 837D line: one FHIR item has one bodySite.
  std::string two = std::string(kDental);
  two.replace(two.find("TOO*JP*3*M:O~"), 13, "TOO*JP*3*M:O~TOO*JP*4~");
  two.replace(two.find("SE*29"), 5, "SE*30");
  const Read r = read(two);
  BOOST_TEST_REQUIRE(r.claims.size() == 1u);
  const transforms::Conversion f = transforms::claim_to_fhir(r.claims[0], transforms::FhirBundleType::Collection);
  BOOST_TEST_REQUIRE(f.errors.size() == 1u);
  BOOST_TEST(f.text.empty());
  BOOST_TEST(f.errors[0].rule == "convert.unmappable");
  BOOST_TEST(f.errors[0].src.x12.render() == "seg 21 LX01 (loop 2400)");
}

// Property: generated claims given random optional content the generator does not write
// (rendering, referring and facility providers, a dependent patient, modifiers, line places of
// service, a replacement claim's original reference, a prior authorization, an admission date,
// institutional codes and procedures, multi-day lines) go canonical -> X12 -> canonical ->
// FHIR -> canonical unchanged.
BOOST_AUTO_TEST_CASE(random_optional_content_round_trips) {
  std::uint64_t state = 0x9e3779b97f4a7c15ull;
  auto pick = [&state](int n) {
    state ^= state << 13;
    state ^= state >> 7;
    state ^= state << 17;
    return static_cast<int>(state % static_cast<std::uint64_t>(n));
  };
  auto npi_party = [&](const char* last, bool person, bool prv = true) {
    rules::Party p;
    p.person = person;
    p.last_or_org = last;
    if (person) p.first = pick(2) ? "ALEX" : "SAM";
    p.id_qualifier = "XX";
    p.id = "1234567893";
    if (prv && pick(2)) p.taxonomy = "207Q00000X";  // a PRV only where the guide has one
    return p;
  };
  std::size_t checked = 0;
  for (auto kind : {test::Gen837::Kind::Professional, test::Gen837::Kind::Institutional}) {
    test::Gen837 g(kind, 7);
    std::string bytes;
    g.begin(bytes, 10);
    for (int i = 0; i < 60; ++i) g.claim(bytes);
    g.end(bytes);
    Read r = read(bytes);
    BOOST_TEST_REQUIRE(r.input_errors == 0u);
    for (auto& c : r.claims) {
      const bool inst = c.kind == rules::ClaimKind::Institutional;
      if (pick(2)) c.parties.rendering = npi_party("RENDER", true, !inst);  // 837I 2310D has no PRV
      if (pick(3) == 0) c.parties.referring = npi_party("REFER", true, false);
      if (pick(3) == 0) {
        rules::Party f = npi_party("FACILITY", false);
        f.taxonomy.clear();
        f.address1 = "1 CLINIC WAY";
        f.city = "NASHVILLE";
        f.state = "TN";
        f.zip = "372031234";
        c.parties.facility = std::move(f);
      }
      if (inst && pick(2)) c.parties.attending = npi_party("ATTEND", true);
      if (pick(3) == 0) {
        // Written through edit(): the claims of one HL share their parties, and this one's
        // patient must not become its neighbours'.
        rules::Party& p = c.parties.patient.edit();
        p.person = true;
        p.last_or_org = "CHILD";
        p.first = "KIM";
        p.address1 = "12 OAK AVENUE";
        p.city = "NASHVILLE";
        p.state = "TN";
        p.zip = "372111186";
        p.birth_date = rules::Date{2015, 6, 1};
        p.sex = 'F';
        c.birth_date = p.birth_date;
        c.sex = 'F';
        c.details.relationship = "19";
      }
      if (pick(3) == 0) {
        c.frequency_code = "7";
        c.details.original_reference = "PAYERCLAIM" + std::to_string(pick(1000));
      }
      if (pick(3) == 0) c.details.prior_authorization = "AUTH" + std::to_string(pick(1000));
      if (pick(3) == 0) c.details.admission_date = c.date_from;
      if (inst && pick(2)) {
        rules::ClaimProcedure p;
        p.position = 1;
        p.code = "0DTJ4ZZ";
        p.system = rules::ProcedureSystem::Icd10Pcs;
        p.role = rules::ProcedureRole::Principal;
        p.date = c.date_from;
        c.procedures.push_back(p);
        rules::InstitutionalCode oc;
        oc.qualifier = "BH";
        oc.code = "11";
        oc.from = oc.to = c.date_from;
        c.details.codes.push_back(oc);
      }
      for (auto& l : c.lines) {
        if (pick(3) == 0) l.procedure.modifiers.push_back(pick(2) ? "25" : "LT");
        if (!inst && pick(4) == 0) l.place_of_service = "22";
        if (pick(4) == 0 && l.service_from) l.service_to = rules::Date::from_days(l.service_from->days() + 1);
        if (pick(4) == 0) l.units = 2.5;
      }
      if (!inst) {  // the claim's dates of an 837P are its lines' (as the reader derives them)
        c.date_from = c.date_to = std::nullopt;
        for (const auto& l : c.lines) {
          if (l.service_from && (!c.date_from || *l.service_from < *c.date_from)) c.date_from = l.service_from;
          const auto& end = l.service_to ? l.service_to : l.service_from;
          if (end && (!c.date_to || *end > *c.date_to)) c.date_to = end;
        }
      }
      transforms::Conversion x;
      const std::string x12 = to_x12(c, x);
      BOOST_TEST_REQUIRE(x.ok(), c.id << ": " << (x.errors.empty() ? "" : x.errors[0].message));
      const Read back = read(x12);
      BOOST_TEST_REQUIRE(back.input_errors == 0u, c.id << ": " << (back.messages.empty() ? "" : back.messages[0]) << "\n" << x12);
      BOOST_TEST(canonical(back.claims.at(0)) == canonical(c), c.id << " canonical -> X12\n" << canonical(back.claims.at(0)) << "want\n" << canonical(c));
      const transforms::Conversion f = transforms::claim_to_fhir(back.claims.at(0), transforms::FhirBundleType::Batch);
      BOOST_TEST_REQUIRE(f.ok());
      const Read fb = read(f.text);
      BOOST_TEST_REQUIRE(fb.input_errors == 0u, c.id << ": " << (fb.messages.empty() ? "" : fb.messages[0]));
      BOOST_TEST(canonical(fb.claims.at(0)) == canonical(c), c.id << " canonical -> X12 -> FHIR\n" << canonical(fb.claims.at(0)) << "want\n" << canonical(c));
      ++checked;
    }
  }
  BOOST_TEST(checked == 120u);
}
