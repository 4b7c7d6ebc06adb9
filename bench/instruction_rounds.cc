// instruction_rounds.cc — vto_instruction_rounds MODE COUNT: runs COUNT rounds of one mode
// and nothing else, for bench/instructions.py to count the instructions a round executes
// under valgrind (deterministic where a time on a shared machine is not).
//
// Modes (the same work as the timed benchmarks; the objects and requests made once, before):
//   floor          the floor of any clone-based overlay (install_rounds.h's FloorMode)
//   vto, vto_hook  Install + Teardown of BM_InstallRounds' request, without and with a hook
//   plain_delete   new Widget + delete
//   hooked_delete  new Widget + Install with a destroy hook (the callback releases the
//                  handle, as BM_Delete's hooked mode) + delete
//   teardown_delete  the same, but the overlay torn down before the delete (no callback)
// Exit status: 0, 1 if a round failed (refused, not restored, a death not seen), 2 on bad
// arguments.
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>

#include "binding.h"
#include "classes.h"
#include "install_rounds.h"
#include "overlay/overlay.h"
#include "replacements.h"
#include "shapes.h"

namespace vto_bench {
namespace {

// new Widget, (`install`) an overlay replacing Value with a destroy hook that releases it,
// (`teardown`) torn down before the delete, delete. Returns the rounds that failed.
int DeleteRounds(int count, bool install, bool teardown) {
  ThreadBinding binding;
  vto::InstallRequest req = HookedWidgetRequest(binding);
  int failures = 0;
  for (int i = 0; i < count; ++i) {
    Widget* w = MakeWidget(1);
    if (install) {
      req.instance = w;
      vto::InstallResult r = vto::Install(req, BenchShapes());
      failures += !r.ok();
      if (teardown) {
        failures += r.overlay.Teardown() != vto::TeardownResult::kRestored;
      } else {
        binding.id = r.overlay.release();
      }
    }
    delete w;
  }
  if (install && !teardown) failures += static_cast<int>(static_cast<uint64_t>(count) - binding.deaths);
  if (teardown) failures += static_cast<int>(binding.deaths);
  return failures + static_cast<int>(vto::LiveBlocks() != 0);
}

}  // namespace
}  // namespace vto_bench

int main(int argc, char** argv) {
  using namespace vto_bench;
  const char* usage = "usage: vto_instruction_rounds floor|vto|vto_hook|plain_delete|hooked_delete|teardown_delete COUNT\n";
  if (argc != 3) {
    std::fputs(usage, stderr);
    return 2;
  }
  char* end = nullptr;
  const long count = std::strtol(argv[2], &end, 10);
  if (end == argv[2] || *end != '\0' || count < 0 || count > 100000000) {
    std::fprintf(stderr, "vto_instruction_rounds: COUNT must be an integer in [0, 1e8], got '%s'\n", argv[2]);
    return 2;
  }
  const std::string mode = argv[1];
  const int n = static_cast<int>(count);
  int failures = 0;
  if (mode == "floor") {
    failures = FloorMode().run(n);
  } else if (mode == "vto" || mode == "vto_hook") {
    failures = VtoMode(mode == "vto_hook").run(n);
  } else if (mode == "plain_delete") {
    failures = DeleteRounds(n, false, false);
  } else if (mode == "hooked_delete") {
    failures = DeleteRounds(n, true, false);
  } else if (mode == "teardown_delete") {
    failures = DeleteRounds(n, true, true);
  } else {
    std::fprintf(stderr, "vto_instruction_rounds: unknown mode '%s'\n%s", argv[1], usage);
    return 2;
  }
  if (failures != 0) {
    std::fprintf(stderr, "vto_instruction_rounds: %s: %d of %d rounds failed\n", argv[1], failures, n);
    return 1;
  }
  return 0;
}
