# The in-guest fuzzer (issue 13 item 4): random system calls, messages, vm
# operations, dying children and a lying pager, with a kernel self-check
# (SYS_KERNEL_CHECK, the host right) after every batch. A short campaign here;
# tools/fuzz runs long ones. Included from tests/CMakeLists.txt after
# pager.cmake (the lying pager decodes requests with pager_util).
add_user_program(fuzz SOURCES ${CMAKE_CURRENT_LIST_DIR}/fuzz.c ${CMAKE_CURRENT_LIST_DIR}/fuzz_pager.c)
target_link_libraries(fuzz PRIVATE pager_util idl_memory_object idl_memory_object_control)
add_guest_test(test_fuzz "run=fuzz:1:3000 host_priv=fuzz")
add_guest_test(test_fuzz_swap "run=fuzz:2:3000 host_priv=fuzz swap=disk frames=4096")
