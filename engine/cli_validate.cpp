// claimgate validate FILE... [--format text|json|summary] [--pack NAME]... [--today YYYY-MM-DD]
//                            [--code-set PATH]
#include "engine/commands.hpp"
#include "engine/input_file.hpp"
#include "engine/report.hpp"
#include "rulesets/codesets/icd10cm.hpp"
#include "rulesets/core/packs.hpp"
#include "rulesets/core/rule.hpp"

#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <ctime>
#include <deque>

namespace cg::engine {
namespace {

constexpr const char* kHelp =
    "usage: claimgate validate FILE... [options]\n"
    "\n"
    "Validates every claim of X12 837 (P/I/D, 005010) or FHIR R4 input (Claim, Bundle, NDJSON;\n"
    "recognized by content, '-' reads standard input): X12 syntax and envelopes, every\n"
    "diagnosis code against the ICD-10-CM release in force on the date of service, every\n"
    "diagnosis pointer, and the selected payer rule packs.\n"
    "\n"
    "options:\n"
    "  --format text|json|summary  text: one line per claim and one per finding (default);\n"
    "                              json: the report as one JSON document;\n"
    "                              summary: only the summary line\n"
    "  --pack NAME|PATH            add a rule pack (repeatable); NAME is looked up in the packs\n"
    "                              directory ($CLAIMGATE_PACKS or the bundled rulesets/packs)\n"
    "  --today YYYY-MM-DD          the day the claims are received (default: today); dates of\n"
    "                              service after it are rejected (claim.future-date)\n"
    "  --code-set PATH             the compiled ICD-10-CM index (default: the bundled one)\n"
    "\n"
    "exit codes: 0 every claim accepted, 1 a claim was rejected or the input has syntax\n"
    "errors, 2 an input is unusable (unreadable, not X12 or FHIR) or bad options.\n";

struct Options {
  std::vector<std::string> files;
  ReportFormat format = ReportFormat::Text;
  std::vector<std::string> packs;
  rules::Date today;
  std::string code_set;
};

rules::Date local_today() {
  const std::time_t now = std::time(nullptr);
  std::tm tm{};
  localtime_r(&now, &tm);
  return rules::Date{static_cast<std::int16_t>(tm.tm_year + 1900), static_cast<std::uint8_t>(tm.tm_mon + 1),
                     static_cast<std::uint8_t>(tm.tm_mday)};
}

// Returns an error message, empty when the options are fine.
std::string parse_options(const Args& args, Options& o, bool& help) {
  for (std::size_t i = 0; i < args.size(); ++i) {
    const std::string& a = args[i];
    const auto value = [&](const char* name) -> const std::string* {
      if (i + 1 >= args.size()) return nullptr;
      (void)name;
      return &args[++i];
    };
    if (a == "--help" || a == "-h") {
      help = true;
      return {};
    }
    if (a == "--format") {
      const std::string* v = value("--format");
      if (!v) return "--format needs a value";
      if (*v == "text") o.format = ReportFormat::Text;
      else if (*v == "json") o.format = ReportFormat::Json;
      else if (*v == "summary") o.format = ReportFormat::Summary;
      else return "--format must be text, json or summary, not '" + *v + "'";
    } else if (a == "--pack") {
      const std::string* v = value("--pack");
      if (!v) return "--pack needs a pack name or path";
      o.packs.push_back(*v);
    } else if (a == "--today") {
      const std::string* v = value("--today");
      const auto d = v ? rules::parse_iso_date(*v) : std::nullopt;
      if (!d || v->size() != 10) return "--today needs a date YYYY-MM-DD";
      o.today = *d;
    } else if (a == "--code-set") {
      const std::string* v = value("--code-set");
      if (!v) return "--code-set needs a path";
      o.code_set = *v;
    } else if (a.size() > 1 && a[0] == '-' && a != "-") {
      return "unknown option '" + a + "'";
    } else {
      o.files.push_back(a);
    }
  }
  if (o.files.empty()) return "no input file (use - for standard input)";
  return {};
}

}  // namespace

int cmd_validate(const Args& args) {
  Options opt;
  opt.today = local_today();
  bool help = false;
  if (const std::string err = parse_options(args, opt, help); !err.empty()) {
    std::fprintf(stderr, "claimgate validate: %s\n\n%s", err.c_str(), kHelp);
    return 2;
  }
  if (help) {
    std::fputs(kHelp, stdout);
    return 0;
  }

  rules::RuleEnv env;
  env.today = opt.today;
  {
    const std::string path = opt.code_set.empty() ? codesets::Icd10Index::default_path() : opt.code_set;
    auto loaded = codesets::Icd10Index::load(path);
    if (auto* err = std::get_if<std::string>(&loaded)) {
      std::fprintf(stderr, "claimgate validate: cannot load the ICD-10-CM code set: %s\n", err->c_str());
      return 2;
    }
    env.codes = std::get<std::shared_ptr<const codesets::Icd10Index>>(loaded);
  }
  std::shared_ptr<const rules::RuleSet> ruleset;
  try {
    std::vector<std::shared_ptr<const rules::RulePack>> packs;
    for (const auto& name : opt.packs) packs.push_back(rules::load_pack_ref(name, rules::default_packs_dir()));
    ruleset = rules::RuleSet::build(std::move(packs));
  } catch (const std::exception& e) {
    std::fprintf(stderr, "claimgate validate: %s\n", e.what());
    return 2;
  }

  ReportWriter report(stdout, opt.format, isatty(2) != 0 ? stderr : nullptr);
  int exit_code = 0;
  for (const auto& file : opt.files) {
    // Claims of one X12 transaction set are held back until the next one starts (or the input
    // ends), so that a transaction-level error (SE count, control numbers) reaches them too.
    struct Pending {
      rules::Claim claim;
      rules::Verdict verdict;
    };
    std::deque<Pending> pending;
    std::string pending_st;
    const x12::SyntaxError* last_syntax = nullptr;
    x12::SyntaxError syntax_copy;

    auto flush = [&] {
      for (auto& p : pending) report.claim(p.claim, p.verdict);
      pending.clear();
    };
    auto on_claim = [&](rules::Claim&& c, rules::Findings&& prior) {
      rules::Verdict v = ruleset->evaluate(c, env, std::move(prior));
      if (c.format == rules::Format::Fhir) {
        report.claim(c, v);
        return;
      }
      const std::string key = c.x12.isa13 + '/' + c.x12.gs06 + '/' + c.x12.st02;
      if (key != pending_st) {
        flush();
        pending_st = key;
      }
      pending.push_back(Pending{std::move(c), std::move(v)});
    };
    auto on_syntax = [&](const x12::SyntaxError& e) {
      syntax_copy = e;
      last_syntax = &syntax_copy;
    };
    auto on_error = [&](rules::Finding&& f) {
      const bool transaction_level = last_syntax != nullptr && last_syntax->level == x12::ErrorLevel::Transaction;
      if (transaction_level && !pending.empty() &&
          pending_st == last_syntax->isa13 + '/' + last_syntax->gs06 + '/' + last_syntax->st02) {
        for (auto& p : pending) {
          p.verdict.findings.push_back(f);
          ++p.verdict.rejects;
          p.verdict.accepted = false;
        }
      } else {
        report.input_error(file, f);
      }
      last_syntax = nullptr;
    };
    const FileReadResult r = read_claims_from_file(file, transforms::InputLimits{}, on_claim, on_error, on_syntax);
    flush();
    if (!r.io_error.empty()) {
      std::fprintf(stderr, "claimgate validate: %s\n", r.io_error.c_str());
      exit_code = 2;
    } else if (!r.summary.usable) {
      std::fprintf(stderr, "claimgate validate: %s: no usable X12 interchange or FHIR resource\n", file.c_str());
      exit_code = 2;
    }
  }
  report.finish();
  if (exit_code == 0 && (report.rejected() > 0 || report.input_errors() > 0)) exit_code = 1;
  return exit_code;
}

}  // namespace cg::engine
