# One QtTest executable per unit, registered with CTest under its own name.
#   varta_add_test(NAME tst_frame SOURCES tst_frame.cpp LIBS varta_vlp [LABELS core] [TIMEOUT 60])

# tests/support: headers shared by tests, reachable as "tests/support/<name>.h".
add_library(varta_test_support INTERFACE)
file(MAKE_DIRECTORY ${PROJECT_BINARY_DIR}/include/varta_test_support/tests)
file(CREATE_LINK ${PROJECT_SOURCE_DIR}/tests/support
     ${PROJECT_BINARY_DIR}/include/varta_test_support/tests/support SYMBOLIC)
target_include_directories(varta_test_support INTERFACE ${PROJECT_BINARY_DIR}/include/varta_test_support)

function(varta_add_test)
  cmake_parse_arguments(T "" "NAME;TIMEOUT" "SOURCES;LIBS;LABELS" ${ARGN})
  add_executable(${T_NAME} ${T_SOURCES})
  target_link_libraries(${T_NAME} PRIVATE Qt6::Test varta_test_support ${T_LIBS})
  target_compile_definitions(${T_NAME} PRIVATE
    VARTA_TEST_DATA_DIR="${PROJECT_SOURCE_DIR}/tests/data"
    VARTA_BINARY_DIR="${PROJECT_BINARY_DIR}")
  varta_warnings(${T_NAME})
  add_test(NAME ${T_NAME} COMMAND ${T_NAME})
  if(NOT T_TIMEOUT)
    set(T_TIMEOUT 120)
  endif()
  set_tests_properties(${T_NAME} PROPERTIES TIMEOUT ${T_TIMEOUT}
    ENVIRONMENT "QT_QPA_PLATFORM=offscreen")
  if(T_LABELS)
    set_tests_properties(${T_NAME} PROPERTIES LABELS "${T_LABELS}")
  endif()
endfunction()
