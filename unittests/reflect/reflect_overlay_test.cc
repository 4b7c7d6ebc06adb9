// reflect_overlay_test.cc — the overlay library on JIT'd hierarchies, reflected by name
// through the interpreter layer (docs/CONTRACT.md: P1, P3, P7, R13, R17 on real
// clang layouts).
#include "reflect/reflect_overlay.h"

#include <gtest/gtest.h>

#include <atomic>
#include <cstring>
#include <memory>
#include <string>

namespace vto::reflect {
namespace {

class InterpOverlay : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    std::string error;
    interp_ = interp::Interpreter::Create({}, &error).release();
    ASSERT_NE(interp_, nullptr) << error;
    std::string diags;
    ASSERT_TRUE(interp_->Compile(kSource, &diags)) << diags;
    ASSERT_EQ(interp_->last_warning_count(), 0u) << diags;
    reflector_ = new Reflector(*interp_);
  }
  static void TearDownTestSuite() {
    delete reflector_;
    delete interp_;
  }
  void SetUp() override { blocks_ = LiveBlocks(); }
  void TearDown() override { EXPECT_EQ(LiveBlocks(), blocks_) << "overlay blocks leaked"; }

  template <typename Fn>
  static Fn* Fn_(const char* name) {
    std::string error;
    auto* f = interp_->LookupFunction<Fn>(name, &error);
    EXPECT_NE(f, nullptr) << error;
    return f;
  }
  static void* Make(const char* cls) { return Fn_<void*(const char*)>("make")(cls); }
  static int Call(void* obj, const char* method) { return Fn_<int(void*, const char*)>("call")(obj, method); }

  static constexpr const char* kSource = R"cpp(
    #include <cstring>
    #include <memory>
    #include <typeinfo>
    namespace zoo {
    struct Animal {
      int legs_ = 4;
      virtual ~Animal() {}
      virtual int legs() const { return legs_; }
      virtual int speak() { return 1; }
      virtual int speak(int times) { return 10 * times; }
    };
    struct Dog : Animal {
      int tricks = 3;
      int speak() override { return 2; }
      int speak(int times) override { return 20 * times; }
      virtual int fetch() { return 100 + tricks; }   // derived-only virtual
    };
    struct Puppy final : Dog {
      int speak() override { return 3; }
    };
    struct Late { virtual int first() { return 7; } virtual ~Late() {} };   // dtor slots 1 and 2
    struct NoVDtor { virtual int f() { return 5; } };
    struct Left { virtual ~Left() {} virtual int l() { return 11; } long a = 1; };
    struct Right { virtual ~Right() {} virtual int r() { return 12; } long b = 2; };
    struct Both : Left, Right { int r() override { return 13; } };
    struct VBase : virtual Animal { int legs() const override { return 6; } };
    int destroyed = 0;
    }  // namespace zoo
    extern "C" void* make(const char* c) {
      using namespace zoo;
      if (!std::strcmp(c, "Animal")) return new Animal;
      if (!std::strcmp(c, "Dog")) return new Dog;
      if (!std::strcmp(c, "Puppy")) return new Puppy;
      if (!std::strcmp(c, "Late")) return new Late;
      if (!std::strcmp(c, "NoVDtor")) return new NoVDtor;
      if (!std::strcmp(c, "Both")) return static_cast<void*>(new Both);
      if (!std::strcmp(c, "VBase")) return static_cast<void*>(new VBase);
      return nullptr;
    }
    // Real virtual calls, compiled by clang, through the reflected static type.
    extern "C" int call(void* p, const char* m) {
      auto* a = static_cast<zoo::Animal*>(p);
      if (!std::strcmp(m, "legs")) return a->legs();
      if (!std::strcmp(m, "speak")) return a->speak();
      if (!std::strcmp(m, "speak(int)")) return a->speak(2);
      if (!std::strcmp(m, "fetch")) return static_cast<zoo::Dog*>(a)->fetch();
      if (!std::strcmp(m, "first")) return static_cast<zoo::Late*>(p)->first();
      return -1;
    }
    extern "C" void del(void* p) { delete static_cast<zoo::Animal*>(p); }
    extern "C" void dtor(void* p) { static_cast<zoo::Animal*>(p)->~Animal(); ::operator delete(p); }
    extern "C" void global_del(void* p) { ::delete static_cast<zoo::Animal*>(p); }
    extern "C" void del_late(void* p) { delete static_cast<zoo::Late*>(p); }
    extern "C" void del_other(void* p, const char* c) {
      if (!std::strcmp(c, "NoVDtor")) delete static_cast<zoo::NoVDtor*>(p);
      if (!std::strcmp(c, "Both")) delete static_cast<zoo::Both*>(p);
      if (!std::strcmp(c, "VBase")) delete static_cast<zoo::VBase*>(p);
    }
    extern "C" const char* type_name(void* p) { return typeid(*static_cast<zoo::Animal*>(p)).name(); }
    extern "C" void* as_dog(void* p) { return dynamic_cast<zoo::Dog*>(static_cast<zoo::Animal*>(p)); }
    extern "C" void* as_puppy(void* p) { return dynamic_cast<zoo::Puppy*>(static_cast<zoo::Animal*>(p)); }
    // A member access through a derived pointer: UBSan's -fsanitize=vptr checks the
    // dynamic type here (asan preset), reading the (cloned) vtable's RTTI.
    extern "C" int dog_tricks(void* p) { return static_cast<zoo::Dog*>(static_cast<zoo::Animal*>(p))->tricks; }
    // shared_ptr made by make_shared in JIT'd code; released by the caller.
    extern "C" void* make_shared_dog(std::shared_ptr<zoo::Animal>** holder) {
      *holder = new std::shared_ptr<zoo::Animal>(std::make_shared<zoo::Dog>());
      return (*holder)->get();
    }
    extern "C" void release_shared(std::shared_ptr<zoo::Animal>* holder) { delete holder; }
    // Objects of local classes: no name outside their function, resolved by RTTI name (R10).
    // One in a function, one in a lambda's body, one in a member function's body.
    extern "C" void* make_local() {
      struct Kennel : zoo::Dog { int speak() override { return 4; } virtual int bark() { return 9; } };
      return static_cast<zoo::Animal*>(new Kennel);
    }
    extern "C" void* make_in_lambda() {
      auto make = [] {
        struct Stray final : zoo::Animal { int legs() const override { return 3; } };
        return static_cast<zoo::Animal*>(new Stray);
      };
      return make();
    }
    namespace zoo { struct Keeper { Animal* Adopt() const {
      struct Rescue : Dog, Left { int fetch() override { return 8; } };
      return static_cast<Dog*>(new Rescue);
    } }; }
    extern "C" void* make_in_member() { return zoo::Keeper().Adopt(); }
  )cpp";

  static interp::Interpreter* interp_;
  static Reflector* reflector_;
  size_t blocks_ = 0;
};

interp::Interpreter* InterpOverlay::interp_ = nullptr;
Reflector* InterpOverlay::reflector_ = nullptr;

// Replacements, called with the object's this.
extern "C" int Legs99(void*) { return 99; }
extern "C" int Speak77(void*) { return 77; }
extern "C" int SpeakTimes(void*, int times) { return 1000 + times; }
extern "C" int Fetch55(void*) { return 55; }
extern "C" int First8(void*) { return 8; }

void* V(int (*f)(void*)) { return reinterpret_cast<void*>(f); }

NamedRequest Req(void* obj, const char* cls, std::vector<NamedReplacement> methods) {
  NamedRequest r;
  r.instance = obj;
  r.class_name = cls;
  r.methods = std::move(methods);
  return r;
}

std::atomic<int> g_hooks{0};
void CountHook(void*, void*) { g_hooks.fetch_add(1); }

TEST_F(InterpOverlay, ReplaceOneSlotKeepOthers) {
  void* dog = Make("Dog");
  InstallResult r = reflector_->Overlay(Req(dog, "zoo::Animal", {{"legs", V(&Legs99)}}));
  ASSERT_TRUE(r.ok()) << r.message;
  EXPECT_EQ(Call(dog, "legs"), 99);
  EXPECT_EQ(Call(dog, "speak"), 2);
  EXPECT_EQ(Call(dog, "speak(int)"), 40);
  EXPECT_EQ(r.overlay.Teardown(), TeardownResult::kRestored);
  EXPECT_EQ(Call(dog, "legs"), 4);
  Fn_<void(void*)>("del")(dog);
}

TEST_F(InterpOverlay, OverloadsBySignature) {
  void* dog = Make("Dog");
  NamedRequest req = Req(dog, "zoo::Dog", {{"speak(int)", reinterpret_cast<void*>(&SpeakTimes)}});
  InstallResult r = reflector_->Overlay(req);
  ASSERT_TRUE(r.ok()) << r.message;
  EXPECT_EQ(Call(dog, "speak(int)"), 1002);
  EXPECT_EQ(Call(dog, "speak"), 2);
  InstallResult ambiguous = reflector_->Overlay(Req(dog, "zoo::Dog", {{"speak", V(&Speak77)}}));
  EXPECT_EQ(ambiguous.status, Status::kMethodNotInVTable) << ambiguous.message;
  r.overlay.Teardown();
  Fn_<void(void*)>("del")(dog);
}

TEST_F(InterpOverlay, DerivedOnlyVirtualDispatches) {
  // Reflected as Animal; the object is a Dog with a virtual (fetch) Animal does not have.
  // A clone sized from Animal's vtable would cut fetch's slot off.
  void* dog = Make("Dog");
  InstallResult r = reflector_->Overlay(Req(dog, "zoo::Animal", {{"speak()", V(&Speak77)}}));
  ASSERT_TRUE(r.ok()) << r.message;
  EXPECT_EQ(Call(dog, "fetch"), 103);
  EXPECT_EQ(Call(dog, "speak"), 77);
  r.overlay.Teardown();
  InstallResult derived = reflector_->Overlay(Req(dog, "zoo::Dog", {{"fetch", V(&Fetch55)}}));
  ASSERT_TRUE(derived.ok()) << derived.message;
  EXPECT_EQ(Call(dog, "fetch"), 55);
  derived.overlay.Teardown();
  Fn_<void(void*)>("del")(dog);
}

TEST_F(InterpOverlay, IdentitySurvivesAndUbsanVptrCheckAccepts) {
  void* dog = Make("Dog");
  std::string before = Fn_<const char*(void*)>("type_name")(dog);
  InstallResult r = reflector_->Overlay(Req(dog, "zoo::Animal", {{"legs", V(&Legs99)}}));
  ASSERT_TRUE(r.ok()) << r.message;
  EXPECT_EQ(Fn_<const char*(void*)>("type_name")(dog), before);
  EXPECT_EQ(Fn_<void*(void*)>("as_dog")(dog), dog);
  EXPECT_EQ(Fn_<void*(void*)>("as_puppy")(dog), nullptr);
  EXPECT_EQ(Fn_<int(void*)>("dog_tricks")(dog), 3);  // UBSan vptr check in the asan preset
  r.overlay.Teardown();
  Fn_<void(void*)>("del")(dog);
}

TEST_F(InterpOverlay, FinalClassAcceptedBecauseJitDoesNotAssumeUniqueVtables) {
  void* puppy = Make("Puppy");
  InstallResult r = reflector_->Overlay(Req(puppy, "zoo::Dog", {{"fetch", V(&Fetch55)}}));
  ASSERT_TRUE(r.ok()) << r.message;
  EXPECT_EQ(Fn_<void*(void*)>("as_puppy")(puppy), puppy) << "dynamic_cast to the final class works on the clone";
  EXPECT_EQ(Call(puppy, "fetch"), 55);
  r.overlay.Teardown();
  Fn_<void(void*)>("del")(puppy);
}

TEST_F(InterpOverlay, HookFiresOnceOnDelete) {
  g_hooks = 0;
  void* dog = Make("Dog");
  NamedRequest req = Req(dog, "zoo::Animal", {});
  req.on_destroy = &CountHook;
  InstallResult r = reflector_->Overlay(req);
  ASSERT_TRUE(r.ok()) << r.message;
  Fn_<void(void*)>("del")(dog);
  EXPECT_EQ(g_hooks.load(), 1);
  EXPECT_EQ(r.overlay.Teardown(), TeardownResult::kObjectDestroyed);
}

TEST_F(InterpOverlay, HookFiresOnceOnExplicitDestructorCallAndGlobalDelete) {
  g_hooks = 0;
  void* a = Make("Dog");
  void* b = Make("Puppy");
  NamedRequest ra = Req(a, "zoo::Animal", {});
  ra.on_destroy = &CountHook;
  NamedRequest rb = Req(b, "zoo::Dog", {});
  rb.on_destroy = &CountHook;
  InstallResult oa = reflector_->Overlay(ra), ob = reflector_->Overlay(rb);
  ASSERT_TRUE(oa.ok() && ob.ok()) << oa.message << ob.message;
  Fn_<void(void*)>("dtor")(a);
  EXPECT_EQ(g_hooks.load(), 1);
  Fn_<void(void*)>("global_del")(b);
  EXPECT_EQ(g_hooks.load(), 2);
  EXPECT_EQ(oa.overlay.Teardown(), TeardownResult::kObjectDestroyed);
  EXPECT_EQ(ob.overlay.Teardown(), TeardownResult::kObjectDestroyed);
}

TEST_F(InterpOverlay, HookFiresOnceWhenJitMakeSharedReleases) {
  g_hooks = 0;
  void* holder = nullptr;
  void* dog = Fn_<void*(void**)>("make_shared_dog")(&holder);
  NamedRequest req = Req(dog, "zoo::Animal", {});
  req.on_destroy = &CountHook;
  InstallResult r = reflector_->Overlay(req);
  ASSERT_TRUE(r.ok()) << r.message;
  Fn_<void(void*)>("release_shared")(holder);
  EXPECT_EQ(g_hooks.load(), 1);
  EXPECT_EQ(r.overlay.Teardown(), TeardownResult::kObjectDestroyed);
}

TEST_F(InterpOverlay, HookZeroTimesAfterTeardown) {
  g_hooks = 0;
  void* dog = Make("Dog");
  NamedRequest req = Req(dog, "zoo::Animal", {});
  req.on_destroy = &CountHook;
  InstallResult r = reflector_->Overlay(req);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r.overlay.Teardown(), TeardownResult::kRestored);
  Fn_<void(void*)>("del")(dog);
  EXPECT_EQ(g_hooks.load(), 0);
}

TEST_F(InterpOverlay, DestructorSlotsFromClangNotAssumed) {
  const interp::ClassLayout* late = interp_->FindClass("zoo::Late");
  ASSERT_NE(late, nullptr);
  EXPECT_EQ(late->shape.complete_dtor_slot, 1);
  EXPECT_EQ(late->shape.deleting_dtor_slot, 2);
  g_hooks = 0;
  void* obj = Make("Late");
  NamedRequest req = Req(obj, "zoo::Late", {{"first", V(&First8)}});
  req.on_destroy = &CountHook;
  InstallResult r = reflector_->Overlay(req);
  ASSERT_TRUE(r.ok()) << r.message;
  EXPECT_EQ(Call(obj, "first"), 8) << "slot 0 is a method here, not a destructor";
  Fn_<void(void*)>("del_late")(obj);
  EXPECT_EQ(g_hooks.load(), 1);
  r.overlay.Teardown();
}

TEST_F(InterpOverlay, RefusesNamesAndLayouts) {
  void* dog = Make("Dog");
  InstallResult nomethod = reflector_->Overlay(Req(dog, "zoo::Animal", {{"fetch", V(&Fetch55)}}));
  EXPECT_EQ(nomethod.status, Status::kMethodNotInVTable) << nomethod.message;  // R17: Dog's, not Animal's
  InstallResult noclass = reflector_->Overlay(Req(dog, "zoo::Cat", {}));
  EXPECT_EQ(noclass.status, Status::kNullShape) << noclass.message;
  void* novdtor = Make("NoVDtor");
  NamedRequest hook_no_vdtor = Req(novdtor, "zoo::NoVDtor", {});
  hook_no_vdtor.on_destroy = &CountHook;
  InstallResult r9 = reflector_->Overlay(hook_no_vdtor);
  EXPECT_EQ(r9.status, Status::kNoVirtualDestructor) << r9.message;
  void* both = Make("Both");
  // Several vptrs and virtual bases install through the interpreter layer (its shapes carry
  // the vtable group; multi_vptr_test.cc checks what they do).
  InstallResult mi = reflector_->Overlay(Req(both, "zoo::Left", {}));
  EXPECT_TRUE(mi.ok()) << mi.message;
  void* vb = Make("VBase");
  InstallResult vbase = reflector_->Overlay(Req(vb, "zoo::VBase", {}));
  EXPECT_TRUE(vbase.ok()) << vbase.message;
  EXPECT_EQ(mi.overlay.Teardown(), TeardownResult::kRestored);
  EXPECT_EQ(vbase.overlay.Teardown(), TeardownResult::kRestored);
  Fn_<void(void*)>("del")(dog);
  auto del_other = Fn_<void(void*, const char*)>("del_other");
  del_other(novdtor, "NoVDtor");
  del_other(both, "Both");
  del_other(vb, "VBase");
}

// An object whose dynamic type is a local class installs like any object more derived than
// the reflected class: the library resolves its shape by RTTI name, which the interpreter
// layer must know although no code outside the function can name the class (else R10).
TEST_F(InterpOverlay, ObjectsOfLocalClassesInstallReflectedAsTheirBases) {
  for (const char* maker : {"make_local", "make_in_lambda", "make_in_member"}) {
    SCOPED_TRACE(maker);
    g_hooks = 0;
    void* obj = Fn_<void*()>(maker)();
    NamedRequest req = Req(obj, "zoo::Animal", {{"speak()", V(&Speak77)}});
    req.on_destroy = &CountHook;
    InstallResult r = reflector_->Overlay(req);
    ASSERT_TRUE(r.ok()) << r.message;
    EXPECT_EQ(Call(obj, "speak"), 77);
    const int legs = Call(obj, "legs");
    EXPECT_EQ(legs, std::strcmp(maker, "make_in_lambda") == 0 ? 3 : 4);
    Fn_<void(void*)>("del")(obj);
    EXPECT_EQ(g_hooks.load(), 1);
    EXPECT_EQ(r.overlay.Teardown(), TeardownResult::kObjectDestroyed);
  }
}

TEST_F(InterpOverlay, StackedOverlaysAnyOrderOnJitObject) {
  for (int lower_first = 0; lower_first < 2; ++lower_first) {
    g_hooks = 0;
    void* dog = Make("Dog");
    NamedRequest ra = Req(dog, "zoo::Animal", {{"legs", V(&Legs99)}});
    ra.on_destroy = &CountHook;
    NamedRequest rb = Req(dog, "zoo::Dog", {{"fetch", V(&Fetch55)}});
    rb.on_destroy = &CountHook;
    InstallResult a = reflector_->Overlay(ra), b = reflector_->Overlay(rb);
    ASSERT_TRUE(a.ok() && b.ok());
    EXPECT_EQ(Call(dog, "legs"), 99);
    EXPECT_EQ(Call(dog, "fetch"), 55);
    EXPECT_EQ((lower_first ? a : b).overlay.Teardown(), TeardownResult::kRestored);
    EXPECT_EQ(Call(dog, "legs"), lower_first ? 4 : 99);
    EXPECT_EQ(Call(dog, "fetch"), lower_first ? 55 : 103);
    Fn_<void(void*)>("del")(dog);
    EXPECT_EQ(g_hooks.load(), 1);
    EXPECT_EQ((lower_first ? b : a).overlay.Teardown(), TeardownResult::kObjectDestroyed);
  }
}

}  // namespace
}  // namespace vto::reflect
