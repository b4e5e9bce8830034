# init's name service in the guest: test_naming and its helper server
# naming_echo, which serves the naming_echo interface (naming_echo.idl).
# Included from tests/CMakeLists.txt.
add_idl(idl_naming_echo ${CMAKE_CURRENT_LIST_DIR}/naming_echo.idl)
add_user_program(naming_echo SOURCES ${CMAKE_CURRENT_LIST_DIR}/naming_echo.c)
target_link_libraries(naming_echo PRIVATE idl_naming idl_naming_echo)
add_user_program(test_naming SOURCES ${CMAKE_CURRENT_LIST_DIR}/test_naming.c)
target_link_libraries(test_naming PRIVATE idl_naming idl_naming_echo idl_notify_kabi)
add_guest_test(test_naming "run=test_naming")
