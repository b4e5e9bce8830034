# External pager tests in the guest (issue 4): test_pager_basic,
# test_pager_concurrent and test_pager_bad, written directly on the generated
# memory_object stubs, and their helper task pager_child.
# Included from tests/CMakeLists.txt.
set(PAGER_TEST_DIR ${CMAKE_CURRENT_LIST_DIR})
add_user_objects(pager_util SOURCES ${PAGER_TEST_DIR}/pager_util.c)
target_link_libraries(pager_util PUBLIC idl_memory_object idl_memory_object_control)
add_user_program(pager_child SOURCES ${PAGER_TEST_DIR}/pager_child.c)
target_link_libraries(pager_child PRIVATE pager_util idl_memory_object idl_memory_object_control)
# test name -> extra kernel arguments (a short pager deadline for test_pager_bad)
set(PAGER_TESTS test_pager_basic test_pager_concurrent test_pager_bad test_pager_policy
    test_pager_quota)
set(PAGER_ARGS_test_pager_basic "")
set(PAGER_ARGS_test_pager_policy "")
set(PAGER_ARGS_test_pager_quota "")
set(PAGER_ARGS_test_pager_concurrent "")
set(PAGER_ARGS_test_pager_bad " pager_timeout=2000")
foreach(test ${PAGER_TESTS})
    add_user_program(${test} SOURCES ${PAGER_TEST_DIR}/${test}.c)
    target_link_libraries(${test} PRIVATE pager_util idl_memory_object idl_memory_object_control)
    add_guest_test(${test} "run=${test}${PAGER_ARGS_${test}}")
endforeach()

# Changing an object's pager at run time (issue 11 item 4): the migration
# call takes the host-privilege right; a short pager deadline for the pager
# that never answers.
add_user_program(test_pager_swap SOURCES ${PAGER_TEST_DIR}/test_pager_swap.c)
target_link_libraries(test_pager_swap PRIVATE pager_util idl_memory_object idl_memory_object_control)
add_guest_test(test_pager_swap "run=test_pager_swap host_priv=test_pager_swap pager_timeout=3000")

# The same through init (init_pager.idl): a second default pager instance
# (started by the test, registered as pager2) becomes the default pager and
# takes every object, then gives them back.
add_user_program(test_pager_use SOURCES ${PAGER_TEST_DIR}/test_pager_use.c)
target_link_libraries(test_pager_use PRIVATE idl_init_pager idl_naming idl_pager_stats
    idl_memory_object)
add_guest_test(test_pager_use "run=test_pager_use host_priv=test_pager_use pager_timeout=3000")
# With the boot pager on the swap disk: its pages come back from the disk.
add_guest_test(test_pager_use_disk
    "run=test_pager_use host_priv=test_pager_use pager_timeout=3000 swap=disk")

# Failover: a standby pager adopts the objects of a pager whose port died.
add_user_program(test_pager_failover SOURCES ${PAGER_TEST_DIR}/test_pager_failover.c)
target_link_libraries(test_pager_failover PRIVATE pager_util idl_memory_object
    idl_memory_object_control)
add_guest_test(test_pager_failover "run=test_pager_failover host_priv=test_pager_failover")
# One region's object moves from the system's pager to the task's own pager (SYS_VM_REGION_MIGRATE).
add_user_program(test_region_migrate SOURCES ${PAGER_TEST_DIR}/test_region_migrate.c)
target_link_libraries(test_region_migrate PRIVATE pager swap_util idl_pager_stats idl_naming)
add_guest_test(test_region_migrate "run=test_region_migrate")
# Twice the usable memory, most of it on the swap disk, moves in batches (issue 11).
# (It deadlocked in session 5: a batch deferred for memory waited for good
# once free memory came back; docs/pager.md, "Changing pager". It hung in
# sessions 7 and 8 and was quarantined: its own pager, waiting for a frame,
# held the whole laundry, so nothing else could be written back; session 9
# bounds ordinary pagers' laundry apart, docs/design.md "Pageout".)
# On 2 CPUs, as tools/run boots: on one CPU, in about half the clean-clone
# and fresh-root runs under load (session 12), the system pager's own write
# to a fresh heap page found the reserve empty and the pager was killed
# ("out of memory": a privileged fault with no frame fails at once), with
# frames=4096 and 4160 alike. Open: issue 16's note. (frames=4160: the boot
# modules come out of frames=N; the region scales with the usable frames.)
add_guest_test(test_region_migrate_big "run=test_region_migrate:big swap=disk frames=4160"
    TIMEOUT 600 OPTIONS --swap 256M --smp 2)

# A pager's name table under hostile clients (issue 13): the tasks of a job
# are refused together past VM_PAGED_OBJECTS_MAX objects of external pagers
# (four hostile tasks at once, one a grandchild, twice), another job's faults
# are served meanwhile (host_priv: the test starts that job); a refused
# object's fault fails at once (the pager deadline is set far beyond the
# test's timeout).
add_user_program(test_pager_names SOURCES ${PAGER_TEST_DIR}/test_pager_names.c)
target_link_libraries(test_pager_names PRIVATE pager_util idl_memory_object
    idl_memory_object_control)
add_guest_test(test_pager_names "run=test_pager_names host_priv=test_pager_names pager_timeout=3600000")
add_guest_test(test_pager_names_swap
    "run=test_pager_names host_priv=test_pager_names pager_timeout=3600000 swap=disk")

# Forged memory_object messages (issue 13): a task holding the published
# "pager" right forges terminate, data_return and data_request for every
# object id and init for made-up ones; the system pager drops exactly those
# (pager_stats forged: no IPC_TAG_KERNEL) and still serves the task's pages.
add_user_program(test_pager_forged SOURCES ${PAGER_TEST_DIR}/test_pager_forged.c)
target_link_libraries(test_pager_forged PRIVATE pager_util idl_memory_object idl_pager_stats
    idl_naming)
add_guest_test(test_pager_forged "run=test_pager_forged")
add_guest_test(test_pager_forged_swap "run=test_pager_forged swap=disk")

# A pager whose name table other tasks fill (issue 13): a child pager keeps
# every right sent to it and is sent more than its table holds; the kernel
# drops the messages that no longer fit and the pager still serves faults.
add_user_program(test_pager_hoard SOURCES ${PAGER_TEST_DIR}/test_pager_hoard.c)
target_link_libraries(test_pager_hoard PRIVATE pager)
add_guest_test(test_pager_hoard "run=test_pager_hoard")
