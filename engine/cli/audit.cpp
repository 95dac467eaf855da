// claimgate audit verify FILE
#include "engine/cli/commands.hpp"
#include "engine/server/audit.hpp"

#include <cstdio>

namespace cg::engine {
namespace {

constexpr const char* kAuditHelp =
    "usage: claimgate audit verify FILE\n"
    "\n"
    "Checks the hash chain of a claimgate audit log (audit.file, default <data_dir>/audit.log):\n"
    "every record's hash over its own bytes, its \"prev\" against the record before it, and the\n"
    "sequence numbers. Prints the number of intact records and the chain head (the last hash;\n"
    "keep it elsewhere to detect a log rewritten from the start), or the first broken line.\n"
    "\n"
    "exit codes: 0 intact, 1 broken or unreadable, 2 bad arguments.\n";

}  // namespace

int cmd_audit(const Args& args) {
  for (const auto& a : args) {
    if (a == "--help" || a == "-h") {
      std::fputs(kAuditHelp, stdout);
      return 0;
    }
  }
  if (args.size() != 2 || args[0] != "verify" || args[1].empty() || args[1][0] == '-') {
    std::fprintf(stderr, "claimgate audit: expected 'verify FILE'\n\n%s", kAuditHelp);
    return 2;
  }
  const AuditVerification v = verify_audit_file(args[1]);
  if (!v.ok) {
    if (v.line == 0) std::fprintf(stderr, "claimgate audit: %s\n", v.error.c_str());
    else std::printf("%s: BROKEN at line %llu: %s (%llu records intact before it)\n", args[1].c_str(),
                     static_cast<unsigned long long>(v.line), v.error.c_str(), static_cast<unsigned long long>(v.records));
    return 1;
  }
  std::printf("%s: intact, %llu records, head %s\n", args[1].c_str(), static_cast<unsigned long long>(v.records), v.head.c_str());
  return 0;
}

}  // namespace cg::engine
