// claimgate code CODE [--system S] [--dos YYYY-MM-DD] [--format text|json] [--code-set PATH]
// claimgate code-set build ...   (the ICD-10-CM compiler)
#include "engine/cli/commands.hpp"
#include "engine/clock.hpp"
#include "engine/code_report.hpp"
#include "engine/data_paths.hpp"
#include "engine/procedure_report.hpp"
#include "rulesets/codesets/icd10cm.hpp"
#include "rulesets/codesets/code_key.hpp"
#include "rulesets/codesets/icd10cm_compiler.hpp"

#include <algorithm>
#include <cctype>
#include <chrono>
#include <optional>
#include <cstdio>
#include <string>

namespace cg::engine {
namespace {

using codesets::CodeExplanation;
using codesets::CodeRef;
using codesets::Icd10Index;

constexpr const char* kCodeHelp =
    "usage: claimgate code CODE [--system S] [--dos YYYY-MM-DD] [--format text|json] [--notes]\n"
    "                      [--code-set PATH]\n"
    "\n"
    "Explains an ICD-10-CM diagnosis code on a date of service: its status in the release in\n"
    "force (billable, header, not-yet-effective, deleted, invalid-extension, unknown), the\n"
    "release, titles, billable children of a header, the date a code takes effect or the last\n"
    "date it was valid and its replacements, 7th-character rules, Excludes1/Excludes2 notes,\n"
    "manifestation, MCE age/sex edits and whether it is exempt from POA reporting. CODE is\n"
    "accepted with or without the dot, any case.\n"
    "\n"
    "  --system S        icd10cm (default), or a procedure code set: icd10pcs, hcpcs (Level\n"
    "                    II), hcpcs-modifier, cpt (only when a licensee compiled a CPT file\n"
    "                    in). Procedure codes answer: valid, header (an ICD-10-PCS table or\n"
    "                    partial code), not-yet-effective, deleted (HCPCS: terminated),\n"
    "                    unknown, code-set-not-loaded; with titles, the date a code takes\n"
    "                    effect or was last valid, replacements, valid codes under a header.\n"
    "                    JSON keys: code, system, dos, release, status, title, short_title,\n"
    "                    effective_from, last_valid, replacements, valid_children,\n"
    "                    children_sample, warning\n"
    "  --dos YYYY-MM-DD  date of service (default: today, UTC)\n"
    "  --format text     readable report (default); notes say where they sit (a code,\n"
    "                    a section, a chapter); chapter-level notes only with --notes\n"
    "  --notes           also print the chapter-level Excludes notes (text)\n"
    "  --format json     one JSON object; keys: code, dos, release, status, title,\n"
    "                    billable_children, effective_from, last_valid, replacements,\n"
    "                    excludes1, and also short_title, release_in_force_loaded, warning,\n"
    "                    related_codes, extension_problem, seventh_character, excludes2,\n"
    "                    manifestation, header_since, billable_until,\n"
    "                    chapter, notes_release, demographics, poa\n"
    "  --code-set PATH   compiled index (default: $CLAIMGATE_CODESET, else the icd10cm.cgx\n"
    "                    installed with claimgate: beside the executable or in\n"
    "                    <prefix>/share/claimgate)\n"
    "\n"
    "Dates after the newest loaded release are answered from the newest release with the\n"
    "warning icd10cm.code-set-not-loaded.\n"
    "\n"
    "exit codes: 0 the code is known to the loaded releases (whatever its status on the date),\n"
    "1 the code is unknown (never part of any loaded release), 2 usage error or unusable index.\n";

constexpr const char* kCodeSetHelp =
    "usage: claimgate code-set build [--manifest FILE]... [RELEASE OPTIONS]... [--mce NAME=DATE=FILE]...\n"
    "                                [--poa NAME=DATE=FILE]... [--pcs|--hcpcs|--cpt NAME=DATE=FILE]...\n"
    "                                --output FILE\n"
    "\n"
    "Compiles ICD-10-CM releases, read from the files as CMS/NCHS publish them (plain or .xz),\n"
    "and the procedure code sets (ICD-10-PCS, HCPCS Level II, a licensee's CPT) into one binary index for `claimgate code`, `claimgate validate` and the server.\n"
    "\n"
    "  --manifest FILE        a release manifest (tab separated; paths relative to it):\n"
    "                           release NAME YYYY-MM-DD order=F [tabular=F] [conversion=F]...\n"
    "                                   [changes=F]...\n"
    "                           release NAME YYYY-MM-DD base=NAME [undo-addenda=F keep-addenda=F]\n"
    "                                   [add-conversion-effective=YYYY-MM-DD]\n"
    "                           mce NAME YYYY-MM-DD file=F\n"
    "                           poa NAME YYYY-MM-DD file=F\n"
    "                         the bundled one is rulesets/codesets/icd10cm/releases.tsv\n"
    "  --release NAME=YYYY-MM-DD  start a release effective from that date; the options below\n"
    "                         apply to the latest --release:\n"
    "    --order FILE         the order file (icd10cm_order_YYYY.txt; decides billability)\n"
    "    --tabular FILE       the tabular XML (notes, 7th characters); optional\n"
    "    --conversion FILE    a conversion table (.csv, or a tab-separated dump of the xlsx);\n"
    "                         optional, repeatable\n"
    "    --changes FILE       a change list from the previous release (change, code,\n"
    "                         code_dotted, flags, titles; tab separated) when no conversion\n"
    "                         table exists: checked against the order files; a deleted code\n"
    "                         gets the added code with its exact title as successor\n"
    "    --base NAME          derive the release from another one instead of an order file\n"
    "  --mce NAME=YYYY-MM-DD=FILE  a Medicare Code Editor simple-edits list (age/sex edits)\n"
    "  --poa NAME=YYYY-MM-DD=FILE  a CMS POA-exempt list (POAexemptCodes*.txt), in force from\n"
    "                         that date until the next list's\n"
    "  --pcs NAME=YYYY-MM-DD=FILE    an ICD-10-PCS order file (icd10pcs_order_YYYY.txt) or codes\n"
    "                         file (icd10pcs_codes_YYYY.txt)\n"
    "  --hcpcs NAME=YYYY-MM-DD=FILE  the CMS Alpha-Numeric HCPCS file as published\n"
    "                         (HCPCyyyy_..._ANWEB.txt: codes, modifiers, ADD DT, TERM DT)\n"
    "  --cpt NAME=YYYY-MM-DD=FILE    a licensee's CPT file: CODE, tab or blank, description\n"
    "                         (claimgate ships no CPT codes)\n"
    "                         manifest lines: pcs|hcpcs|cpt NAME DATE file=F [to=DATE];\n"
    "                         pcs NAME DATE base=NAME undo-addenda=F (an edition derived by\n"
    "                         undoing a CMS order addenda). The newest release of each is in\n"
    "                         force until to=, else: ICD-10-PCS the day before the next\n"
    "                         October 1, HCPCS the end of its quarter, CPT the end of its year\n"
    "  --output FILE, -o FILE the index to write (written to FILE.tmp, then renamed)\n"
    "\n"
    "Releases are ordered by date; each is in force until the next one starts, the newest\n"
    "until the day before the next October 1. Example, adding next October's release:\n"
    "  claimgate code-set build --manifest rulesets/codesets/icd10cm/releases.tsv \\\n"
    "    --release FY2028=2027-10-01 --order icd10cm_order_2028.txt \\\n"
    "    --tabular icd10cm_tabular_2028.xml --conversion conversion-2028.tsv -o icd10cm.cgx\n"
    "\n"
    "Adding next October's ICD-10-PCS release or the current HCPCS quarter:\n"
    "  claimgate code-set build --manifest rulesets/codesets/icd10cm/releases.tsv \\\n"
    "    --pcs FY2028=2027-10-01=icd10pcs_order_2028.txt \\\n"
    "    --hcpcs 2027-JAN=2027-01-01=HCPC2027_JAN_ANWEB.txt -o icd10cm.cgx\n"
    "\n"
    "exit codes: 0 index written, 1 an input file is unusable (the message names the file\n"
    "and line), 2 usage error.\n";

rules::Date today() {
  const auto now = std::chrono::system_clock::now();
  const auto days = std::chrono::floor<std::chrono::days>(now).time_since_epoch().count();
  return rules::Date::from_days(static_cast<std::int32_t>(days));
}

void print_list(const char* label, const std::vector<std::string>& v) {
  if (v.empty()) return;
  std::printf("%-18s", label);
  for (std::size_t i = 0; i < v.size(); ++i) std::printf("%s%s", i ? ", " : "", v[i].c_str());
  std::printf("\n");
}

void print_text(const Icd10Index& idx, const CodeExplanation& e, bool notes) {
  std::printf("%-18s%s\n", "code", e.code.c_str());
  std::printf("%-18s%s\n", "date of service", e.dos.iso().c_str());
  std::printf("%-18s%s\n", "release", e.release.empty() ? "(none)" : e.release.c_str());
  if (const auto warn = code_warning(idx, e); !warn.empty()) std::printf("%-18s%s\n", "warning", warn.c_str());
  std::printf("%-18s%s\n", "status", std::string(codesets::to_string(e.status)).c_str());
  if (!e.title.empty()) std::printf("%-18s%s\n", "title", e.title.c_str());
  if (!e.extension_problem.empty()) std::printf("%-18s%s\n", "problem", e.extension_problem.c_str());
  print_list("billable children", e.billable_children);
  if (e.effective_from) std::printf("%-18s%s\n", "effective from", e.effective_from->iso().c_str());
  if (e.last_valid) std::printf("%-18s%s\n", "last valid", e.last_valid->iso().c_str());
  if (e.header_since)
    std::printf("%-18s%s\n", "header since",
                (e.header_since->iso() + (e.billable_until ? " (billable until " + e.billable_until->iso() + ")" : std::string()))
                    .c_str());
  print_list(e.status == codesets::CodeStatus::NotYetEffective ? "before that, use" : "replacements",
             e.replacements);
  print_list("related codes", e.related);
  if (e.seventh) {
    std::printf("%-18s(defined at %s)\n", "7th character", e.seventh->defined_at.c_str());
    for (std::size_t i = 0; i < e.seventh->allowed.size(); ++i)
      std::printf("%-18s  %c  %s\n", "", e.seventh->allowed[i],
                  i < e.seventh->meanings.size() ? e.seventh->meanings[i].c_str() : "");
  }
  // Where a note sits: a code or category ("M54.5"), a section ("M50-M54") or a chapter ("13").
  // Chapter notes apply to every code of the chapter and are long: shown with --notes only.
  const auto where = [](const std::string& at) {
    const std::string level = code_note_level(at);
    return level == "code" ? "under " + at : level + " " + at + " note";
  };
  std::size_t hidden = 0, width = 0;
  for (const auto* v : {&e.excludes1, &e.excludes2})
    for (const auto& r : *v) width = std::max(width, code_ref_text(r).size());
  const auto refs = [&](const char* label, const std::vector<CodeRef>& v) {
    bool first = true;
    for (const auto& r : v) {
      if (!notes && std::string_view(code_note_level(r.declared_at)) == "chapter") {
        ++hidden;
        continue;
      }
      std::printf("%-18s%-*s  \"%s\" (%s)\n", first ? label : "", static_cast<int>(width), code_ref_text(r).c_str(),
                  r.note.c_str(), where(r.declared_at).c_str());
      first = false;
    }
  };
  refs("Excludes1", e.excludes1);
  refs("Excludes2", e.excludes2);
  if (hidden > 0)
    std::printf("%-18s%zu chapter-level Excludes note%s not shown (--notes shows them)\n", "", hidden, hidden == 1 ? "" : "s");
  if (e.manifestation) std::printf("%-18s%s\n", "manifestation", "yes (not allowed as principal diagnosis)");
  if (const int ch = idx.chapter(e.code, e.dos); ch > 0) std::printf("%-18s%d\n", "chapter", ch);
  const auto d = idx.demographics(e.code, e.dos);
  if (d.sex != codesets::DemographicEdits::Sex::Any || d.age)
    std::printf("%-18ssex %s, age %s (%s)\n", "MCE edits", code_sex_text(d.sex),
                d.age ? (std::to_string(d.age->first) + "-" + std::to_string(d.age->second) + " " + d.age_category).c_str()
                      : "any",
                d.source.c_str());
  if (const auto poa = code_poa_text(idx, e); !poa.empty()) std::printf("%-18s%s\n", "POA indicator", poa.c_str());
  if (!e.notes_release.empty()) {
    if (e.notes_release == e.release)
      std::printf("%-18stabular of %s\n", "notes from", e.notes_release.c_str());
    else
      std::printf("%-18stabular of %s (the nearest loaded one: no %s tabular is loaded)\n", "notes from",
                  e.notes_release.c_str(), e.release.empty() ? "matching" : e.release.c_str());
  }
}

}  // namespace

int cmd_code(const Args& args) {
  std::string code, format = "text", path, system = "icd10cm";
  std::optional<rules::Date> dos;
  bool notes = false;
  for (std::size_t i = 0; i < args.size(); ++i) {
    const std::string& a = args[i];
    const auto value = [&](const char* name) -> const std::string* {
      if (i + 1 >= args.size()) {
        std::fprintf(stderr, "claimgate code: %s needs a value\n", name);
        return nullptr;
      }
      return &args[++i];
    };
    if (a == "--help" || a == "-h") {
      std::fputs(kCodeHelp, stdout);
      return 0;
    } else if (a == "--notes") {
      notes = true;
    } else if (a == "--dos") {
      const auto* v = value("--dos");
      if (!v) return 2;
      std::string why;
      dos = parse_cli_date(*v, why);
      if (!dos) {
        std::fprintf(stderr, "claimgate code: --dos %s\n", why.c_str());
        return 2;
      }
    } else if (a == "--format") {
      const auto* v = value("--format");
      if (!v) return 2;
      format = *v;
      if (format != "text" && format != "json") {
        std::fprintf(stderr, "claimgate code: --format must be text or json\n");
        return 2;
      }
    } else if (a == "--code-set") {
      const auto* v = value("--code-set");
      if (!v) return 2;
      path = *v;
    } else if (a == "--system") {
      const auto* v = value("--system");
      if (!v) return 2;
      system = *v;
      if (system != "icd10cm" && !procedure_catalog(system)) {
        std::fprintf(stderr, "claimgate code: --system must be icd10cm, icd10pcs, hcpcs, hcpcs-modifier or cpt\n");
        return 2;
      }
    } else if (!a.empty() && a[0] == '-' && a.size() > 1) {
      std::fprintf(stderr, "claimgate code: unknown option '%s'\n\n%s", a.c_str(), kCodeHelp);
      return 2;
    } else if (code.empty()) {
      code = a;
    } else {
      std::fprintf(stderr, "claimgate code: one CODE at a time ('%s' is extra)\n", a.c_str());
      return 2;
    }
  }
  if (code.empty()) {
    std::fputs(kCodeHelp, stderr);
    return 2;
  }
  if (path.empty()) {
    const DataLookup found = find_codeset();
    if (!found.error.empty()) {
      std::fprintf(stderr, "claimgate code: %s\n", found.error.c_str());
      return 2;
    }
    path = found.path;
  }
  auto loaded = Icd10Index::load(path);
  if (const auto* err = std::get_if<std::string>(&loaded)) {
    std::fprintf(stderr, "claimgate code: %s\n", err->c_str());
    return 2;
  }
  const auto& idx = *std::get<std::shared_ptr<const Icd10Index>>(loaded);
  if (const auto catalog = procedure_catalog(system)) {
    const auto& procs = idx.procedures();
    const auto p = procs.lookup(*catalog, code, dos ? *dos : today());
    std::fputs((format == "json" ? procedure_report_json(procs, p) : procedure_report_text(procs, p)).c_str(), stdout);
    return p.status == codesets::ProcedureStatus::Unknown ? 1 : 0;
  }
  const CodeExplanation e = idx.lookup(code, dos ? *dos : today());
  if (format == "json") std::fputs(code_report_json(idx, e).c_str(), stdout);
  else print_text(idx, e, notes);
  return e.status == codesets::CodeStatus::Unknown ? 1 : 0;
}

int cmd_code_set(const Args& args) {
  if (args.empty() || args[0] == "--help" || args[0] == "-h" || args[0] == "help") {
    std::fputs(kCodeSetHelp, args.empty() ? stderr : stdout);
    return args.empty() ? 2 : 0;
  }
  if (args[0] != "build") {
    std::fprintf(stderr, "claimgate code-set: unknown subcommand '%s' (build)\n", args[0].c_str());
    return 2;
  }
  codesets::BuildSpec spec;
  std::string output;
  const auto usage = [](const std::string& msg) {
    std::fprintf(stderr, "claimgate code-set build: %s\n", msg.c_str());
    return 2;
  };
  for (std::size_t i = 1; i < args.size(); ++i) {
    const std::string& a = args[i];
    if (a == "--help" || a == "-h") {
      std::fputs(kCodeSetHelp, stdout);
      return 0;
    }
    if (i + 1 >= args.size()) return usage(a + " needs a value (see --help)");
    const std::string& v = args[++i];
    if (a == "--manifest") {
      if (auto e = codesets::read_manifest(v, spec); !e.empty()) {
        std::fprintf(stderr, "claimgate code-set build: %s\n", e.c_str());
        return 1;
      }
    } else if (a == "--output" || a == "-o") {
      output = v;
    } else if (a == "--release") {
      const auto eq = v.find('=');
      const auto date = eq == std::string::npos ? std::nullopt : rules::parse_iso_date(v.substr(eq + 1));
      if (!date || eq == 0) return usage("--release wants NAME=YYYY-MM-DD, got '" + v + "'");
      codesets::ReleaseSpec r;
      r.name = v.substr(0, eq);
      for (auto& c : r.name) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
      r.effective_from = *date;
      r.origin = "--release " + v;
      spec.releases.push_back(std::move(r));
    } else if (a == "--order" || a == "--tabular" || a == "--conversion" || a == "--changes" ||
               a == "--base") {
      if (spec.releases.empty() || spec.releases.back().origin.rfind("--release", 0) != 0)
        return usage(a + " must follow a --release");
      auto& r = spec.releases.back();
      if (a == "--order") r.order = v;
      else if (a == "--tabular") r.tabular = v;
      else if (a == "--conversion") r.conversion.push_back(v);
      else if (a == "--changes") r.changes.push_back(v);
      else {
        r.base = v;
        for (auto& c : r.base) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
      }
    } else if (a == "--pcs" || a == "--hcpcs" || a == "--cpt") {
      const auto catalog = codesets::procedure_line_kind(std::string_view(a).substr(2));
      // --pcs / --hcpcs / --cpt NAME=YYYY-MM-DD=FILE, as the manifest line `pcs NAME DATE file=FILE`.
      const auto e1 = v.find('='), e2 = e1 == std::string::npos ? e1 : v.find('=', e1 + 1);
      const auto date = e2 == std::string::npos ? std::nullopt : rules::parse_iso_date(v.substr(e1 + 1, e2 - e1 - 1));
      if (!date || e1 == 0) return usage(a + " wants NAME=YYYY-MM-DD=FILE, got '" + v + "'");
      const std::string file = "file=" + v.substr(e2 + 1);
      if (auto e = codesets::read_procedure_line(*catalog, v.substr(0, e1), *date, {file}, "", a + " " + v,
                                                 spec.procedures);
          !e.empty())
        return usage(e);
    } else if (a == "--mce") {
      const auto e1 = v.find('='), e2 = e1 == std::string::npos ? e1 : v.find('=', e1 + 1);
      const auto date = e2 == std::string::npos ? std::nullopt : rules::parse_iso_date(v.substr(e1 + 1, e2 - e1 - 1));
      if (!date) return usage("--mce wants NAME=YYYY-MM-DD=FILE, got '" + v + "'");
      spec.mce.push_back(codesets::MceSpec{v.substr(0, e1), *date, v.substr(e2 + 1), "--mce " + v});
    } else if (a == "--poa") {
      const auto e1 = v.find('='), e2 = e1 == std::string::npos ? e1 : v.find('=', e1 + 1);
      const auto date = e2 == std::string::npos ? std::nullopt : rules::parse_iso_date(v.substr(e1 + 1, e2 - e1 - 1));
      if (!date || e1 == 0) return usage("--poa wants NAME=YYYY-MM-DD=FILE, got '" + v + "'");
      std::string name = v.substr(0, e1);
      for (auto& c : name) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
      spec.poa.push_back(codesets::PoaSpec{name, *date, v.substr(e2 + 1), "--poa " + v});
    } else {
      return usage("unknown option '" + a + "' (see --help)");
    }
  }
  if (output.empty()) return usage("--output FILE is required");
  if (spec.releases.empty()) return usage("no ICD-10-CM releases: give --manifest and/or --release");
  const auto t0 = std::chrono::steady_clock::now();
  codesets::BuildStats st;
  if (auto e = codesets::compile_index(spec, output, &st); !e.empty()) {
    std::fprintf(stderr, "claimgate code-set build: %s\n", e.c_str());
    return 1;
  }
  const double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  std::fprintf(stderr,
               "claimgate code-set build: wrote %s (%zu bytes): %zu releases, %zu codes, %zu tabular nodes, "
               "%zu Excludes references, %zu MCE entries, %zu POA-exempt lists (%zu codes); %zu procedure "
               "releases, %zu procedure codes and modifiers in %.1f s\n",
               output.c_str(), st.bytes, st.releases, st.codes, st.tabular_nodes, st.note_refs, st.mce_entries,
               st.poa_lists, st.poa_codes, st.procedures.releases, st.procedures.codes, secs);
  return 0;
}

}  // namespace cg::engine
