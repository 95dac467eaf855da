# claimgate.jar: org.claimgate over libclaimgate through JNA (Debian libjna-java), built with the
# JDK from Debian (openjdk-17-jdk-headless); installed as <datadir>/java/claimgate.jar with the
# Mirth/OIE transformer example in <docdir>/examples/mirth/. The JUnit 5 tests (Debian junit5)
# and the transformer on Rhino (Debian rhino) run from ctest against the installed tree.
# Not built (with a note) when the JDK or JNA is missing.
find_package(Java 17 COMPONENTS Development QUIET)
find_file(CG_JNA_JAR jna.jar PATHS /usr/share/java NO_DEFAULT_PATH)
if(NOT Java_Development_FOUND OR NOT CG_JNA_JAR)
  message(STATUS "claimgate.jar not built: needs openjdk-17-jdk-headless and libjna-java")
  return()
endif()
include(UseJava)
set(CMAKE_JAVA_COMPILE_FLAGS --release 17 -Xlint:all -Werror)

file(GLOB _cg_java_main CONFIGURE_DEPENDS ${CMAKE_CURRENT_LIST_DIR}/src/main/java/org/claimgate/*.java)
add_jar(claimgate_jar SOURCES ${_cg_java_main} INCLUDE_JARS ${CG_JNA_JAR} OUTPUT_NAME claimgate)
install_jar(claimgate_jar DESTINATION ${CMAKE_INSTALL_DATADIR}/java COMPONENT java)
install(FILES ${CMAKE_CURRENT_LIST_DIR}/examples/mirth/claimgate-transformer.js
  DESTINATION ${CMAKE_INSTALL_DOCDIR}/examples/mirth COMPONENT java)

if(NOT CG_TESTS OR CG_SANITIZE OR CG_TSAN)
  return()
endif()
set(_cg_junit_jars junit-jupiter-api opentest4j apiguardian-api junit-platform-commons rhino)
set(_cg_test_cp "")
foreach(j ${_cg_junit_jars})
  find_file(CG_JAR_${j} ${j}.jar PATHS /usr/share/java NO_DEFAULT_PATH)
  list(APPEND _cg_test_cp ${CG_JAR_${j}})
endforeach()
find_file(CG_JUNIT_CONSOLE junit-platform-console-standalone.jar PATHS /usr/share/java NO_DEFAULT_PATH)
if(NOT CG_JUNIT_CONSOLE OR NOT CG_JAR_rhino OR NOT CG_JAR_junit-jupiter-api)
  message(STATUS "Java tests not run: need junit5 and rhino (Debian packages)")
  return()
endif()
file(GLOB _cg_java_test CONFIGURE_DEPENDS ${CMAKE_CURRENT_LIST_DIR}/src/test/java/org/claimgate/*.java)
add_jar(claimgate_java_tests SOURCES ${_cg_java_test} INCLUDE_JARS claimgate_jar ${CG_JNA_JAR} ${_cg_test_cp}
  OUTPUT_NAME claimgate-tests)
set(_cg_prefix ${PROJECT_BINARY_DIR}/embed-prefix)
add_test(NAME java.junit
  COMMAND ${Java_JAVA_EXECUTABLE}
    -Dclaimgate.library=${_cg_prefix}/${CMAKE_INSTALL_LIBDIR}/libclaimgate.so.1
    -Dclaimgate.cli=${_cg_prefix}/${CMAKE_INSTALL_BINDIR}/claimgate
    -Dclaimgate.source=${PROJECT_SOURCE_DIR}
    -Dclaimgate.transformer=${_cg_prefix}/${CMAKE_INSTALL_DOCDIR}/examples/mirth/claimgate-transformer.js
    -jar ${CG_JUNIT_CONSOLE} --disable-banner --fail-if-no-tests --details=tree
    --class-path ${_cg_prefix}/${CMAKE_INSTALL_DATADIR}/java/claimgate.jar:$<TARGET_PROPERTY:claimgate_java_tests,JAR_FILE>:${CG_JNA_JAR}:${CG_JAR_rhino}
    --scan-class-path)
set_tests_properties(java.junit PROPERTIES LABELS "embed" FIXTURES_REQUIRED embed_prefix TIMEOUT 300)
