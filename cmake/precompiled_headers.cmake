# Precompiled headers for the trees CI builds from scratch (ATTUNE_PCH: on in
# the asan and tsan presets; off in dev, where ccache, which does not cache
# compilations that use a precompiled header, saves more).
#
# Nearly every file of ours includes gRPC, protobuf, Abseil and the generated
# API, and most tests GoogleTest: parsing those took about half of each
# file's compile time. Two holder targets parse them once per build, and
# every C++ target of ours (those with attune_warnings, the fuzz targets
# aside) reuses one of them: attune_pch_test for the targets that link
# GoogleTest, attune_pch for the rest. A reusing target must be compiled
# with the holder's flags and at least its definitions (gcc refuses the
# header otherwise): the holders have the flags every target of ours has, and
# no definitions of their own but _REENTRANT, which -pthread defines and
# gRPC's targets pass on; every reusing target gets -pthread too.
#
# Only third-party and generated headers are in the list, so a file of ours
# that forgets an #include still fails in the dev build.

set(ATTUNE_PCH_HEADERS
  <algorithm> <chrono> <cstdint> <functional> <map> <memory> <optional> <string>
  <string_view> <utility> <vector>
  <absl/status/status.h> <absl/status/statusor.h> <absl/strings/str_cat.h>
  <absl/strings/str_join.h> <absl/synchronization/mutex.h> <absl/time/time.h>
  <google/protobuf/message.h> <grpcpp/grpcpp.h>
  <attune/v1/api.grpc.pb.h> <attune/v1/records.pb.h> <attune/v1/sync.grpc.pb.h>)

add_library(attune_pch STATIC ${PROJECT_SOURCE_DIR}/cmake/precompiled_headers.cc)
target_link_libraries(attune_pch PRIVATE attune_proto gRPC::grpc++ protobuf::libprotobuf
  absl::status absl::statusor absl::strings absl::synchronization absl::time)
target_precompile_headers(attune_pch PRIVATE ${ATTUNE_PCH_HEADERS})
attune_warnings(attune_pch)

if(ATTUNE_BUILD_TESTS)
  add_library(attune_pch_test STATIC ${PROJECT_SOURCE_DIR}/cmake/precompiled_headers.cc)
  target_link_libraries(attune_pch_test PRIVATE attune_proto gRPC::grpc++
    protobuf::libprotobuf absl::status absl::statusor absl::strings absl::synchronization
    absl::time GTest::gtest GTest::gmock)
  target_precompile_headers(attune_pch_test PRIVATE ${ATTUNE_PCH_HEADERS}
    <gtest/gtest.h> <gmock/gmock.h>)
  attune_warnings(attune_pch_test)
endif()

# Every C++ target of ours under `dir` reuses a holder.
set(test_libs "GTest::|attune_test_harness|attune_sync_support|attune_relay_process")
string(APPEND test_libs "|attune_crafted_ops|attune_disk_reader|attune_chaos_support")
function(attune_reuse_pch dir)
  get_property(targets DIRECTORY ${dir} PROPERTY BUILDSYSTEM_TARGETS)
  if(dir STREQUAL PROJECT_SOURCE_DIR)
    set(targets)  # the holders themselves, and the TSan helper for absl::Mutex
  endif()
  foreach(t IN LISTS targets)
    get_target_property(type ${t} TYPE)
    if(NOT type MATCHES "^(EXECUTABLE|STATIC_LIBRARY|OBJECT_LIBRARY)$")
      continue()
    endif()
    get_target_property(options ${t} COMPILE_OPTIONS)
    if(NOT "-Wall" IN_LIST options)
      continue()  # generated or third-party code, built with other flags
    endif()
    target_compile_options(${t} PRIVATE -pthread)
    get_target_property(links ${t} LINK_LIBRARIES)
    # GoogleTest's targets pass on GTEST_HAS_PTHREAD: only a target that
    # links them, directly or through a test library, has it.
    if(TARGET attune_pch_test AND "${links}" MATCHES "${test_libs}")
      target_precompile_headers(${t} REUSE_FROM attune_pch_test)
    else()
      target_precompile_headers(${t} REUSE_FROM attune_pch)
    endif()
  endforeach()
  get_property(subdirs DIRECTORY ${dir} PROPERTY SUBDIRECTORIES)
  foreach(d IN LISTS subdirs)
    if(NOT d MATCHES "/tests/fuzz$")  # other flags: -fsanitize=fuzzer
      attune_reuse_pch(${d})
    endif()
  endforeach()
endfunction()
attune_reuse_pch(${PROJECT_SOURCE_DIR})
