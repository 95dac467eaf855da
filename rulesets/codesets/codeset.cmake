# The compiled code-set index (icd10cm.cgx: ICD-10-CM, ICD-10-PCS, HCPCS) beside the executables: produced at build time by
# the product's own compiler (`claimgate code-set build`) from the bundled official release
# files listed in rulesets/codesets/icd10cm/releases.tsv. See docs/codeset.md.
#
# -DCG_CODESET_INDEX=/path/to/icd10cm.cgx copies an existing index instead of compiling (the
# sanitizer build reuses the Release build's index).
set(CG_CODESET_INDEX "" CACHE FILEPATH "Existing icd10cm.cgx to copy instead of compiling the bundled releases")

set(_cg_codeset_dir "${PROJECT_SOURCE_DIR}/rulesets/codesets/icd10cm")
set(_cg_codeset_out "${CMAKE_BINARY_DIR}/icd10cm.cgx")

if(CG_CODESET_INDEX AND EXISTS "${CG_CODESET_INDEX}")
  add_custom_command(OUTPUT "${_cg_codeset_out}"
    COMMAND ${CMAKE_COMMAND} -E copy_if_different "${CG_CODESET_INDEX}" "${_cg_codeset_out}"
    DEPENDS "${CG_CODESET_INDEX}"
    COMMENT "Copying the ICD-10-CM index ${CG_CODESET_INDEX}"
    VERBATIM)
else()
  if(CG_CODESET_INDEX)
    message(WARNING "CG_CODESET_INDEX=${CG_CODESET_INDEX} does not exist: compiling the bundled releases")
  endif()
  file(GLOB_RECURSE _cg_codeset_inputs CONFIGURE_DEPENDS "${_cg_codeset_dir}/*.xz" "${_cg_codeset_dir}/releases.tsv"
       "${PROJECT_SOURCE_DIR}/rulesets/codesets/icd10pcs/*.xz" "${PROJECT_SOURCE_DIR}/rulesets/codesets/hcpcs/*.xz")
  add_custom_command(OUTPUT "${_cg_codeset_out}"
    COMMAND claimgate code-set build --manifest "${_cg_codeset_dir}/releases.tsv" --output "${_cg_codeset_out}"
    DEPENDS claimgate ${_cg_codeset_inputs}
    COMMENT "Compiling the ICD-10-CM index from the bundled releases"
    VERBATIM)
endif()
add_custom_target(codeset_index ALL DEPENDS "${_cg_codeset_out}")
