// sanitizer_test.cc — JIT'd code is instrumented with the host's sanitizer.
#include <gtest/gtest.h>

#include <algorithm>
#include <string>

#include "interp_test_util.h"

#if defined(__has_feature)
#if __has_feature(address_sanitizer)
#define VTO_TEST_ASAN 1
#endif
#endif

namespace vto::interp::test {
namespace {

// The allocation happens behind a noinline call so that nothing at compile time knows the
// buffer's size: only ASan's instrumentation of the JIT'd load can catch the overflow.
constexpr const char* kOverflow = R"(
    __attribute__((noinline)) int* allocate(int n) { return new int[n]; }
    extern "C" int read_past_end(int n) {
      int* p = allocate(n);
      int value = p[n];          // one element past the end
      delete[] p;
      return value;
    }
    extern "C" int read_inside(int n) {
      int* p = allocate(n);
      p[n - 1] = 7;
      int value = p[n - 1];
      delete[] p;
      return value;
    })";

TEST_F(InterpTest, HeapOverflowInJitCodeIsDetectedByAsan) {
#ifndef VTO_TEST_ASAN
  GTEST_SKIP() << "host not built with AddressSanitizer (use the asan preset)";
#else
  GTEST_FLAG_SET(death_test_style, "threadsafe");
  const std::vector<std::string> san = HostSanitizerArgs();
  ASSERT_NE(std::find(san.begin(), san.end(), "-fsanitize=address,undefined"), san.end());
  CompileClean(kOverflow);
  auto* inside = Function<int(int)>("read_inside");
  auto* past_end = Function<int(int)>("read_past_end");
  ASSERT_NE(inside, nullptr);
  ASSERT_NE(past_end, nullptr);
  EXPECT_EQ(inside(4), 7);
  EXPECT_DEATH(past_end(4), "AddressSanitizer: heap-buffer-overflow");
#endif
}

TEST_F(InterpTest, UninstrumentedInterpreterDoesNotDetectOverflow) {
#ifndef VTO_TEST_ASAN
  GTEST_SKIP() << "host not built with AddressSanitizer (use the asan preset)";
#else
  // The control: the same code compiled without the host's sanitizer arguments runs the
  // overflowing read unnoticed (the read lands in the allocation's redzone).
  InterpreterOptions options;
  options.sanitize_like_host = false;
  auto plain = MakeInterpreter(options);
  ASSERT_NE(plain, nullptr);
  CompileClean(*plain, kOverflow);
  auto* past_end = plain->LookupFunction<int(int)>("read_past_end");
  ASSERT_NE(past_end, nullptr);
  (void)past_end(4);
  SUCCEED();
#endif
}

}  // namespace
}  // namespace vto::interp::test
