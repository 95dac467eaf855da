# The claimgate Python package (bindings/python, ctypes over libclaimgate): pytest from ctest,
# against the installed tree. The package is pip-installed offline into a virtual environment
# that sees the system's packages (Debian python3-pytest): tests/run_installed.sh.
if(NOT CG_TESTS OR CG_SANITIZE OR CG_TSAN)
  return()
endif()
# Debian's python3 (with python3-pytest and python3-venv), before any other on the PATH.
find_program(CG_PYTHON3 python3 PATHS /usr/bin NO_DEFAULT_PATH)
if(NOT CG_PYTHON3)
  find_program(CG_PYTHON3 python3)
endif()
if(NOT CG_PYTHON3)
  message(STATUS "Python tests not run: no python3")
  return()
endif()
set(_cg_prefix ${PROJECT_BINARY_DIR}/embed-prefix)
add_test(NAME python.pytest
  COMMAND ${CMAKE_CURRENT_LIST_DIR}/tests/run_installed.sh ${CG_PYTHON3} ${PROJECT_BINARY_DIR}/python-venv
          ${_cg_prefix}/${CMAKE_INSTALL_LIBDIR}/libclaimgate.so.1 ${_cg_prefix}/${CMAKE_INSTALL_BINDIR}/claimgate
          ${PROJECT_SOURCE_DIR})
set_tests_properties(python.pytest PROPERTIES LABELS "embed" FIXTURES_REQUIRED embed_prefix TIMEOUT 300
  WORKING_DIRECTORY ${PROJECT_BINARY_DIR})
