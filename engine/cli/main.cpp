#include "engine/cli/commands.hpp"

#include <cstdio>
#include <cstring>
#include <string_view>

namespace {

struct Command {
  const char* name;
  int (*run)(const cg::engine::Args&);
  const char* summary;
};

constexpr Command kCommands[] = {
    {"parse", cg::engine::cmd_parse, "parse X12 837 / FHIR Claim input and print the claims"},
    {"validate", cg::engine::cmd_validate, "validate claims against ICD-10-CM and rule packs"},
    {"convert", cg::engine::cmd_convert, "translate claims between X12 837 and FHIR R4"},
    {"ack", cg::engine::cmd_ack, "print the 999 (and TA1) and the 277CA for X12 input"},
    {"code", cg::engine::cmd_code, "explain an ICD-10-CM code on a date of service"},
    {"code-set", cg::engine::cmd_code_set, "compile the ICD-10-CM release files into an index"},
    {"serve", cg::engine::cmd_serve, "run the gateway server (validate, spool, forward)"},
    {"dead-letter", cg::engine::cmd_dead_letter, "list or replay the entries the forwarder gave up on"},
    {"audit", cg::engine::cmd_audit, "verify the hash chain of the server's audit log"},
    {"stream", cg::engine::cmd_stream, "run a Kafka worker (consume, validate, produce exactly once)"},
};

void usage(std::FILE* out) {
  std::fprintf(out,
               "usage: claimgate COMMAND [ARGS...]\n\n"
               "claimgate checks every diagnosis code and diagnosis pointer of X12 837 and FHIR R4\n"
               "claims against the ICD-10-CM code set in force on the date of service.\n\n"
               "commands:\n");
  for (const auto& c : kCommands) std::fprintf(out, "  %-12s %s\n", c.name, c.summary);
  std::fprintf(out, "\n'claimgate COMMAND --help' describes a command.\n");
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    usage(stderr);
    return 2;
  }
  const std::string_view name = argv[1];
  if (name == "--help" || name == "-h" || name == "help") {
    usage(stdout);
    return 0;
  }
  if (name == "--version") {
    std::puts("claimgate 0.1.0");
    return 0;
  }
  for (const auto& c : kCommands) {
    if (name != c.name) continue;
    cg::engine::Args args(argv + 2, argv + argc);
    // --help wins whatever else is on the line: the command sees only its subcommand word
    // (code-set build, dead-letter list) and --help.
    for (const auto& a : args) {
      if (a != "--help" && a != "-h") continue;
      cg::engine::Args help;
      if (!args.empty() && !args[0].empty() && args[0][0] != '-') help.push_back(args[0]);
      help.emplace_back("--help");
      return c.run(help);
    }
    return c.run(args);
  }
  std::fprintf(stderr, "claimgate: unknown command '%s'\n\n", argv[1]);
  usage(stderr);
  return 2;
}
