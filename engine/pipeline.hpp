// The validation pipeline the server and the CLI share: bytes in, verdicts, answers for the
// sender and what goes on to the payer out. Decode -> validate -> decide -> answer; no stage
// throws on input.
//
// Thread safety: a Pipeline is immutable after construction and may be used from any number
// of threads at once; an X12Session belongs to one request (one thread at a time).
#pragma once

#include "rulesets/codesets/icd10cm.hpp"
#include "engine/routing.hpp"
#include "rulesets/core/rule.hpp"
#include "transforms/input.hpp"
#include "transforms/x12_out.hpp"
#include "transforms/x12_parallel.hpp"

#include <functional>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace cg::engine {

// The envelope identities of the re-enveloped 837 for one payer (a trading partner).
struct TradingPartner {
  transforms::X12Party receiver;  // ISA07 / ISA08 / GS03 of the 837 sent to this payer
  transforms::X12Party sender;    // ISA05 / ISA06 / GS02 claimgate uses towards it (empty id: identity)
};

// Who claimgate is in the interchanges it writes (999, TA1, 277CA, re-enveloped 837).
struct AckIdentity {
  std::string sender_qualifier = "ZZ";
  std::string sender_id = "CLAIMGATE";        // ISA06 / GS02 of what claimgate sends
  std::string payer_receiver_qualifier = "ZZ";
  std::string payer_receiver_id = "PAYER";    // ISA08 / GS03 of the 837 for a payer without a partner entry
  std::string organization_name = "CLAIMGATE";  // 277CA information source name
  std::string contact_name, contact_phone;      // 1000A PER of the 837s written from FHIR claims
  std::map<std::string, TradingPartner> trading_partners;  // by payer id (NM1*PR NM109)

  // The envelope parties of the 837 for a payer: its trading-partner entry, else the defaults.
  [[nodiscard]] TradingPartner partner_for(const std::string& payer_id) const;
};

struct PipelineOptions {
  std::shared_ptr<const codesets::Icd10Index> codes;
  std::shared_ptr<const rules::RuleSet> default_rules;  // built-ins when null
  // Rule sets chosen by the claim's payer id (NM1*PR / insurance), then by sender.
  std::map<std::string, std::shared_ptr<const rules::RuleSet>> rules_by_payer;
  std::map<std::string, std::shared_ptr<const rules::RuleSet>> rules_by_sender;
  AckIdentity identity;
  // The format each payer's target takes: accepted claims in the other format are converted
  // (engine/routing.hpp); a claim that cannot be is rejected.
  Routing routing;
  // X12 input is cut at transaction-set boundaries and runs of sets validated on these threads
  // as well as the caller's (transforms/x12_parallel.hpp); the answers, reports and callbacks
  // are the same bytes in the same order as without. Null: the caller's thread only.
  std::shared_ptr<transforms::WorkPool> pool;
};

// Control numbers and timestamps of generated interchanges: the CLI and the server allocate
// them (engine/delivery/control_numbers.hpp) and take the clock; tests inject them.
using Stamp = transforms::X12Stamp;

// One unit the forwarder sends to a payer.
struct ForwardItem {
  std::string payer_id;      // routing key; empty -> the default target
  std::string content_type;  // "application/edi-x12" or "application/fhir+json"
  // The re-enveloped 837 (accepted claims only) or one Claim; converted for the payer's target
  // (engine/routing.hpp): one 837 interchange for one FHIR claim, or one FHIR batch Bundle for
  // one X12 claim.
  std::string body;
  std::vector<std::string> claim_ids;
  // The spool entry key the answer named (see entry_key_prefix below); empty: the spool assigns one.
  std::string key;
};

struct Counts {
  std::size_t claims = 0, accepted = 0, rejected = 0, warnings = 0, input_errors = 0;
  std::map<std::string, std::size_t> findings_by_rule;    // for metrics
  std::map<std::string, std::size_t> rejections_by_rule;  // findings of severity reject, for metrics
};

struct X12Result {
  bool usable = false;      // false: not X12 at all (answer 400)
  std::string report_json;  // the JSON report of `claimgate validate`
  std::string ack;          // TA1 (when the interchange envelope is bad), 999, then the 277CA
  std::string ack_999;      // the TA1/999 interchange alone
  std::string ack_277ca;    // the 277CA interchange alone (empty when no transaction was accepted)
  std::vector<ForwardItem> forward;  // one re-enveloped 837 per payer id among accepted claims
  Counts counts;
  std::vector<std::string> control_numbers;  // ISA13 of the interchanges received (for logs)
  std::vector<transforms::ClaimOutcome> outcomes;  // every claim with its verdict, input order
  rules::Findings input_errors;                    // input errors not tied to a claim
};

enum class FhirOperation {
  Create,    // POST /fhir/Claim: accepted -> 201 + ClaimResponse (queued); rejected -> 422
  Submit,    // POST /fhir/Claim/$submit: accepted -> 200 + ClaimResponse; rejected -> 422
  Validate,  // POST /fhir/Claim/$validate: 200 + OperationOutcome, never forwarded
  Batch,     // POST /fhir with a batch Bundle: 200 + batch-response Bundle
};

struct FhirResult {
  bool usable = false;  // false: not JSON at all (nothing could be read)
  int http_status = 200;
  std::string content_type = "application/fhir+json";
  std::string body;
  std::vector<ForwardItem> forward;  // one per accepted Claim
  Counts counts;
  std::vector<transforms::ClaimOutcome> outcomes;  // every claim with its verdict, input order
  rules::Findings input_errors;                    // input errors not tied to a claim
};

class X12Session;
class ValidationStream;

// A claim's final outcome (its verdict no longer changes), in input order.
using OutcomeCallback = std::function<void(transforms::ClaimOutcome&&)>;
// The same for a validation stream: the claim's identity and final verdict only.
using VerdictCallback = std::function<void(transforms::ClaimVerdict&&)>;

// Where a streaming X12 session writes as transaction sets complete (`validate --out` on a
// batch of any size): each claim's final outcome, the 277CA and each payer's re-enveloped 837
// piece by piece (in that order per set); the TA1/999 comes from finish().
struct X12Outputs {
  OutcomeCallback on_outcome;                                             // may be empty
  transforms::ErrorCallback on_error;                                     // input errors not tied to a claim
  std::function<void(std::string_view)> ack_277ca;                        // required
  std::function<void(const std::string& payer_id, std::string_view)> payer_837;  // required
  // Each accepted claim converted for its payer's target (required when options().routing converts).
  std::function<void(const transforms::ClaimOutcome&, const RoutedBody&)> payer_converted;
};

class Pipeline {
 public:
  explicit Pipeline(PipelineOptions options);

  // Streaming X12: feed the body as it arrives; finish() answers. entry_key_prefix (the server:
  // a request id unique across restarts): the forward items get the keys "<prefix>-<n>" (n = 1,
  // 2, ... in r.forward order) and the JSON report names each queued claim's key (entry_key).
  [[nodiscard]] std::unique_ptr<X12Session> begin_x12(std::string_view source, std::string_view sender,
                                                      rules::Date today, Stamp stamp,
                                                      std::string_view entry_key_prefix = {}) const;
  // The same in bounded memory: the claims of one transaction set are held at a time and go to
  // `outputs` when the next set starts; finish() returns usable, counts, control_numbers,
  // ack_999 and ack (= ack_999) only. stamp.allocate may throw (ControlNumberError): then the
  // outputs are incomplete.
  [[nodiscard]] std::unique_ptr<X12Session> begin_x12_streaming(std::string_view source, std::string_view sender,
                                                                rules::Date today, Stamp stamp,
                                                                X12Outputs outputs) const;
  // Whole-body conveniences.
  [[nodiscard]] X12Result process_x12(std::string_view body, std::string_view source,
                                      std::string_view sender, rules::Date today, Stamp stamp) const;
  // now: the FHIR dateTime stamped on generated resources (empty: the clock, UTC); source: the
  // name claims carry in reports (Claim::source_name). The generated resources' ids are
  // "<id_prefix>-<n>"; id_prefix must be unique across requests and restarts (the server: its
  // request id; the Kafka worker: the record's topic/partition/offset); empty: a fresh
  // engine::unique_id() (engine/ids.hpp), so every front end's ids are unique. entry_keys (the
  // server): each accepted claim is queued under its ClaimResponse's id (ForwardItem::key), which
  // the ClaimResponse names in its identifier (transforms::kEntryKeySystem). stamp: the control
  // numbers and time of the 837s written for claims routed to X12 targets (engine/routing.hpp).
  [[nodiscard]] FhirResult process_fhir(std::string_view body, FhirOperation op, std::string_view sender,
                                        rules::Date today, std::string_view now = {},
                                        std::string_view source = "request",
                                        std::string_view id_prefix = {}, bool entry_keys = false,
                                        Stamp stamp = {}) const;

  // Validation only, in bounded memory (`claimgate validate`, the C ABI's cg_stream_*): the
  // bytes of one input (X12 or FHIR, recognized by content) in any chunking; each claim's
  // ClaimVerdict (its id, format and final verdict; every claim's source is `source`) goes to
  // on_verdict as soon as the verdict is final, input errors not tied to a claim to on_error. No
  // answers are built and nothing is kept once handed over: the claims themselves are destroyed
  // where they were judged (X12 on the pool's threads), so memory stays bounded by the runs in
  // flight's verdicts.
  [[nodiscard]] std::unique_ptr<ValidationStream> begin_validation(std::string_view source,
                                                                   std::string_view sender, rules::Date today,
                                                                   VerdictCallback on_verdict,
                                                                   transforms::ErrorCallback on_error) const;

  [[nodiscard]] const PipelineOptions& options() const { return options_; }
  [[nodiscard]] std::shared_ptr<const rules::RuleSet> rules_for(std::string_view payer_id,
                                                               std::string_view sender) const;
  // A claim's verdict: its rule set, then the routing check (engine/routing.hpp).
  [[nodiscard]] rules::Verdict judge(const rules::Claim& c, std::string_view sender, const rules::RuleEnv& env,
                                     rules::Findings&& prior) const;

 private:
  PipelineOptions options_;
};

class X12Session {
 public:
  virtual ~X12Session() = default;
  virtual void feed(std::string_view chunk) = 0;
  [[nodiscard]] virtual X12Result finish() = 0;
  [[nodiscard]] virtual std::size_t claims_so_far() const = 0;
  // Instead of finish(), when the receiver refuses the transmission as a whole (a size or
  // claim-count limit): a TA1 rejecting each interchange read so far with TA105 `note`
  // (transforms::render_refusal_ta1); empty when no ISA was read. Nothing is validated further.
  [[nodiscard]] virtual std::string refuse(std::string_view note) = 0;
};

class ValidationStream {
 public:
  virtual ~ValidationStream() = default;
  virtual void feed(std::string_view chunk) = 0;
  // Ends the input; the remaining outcomes and errors are handed over before it returns.
  virtual transforms::ReadSummary finish() = 0;
};

}  // namespace cg::engine
