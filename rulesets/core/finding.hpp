// A Finding is a rule's verdict on one claim: not an error, a result. Every Finding says what
// is wrong (message written for a biller), where (SourceRef), with which value, and what would
// be right when that is known (suggestions).
#pragma once

#include "rulesets/core/source_ref.hpp"

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace cg::rules {

enum class Severity : std::uint8_t { Warn, Reject };

[[nodiscard]] constexpr std::string_view to_string(Severity s) {
  return s == Severity::Reject ? "reject" : "warn";
}

struct Finding {
  std::string rule;      // stable dotted id, e.g. "dx.pointer.unresolved"
  Severity severity = Severity::Reject;
  std::string message;   // for a biller: what, which code, which date, what to do
  std::string value;     // the offending value as sent (a code, a pointer), may be empty
  SourceRef src;
  std::vector<std::string> suggestions;
  int line = 0;          // service line number the finding is about, 0 = claim level
  int diagnosis = 0;     // diagnosis position the finding is about, 0 = none
  int procedure = 0;     // claim procedure position (HI BBR/BBQ, Claim.procedure) it is about, 0 = none
};

using Findings = std::vector<Finding>;

}  // namespace cg::rules
