# Warnings, sanitizers and fuzzing instrumentation applied to every target.
add_compile_options(-Wall -Wextra -Wpedantic -Wshadow -Wnon-virtual-dtor)
if(OPENSANDBOX_WERROR)
  add_compile_options(-Werror)
endif()

# lld links the large test executables several times faster than the default linker.
find_program(OPENSANDBOX_LLD ld.lld)
if(OPENSANDBOX_LLD)
  add_link_options(-fuse-ld=lld)
endif()

if(OPENSANDBOX_SANITIZE)
  add_compile_options(-fsanitize=address,undefined -fno-omit-frame-pointer
                      -fno-sanitize-recover=undefined)
  add_link_options(-fsanitize=address,undefined)
endif()

if(OPENSANDBOX_FUZZ)
  if(NOT CMAKE_CXX_COMPILER_ID STREQUAL "Clang")
    message(FATAL_ERROR "OPENSANDBOX_FUZZ needs clang: configure with -DCMAKE_CXX_COMPILER=clang++ -DCMAKE_C_COMPILER=clang")
  endif()
  # Libraries get coverage instrumentation; fuzz executables add -fsanitize=fuzzer themselves.
  add_compile_options(-fsanitize=fuzzer-no-link,address,undefined -fno-omit-frame-pointer)
  add_link_options(-fsanitize=address,undefined)
endif()
