// claimgate validate FILE... [--format text|json|summary] [--pack NAME]... [--today YYYY-MM-DD]
//                            [--code-set PATH] [--jobs N]
#include <sys/stat.h>
#include <unistd.h>

#include <cctype>
#include <cerrno>
#include <cstdlib>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <sstream>

#include "engine/cli/commands.hpp"
#include "engine/biller_report.hpp"
#include "engine/clock.hpp"
#include "engine/data_paths.hpp"
#include "engine/delivery/control_numbers.hpp"
#include "engine/ids.hpp"
#include "engine/input_file.hpp"
#include "engine/pipeline.hpp"
#include "engine/report.hpp"
#include "rulesets/codesets/icd10cm.hpp"
#include "rulesets/core/packs.hpp"
#include "rulesets/core/rule.hpp"
#include "transforms/fhir_answers.hpp"

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
    "                              summary: the summary line and the findings and claims per\n"
    "                              rule id\n"
    "  --only-rejected             list only the rejected claims (text, json; the summary and\n"
    "                              the files of --out still count and hold every claim)\n"
    "  --pack NAME|PATH            add a rule pack (repeatable); NAME is looked up in the packs\n"
    "                              directory ($CLAIMGATE_PACKS, else the packs/ folder installed\n"
    "                              with claimgate)\n"
    "  --today YYYY-MM-DD          the day the claims are received (default: today); dates of\n"
    "                              service after it are rejected (claim.future-date)\n"
    "  --code-set PATH             the compiled ICD-10-CM index (default: $CLAIMGATE_CODESET,\n"
    "                              else the icd10cm.cgx installed with claimgate)\n"
    "  --out DIR                   also write, per input file, into DIR/<file name>/:\n"
    "                              report.json, report.csv (one row per finding) and\n"
    "                              report.html (findings by rule and by claim); for X12\n"
    "                              999.x12 (with the TA1 when the envelope is bad), 277ca.x12\n"
    "                              and accepted-<payer id>.837 (the\n"
    "                              accepted claims re-enveloped, one file per payer); for FHIR\n"
    "                              outcomes.ndjson (one OperationOutcome per claim) and\n"
    "                              accepted.ndjson. X12 streams through in bounded memory (one\n"
    "                              transaction set at a time); a FHIR document is read whole.\n"
    "  --control-start N           ISA13 of the first interchange written (999, 277CA, 837),\n"
    "                              then N+1, ...; nothing is remembered (default: the next\n"
    "                              numbers from the state directory, never reused)\n"
    "  --state-dir DIR             where the control numbers used are kept, one file per\n"
    "                              sender identity (default: $CLAIMGATE_STATE_DIR, else\n"
    "                              $XDG_STATE_HOME/claimgate, else ~/.local/state/claimgate)\n"
    "  --jobs N                    threads validating X12 input, cut at transaction-set\n"
    "                              boundaries; the output is the same for any N (default:\n"
    "                              the CPUs claimgate may use; 1: one thread)\n"
    "\n"
    "exit codes: 0 every claim accepted, 1 a claim was rejected or the input has syntax\n"
    "errors, 2 an input is unusable (unreadable, not X12 or FHIR) or bad options.\n";

struct Options {
  std::vector<std::string> files;
  ReportFormat format = ReportFormat::Text;
  std::vector<std::string> packs;
  rules::Date today;
  std::string code_set;
  std::string out_dir;
  bool only_rejected = false;
  std::uint64_t control_start = 0;  // --control-start; 0: from the state directory
  std::string state_dir;            // --state-dir
  unsigned jobs = 0;                // --jobs; 0: the CPUs this process may use
};

// The threads that validate X12 besides the main one (--jobs N: N - 1); null for one.
std::shared_ptr<transforms::WorkPool> work_pool(const Options& o) {
  const unsigned jobs = o.jobs != 0 ? o.jobs : transforms::WorkPool::available_cpus();
  return jobs > 1 ? std::make_shared<transforms::WorkPool>(jobs - 1) : nullptr;
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
      if (*v == "text")
        o.format = ReportFormat::Text;
      else if (*v == "json")
        o.format = ReportFormat::Json;
      else if (*v == "summary")
        o.format = ReportFormat::Summary;
      else
        return "--format must be text, json or summary, not '" + *v + "'";
    } else if (a == "--pack") {
      const std::string* v = value("--pack");
      if (!v) return "--pack needs a pack name or path";
      o.packs.push_back(*v);
    } else if (a == "--today") {
      const std::string* v = value("--today");
      if (!v) return "--today needs a date YYYY-MM-DD";
      std::string why;
      const auto d = parse_cli_date(*v, why);
      if (!d) return "--today " + why;
      o.today = *d;
    } else if (a == "--out") {
      const std::string* v = value("--out");
      if (!v) return "--out needs a directory";
      o.out_dir = *v;
    } else if (a == "--only-rejected") {
      o.only_rejected = true;
    } else if (a == "--control-start") {
      const std::string* v = value("--control-start");
      std::uint64_t n = 0;
      bool digits = v != nullptr && !v->empty() && v->size() <= 9;
      for (std::size_t k = 0; digits && k < v->size(); ++k) {
        digits = (*v)[k] >= '0' && (*v)[k] <= '9';
        n = n * 10 + static_cast<std::uint64_t>((*v)[k] - '0');
      }
      if (!digits || n == 0) return "--control-start needs a number from 1 to 999999999";
      o.control_start = n;
    } else if (a == "--jobs") {
      const std::string* v = value("--jobs");
      if (!v) return "--jobs needs a number of threads";
      unsigned n = 0;
      bool digits = !v->empty() && v->size() <= 3;
      for (const char ch : *v) {
        digits = digits && ch >= '0' && ch <= '9';
        if (digits) n = n * 10 + static_cast<unsigned>(ch - '0');
      }
      if (!digits || n == 0 || n > 256) return "--jobs needs a number from 1 to 256";
      o.jobs = n;
    } else if (a == "--state-dir") {
      const std::string* v = value("--state-dir");
      if (!v || v->empty()) return "--state-dir needs a directory";
      o.state_dir = *v;
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

// The code set and the rule set the options ask for; an error message when they cannot load.
std::string load_rules(const Options& opt, rules::RuleEnv& env,
                       std::shared_ptr<const rules::RuleSet>& ruleset) {
  env.today = opt.today;
  std::string path = opt.code_set;
  if (path.empty()) {
    const DataLookup found = find_codeset();
    if (!found.error.empty()) return found.error;
    path = found.path;
  }
  auto loaded = codesets::Icd10Index::load(path);
  if (auto* err = std::get_if<std::string>(&loaded)) return "cannot load the ICD-10-CM code set: " + *err;
  env.codes = std::get<std::shared_ptr<const codesets::Icd10Index>>(loaded);
  try {
    std::vector<std::shared_ptr<const rules::RulePack>> packs;
    DataLookup packs_dir;
    for (const auto& name : opt.packs) {
      const bool by_name = name.find('/') == std::string::npos && !name.ends_with(".json");
      if (by_name && packs_dir.tried.empty()) packs_dir = find_packs_dir();
      if (by_name && !packs_dir.error.empty()) return "--pack " + name + ": " + packs_dir.error;
      packs.push_back(rules::load_pack_ref(name, packs_dir.path));
    }
    ruleset = rules::RuleSet::build(std::move(packs));
  } catch (const std::exception& e) {
    return e.what();
  }
  return {};
}

// Reads a whole file (or standard input); false with a message on failure.
bool slurp(const std::string& path, std::string& out, std::string& err) {
  std::ifstream in;
  std::istream* is = &std::cin;
  if (path != "-") {
    in.open(path, std::ios::binary);
    if (!in) {
      err = path + ": " + std::strerror(errno);
      return false;
    }
    is = &in;
  }
  std::ostringstream ss;
  ss << is->rdbuf();
  out = ss.str();
  return true;
}

// Where the CLI keeps the control numbers it has used: --state-dir, $CLAIMGATE_STATE_DIR,
// $XDG_STATE_HOME/claimgate, ~/.local/state/claimgate.
std::string default_state_dir() {
  for (const char* env : {"CLAIMGATE_STATE_DIR", "XDG_STATE_HOME", "HOME"}) {
    const char* v = std::getenv(env);
    if (v == nullptr || *v == '\0') continue;
    const std::string base(v);
    if (std::string_view(env) == "CLAIMGATE_STATE_DIR") return base;
    return std::string_view(env) == "HOME" ? base + "/.local/state/claimgate" : base + "/claimgate";
  }
  return {};
}

// The control numbers of the interchanges the CLI writes: --control-start N counts from N
// (nothing persisted: the caller keeps track); else durable in the state directory, so that
// no two runs write the same ISA13 for the same sender identity. Throws ControlNumberError.
std::shared_ptr<ControlNumbers> cli_control_numbers(const Options& o) {
  if (o.control_start != 0) return ControlNumbers::counting_from(o.control_start);
  const std::string dir = o.state_dir.empty() ? default_state_dir() : o.state_dir;
  if (dir.empty())
    throw ControlNumberError("no state directory for the control numbers: pass --state-dir DIR or --control-start N");
  return ControlNumbers::durable(dir + "/control-numbers", 1);
}

Stamp cli_stamp(const std::shared_ptr<ControlNumbers>& numbers) {
  X12DateTime now = local_x12_now();
  Stamp s;
  s.date = std::move(now.date);
  s.time = std::move(now.time);
  s.allocate = [numbers](std::string_view q, std::string_view id) { return numbers->next(q, id); };
  return s;
}

// "accepted-87726.837": one re-enveloped 837 per payer id (file-name safe).
std::string accepted_file_name(std::string_view payer) {
  std::string name = "accepted-";
  for (const char ch : payer) {
    const auto c = static_cast<unsigned char>(ch);
    name.push_back(std::isalnum(c) || ch == '-' || ch == '.' ? ch : '_');
  }
  if (payer.empty()) name += "no-payer-id";
  return name + ".837";
}

bool write_file(const std::filesystem::path& p, std::string_view data) {
  std::ofstream out(p, std::ios::binary | std::ios::trunc);
  out.write(data.data(), static_cast<std::streamsize>(data.size()));
  return static_cast<bool>(out);
}

// An input that cannot be read at all (missing, a directory, unreadable): an input error in the
// report like any other (JSON and text list it, the summary counts it), said once: on standard
// error only in the summary format, which lists no errors.
void unreadable(ReportWriter& report, ReportFormat format, const std::string& file, const std::string& io_error) {
  rules::Finding f;
  f.rule = "input.unreadable";
  f.message = io_error.rfind(file + ": ", 0) == 0 ? io_error.substr(file.size() + 2) : io_error;
  report.input_error(file, f);
  if (format == ReportFormat::Summary) std::fprintf(stderr, "claimgate validate: %s\n", io_error.c_str());
}

// An output file of --out, written as the answers are produced.
class OutFile {
 public:
  explicit OutFile(std::filesystem::path p) : path_(std::move(p)) {}
  ~OutFile() {
    if (f_ != nullptr) std::fclose(f_);
  }
  OutFile(const OutFile&) = delete;
  OutFile& operator=(const OutFile&) = delete;
  void write(std::string_view data) {
    if (f_ == nullptr && ok_) {
      f_ = std::fopen(path_.c_str(), "wb");
      ok_ = f_ != nullptr;
    }
    if (ok_ && std::fwrite(data.data(), 1, data.size(), f_) != data.size()) ok_ = false;
  }
  // Closes the file (creating it empty when nothing was written); false on any failure.
  bool close() {
    if (f_ == nullptr && ok_) write({});
    if (f_ != nullptr) {
      ok_ = std::fclose(f_) == 0 && ok_;
      f_ = nullptr;
    }
    return ok_;
  }
  std::FILE* file() {
    write({});
    return f_;
  }

 private:
  std::filesystem::path path_;
  std::FILE* f_ = nullptr;
  bool ok_ = true;
};

// --out for X12: the file streams through the pipeline; the report, the 277CA and each
// payer's 837 are written as transaction sets complete (memory: one transaction set), the
// 999 at the end (it holds envelope facts and errors only).
class X12AnswerFiles {
 public:
  X12AnswerFiles(const Pipeline& pipeline, const Options& opt, const std::string& file,
                 const std::filesystem::path& dir, const std::shared_ptr<ControlNumbers>& numbers,
                 ReportWriter& report)
      : file_(file), dir_(dir), report_(report), report_file_(dir / "report.json"), ack277_(dir / "277ca.x12"),
        json_(report_file_.file(), ReportFormat::Json), biller_(dir, file) {
    X12Outputs out;
    out.on_outcome = [this](transforms::ClaimOutcome&& o) {
      report_.claim(o.claim, o.verdict);
      json_.claim(o.claim, o.verdict);
      biller_.claim(o.claim, o.verdict);
    };
    out.on_error = [this](rules::Finding&& f) {
      report_.input_error(file_, f);
      json_.input_error(file_, f);
      biller_.input_error(f);
    };
    out.ack_277ca = [this](std::string_view b) { ack277_.write(b); };
    out.payer_837 = [this](const std::string& payer, std::string_view b) {
      auto& f = payers_[payer];
      if (!f) f = std::make_unique<OutFile>(dir_ / accepted_file_name(payer));
      f->write(b);
    };
    session_ = pipeline.begin_x12_streaming(file, "", opt.today, cli_stamp(numbers), std::move(out));
  }

  void feed(std::string_view chunk) { session_->feed(chunk); }

  // False when a file could not be written; usable: the input held an X12 interchange.
  bool finish(bool& usable) {
    const X12Result r = session_->finish();
    usable = r.usable;
    json_.finish();
    OutFile ack999(dir_ / "999.x12");
    ack999.write(r.ack_999);
    bool ok = report_file_.close() && ack277_.close() && ack999.close();
    ok = biller_.finish() && ok;
    for (auto& [payer, f] : payers_) ok = f->close() && ok;
    return ok;
  }

 private:
  std::string file_;
  std::filesystem::path dir_;
  ReportWriter& report_;
  OutFile report_file_, ack277_;
  ReportWriter json_;
  BillerReport biller_;
  std::map<std::string, std::unique_ptr<OutFile>> payers_;
  std::unique_ptr<X12Session> session_;
};

// --out for FHIR: the document is read whole (bounded by InputLimits::max_fhir_bytes).
bool fhir_answers(const Pipeline& pipeline, const Options& opt, const std::string& file, const std::string& bytes,
                  const std::filesystem::path& dir, ReportWriter& report, int& exit_code) {
  const FhirResult r = pipeline.process_fhir(bytes, FhirOperation::Batch, "", opt.today, {}, file);
  std::string outcomes, accepted;
  transforms::FhirAnswerStamp fs;
  fs.now = utc_datetime_now();
  fs.id_prefix = unique_id();  // ids unique across runs (engine/ids.hpp)
  BillerReport biller(dir, file);
  for (const auto& e : r.input_errors) biller.input_error(e);
  for (const auto& o : r.outcomes) {
    biller.claim(o.claim, o.verdict);
    report.claim(o.claim, o.verdict);
    outcomes += transforms::operation_outcome_json(o.verdict.findings, fs) + "\n";
    ++fs.sequence;
    if (o.verdict.accepted) accepted += o.claim.fhir.raw_json + "\n";
  }
  for (const auto& e : r.input_errors) report.input_error(file, e);
  if (r.outcomes.empty() && !r.input_errors.empty()) exit_code = 2;
  return biller.finish() && write_file(dir / "outcomes.ndjson", outcomes) && write_file(dir / "accepted.ndjson", accepted) &&
         write_file(dir / "report.json", engine::report_json(r.outcomes, r.input_errors, file));
}

int validate_with_answers(const Options& opt, const rules::RuleEnv& env,
                          const std::shared_ptr<const rules::RuleSet>& ruleset) {
  PipelineOptions po;
  po.codes = env.codes;
  po.default_rules = ruleset;
  po.pool = work_pool(opt);
  const Pipeline pipeline(po);
  ReportWriter report(stdout, opt.format, nullptr);
  report.only_rejected(opt.only_rejected);
  int exit_code = 0;
  std::shared_ptr<ControlNumbers> numbers;
  try {
    numbers = cli_control_numbers(opt);
  } catch (const ControlNumberError& e) {
    std::fprintf(stderr, "claimgate validate: %s\n", e.what());
    return 2;
  }
  for (const auto& file : opt.files) {
    const std::string name = file == "-" ? "stdin" : std::filesystem::path(file).filename().string();
    const std::filesystem::path dir = std::filesystem::path(opt.out_dir) / name;
    // The first 8 KiB decide the kind: X12 streams on, FHIR is gathered whole.
    std::string head;
    std::unique_ptr<X12AnswerFiles> x12;
    bool fhir = false, failed = false;
    const auto decide = [&] {
      std::error_code ec;
      std::filesystem::create_directories(dir, ec);
      if (ec) {
        std::fprintf(stderr, "claimgate validate: cannot create %s: %s\n", dir.c_str(), ec.message().c_str());
        failed = true;
        return;
      }
      if (transforms::detect_input(std::string_view(head).substr(0, 8192)) != transforms::InputKind::X12) {
        fhir = true;
        return;
      }
      x12 = std::make_unique<X12AnswerFiles>(pipeline, opt, file, dir, numbers, report);
      x12->feed(head);
      std::string().swap(head);
    };
    bool ok = true;
    try {
      const std::string io_error = read_in_chunks(file, [&](std::string_view chunk) {
        if (failed) return;
        if (x12) {
          x12->feed(chunk);
          return;
        }
        head.append(chunk);
        if (!fhir && head.size() >= 8192) decide();
      });
      if (!io_error.empty()) {
        unreadable(report, opt.format, file, io_error);
        exit_code = 2;
        continue;
      }
      if (!x12 && !fhir && !failed) decide();
      if (failed) return 2;
      if (x12) {
        bool usable = false;
        ok = x12->finish(usable);
        if (!usable) exit_code = 2;
      } else {
        ok = fhir_answers(pipeline, opt, file, head, dir, report, exit_code);
      }
    } catch (const ControlNumberError& e) {
      std::fprintf(stderr, "claimgate validate: %s\n", e.what());
      return 2;
    }
    if (!ok) {
      std::fprintf(stderr, "claimgate validate: cannot write into %s\n", dir.c_str());
      return 2;
    }
  }
  report.finish();
  if (exit_code == 0 && (report.rejected() > 0 || report.input_errors() > 0)) exit_code = 1;
  return exit_code;
}

}  // namespace

int cmd_ack(const Args& args) {
  static constexpr const char* kAckHelp =
      "usage: claimgate ack FILE [--today YYYY-MM-DD] [--pack NAME]... [--code-set PATH]\n"
      "                          [--control-start N | --state-dir DIR] [--jobs N]\n"
      "\n"
      "Prints the acknowledgments claimgate returns for X12 837 input: the 999 (with a TA1 first\n"
      "when an interchange envelope is bad), then the 277CA for the transaction sets the 999\n"
      "accepted. Control numbers (ISA13) as for validate --out: the next ones from the state\n"
      "directory, or from --control-start N. Exit codes as for validate.\n";
  Options opt;
  opt.today = local_today();
  bool help = false;
  const std::string usage_error = parse_options(args, opt, help);
  if (help) {
    std::fputs(kAckHelp, stdout);
    return 0;
  }
  if (!usage_error.empty() || opt.files.size() != 1) {
    std::fprintf(stderr, "claimgate ack: %s\n\n%s", usage_error.empty() ? "one input file" : usage_error.c_str(),
                 kAckHelp);
    return 2;
  }
  rules::RuleEnv env;
  std::shared_ptr<const rules::RuleSet> ruleset;
  if (const std::string err = load_rules(opt, env, ruleset); !err.empty()) {
    std::fprintf(stderr, "claimgate ack: %s\n", err.c_str());
    return 2;
  }
  std::string bytes, err;
  if (!slurp(opt.files[0], bytes, err)) {
    std::fprintf(stderr, "claimgate ack: %s\n", err.c_str());
    return 2;
  }
  PipelineOptions po;
  po.codes = env.codes;
  po.default_rules = ruleset;
  po.pool = work_pool(opt);
  X12Result r;
  try {
    r = Pipeline(po).process_x12(bytes, opt.files[0], "", opt.today, cli_stamp(cli_control_numbers(opt)));
  } catch (const ControlNumberError& e) {
    std::fprintf(stderr, "claimgate ack: %s\n", e.what());
    return 2;
  }
  if (!r.usable) {
    std::fprintf(stderr, "claimgate ack: %s: no X12 interchange to acknowledge\n", opt.files[0].c_str());
    return 2;
  }
  std::fwrite(r.ack.data(), 1, r.ack.size(), stdout);
  return r.counts.rejected > 0 || r.counts.input_errors > 0 ? 1 : 0;
}

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
  std::shared_ptr<const rules::RuleSet> ruleset;
  if (const std::string err = load_rules(opt, env, ruleset); !err.empty()) {
    std::fprintf(stderr, "claimgate validate: %s\n", err.c_str());
    return 2;
  }
  if (!opt.out_dir.empty()) return validate_with_answers(opt, env, ruleset);

  PipelineOptions po;
  po.codes = env.codes;
  po.default_rules = ruleset;
  po.pool = work_pool(opt);
  const Pipeline pipeline(po);
  ReportWriter report(stdout, opt.format, isatty(2) != 0 ? stderr : nullptr);
  report.only_rejected(opt.only_rejected);
  int exit_code = 0;
  for (const auto& file : opt.files) {
    const std::string source = file == "-" ? "<stdin>" : file;
    const auto stream = pipeline.begin_validation(
        source, "", opt.today, [&](transforms::ClaimVerdict&& v) { report.claim(v, source); },
        [&](rules::Finding&& f) { report.input_error(file, f); });
    bool read = false;
    const std::string io_error = read_in_chunks(file, [&](std::string_view chunk) {
      read = true;
      stream->feed(chunk);
    });
    // A file that could not be opened is not reported on (no "input is empty" error).
    const transforms::ReadSummary summary = read ? stream->finish() : transforms::ReadSummary{};
    if (!io_error.empty()) {
      unreadable(report, opt.format, file, io_error);
      exit_code = 2;
    } else if (!summary.usable) {
      // The reader reported why as an input error; the summary format does not list those.
      if (opt.format == ReportFormat::Summary)
        std::fprintf(stderr, "claimgate validate: %s: no usable X12 interchange or FHIR resource\n", file.c_str());
      exit_code = 2;
    }
  }
  report.finish();
  if (exit_code == 0 && (report.rejected() > 0 || report.input_errors() > 0)) exit_code = 1;
  return exit_code;
}

}  // namespace cg::engine
