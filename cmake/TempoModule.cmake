# tempo_module(<name> SOURCES <files...> DEPS <targets...>)
# Builds the static library tempo_<name> (alias tempo::<name>) from src/<name>/. DEPS are the
# module's allowed edges (docs/architecture.md, "Dependency direction") and are linked PUBLIC.
function(tempo_module name)
  cmake_parse_arguments(ARG "" "" "SOURCES;DEPS" ${ARGN})
  string(REPLACE "/" "_" target_suffix "${name}")
  set(target tempo_${target_suffix})
  if(NOT ARG_SOURCES)
    # A module whose folder has no sources yet is header-only (interface) until it gets some.
    add_library(${target} INTERFACE)
    add_library(tempo::${target_suffix} ALIAS ${target})
    target_include_directories(${target} INTERFACE ${TEMPO_INCLUDE_DIR})
    target_link_libraries(${target} INTERFACE ${ARG_DEPS})
    return()
  endif()
  add_library(${target} STATIC ${ARG_SOURCES})
  add_library(tempo::${target_suffix} ALIAS ${target})
  target_include_directories(${target} PUBLIC ${TEMPO_INCLUDE_DIR}
                                       PRIVATE ${CMAKE_CURRENT_SOURCE_DIR})
  target_link_libraries(${target} PUBLIC ${ARG_DEPS})
endfunction()

# tempo_test(<module> SOURCES <files...> DEPS <targets...>)
# One Catch2 executable per module, tempo_<module>_tests, registered with catch_discover_tests.
function(tempo_test name)
  cmake_parse_arguments(ARG "" "" "SOURCES;DEPS" ${ARGN})
  set(target tempo_${name}_tests)
  add_executable(${target} ${ARG_SOURCES})
  target_link_libraries(${target} PRIVATE tempo_test_main ${ARG_DEPS})
  # A module's tests may include that module's private headers (src/<m>/...).
  target_include_directories(${target} PRIVATE ${PROJECT_SOURCE_DIR}/src)
  catch_discover_tests(${target} TEST_PREFIX "${name}: "
    PROPERTIES ENVIRONMENT "TEMPO_SOURCE_DIR=${PROJECT_SOURCE_DIR};TEMPO_BINARY_DIR=${PROJECT_BINARY_DIR}")
endfunction()
