# `cmake --install` and the Debian package (CPack): the claimgate executable, the compiled
# ICD-10-CM index and the rule packs (found by engine/data_paths.cpp relative to the executable:
# <prefix>/bin/claimgate -> <prefix>/share/claimgate/), the documentation with the licence and
# the data notices, the examples, and for the package a default configuration under
# <sysconfdir>/claimgate and a systemd unit. The C library installs its own files (its own
# install rules); this file keeps to the command-line tool and the server.
#
# The Debian package is built from a tree configured with -DCMAKE_INSTALL_PREFIX=/usr (so that
# the configuration lands in /etc): deploy/package.sh.

install(TARGETS claimgate RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})
install(FILES ${CMAKE_BINARY_DIR}/icd10cm.cgx DESTINATION ${CMAKE_INSTALL_DATADIR}/claimgate)
install(DIRECTORY ${PROJECT_SOURCE_DIR}/rulesets/packs/ DESTINATION ${CMAKE_INSTALL_DATADIR}/claimgate/packs
        FILES_MATCHING PATTERN "*.json" PATTERN "README.md")
install(FILES ${PROJECT_SOURCE_DIR}/README.md ${PROJECT_SOURCE_DIR}/LICENSE ${PROJECT_SOURCE_DIR}/NOTICE
        DESTINATION ${CMAKE_INSTALL_DOCDIR})
install(FILES ${PROJECT_SOURCE_DIR}/rulesets/codesets/icd10cm/PROVENANCE.md
        DESTINATION ${CMAKE_INSTALL_DOCDIR} RENAME PROVENANCE-icd10cm.md)
install(DIRECTORY ${PROJECT_SOURCE_DIR}/docs/ DESTINATION ${CMAKE_INSTALL_DOCDIR}/docs)
install(DIRECTORY ${PROJECT_SOURCE_DIR}/deploy/examples/ DESTINATION ${CMAKE_INSTALL_DOCDIR}/examples)
install(FILES ${PROJECT_SOURCE_DIR}/deploy/claimgate.sample.json DESTINATION ${CMAKE_INSTALL_DOCDIR}/examples)

install(FILES ${PROJECT_SOURCE_DIR}/deploy/debian/claimgate.json
        DESTINATION ${CMAKE_INSTALL_FULL_SYSCONFDIR}/claimgate)
set(CG_BINDIR ${CMAKE_INSTALL_FULL_BINDIR})
set(CG_DOCDIR ${CMAKE_INSTALL_FULL_DOCDIR})
set(CG_SYSCONFDIR ${CMAKE_INSTALL_FULL_SYSCONFDIR})
configure_file(${PROJECT_SOURCE_DIR}/deploy/debian/claimgate.service.in ${CMAKE_BINARY_DIR}/claimgate.service @ONLY)
install(FILES ${CMAKE_BINARY_DIR}/claimgate.service DESTINATION lib/systemd/system)
file(WRITE ${CMAKE_BINARY_DIR}/debian/conffiles "${CMAKE_INSTALL_FULL_SYSCONFDIR}/claimgate/claimgate.json\n")

set(CPACK_PACKAGE_NAME claimgate)
set(CPACK_PACKAGE_VENDOR "claimgate")
set(CPACK_PACKAGE_CONTACT "claimgate maintainers <maintainers@claimgate.invalid>")
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY "claim gateway: X12 837 and FHIR Claim validation against ICD-10-CM")
set(CPACK_PACKAGE_DESCRIPTION
    "claimgate reads X12 837 (P/I/D, 005010) and HL7 FHIR R4 Claim resources, checks every diagnosis\n code and pointer against the ICD-10-CM code set in force on the date of service and payer\n rule packs, answers (TA1/999/277CA, OperationOutcome/ClaimResponse) and forwards accepted\n claims. Command-line tool and server (claimgate.service).")
set(CPACK_RESOURCE_FILE_LICENSE ${PROJECT_SOURCE_DIR}/LICENSE)
set(CPACK_GENERATOR DEB)
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
set(CPACK_DEBIAN_PACKAGE_SECTION misc)
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
set(CPACK_DEBIAN_PACKAGE_CONTROL_EXTRA ${CMAKE_BINARY_DIR}/debian/conffiles)
set(CPACK_PACKAGING_INSTALL_PREFIX ${CMAKE_INSTALL_PREFIX})
include(CPack)
