# The 837 guide model (parsers/x12/guide_model.hpp) is compiled at build time from the maps,
# dictionary and code lists in parsers/x12/guide/data by parsers/x12/tools/guide_compile.cpp.
add_executable(x12_guide_compile ${CMAKE_CURRENT_LIST_DIR}/../tools/guide_compile.cpp)
target_link_libraries(x12_guide_compile PRIVATE pugixml::pugixml)
file(GLOB _cg_guide_data CONFIGURE_DEPENDS ${CMAKE_CURRENT_LIST_DIR}/data/*.xml)
set(_cg_guide_inc ${CMAKE_BINARY_DIR}/generated/x12_guide_tables.inc)
add_custom_command(OUTPUT ${_cg_guide_inc}
  COMMAND ${CMAKE_COMMAND} -E make_directory ${CMAKE_BINARY_DIR}/generated
  COMMAND x12_guide_compile ${CMAKE_CURRENT_LIST_DIR}/data ${_cg_guide_inc}
  DEPENDS x12_guide_compile ${_cg_guide_data}
  COMMENT "Compiling the 837 guide model"
  VERBATIM)
target_sources(cg_parsers PRIVATE ${_cg_guide_inc})
target_include_directories(cg_parsers PRIVATE ${CMAKE_BINARY_DIR}/generated)
