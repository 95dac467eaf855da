#include "x12_fixture.hpp"

#include "parsers/x12/delimiters.hpp"
#include "parsers/x12/reader.hpp"

#include <boost/test/unit_test.hpp>

#include <algorithm>
#include <random>

using namespace cg;
using cg::test::Collected;
using cg::test::interchange;
using cg::test::read_x12;

namespace {

bool has_error(const Collected& c, x12::ErrorLevel level, const std::string& code) {
  for (const auto& e : c.syntax)
    if (e.level == level && e.code == code) return true;
  return false;
}

const x12::SyntaxError* find_error(const Collected& c, x12::ErrorLevel level, const std::string& code) {
  for (const auto& e : c.syntax)
    if (e.level == level && e.code == code) return &e;
  return nullptr;
}

std::string replace(std::string s, const std::string& from, const std::string& to) {
  const auto at = s.find(from);
  BOOST_REQUIRE_MESSAGE(at != std::string::npos, "fixture lacks " << from);
  return s.replace(at, from.size(), to);
}

}  // namespace

BOOST_AUTO_TEST_SUITE(x12_delimiters)

BOOST_AUTO_TEST_CASE(isa_fixture_is_fixed_length) {
  BOOST_TEST(test::isa().size() == x12::kIsaLength);
  const auto d = x12::read_delimiters(test::isa());
  BOOST_REQUIRE(d.has_value());
  BOOST_TEST(d->element == '*');
  BOOST_TEST(d->component == ':');
  BOOST_TEST(d->repetition == '^');
  BOOST_TEST(d->segment == '~');
}

BOOST_AUTO_TEST_CASE(unusual_delimiters_are_taken_from_the_isa) {
  const std::string text = test::redelimit(interchange({test::professional_body()}), '|', '>', '!', '\n');
  const Collected c = read_x12(text);
  BOOST_TEST(c.syntax.empty());
  BOOST_REQUIRE(c.claims.size() == 1u);
  BOOST_TEST(c.claims[0].diagnoses.size() == 3u);
  BOOST_TEST(c.claims[0].lines[0].pointers.size() == 2u);
  BOOST_TEST(c.claims[0].lines[0].procedure.modifiers.at(0) == "25");
}

BOOST_AUTO_TEST_CASE(bom_crlf_and_indentation_are_tolerated) {
  std::string text = interchange({test::professional_body()});
  std::string spaced = "\xEF\xBB\xBF";
  for (char ch : text) {
    spaced += ch;
    if (ch == '~') spaced += "\r\n   ";
  }
  const Collected c = read_x12(spaced);
  BOOST_TEST(c.syntax.empty());
  BOOST_TEST(c.claims.size() == 1u);
}

BOOST_AUTO_TEST_CASE(carriage_return_as_segment_terminator) {
  std::string text = test::redelimit(interchange({test::professional_body()}), '*', ':', '^', '\r');
  std::string with_lf;
  for (char ch : text) {
    with_lf += ch;
    if (ch == '\r') with_lf += '\n';
  }
  const Collected c = read_x12(with_lf);
  BOOST_TEST(c.syntax.empty());
  BOOST_TEST(c.claims.size() == 1u);
}

BOOST_AUTO_TEST_CASE(any_chunking_gives_the_same_claims) {
  const std::string text = interchange({test::professional_body(), test::professional_body()});
  const Collected whole = read_x12(text);
  for (std::size_t chunk : {1u, 2u, 3u, 7u, 105u, 106u, 107u, 4096u}) {
    const Collected c = read_x12(text, chunk);
    BOOST_TEST_REQUIRE(c.syntax.empty());
    BOOST_TEST_REQUIRE(c.claims.size() == 2u);
    BOOST_TEST(c.claims[1].diagnoses[2].src.x12.byte_offset ==
               whole.claims[1].diagnoses[2].src.x12.byte_offset);
  }
}

// The over-long segment check (ReaderLimits::max_segment_bytes, 1 MiB) does not depend on how
// the input is cut: a long segment that arrives whole in one chunk is refused exactly as one
// that spans chunks (it used to be parsed when whole), and one at the limit is read both ways.
BOOST_AUTO_TEST_CASE(a_long_segment_is_refused_however_the_input_is_cut) {
  constexpr std::size_t kLimit = 1u << 20;
  for (const std::size_t length : {kLimit, kLimit + 1}) {
    std::vector<std::string> body = test::professional_body();
    const auto clm = std::find_if(body.begin(), body.end(), [](const std::string& seg) { return seg.rfind("CLM*", 0) == 0; });
    BOOST_TEST_REQUIRE((clm != body.end()));
    const std::string nte = "NTE*ADD*";
    body.insert(clm + 1, nte + std::string(length - nte.size(), 'A'));
    const std::string text = interchange({body, test::professional_body()});
    auto errors = [](const Collected& c) {
      std::vector<std::string> out;
      for (const auto& e : c.syntax) out.push_back(e.code + "@" + std::to_string(e.byte_offset));
      return out;
    };
    const Collected whole = read_x12(text);
    const bool refused = has_error(whole, x12::ErrorLevel::Interchange, "022");
    BOOST_TEST(refused == (length > kLimit), "segment of " << length << " bytes");
    for (std::size_t chunk : {std::size_t{1}, std::size_t{4096}, std::size_t{65536}, kLimit, kLimit + 7}) {
      const Collected c = read_x12(text, chunk);
      BOOST_TEST(errors(c) == errors(whole), length << " bytes in chunks of " << chunk);
      BOOST_TEST(c.claims.size() == whole.claims.size());
    }
  }
}

BOOST_AUTO_TEST_CASE(several_interchanges_with_different_delimiters) {
  const std::string a = interchange({test::professional_body()});
  const std::string b = test::redelimit(interchange({test::dental_body()}, "005010X224A2"), '|', '^', '!', '\n');
  const Collected c = read_x12(a + "\r\n" + b);
  BOOST_TEST(c.syntax.empty());
  BOOST_TEST(c.interchanges == 2u);
  BOOST_REQUIRE(c.claims.size() == 2u);
  BOOST_TEST(c.claims[1].id == "DEN1");
  BOOST_TEST(c.claims[1].lines[0].pointers.size() == 2u);
}

BOOST_AUTO_TEST_CASE(utf16_is_refused_with_a_clear_error) {
  std::string text = "\xFF\xFE";
  for (char ch : interchange({test::professional_body()})) {
    text += ch;
    text += '\0';
  }
  const Collected c = read_x12(text);
  BOOST_TEST(c.claims.empty());
  BOOST_REQUIRE(!c.syntax.empty());
  BOOST_TEST(c.syntax[0].message.find("UTF-16") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(junk_before_the_isa_is_reported_and_skipped) {
  const Collected c = read_x12("garbage here\n" + interchange({test::professional_body()}));
  BOOST_TEST(c.claims.size() == 1u);
  BOOST_REQUIRE(c.syntax.size() == 1u);
  BOOST_TEST(c.syntax[0].code == "022");
  BOOST_TEST(c.syntax[0].byte_offset == 0u);
}

BOOST_AUTO_TEST_CASE(short_isa_is_an_interchange_error) {
  std::string text = interchange({test::professional_body()});
  text = replace(text, "SUBMITTERID    ", "SUBMITTERID");
  const Collected c = read_x12(text);
  BOOST_TEST(has_error(c, x12::ErrorLevel::Interchange, "022"));
}

BOOST_AUTO_TEST_CASE(bad_component_separator_in_isa) {
  std::string text = interchange({test::professional_body()});
  text[104] = 'A';
  const Collected c = read_x12(text);
  BOOST_TEST(has_error(c, x12::ErrorLevel::Interchange, "027"));
  BOOST_TEST(c.claims.empty());
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(x12_envelopes)

BOOST_AUTO_TEST_CASE(clean_interchange_has_no_errors) {
  const Collected c = read_x12(interchange({test::professional_body()}));
  BOOST_TEST(c.syntax.empty());
  BOOST_TEST(c.errors.empty());
}

BOOST_AUTO_TEST_CASE(iea02_must_match_isa13) {
  const Collected c = read_x12(replace(interchange({test::professional_body()}), "IEA*1*000000001", "IEA*1*000000999"));
  const auto* e = find_error(c, x12::ErrorLevel::Interchange, "001");
  BOOST_REQUIRE(e);
  BOOST_TEST(e->isa13 == "000000001");
  BOOST_TEST(c.claims.size() == 1u);
}

BOOST_AUTO_TEST_CASE(iea01_counts_groups) {
  const Collected c = read_x12(replace(interchange({test::professional_body()}), "IEA*1*", "IEA*2*"));
  BOOST_TEST(has_error(c, x12::ErrorLevel::Interchange, "021"));
}

BOOST_AUTO_TEST_CASE(ge_counts_and_control_number) {
  const std::string text = interchange({test::professional_body()});
  BOOST_TEST(has_error(read_x12(replace(text, "GE*1*1~", "GE*2*1~")), x12::ErrorLevel::Group, "5"));
  BOOST_TEST(has_error(read_x12(replace(text, "GE*1*1~", "GE*1*9~")), x12::ErrorLevel::Group, "4"));
}

BOOST_AUTO_TEST_CASE(se_count_and_control_number) {
  const std::string text = interchange({test::professional_body()});
  const Collected count = read_x12(replace(text, "SE*30*0001", "SE*29*0001"));
  const auto* e = find_error(count, x12::ErrorLevel::Transaction, "4");
  BOOST_REQUIRE(e);
  BOOST_TEST(e->st02 == "0001");
  BOOST_TEST(e->message.find("has 30") != std::string::npos);
  BOOST_TEST(has_error(read_x12(replace(text, "SE*30*0001", "SE*30*0002")), x12::ErrorLevel::Transaction, "3"));
}

BOOST_AUTO_TEST_CASE(missing_trailers) {
  const std::string text = interchange({test::professional_body()});
  BOOST_TEST(has_error(read_x12(replace(text, "SE*30*0001~", "")), x12::ErrorLevel::Transaction, "2"));
  BOOST_TEST(has_error(read_x12(replace(text, "GE*1*1~", "")), x12::ErrorLevel::Group, "3"));
  const Collected no_iea = read_x12(replace(text, "IEA*1*000000001~", ""));
  BOOST_TEST(has_error(no_iea, x12::ErrorLevel::Interchange, "023"));
  BOOST_TEST(no_iea.claims.size() == 1u);
}

BOOST_AUTO_TEST_CASE(truncated_file_reports_and_keeps_complete_claims) {
  const std::string text = interchange({test::professional_body(), test::professional_body()});
  const std::string cut = text.substr(0, text.find("SV1*HC:97110", text.find("ST*837*0002")) + 5);
  const Collected c = read_x12(cut);
  BOOST_TEST(has_error(c, x12::ErrorLevel::Interchange, "023"));
  BOOST_TEST(has_error(c, x12::ErrorLevel::Transaction, "2"));
  BOOST_TEST(c.claims.size() == 2u);  // the second is reported incomplete by its transaction
}

BOOST_AUTO_TEST_CASE(unsupported_guide_is_skipped_with_i6) {
  const Collected c = read_x12(interchange({test::professional_body()}, "004010X098A1"));
  BOOST_TEST(has_error(c, x12::ErrorLevel::Group, "2"));
  BOOST_TEST(has_error(c, x12::ErrorLevel::Transaction, "I6"));
  BOOST_TEST(c.claims.empty());
}

BOOST_AUTO_TEST_CASE(errata_guides_are_accepted) {
  BOOST_TEST(read_x12(interchange({test::professional_body()}, "005010X222A2")).syntax.empty());
  BOOST_TEST(read_x12(interchange({test::institutional_body()}, "005010X223A2")).syntax.empty());
  BOOST_TEST(read_x12(interchange({test::dental_body()}, "005010X224A2")).syntax.empty());
}

// Only the A1/A2 errata are supported: the pre-errata guides and the A3 errata differ.
BOOST_AUTO_TEST_CASE(pre_errata_and_a3_guides_are_rejected) {
  for (const char* guide : {"005010X222", "005010X223", "005010X224", "005010X223A3", "005010X224A3"}) {
    BOOST_TEST_CONTEXT(guide) {
      const Collected c = read_x12(interchange({test::professional_body()}, guide));
      BOOST_TEST(has_error(c, x12::ErrorLevel::Transaction, "I6"));
      BOOST_TEST(c.claims.empty());
    }
  }
}

// TA105 003: a well-formed version that is not 00501; 017: not a version number at all.
BOOST_AUTO_TEST_CASE(isa12_version_not_supported_vs_invalid) {
  const std::string text = interchange({test::professional_body()});
  BOOST_TEST(has_error(read_x12(replace(text, "*00501*", "*00401*")), x12::ErrorLevel::Interchange, "003"));
  BOOST_TEST(!has_error(read_x12(replace(text, "*00501*", "*00401*")), x12::ErrorLevel::Interchange, "017"));
  BOOST_TEST(has_error(read_x12(replace(text, "*00501*", "*5010A*")), x12::ErrorLevel::Interchange, "017"));
}

// Every ST of the stream has its own ordinal, even when the control numbers repeat.
BOOST_AUTO_TEST_CASE(duplicate_st02_is_ik502_23_and_sets_stay_apart) {
  const std::string text = interchange({test::professional_body(), test::professional_body()});
  const std::string dup = replace(replace(text, "ST*837*0002", "ST*837*0001"), "SE*30*0002", "SE*30*0001");
  const Collected c = read_x12(dup);
  const auto* e = find_error(c, x12::ErrorLevel::Transaction, "23");
  BOOST_REQUIRE(e);
  BOOST_TEST(e->set_index == 2u);
  BOOST_REQUIRE(c.claims.size() == 2u);
  BOOST_TEST(c.claims[0].x12.set_index == 1u);
  BOOST_TEST(c.claims[1].x12.set_index == 2u);
}

BOOST_AUTO_TEST_CASE(one_bad_transaction_does_not_stop_the_next) {
  std::string text = interchange({test::professional_body(), test::professional_body()});
  text = replace(text, "SE*30*0001", "SE*99*0001");
  const Collected c = read_x12(text);
  BOOST_TEST(c.claims.size() == 2u);
  BOOST_TEST(c.syntax.size() == 1u);
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(x12_837p)

BOOST_AUTO_TEST_CASE(claim_model_from_837p) {
  const Collected c = read_x12(interchange({test::professional_body()}));
  BOOST_REQUIRE(c.claims.size() == 1u);
  const rules::Claim& k = c.claims[0];
  BOOST_TEST(k.id == "PCN1");
  BOOST_TEST(k.format == rules::Format::X12_837P);
  BOOST_TEST(k.payer_id == "87726");
  BOOST_TEST(k.billing_npi == "1234567893");
  BOOST_TEST(k.birth_date->iso() == "2010-05-05");  // the patient loop 2010CA, not the subscriber
  BOOST_TEST(k.sex == 'F');
  BOOST_TEST(k.total.to_string() == "150");
  BOOST_TEST(k.facility_code == "11");
  BOOST_TEST(k.frequency_code == "1");
  BOOST_TEST(k.date_from->iso() == "2024-01-10");
  BOOST_TEST(k.date_to->iso() == "2024-01-11");
  BOOST_TEST(k.x12.st02 == "0001");
  BOOST_TEST(k.x12.guide == "005010X222A1");
  BOOST_REQUIRE(k.diagnoses.size() == 3u);
  BOOST_TEST(k.diagnoses[0].code == "M5450");
  BOOST_TEST(k.diagnoses[0].role == rules::DxRole::Principal);
  BOOST_TEST(k.diagnoses[1].role == rules::DxRole::Other);
  BOOST_TEST(k.diagnoses[2].position == 3);
  BOOST_TEST(k.diagnoses[2].system == rules::CodeSystem::Icd10Cm);
  BOOST_TEST(k.diagnoses[2].src.x12.render() == "seg 23 HI03-2 (loop 2300)");
  BOOST_REQUIRE(k.lines.size() == 2u);
  BOOST_TEST(k.lines[0].number == 1);
  BOOST_TEST(k.lines[0].procedure.code == "99213");
  BOOST_TEST(k.lines[0].procedure.system == "HC");
  BOOST_TEST(k.lines[0].charge.to_string() == "100");
  BOOST_TEST(*k.lines[1].units == 2.0);
  BOOST_TEST(k.lines[0].service_from->iso() == "2024-01-10");
  BOOST_TEST(k.lines[0].pointers[1].raw == "2");
  BOOST_TEST(k.lines[0].pointers[1].value == 2);
  BOOST_TEST(k.lines[0].pointers[1].src.x12.render() == "seg 25 SV107-2 (loop 2400)");
  BOOST_TEST(k.lines[1].src.x12.render() == "seg 27 LX01 (loop 2400)");
  BOOST_TEST(k.lines[1].date_src.x12.render() == "seg 29 DTP03 (loop 2400)");
}

// The parties of an HL are built once and shared by the claims under it (rules::PartyRef):
// same objects, not copies; a claim that writes its party gets its own and leaves the others'.
BOOST_AUTO_TEST_CASE(claims_of_one_hl_share_its_parties) {
  auto body = test::professional_body();
  const std::vector<std::string> claim(body.begin() + 20, body.end());  // CLM .. the last DTP
  auto add_claim = [&](const std::string& id, const std::string& nm1_2310b) {
    body.push_back("CLM*" + id + "*150***11:B:1*Y*A*Y*Y");
    body.push_back(claim[1]);  // HI
    if (!nm1_2310b.empty()) body.push_back(nm1_2310b);
    body.insert(body.end(), claim.begin() + 2, claim.end());
  };
  add_claim("PCN2", "NM1*82*1*RENDER*RITA****XX*1497758544");  // 2310B: this claim's own
  body.insert(body.end(), {"HL*4*2*23*0", "PAT*19", "NM1*QC*1*OTHER*KID", "N3*9 ELM ST", "N4*NASHVILLE*TN*37203",
                           "DMG*D8*20120606*M"});
  add_claim("PCN3", "");
  const Collected c = read_x12(interchange({body}));
  BOOST_REQUIRE(c.claims.size() == 3u);
  for (const auto& e : c.syntax) BOOST_TEST_MESSAGE(e.code << ' ' << e.message);
  BOOST_TEST(c.syntax.empty());
  const auto& p0 = c.claims[0].parties;
  const auto& p1 = c.claims[1].parties;
  const auto& p2 = c.claims[2].parties;
  BOOST_TEST(p0.billing->last_or_org == "CLINIC");
  BOOST_TEST(p0.billing->tax_id == "587654321");
  BOOST_TEST(p0.patient->first == "TEST");
  BOOST_TEST(p2.patient->last_or_org == "OTHER");
  BOOST_TEST(p2.patient->sex == 'M');
  for (const auto* p : {&p1, &p2}) {
    BOOST_TEST(&*p->billing == &*p0.billing);
    BOOST_TEST(&*p->subscriber == &*p0.subscriber);
    BOOST_TEST(&*p->payer == &*p0.payer);
  }
  BOOST_TEST(&*p1.patient == &*p0.patient);  // one 2000C
  BOOST_TEST(&*p2.patient != &*p0.patient);  // the next 2000C
  BOOST_TEST(p0.rendering.empty());
  BOOST_TEST(p1.rendering->last_or_org == "RENDER");
  BOOST_TEST(p2.rendering.empty());
  rules::Claim mine = c.claims[1];
  mine.parties.patient.edit().first = "CHANGED";
  BOOST_TEST(mine.parties.patient->first == "CHANGED");
  BOOST_TEST(p0.patient->first == "TEST");
  BOOST_TEST(p1.patient->first == "TEST");
  BOOST_TEST((mine.parties.billing == p1.billing));  // values compare, whoever owns them
}

BOOST_AUTO_TEST_CASE(subscriber_is_patient_without_2000c) {
  auto body = test::professional_body();
  body.erase(body.begin() + 14, body.begin() + 20);  // HL*3, PAT, NM1*QC, N3, N4, DMG
  body[9] = "HL*2*1*22*0";
  body[10] = "SBR*P*18*GRP01******CI";  // the subscriber is the patient
  const Collected c = read_x12(interchange({body}));
  BOOST_REQUIRE(c.claims.size() == 1u);
  BOOST_TEST(c.syntax.empty());
  BOOST_TEST(c.claims[0].birth_date->iso() == "1970-01-01");
  BOOST_TEST(c.claims[0].sex == 'M');
}

BOOST_AUTO_TEST_CASE(pointers_are_kept_exactly_as_sent) {
  auto body = test::professional_body();
  body[23] = "SV1*HC:99213*100*UN*1***A:0:13:1:1";
  const Collected c = read_x12(interchange({body}));
  BOOST_REQUIRE(c.claims.size() == 1u);
  const auto& p = c.claims[0].lines[0].pointers;
  BOOST_REQUIRE(p.size() == 5u);
  BOOST_TEST(p[0].raw == "A");
  BOOST_TEST(p[0].value == -1);
  BOOST_TEST(p[1].value == 0);
  BOOST_TEST(p[2].value == 13);
  BOOST_TEST(p[4].raw == "1");
  BOOST_TEST(c.syntax.empty());  // pointer values are the rule engine's business
}

BOOST_AUTO_TEST_CASE(line_without_pointer) {
  auto body = test::professional_body();
  body[23] = "SV1*HC:99213*100*UN*1";
  const Collected c = read_x12(interchange({body}));
  BOOST_TEST(!c.claims[0].lines[0].pointers_present);
  BOOST_TEST(c.claims[0].lines[0].pointers.empty());
}

BOOST_AUTO_TEST_CASE(icd9_qualifiers) {
  auto body = test::professional_body();
  body[21] = "HI*BK:7242*BF:7213";
  const Collected c = read_x12(interchange({body}));
  BOOST_TEST(c.claims[0].diagnoses[0].system == rules::CodeSystem::Icd9Cm);
  BOOST_TEST(c.claims[0].diagnoses[1].system_as_sent == "BF");
}

BOOST_AUTO_TEST_CASE(first_diagnosis_must_be_abk) {
  auto body = test::professional_body();
  body[21] = "HI*ABF:M5450*ABF:M5416";
  const Collected c = read_x12(interchange({body}));
  const auto* e = find_error(c, x12::ErrorLevel::Element, "7");
  BOOST_REQUIRE(e);
  BOOST_TEST(e->segment_id == "HI");
  BOOST_TEST(e->position == 23u);
  BOOST_TEST(e->element == 1u);
  BOOST_TEST(e->component == 1u);
  BOOST_TEST(e->data_element == 1270u);
  BOOST_TEST(e->bad_value == "ABF");
  BOOST_TEST(e->claim_id == "PCN1");
  BOOST_REQUIRE(c.claim_findings.size() == 1u);
  BOOST_TEST(c.claim_findings[0].size() == 1u);  // attached to its claim
  BOOST_TEST(c.claim_findings[0][0].src.x12.render() == "seg 23 HI01-1 (loop 2300)");
}

BOOST_AUTO_TEST_CASE(decimal_point_in_code_is_an_error) {
  auto body = test::professional_body();
  body[21] = "HI*ABK:M54.50";
  const Collected c1 = read_x12(interchange({body}));
  const auto* e = find_error(c1, x12::ErrorLevel::Element, "6");
  BOOST_REQUIRE(e);
  BOOST_TEST(e->bad_value == "M54.50");
}

BOOST_AUTO_TEST_CASE(missing_hi_is_a_missing_segment) {
  auto body = test::professional_body();
  body.erase(body.begin() + 21);
  const Collected c = read_x12(interchange({body}));
  const auto* e = find_error(c, x12::ErrorLevel::Segment, "3");
  BOOST_REQUIRE(e);
  BOOST_TEST(e->segment_id == "HI");
  BOOST_TEST(e->loop == "2300");
  BOOST_TEST(e->position == 22u);  // the last segment before where it was expected (the LX)
}

// The missing HI names what each guide requires: on 837I the principal diagnosis HI*ABK, which
// other HI segments (admitting diagnosis, procedures) do not replace.
BOOST_AUTO_TEST_CASE(missing_hi_names_what_the_guide_requires) {
  auto p = test::professional_body();
  p.erase(p.begin() + 21);
  const Collected cp = read_x12(interchange({p}));
  const auto* e = find_error(cp, x12::ErrorLevel::Segment, "3");
  BOOST_REQUIRE(e);
  BOOST_TEST(e->message.find("no HI diagnosis segment") != std::string::npos);
  BOOST_TEST(e->message.find("837P (005010X222A1)") != std::string::npos);
  auto i = test::institutional_body();
  i.erase(std::find(i.begin(), i.end(), "HI*ABK:S32010A:::::::Y"));
  const Collected c = read_x12(interchange({i}, "005010X223A2"));
  const auto* f = find_error(c, x12::ErrorLevel::Segment, "3");
  BOOST_REQUIRE(f);
  BOOST_TEST(f->segment_id == "HI");
  BOOST_TEST(f->message.find("no principal diagnosis (HI*ABK)") != std::string::npos);
  BOOST_TEST(f->message.find("837I (005010X223A2)") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(component_separator_differs_from_isa16) {
  auto body = test::professional_body();
  body[21] = "HI*ABK>M5450*ABF>M5416";
  const Collected c = read_x12(interchange({body}));
  const auto* e = find_error(c, x12::ErrorLevel::Element, "6");
  BOOST_REQUIRE(e);
  BOOST_TEST(e->message.find("'>'") != std::string::npos);
  BOOST_TEST(e->message.find("ISA16") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(invalid_dates) {
  auto body = test::professional_body();
  body[24] = "DTP*472*D8*20241341";
  const Collected c2 = read_x12(interchange({body}));
  const auto* e = find_error(c2, x12::ErrorLevel::Element, "8");
  BOOST_REQUIRE(e);
  BOOST_TEST(e->data_element == 1251u);
  BOOST_TEST(e->position == 26u);
  body = test::professional_body();
  body[19] = "DMG*D8*20230229*F";
  BOOST_TEST(has_error(read_x12(interchange({body})), x12::ErrorLevel::Element, "8"));
}

BOOST_AUTO_TEST_CASE(hl_parent_must_exist) {
  auto body = test::professional_body();
  body[9] = "HL*2*9*22*1";
  const Collected c3 = read_x12(interchange({body}));
  const auto* e = find_error(c3, x12::ErrorLevel::Element, "I12");
  BOOST_REQUIRE(e);
  BOOST_TEST(e->element == 2u);
  BOOST_TEST(e->data_element == 734u);
}

BOOST_AUTO_TEST_CASE(lx_must_be_sequential) {
  auto body = test::professional_body();
  body[25] = "LX*3";
  BOOST_TEST(has_error(read_x12(interchange({body})), x12::ErrorLevel::Element, "I12"));
}

BOOST_AUTO_TEST_CASE(place_of_service_code) {
  auto body = test::professional_body();
  body[20] = "CLM*PCN1*150***00:B:1*Y*A*Y*Y";
  const Collected c4 = read_x12(interchange({body}));
  const auto* e = find_error(c4, x12::ErrorLevel::Element, "7");
  BOOST_REQUIRE(e);
  BOOST_TEST(e->data_element == 1331u);
}

// IK304 1: not a segment id of any X12 transaction set; 6: a segment of another set.
BOOST_AUTO_TEST_CASE(unknown_segment) {
  auto body = test::professional_body();
  body.insert(body.begin() + 22, "ZZZ*1");
  body.insert(body.begin() + 22, "CLP*PCN1*1*150*150");
  body.insert(body.begin() + 22, "zz*1");
  const Collected c = read_x12(interchange({body}));  // SE01 now off by one as well
  const auto* clp = find_error(c, x12::ErrorLevel::Segment, "6");
  BOOST_REQUIRE(clp);
  BOOST_TEST(clp->segment_id == "CLP");
  int unrecognized = 0;
  for (const auto& e : c.syntax) unrecognized += e.level == x12::ErrorLevel::Segment && e.code == "1";
  BOOST_TEST(unrecognized == 2);
}

// Issue 10: a service segment without the LX that opens loop 2400 is out of place, and every
// 837P line needs its own date of service with a D8/RD8 qualifier.
BOOST_AUTO_TEST_CASE(service_line_structure_and_dates) {
  auto no_lx = test::professional_body();
  no_lx.erase(no_lx.begin() + 22);  // LX*1
  const Collected a = read_x12(interchange({no_lx}));
  const auto* sv1 = find_error(a, x12::ErrorLevel::Segment, "2");
  BOOST_REQUIRE(sv1);
  BOOST_TEST(sv1->segment_id == "SV1");
  BOOST_TEST(sv1->position == 24u);

  auto no_date = test::professional_body();
  no_date.erase(no_date.begin() + 24);  // DTP*472 of line 1
  const Collected dtp_read = read_x12(interchange({no_date}));
  const auto* dtp = find_error(dtp_read, x12::ErrorLevel::Segment, "3");
  BOOST_REQUIRE(dtp);
  BOOST_TEST(dtp->segment_id == "DTP");
  BOOST_TEST(dtp->loop == "2400");
  BOOST_TEST(dtp->position == 25u);  // the SV1 of the line without a date

  auto rd9 = test::professional_body();
  rd9[24] = "DTP*472*RD9*20240110";
  const Collected q_read = read_x12(interchange({rd9}));
  const auto* q = find_error(q_read, x12::ErrorLevel::Element, "7");
  BOOST_REQUIRE(q);
  BOOST_TEST(q->element == 2u);
  BOOST_TEST(q->data_element == 1250u);
}

// Issue 11: element values that would poison outputs are located errors.
BOOST_AUTO_TEST_CASE(clm01_length_and_control_characters) {
  auto body = test::professional_body();
  body[20] = "CLM*" + std::string(39, 'A') + "*150***11:B:1*Y*A*Y*Y";
  const Collected len_read = read_x12(interchange({body}));
  const auto* len = find_error(len_read, x12::ErrorLevel::Element, "5");
  BOOST_REQUIRE(len);
  BOOST_TEST(len->element == 1u);
  body[20] = "CLM*PCN\n1*150***11:B:1*Y*A*Y*Y";
  const Collected ctl_read = read_x12(interchange({body}));
  const auto* ctl = find_error(ctl_read, x12::ErrorLevel::Element, "6");
  BOOST_REQUIRE(ctl);
  BOOST_TEST(ctl->segment_id == "CLM");
  body[20] = "CLM*PCN\t1*150***11:B:1*Y*A*Y*Y";
  BOOST_TEST(has_error(read_x12(interchange({body})), x12::ErrorLevel::Element, "6"));
}

// Required loops and segments of the HL levels, and the situational patient loop.
BOOST_AUTO_TEST_CASE(required_loops_of_the_hierarchy) {
  auto no_n3 = test::professional_body();
  no_n3.erase(no_n3.begin() + 6);  // N3 of 2010AA
  const Collected n3_read = read_x12(interchange({no_n3}));
  const auto* n3 = find_error(n3_read, x12::ErrorLevel::Segment, "3");
  BOOST_REQUIRE(n3);
  BOOST_TEST(n3->segment_id == "N3");
  BOOST_TEST(n3->loop == "2010AA");

  auto not_85 = test::professional_body();
  not_85[5] = "NM1*87*2*CLINIC";
  const Collected nm1_read = read_x12(interchange({not_85}));
  const auto* nm1 = find_error(nm1_read, x12::ErrorLevel::Segment, "3");
  BOOST_REQUIRE(nm1);
  BOOST_TEST(nm1->loop == "2010AA");

  auto hl2 = test::professional_body();
  hl2[4] = "HL*2**20*1";
  hl2[9] = "HL*3*2*22*1";
  hl2[14] = "HL*4*3*23*0";
  const Collected hl_read = read_x12(interchange({hl2}));
  const auto* hl = find_error(hl_read, x12::ErrorLevel::Element, "I12");
  BOOST_REQUIRE(hl);
  BOOST_TEST(hl->position == 6u);

  auto only_header = std::vector<std::string>{"BHT*0019*00*1*20240115*1200*CH", "REF*87*004010X098A1"};
  const Collected h = read_x12(interchange({only_header}));
  BOOST_TEST(has_error(h, x12::ErrorLevel::Segment, "3"));
  BOOST_TEST(h.claims.empty());
}

// An 837P body under an 837I label: professional segments are "not used" (IK304 I4) and
// CLM05-2 B is the wrong facility code qualifier for the institutional guide.
BOOST_AUTO_TEST_CASE(professional_body_labelled_institutional) {
  const Collected c = read_x12(interchange({test::professional_body()}, "005010X223A2"));
  const auto* sv1 = find_error(c, x12::ErrorLevel::Segment, "I4");
  BOOST_REQUIRE(sv1);
  BOOST_TEST(sv1->segment_id == "SV1");
  const auto* clm = find_error(c, x12::ErrorLevel::Element, "7");
  BOOST_REQUIRE(clm);
  BOOST_TEST(clm->segment_id == "CLM");
  BOOST_TEST(clm->component == 2u);
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(x12_837i_837d)

BOOST_AUTO_TEST_CASE(institutional_roles_poa_and_statement_dates) {
  const Collected c = read_x12(interchange({test::institutional_body()}, "005010X223A2"));
  BOOST_TEST(c.syntax.empty());
  BOOST_REQUIRE(c.claims.size() == 1u);
  const auto& k = c.claims[0];
  BOOST_TEST(k.format == rules::Format::X12_837I);
  BOOST_TEST(k.kind == rules::ClaimKind::Institutional);
  BOOST_TEST(k.date_from->iso() == "2024-01-01");
  BOOST_TEST(k.date_to->iso() == "2024-01-05");
  BOOST_REQUIRE(k.diagnoses.size() == 6u);
  BOOST_TEST(k.diagnoses[0].role == rules::DxRole::Principal);
  BOOST_TEST(k.diagnoses[0].poa == 'Y');
  BOOST_TEST(k.diagnoses[1].role == rules::DxRole::Admitting);
  BOOST_TEST(k.diagnoses[2].role == rules::DxRole::ReasonForVisit);
  BOOST_TEST(k.diagnoses[3].role == rules::DxRole::ExternalCause);
  BOOST_TEST(k.diagnoses[4].poa == 'N');
  BOOST_TEST(k.diagnoses[5].position == 6);
  BOOST_TEST(k.diagnoses[5].src.x12.render() == "seg 23 HI02-2 (loop 2300)");
  BOOST_REQUIRE(k.lines.size() == 1u);
  BOOST_TEST(k.lines[0].revenue_code == "0450");
  BOOST_TEST(k.lines[0].procedure.code == "99284");
  BOOST_TEST(k.lines[0].charge.to_string() == "2500");
  BOOST_TEST(!k.lines[0].pointers_present);
}

// 837I loop 2300 Principal / Other Procedure Information: code, D8 date, role and location of
// each composite; modifiers of the service line located on their components.
BOOST_AUTO_TEST_CASE(institutional_procedures_and_modifier_locations) {
  std::vector<std::string> body = test::institutional_body();
  const auto hi = std::find(body.begin(), body.end(), "HI*ABF:M5450:::::::N*ABF:I10:::::::Y");
  BOOST_REQUIRE(hi != body.end());
  const auto after = body.insert(hi + 1, "HI*BBR:0SG0070:D8:20240102");
  body.insert(after + 1, "HI*BBQ:0SG1070:D8:20240103*BBQ:3E0234Z");
  for (auto& seg : body)
    if (seg == "SV2*0450*HC:99284*2500*UN*1") seg = "SV2*0450*HC:99284:25:59*2500*UN*1";
  const Collected c = read_x12(interchange({body}, "005010X223A2"));
  BOOST_REQUIRE(c.claims.size() == 1u);
  const auto& k = c.claims[0];
  BOOST_TEST(k.diagnoses.size() == 6u);
  BOOST_REQUIRE(k.procedures.size() == 3u);
  BOOST_TEST(k.procedures[0].code == "0SG0070");
  BOOST_TEST(k.procedures[0].system == rules::ProcedureSystem::Icd10Pcs);
  BOOST_TEST(k.procedures[0].role == rules::ProcedureRole::Principal);
  BOOST_TEST(k.procedures[0].date->iso() == "2024-01-02");
  BOOST_TEST(k.procedures[0].src.x12.render() == "seg 24 HI01-2 (loop 2300)");
  BOOST_TEST(k.procedures[0].date_src.x12.render() == "seg 24 HI01-4 (loop 2300)");
  BOOST_TEST(k.procedures[1].role == rules::ProcedureRole::Other);
  BOOST_TEST(k.procedures[1].system_as_sent == "BBQ");
  BOOST_TEST(k.procedures[2].position == 3);
  BOOST_TEST(!k.procedures[2].date.has_value());
  BOOST_TEST(k.procedures[2].src.x12.render() == "seg 25 HI02-2 (loop 2300)");
  BOOST_REQUIRE(k.lines.size() == 1u);
  const auto& proc = k.lines[0].procedure;
  BOOST_TEST(rules::procedure_system(proc.system, proc.code) == rules::ProcedureSystem::Cpt);
  BOOST_REQUIRE(proc.modifier_src.size() == 2u);
  BOOST_TEST(proc.modifiers[1] == "59");
  BOOST_TEST(proc.modifier_src[1].x12.render() == "seg 27 SV202-4 (loop 2400)");
}

BOOST_AUTO_TEST_CASE(dental_sv311_pointers) {
  const Collected c = read_x12(interchange({test::dental_body()}, "005010X224A2"));
  BOOST_TEST(c.syntax.empty());
  BOOST_REQUIRE(c.claims.size() == 1u);
  const auto& k = c.claims[0];
  BOOST_TEST(k.format == rules::Format::X12_837D);
  BOOST_TEST(k.date_from->iso() == "2024-01-10");
  BOOST_TEST(k.payer_id == "60054");
  BOOST_REQUIRE(k.lines.size() == 1u);
  BOOST_TEST(k.lines[0].procedure.code == "D2391");
  BOOST_TEST(k.lines[0].procedure.system == "AD");
  BOOST_TEST(*k.lines[0].units == 1.0);
  BOOST_REQUIRE(k.lines[0].pointers.size() == 2u);
  BOOST_TEST(k.lines[0].pointers[1].src.x12.render() == "seg 20 SV311-2 (loop 2400)");
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(x12_robustness)

// Mutated and random input must never crash, hang or throw (ASan/UBSan run this too).
BOOST_AUTO_TEST_CASE(mutations_never_crash) {
  const std::string base = interchange({test::professional_body(), test::institutional_body()});
  std::mt19937 rng(12345);
  const std::string alphabet = "*:~^ISAGEHLCM0123456789\r\n\xff";
  for (int round = 0; round < 3000; ++round) {
    std::string text = base;
    const int edits = 1 + static_cast<int>(rng() % 8);
    for (int e = 0; e < edits; ++e) {
      const std::size_t at = rng() % text.size();
      switch (rng() % 3) {
        case 0: text[at] = alphabet[rng() % alphabet.size()]; break;
        case 1: text.erase(at, 1 + rng() % 20); break;
        default: text = text.substr(0, at) + alphabet[rng() % alphabet.size()] + text.substr(at); break;
      }
      if (text.empty()) text.push_back('I');
    }
    const Collected c = read_x12(text, 1 + rng() % 300);
    BOOST_TEST_REQUIRE(c.claims.size() <= 10u);
  }
}

BOOST_AUTO_TEST_CASE(random_bytes_never_crash) {
  std::mt19937 rng(7);
  for (int round = 0; round < 300; ++round) {
    std::string text(rng() % 5000, '\0');
    for (char& ch : text) ch = static_cast<char>(rng());
    if (round % 2 == 0) text = test::isa() + text;
    (void)read_x12(text, 1 + rng() % 500);
  }
}

BOOST_AUTO_TEST_CASE(endless_segment_is_bounded) {
  std::string text = test::isa() + "GS*HC*A*B*20240101*1200*1*X*005010X222A1~ST*837*0001*005010X222A1~NTE*";
  text += std::string(3u << 20, 'A');
  const Collected c = read_x12(text, 65536);
  BOOST_TEST(has_error(c, x12::ErrorLevel::Interchange, "022"));
}

// The loop an NM1 opens comes from the guide model: the other payer's providers are lettered
// differently on 837I (2330C attending NM1*71 ... 2330I billing NM1*85) than on 837P.
BOOST_AUTO_TEST_CASE(other_payer_provider_loops_follow_the_guide) {
  struct Loops final : x12::Handler {
    std::vector<std::string> nm1;
    void on_segment(const x12::BodySegment& b, const x12::Envelope&) override {
      if (b.seg.id == "NM1") nm1.push_back(std::string(b.seg.el(1)) + "=" + std::string(b.loop));
    }
  };
  const auto loops_of = [](std::vector<std::string> body, const std::string& guide) {
    body.insert(body.end(), {"SBR*S*01*******CI", "OI***Y*P**Y", "NM1*IL*1*OTHER*SUB****MI*X1",
                             "NM1*PR*2*OTHER PAYER*****PI*99999", "NM1*71*1", "NM1*85*2"});
    Loops h;
    x12::Reader reader(h);
    reader.feed(interchange({body}, guide));
    reader.finish();
    return std::vector<std::string>(h.nm1.end() - 4, h.nm1.end());
  };
  auto inst = test::institutional_body();
  inst.erase(inst.end() - 3, inst.end());  // the line: the 2320 loops follow the claim
  const auto i = loops_of(inst, "005010X223A2");
  BOOST_TEST(i == (std::vector<std::string>{"IL=2330A", "PR=2330B", "71=2330C", "85=2330I"}), boost::test_tools::per_element());
  auto prof = test::professional_body();
  prof.erase(prof.end() - 6, prof.end());
  const auto p = loops_of(prof, "005010X222A1");
  // NM1*71 opens no loop on 837P: it stays in 2330B (and is an error there); 85 is 2330G.
  BOOST_TEST(p == (std::vector<std::string>{"IL=2330A", "PR=2330B", "71=2330B", "85=2330G"}), boost::test_tools::per_element());
}

BOOST_AUTO_TEST_SUITE_END()
