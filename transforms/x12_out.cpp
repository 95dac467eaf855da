#include "transforms/x12_out.hpp"

#include <algorithm>
#include <cstdio>

namespace cg::transforms {
namespace {

std::string digits(std::uint64_t v, int width) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%0*llu", width, static_cast<unsigned long long>(v % 1000000000ull));
  return buf;
}

std::size_t count_segments(std::string_view raw, char term) {
  return static_cast<std::size_t>(std::count(raw.begin(), raw.end(), term));
}

// Writes segments with the given delimiters, counting them.
struct Out {
  std::string& s;
  char el, comp, term;
  std::size_t count = 0;
  void seg(std::initializer_list<std::string_view> elements) {
    bool first = true;
    for (auto e : elements) {
      if (!first) s.push_back(el);
      s.append(e);
      first = false;
    }
    s.push_back(term);
    ++count;
  }
  void raw(std::string_view segments) {
    s.append(segments);
    count += count_segments(segments, term);
  }
};

std::string pad(std::string_view v, std::size_t n) {
  std::string out(v.substr(0, n));
  out.resize(n, ' ');
  return out;
}

// An ISA with the given delimiters (re-enveloping keeps the sender's delimiters).
std::string isa_with(char el, char comp, char rep, char term, const X12Party& from, const X12Party& to,
                     const X12Stamp& stamp, std::uint64_t control, std::string_view usage) {
  const std::string date = stamp.date.size() == 8 ? stamp.date.substr(2) : pad(stamp.date, 6);
  std::string s = "ISA";
  const auto add = [&](std::string_view v) {
    s.push_back(el);
    s.append(v);
  };
  add("00");
  add(pad("", 10));
  add("00");
  add(pad("", 10));
  add(pad(from.qualifier, 2));
  add(pad(from.id, 15));
  add(pad(to.qualifier, 2));
  add(pad(to.id, 15));
  add(date);
  add(pad(stamp.time, 4));
  add(std::string(1, rep));
  add("00501");
  add(digits(control, 9));
  add("0");
  add(usage == "T" ? "T" : "P");  // a test interchange stays a test interchange
  add(std::string(1, comp));
  s.push_back(term);
  return s;
}

// The HL segment at the start of a raw loop, with new ids: HL01 and HL02 replaced, HL03/HL04
// kept as received.
std::string renumber_hl(std::string_view block, char el, char term, std::size_t id, std::size_t parent) {
  const std::size_t end = block.find(term);
  const std::string_view hl = block.substr(0, end);
  std::vector<std::string_view> parts;
  std::size_t start = 0;
  while (true) {
    const std::size_t at = hl.find(el, start);
    parts.push_back(hl.substr(start, at == std::string_view::npos ? hl.npos : at - start));
    if (at == std::string_view::npos) break;
    start = at + 1;
  }
  std::string out = "HL";
  out.push_back(el);
  out += std::to_string(id);
  out.push_back(el);
  if (parent) out += std::to_string(parent);
  for (std::size_t i = 3; i < parts.size(); ++i) {
    out.push_back(el);
    out.append(parts[i]);
  }
  out.push_back(term);
  return out;
}

std::string_view rest_after_first(std::string_view block, char term) {
  const std::size_t end = block.find(term);
  return end == std::string_view::npos ? std::string_view{} : block.substr(end + 1);
}

// GS06: unique per group in the interchange, at most 9 digits.
std::string group_control(std::uint64_t control, std::size_t group) {
  return std::to_string((control % 10000000ull) * 100 + group % 100);
}

// The transaction set a claim came from: control numbers and the set's ordinal in its input
// (control numbers may repeat within one input).
std::string source_key(const rules::Claim& c) {
  return c.x12.isa13 + '/' + c.x12.gs06 + '/' + c.x12.st02 + '#' + std::to_string(c.x12.set_index);
}

}  // namespace

Split837Writer::Split837Writer(X12Party sender, X12Party receiver, X12Stamp& stamp, Sink sink)
    : sender_(std::move(sender)), receiver_(std::move(receiver)), stamp_(stamp), sink_(std::move(sink)) {}

void Split837Writer::close_group() {
  if (!group_open_) return;
  std::string ge;
  Out e{ge, el_, comp_, term_};
  e.seg({"GE", std::to_string(sets_), group_control(control_, groups_)});
  sink_(ge);
  group_open_ = false;
}

void Split837Writer::close_interchange() {
  close_group();
  if (!interchange_open_) return;
  std::string iea;
  Out e{iea, el_, comp_, term_};
  e.seg({"IEA", std::to_string(groups_), digits(control_, 9)});
  sink_(iea);
  interchange_open_ = false;
}

void Split837Writer::add(std::span<const rules::Claim* const> claims) {
  std::size_t i = 0;
  while (i < claims.size()) {
    const rules::X12Context& d = claims[i]->x12;
    // One interchange per run of claims sharing delimiters and usage indicator, one group per
    // guide, one transaction set per transaction set the claims came from.
    if (interchange_open_ && (d.element_sep != el_ || d.segment_term != term_ || d.component_sep != comp_ ||
                              d.isa15 != usage_))
      close_interchange();
    if (!interchange_open_) {
      el_ = d.element_sep;
      comp_ = d.component_sep;
      term_ = d.segment_term;
      usage_ = d.isa15;
      const char rep = d.repetition_sep ? d.repetition_sep : '^';
      control_ = stamp_.take(sender_.qualifier, sender_.id);
      sink_(isa_with(el_, comp_, rep, term_, sender_, receiver_, stamp_, control_, usage_));
      interchange_open_ = true;
      groups_ = 0;
    }
    if (group_open_ && d.guide != guide_) close_group();
    if (!group_open_) {
      guide_ = d.guide;
      ++groups_;
      sets_ = 0;
      std::string gs;
      Out g{gs, el_, comp_, term_};
      g.seg({"GS", "HC", sender_.gs_id(), receiver_.gs_id(), stamp_.date, stamp_.time,
             group_control(control_, groups_), "X", guide_});
      sink_(gs);
      group_open_ = true;
    }
    const std::string key = source_key(*claims[i]);
    const std::string st02 = digits(++sets_, 4);
    std::string body;
    Out t{body, el_, comp_, term_};
    t.seg({"ST", "837", st02, guide_});
    t.raw(claims[i]->x12.raw_header);
    std::size_t hl = 0, provider_hl = 0, subscriber_hl = 0;
    const std::string* last_provider = nullptr;
    const std::string* last_subscriber = nullptr;
    std::string last_subscriber_hl, last_provider_hl;
    const std::size_t first = i;
    while (i < claims.size() && source_key(*claims[i]) == key) {
      const rules::X12Context& x = claims[i]->x12;
      const bool new_provider = last_provider == nullptr || x.provider_hl != last_provider_hl ||
                                x.raw_provider != *last_provider;
      if (new_provider) {
        provider_hl = ++hl;
        t.raw(renumber_hl(x.raw_provider, el_, term_, provider_hl, 0));
        t.raw(rest_after_first(x.raw_provider, term_));
        last_provider = &x.raw_provider;
        last_provider_hl = x.provider_hl;
        last_subscriber = nullptr;
      }
      const bool new_subscriber = new_provider || last_subscriber == nullptr ||
                                  x.subscriber_hl != last_subscriber_hl || x.raw_subscriber != *last_subscriber;
      if (new_subscriber) {
        subscriber_hl = ++hl;
        t.raw(renumber_hl(x.raw_subscriber, el_, term_, subscriber_hl, provider_hl));
        t.raw(rest_after_first(x.raw_subscriber, term_));
        last_subscriber = &x.raw_subscriber;
        last_subscriber_hl = x.subscriber_hl;
      }
      if (!x.raw_patient.empty()) {
        // A patient loop is written with each of its claims (claims of one patient that
        // were consecutive stay under one HL).
        const bool same_patient = !new_subscriber && i > first && claims[i - 1]->x12.raw_patient == x.raw_patient;
        if (!same_patient) {
          const std::size_t patient_hl = ++hl;
          t.raw(renumber_hl(x.raw_patient, el_, term_, patient_hl, subscriber_hl));
          t.raw(rest_after_first(x.raw_patient, term_));
        }
      }
      t.raw(x.raw_claim);
      ++i;
    }
    t.seg({"SE", std::to_string(t.count + 1), st02});
    sink_(body);
  }
}

void Split837Writer::finish() { close_interchange(); }

std::string render_split_837(const std::vector<const rules::Claim*>& claims, const X12Party& sender,
                             const X12Party& receiver, X12Stamp& stamp) {
  std::string out;
  Split837Writer w(sender, receiver, stamp, [&](std::string_view s) { out.append(s); });
  w.add(claims);
  w.finish();
  return out;
}

ClaimStatus claim_status_for(const rules::Finding& f, const rules::Claim& claim) {
  const std::string_view r = f.rule;
  const auto starts = [&](std::string_view p) { return r.substr(0, p.size()) == p; };
  bool principal = false;
  if (f.diagnosis > 0) {
    for (const auto& d : claim.diagnoses)
      if (d.position == f.diagnosis) principal = d.role == rules::DxRole::Principal;
  }
  const std::string dx_code = principal ? "254" : "255";
  if (r == "dx.pointer.missing") return {"A6", "255", ""};
  if (starts("dx.pointer.")) return {"A7", "255", ""};
  if (r == "claim.balance") return {"A7", "400", ""};
  if (r == "claim.future-date") return {"A7", "187", ""};
  if (r == "claim.npi") return {"A7", "562", "85"};  // entity's NPI; entity: billing provider
  if (r == "claim.billing-zip") return {"A7", "500", "85"};  // entity's postal/ZIP code
  // The claim cannot be converted for its payer's target (engine/routing.hpp): missing or
  // invalid information; the JSON report names the element.
  if (r == "convert.target-needs") return {"A7", "21", ""};
  if (r == "icd10cm.poa-required") return {"A6", "688", ""};  // present on admission indicator
  if (r == "icd10cm.poa-exempt") return {"A7", "688", ""};
  if (r == "icd10cm.excludes1" || r == "icd10cm.external-cause-first" || r == "icd10cm.manifestation-first" ||
      r == "icd10cm.age-conflict" || r == "icd10cm.sex-conflict" || r == "dx.duplicate-code")
    return {"A8", dx_code, ""};
  if (starts("icd10cm.")) return {"A7", dx_code, ""};
  if (starts("dx.")) return {"A7", "255", ""};
  // Procedure codes (277CA claim status codes 465 principal procedure code, 490 other procedure
  // code, 454 procedure code for services rendered, 453 procedure code modifier).
  if (starts("icd10pcs.") && f.line == 0) {
    bool principal_proc = r == "icd10pcs.principal-missing";
    for (const auto& p : claim.procedures)
      if (p.position == f.procedure) principal_proc = principal_proc || p.role == rules::ProcedureRole::Principal;
    return {r == "icd10pcs.principal-missing" ? "A6" : "A7", principal_proc ? "465" : "490", ""};
  }
  if (r == "hcpcs.modifier") return {"A7", "453", ""};
  if (starts("icd10pcs.") || starts("hcpcs.") || r == "cpt.format") return {"A7", "454", ""};
  if (f.line > 0) return {"A8", "255", ""};  // payer pack: procedure to diagnosis linkage
  return {"A7", "21", ""};                   // missing or invalid information
}

namespace {

std::string amount(const rules::Amount& a) { return a.present ? a.to_string() : "0"; }

std::string bht03(const std::string& raw_header, char el, char term) {
  const std::size_t end = raw_header.find(term);
  const std::string_view bht = std::string_view(raw_header).substr(0, end);
  std::size_t start = 0;
  for (int k = 0; k < 3; ++k) {
    start = bht.find(el, start);
    if (start == std::string_view::npos) return {};
    ++start;
  }
  const std::size_t stop = bht.find(el, start);
  return std::string(bht.substr(start, stop == std::string_view::npos ? bht.npos : stop - start));
}

std::string clean(std::string_view v, std::size_t max = 60) { return answer_value(v, max); }

std::string dates(const std::optional<rules::Date>& from, const std::optional<rules::Date>& to) {
  const auto d8 = [](const rules::Date& d) {
    char b[16];
    std::snprintf(b, sizeof b, "%04d%02d%02d", d.year, d.month, d.day);
    return std::string(b);
  };
  if (!from) return {};
  if (!to || *to == *from) return "D8*" + d8(*from);
  return "RD8*" + d8(*from) + "-" + d8(*to);
}

// STC segments for the reject findings of a claim or a line: one status composite per distinct
// category:code, up to three per STC (STC01, STC10, STC11).
std::vector<std::string> status_composites(const rules::Verdict& v, const rules::Claim& c, int line) {
  std::vector<std::string> out;
  for (const auto& f : v.findings) {
    if (f.severity != rules::Severity::Reject || f.rule.rfind("x12.", 0) == 0) continue;
    if ((line == 0) != (f.line == 0) || (line != 0 && f.line != line)) continue;
    const ClaimStatus s = claim_status_for(f, c);
    const std::string comp = s.category + ":" + s.code + (s.entity.empty() ? "" : ":" + s.entity);
    if (std::find(out.begin(), out.end(), comp) == out.end()) out.push_back(comp);
  }
  return out;
}

void write_stc(Out& o, const std::vector<std::string>& comps, const std::string& date, const std::string& amt) {
  for (std::size_t k = 0; k < comps.size(); k += 3) {
    std::string s = "STC*" + comps[k] + "*" + date + "*U*" + amt;
    if (k + 1 < comps.size()) s += "******" + comps[k + 1];
    if (k + 2 < comps.size()) s += "*" + comps[k + 2];
    o.s += s;
    o.s.push_back('~');
    o.s.push_back('\n');
    ++o.count;
  }
}

}  // namespace

Ack277Writer::Ack277Writer(const AckCollector& acks, X12Party source, X12Stamp& stamp, Sink sink)
    : acks_(acks), source_(std::move(source)), stamp_(stamp), sink_(std::move(sink)) {}

void Ack277Writer::add_set(std::span<const ClaimOutcome* const> set) {
  if (set.empty()) return;
  const rules::X12Context& x = set.front()->claim.x12;
  if (!acks_.transaction_accepted(x.set_index)) return;
  std::string out;
  if (!open_) {
    control_ = stamp_.take(source_.qualifier, source_.id);
    // Back to the submitter as it named itself (ISA05/ISA06, GS02), like the 999.
    const X12Party to{x.sender_qualifier.empty() ? "ZZ" : x.sender_qualifier, x.sender_id, x.submitter_name, ""};
    out = make_isa(source_.qualifier, source_.id, to.qualifier, to.id, stamp_, control_, x.isa15);
    gs06_ = std::to_string(control_);
    out += "GS*HN*" + clean(source_.gs_id(), 15) + "*" + clean(x.gs02.empty() ? x.sender_id : x.gs02, 15) + "*" +
           stamp_.date + "*" + stamp_.time + "*" + gs06_ + "*X*005010X214~\n";
    open_ = true;
  }
  const std::string st02 = digits(++sets_, 4);
  Out o{out, '*', ':', '~'};
  const auto seg = [&](const std::string& s) {
    out += s;
    out += "~\n";
    ++o.count;
  };
  seg("ST*277*" + st02 + "*005010X214");
  seg("BHT*0085*08*" + gs06_ + st02 + "*" + stamp_.date + "*" + stamp_.time + "*TH");
  // 2000A information source
  seg("HL*1**20*1");
  seg("NM1*AY*2*" + clean(source_.name) + "*****46*" + clean(source_.id, 80));
  seg("TRN*1*" + gs06_ + st02);
  seg("DTP*050*D8*" + stamp_.date);
  seg("DTP*009*D8*" + stamp_.date);
  // 2000B information receiver: the submitter of the 837, with the batch totals
  std::size_t accepted = 0, rejected = 0;
  rules::Amount acc_amt{0, true}, rej_amt{0, true}, total{0, true};
  for (const ClaimOutcome* c : set) {
    (c->verdict.accepted ? accepted : rejected) += 1;
    (c->verdict.accepted ? acc_amt : rej_amt).units += c->claim.total.units;
    total.units += c->claim.total.units;
  }
  seg("HL*2*1*21*1");
  seg("NM1*41*2*" + clean(x.submitter_name) + "*****46*" + clean(x.submitter_id, 80));
  const std::string batch = bht03(x.raw_header, x.element_sep, x.segment_term);
  seg("TRN*2*" + clean(batch.empty() ? x.st02 : batch, 50));
  seg("STC*A1:19:PR*" + stamp_.date + "*WQ*" + total.to_string());
  if (accepted) seg("QTY*90*" + std::to_string(accepted));
  if (rejected) seg("QTY*AA*" + std::to_string(rejected));
  if (accepted) seg("AMT*YU*" + acc_amt.to_string());
  if (rejected) seg("AMT*YY*" + rej_amt.to_string());
  // 2000C billing provider, 2000D patient per claim
  std::size_t hl = 2, provider_hl = 0;
  std::string last_provider;
  for (std::size_t k = 0; k < set.size(); ++k) {
    const rules::Claim& c = set[k]->claim;
    const rules::Verdict& v = set[k]->verdict;
    const std::string provider_key = c.billing_npi + '|' + c.x12.billing_name;
    if (provider_hl == 0 || provider_key != last_provider) {
      std::size_t p_acc = 0, p_rej = 0;
      rules::Amount pa{0, true}, pr{0, true};
      for (std::size_t m = k; m < set.size() && set[m]->claim.billing_npi + '|' + set[m]->claim.x12.billing_name == provider_key; ++m) {
        (set[m]->verdict.accepted ? p_acc : p_rej) += 1;
        (set[m]->verdict.accepted ? pa : pr).units += set[m]->claim.total.units;
      }
      provider_hl = ++hl;
      seg("HL*" + std::to_string(provider_hl) + "*2*19*1");
      seg("NM1*85*2*" + clean(c.x12.billing_name) + "*****XX*" + clean(c.billing_npi, 80));
      seg("TRN*1*" + clean(c.billing_npi.empty() ? "0" : c.billing_npi, 50));
      if (p_acc) seg("QTY*QA*" + std::to_string(p_acc));
      if (p_rej) seg("QTY*QC*" + std::to_string(p_rej));
      if (p_acc) seg("AMT*YU*" + pa.to_string());
      if (p_rej) seg("AMT*YY*" + pr.to_string());
      last_provider = provider_key;
    }
    seg("HL*" + std::to_string(++hl) + "*" + std::to_string(provider_hl) + "*PT");
    seg("NM1*QC*1*" + clean(c.x12.patient_last) + "*" + clean(c.x12.patient_first) + "****MI*" +
        clean(c.x12.member_id, 80));
    seg("TRN*2*" + clean(c.id, 50));
    const std::string amt = amount(c.total);
    const std::vector<std::string> claim_status = status_composites(v, c, 0);
    std::vector<std::string> any_line;
    for (const auto& l : c.lines) {
      auto ls = status_composites(v, c, l.number);
      any_line.insert(any_line.end(), ls.begin(), ls.end());
    }
    if (v.accepted) {
      seg("STC*A2:20*" + stamp_.date + "*WQ*" + amt);
    } else if (!claim_status.empty()) {
      write_stc(o, claim_status, stamp_.date, amt);
    } else {
      // Every reason is on a line: the claim is rejected for invalid information.
      write_stc(o, {any_line.empty() ? std::string("A7:21") : any_line.front()}, stamp_.date, amt);
    }
    seg("REF*D9*" + clean(c.x12.isa13 + c.x12.st02 + std::to_string(k + 1), 50));
    const std::string dtp = dates(c.date_from, c.date_to);
    if (!dtp.empty()) seg("DTP*472*" + dtp);
    // 2220D service lines with their own rejections
    if (!v.accepted) {
      for (const auto& l : c.lines) {
        const auto ls = status_composites(v, c, l.number);
        if (ls.empty()) continue;
        seg("SVC*" + clean(l.procedure.system.empty() ? "HC" : l.procedure.system, 2) + ":" +
            clean(l.procedure.code, 48) + "*" + amount(l.charge) + "*0");
        write_stc(o, ls, stamp_.date, amount(l.charge));
        seg("REF*FJ*" + std::to_string(l.number));
        const std::string ld = dates(l.service_from, l.service_to);
        if (!ld.empty()) seg("DTP*472*" + ld);
      }
    }
  }
  out += "SE*" + std::to_string(o.count + 1) + "*" + st02 + "~\n";
  sink_(out);
}

void Ack277Writer::finish() {
  if (!open_) return;
  sink_("GE*" + std::to_string(sets_) + "*" + gs06_ + "~\n" + "IEA*1*" + digits(control_, 9) + "~\n");
  open_ = false;
}

std::string render_277ca(const std::vector<const ClaimOutcome*>& outcomes, const AckCollector& acks,
                         const X12Party& source, X12Stamp& stamp) {
  std::string out;
  Ack277Writer w(acks, source, stamp, [&](std::string_view s) { out.append(s); });
  std::size_t i = 0;
  while (i < outcomes.size()) {
    const std::string key = source_key(outcomes[i]->claim);
    std::size_t j = i;
    while (j < outcomes.size() && source_key(outcomes[j]->claim) == key) ++j;
    w.add_set(std::span<const ClaimOutcome* const>(outcomes.data() + i, j - i));
    i = j;
  }
  w.finish();
  return out;
}

}  // namespace cg::transforms
