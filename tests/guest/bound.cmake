# Bounded kernel work and tables no task fills for another (issue 13, items
# 1, 3 and 4): a heartbeat thread ticks while test_bound asks for the largest
# ranges each call accepts; dead-name requests are the requester's; a refused
# vm_allocate creates no object. With the host-privilege right it measures
# the longest non-preemptible stretch of each call (SYS_KERN_STAT_RESET).
# Included from tests/CMakeLists.txt, after pager.cmake (pager_util).
add_user_program(test_bound SOURCES ${CMAKE_CURRENT_LIST_DIR}/test_bound.c)
target_link_libraries(test_bound PRIVATE pager_util idl_memory_object idl_memory_object_control)
add_guest_test(test_bound "run=test_bound host_priv=test_bound")
