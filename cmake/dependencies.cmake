# Every dependency comes from a Debian package; nothing is downloaded at build time.
find_package(Threads REQUIRED)
find_package(Boost 1.74 REQUIRED)
find_package(OpenSSL REQUIRED)
find_package(nlohmann_json 3.11 REQUIRED)
find_package(yaml-cpp REQUIRED)
if(NOT TARGET yaml-cpp::yaml-cpp)
  add_library(yaml-cpp::yaml-cpp ALIAS yaml-cpp)
endif()
find_package(spdlog REQUIRED)
find_package(GTest REQUIRED)
find_package(PkgConfig REQUIRED)
pkg_check_modules(LIBGIT2 REQUIRED IMPORTED_TARGET libgit2>=1.5)

# CAF 0.17.6 ships neither a CMake config nor a .pc file.
find_path(CAF_INCLUDE_DIR caf/all.hpp REQUIRED)
find_library(CAF_CORE_LIBRARY NAMES caf_core REQUIRED)
add_library(CAF::core UNKNOWN IMPORTED)
set_target_properties(CAF::core PROPERTIES
  IMPORTED_LOCATION "${CAF_CORE_LIBRARY}"
  INTERFACE_INCLUDE_DIRECTORIES "${CAF_INCLUDE_DIR}"
  INTERFACE_LINK_LIBRARIES Threads::Threads)

add_library(kelos_beast INTERFACE)
target_link_libraries(kelos_beast INTERFACE Boost::headers OpenSSL::SSL OpenSSL::Crypto Threads::Threads)

# jemalloc for the long-running binaries (kelos-controller, kelos-apiserver, kelos) and the
# benches that stand for them: with glibc's malloc, allocation was a third of the
# controller's CPU (bench/README.md, "jemalloc"). Off under the sanitizers, which replace
# malloc themselves. Tests keep glibc's allocator.
option(KELOS_JEMALLOC "Link the server, controller and CLI binaries with jemalloc" ON)
add_library(kelos_allocator INTERFACE)
if(KELOS_JEMALLOC AND NOT KELOS_SANITIZE AND NOT KELOS_FUZZ)
  pkg_check_modules(JEMALLOC REQUIRED IMPORTED_TARGET jemalloc)
  target_link_libraries(kelos_allocator INTERFACE PkgConfig::JEMALLOC)
  target_compile_definitions(kelos_allocator INTERFACE KELOS_WITH_JEMALLOC)
endif()
