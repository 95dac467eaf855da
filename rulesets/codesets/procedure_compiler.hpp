// The procedure code-set compiler: ICD-10-PCS order or codes files (with the CMS addenda to
// derive an edition), the CMS HCPCS Level II file in its published fixed-width record layout,
// and a licensee's CPT file, compiled into the procedure sections of the index
// (procedure_format.hpp). Called by compile_index() (icd10cm_compiler.hpp) for the `pcs`,
// `hcpcs` and `cpt` lines of a manifest and the --pcs/--hcpcs/--cpt options of
// `claimgate code-set build`.
//
// Every function returns an error string ("" = success) naming the file and line; inputs may
// be plain or .xz compressed.
#pragma once

#include "rulesets/codesets/procedure_codes.hpp"
#include "rulesets/core/date.hpp"

#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace cg::codesets {

struct ProcedureReleaseSpec {
  ProcedureCatalog catalog = ProcedureCatalog::Icd10Pcs;  // Icd10Pcs, Hcpcs or Cpt
  std::string name;                                       // upper-cased
  rules::Date effective_from;
  std::optional<rules::Date> effective_to;  // the newest release's end; default: see docs/codeset.md
  // ICD-10-PCS: an order file (icd10pcs_order_YYYY.txt: codes and table headers) or a codes
  // file (icd10pcs_codes_YYYY.txt: valid codes only), told apart by their layout. HCPCS: the
  // CMS "Alpha-Numeric HCPCS File" (HCPCyyyy_..._ANWEB.txt, 320-character records). CPT: one
  // code per line, then a tab or blank and its description (optional); '#' comments.
  std::string file;
  // ICD-10-PCS only, instead of file: derive the release from another one by undoing the
  // Add / Delete / Revise lines of a CMS order addenda (the October edition of a year whose
  // April edition is loaded: base=FY2024-APR undo-addenda=order_addenda_2024.txt).
  std::string base;
  std::string undo_addenda;
  std::string origin;  // "releases.tsv:31", "--pcs FY2028=..."
};

struct ProcedureBuildStats {
  std::size_t releases = 0;
  std::size_t codes = 0;
};

// "pcs", "hcpcs", "cpt" (manifest line kinds and the --pcs/--hcpcs/--cpt options).
[[nodiscard]] std::optional<ProcedureCatalog> procedure_line_kind(std::string_view kind);

// One manifest line: kind, name, date, then key=value columns (file=, to=, base=,
// undo-addenda=); relative paths are taken from `dir`.
[[nodiscard]] std::string read_procedure_line(ProcedureCatalog catalog, std::string_view name, rules::Date from,
                                              const std::vector<std::string_view>& key_values,
                                              const std::string& dir, const std::string& origin,
                                              std::vector<ProcedureReleaseSpec>& out);

// Receives each section: id, element size, data, element count.
using SectionSink = std::function<void(std::uint32_t, std::uint32_t, const void*, std::size_t)>;

// Compiles the releases (any order; none at all writes no sections).
[[nodiscard]] std::string compile_procedures(const std::vector<ProcedureReleaseSpec>& releases,
                                             const SectionSink& sink, ProcedureBuildStats* stats = nullptr);

}  // namespace cg::codesets
