# libclaimgate: the C ABI of engine/embed/claimgate.h over the pipeline.
#   claimgate_shared  libclaimgate.so.<ABI> (SONAME), exporting only cg_* (libclaimgate.map)
#   claimgate_static  libclaimgate.a: the ABI and the engine it needs in one archive
# `cmake --install` puts the header, both libraries, claimgate.pc and the CMake package
# (find_package(claimgate)) under the prefix. CG_ABI_VERSION (claimgate.h) is the SONAME's
# number: raise both together, and only for a change that breaks callers.
include(GNUInstallDirs)
include(CMakePackageConfigHelpers)
enable_language(C)  # the tests, the benchmark and every consumer are C programs

file(STRINGS ${CMAKE_CURRENT_LIST_DIR}/claimgate.h _cg_abi REGEX "^#define CG_ABI_VERSION [0-9]+$")
string(REGEX REPLACE ".* ([0-9]+)$" "\\1" CG_ABI_VERSION "${_cg_abi}")
# Functions added within one ABI version raise the minor number of the file name.
set(CG_ABI_MINOR 0)

set_target_properties(cg_rulesets cg_parsers cg_transforms cg_engine PROPERTIES POSITION_INDEPENDENT_CODE ON)

add_library(claimgate_shared SHARED ${CMAKE_CURRENT_LIST_DIR}/claimgate.cpp)
add_library(claimgate_static STATIC ${CMAKE_CURRENT_LIST_DIR}/claimgate.cpp
  $<TARGET_OBJECTS:cg_engine> $<TARGET_OBJECTS:cg_transforms> $<TARGET_OBJECTS:cg_parsers>
  $<TARGET_OBJECTS:cg_rulesets>)
foreach(t claimgate_shared claimgate_static)
  target_compile_definitions(${t} PRIVATE CG_VERSION_STRING="${PROJECT_VERSION}")
  set_target_properties(${t} PROPERTIES OUTPUT_NAME claimgate PUBLIC_HEADER ${CMAKE_CURRENT_LIST_DIR}/claimgate.h)
endforeach()
target_link_libraries(claimgate_shared PRIVATE cg_engine)
target_link_options(claimgate_shared PRIVATE
  -Wl,--version-script=${CMAKE_CURRENT_LIST_DIR}/libclaimgate.map -Wl,--no-undefined)
set_target_properties(claimgate_shared PROPERTIES
  SOVERSION ${CG_ABI_VERSION} VERSION ${CG_ABI_VERSION}.${CG_ABI_MINOR}.0
  LINK_DEPENDS ${CMAKE_CURRENT_LIST_DIR}/libclaimgate.map)
target_link_libraries(claimgate_static PUBLIC cg_engine)  # include paths and flags when built here
target_include_directories(claimgate_shared INTERFACE ${CMAKE_CURRENT_LIST_DIR})
target_include_directories(claimgate_static INTERFACE ${CMAKE_CURRENT_LIST_DIR})
if(TARGET codeset_index)
  add_dependencies(claimgate_shared codeset_index)
endif()

# What a program linking libclaimgate.a also links (pkg-config --static, the CMake package).
set(CG_STATIC_LIBS_PC "-lpugixml -llzma -lssl -lcrypto -lstdc++ -lm -lpthread -ldl")
set(CG_STATIC_LIBS_CMAKE "pugixml;lzma;ssl;crypto;stdc++;m;Threads::Threads;dl")
string(REPLACE "Threads::Threads" "pthread" CG_STATIC_LIBS_CMAKE "${CG_STATIC_LIBS_CMAKE}")

file(RELATIVE_PATH CG_PC_TO_PREFIX ${CMAKE_INSTALL_FULL_LIBDIR}/pkgconfig ${CMAKE_INSTALL_PREFIX})
file(RELATIVE_PATH CG_CMAKE_TO_PREFIX ${CMAKE_INSTALL_FULL_LIBDIR}/cmake/claimgate ${CMAKE_INSTALL_PREFIX})
configure_file(${CMAKE_CURRENT_LIST_DIR}/claimgate.pc.in ${CMAKE_BINARY_DIR}/embed/claimgate.pc @ONLY)
configure_file(${CMAKE_CURRENT_LIST_DIR}/claimgateConfig.cmake.in ${CMAKE_BINARY_DIR}/embed/claimgateConfig.cmake @ONLY)
write_basic_package_version_file(${CMAKE_BINARY_DIR}/embed/claimgateConfigVersion.cmake
  VERSION ${PROJECT_VERSION} COMPATIBILITY SameMajorVersion)

install(TARGETS claimgate_shared claimgate_static
  LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR} COMPONENT embed
  ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR} COMPONENT embed
  PUBLIC_HEADER DESTINATION ${CMAKE_INSTALL_INCLUDEDIR} COMPONENT embed)
install(FILES ${CMAKE_BINARY_DIR}/embed/claimgate.pc DESTINATION ${CMAKE_INSTALL_LIBDIR}/pkgconfig COMPONENT embed)
install(FILES ${CMAKE_BINARY_DIR}/embed/claimgateConfig.cmake ${CMAKE_BINARY_DIR}/embed/claimgateConfigVersion.cmake
  DESTINATION ${CMAKE_INSTALL_LIBDIR}/cmake/claimgate COMPONENT embed)

# claims/s through the C ABI, Java and Python against the CLI: bench/embed_bench.sh.
if(CG_BENCH)
  add_executable(bench_embed ${CMAKE_CURRENT_LIST_DIR}/bench/embed_bench.c)
  target_link_libraries(bench_embed PRIVATE claimgate_shared)
endif()

if(NOT CG_TESTS)
  include(${PROJECT_SOURCE_DIR}/bindings/java/java.cmake)
  return()
endif()

# Tests (tests/embed/): the C program against the build tree (the sanitizer trees run these) and
# against an installed tree (installed_test.sh: cmake --install into build/embed-prefix, then
# pkg-config and find_package consumers, byte-for-byte comparison with the CLI).
add_executable(embed_test ${PROJECT_SOURCE_DIR}/tests/embed/embed_test.c)
target_link_libraries(embed_test PRIVATE claimgate_shared Threads::Threads)
set(CG_EMBED_X12_SAMPLE ${PROJECT_SOURCE_DIR}/conformance/cases/837p/clean-office-visit/input.x12)
set(CG_EMBED_FHIR_SAMPLE ${PROJECT_SOURCE_DIR}/conformance/fhir/corpus/claim/hl7r4ex__Claim-100150.json)
add_test(NAME embed.api COMMAND embed_test api ${CG_EMBED_X12_SAMPLE} ${CG_EMBED_FHIR_SAMPLE})
file(GLOB _cg_thread_inputs ${PROJECT_SOURCE_DIR}/conformance/cases/837*/*/input.*)
list(SUBLIST _cg_thread_inputs 0 12 _cg_thread_inputs)
add_test(NAME embed.threads COMMAND embed_test threads 4 3 ${CG_EMBED_FHIR_SAMPLE} ${_cg_thread_inputs})
set_tests_properties(embed.api embed.threads PROPERTIES LABELS "embed" WORKING_DIRECTORY ${PROJECT_BINARY_DIR})
if(NOT CG_SANITIZE AND NOT CG_TSAN)
  # The installed tree the C, Java and Python tests use: everything `cmake --install` puts.
  add_test(NAME embed.install COMMAND sh -c
    "rm -rf '${PROJECT_BINARY_DIR}/embed-prefix' && '${CMAKE_COMMAND}' --install '${PROJECT_BINARY_DIR}' --prefix '${PROJECT_BINARY_DIR}/embed-prefix' >/dev/null")
  set_tests_properties(embed.install PROPERTIES LABELS "embed" FIXTURES_SETUP embed_prefix)
  add_test(NAME embed.installed
    COMMAND ${PROJECT_SOURCE_DIR}/tests/embed/installed_test.sh ${PROJECT_BINARY_DIR} ${PROJECT_SOURCE_DIR}
            ${PROJECT_BINARY_DIR}/embed-prefix)
  set_tests_properties(embed.installed PROPERTIES LABELS "embed" FIXTURES_REQUIRED embed_prefix TIMEOUT 600)
endif()

include(${PROJECT_SOURCE_DIR}/bindings/java/java.cmake)
include(${PROJECT_SOURCE_DIR}/bindings/python/python.cmake)
