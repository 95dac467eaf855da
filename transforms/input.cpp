#include "transforms/input.hpp"

#include "transforms/fhir_claims.hpp"
#include "transforms/x12_claims.hpp"

namespace cg::transforms {

InputKind detect_input(std::string_view head) {
  if (head.size() >= 2 && (head.substr(0, 2) == "\xFF\xFE" || head.substr(0, 2) == "\xFE\xFF"))
    return InputKind::Unknown;
  if (head.substr(0, 3) == "\xEF\xBB\xBF") head.remove_prefix(3);
  for (char c : head.substr(0, 64))
    if (c == '\0') return InputKind::Unknown;
  while (!head.empty() && (head.front() == ' ' || head.front() == '\t' || head.front() == '\r' ||
                           head.front() == '\n'))
    head.remove_prefix(1);
  if (head.substr(0, 3) == "ISA") return InputKind::X12;
  if (!head.empty() && head.front() == '{') return InputKind::Fhir;
  // Junk before the ISA is tolerated by the X12 reader (and reported); look a little further.
  if (head.substr(0, 4096).find("ISA") != std::string_view::npos &&
      head.substr(0, 4096).find("GS") != std::string_view::npos)
    return InputKind::X12;
  return InputKind::Unknown;
}

ReadSummary read_claims(std::string_view bytes, std::string_view source_name,
                        const InputLimits& limits, const ClaimCallback& on_claim,
                        const ErrorCallback& on_error) {
  ReadSummary summary;
  summary.kind = detect_input(bytes.substr(0, 8192));
  std::size_t errors = 0;
  auto count_error = [&](rules::Finding&& f) {
    ++errors;
    on_error(std::move(f));
  };
  switch (summary.kind) {
    case InputKind::X12: {
      X12ClaimReader reader(source_name, limits, on_claim, count_error);
      reader.feed(bytes);
      reader.finish();
      summary.claims = reader.claims();
      summary.usable = reader.interchanges() > 0;
      break;
    }
    case InputKind::Fhir: {
      summary = read_fhir_claims(bytes, source_name, limits, on_claim, count_error);
      break;
    }
    case InputKind::Unknown: {
      rules::Finding f;
      f.rule = "input.unrecognized";
      f.message = bytes.empty() ? "the input is empty"
                                : "the input is neither an X12 interchange (ISA...) nor FHIR JSON; "
                                  "UTF-16 and binary files are not accepted";
      count_error(std::move(f));
      break;
    }
  }
  summary.errors = errors;
  return summary;
}

}  // namespace cg::transforms
