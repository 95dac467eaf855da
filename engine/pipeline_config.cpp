#include "engine/pipeline_config.hpp"

#include "engine/data_paths.hpp"
#include "rulesets/core/packs.hpp"

namespace cg::engine {
namespace {

// dir_error: why no packs directory was found (when dir is empty).
std::shared_ptr<const rules::RuleSet> build_rules(const std::vector<std::string>& packs, const std::string& dir,
                                                  const std::string& key, const std::string& dir_error) {
  try {
    std::vector<std::shared_ptr<const rules::RulePack>> loaded;
    for (const auto& p : packs) {
      if (dir.empty() && p.find('/') == std::string::npos && !p.ends_with(".json"))
        throw ConfigError(key + ": pack " + p + ": " + dir_error);
      loaded.push_back(rules::load_pack_ref(p, dir));
    }
    return rules::RuleSet::build(std::move(loaded));
  } catch (const std::exception& e) {
    throw ConfigError(key + ": " + e.what());
  }
}

WireFormat wire_format(const std::string& format) {
  return format == "x12" ? WireFormat::X12 : format == "fhir" ? WireFormat::Fhir : WireFormat::AsReceived;
}

}  // namespace

Routing forward_routing(const ForwardConfig& forward) {
  Routing r;
  if (auto it = forward.targets.find(forward.default_target); it != forward.targets.end())
    r.fallback = wire_format(it->second.format);
  for (const auto& [payer, target] : forward.by_payer)
    if (auto it = forward.targets.find(target); it != forward.targets.end()) r.by_payer[payer] = wire_format(it->second.format);
  return r;
}

Routing stream_routing(const StreamConfig& stream) {
  Routing r;
  const auto format_of = [&](const std::string& topic) {
    const auto it = stream.topic_formats.find(topic);
    return it != stream.topic_formats.end() ? wire_format(it->second) : WireFormat::AsReceived;
  };
  for (const auto& [payer, topic] : stream.payer_topics) {
    if (payer == "*") r.fallback = format_of(topic);
    else r.by_payer[payer] = format_of(topic);
  }
  return r;
}

PipelineOptions pipeline_options(const ServerConfig& config, const std::filesystem::path& anchor) {
  PipelineOptions o;
  std::string packs_dir = config.rules.packs_dir, dir_error;
  if (packs_dir.empty()) {  // build_rules says when a name needs it
    DataLookup found = find_packs_dir(anchor);
    packs_dir = std::move(found.path);
    dir_error = std::move(found.error);
  }
  o.default_rules = build_rules(config.rules.default_packs, packs_dir, "rules.default", dir_error);
  for (const auto& [payer, packs] : config.rules.by_payer)
    o.rules_by_payer[payer] = build_rules(packs, packs_dir, "rules.by_payer." + payer, dir_error);
  for (const auto& [sender, packs] : config.rules.by_sender)
    o.rules_by_sender[sender] = build_rules(packs, packs_dir, "rules.by_sender." + sender, dir_error);
  o.identity.sender_qualifier = config.identity.sender_qualifier;
  o.identity.sender_id = config.identity.sender_id;
  o.identity.payer_receiver_qualifier = config.identity.payer_receiver_qualifier;
  o.identity.payer_receiver_id = config.identity.payer_receiver_id;
  o.identity.organization_name = config.identity.organization_name;
  o.identity.contact_name = config.identity.contact_name;
  o.identity.contact_phone = config.identity.contact_phone;
  o.routing = forward_routing(config.forward);
  for (const auto& [payer, t] : config.trading_partners) {
    TradingPartner& p = o.identity.trading_partners[payer];
    p.receiver = transforms::X12Party{t.receiver_qualifier, t.receiver_id, "", t.application_receiver_id};
    if (!t.sender_id.empty() || !t.application_sender_id.empty()) {
      p.sender = transforms::X12Party{t.sender_id.empty() ? config.identity.sender_qualifier : t.sender_qualifier,
                                      t.sender_id.empty() ? config.identity.sender_id : t.sender_id,
                                      config.identity.organization_name, t.application_sender_id};
    }
  }
  return o;
}

}  // namespace cg::engine
