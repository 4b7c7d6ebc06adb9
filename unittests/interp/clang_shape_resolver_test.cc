// clang_shape_resolver_test.cc — shapes by the RTTI name read from live JIT'd objects, and
// the overlay library installing on a JIT'd object through the resolver.
#include "interp/clang_shape_resolver.h"

#include <gtest/gtest.h>

#include <atomic>
#include <string>
#include <thread>
#include <vector>

#include "interp_test_util.h"
#include "overlay/overlay.h"

namespace vto::interp::test {
namespace {

constexpr const char* kZoo = R"(
    namespace zoo {
    struct Animal { virtual ~Animal() {} virtual int legs() const { return 4; } };
    struct Bird : Animal { int legs() const override { return 2; } virtual int wings() const { return 2; } };
    }
    extern "C" void* make_bird() { return static_cast<zoo::Animal*>(new zoo::Bird); }
    extern "C" int legs_of(void* a) { return static_cast<zoo::Animal*>(a)->legs(); }
    extern "C" void delete_animal(void* a) { delete static_cast<zoo::Animal*>(a); })";

TEST_F(InterpTest, ResolverFindsClassOfLiveObject) {
  CompileClean(kZoo);
  ClangShapeResolver resolver(*interp_);
  void* bird = Function<void*()>("make_bird")();
  const char* rtti = DynamicRttiName(bird);
  const ClassShape* shape = resolver.Find(rtti);
  ASSERT_NE(shape, nullptr) << rtti;
  EXPECT_EQ(shape->name, "zoo::Bird");
  EXPECT_EQ(shape->rtti_name, rtti);
  EXPECT_EQ(shape->num_slots, 4u);
  EXPECT_EQ(shape->complete_dtor_slot, 0);
  EXPECT_EQ(shape->deleting_dtor_slot, 1);
  ASSERT_EQ(shape->primary_bases.size(), 1u);
  const ClassShape* animal = resolver.Find(shape->primary_bases[0]);
  ASSERT_NE(animal, nullptr);
  EXPECT_EQ(animal->name, "zoo::Animal");
  // Stable: the same pointer every time, the one FindClass's layout holds.
  EXPECT_EQ(resolver.Find(rtti), shape);
  EXPECT_EQ(&interp_->FindClass("zoo::Bird")->shape, shape);
  EXPECT_EQ(resolver.Find("N3zoo7UnknownE"), nullptr);
  EXPECT_EQ(resolver.Find(""), nullptr);
  Function<void(void*)>("delete_animal")(bird);
}

TEST_F(InterpTest, ResolverFindsClassDefinedInLaterUnit) {
  CompileClean(kZoo);
  ClangShapeResolver resolver(*interp_);
  void* bird = Function<void*()>("make_bird")();
  ASSERT_NE(resolver.Find(DynamicRttiName(bird)), nullptr);
  // A miss before the class exists is not remembered.
  EXPECT_EQ(resolver.Find("N3zoo7PenguinE"), nullptr);
  CompileClean(R"(
      namespace zoo { struct Penguin final : Bird { int wings() const override { return 0; } virtual int swim() { return 1; } }; }
      extern "C" void* make_penguin() { return static_cast<zoo::Animal*>(new zoo::Penguin); })");
  void* penguin = Function<void*()>("make_penguin")();
  const char* rtti = DynamicRttiName(penguin);
  EXPECT_STREQ(rtti, "N3zoo7PenguinE");
  const ClassShape* shape = resolver.Find(rtti);
  ASSERT_NE(shape, nullptr);
  EXPECT_EQ(shape->name, "zoo::Penguin");
  EXPECT_EQ(shape->num_slots, 5u);
  EXPECT_FALSE(shape->vptr_identity_assumed);
  EXPECT_EQ(shape->primary_bases,
            std::vector<std::string>({"N3zoo4BirdE", "N3zoo6AnimalE"}));
  // Also a specialization instantiated by a later unit of a template from an earlier one.
  CompileClean("namespace zoo { template <int N> struct Cage : Animal { int legs() const override { return N; } }; }");
  CompileClean("extern \"C\" void* make_cage() { return static_cast<zoo::Animal*>(new zoo::Cage<3>); }");
  void* cage = Function<void*()>("make_cage")();
  const ClassShape* cage_shape = resolver.Find(DynamicRttiName(cage));
  ASSERT_NE(cage_shape, nullptr) << DynamicRttiName(cage);
  EXPECT_EQ(cage_shape->name, "zoo::Cage<3>");
  auto* destroy = Function<void(void*)>("delete_animal");
  destroy(cage);
  destroy(penguin);
  destroy(bird);
}

// Runs `read(t)` over and over on three threads t while `compile(i)` compiles three units i on
// this one; returns how many reads ran. Every reader has read once before the first compile
// (on a loaded machine the compiles could otherwise finish before a reader was scheduled).
template <typename Read, typename Compile>
long ReadWhileCompiling(Read read, Compile compile) {
  std::atomic<bool> stop{false};
  std::atomic<long> reads{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 3; ++t) {
    threads.emplace_back([&, t] {
      do {
        read(t);
        ++reads;
      } while (!stop.load());
    });
  }
  while (reads.load() < 3) std::this_thread::yield();
  for (int i = 0; i < 3; ++i) compile(i);
  stop = true;
  for (std::thread& t : threads) t.join();
  return reads.load();
}

std::string LaterUnit(int i) {
  return "namespace zoo { struct Later" + std::to_string(i) + " : Animal { virtual int extra() { return 0; } }; }";
}

TEST_F(InterpTest, ResolverIsThreadSafeWhileCompiling) {
  CompileClean(kZoo);
  ClangShapeResolver resolver(*interp_);
  void* bird = Function<void*()>("make_bird")();
  const std::string rtti = DynamicRttiName(bird);
  const ClassShape* expected = resolver.Find(rtti);
  ASSERT_NE(expected, nullptr);
  std::atomic<int> wrong{0};
  const long finds = ReadWhileCompiling(
      [&](int t) {
        if (resolver.Find(rtti) != expected) ++wrong;
        (void)resolver.Find("N3zoo6Later" + std::to_string(t) + "E");  // misses that index new units while they compile
      },
      [&](int i) { CompileClean(LaterUnit(i)); });
  EXPECT_EQ(wrong.load(), 0);
  EXPECT_GT(finds, 0);
  for (int i = 0; i < 3; ++i) {
    const ClassShape* later = resolver.Find("N3zoo6Later" + std::to_string(i) + "E");
    ASSERT_NE(later, nullptr) << i;
    EXPECT_EQ(later->num_slots, 4u);
  }
  Function<void(void*)>("delete_animal")(bird);
}

// FindClass by name (every named Install) from other threads while units compile: the
// answers stay the same pointers, classes of the new units are found, and the first lookups
// of them index the units compiled meanwhile (the harness's compile thread).
TEST_F(InterpTest, FindClassIsThreadSafeWhileCompiling) {
  CompileClean(kZoo);
  const ClassLayout* expected = interp_->FindClass("zoo::Bird");
  ASSERT_NE(expected, nullptr);
  std::atomic<int> wrong{0};
  (void)ReadWhileCompiling(
      [&](int t) {
        if (interp_->FindClass("zoo::Bird") != expected) ++wrong;
        (void)interp_->FindClass("zoo::Later" + std::to_string(t));  // a miss until its unit is compiled
      },
      [&](int i) { CompileClean(LaterUnit(i)); });
  EXPECT_EQ(wrong.load(), 0);
  for (int i = 0; i < 3; ++i) {
    const ClassLayout* later = interp_->FindClass("zoo::Later" + std::to_string(i));
    ASSERT_NE(later, nullptr) << i;
    EXPECT_EQ(later->shape.num_slots, 4u);
    EXPECT_EQ(interp_->FindClass("zoo::Later" + std::to_string(i)), later);
  }
}

int ReplacementLegs(void*) { return 1000; }

// End to end: the overlay library sizes the clone from the shape the resolver gives for the
// object's dynamic type, and JIT'd code calling the virtual sees the replacement.
TEST_F(InterpTest, OverlayInstallsOnJitObjectThroughResolver) {
  CompileClean(kZoo);
  ClangShapeResolver resolver(*interp_);
  const ClassLayout* animal = interp_->FindClass("zoo::Animal");
  ASSERT_NE(animal, nullptr);
  void* bird = Function<void*()>("make_bird")();
  auto* legs_of = Function<int(void*)>("legs_of");
  ASSERT_EQ(legs_of(bird), 2);

  InstallRequest request;
  request.instance = bird;
  request.reflected = &animal->shape;
  request.replacements = {{static_cast<uint32_t>(animal->FindSlot("legs")),
                           reinterpret_cast<void*>(&ReplacementLegs)}};
  {
    InstallResult result = Install(request, resolver);
    ASSERT_TRUE(result.ok()) << result.message;
    EXPECT_EQ(legs_of(bird), 1000);
    EXPECT_EQ(result.overlay.Teardown(), TeardownResult::kRestored);
  }
  EXPECT_EQ(legs_of(bird), 2);
  Function<void(void*)>("delete_animal")(bird);
}

}  // namespace
}  // namespace vto::interp::test
