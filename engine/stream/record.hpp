// One inbound Kafka record through the pipeline: what the stream worker produces for it.
//
// A record is one X12 interchange or one FHIR Claim / Bundle / NDJSON batch; its content type
// comes from the record's "content-type" header, else from its first byte ('I' X12, '{' JSON).
// Outputs, every one with the header "claimgate-key" = "<topic>/<partition>/<offset>/<kind>",
// a pure function of the record, so a replayed record yields the same keys and bodies:
//   payer     accepted claims (the re-enveloped 837 per payer id, or one FHIR Claim) to the
//             payer topic of payer_topics (payer id, else "*"), keyed by payer id;
//             kind "payer/<payer id>/<n>"
//   answer    to answers_topic keyed by the inbound key: the TA1/999 ("999") and the 277CA
//             ("277ca") of X12, the OperationOutcome / ClaimResponse / batch-response ("fhir")
//             of FHIR, or {"error",...} ("error") for a dead-lettered record; headers
//             claimgate-inbound-topic/-partition/-offset and claimgate-answer (the kind)
//   verdict   one JSON event per claim to verdicts_topic ("verdict/<n>"): claim id, format,
//             payer id, verdict, rule ids and locations; nothing else of the claim
//   dead      a record that is neither X12 nor JSON, or too large, to dead_letter_topic as
//             received with the header claimgate-reason ("dead-letter")
// The ISA13/GS06 control numbers of the interchanges written come from the worker's durable
// allocator (engine/delivery/control_numbers.hpp: <data_dir>/control-numbers, optionally a range
// of its own per worker), so they never repeat, also when a record is processed again after an
// aborted transaction (it then takes new numbers; the aborted outputs are never visible). The
// dates of the generated interchanges and FHIR resources and the "today" of the rules derive
// from the record's timestamp, not the clock, and the ids of the FHIR resources answered are
// "<topic>.<partition>.<offset>-<n>" (a long or unusual topic: its hash): unique per record in
// the cluster. Everything else of a record's outputs is a function of the record.
//
// Thread safety: process_record() may run on several threads at once (the Pipeline is
// immutable, ControlNumbers thread-safe).
#pragma once

#include "engine/config.hpp"
#include "engine/delivery/control_numbers.hpp"
#include "engine/pipeline.hpp"

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

namespace cg::engine::stream {

using Headers = std::vector<std::pair<std::string, std::string>>;

struct InRecord {
  std::string topic;
  std::int32_t partition = 0;
  std::int64_t offset = 0;
  std::int64_t timestamp_ms = 0;  // the record's timestamp (CreateTime), unix ms
  bool has_key = false;
  std::string key;
  std::string value;
  Headers headers;
  [[nodiscard]] std::string header(std::string_view name) const;
};

struct OutRecord {
  std::string topic;
  bool has_key = false;
  std::string key;
  std::string value;
  Headers headers;
  [[nodiscard]] std::string header(std::string_view name) const;
};

struct RecordOutcome {
  std::vector<OutRecord> out;
  Counts counts;
  bool dead_lettered = false;
};

struct RecordLimits {
  std::uint64_t max_record_bytes = 64ull << 20;  // larger: dead letter
};

// Throws ControlNumberError when a control number cannot be reserved durably (nothing of the
// record may then be written). before_numbers (optional) is called before each control number
// the record draws, after_numbers once it draws no more (its outputs are then built): the
// worker waits in before_numbers until the records before it are past after_numbers, so that
// records processed on several threads draw their numbers in batch order (as on one thread).
[[nodiscard]] RecordOutcome process_record(const Pipeline& pipeline, ControlNumbers& numbers,
                                           const StreamConfig& config, const InRecord& in,
                                           const RecordLimits& limits,
                                           const std::function<void()>& before_numbers = {},
                                           const std::function<void()>& after_numbers = {});

// "<topic>/<partition>/<offset>/<kind>"
[[nodiscard]] std::string output_key(const InRecord& in, std::string_view kind);

}  // namespace cg::engine::stream
