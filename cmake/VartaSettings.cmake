# varta_settings: what every target of the project is compiled with. Warnings are errors
# in project code only (Qt's headers are system headers); packagers whose compiler warns
# about something new can turn that off with -DVARTA_WERROR=OFF.
option(VARTA_WERROR "Treat compiler warnings in project code as errors" ON)

add_library(varta_settings INTERFACE)
target_compile_options(varta_settings INTERFACE -Wall -Wextra -Wpedantic $<$<BOOL:${VARTA_WERROR}>:-Werror>)
target_compile_definitions(varta_settings INTERFACE
  QT_NO_KEYWORDS                          # Q_SIGNALS, Q_SLOTS, Q_EMIT: one spelling everywhere
  QT_NO_NARROWING_CONVERSIONS_IN_CONNECT
  VARTA_VERSION="${PROJECT_VERSION}")

# Executables and tests outside varta_add_module.
function(varta_warnings target)
  target_link_libraries(${target} PRIVATE varta_settings)
endfunction()
