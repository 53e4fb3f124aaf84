# preload.cmake - libdrip_preload.so: the counting allocator built to be
# LD_PRELOADed into any program (src/alloc/preload.c; docs/ALLOCATOR.md,
# "Preloading").  The core's files plus preload.c: no tracking, no
# harness, libc and pthreads only.  Thread-locals are initial-exec (the
# default of src/alloc without DRIP_ALLOC_IN_EXECUTABLE): the library must
# be preloaded, not dlopen'ed.  Only the malloc family is exported.
#
#   build/lib/libdrip_preload.so   (installed as lib/drip/libdrip_preload.so)
if(NOT DRIP_ASAN)
  add_library(drip_preload SHARED src/alloc/alloc.c src/alloc/alloc_counters.c
              src/alloc/alloc_usable.c src/alloc/alloc_track.c src/alloc/alloc_sample.c
              src/alloc/preload.c src/alloc/preload_profile.c)
  target_include_directories(drip_preload PRIVATE src/alloc)
  target_compile_definitions(drip_preload PRIVATE DRIP_ALLOC_PEAK)
  target_link_libraries(drip_preload PRIVATE PkgConfig::UNWIND Threads::Threads)
  target_link_options(drip_preload PRIVATE -Wl,--no-undefined)
  set_target_properties(drip_preload PROPERTIES C_VISIBILITY_PRESET hidden
                        LIBRARY_OUTPUT_DIRECTORY ${CMAKE_BINARY_DIR}/lib)
  install(TARGETS drip_preload LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR}/drip)
endif()
