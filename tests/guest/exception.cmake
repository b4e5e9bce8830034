# Exceptions as messages: test_exception and its helper exc_child.
add_user_program(exc_child SOURCES guest/exc_child.c)
add_user_program(test_exception SOURCES guest/test_exception.c)
target_link_libraries(test_exception PRIVATE idl_exc)
list(APPEND GUEST_TESTS test_exception)
