# Authority is a capability (issue 11, issue 13 item 2): test_authority runs
# once without the host-privilege right (a plain child of init) and once
# with it (host_priv=), each mode on its own boot. Included from
# tests/CMakeLists.txt.
add_user_program(test_authority SOURCES ${CMAKE_CURRENT_LIST_DIR}/test_authority.c)
target_link_libraries(test_authority PRIVATE pager idl_naming)
add_guest_test(test_authority_plain "run=test_authority:plain")
add_guest_test(test_authority_priv "run=test_authority:priv host_priv=test_authority")
