#include "transforms/x12_claims.hpp"

#include "parsers/x12/guide_837.hpp"

#include <algorithm>
#include <array>
#include <charconv>

namespace cg::transforms {
namespace {

using rules::Claim;
using rules::Finding;

std::string_view level_rule(x12::ErrorLevel l) {
  switch (l) {
    case x12::ErrorLevel::Interchange: return "x12.interchange";
    case x12::ErrorLevel::Group: return "x12.group";
    case x12::ErrorLevel::Transaction: return "x12.transaction";
    case x12::ErrorLevel::Segment: return "x12.segment";
    case x12::ErrorLevel::Element: return "x12.element";
  }
  return "x12";
}

rules::X12Location where(const x12::Segment& s, std::uint32_t position, std::string_view loop,
                         std::uint16_t element = 0, std::uint16_t component = 0,
                         std::uint16_t data_element = 0) {
  rules::X12Location l;
  l.set_segment(s.id);
  l.set_loop(loop);
  l.position = position;
  l.element = element;
  l.component = component;
  l.data_element = data_element;
  l.byte_offset = s.offset;
  return l;
}

std::optional<double> parse_units(std::string_view v) {
  if (v.empty()) return std::nullopt;
  double d = 0;
  const auto r = std::from_chars(v.data(), v.data() + v.size(), d);
  if (r.ec != std::errc() || r.ptr != v.data() + v.size()) return std::nullopt;
  return d;
}

// D8 "20240115" or RD8 "20240115-20240117".
void parse_dates(std::string_view qual, std::string_view v, std::optional<rules::Date>& from,
                 std::optional<rules::Date>& to) {
  if (x12::eq(qual, "D8")) {
    from = to = rules::parse_d8(v);
  } else if (x12::eq(qual, "RD8") && v.size() == 17 && v[8] == '-') {
    from = rules::parse_d8(v.substr(0, 8));
    to = rules::parse_d8(v.substr(9));
  }
}

rules::DxRole role_of(x12::DxKind k) {
  switch (k) {
    case x12::DxKind::Principal: return rules::DxRole::Principal;
    case x12::DxKind::Admitting: return rules::DxRole::Admitting;
    case x12::DxKind::ReasonForVisit: return rules::DxRole::ReasonForVisit;
    case x12::DxKind::ExternalCause: return rules::DxRole::ExternalCause;
    default: return rules::DxRole::Other;
  }
}

}  // namespace

rules::Finding to_finding(const x12::SyntaxError& e) {
  Finding f;
  f.rule = std::string(level_rule(e.level));
  f.severity = rules::Severity::Reject;
  std::string prefix;
  switch (e.level) {
    case x12::ErrorLevel::Interchange:
      prefix = (e.isa13.empty() ? std::string("interchange") : "interchange " + e.isa13) + " (TA1 " + e.code + "): ";
      break;
    case x12::ErrorLevel::Group: prefix = "functional group " + e.gs06 + " (AK905 " + e.code + "): "; break;
    case x12::ErrorLevel::Transaction: prefix = "transaction set " + e.st02 + " (IK502 " + e.code + "): "; break;
    case x12::ErrorLevel::Segment: prefix = "(IK304 " + e.code + ") "; break;
    case x12::ErrorLevel::Element: prefix = "(IK403 " + e.code + ") "; break;
  }
  f.message = prefix + e.message;
  f.value = e.bad_value;
  if (!e.segment_id.empty()) {
    f.src.x12.set_segment(e.segment_id);
    f.src.x12.set_loop(e.loop);
    f.src.x12.position = e.position;
    f.src.x12.element = e.element;
    f.src.x12.component = e.component;
    f.src.x12.repetition = e.repetition;
    f.src.x12.data_element = e.data_element;
  }
  f.src.x12.byte_offset = e.byte_offset;
  return f;
}

class X12ClaimReader::Builder final : public x12::Handler {
 public:
  Builder(std::string_view source, ClaimCallback on_claim, ErrorCallback on_error,
          SyntaxErrorCallback on_syntax, X12ReadOptions options)
      : source_(source),
        on_claim_(std::move(on_claim)),
        on_error_(std::move(on_error)),
        on_syntax_(std::move(on_syntax)),
        observer_(options.observer),
        capture_(options.capture_raw) {}

  void on_interchange(const x12::Envelope& env) override {
    if (observer_) observer_->on_interchange(env);
  }
  void on_group(const x12::Envelope& env) override {
    if (observer_) observer_->on_group(env);
  }
  void on_group_end(const x12::Envelope& env, const x12::GroupResult& r) override {
    if (observer_) observer_->on_group_end(env, r);
  }
  void on_interchange_end(const x12::Envelope& env, bool trailer) override {
    if (observer_) observer_->on_interchange_end(env, trailer);
  }

  std::size_t claims = 0;
  std::size_t errors = 0;

  void on_transaction(const x12::Envelope& env, x12::TransactionType type) override {
    if (observer_) observer_->on_transaction(env, type);
    type_ = type;
    ctx_ = rules::X12Context{};
    ctx_.isa13 = env.isa13;
    ctx_.gs06 = env.gs06;
    ctx_.st02 = env.st02;
    ctx_.set_index = env.set_index;
    ctx_.guide = env.st03.empty() ? env.gs08 : env.st03;
    ctx_.sender_qualifier = env.isa05;
    ctx_.sender_id = env.isa06;
    ctx_.receiver_qualifier = env.isa07;
    ctx_.receiver_id = env.isa08;
    ctx_.isa09 = env.isa09;
    ctx_.isa10 = env.isa10;
    ctx_.isa15 = env.isa15;
    ctx_.gs02 = env.gs02;
    ctx_.gs03 = env.gs03;
    ctx_.element_sep = env.delims.element;
    ctx_.component_sep = env.delims.component;
    ctx_.repetition_sep = env.delims.repetition;
    ctx_.segment_term = env.delims.segment;
    // Nothing of an earlier transaction set carries over (a set is read alone when the input
    // is split at set boundaries: transforms/x12_parallel.hpp).
    billing_npi_.clear();
    billing_.reset();
    billing_npi_loc_ = rules::X12Location{};
    billing_zip_.reset();
    unmapped_provider_.clear();
    created_.reset();
    created_time_.clear();
    pending_.clear();
    pending_claim_id_.clear();
    party_ = nullptr;
    reset_subscriber();
    block_ = capture_ ? &ctx_.raw_header : nullptr;
  }

  void on_segment(const x12::BodySegment& b, const x12::Envelope& env) override {
    if (observer_) observer_->on_segment(b, env);
    const x12::Segment& s = b.seg;
    if (!claim_ && s.code != x12::seg_code("HL") && s.code != x12::seg_code("CLM") && !map_context(b))
      note_unmapped(b, b.hl_level == 20 ? unmapped_provider_ : b.hl_level == 22 ? unmapped_subscriber_
                                                                                 : unmapped_patient_);
    if (s.code == x12::seg_code("HL")) {
      finish_claim();
      party_ = nullptr;
      if (b.hl_level == 20) {
        billing_npi_.clear();
        billing_.reset();
        unmapped_provider_.clear();
        billing_zip_.reset();
        ctx_.billing_name.clear();
        reset_subscriber();
        begin_block(ctx_.raw_provider, ctx_.provider_hl, s);
        ctx_.raw_subscriber.clear();
        ctx_.raw_patient.clear();
      } else if (b.hl_level == 22) {
        reset_subscriber();
        begin_block(ctx_.raw_subscriber, ctx_.subscriber_hl, s);
        ctx_.raw_patient.clear();
      } else {
        patient_level_ = true;
        pat_birth_.reset();
        pat_sex_ = 0;
        patient_.reset();
        pat01_.clear();
        unmapped_patient_.clear();
        begin_block(ctx_.raw_patient, ctx_.patient_hl, s);
      }
      return;
    }
    if (s.code == x12::seg_code("CLM")) {
      start_claim(b);
      if (capture_) {
        block_ = &claim_->x12.raw_claim;
        append_raw(s);
      }
      return;
    }
    if (block_ != nullptr) append_raw(s);
    if (!claim_) return;
    claim_->x12.claim_end = s.offset + s.raw.size() + 1;
    if (!map_claim_segment(b)) note_unmapped(b, claim_->x12.unmapped);
  }

  void on_transaction_end(const x12::Envelope& env, const x12::TransactionResult& r) override {
    finish_claim();
    block_ = nullptr;
    if (observer_) observer_->on_transaction_end(env, r);
  }

  void on_error(const x12::SyntaxError& e) override {
    // Transaction-level problems are found at the SE (or where the SE should have been): the
    // set's last claim goes out first, so that every claim of the set precedes the error.
    if (e.level == x12::ErrorLevel::Transaction && claim_) finish_claim();
    ++errors;
    if (observer_) observer_->on_error(e);
    if (on_syntax_) on_syntax_(e);
    Finding f = to_finding(e);
    if (claim_ && !e.claim_id.empty() && e.claim_id == claim_->id &&
        e.level != x12::ErrorLevel::Transaction) {
      claim_findings_.push_back(std::move(f));
    } else if (!e.claim_id.empty() && e.level != x12::ErrorLevel::Transaction) {
      // Raised on the CLM segment itself, before the claim starts: keep for it.
      pending_.push_back(std::move(f));
      pending_claim_id_ = e.claim_id;
    } else {
      on_error_(std::move(f));
    }
  }

 private:
  static void note_unmapped(const x12::BodySegment& b, std::vector<std::string>& out) {
    std::string name;
    name.reserve(b.loop.size() + 1 + b.seg.id.size());
    name.append(b.loop.empty() ? std::string_view("header") : b.loop).append(" ").append(b.seg.id);
    if (out.size() < 32 && std::find(out.begin(), out.end(), name) == out.end()) out.push_back(std::move(name));
  }

  static void name_party(rules::Party& p, const x12::Segment& s) {
    p.person = x12::eq(s.el(2), "1");
    p.last_or_org.assign(s.el(3));
    p.first.assign(s.el(4));
    p.middle.assign(s.el(5));
    p.suffix.assign(s.el(7));
    p.id_qualifier.assign(s.el(8));
    p.id.assign(s.el(9));
  }

  // N3, N4, REF (tax id), PRV (taxonomy), DMG of the party the last NM1 named.
  bool party_detail(const x12::Segment& s) {
    if (party_ == nullptr) return false;
    rules::Party& p = *party_;
    if (s.code == x12::seg_code("N3")) {
      p.address1.assign(s.el(1));
      p.address2.assign(s.el(2));
    } else if (s.code == x12::seg_code("N4")) {
      if (s.size() > 4) return false;  // N405/N406 location qualifiers: not carried
      p.city.assign(s.el(1));
      p.state.assign(s.el(2));
      p.zip.assign(s.el(3));
      p.country.assign(s.el(4));
    } else if (s.code == x12::seg_code("REF") && (x12::eq(s.el(1), "EI") || x12::eq(s.el(1), "SY")) && p.tax_id.empty()) {
      p.tax_qualifier.assign(s.el(1));
      p.tax_id.assign(s.el(2));
    } else if (s.code == x12::seg_code("PRV") && x12::eq(s.el(2), "PXC")) {
      p.taxonomy.assign(s.el(3));
    } else if (s.code == x12::seg_code("DMG") && x12::eq(s.el(1), "D8")) {
      p.birth_date = rules::parse_d8(s.el(2));
      p.sex = s.el(3).size() == 1 ? s.el(3)[0] : 0;
    } else {
      return false;
    }
    return true;
  }

  // Segments before the CLM (header, 2000A-2010CA). False when the model does not carry it.
  bool map_context(const x12::BodySegment& b) {
    const x12::Segment& s = b.seg;
    if (s.code == x12::seg_code("BHT")) {
      created_ = rules::parse_d8(s.el(4));
      created_time_.assign(s.el(5));
      return true;
    }
    if (x12::eq(b.loop, "1000A") || x12::eq(b.loop, "1000B")) {
      if (s.code == x12::seg_code("NM1")) {
        (x12::eq(b.loop, "1000A") ? ctx_.submitter_name : ctx_.receiver_name).assign(s.el(3));
        (x12::eq(b.loop, "1000A") ? ctx_.submitter_id : ctx_.receiver_nm1_id).assign(s.el(9));
      } else if (s.code == x12::seg_code("PER") && x12::eq(b.loop, "1000A") && ctx_.submitter_phone.empty()) {
        ctx_.submitter_contact.assign(s.el(2));
        if (x12::eq(s.el(3), "TE")) ctx_.submitter_phone.assign(s.el(4));
      }
      return true;  // the envelope parties: the writer's configuration, not the claim's
    }
    if (s.code == x12::seg_code("NM1")) {
      party_ = nullptr;
      if (x12::eq(b.loop, "2010AA")) {
        if (x12::eq(s.el(8), "XX")) {
          billing_npi_.assign(s.el(9));
          billing_npi_loc_ = where(s, b.position, b.loop, 9, 0, 67);
        }
        ctx_.billing_name.assign(s.el(3));
        party_ = &billing_.edit();
      } else if (x12::eq(b.loop, "2010BB")) {
        payer_id_.assign(s.el(9));
        party_ = &payer_.edit();
      } else if (x12::eq(b.loop, "2010BA")) {
        sub_last_.assign(s.el(3));
        sub_first_.assign(s.el(4));
        member_id_.assign(s.el(9));
        party_ = &subscriber_.edit();
      } else if (x12::eq(b.loop, "2010CA")) {
        pat_last_.assign(s.el(3));
        pat_first_.assign(s.el(4));
        party_ = &patient_.edit();
      } else {
        return false;
      }
      name_party(*party_, s);
      return true;
    }
    if (s.code == x12::seg_code("PRV") && x12::eq(b.loop, "2000A") && x12::eq(s.el(2), "PXC")) {
      billing_.edit().taxonomy.assign(s.el(3));
      return true;
    }
    if (s.code == x12::seg_code("SBR")) {
      constexpr std::uint16_t kSbr[] = {1, 2, 3, 9};
      for (std::size_t k = 0; k < sbr_.size(); ++k) sbr_[k].assign(s.el(kSbr[k]));
      return s.el(4).empty() && s.el(5).empty();  // SBR04 group name, SBR05 insurance type: not carried
    }
    if (s.code == x12::seg_code("PAT")) {
      pat01_.assign(s.el(1));
      return s.size() <= 1;
    }
    if (s.code == x12::seg_code("N4") && x12::eq(b.loop, "2010AA")) billing_zip_ = check_billing_zip(s, b);
    if (s.code == x12::seg_code("DMG")) {
      auto birth = x12::eq(s.el(1), "D8") ? rules::parse_d8(s.el(2)) : std::nullopt;
      const char sex = s.el(3).size() == 1 ? s.el(3)[0] : 0;
      if (x12::eq(b.loop, "2010BA")) {
        sub_birth_ = birth;
        sub_birth_loc_ = where(s, b.position, b.loop, 2, 0, 1251);
        sub_sex_ = sex;
      } else if (x12::eq(b.loop, "2010CA")) {
        pat_birth_ = birth;
        pat_birth_loc_ = where(s, b.position, b.loop, 2, 0, 1251);
        pat_sex_ = sex;
      }
    }
    if (s.code == x12::seg_code("REF") && x12::eq(b.loop, "2010AA") && !x12::eq(s.el(1), "EI") && !x12::eq(s.el(1), "SY")) return false;
    return party_detail(s);
  }

  // Segments from the CLM to the end of the claim. False when the model does not carry it.
  bool map_claim_segment(const x12::BodySegment& b) {
    const x12::Segment& s = b.seg;
    rules::Claim& c = *claim_;
    if (s.code == x12::seg_code("HI") && x12::eq(b.loop, "2300")) return add_hi(b);
    if (s.code == x12::seg_code("LX")) {
      party_ = nullptr;
      start_line(b);
      return true;
    }
    if (s.code == x12::seg_code("SV1") || s.code == x12::seg_code("SV2") || s.code == x12::seg_code("SV3")) {
      add_service(b);
      return true;
    }
    if (s.code == x12::seg_code("DTP")) return add_date(b);
    if (s.code == x12::seg_code("TOO") && x12::eq(b.loop, "2400") && !c.lines.empty() && x12::eq(s.el(1), "JP")) {
      rules::Tooth& t = c.lines.back().teeth.emplace_back();
      t.code.assign(s.el(2));
      for (std::size_t k = 1; k <= s.comp_count(3); ++k)
        if (!s.comp(3, k).empty()) t.surfaces.emplace_back(s.comp(3, k));
      return true;
    }
    if (x12::eq(b.loop, "2300") && s.code == x12::seg_code("REF") && (x12::eq(s.el(1), "F8") || x12::eq(s.el(1), "G1"))) {
      (x12::eq(s.el(1), "F8") ? c.details.original_reference : c.details.prior_authorization).assign(s.el(2));
      return true;
    }
    if (x12::eq(b.loop, "2300") && s.code == x12::seg_code("CL1")) {
      c.details.admission_type.assign(s.el(1));
      c.details.admission_source.assign(s.el(2));
      c.details.patient_status.assign(s.el(3));
      return true;
    }
    if (b.loop.starts_with("2310") && s.code == x12::seg_code("NM1")) {
      const std::string_view e = s.el(1);
      rules::PartyRef* to = x12::eq(e, "82")   ? &c.parties.rendering
                            : x12::eq(e, "71") ? &c.parties.attending
                            : x12::eq(e, "77") ? &c.parties.facility
                            : x12::eq(e, "DN") ? &c.parties.referring
                                               : nullptr;
      party_ = to == nullptr ? nullptr : &to->edit();
      if (party_ == nullptr) return false;
      name_party(*party_, s);
      return true;
    }
    if (b.loop.starts_with("2310") && s.code != x12::seg_code("REF")) return party_detail(s);
    return false;
  }

  void begin_block(std::string& block, std::string& hl_id, const x12::Segment& s) {
    if (!capture_) return;
    block.clear();
    hl_id.assign(s.el(1));
    block_ = &block;
    append_raw(s);
  }

  void append_raw(const x12::Segment& s) {
    block_->append(s.raw);
    block_->push_back(s.delims->segment);
  }

  void reset_subscriber() {
    sub_last_.clear();
    sub_first_.clear();
    member_id_.clear();
    pat_last_.clear();
    pat_first_.clear();
    payer_id_.clear();
    sub_birth_.reset();
    sub_sex_ = 0;
    pat_birth_.reset();
    pat_sex_ = 0;
    patient_level_ = false;
    subscriber_.reset();
    patient_.reset();
    payer_.reset();
    sbr_ = {};
    pat01_.clear();
    unmapped_subscriber_.clear();
    unmapped_patient_.clear();
  }

  // X222A1, X223A2 and X224A2, loop 2010AA N403: "When reporting the ZIP code for U.S.
  // addresses, the full nine-digit ZIP code is required." A situational rule a map cannot
  // carry; the 999 stays syntax-only and each claim of the billing provider is rejected.
  static std::optional<Finding> check_billing_zip(const x12::Segment& s, const x12::BodySegment& b) {
    const std::string_view zip = s.el(3), country = s.el(4);
    const bool digits9 = zip.size() == 9 && std::all_of(zip.begin(), zip.end(), [](char c) {
      return c >= '0' && c <= '9';
    });
    if (!country.empty() && !x12::eq(country, "US")) return std::nullopt;
    if (digits9) return std::nullopt;
    Finding f;
    f.rule = "claim.billing-zip";
    f.severity = rules::Severity::Reject;
    f.message = "The billing provider ZIP code (loop 2010AA N403) '" + std::string(zip.substr(0, 15)) +
                "' must be the full nine-digit ZIP code (ZIP+4) for a U.S. address.";
    f.value = std::string(zip.substr(0, 15));
    f.src.x12 = where(s, b.position, b.loop, 3, 0, 116);
    return f;
  }

  void start_claim(const x12::BodySegment& b) {
    finish_claim();
    const x12::Segment& s = b.seg;
    claim_.emplace();
    Claim& c = *claim_;
    c.id.assign(s.el(1));
    c.diagnoses.reserve(12);
    c.lines.reserve(4);
    c.format = type_ == x12::TransactionType::Institutional ? rules::Format::X12_837I
               : type_ == x12::TransactionType::Dental      ? rules::Format::X12_837D
                                                            : rules::Format::X12_837P;
    c.kind = type_ == x12::TransactionType::Institutional ? rules::ClaimKind::Institutional
             : type_ == x12::TransactionType::Dental      ? rules::ClaimKind::Dental
                                                          : rules::ClaimKind::Professional;
    c.payer_id = payer_id_;
    c.billing_npi = billing_npi_;
    if (!billing_npi_.empty()) c.billing_npi_src.x12 = billing_npi_loc_;
    c.birth_date = patient_level_ ? pat_birth_ : sub_birth_;
    if (c.birth_date) c.birth_date_src.x12 = patient_level_ ? pat_birth_loc_ : sub_birth_loc_;
    c.sex = patient_level_ ? pat_sex_ : sub_sex_;
    if (auto a = rules::parse_amount(s.el(2))) c.total = *a;
    c.facility_code.assign(s.comp(5, 1));
    c.frequency_code.assign(s.comp(5, 3));
    c.src.x12 = where(s, b.position, b.loop);
    c.total_src.x12 = where(s, b.position, b.loop, 2, 0, 782);
    c.x12 = ctx_;
    c.x12.raw_claim.clear();
    if (!patient_level_) c.x12.raw_patient.clear();
    c.x12.patient_last = patient_level_ ? pat_last_ : sub_last_;
    c.x12.patient_first = patient_level_ ? pat_first_ : sub_first_;
    c.x12.member_id = member_id_;
    c.x12.claim_begin = s.offset;
    c.x12.claim_end = s.offset + s.raw.size() + 1;
    c.source_name = source_;
    if (!pending_.empty() && pending_claim_id_ == c.id) claim_findings_ = std::move(pending_);
    pending_.clear();
    if (billing_zip_) claim_findings_.push_back(*billing_zip_);
    c.parties.billing = billing_;
    c.parties.subscriber = subscriber_;
    if (patient_level_) c.parties.patient = patient_;
    c.parties.payer = payer_;
    c.details.payer_responsibility = sbr_[0];
    c.details.relationship = patient_level_ ? pat01_ : sbr_[1];
    c.details.group_number = sbr_[2];
    c.details.filing_indicator = sbr_[3];
    c.details.provider_signature.assign(s.el(6));
    c.details.assignment.assign(s.el(7));
    c.details.benefits_assignment.assign(s.el(8));
    c.details.release_of_info.assign(s.el(9));
    c.details.created = created_;
    c.details.created_time = created_time_;
    c.x12.unmapped = unmapped_provider_;
    for (const auto* v : {&unmapped_subscriber_, &unmapped_patient_})
      c.x12.unmapped.insert(c.x12.unmapped.end(), v->begin(), v->end());
    // CLM10 onwards (patient signature source, related causes, special program ...): not carried.
    for (std::uint16_t el = 10; el <= s.size(); ++el)
      if (!s.el(el).empty()) {
        c.x12.unmapped.push_back("2300 CLM" + std::to_string(el));
        break;
      }
    party_ = nullptr;
  }

  // 837I HI of UB-04 codes: BH/BE/BG/BI (occurrence, value, condition, occurrence span).
  bool add_institutional_codes(const x12::Segment& s) {
    const std::string_view q = s.comp(1, 1);
    if (type_ != x12::TransactionType::Institutional || (!x12::eq(q, "BH") && !x12::eq(q, "BE") && !x12::eq(q, "BG") && !x12::eq(q, "BI")))
      return false;
    for (std::uint16_t el = 1; el <= s.size(); ++el) {
      if (s.el(el).empty()) continue;
      rules::InstitutionalCode& ic = claim_->details.codes.emplace_back();
      ic.qualifier.assign(s.comp(el, 1));
      ic.code.assign(s.comp(el, 2));
      if (x12::eq(ic.qualifier, "BE")) {
        if (auto a = rules::parse_amount(s.comp(el, 5))) ic.amount = *a;
      } else {
        parse_dates(s.comp(el, 3), s.comp(el, 4), ic.from, ic.to);
      }
    }
    return true;
  }

  bool add_hi(const x12::BodySegment& b) {
    if (add_institutional_codes(b.seg)) return true;
    if (type_ == x12::TransactionType::Institutional && is_procedure_qualifier(b.seg.comp(1, 1))) {
      add_procedures(b);
      return true;
    }
    if (x12::dx_kind(type_, b.seg.comp(1, 1)) == x12::DxKind::NotDiagnosis) return false;
    add_diagnoses(b);
    return true;
  }

  void add_diagnoses(const x12::BodySegment& b) {
    const x12::Segment& s = b.seg;
    Claim& c = *claim_;
    for (std::uint16_t el = 1; el <= s.size(); ++el) {
      if (s.el(el).empty()) continue;
      const std::string_view qual = s.comp(el, 1);
      const x12::DxKind kind = x12::dx_kind(type_, qual);
      if (kind == x12::DxKind::NotDiagnosis) continue;
      rules::Diagnosis& d = c.diagnoses.emplace_back();
      d.position = static_cast<int>(c.diagnoses.size());
      d.code_as_sent.assign(s.comp(el, 2));
      d.code = rules::normalize_code(d.code_as_sent);
      d.system_as_sent.assign(qual);
      d.system = x12::is_icd9_qualifier(qual)            ? rules::CodeSystem::Icd9Cm
                 : kind == x12::DxKind::Unknown          ? rules::CodeSystem::Other
                                                         : rules::CodeSystem::Icd10Cm;
      d.role = role_of(kind);
      if (type_ != x12::TransactionType::Institutional && d.position > 1 &&
          d.role == rules::DxRole::Principal)
        d.role = rules::DxRole::Other;
      const std::string_view poa = s.comp(el, 9);
      d.poa = poa.size() == 1 ? poa[0] : 0;
      d.src.x12 = where(s, b.position, b.loop, el, 2, 1271);
    }
  }

  // 837I loop 2300 HI Principal Procedure Information (BBR, ICD-9-CM BR) and Other Procedure
  // Information (BBQ, BQ): HI0n-2 the code, HI0n-3 D8 and HI0n-4 the procedure date.
  static bool is_procedure_qualifier(std::string_view q) {
    return x12::eq(q, "BBR") || x12::eq(q, "BBQ") || x12::eq(q, "BR") || x12::eq(q, "BQ");
  }

  void add_procedures(const x12::BodySegment& b) {
    const x12::Segment& s = b.seg;
    Claim& c = *claim_;
    for (std::uint16_t el = 1; el <= s.size(); ++el) {
      if (s.el(el).empty()) continue;
      const std::string_view qual = s.comp(el, 1);
      if (!is_procedure_qualifier(qual)) continue;
      rules::ClaimProcedure& p = c.procedures.emplace_back();
      p.position = static_cast<int>(c.procedures.size());
      p.code_as_sent.assign(s.comp(el, 2));
      p.code = rules::normalize_code(p.code_as_sent);
      p.system_as_sent.assign(qual);
      p.system = qual.size() == 3 ? rules::ProcedureSystem::Icd10Pcs : rules::ProcedureSystem::Icd9Cm;
      p.role = qual.back() == 'R' ? rules::ProcedureRole::Principal : rules::ProcedureRole::Other;
      p.src.x12 = where(s, b.position, b.loop, el, 2, 1271);
      if (x12::eq(s.comp(el, 3), "D8")) p.date = rules::parse_d8(s.comp(el, 4));
      if (!s.comp(el, 4).empty()) p.date_src.x12 = where(s, b.position, b.loop, el, 4, 1251);
    }
  }

  void start_line(const x12::BodySegment& b) {
    rules::ServiceLine& l = claim_->lines.emplace_back();
    const std::string_view n = b.seg.el(1);
    int v = 0;
    const auto r = std::from_chars(n.data(), n.data() + n.size(), v);
    l.number = r.ec == std::errc() ? v : static_cast<int>(claim_->lines.size());
    l.src.x12 = where(b.seg, b.position, b.loop, 1, 0, 554);
  }

  void add_service(const x12::BodySegment& b) {
    Claim& c = *claim_;
    if (c.lines.empty()) return;  // the reader reported the structure problem
    rules::ServiceLine& l = c.lines.back();
    const x12::Segment& s = b.seg;
    const bool sv2 = s.code == x12::seg_code("SV2");
    const std::uint16_t proc_el = sv2 ? 2 : 1;
    if (sv2) l.revenue_code.assign(s.el(1));
    l.procedure.system.assign(s.comp(proc_el, 1));
    l.procedure.code.assign(s.comp(proc_el, 2));
    for (std::uint16_t m = 3; m <= 6; ++m) {
      const std::string_view mod = s.comp(proc_el, m);
      if (mod.empty()) continue;
      l.procedure.modifiers.emplace_back(mod);
      l.procedure.modifier_src.push_back({where(s, b.position, b.loop, proc_el, m, 1339), {}});
    }
    l.procedure.src.x12 = where(s, b.position, b.loop, proc_el, 2, 234);
    const std::uint16_t charge_el = sv2 ? 3 : 2;
    if (auto a = rules::parse_amount(s.el(charge_el))) l.charge = *a;
    const bool sv1 = s.code == x12::seg_code("SV1");
    const std::uint16_t qty_el = sv2 ? 5 : sv1 ? 4 : 6;
    l.units = parse_units(s.el(qty_el));
    if (!sv1 && !sv2) l.place_of_service.assign(s.el(3));
    if (sv1) l.place_of_service.assign(s.el(5));
    if (sv1 || sv2) l.unit_basis.assign(s.el(sv2 ? 4 : 3));
    if (sv2) return;
    const std::uint16_t ptr_el = s.code == x12::seg_code("SV1") ? 7 : 11;
    const std::string_view ptrs = s.el(ptr_el);
    l.pointers_present = !ptrs.empty();
    if (ptrs.empty()) return;
    const std::size_t n = s.comp_count(ptr_el);
    l.pointers.reserve(n);
    for (std::size_t k = 1; k <= n; ++k) {
      rules::DiagnosisPointer p;
      const std::string_view raw = s.comp(ptr_el, k);
      p.raw.assign(raw);
      int v = -1;
      if (!raw.empty() && raw.size() <= 4 &&
          std::all_of(raw.begin(), raw.end(), [](char ch) { return ch >= '0' && ch <= '9'; })) {
        std::from_chars(raw.data(), raw.data() + raw.size(), v);
      }
      p.value = v;
      p.src.x12 = where(s, b.position, b.loop, ptr_el, static_cast<std::uint16_t>(k), 1328);
      l.pointers.push_back(std::move(p));
    }
  }

  bool add_date(const x12::BodySegment& b) {
    const x12::Segment& s = b.seg;
    Claim& c = *claim_;
    const std::string_view qual = s.el(1);
    std::optional<rules::Date> from, to;
    parse_dates(s.el(2), s.el(3), from, to);
    if (x12::eq(b.loop, "2400") && x12::eq(qual, "472") && !c.lines.empty()) {
      auto& l = c.lines.back();
      l.service_from = from;
      l.service_to = to;
      l.date_src.x12 = where(s, b.position, b.loop, 3, 0, 1251);
    } else if (x12::eq(b.loop, "2300") && (x12::eq(qual, "434") || x12::eq(qual, "472"))) {
      c.date_from = from;
      c.date_to = to;
    } else if (x12::eq(b.loop, "2300") && x12::eq(qual, "435")) {
      c.details.admission_date = rules::parse_d8(s.el(3).substr(0, 8));
      return s.el(3).size() == 8;  // DT with an hour: the hour is not carried
    } else {
      return false;
    }
    return true;
  }

  void finish_claim() {
    if (!claim_) return;
    Claim& c = *claim_;
    if (!c.date_from && !c.date_to) {
      for (const auto& l : c.lines) {
        if (l.service_from && (!c.date_from || *l.service_from < *c.date_from)) c.date_from = l.service_from;
        const auto& end = l.service_to ? l.service_to : l.service_from;
        if (end && (!c.date_to || *end > *c.date_to)) c.date_to = end;
      }
    }
    ++claims;
    if (block_ == &c.x12.raw_claim) block_ = nullptr;
    on_claim_(std::move(c), std::move(claim_findings_));
    claim_findings_.clear();
    claim_.reset();
  }

  std::string source_;
  ClaimCallback on_claim_;
  ErrorCallback on_error_;
  SyntaxErrorCallback on_syntax_;
  x12::Handler* observer_ = nullptr;
  bool capture_ = false;
  std::string* block_ = nullptr;  // where raw segments go (capture_raw)
  std::string sub_last_, sub_first_, member_id_, pat_last_, pat_first_;
  x12::TransactionType type_ = x12::TransactionType::Unknown;
  rules::X12Context ctx_;
  std::string billing_npi_, payer_id_;
  // Built once per HL and shared by its claims (rules::PartyRef): a claim takes references.
  rules::PartyRef billing_, subscriber_, patient_, payer_;
  rules::Party* party_ = nullptr;  // the party the last NM1 named (its N3, N4, REF, PRV, DMG)
  std::array<std::string, 4> sbr_;  // SBR01, SBR02, SBR03, SBR09
  std::string pat01_;
  std::optional<rules::Date> created_;
  std::string created_time_;
  std::vector<std::string> unmapped_provider_, unmapped_subscriber_, unmapped_patient_;
  rules::X12Location billing_npi_loc_;
  std::optional<Finding> billing_zip_;
  std::optional<rules::Date> sub_birth_, pat_birth_;
  rules::X12Location sub_birth_loc_, pat_birth_loc_;  // DMG02 (2010BA / 2010CA)
  char sub_sex_ = 0, pat_sex_ = 0;
  bool patient_level_ = false;
  std::optional<Claim> claim_;
  rules::Findings claim_findings_, pending_;
  std::string pending_claim_id_;
};

X12ClaimReader::X12ClaimReader(std::string_view source_name, const InputLimits&,
                               ClaimCallback on_claim, ErrorCallback on_error,
                               SyntaxErrorCallback on_syntax, X12ReadOptions options)
    : builder_(std::make_unique<Builder>(source_name, std::move(on_claim), std::move(on_error),
                                         std::move(on_syntax), options)),
      reader_(std::make_unique<x12::Reader>(*builder_)) {}

X12ClaimReader::~X12ClaimReader() = default;

void X12ClaimReader::feed(std::string_view chunk) { reader_->feed(chunk); }
void X12ClaimReader::finish() { reader_->finish(); }
std::size_t X12ClaimReader::claims() const { return builder_->claims; }
std::size_t X12ClaimReader::errors() const { return builder_->errors; }
std::uint32_t X12ClaimReader::interchanges() const { return reader_->interchanges(); }
x12::Reader& X12ClaimReader::reader() { return *reader_; }
const x12::Reader& X12ClaimReader::reader() const { return *reader_; }
void X12ClaimReader::add_counts(std::size_t claims, std::size_t errors) {
  builder_->claims += claims;
  builder_->errors += errors;
}

}  // namespace cg::transforms
