// Facts from the 005010 837 implementation guides (X222A1 professional, X223A2 institutional,
// X224A2 dental) that the reader checks: guide ids, the segment set, loop ids opened by NM1
// entity codes, diagnosis code list qualifiers, place of service codes.
#pragma once

#include "parsers/x12/reader.hpp"

#include <string_view>

namespace cg::x12 {

// 005010X222A1/A2 -> Professional, X223A1/A2 -> Institutional, X224A1/A2 -> Dental; the
// pre-errata ids (005010X222 ...) and the A3 errata are Unknown.
[[nodiscard]] TransactionType guide_type(std::string_view guide);

[[nodiscard]] bool is_837_segment(std::string_view id);
// A segment id of the X12 005010 HIPAA transaction sets (837 or another one).
[[nodiscard]] bool is_x12_segment(std::string_view id);

// The loop an NM1 with this entity identifier code (NM101) opens, given the current loop;
// empty when it opens none.
[[nodiscard]] std::string_view nm1_loop(TransactionType type, std::string_view current,
                                        std::string_view entity);

enum class DxKind : std::uint8_t {
  Principal,       // ABK / BK: principal (837I) or first-listed (837P/D) diagnosis
  Other,           // ABF / BF
  Admitting,       // ABJ / BJ
  ReasonForVisit,  // APR / PR
  ExternalCause,   // ABN / BN
  NotDiagnosis,    // a qualifier of another HI use (procedures, condition, value, occurrence codes)
  Unknown,         // not a qualifier the guide allows in HI at all
};

[[nodiscard]] DxKind dx_kind(TransactionType type, std::string_view qualifier);
// True for the ICD-9-CM qualifiers (BK, BF, BJ, PR, BN).
[[nodiscard]] bool is_icd9_qualifier(std::string_view qualifier);

[[nodiscard]] bool valid_d8(std::string_view text);
[[nodiscard]] bool valid_decimal(std::string_view text);  // X12 R: [-]digits[.digits]
[[nodiscard]] bool valid_place_of_service(std::string_view code);

}  // namespace cg::x12
