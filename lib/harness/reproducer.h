// reproducer.h — turns one input's run into a standalone C++ program (ci/repro).
//
// The program holds the hierarchy and its lifecycle kit (the same source the JIT compiled),
// every class's ClassShape as clang computed it (so no clang is needed to build it), and a
// main() with the scenario as straight-line code (transcript.h) calling the overlay library
// directly and checking, after each step, what the harness checked (the model's expected
// values, never observed ones). It builds with plain clang++ against libvto_overlay:
//   clang++ -std=c++17 -fno-assume-unique-vtables -I<repo>/lib repro.cc libvto_overlay.a -pthread
// and fails ("VTO REPRO FAILURE: ..." and abort) exactly where the harness failed. The file
// is (re)written when the run ends, when an oracle fails and when a sanitizer reports, so a
// crashing run leaves its reproducer behind.
//
// fuzz_race programs are concurrent: one std::thread per worker runs that worker's planned
// operations, each waiting only for the previous operations of its object (the harness's
// acquire/release hand-off, vto_repro::Await/Done), so built with -fsanitize=thread they
// give ThreadSanitizer the harness's happens-before graph and show the same data races.
// Their checks run after the joins; where the defined race (P20) allows two outcomes they
// check the rule that ties the outcome to the hook record, never the outcome one run saw.
//
// For a plug-in backend (SetReproducerBackend) the program drives the plug-in instead: it
// loads the .so (the path the harness ran, or $VTO_BACKEND), starts it with the harness's
// compiler arguments, gives it the hierarchy (compile, or the declarations to a backend that
// only reflects), and installs by class and method name, tears down, reads extra slots and
// counts live overlays through the C ABI. Its objects are made by the program's own code,
// and it checks what the harness checked — the backend's declared profile included
// (promises.h). Build it with -rdynamic -ldl and the plug-in's sanitizer.
//
// Thread-safety: one reproducer per process (the failure paths are process-wide).
#ifndef VTO_HARNESS_REPRODUCER_H
#define VTO_HARNESS_REPRODUCER_H

#include <string>
#include <vector>

#include "harness/hierarchy_cache.h"
#include "harness/transcript.h"

namespace vto::harness {

// Starts recording for one input into `path`; `label` names the input in the header.
// Returns the transcript the runner appends to. Installs the failure/sanitizer hooks.
Transcript* BeginReproducer(const std::string& path, const std::string& label);
// The input runs against the plug-in backend at `plugin_path`, created with `create_args`.
// Before SetReproducerHierarchy.
void SetReproducerBackend(const std::string& plugin_path, const std::vector<std::string>& create_args);
// The hierarchy the input selected (its source and layouts go into the program).
void SetReproducerHierarchy(const CompiledHierarchy& ch);
// Writes the program now (the run ended normally). Exits with an error on I/O failure.
void WriteReproducer();

}  // namespace vto::harness

#endif  // VTO_HARNESS_REPRODUCER_H
