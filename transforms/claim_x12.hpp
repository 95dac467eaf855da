// Canonical Claim -> X12 837P / 837I / 837D (005010X222A1 / X223A2 / X224A2), written as the
// claims arrive: one interchange (ISA/IEA) with one functional group (GS/GE) per run of claims of
// one guide and one transaction set (ST/SE) per claim, each with the full hierarchy (1000A
// submitter, 1000B receiver, 2000A/2010AA billing provider, 2000B/2010BA/2010BB subscriber and
// payer, 2000C/2010CA patient when the patient is not the subscriber, 2300 claim, 2310x
// providers and facility, 2400 lines), HL ids and parents, SE01 / GE01 / IEA01 counts and
// control numbers from X12Stamp. docs/convert.md has the element mapping.
//
// A claim lacking what the 837 requires (billing provider NPI and tax id, subscriber id, payer
// id, a date of service, diagnoses for 837P/I, a charge per line ...) is not written: add()
// returns errors (rule convert.missing) located at the element the value should come from
// (FHIRPath for FHIR claims), and nothing of the claim reaches the sink.
//
// Thread safety: one writer per thread.
#pragma once

#include "rulesets/core/claim.hpp"
#include "transforms/claim_fhir.hpp"
#include "transforms/x12_ack.hpp"
#include "transforms/x12_out.hpp"

#include <functional>
#include <optional>
#include <string>
#include <string_view>

namespace cg::transforms {

struct X12WriteOptions {
  X12Party sender;    // ISA05/06, GS02; 1000A NM1 submitter (name, NM109 = id)
  X12Party receiver;  // ISA07/08, GS03; 1000B NM1 receiver
  std::string contact_name;   // 1000A PER02
  std::string contact_phone;  // 1000A PER04 (PER03 TE)
  std::string usage = "P";    // ISA15: P production, T test
  // The guide to write; nullopt: from each claim's kind (Professional 837P, Institutional 837I,
  // Dental 837D; other kinds are an error).
  std::optional<rules::ClaimKind> kind;
};

class Claim837Writer {
 public:
  using Sink = std::function<void(std::string_view)>;
  Claim837Writer(X12WriteOptions options, X12Stamp& stamp, Sink sink);

  // Writes one claim as its own transaction set, or nothing and the errors.
  [[nodiscard]] Conversion add(const rules::Claim& claim);
  // Closes the open group and interchange (nothing when no claim was written). Call once.
  void finish();

  [[nodiscard]] std::size_t written() const { return written_; }

 private:
  struct Impl;
  void open(rules::ClaimKind kind);
  void close_group();

  X12WriteOptions options_;
  X12Stamp& stamp_;
  Sink sink_;
  bool interchange_open_ = false, group_open_ = false;
  rules::ClaimKind group_kind_ = rules::ClaimKind::Professional;
  std::uint64_t isa13_ = 0;
  std::size_t groups_ = 0, sets_in_group_ = 0, set_number_ = 0, written_ = 0;
};

}  // namespace cg::transforms
