// allocations_test.cc — P4 counted: once the registry's tables have reached their steady
// size, a successful Install makes exactly ONE heap allocation (its block) and Teardown
// makes none; the resolver lookup (ShapeTable::Find) makes none.
//
// Its own binary (overlay_alloc_test), because it replaces the global operator new to count
// calls. What is counted: every operator new (the library's containers and strings allocate
// through it), plus the block, seen through LiveBlocks() — the block is the library's only
// malloc-family call (lib/overlay/block.cc). bench/'s BM_Install counts the same in a
// release build by interposing malloc itself.
#include <atomic>
#include <cstdlib>
#include <new>
#include <string>
#include <typeinfo>

#include "overlay_test_util.h"

// TSan's runtime links its own operator new/delete unconditionally (whole archive): there
// the functions below would be duplicates, so that build skips the counting tests (the count
// does not depend on the sanitizer; the dev and asan builds run them).
#if defined(__has_feature)
#if __has_feature(thread_sanitizer)
#define VTO_NO_COUNTING 1
#endif
#endif

namespace {
std::atomic<uint64_t> g_news{0};

void* Allocate(std::size_t size) noexcept {
  g_news.fetch_add(1, std::memory_order_relaxed);
  return std::malloc(size == 0 ? 1 : size);
}
void* AllocateAligned(std::size_t size, std::align_val_t alignment) noexcept {
  g_news.fetch_add(1, std::memory_order_relaxed);
  const auto align = static_cast<std::size_t>(alignment);
  return std::aligned_alloc(align, (size + align - 1) / align * align);  // a multiple of the alignment
}
void* OrThrow(void* p) {
  if (p == nullptr) throw std::bad_alloc();
  return p;
}
}  // namespace

#ifndef VTO_NO_COUNTING
// Every replaceable allocation and deallocation function (C++17), all counted.
void* operator new(std::size_t n) { return OrThrow(Allocate(n)); }
void* operator new[](std::size_t n) { return OrThrow(Allocate(n)); }
void* operator new(std::size_t n, const std::nothrow_t&) noexcept { return Allocate(n); }
void* operator new[](std::size_t n, const std::nothrow_t&) noexcept { return Allocate(n); }
void* operator new(std::size_t n, std::align_val_t a) { return OrThrow(AllocateAligned(n, a)); }
void* operator new[](std::size_t n, std::align_val_t a) { return OrThrow(AllocateAligned(n, a)); }
void* operator new(std::size_t n, std::align_val_t a, const std::nothrow_t&) noexcept { return AllocateAligned(n, a); }
void* operator new[](std::size_t n, std::align_val_t a, const std::nothrow_t&) noexcept {
  return AllocateAligned(n, a);
}
void operator delete(void* p) noexcept { std::free(p); }
void operator delete[](void* p) noexcept { std::free(p); }
void operator delete(void* p, const std::nothrow_t&) noexcept { std::free(p); }
void operator delete[](void* p, const std::nothrow_t&) noexcept { std::free(p); }
void operator delete(void* p, std::size_t) noexcept { std::free(p); }
void operator delete[](void* p, std::size_t) noexcept { std::free(p); }
void operator delete(void* p, std::align_val_t) noexcept { std::free(p); }
void operator delete[](void* p, std::align_val_t) noexcept { std::free(p); }
void operator delete(void* p, std::align_val_t, const std::nothrow_t&) noexcept { std::free(p); }
void operator delete[](void* p, std::align_val_t, const std::nothrow_t&) noexcept { std::free(p); }
void operator delete(void* p, std::size_t, std::align_val_t) noexcept { std::free(p); }
void operator delete[](void* p, std::size_t, std::align_val_t) noexcept { std::free(p); }
#endif  // VTO_NO_COUNTING

namespace vto::test {
namespace {

class Allocations : public OverlayTest {
 protected:
  void SetUp() override {
    OverlayTest::SetUp();
#ifdef VTO_NO_COUNTING
    GTEST_SKIP() << "operator new is not replaceable under ThreadSanitizer";
#endif
  }
};

uint64_t News() { return g_news.load(std::memory_order_relaxed); }

struct Counts {
  uint64_t install_news = 0;    // operator new calls inside Install
  uint64_t teardown_news = 0;   // ... inside Teardown
  long blocks_per_install = 0;  // LiveBlocks() growth across one Install
  int failures = 0;
};

// Install + Teardown of `req` kRounds times after one untimed warm-up round.
Counts InstallTeardownRounds(const InstallRequest& req) {
  constexpr int kRounds = 50;
  Counts c;
  {
    InstallResult warm = Install(req, HostShapes());  // tables reach their steady size
    c.failures += !warm.ok();
  }
  for (int i = 0; i < kRounds; ++i) {
    const size_t blocks = LiveBlocks();
    const uint64_t before = News();
    InstallResult r = Install(req, HostShapes());
    const uint64_t between = News();
    c.blocks_per_install += static_cast<long>(LiveBlocks()) - static_cast<long>(blocks);
    c.failures += !r.ok();
    c.failures += r.overlay.Teardown() != TeardownResult::kRestored;
    c.install_news += between - before;
    c.teardown_news += News() - between;
  }
  c.blocks_per_install /= kRounds;
  return c;
}

void ExpectOneAllocation(const Counts& c) {
  EXPECT_EQ(c.failures, 0);
  EXPECT_EQ(c.blocks_per_install, 1);
  EXPECT_EQ(c.install_news, 0u) << "Install allocated something besides its block";
  EXPECT_EQ(c.teardown_news, 0u) << "Teardown allocated";
}

TEST_F(Allocations, CountingWorks) {
  const uint64_t before = News();
  auto* p = Launder(new std::string(100, 'x'));  // too long for the small-string buffer: one more
  const uint64_t after = News();
  delete p;
  EXPECT_EQ(after - before, 2u);
}

TEST_F(Allocations, ShapeTableFindAllocatesNothing) {
  ShapeTable table;
  ClassShape s = ShapeOf<MoreDerived>();
  s.rtti_name = "N9long_name12_space_beyond_the_small_string_buffer11MoreDerivedE";
  table.Add(s);
  ASSERT_GT(std::string(typeid(MoreDerived).name()).size(), 15u) << "the name must not fit a small string";
  const std::string long_name = s.rtti_name;
  const uint64_t before = News();
  const ClassShape* a = table.Find(long_name);
  const ClassShape* b = HostShapes().Find(typeid(MoreDerived).name());
  const ClassShape* missing = table.Find("N7unknown_name_of_some_length_E");
  const uint64_t news = News() - before;
  EXPECT_NE(a, nullptr);
  EXPECT_NE(b, nullptr);
  EXPECT_EQ(missing, nullptr);
  EXPECT_EQ(news, 0u);
}

TEST_F(Allocations, OneReplacementAndExtraSlot) {
  Base b;
  InstallRequest req = Request(&b, ShapeOf<Base>(), {{SlotOf(&Base::f), AsVoid(&ReplacementF)}});
  req.extra_slots = 1;
  ExpectOneAllocation(InstallTeardownRounds(req));
}

TEST_F(Allocations, SeveralReplacementsOnAMoreDerivedObject) {
  MoreDerived m;  // reflected as Derived: the clone is sized from MoreDerived
  InstallRequest req = Request(&m, ShapeOf<Derived>(),
                               {{SlotOf(&Base::f), AsVoid(&ReplacementF)},
                                {SlotOf(&Base::g), AsVoid(&ReplacementG)},
                                {SlotOf(&Derived::h), AsVoid(&ReplacementH)}});
  req.extra_slots = 3;
  ExpectOneAllocation(InstallTeardownRounds(req));
}

TEST_F(Allocations, WithDestroyHook) {
  HookLog log;
  Base b;
  InstallRequest req = Request(&b, ShapeOf<Base>(), {{SlotOf(&Base::g), AsVoid(&ReplacementG)}});
  req.on_destroy = &RecordingHook;
  req.user_data = &log;
  ExpectOneAllocation(InstallTeardownRounds(req));
  EXPECT_EQ(log.calls, 0) << "torn down before the object died: no callback";
}

TEST_F(Allocations, StackedSecondOverlay) {
  Derived d;
  InstallResult first = Ok(Request(&d, ShapeOf<Base>(), {{SlotOf(&Base::f), AsVoid(&ReplacementF)}}));
  InstallRequest req = Request(&d, ShapeOf<Derived>(), {{SlotOf(&Derived::h), AsVoid(&ReplacementH)}});
  req.extra_slots = 2;
  ExpectOneAllocation(InstallTeardownRounds(req));
  EXPECT_EQ(Launder(&d)->f(), 9007) << "the first overlay stays in effect";
  EXPECT_EQ(first.overlay.Teardown(), TeardownResult::kRestored);
}

}  // namespace
}  // namespace vto::test
