// claimgate convert FILE... --to fhir|x12 [--kind 837P|837I|837D] [--out DIR] [envelope options]
#include "engine/cli/commands.hpp"
#include "engine/clock.hpp"
#include "engine/config.hpp"
#include "engine/input_file.hpp"
#include "transforms/claim_fhir.hpp"
#include "transforms/claim_x12.hpp"

#include <charconv>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <memory>

namespace cg::engine {
namespace {

constexpr const char* kHelp =
    "usage: claimgate convert FILE... --to fhir|x12 [--kind 837P|837I|837D] [--out DIR]\n"
    "                         [--sender ID] [--sender-name NAME] [--receiver ID] [--receiver-name NAME]\n"
    "                         [--contact-name NAME] [--contact-phone NUMBER] [--usage P|T] [--control N]\n"
    "                         [--config FILE]\n"
    "\n"
    "Translates claims between X12 837 (professional, institutional, dental; 005010) and FHIR R4\n"
    "through the canonical claim model (docs/convert.md has the element mapping). Input is\n"
    "recognized by content; FILE '-' reads standard input. X12 input is streamed: memory holds\n"
    "one claim, whatever the file size.\n"
    "\n"
    "  --to fhir         one FHIR Bundle (type collection) per claim, as NDJSON\n"
    "  --to x12          one interchange: a functional group per guide, a transaction set per claim\n"
    "  --kind K          the 837 to write (837P, 837I, 837D); default: from each claim's type\n"
    "  --out DIR         one file per input in DIR (NAME.ndjson or NAME.x12) instead of standard\n"
    "                    output\n"
    "  --sender ID, --sender-name NAME, --receiver ID, --receiver-name NAME\n"
    "                    the interchange identities (ISA06/GS02/1000A, ISA08/GS03/1000B); default:\n"
    "                    those of the X12 input; required for FHIR input\n"
    "  --contact-name NAME, --contact-phone NUMBER\n"
    "                    the submitter contact (1000A PER); default: identity.contact_name /\n"
    "                    contact_phone of --config, else the X12 input's\n"
    "  --config FILE     the server's configuration (claimgate serve --config): the default\n"
    "                    submitter contact, as the gateway writes it for X12 targets\n"
    "  --usage P|T       ISA15 (default: the X12 input's, else P)\n"
    "  --control N       ISA13 of the first interchange written (default 1)\n"
    "\n"
    "A claim that cannot be converted (its input has syntax errors, or the target needs\n"
    "something it lacks, or it holds something the target cannot carry) is not written; the\n"
    "reasons go to standard error with their locations (X12 segment position and element,\n"
    "or FHIRPath). Segments the canonical model does not carry are reported as warnings.\n"
    "\n"
    "exit codes: 0 every claim converted, 1 some claims could not be converted, 2 an input is\n"
    "unusable (unreadable, not X12/FHIR) or the command line is wrong.\n";

enum class Target { Fhir, X12 };

struct Options {
  Target to = Target::Fhir;
  bool to_set = false;
  transforms::X12WriteOptions x12;
  bool usage_set = false, contact_set = false;
  std::uint64_t control = 1;
  std::string out_dir;
  std::string config_file;
  std::vector<std::string> files;
};

std::string parse_args(const Args& args, Options& o) {
  for (std::size_t i = 0; i < args.size(); ++i) {
    const std::string& a = args[i];
    auto value = [&]() -> const std::string* { return i + 1 < args.size() ? &args[++i] : nullptr; };
    if (a == "--to") {
      const std::string* v = value();
      if (!v || (*v != "fhir" && *v != "x12")) return "--to needs fhir or x12";
      o.to = *v == "fhir" ? Target::Fhir : Target::X12;
      o.to_set = true;
    } else if (a == "--kind") {
      const std::string* v = value();
      if (!v || (*v != "837P" && *v != "837I" && *v != "837D")) return "--kind needs 837P, 837I or 837D";
      o.x12.kind = *v == "837P" ? rules::ClaimKind::Professional
                   : *v == "837I" ? rules::ClaimKind::Institutional
                                  : rules::ClaimKind::Dental;
    } else if (a == "--out") {
      const std::string* v = value();
      if (!v) return "--out needs a directory";
      o.out_dir = *v;
    } else if (a == "--sender" || a == "--receiver" || a == "--sender-name" || a == "--receiver-name" ||
               a == "--contact-name" || a == "--contact-phone") {
      const std::string* v = value();
      if (!v || v->empty()) return a + " needs a value";
      if (a == "--sender") o.x12.sender.id = *v;
      else if (a == "--receiver") o.x12.receiver.id = *v;
      else if (a == "--sender-name") o.x12.sender.name = *v;
      else if (a == "--receiver-name") o.x12.receiver.name = *v;
      else if (a == "--contact-name") o.x12.contact_name = *v, o.contact_set = true;
      else o.x12.contact_phone = *v, o.contact_set = true;
      if ((a == "--sender" || a == "--receiver") && v->size() > 15) return a + " is at most 15 characters (ISA06/ISA08)";
    } else if (a == "--config") {
      const std::string* v = value();
      if (!v || v->empty()) return "--config needs a file";
      o.config_file = *v;
    } else if (a == "--usage") {
      const std::string* v = value();
      if (!v || (*v != "P" && *v != "T")) return "--usage needs P or T";
      o.x12.usage = *v;
      o.usage_set = true;
    } else if (a == "--control") {
      const std::string* v = value();
      std::uint64_t n = 0;
      if (!v || std::from_chars(v->data(), v->data() + v->size(), n).ptr != v->data() + v->size() || n < 1 ||
          n > 999999999)
        return "--control needs a number from 1 to 999999999";
      o.control = n;
    } else if (a.size() > 1 && a[0] == '-' && a != "-") {
      return "unknown option '" + a + "'";
    } else {
      o.files.push_back(a);
    }
  }
  if (!o.to_set) return "--to fhir or --to x12 is required";
  if (o.files.empty()) return "no input file";
  return {};
}

void report(const std::string& file, const rules::Claim* c, const rules::Finding& f) {
  std::string where = f.src.render();
  std::fprintf(stderr, "%s: %s%s%s%s%s: %s%s\n", file.c_str(), f.severity == rules::Severity::Warn ? "warning " : "",
               c ? "claim " : "", c ? c->id.c_str() : "", c ? " " : "", f.rule.c_str(),
               where.empty() ? "" : (where + ": ").c_str(), f.message.c_str());
}

// Where the output of one input goes: standard output, or DIR/NAME.ext.
class Output {
 public:
  bool open(const Options& o, const std::string& file, std::string_view ext) {
    if (o.out_dir.empty()) return true;
    const std::filesystem::path in = file == "-" ? std::filesystem::path("stdin") : std::filesystem::path(file);
    path_ = (std::filesystem::path(o.out_dir) / in.filename()).replace_extension(ext).string();
    out_ = std::make_unique<std::ofstream>(path_, std::ios::binary | std::ios::trunc);
    if (!*out_) {
      std::fprintf(stderr, "claimgate convert: cannot write %s\n", path_.c_str());
      return false;
    }
    return true;
  }
  void write(std::string_view s) {
    if (out_) out_->write(s.data(), static_cast<std::streamsize>(s.size()));
    else std::fwrite(s.data(), 1, s.size(), stdout);
  }
  bool close() {
    if (!out_) return std::fflush(stdout) == 0;
    out_->close();
    if (!*out_) std::fprintf(stderr, "claimgate convert: could not write %s\n", path_.c_str());
    return static_cast<bool>(*out_);
  }

 private:
  std::string path_;
  std::unique_ptr<std::ofstream> out_;
};

}  // namespace

int cmd_convert(const Args& args) {
  for (const auto& a : args)
    if (a == "--help" || a == "-h") {
      std::fputs(kHelp, stdout);
      return 0;
    }
  Options o;
  if (const std::string err = parse_args(args, o); !err.empty()) {
    std::fprintf(stderr, "claimgate convert: %s\n%s", err.c_str(), kHelp);
    return 2;
  }
  if (!o.config_file.empty()) {
    // The gateway's submitter contact (identity.contact_*), unless the flags name one.
    try {
      const ServerConfig config = load_config(o.config_file);
      if (o.x12.contact_name.empty() && !config.identity.contact_name.empty()) {
        o.x12.contact_name = config.identity.contact_name;
        o.contact_set = true;
      }
      if (o.x12.contact_phone.empty() && !config.identity.contact_phone.empty()) {
        o.x12.contact_phone = config.identity.contact_phone;
        o.contact_set = true;
      }
    } catch (const ConfigError& e) {
      std::fprintf(stderr, "claimgate convert: bad configuration: %s\n", e.what());
      return 2;
    }
  }
  if (!o.out_dir.empty()) {
    std::error_code ec;
    std::filesystem::create_directories(o.out_dir, ec);
    if (ec) {
      std::fprintf(stderr, "claimgate convert: cannot create %s: %s\n", o.out_dir.c_str(), ec.message().c_str());
      return 2;
    }
  }
  const X12DateTime now = local_x12_now();
  transforms::X12Stamp stamp;
  stamp.control = o.control;
  stamp.date = now.date;
  stamp.time = now.time;

  int exit_code = 0;
  std::unique_ptr<transforms::Claim837Writer> x12;  // one interchange on stdout; one per file with --out
  Output shared_out;
  auto start_x12 = [&](Output& out, const rules::Claim& first) {
    transforms::X12WriteOptions w = o.x12;
    // The identities not configured come from the X12 input (a FHIR claim has none).
    if (w.sender.id.empty()) w.sender.id = first.x12.sender_id;
    if (w.receiver.id.empty()) w.receiver.id = first.x12.receiver_id;
    if (w.sender.name.empty()) w.sender.name = first.x12.submitter_name;
    if (w.receiver.name.empty()) w.receiver.name = first.x12.receiver_name;
    if (!o.usage_set && !first.x12.isa15.empty()) w.usage = first.x12.isa15;
    if (!o.contact_set) {
      w.contact_name = first.x12.submitter_contact;
      w.contact_phone = first.x12.submitter_phone;
    }
    return std::make_unique<transforms::Claim837Writer>(std::move(w), stamp,
                                                        [&out](std::string_view s) { out.write(s); });
  };
  bool envelope_missing_reported = false;

  for (const auto& file : o.files) {
    Output per_file;
    Output& out = o.out_dir.empty() ? shared_out : per_file;
    if (!out.open(o, file, o.to == Target::Fhir ? ".ndjson" : ".x12")) return 2;
    std::unique_ptr<transforms::Claim837Writer> own_x12;
    auto& writer = o.out_dir.empty() ? x12 : own_x12;
    auto on_claim = [&](rules::Claim&& c, rules::Findings&& findings) {
      bool bad = false;
      for (const auto& f : findings) {
        // Syntax errors make the claim unusable; rule findings (claim.billing-zip) are for validate.
        if (f.severity != rules::Severity::Reject || !(f.rule.starts_with("x12.") || f.rule.starts_with("fhir.")))
          continue;
        report(file, &c, f);
        bad = true;
      }
      if (bad) {
        std::fprintf(stderr, "%s: claim %s not converted: its input has errors\n", file.c_str(), c.id.c_str());
        exit_code = std::max(exit_code, 1);
        return;
      }
      transforms::Conversion r;
      if (o.to == Target::Fhir) {
        r = transforms::claim_to_fhir(c, transforms::FhirBundleType::Collection);
        if (r.ok()) {
          out.write(r.text);
          out.write("\n");
        }
      } else {
        if (!writer) {
          const bool has_ids = (!o.x12.sender.id.empty() || !c.x12.sender_id.empty()) &&
                               (!o.x12.receiver.id.empty() || !c.x12.receiver_id.empty());
          if (!has_ids) {
            if (!envelope_missing_reported)
              std::fprintf(stderr, "claimgate convert: X12 output of FHIR input needs --sender and --receiver\n");
            envelope_missing_reported = true;
            exit_code = 2;
            return;
          }
          writer = start_x12(out, c);
        }
        r = writer->add(c);
      }
      for (const auto& f : r.warnings) report(file, &c, f);
      for (const auto& f : r.errors) report(file, &c, f);
      if (!r.ok()) {
        std::fprintf(stderr, "%s: claim %s not converted\n", file.c_str(), c.id.c_str());
        exit_code = std::max(exit_code, 1);
      }
    };
    auto on_error = [&](rules::Finding&& f) {
      report(file, nullptr, f);
      exit_code = std::max(exit_code, 1);
    };
    const FileReadResult r = read_claims_from_file(file, {}, on_claim, on_error);
    if (!r.io_error.empty()) {
      std::fprintf(stderr, "claimgate convert: %s\n", r.io_error.c_str());
      exit_code = 2;
    } else if (!r.summary.usable) {
      std::fprintf(stderr, "claimgate convert: %s: no usable X12 interchange or FHIR resource\n", file.c_str());
      exit_code = 2;
    }
    if (!o.out_dir.empty()) {
      if (own_x12) own_x12->finish();
      if (!per_file.close()) exit_code = 2;
    }
  }
  if (x12) x12->finish();
  if (o.out_dir.empty() && !shared_out.close()) exit_code = 2;
  return exit_code;
}

}  // namespace cg::engine
