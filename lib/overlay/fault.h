// fault.h — INTERNAL. Fault injection for ci/mutants (docs/MUTANTS.md).
//
// The build option VTO_FAULT=<name> (lib/overlay/CMakeLists.txt; names and descriptions in
// lib/overlay/faults.def) compiles the overlay library with exactly one known bug, to prove
// that the fuzz targets find it. The faulty code is written inline where the bug would be:
//
//   #if VTO_FAULT_IS(hook_fires_twice)
//     ... the buggy variant ...
//   #else
//     ... the real code ...
//   #endif
//
// VTO_FAULT_IS(name) is 1 only in the build of that fault (CMake defines VTO_FAULT_<name>=1
// for the vto_overlay target alone) and 0 otherwise, so every fault block is dead code in a
// normal build. CMake refuses VTO_FAULT in a Release build. The ctest check
// mutants.fault_list verifies that every name in faults.def has a block here and a row in
// docs/MUTANTS.md, and that no block names an undeclared fault.
#ifndef VTO_OVERLAY_FAULT_H
#define VTO_OVERLAY_FAULT_H

#define VTO_FAULT_IS(name) (VTO_FAULT_##name + 0)

#endif  // VTO_OVERLAY_FAULT_H
