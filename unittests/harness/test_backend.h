// test_backend.h — the backends the scenario tests run on: the built-in one as a plug-in
// table (what ci/ and users' plug-ins go through), and deliberately broken copies of it.
//
//   std::unique_ptr<backend::Backend> b = OpenTestBackend(nullptr);          // built-in
//   const vto_backend_api* broken = PatchedBuiltin([](vto_backend_api& a) { a.teardown = &Lie; });
#ifndef VTO_UNITTESTS_HARNESS_TEST_BACKEND_H
#define VTO_UNITTESTS_HARNESS_TEST_BACKEND_H

#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <vector>

#include "backend/backend.h"
#include "backend/builtin_backend.h"
#include "interp/interpreter.h"

namespace vto::harness {

// `api` (nullptr: the built-in backend's table) wrapped as a Backend that JITs at -O0 with
// the host's sanitizer flags. Null (and a test failure) when it cannot be opened.
inline std::unique_ptr<backend::Backend> OpenTestBackend(const vto_backend_api* api) {
  std::string error;
  std::vector<std::string> args = interp::HostSanitizerArgs();
  args.push_back("-O0");
  std::unique_ptr<backend::Backend> b =
      backend::WrapBackendApi(api ? api : backend::BuiltinBackendApi(), "test", args, &error);
  EXPECT_NE(b, nullptr) << error;
  return b;
}

// The built-in table with `patch` applied: a broken backend for a test that must find it.
// One table per call site (each lambda is its own type), alive for the process, so a death
// test's child can use it.
template <typename Patch>
const vto_backend_api* PatchedBuiltin(Patch patch) {
  static const vto_backend_api table = [&] {
    vto_backend_api a = *backend::BuiltinBackendApi();
    patch(a);
    return a;
  }();
  return &table;
}

}  // namespace vto::harness

#endif  // VTO_UNITTESTS_HARNESS_TEST_BACKEND_H
