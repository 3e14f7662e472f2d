# Build hygiene for small machines: ccache when present, mold or lld for linking.
find_program(KELOS_CCACHE ccache)
if(KELOS_CCACHE AND NOT CMAKE_CXX_COMPILER_LAUNCHER)
  set(CMAKE_CXX_COMPILER_LAUNCHER ${KELOS_CCACHE})
endif()

find_program(KELOS_MOLD mold)
find_program(KELOS_LLD ld.lld)
if(KELOS_MOLD)
  add_link_options(-fuse-ld=mold)
elseif(KELOS_LLD)
  add_link_options(-fuse-ld=lld)
endif()

if(KELOS_SANITIZE)
  add_compile_options(-fsanitize=address,undefined -fno-omit-frame-pointer -g1)
  add_link_options(-fsanitize=address,undefined)
endif()

# Boost config macros must be identical in every translation unit (DEPENDENCIES.md, Beast pitfall 3).
add_compile_definitions(BOOST_ASIO_NO_DEPRECATED BOOST_BEAST_USE_STD_STRING_VIEW)
