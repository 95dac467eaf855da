// Where a value came from, decided once by the parser and passed on untouched by rules:
// an X12 location shaped like a 999 IK3/IK4 (segment id, position counted from ST, loop id,
// element / component / repetition, data element reference number, byte offset), or a
// FHIRPath expression that goes straight into OperationOutcome.issue.expression.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <string_view>

namespace cg::rules {

struct X12Location {
  std::array<char, 4> segment{};  // segment id, NUL padded ("HI", "SV1")
  std::array<char, 6> loop{};     // loop id, NUL padded ("2300"), empty when outside loops
  std::uint32_t position = 0;     // segment position in the transaction set, ST = 1; 0 = none
  std::uint16_t element = 0;      // 1-based element position, 0 = the whole segment
  std::uint16_t component = 0;    // 1-based component position, 0 = not a composite part
  std::uint16_t repetition = 0;   // 1-based repetition, 0 = not repeated
  std::uint16_t data_element = 0; // data element reference number (e.g. 1271), 0 = unknown
  std::uint64_t byte_offset = 0;  // offset of the segment (or element) in the input

  [[nodiscard]] bool empty() const { return segment[0] == 0; }
  [[nodiscard]] std::string_view segment_id() const;
  [[nodiscard]] std::string_view loop_id() const;
  void set_segment(std::string_view id);
  void set_loop(std::string_view id);
  // "HI01-2" style element reference: segment id, 2-digit element, "-component" when set.
  [[nodiscard]] std::string element_ref() const;
  // "seg 27 HI01-2 (loop 2300)"
  [[nodiscard]] std::string render() const;
};

struct SourceRef {
  X12Location x12;
  std::string fhirpath;  // e.g. Claim.item[1].diagnosisSequence[0]

  [[nodiscard]] bool empty() const { return x12.empty() && fhirpath.empty(); }
  // The X12 rendering when there is one, else the FHIRPath.
  [[nodiscard]] std::string render() const;
};

}  // namespace cg::rules
