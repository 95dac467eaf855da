#include "engine/routing.hpp"

#include "engine/pipeline.hpp"
#include "transforms/claim_fhir.hpp"
#include "transforms/claim_x12.hpp"
#include "transforms/input.hpp"

namespace cg::engine {
namespace {

constexpr std::string_view kX12Type = "application/edi-x12";
constexpr std::string_view kFhirType = "application/fhir+json";

// The 837 claimgate writes for a payer: its trading-partner envelope (else the identity's
// defaults) and the identity's submitter contact.
transforms::X12WriteOptions write_options(const PipelineOptions& o, const std::string& payer_id) {
  const AckIdentity& id = o.identity;
  const TradingPartner partner = id.partner_for(payer_id);
  transforms::X12WriteOptions w;
  w.sender = partner.sender.id.empty()
                 ? transforms::X12Party{id.sender_qualifier, id.sender_id, id.organization_name, ""}
                 : partner.sender;
  if (w.sender.name.empty()) w.sender.name = id.organization_name;
  w.receiver = partner.receiver;
  w.contact_name = id.contact_name;
  w.contact_phone = id.contact_phone;
  return w;
}

// The conversion of `c` to `to`; text holds the converted document when ok().
transforms::Conversion convert(const PipelineOptions& o, const rules::Claim& c, WireFormat to,
                               transforms::X12Stamp& stamp) {
  if (to == WireFormat::Fhir) return transforms::claim_to_fhir(c, transforms::FhirBundleType::Batch);
  std::string text;
  transforms::Claim837Writer w(write_options(o, c.payer_id), stamp, [&text](std::string_view s) { text.append(s); });
  transforms::Conversion conv = w.add(c);
  w.finish();
  if (conv.ok()) conv.text = std::move(text);
  return conv;
}

// Why the converted document does not read back as one clean claim; empty when it does.
std::string read_back_problem(std::string_view text) {
  std::size_t claims = 0;
  std::string problem;
  const auto note = [&problem](const rules::Finding& f) {
    if (problem.empty() && f.severity == rules::Severity::Reject) problem = f.rule + ": " + f.message;
  };
  transforms::read_claims(
      text, "routed", transforms::InputLimits{},
      [&](rules::Claim&&, rules::Findings&& findings) {
        ++claims;
        for (const auto& f : findings) note(f);
      },
      [&](rules::Finding&& f) { note(f); });
  if (problem.empty() && claims != 1) problem = "it holds " + std::to_string(claims) + " claims, not one";
  return problem;
}

}  // namespace

WireFormat Routing::format_for(const std::string& payer_id) const {
  const auto it = by_payer.find(payer_id);
  return it != by_payer.end() ? it->second : fallback;
}

WireFormat Routing::conversion_for(const rules::Claim& c) const {
  const WireFormat to = format_for(c.payer_id);
  const bool fhir = c.format == rules::Format::Fhir;
  if (to == WireFormat::X12 && fhir) return WireFormat::X12;
  if (to == WireFormat::Fhir && !fhir) return WireFormat::Fhir;
  return WireFormat::AsReceived;
}

void check_route(const PipelineOptions& options, const rules::Claim& c, rules::Verdict& v) {
  if (!v.accepted) return;
  const WireFormat to = options.routing.conversion_for(c);
  if (to == WireFormat::AsReceived) return;
  const std::string target = to == WireFormat::X12 ? "the payer's target takes X12 837: " : "the payer's target takes FHIR R4: ";
  transforms::X12Stamp scratch;  // control numbers are allocated when the claim is forwarded
  transforms::Conversion conv = convert(options, c, to, scratch);
  for (auto& f : conv.errors) {
    f.rule = std::string(kConvertTargetNeeds);
    f.severity = rules::Severity::Reject;
    f.message = target + f.message;
  }
  if (conv.ok()) {
    if (std::string why = read_back_problem(conv.text); !why.empty()) {
      rules::Finding f;
      f.rule = std::string(kConvertTargetNeeds);
      f.message = target + "the converted " + (to == WireFormat::X12 ? "837" : "Bundle") +
                  " does not read back as one claim (" + why + ")";
      f.src = c.src;
      conv.errors.push_back(std::move(f));
    }
  }
  for (auto& f : conv.warnings) {
    f.severity = rules::Severity::Warn;
    ++v.warnings;
    v.findings.push_back(std::move(f));
  }
  for (auto& f : conv.errors) {
    ++v.rejects;
    v.findings.push_back(std::move(f));
  }
  if (!conv.errors.empty()) v.accepted = false;
}

RoutedBody routed_body(const PipelineOptions& options, const rules::Claim& c, transforms::X12Stamp& stamp) {
  const WireFormat to = options.routing.conversion_for(c);
  transforms::Conversion conv = convert(options, c, to, stamp);
  return RoutedBody{std::string(to == WireFormat::X12 ? kX12Type : kFhirType), std::move(conv.text)};
}

}  // namespace cg::engine
