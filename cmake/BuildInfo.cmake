# Version, git commit and build time, injected into common/build_info.cpp at configure time.
# A build without the .git directory (a container image build) passes -DOPENSANDBOX_GIT_COMMIT=.
find_package(Git QUIET)
if(NOT OPENSANDBOX_GIT_COMMIT)
  set(OPENSANDBOX_GIT_COMMIT "unknown")
endif()
if(GIT_FOUND AND OPENSANDBOX_GIT_COMMIT STREQUAL "unknown")
  execute_process(
    COMMAND ${GIT_EXECUTABLE} rev-parse --short=12 HEAD
    WORKING_DIRECTORY ${CMAKE_SOURCE_DIR}
    OUTPUT_VARIABLE _commit OUTPUT_STRIP_TRAILING_WHITESPACE
    RESULT_VARIABLE _commit_rc ERROR_QUIET)
  if(_commit_rc EQUAL 0 AND _commit)
    set(OPENSANDBOX_GIT_COMMIT "${_commit}")
  endif()
endif()
string(TIMESTAMP OPENSANDBOX_BUILD_TIME "%Y-%m-%dT%H:%M:%SZ" UTC)
set(OPENSANDBOX_VERSION "${PROJECT_VERSION}")
