// claimgate parse FILE... [--format text|json]
#include "engine/cli/commands.hpp"
#include "engine/input_file.hpp"
#include "parsers/text/json_string.hpp"
#include "transforms/claim_json.hpp"

#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <cstdio>

namespace cg::engine {
namespace {

constexpr const char* kHelp =
    "usage: claimgate parse FILE... [--format text|json]\n"
    "\n"
    "Reads X12 837 (professional, institutional, dental; 005010) or FHIR R4 (Claim, Bundle,\n"
    "NDJSON), recognized by content, and prints every claim in the canonical model together\n"
    "with the syntax errors found and where they are. FILE '-' reads standard input.\n"
    "\n"
    "  --format text   one block per claim, one line per error (default)\n"
    "  --format json   JSON Lines: one canonical claim object per line; errors as\n"
    "                  {\"error\":{...}} lines\n"
    "\n"
    "exit codes: 0 every input parsed without error, 1 some syntax errors (claims that\n"
    "could be read are still printed), 2 an input is unusable (unreadable, not X12/FHIR).\n";

void print_error_json(const rules::Finding& f, std::string_view source) {
  rapidjson::StringBuffer buf;
  rapidjson::Writer<rapidjson::StringBuffer> w(buf);
  w.StartObject();
  w.Key("error");
  w.StartObject();
  w.Key("source");
  text::write_json_string(w, source);
  w.Key("rule");
  text::write_json_string(w, f.rule);
  w.Key("message");
  text::write_json_string(w, f.message);
  if (!f.src.x12.empty()) {
    w.Key("location");
    text::write_json_string(w, f.src.x12.render());
  }
  if (!f.src.fhirpath.empty()) {
    w.Key("fhirpath");
    text::write_json_string(w, f.src.fhirpath);
  }
  if (!f.value.empty()) {
    w.Key("value");
    text::write_json_string(w, f.value);
  }
  w.Key("byte_offset");
  w.Uint64(f.src.x12.byte_offset);
  w.EndObject();
  w.EndObject();
  std::fwrite(buf.GetString(), 1, buf.GetSize(), stdout);
  std::fputc('\n', stdout);
}

// An error of a claim is indented under it; an error of the input itself (envelope, syntax)
// starts with the file name, so it says which input it is about.
void print_error_text(const rules::Finding& f, std::string_view source, bool of_claim) {
  std::string where = f.src.render();
  if (where.empty() && f.src.x12.byte_offset != 0) where = "byte " + std::to_string(f.src.x12.byte_offset);
  std::printf("%s error %s: %s%s%s\n", of_claim ? " " : (std::string(source) + ":").c_str(), f.rule.c_str(),
              where.empty() ? "" : (where + ": ").c_str(), f.message.c_str(),
              f.value.empty() ? "" : (" [" + f.value + "]").c_str());
}

void print_claim_text(const rules::Claim& c) {
  std::printf("claim %s (%s) payer=%s npi=%s", c.id.c_str(), std::string(to_string(c.format)).c_str(),
              c.payer_id.empty() ? "-" : c.payer_id.c_str(),
              c.billing_npi.empty() ? "-" : c.billing_npi.c_str());
  if (c.date_from) std::printf(" dates=%s..%s", c.date_from->iso().c_str(), c.claim_date()->iso().c_str());
  if (c.total.present) std::printf(" total=%s", c.total.to_string().c_str());
  std::printf("\n");
  for (const auto& d : c.diagnoses)
    std::printf("  dx %d %s %s %s\n", d.position, d.code.c_str(), std::string(to_string(d.system)).c_str(),
                std::string(to_string(d.role)).c_str());
  for (const auto& l : c.lines) {
    std::printf("  line %d %s charge=%s pointers=", l.number, l.procedure.code.c_str(),
                l.charge.to_string().c_str());
    for (std::size_t i = 0; i < l.pointers.size(); ++i)
      std::printf("%s%s", i ? "," : "", l.pointers[i].raw.c_str());
    std::printf("\n");
  }
}

}  // namespace

int cmd_parse(const Args& args) {
  bool json = false;
  std::vector<std::string> files;
  for (std::size_t i = 0; i < args.size(); ++i) {
    const std::string& a = args[i];
    if (a == "--help" || a == "-h") {
      std::fputs(kHelp, stdout);
      return 0;
    }
    if (a == "--format" && i + 1 < args.size()) {
      const std::string& f = args[++i];
      if (f != "text" && f != "json") {
        std::fprintf(stderr, "claimgate parse: --format must be text or json, not '%s'\n", f.c_str());
        return 2;
      }
      json = f == "json";
    } else if (a.size() > 1 && a[0] == '-' && a != "-") {
      std::fprintf(stderr, "claimgate parse: unknown option '%s'\n%s", a.c_str(), kHelp);
      return 2;
    } else {
      files.push_back(a);
    }
  }
  if (files.empty()) {
    std::fputs(kHelp, stderr);
    return 2;
  }
  int exit_code = 0;
  for (const auto& file : files) {
    auto on_claim = [&](rules::Claim&& c, rules::Findings&& findings) {
      if (json) {
        const std::string line = transforms::claim_to_json(c);
        std::fwrite(line.data(), 1, line.size(), stdout);
        std::fputc('\n', stdout);
        for (const auto& f : findings) print_error_json(f, file);
      } else {
        print_claim_text(c);
        for (const auto& f : findings) print_error_text(f, file, true);
      }
      if (!findings.empty()) exit_code = std::max(exit_code, 1);
    };
    std::size_t input_errors = 0;
    auto on_error = [&](rules::Finding&& f) {
      if (json) print_error_json(f, file);
      else print_error_text(f, file, false);
      ++input_errors;
      exit_code = std::max(exit_code, 1);
    };
    const FileReadResult r = read_claims_from_file(file, {}, on_claim, on_error);
    if (!r.io_error.empty()) {
      std::fprintf(stderr, "claimgate parse: %s\n", r.io_error.c_str());
      exit_code = 2;
    } else if (!r.summary.usable) {
      // Said once: the errors above already name the file and the problem.
      if (input_errors == 0)
        std::fprintf(stderr, "claimgate parse: %s: no usable X12 interchange or FHIR resource\n", file.c_str());
      exit_code = 2;
    }
  }
  return exit_code;
}

}  // namespace cg::engine
