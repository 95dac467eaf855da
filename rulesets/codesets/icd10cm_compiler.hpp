// The ICD-10-CM code-set compiler: reads the files as CMS/NCHS publish them (order file,
// tabular XML, conversion tables, addenda) plus the MCE age/sex lists, for any number of
// releases with their effective dates, and writes one compact binary index (see
// icd10cm_format.hpp) that Icd10Index::load() reads. Used by `claimgate code-set build`.
//
// Every function returns an error string ("" = success) naming the file and line; nothing
// throws (std::bad_alloc aside). Inputs may be plain or .xz compressed (detected by content).
#pragma once

#include "rulesets/codesets/procedure_compiler.hpp"
#include "rulesets/core/date.hpp"

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace cg::codesets {

struct ReleaseSpec {
  std::string name;  // "FY2022-APR" (upper-cased)
  rules::Date effective_from;
  std::string order;                    // order file (fixed width)
  std::string tabular;                  // tabular XML, optional
  std::vector<std::string> conversion;  // conversion tables (.tsv dump or .csv), optional
  // Change lists (icd10cm_changes_<from>_to_<to>.DERIVED.tsv: change, code, code_dotted, flags,
  // titles) standing in for a missing conversion table: checked against the order files; a
  // deleted code whose title an added code carries word for word gets that code as successor.
  std::vector<std::string> changes;
  // Derived releases (no order file of their own):
  std::string base;          // the release whose code set is the starting point
  std::string undo_addenda;  // changes listed here but not in keep_addenda are undone
  std::string keep_addenda;
  std::optional<rules::Date> add_conversion_effective;  // add codes the conversion tables date so
  std::string origin;  // where the spec came from ("releases.tsv:7", "--release")
};

struct MceSpec {
  std::string name;  // "v37"
  rules::Date effective_from;
  std::string file;
  std::string origin;
};

// A CMS list of codes exempt from Present-On-Admission reporting (POAexemptCodes*.txt: tab
// delimited order number, dotted code, long title; a header line first). In force from its
// effective date until the next list's.
struct PoaSpec {
  std::string name;  // "FY2026", "FY2022-APR"
  rules::Date effective_from;
  std::string file;
  std::string origin;
};

struct BuildSpec {
  std::vector<ReleaseSpec> releases;
  std::vector<MceSpec> mce;
  std::vector<PoaSpec> poa;
  std::vector<ProcedureReleaseSpec> procedures;  // ICD-10-PCS, HCPCS, CPT (procedure_compiler.hpp)
};

struct BuildStats {
  std::size_t releases = 0;
  std::size_t codes = 0;
  std::size_t tabular_nodes = 0;
  std::size_t note_refs = 0;
  std::size_t mce_entries = 0;
  std::size_t poa_lists = 0;
  std::size_t poa_codes = 0;  // distinct codes on any POA-exempt list
  ProcedureBuildStats procedures;
  std::size_t bytes = 0;
};

// Manifest: tab-separated lines, '#' comments. Paths are relative to the manifest's folder.
//   release <NAME> <YYYY-MM-DD> order=F [tabular=F] [conversion=F]... [changes=F]... [base=NAME]
//           [undo-addenda=F keep-addenda=F] [add-conversion-effective=YYYY-MM-DD]
//   mce <NAME> <YYYY-MM-DD> file=F
//   poa <NAME> <YYYY-MM-DD> file=F
//   pcs | hcpcs | cpt <NAME> <YYYY-MM-DD> file=F [to=YYYY-MM-DD]   (procedure_compiler.hpp)
//   pcs <NAME> <YYYY-MM-DD> base=NAME undo-addenda=F [to=YYYY-MM-DD]
[[nodiscard]] std::string read_manifest(const std::string& path, BuildSpec& spec);

[[nodiscard]] std::string compile_index(const BuildSpec& spec, const std::string& out_path,
                                        BuildStats* stats = nullptr);

// Reads a whole file, decompressing it when it is xz data.
[[nodiscard]] std::string read_data_file(const std::string& path, std::string& out);

// One line of an order file.
struct OrderEntry {
  std::string code;  // no dot
  bool billable = false;
  std::string short_title;
  std::string long_title;
};
[[nodiscard]] std::string read_order_file(const std::string& path, std::vector<OrderEntry>& out);

}  // namespace cg::codesets
