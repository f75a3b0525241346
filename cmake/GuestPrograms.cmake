# Guest programs: C and assembly for riscv64 Linux, built with Debian's cross compiler
# (gcc-riscv64-linux-gnu) into ${VMLAB_GUEST_DIR}. They are data for vmlab, not code
# linked into it, so they are custom commands rather than CMake targets of this
# project's host toolchain.
find_program(VMLAB_RISCV_CC riscv64-linux-gnu-gcc REQUIRED)
set(VMLAB_GUEST_DIR ${CMAKE_BINARY_DIR}/guest CACHE INTERNAL "where guest programs are built")
set(VMLAB_RISCV_SYSROOT /usr/riscv64-linux-gnu CACHE PATH "the riscv64 sysroot mounted read-only in the guest")
add_custom_target(guest_programs ALL)

# vmlab_guest_program(NAME SOURCES... [STATIC] [NOSTDLIB] [DIR subdir] [CFLAGS flags...] [HEADERS h...])
# builds ${VMLAB_GUEST_DIR}/<subdir or bin>/NAME. Sources (and the headers they include,
# which rebuild it when they change) are relative to the caller.
function(vmlab_guest_program name)
  cmake_parse_arguments(G "STATIC;NOSTDLIB" "DIR" "CFLAGS;HEADERS" ${ARGN})
  if(NOT G_DIR)
    set(G_DIR bin)
  endif()
  set(out ${VMLAB_GUEST_DIR}/${G_DIR}/${name})
  set(srcs)
  foreach(s ${G_UNPARSED_ARGUMENTS})
    list(APPEND srcs ${CMAKE_CURRENT_SOURCE_DIR}/${s})
  endforeach()
  set(headers)
  foreach(h ${G_HEADERS})
    list(APPEND headers ${CMAKE_CURRENT_SOURCE_DIR}/${h})
  endforeach()
  set(flags -O2 -g0 -Wall -Wextra -march=rv64gc -mabi=lp64d)
  if(G_STATIC)
    list(APPEND flags -static)
  endif()
  if(G_NOSTDLIB)
    list(APPEND flags -nostdlib -nostartfiles -static)
  endif()
  add_custom_command(
    OUTPUT ${out}
    COMMAND ${CMAKE_COMMAND} -E make_directory ${VMLAB_GUEST_DIR}/${G_DIR}
    COMMAND ${VMLAB_RISCV_CC} ${flags} ${G_CFLAGS} -o ${out} ${srcs}
    DEPENDS ${srcs} ${headers}
    COMMENT "riscv64 guest program ${G_DIR}/${name}"
    VERBATIM)
  string(REPLACE "/" "_" tgt guest_${G_DIR}_${name})
  add_custom_target(${tgt} DEPENDS ${out})
  add_dependencies(guest_programs ${tgt})
endfunction()
