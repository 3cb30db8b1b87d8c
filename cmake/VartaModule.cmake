# One static library per module folder. A module's headers are reachable only through
# its target: each target publishes an include root of its own that holds a link to its
# folder alone, and the project root is on no include path. So a module can include only
# the modules it links (directly or through them), and an include the dependency graph
# does not allow fails to compile.
#
#   varta_add_module(NAME varta_tracking FOLDER core/tracking
#                    SOURCES agent_key.h agent_key.cpp ...
#                    DEPENDS varta_base varta_vlp Qt6::Core)
function(varta_add_module)
  cmake_parse_arguments(M "" "NAME;FOLDER" "SOURCES;DEPENDS" ${ARGN})
  add_library(${M_NAME} STATIC ${M_SOURCES})
  set(root ${PROJECT_BINARY_DIR}/include/${M_NAME})
  get_filename_component(parent ${root}/${M_FOLDER} DIRECTORY)
  file(MAKE_DIRECTORY ${parent})
  file(CREATE_LINK ${PROJECT_SOURCE_DIR}/${M_FOLDER} ${root}/${M_FOLDER} SYMBOLIC)
  target_include_directories(${M_NAME} PUBLIC ${root})
  target_link_libraries(${M_NAME} PUBLIC ${M_DEPENDS} PRIVATE varta_settings)
endfunction()
