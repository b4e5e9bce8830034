# The pager conformance suite (docs/pager.md, "Conformance suite"): the same
# checks (tests/guest/test_conformance.c) against every pager that can serve
# the system's anonymous memory. Included from tests/CMakeLists.txt.
#
# One entry per pager configuration: the pager's name for pager= (a program
# of PAGER_PROGRAMS, or kernel), then any extra kernel arguments. Adding a
# pager to the suite is adding its line here. An entry with swap=disk gets a
# 256 MiB swap disk, runs the 4x over-commitment check (test_swap_pressure),
# and a second boot with a 16 MiB disk for swap full (test_swap_full); an
# entry without a disk gets that boot with no disk at all (memory full).
# example_pager is not here: it cannot be the system's pager (it serves the
# one object of its own client).
set(CONFORMANCE_PAGERS
    "default_pager"
    "default_pager swap=disk"
    "compressed_pager"
    "compressed_pager swap=disk"
    "prepage_pager swap=disk"
    "policy_pager swap=disk pager_quota=1024"
    "kernel"
)

# Configuration fails when a pager that pager= can choose has no entry.
foreach(pager ${PAGER_PROGRAMS} kernel)
    set(found FALSE)
    foreach(entry ${CONFORMANCE_PAGERS})
        string(REGEX REPLACE " .*" "" name "${entry}")
        if(name STREQUAL pager)
            set(found TRUE)
        endif()
    endforeach()
    if(NOT found)
        message(FATAL_ERROR "pager ${pager} is not in the conformance suite: add a line for it "
            "to CONFORMANCE_PAGERS in ${CMAKE_CURRENT_LIST_FILE}")
    endif()
endforeach()

add_user_program(test_conformance SOURCES ${CMAKE_CURRENT_LIST_DIR}/test_conformance.c)
target_link_libraries(test_conformance PRIVATE swap_util pager_util idl_pager_stats idl_naming)
foreach(entry ${CONFORMANCE_PAGERS})
    string(REGEX REPLACE " .*" "" pager "${entry}")
    # the test's name: its entry with "." between words and "-" for "=" (pager.swap-disk)
    string(REPLACE " " "." label "${entry}")
    string(REPLACE "=" "-" label "${label}")
    set(options)
    set(full_options --swap 0) # no disk: memory itself fills
    if(entry MATCHES "(^| )swap=disk( |$)")
        set(options --swap 256M)
        set(full_options --swap 16M)
    endif()
    add_guest_test(test_conformance_full@${label}
        "run=test_swap_full pager=${entry} frames=4096" TIMEOUT 600 OPTIONS ${full_options})
    add_guest_test(test_conformance@${label} "run=test_conformance pager=${entry} frames=4096"
        TIMEOUT 600 OPTIONS ${options})
endforeach()
