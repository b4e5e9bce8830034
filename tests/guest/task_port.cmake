# Acting on another task through its task port, shutdown by the host right
# (issue 13 item 2): test_task_port and the children it spawns of itself.
# Included from tests/CMakeLists.txt.
add_user_program(test_task_port SOURCES ${CMAKE_CURRENT_LIST_DIR}/test_task_port.c)
target_link_libraries(test_task_port PRIVATE idl_exc)
add_guest_test(test_task_port "run=test_task_port")
