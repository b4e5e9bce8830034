# The user runtime as ordinary programs use it (docs/runtime.md): programs
# built as ordinary x86-64 code (FPU) that compute and print in floating
# point, and one that links Debian's static liblz4.a (package liblz4-dev,
# which tools/run and tools/test install). Included from tests/CMakeLists.txt.
add_user_program(test_float FPU SOURCES ${CMAKE_CURRENT_LIST_DIR}/test_float.c)
add_guest_test(test_float "run=test_float")
