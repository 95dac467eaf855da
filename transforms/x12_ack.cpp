#include "transforms/x12_ack.hpp"

#include <algorithm>
#include <cstdio>

namespace cg::transforms {
namespace {

std::string pad(std::string_view s, std::size_t n) {
  std::string out(s.substr(0, n));
  out.resize(n, ' ');
  return out;
}

std::string digits(std::uint64_t v, int width) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%0*llu", width, static_cast<unsigned long long>(v % 1000000000ull));
  return buf;
}

std::string clean(std::string_view v, std::size_t max) { return answer_value(v, max); }

// IK303 (data element 447, AN 1/4, 005010X231A1): "the loop ID number given on the transaction
// set diagram", the 837 standard's loop (1000, 2000, 2010, 2300, 2310, 2320, 2330, 2400, 2410,
// 2420, 2430, 2440). The implementation guides name their variants of it with a letter (2010AA,
// 2330B): the 999 carries the diagram's number, the letters do not fit. Empty outside a loop
// (BHT), where IK303 is not used.
std::string ik303_loop_id(std::string_view loop) {
  std::string out;
  for (char c : loop.substr(0, 4))
    if (c >= '0' && c <= '9') out.push_back(c);
  return out.size() == 4 ? out : std::string();
}

// IK301 is a segment id (2-3 letters and digits) even when what was received is not one: the
// letters and digits received, or "UNK" when fewer than two; IK302 locates the segment.
std::string segment_id_code(std::string_view id) {
  std::string out;
  for (char c : id) {
    if (out.size() == 3) break;
    if (c >= 'a' && c <= 'z') c = static_cast<char>(c - 'a' + 'A');
    if ((c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')) out.push_back(c);
  }
  return out.size() >= 2 ? out : "UNK";
}

void add_unique(std::vector<std::string>& codes, const std::string& c) {
  if (std::find(codes.begin(), codes.end(), c) == codes.end()) codes.push_back(c);
}

// Segments of one generated transaction set, counted for SE01.
struct SetWriter {
  std::string& out;
  int count = 0;
  void seg(const std::string& s) {
    out += s;
    out += "~\n";
    ++count;
  }
};

}  // namespace

std::string answer_value(std::string_view v, std::size_t max) {
  std::string out;
  for (char c : v.substr(0, max)) {
    const auto u = static_cast<unsigned char>(c);
    if (c == '*' || c == ':' || c == '^' || c == '~' || u < 0x20 || u == 0x7F) continue;
    out.push_back(c);
  }
  return out;
}

std::string make_isa(std::string_view sender_qual, std::string_view sender_id,
                     std::string_view receiver_qual, std::string_view receiver_id,
                     const X12Stamp& stamp, std::uint64_t control, std::string_view usage,
                     char ack_requested) {
  const std::string date = stamp.date.size() == 8 ? stamp.date.substr(2) : pad(stamp.date, 6);
  // The ids are mirrored from the submitter's ISA, which was written with its own delimiters:
  // ours are dropped from them like from every other value copied into an answer.
  std::string isa = "ISA*00*" + pad("", 10) + "*00*" + pad("", 10) + "*" + pad(answer_value(sender_qual, 2), 2) + "*" +
                    pad(answer_value(sender_id, 15), 15) + "*" + pad(answer_value(receiver_qual, 2), 2) + "*" +
                    pad(answer_value(receiver_id, 15), 15) + "*" +
                    date + "*" + pad(stamp.time, 4) + "*^*00501*" + digits(control, 9) + "*" +
                    std::string(1, ack_requested) + "*" + (usage == "T" ? "T" : "P") + "*:~\n";
  return isa;
}

void AckCollector::on_interchange(const x12::Envelope& env) {
  Interchange ic;
  ic.env = env;
  interchanges_.push_back(std::move(ic));
}

void AckCollector::on_group(const x12::Envelope& env) {
  if (interchanges_.empty()) return;
  Group g;
  g.gs01 = env.gs01;
  g.gs02 = env.gs02;
  g.gs03 = env.gs03;
  g.gs06 = env.gs06;
  g.gs08 = env.gs08;
  interchanges_.back().groups.push_back(std::move(g));
}

void AckCollector::on_transaction(const x12::Envelope& env, x12::TransactionType) {
  if (interchanges_.empty() || interchanges_.back().groups.empty()) return;
  Transaction t;
  t.st01 = env.st01;
  t.st02 = env.st02;
  t.st03 = env.st03;
  t.set_index = env.set_index;
  for (auto& e : pending_) {
    t.accepted = false;
    t.errors.push_back(std::move(e));
  }
  pending_.clear();
  interchanges_.back().groups.back().transactions.push_back(std::move(t));
}

void AckCollector::on_transaction_end(const x12::Envelope&, const x12::TransactionResult& r) {
  if (interchanges_.empty() || interchanges_.back().groups.empty()) return;
  auto& ts = interchanges_.back().groups.back().transactions;
  if (ts.empty()) return;
  ts.back().closed = true;
  if (!r.accepted) ts.back().accepted = false;
}

void AckCollector::on_group_end(const x12::Envelope&, const x12::GroupResult& r) {
  if (interchanges_.empty() || interchanges_.back().groups.empty()) return;
  Group& g = interchanges_.back().groups.back();
  g.result = r;
  g.closed = true;
}

void AckCollector::on_interchange_end(const x12::Envelope&, bool trailer) {
  if (!interchanges_.empty()) interchanges_.back().trailer = trailer;
}

void AckCollector::on_error(const x12::SyntaxError& e) {
  using L = x12::ErrorLevel;
  if (e.level == L::Interchange) {
    if (!interchanges_.empty() && !e.isa13.empty() && interchanges_.back().env.isa13 == e.isa13)
      interchanges_.back().errors.push_back(e);
    else
      orphans_.push_back(e);
    return;
  }
  if (interchanges_.empty() || interchanges_.back().groups.empty()) {
    orphans_.push_back(e);
    return;
  }
  Group& g = interchanges_.back().groups.back();
  if (e.level == L::Group) {
    g.errors.push_back(e);
    return;
  }
  // Transaction, segment and element errors belong to the open transaction set; errors raised
  // on the ST itself arrive before it opens.
  if (g.transactions.empty() || g.transactions.back().closed) {
    pending_.push_back(e);
    return;
  }
  Transaction& t = g.transactions.back();
  t.accepted = false;
  // Transaction-level errors (IK502) are few and always kept; the cap bounds IK3/IK4 loops.
  if (t.errors.size() < kMaxErrors || e.level == L::Transaction) t.errors.push_back(e);
  else ++t.dropped;
}

bool AckCollector::transaction_accepted(std::uint32_t set_index) const {
  for (const auto& ic : interchanges_) {
    for (const auto& g : ic.groups) {
      if (g.transactions.empty() || g.transactions.back().set_index < set_index) continue;
      for (const auto& t : g.transactions)
        if (t.set_index == set_index) return ta1_code(ic) != 'R' && g.errors.empty() && t.accepted;
      return false;
    }
  }
  return false;
}

char ta1_code(const AckCollector::Interchange& ic) { return ic.errors.empty() ? 'A' : 'R'; }

namespace {

void write_transaction(SetWriter& w, const AckCollector::Transaction& t) {
  w.seg("AK2*" + clean(t.st01, 3) + "*" + clean(t.st02, 9) + (t.st03.empty() ? "" : "*" + clean(t.st03, 35)));
  std::vector<std::string> ik5_codes;
  bool segment_errors = false;
  // IK3 loops: one per segment in error, its IK4s under it (errors arrive in segment order).
  std::size_t i = 0;
  const auto& errs = t.errors;
  while (i < errs.size()) {
    const x12::SyntaxError& e = errs[i];
    if (e.level == x12::ErrorLevel::Transaction) {
      add_unique(ik5_codes, e.code);
      ++i;
      continue;
    }
    segment_errors = true;
    std::size_t j = i;
    std::string seg_code;
    while (j < errs.size() && errs[j].level != x12::ErrorLevel::Transaction &&
           errs[j].position == e.position && errs[j].segment_id == e.segment_id) {
      if (errs[j].level == x12::ErrorLevel::Segment && seg_code.empty()) seg_code = errs[j].code;
      ++j;
    }
    if (seg_code.empty()) seg_code = "8";
    w.seg("IK3*" + segment_id_code(e.segment_id) + "*" + std::to_string(e.position) + "*" + ik303_loop_id(e.loop) + "*" +
          seg_code);
    if (!e.claim_id.empty()) w.seg("CTX*CLM01:" + clean(e.claim_id, 35));
    for (std::size_t k = i; k < j; ++k) {
      const x12::SyntaxError& el = errs[k];
      if (el.level != x12::ErrorLevel::Element) continue;
      std::string pos = std::to_string(el.element);
      if (el.component > 0) pos += ":" + std::to_string(el.component);
      if (el.repetition > 1) pos += (el.component > 0 ? ":" : "::") + std::to_string(el.repetition);
      std::string ik4 = "IK4*" + pos + "*" + (el.data_element ? std::to_string(el.data_element) : "") + "*" + el.code;
      const std::string bad = clean(el.bad_value, 99);
      if (!bad.empty() && el.code != "1") ik4 += "*" + bad;
      w.seg(ik4);
    }
    i = j;
  }
  if (segment_errors || t.dropped > 0) add_unique(ik5_codes, "5");
  std::string ik5 = std::string("IK5*") + (t.accepted ? "A" : "R");
  for (std::size_t k = 0; k < ik5_codes.size() && k < 5; ++k) ik5 += "*" + ik5_codes[k];
  w.seg(ik5);
}

}  // namespace

namespace {

// A TA1 in an interchange of its own (ISA, TA1, IEA with no groups), the ids mirrored.
void write_ta1(std::string& out, const x12::Envelope& env, X12Stamp& stamp, char code, std::string_view note) {
  const std::uint64_t ctl = stamp.take(env.isa07, env.isa08);
  out += make_isa(env.isa07, env.isa08, env.isa05, env.isa06, stamp, ctl, env.isa15);
  out += "TA1*" + clean(env.isa13, 9) + "*" + clean(env.isa09, 6) + "*" + clean(env.isa10, 4) + "*" +
         std::string(1, code) + "*" + std::string(note) + "~\n";
  out += "IEA*0*" + digits(ctl, 9) + "~\n";
}

}  // namespace

std::string render_refusal_ta1(const AckCollector& acks, X12Stamp& stamp, std::string_view note) {
  std::string out;
  for (const auto& ic : acks.interchanges()) write_ta1(out, ic.env, stamp, 'R', note);
  return out;
}

std::string render_999(const AckCollector& acks, X12Stamp& stamp) {
  std::string out;
  for (const auto& ic : acks.interchanges()) {
    const x12::Envelope& env = ic.env;
    const char code = ta1_code(ic);
    // The TA1 travels in an interchange of its own (ISA, TA1, IEA with no groups); the 999s
    // follow in another. The answer goes back the way the interchange came: ids mirrored.
    if (code == 'R' || env.isa14 == "1") write_ta1(out, env, stamp, code, ic.errors.empty() ? "000" : ic.errors.front().code);
    if (code == 'R' || ic.groups.empty()) continue;
    const std::uint64_t ctl = stamp.take(env.isa07, env.isa08);
    out += make_isa(env.isa07, env.isa08, env.isa05, env.isa06, stamp, ctl, env.isa15);
    int groups_out = 0;
    {
      const std::string gs06 = std::to_string(ctl);
      const std::string app_sender = ic.groups.front().gs03.empty() ? env.isa08 : ic.groups.front().gs03;
      const std::string app_receiver = ic.groups.front().gs02.empty() ? env.isa06 : ic.groups.front().gs02;
      out += "GS*FA*" + clean(app_sender, 15) + "*" + clean(app_receiver, 15) + "*" + stamp.date + "*" +
             stamp.time + "*" + gs06 + "*X*005010X231A1~\n";
      int st = 0;
      for (const auto& g : ic.groups) {
        const std::string st02 = digits(static_cast<std::uint64_t>(++st), 4);
        SetWriter w{out};
        w.seg("ST*999*" + st02 + "*005010X231A1");
        w.seg("AK1*" + clean(g.gs01, 2) + "*" + clean(g.gs06, 9) + "*" + clean(g.gs08, 12));
        std::size_t accepted = 0;
        for (const auto& t : g.transactions) {
          write_transaction(w, t);
          accepted += t.accepted ? 1 : 0;
        }
        std::vector<std::string> codes;
        for (const auto& e : g.errors) add_unique(codes, e.code);
        const std::size_t received = g.transactions.size();
        char status = 'A';
        if (!codes.empty() || (received > 0 && accepted == 0)) status = 'R';
        else if (accepted < received) status = 'P';
        // AK902: the count the group declared (GE01) when readable, else what was received.
        const bool numeric = !g.result.declared.empty() &&
                             std::all_of(g.result.declared.begin(), g.result.declared.end(),
                                         [](char c) { return c >= '0' && c <= '9'; });
        const std::string declared = numeric ? g.result.declared : std::to_string(received);
        std::string ak9 = "AK9*" + std::string(1, status) + "*" + declared + "*" + std::to_string(received) +
                          "*" + std::to_string(accepted);
        for (std::size_t k = 0; k < codes.size() && k < 5; ++k) ak9 += "*" + codes[k];
        w.seg(ak9);
        out += "SE*" + std::to_string(w.count + 1) + "*" + st02 + "~\n";
      }
      out += "GE*" + std::to_string(st) + "*" + gs06 + "~\n";
      groups_out = 1;
    }
    out += "IEA*" + std::to_string(groups_out) + "*" + digits(ctl, 9) + "~\n";
  }
  return out;
}

}  // namespace cg::transforms
