// lifecycle_probe.cc — CONTRACT P9 for fuzz_lifecycle, in a forked child (lifecycle_model.h).
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <exception>
#include <optional>
#include <string>

#include "gen/lifecycle_kit.h"
#include "harness/failure.h"
#include "harness/lifecycle_model.h"

namespace vto::harness::lifecycle {
namespace {

// CONTRACT P9: an exception escaping on_destroy terminates the process with a message. It
// cannot be checked in this process, so once per process a child (fork) deletes a hooked
// object whose callback throws; the child must not survive the delete, and its stderr must
// carry the library's message. Consumes no input bytes. Returns nullopt when the hierarchy
// has no class to probe with, else "" or what went wrong.
void ThrowingHook(void*, void*) { throw int(gen::kLcThrowValue); }
constexpr int kTerminated = 86;  // the probe child's exit status from std::terminate

}  // namespace

std::optional<std::string> ProbeThrowingCallback(backend::Backend& b, const CompiledHierarchy& ch) {
  int cls = -1;
  for (int c : gen::KitClasses(ch.model)) {
    const ClassTables& t = Tables(ch, c);
    // (not effectively final: `delete` of a final class's exact type is devirtualized, an unseen death)
    const gen::ClassModel& cm = ch.model.classes[c];
    if (cm.virtual_dtor && gen::IsNameable(ch.model, c) && !gen::IsEffectivelyFinal(ch.model, c) && MissingCapabilities(t, b.capabilities(), true, false, false, false).empty()) {
      cls = c;
    }
  }
  if (cls < 0) return std::nullopt;  // nothing to probe with here; the next input's hierarchy may have
  auto kit = reinterpret_cast<KitFn>(ch.Stub(gen::LcEntryName(ch.ns, cls)));
  int fds[2];
  if (::pipe(fds) != 0) HarnessError("pipe() failed");
  std::fflush(nullptr);
  const pid_t pid = ::fork();
  if (pid < 0) HarnessError("fork() failed");
  if (pid == 0) {
    ::dup2(fds[1], 2);
    ::close(fds[0]);
    // Terminate quietly: an abort would run the sanitizer's and libFuzzer's death callbacks
    // in this copy of the fuzzer (a report and a crash-* file for a correct library).
    std::set_terminate([] { ::_exit(kTerminated); });
    void* obj = kit(gen::kLcNew, nullptr, nullptr);
    backend::OverlaySpec spec;
    spec.instance = obj;
    spec.class_name = ch.ns + "::" + gen::ClassName(cls);
    spec.on_destroy = &ThrowingHook;
    if (!b.Install(spec).ok()) ::_exit(3);
    try {
      kit(gen::kLcDeleteExact, obj, nullptr);
    } catch (...) {
      ::_exit(4);
    }
    ::_exit(0);
  }
  ::close(fds[1]);
  std::string out;
  char buf[4096];
  // Until EOF, through signals: libFuzzer's -timeout alarm interrupts the read of a child
  // that a loaded machine runs slowly, and closing the pipe early would kill the child with
  // SIGPIPE on its next write (a false "died other than by std::terminate").
  for (;;) {
    const ssize_t n = ::read(fds[0], buf, sizeof buf);
    if (n > 0) {
      out.append(buf, static_cast<size_t>(n));
    } else if (n == 0 || errno != EINTR) {
      break;
    }
  }
  ::close(fds[0]);
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  const bool exited = WIFEXITED(status);
  if (exited && WEXITSTATUS(status) == 3) return std::nullopt;  // refused: not installable here
  if (exited && (WEXITSTATUS(status) == 0 || WEXITSTATUS(status) == 4)) {
    return std::string("deleting a ") + gen::ClassName(cls) + " whose on_destroy callback throws " +
           (WEXITSTATUS(status) == 0 ? "returned normally" : "propagated the exception") +
           ": the process must terminate (CONTRACT P9). Child's stderr: " + out.substr(0, 400);
  }
  if (!exited || WEXITSTATUS(status) != kTerminated) {
    return "when an on_destroy callback threw, the process died other than by std::terminate (status " +
           std::to_string(status) + "; CONTRACT P9); child's stderr: " + out.substr(0, 400);
  }
  if (out.find("must not throw") == std::string::npos) {
    return "the process terminated when an on_destroy callback threw, but without the library's message "
           "(CONTRACT P9); child's stderr: " + out.substr(0, 400);
  }
  return "";
}

}  // namespace vto::harness::lifecycle
