// Canonical Claim -> FHIR R4 Bundle (translation, docs/convert.md has the element mapping).
//
// The Bundle holds the Claim first, then the resources it references: Patient (and a second
// Patient for a subscriber who is not the patient), Coverage, Organization (billing provider
// when it is not a person, payer), Practitioner (rendering, attending, referring, a billing
// provider who is a person) and Location (service facility). Codes use the systems of
// ../shared/docs/FHIR.md section 2 and, where they speak, US Core / CARIN Blue Button
// (C4BB identifier, care team role, supporting info types); X12 codes with no FHIR home use the
// X12 code list URIs (http://codesystem.x12.org/005010/<element>). The X12 control numbers,
// CLM01 and the CLM / SBR indicators travel in the extension kX12Extension so that
// X12 -> FHIR -> X12 gives back the same canonical claim.
//
// Nothing is invented: an element FHIR requires that the claim does not carry (Claim.priority,
// Coverage.status) gets the data-absent-reason extension, not a made-up value. What the model
// carries but FHIR cannot hold faithfully (a diagnosis pointer that is not a number, two teeth
// on one line, a procedure code qualifier with no FHIR system) makes the conversion fail with a
// located error (rule convert.unmappable); segments the model does not carry
// (Claim::x12.unmapped) are reported as warnings (rule convert.not-carried).
//
// Thread safety: pure function.
#pragma once

#include "rulesets/core/claim.hpp"
#include "rulesets/core/finding.hpp"

#include <string>
#include <string_view>

namespace cg::transforms {

inline constexpr std::string_view kX12Extension = "urn:claimgate:fhir:StructureDefinition:x12-claim";
inline constexpr std::string_view kConvertUnmappable = "convert.unmappable";
inline constexpr std::string_view kConvertMissing = "convert.missing";
inline constexpr std::string_view kConvertNotCarried = "convert.not-carried";

struct Conversion {
  std::string text;         // the converted document (empty when errors is not empty)
  rules::Findings errors;   // why the claim could not be converted (located)
  rules::Findings warnings; // what the input held that the output does not (located)
  [[nodiscard]] bool ok() const { return errors.empty(); }
};

// A conversion finding (rule one of the convert.* ids above), located at src.
[[nodiscard]] rules::Finding conversion_finding(std::string_view rule, std::string message, const rules::SourceRef& src,
                                                std::string value = {},
                                                rules::Severity severity = rules::Severity::Reject);
// A unit count as both formats write it: shortest exact decimal ("1", "2.5").
[[nodiscard]] std::string units_text(double units);

enum class FhirBundleType { Collection, Batch };

// One Bundle (JSON on one line, no newline) for one claim: type collection (a file), or batch
// (forwarding: every entry carries request POST <type>).
[[nodiscard]] Conversion claim_to_fhir(const rules::Claim& claim, FhirBundleType type);

}  // namespace cg::transforms
