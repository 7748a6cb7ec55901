# Run by cpack (CPACK_PRE_BUILD_SCRIPTS) on the staging tree, before the .deb is made from
# it: refuses a build whose prefix is not /usr, gzips the man pages and adds
# /usr/share/doc/numad/copyright and changelog.Debian.gz, as Debian policy asks of a package.
if(NOT CPACK_NUMAD_PREFIX STREQUAL "/usr" OR NOT CPACK_NUMAD_CONF_DIR STREQUAL "/etc")
  message(FATAL_ERROR "the Debian package needs a build configured with -DCMAKE_INSTALL_PREFIX=/usr "
                      "and NUMAD_CONF_DIR=/etc (this one: ${CPACK_NUMAD_PREFIX}, ${CPACK_NUMAD_CONF_DIR}); "
                      "bash .ci/package configures build-pkg so")
endif()
set(root "${CPACK_TEMPORARY_INSTALL_DIRECTORY}")
if(NOT IS_DIRECTORY "${root}${CPACK_NUMAD_PREFIX}/sbin")
  message(FATAL_ERROR "no staging tree at ${root}")
endif()
find_program(GZIP gzip REQUIRED)
file(GLOB pages "${root}${CPACK_NUMAD_PREFIX}/${CPACK_NUMAD_MANDIR}/man*/*")
list(FILTER pages INCLUDE REGEX "\\.[0-9]$")
foreach(page IN LISTS pages)
  execute_process(COMMAND "${GZIP}" -9nf "${page}" RESULT_VARIABLE rc)
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "gzip ${page} failed")
  endif()
endforeach()
set(docdir "${root}${CPACK_NUMAD_PREFIX}/${CPACK_NUMAD_DOCDIR}")
file(MAKE_DIRECTORY "${docdir}")
foreach(doc IN LISTS CPACK_NUMAD_DOC_FILES)
  file(COPY "${doc}" DESTINATION "${docdir}"
       FILE_PERMISSIONS OWNER_READ OWNER_WRITE GROUP_READ WORLD_READ)
endforeach()
execute_process(COMMAND "${GZIP}" -9nf "${docdir}/changelog.Debian" RESULT_VARIABLE rc)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "gzip changelog.Debian failed")
endif()
