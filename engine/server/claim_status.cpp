#include "engine/server/claim_status.hpp"

#include "engine/clock.hpp"
#include "engine/delivery/dead_letter.hpp"
#include "engine/delivery/receipts.hpp"
#include "engine/delivery/spool.hpp"
#include "engine/log.hpp"
#include "transforms/fhir_answers.hpp"

namespace cg::engine {

EntryStatus find_entry_status(const Spool& spool, const Receipts* receipts, const std::string& dead_letter_dir,
                              const std::string& key) {
  EntryStatus s;
  s.key = key;
  if (const auto p = spool.find(key)) {
    s.state = EntryStatus::State::Queued;
    s.payer_id = p->payer_id;
    s.sender = p->sender;
    s.accepted_ms = p->accepted_ms;
    s.attempts = p->attempts;
    s.in_flight = p->in_flight;
    return s;
  }
  if (DeadLetter d; find_dead_letter(dead_letter_dir, key, d)) {
    s.state = EntryStatus::State::DeadLettered;
    s.payer_id = d.payer_id;
    s.sender = d.sender;
    s.target = d.target;
    s.reason = d.reason;
    s.accepted_ms = d.accepted_ms;
    s.at_ms = d.dead_ms;
    s.attempts = d.attempts;
    return s;
  }
  if (receipts) {
    if (const auto r = receipts->find(key)) {
      s.state = EntryStatus::State::Forwarded;
      s.payer_id = r->payer_id;
      s.sender = r->sender;
      s.target = r->target;
      s.at_ms = r->at_ms;
    }
  }
  return s;
}

std::string_view to_string(EntryStatus::State s) noexcept {
  switch (s) {
    case EntryStatus::State::Queued: return "queued";
    case EntryStatus::State::Forwarded: return "forwarded";
    case EntryStatus::State::DeadLettered: return "dead_lettered";
    case EntryStatus::State::Unknown: break;
  }
  return "unknown";
}

namespace {

void field(std::string& j, std::string_view k, std::string_view v) {
  if (v.empty()) return;
  j += ",\"";
  j += k;
  j += "\":\"";
  log::append_json_escaped(j, v);
  j += '"';
}

}  // namespace

std::string entry_status_json(const EntryStatus& s) {
  std::string j = "{\"key\":\"";
  log::append_json_escaped(j, s.key);
  j += "\",\"state\":\"";
  j += to_string(s.state);
  j += '"';
  field(j, "payer_id", s.payer_id);
  field(j, "sender", s.sender);
  if (s.accepted_ms) field(j, "accepted_at", utc_iso_from_ms(s.accepted_ms));
  if (s.state != EntryStatus::State::Forwarded) j += ",\"attempts\":" + std::to_string(s.attempts);
  if (s.state == EntryStatus::State::Queued) j += s.in_flight ? ",\"in_flight\":true" : ",\"in_flight\":false";
  if (s.state == EntryStatus::State::Forwarded && s.at_ms) field(j, "forwarded_at", utc_iso_from_ms(s.at_ms));
  if (s.state == EntryStatus::State::DeadLettered && s.at_ms) field(j, "dead_lettered_at", utc_iso_from_ms(s.at_ms));
  field(j, "target", s.target);
  field(j, "reason", s.reason);
  j += "}\n";
  return j;
}

std::string entry_status_claim_response(const EntryStatus& s, std::string_view now) {
  std::string outcome = "queued", disposition;
  switch (s.state) {
    case EntryStatus::State::Queued:
      disposition = "Queued for the payer since " + utc_iso_from_ms(s.accepted_ms);
      if (s.attempts) disposition += " (" + std::to_string(s.attempts) + (s.attempts == 1 ? " failed attempt)" : " failed attempts)");
      break;
    case EntryStatus::State::Forwarded:
      outcome = "complete";
      disposition = "Forwarded to " + s.target + " at " + utc_iso_from_ms(s.at_ms);
      break;
    case EntryStatus::State::DeadLettered:
      outcome = "error";
      disposition = "Dead-lettered at " + utc_iso_from_ms(s.at_ms) + " (target " + s.target + "): " + s.reason;
      break;
    case EntryStatus::State::Unknown: break;
  }
  transforms::FhirAnswerStamp stamp;
  stamp.now = std::string(now);
  return transforms::entry_status_response_json(s.key, outcome, disposition, s.payer_id, stamp);
}

}  // namespace cg::engine
