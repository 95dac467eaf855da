// Builders for X12 test input: a correct 837P/I/D interchange with the standard delimiters,
// which tests then edit or re-delimit.
#pragma once

#include "tests/support/printing.hpp"
#include "transforms/x12_claims.hpp"

#include <string>
#include <vector>

namespace cg::test {

// "ISA*00*...*:~" padded to the fixed layout (106 characters).
std::string isa(const std::string& control = "000000001", char rep = '^', char comp = ':');

// Joins segments written with '*' ':' '~' into an interchange ISA..IEA, one group, one ST..SE
// per body (SE01 counted), GS08/ST03 = guide.
std::string interchange(const std::vector<std::vector<std::string>>& bodies,
                        const std::string& guide = "005010X222A1");

// The body (BHT .. last segment before SE) of a one-claim 837P with a patient loop; see the
// segment positions in x12_fixture.cpp.
std::vector<std::string> professional_body();
std::vector<std::string> institutional_body();
std::vector<std::string> dental_body();
// An 837D claim for a patient who is not the subscriber, with what the dental guide adds:
// orthodontic months (DN1), tooth status (DN2), the rendering provider and service facility
// (2310B/C), the primary payer's adjudication (2320, 2330A/B/D, 2430), two lines with teeth and
// surfaces (TOO), a prior placement date and a line rendering provider (2420A).
std::vector<std::string> dental_cob_body();

// Replaces the delimiters '*', ':', '^', '~' by the given ones everywhere (test data has none
// of the new characters in values).
std::string redelimit(std::string x12, char element, char component, char repetition, char segment);

struct Collected {
  std::vector<rules::Claim> claims;
  std::vector<rules::Findings> claim_findings;
  std::vector<rules::Finding> errors;           // on_error
  std::vector<x12::SyntaxError> syntax;         // every syntax error
  std::uint32_t interchanges = 0;
};

// Runs the X12 claim reader over text, fed in chunks of chunk bytes (0 = all at once).
Collected read_x12(std::string_view text, std::size_t chunk = 0);

}  // namespace cg::test
