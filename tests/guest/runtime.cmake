# The user runtime as ordinary programs use it (docs/runtime.md): programs
# built as ordinary x86-64 code (FPU) that compute and print in floating
# point, and one that links Debian's static liblz4.a (package liblz4-dev,
# which tools/run and tools/test install). Included from tests/CMakeLists.txt.
add_user_program(test_float FPU SOURCES ${CMAKE_CURRENT_LIST_DIR}/test_float.c)
add_guest_test(test_float "run=test_float")

# Debian's liblz4.a: the imported library lz4_debian (pager/CMakeLists.txt).
add_user_program(test_lz4 FPU SOURCES ${CMAKE_CURRENT_LIST_DIR}/test_lz4.c)
target_link_libraries(test_lz4 PRIVATE lz4_debian)
add_guest_test(test_lz4 "run=test_lz4")

# The stack protector of code built with it, as in Debian's libraries: a
# buffer overrun is caught on the function's way out and the task ends by a
# fault; a short copy returns.
add_user_program(stack_smash FPU SOURCES ${CMAKE_CURRENT_LIST_DIR}/stack_smash.c)
target_compile_options(stack_smash PRIVATE -fstack-protector-all)
add_run_test(stack_protector ARGS --args "run=stack_smash:short,!stack_smash:far_too_long_for_eight_bytes"
    PASS "stack_smash: returned 5.*copying 28 bytes into 8.*stack smashing detected.*init: all done, status 0"
    FAIL "returned 28")

# Each task's thread pointer is its own: a task that zeroes its FS base
# never moves another's (the kernel reloads it on every switch of task).
add_user_program(test_thread_pointer SOURCES ${CMAKE_CURRENT_LIST_DIR}/test_thread_pointer.c)
target_compile_options(test_thread_pointer PRIVATE -fstack-protector-all)
add_guest_test(test_thread_pointer "run=test_thread_pointer")
