// multi_vptr_test.cc — overlays on objects with several vptrs and virtual bases, on JIT'd
// classes shaped like the ones bindings overlay (ROOT's TH1, Qt's QWidget, the standard
// streams), reflected through the interpreter layer (docs/CONTRACT.md P1–P3, P5, P7, P13,
// P23–P26, R18, R19).
//
// Every call below is a real virtual call compiled by clang through the named static type;
// every replacement records the `this` it received.
#include <gtest/gtest.h>

#include <array>
#include <string>
#include <vector>

#include "overlay/thunk_pool.h"
#include "reflect/reflect_overlay.h"

namespace vto::reflect {
namespace {

void* g_this = nullptr;
int g_hooks = 0;
void* g_hook_instance = nullptr;

extern "C" int Replaced99(void* self) {
  g_this = self;
  return 99;
}
extern "C" int Replaced77(void* self) {
  g_this = self;
  return 77;
}
struct Big {
  long a, b, c, d;
};
// Returns in memory: the caller's buffer arrives in rdi, `this` in rsi.
extern "C" Big ReplacedBig(void* self, int k) {
  g_this = self;
  return Big{k, 2L * k, 3L * k, 4L * k};
}
extern "C" void CountHook(void* instance, void*) {
  ++g_hooks;
  g_hook_instance = instance;
}

class MultiVptr : public ::testing::Test {
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
  void SetUp() override {
    blocks_ = LiveBlocks();
    g_this = nullptr;
    g_hooks = 0;
    g_hook_instance = nullptr;
  }
  void TearDown() override {
    EXPECT_EQ(LiveBlocks(), blocks_) << "overlay blocks leaked";
    EXPECT_EQ(internal::ThunksInUse(), 0u) << "thunks leaked";
  }

  template <typename Fn>
  static Fn* F(const char* name) {
    std::string error;
    auto* f = interp_->LookupFunction<Fn>(name, &error);
    EXPECT_NE(f, nullptr) << error;
    return f;
  }
  // A pointer to the named base subobject of a complete object made by `make`.
  static void* Up(void* complete, const char* base) { return F<void*(void*, const char*)>("up")(complete, base); }
  static int Call(void* complete, const char* via, const char* method) {
    return F<int(void*, const char*, const char*)>("call")(complete, via, method);
  }
  static InstallResult Overlay(void* instance, const char* cls, std::vector<NamedReplacement> methods,
                               size_t extra = 0, bool hook = false) {
    NamedRequest req;
    req.instance = instance;
    req.class_name = cls;
    req.methods = std::move(methods);
    req.extra_slots = extra;
    if (hook) req.on_destroy = &CountHook;
    return reflector_->Overlay(req);
  }
  // Every vptr word of the object (offsets from `offsets`).
  static std::vector<void*> Vptrs(void* complete, const std::vector<long>& offsets) {
    std::vector<void*> words;
    for (long o : offsets) words.push_back(*reinterpret_cast<void**>(static_cast<char*>(complete) + o));
    return words;
  }
  static std::vector<long> VptrOffsets(const char* cls) {
    std::vector<long> offsets;
    const interp::ClassLayout* layout = interp_->FindClass(cls);
    EXPECT_NE(layout, nullptr) << cls;
    if (layout == nullptr) return offsets;
    for (const VTableShape& v : layout->shape.vtable_group) offsets.push_back(static_cast<long>(v.vptr_offset));
    return offsets;
  }

  static constexpr const char* kSource = R"cpp(
    #include <cstring>
    #include <typeinfo>
    struct Big { long a, b, c, d; };
    namespace th {  // ROOT's TH1: four polymorphic bases
    struct TObject { virtual ~TObject() {} virtual int id() const { return 1; } long bits = 0; };
    struct TNamed : TObject { int id() const override { return 2; } virtual int title() { return 20; } long name = 0; };
    struct TAttLine { virtual ~TAttLine() {} virtual int line() { return 30; } long lw = 1; };
    struct TAttFill { virtual ~TAttFill() {} virtual int fill() { return 40; } long fc = 2; };
    struct TAttMarker {
      virtual ~TAttMarker() {}
      virtual int marker() { return 50; }
      virtual Big big(int k) { return Big{k, k, k, k}; }
      long ms = 3;
    };
    struct TH1 : TNamed, TAttLine, TAttFill, TAttMarker {
      int title() override { return 21; }
      int line() override { return 31; }      // a secondary base's function: thunk there
      int marker() override { return 51; }
      Big big(int k) override { return Big{-k, -k, -k, -k}; }
      virtual int entries() { return 60; }
    };
    }  // namespace th
    namespace qt {  // Qt's QWidget: overlaid through its second base
    struct QObject { virtual ~QObject() {} virtual int event() { return 1; } long d = 0; };
    struct QPaintDevice { virtual ~QPaintDevice() {} virtual int devType() { return 2; } long p = 0; };
    struct QWidget : QObject, QPaintDevice { int devType() override { return 3; } int event() override { return 4; } };
    }  // namespace qt
    namespace io {  // the standard streams: a virtual diamond
    struct ios_base { virtual ~ios_base() {} virtual int state() { return 1; } long flags = 0; };
    struct istream : virtual ios_base { virtual int get() { return 2; } long gcount = 0; };
    struct ostream : virtual ios_base { virtual int put() { return 3; } long width = 0; };
    struct iostream : istream, ostream { int state() override { return 4; } };
    }  // namespace io
    namespace dia {  // a non-virtual diamond: R twice, neither at offset 0
    struct X { virtual ~X() {} virtual int x() { return 0; } long xx = 0; };
    struct R { virtual ~R() {} virtual int r() { return 1; } long rr = 0; };
    struct B1 : R { int r() override { return 2; } };
    struct B2 : R { int r() override { return 3; } };
    struct D : X, B1, B2 {};
    }  // namespace dia
    namespace cov {  // a covariant overrider of a secondary base's function
    struct A { virtual ~A() {} virtual A* self() { return this; } long a = 0; };
    struct X { virtual ~X() {} virtual int f() { return 0; } long x = 0; };
    struct B : X, A { B* self() override { return this; } };
    }  // namespace cov
    namespace vb {  // a vptr whose vtable names no function of its own: f lives in the virtual base
    struct Data { virtual int f() { return 5; } long big = 0; };  // not nearly empty: not primary
    struct Holder : virtual Data { long h = 0; };
    }  // namespace vb

    extern "C" void* make(const char* c) {
      if (!std::strcmp(c, "TH1")) return new th::TH1;
      if (!std::strcmp(c, "QWidget")) return new qt::QWidget;
      if (!std::strcmp(c, "iostream")) return dynamic_cast<void*>(new io::iostream);
      if (!std::strcmp(c, "dia")) return new dia::D;
      if (!std::strcmp(c, "cov")) return new cov::B;
      if (!std::strcmp(c, "holder")) return new vb::Holder;
      return nullptr;
    }
    extern "C" void* up(void* p, const char* b) {
      if (!std::strcmp(b, "TNamed")) return static_cast<th::TNamed*>(static_cast<th::TH1*>(p));
      if (!std::strcmp(b, "TAttLine")) return static_cast<th::TAttLine*>(static_cast<th::TH1*>(p));
      if (!std::strcmp(b, "TAttFill")) return static_cast<th::TAttFill*>(static_cast<th::TH1*>(p));
      if (!std::strcmp(b, "TAttMarker")) return static_cast<th::TAttMarker*>(static_cast<th::TH1*>(p));
      if (!std::strcmp(b, "QPaintDevice")) return static_cast<qt::QPaintDevice*>(static_cast<qt::QWidget*>(p));
      if (!std::strcmp(b, "ios_base")) return static_cast<io::ios_base*>(static_cast<io::iostream*>(p));
      if (!std::strcmp(b, "istream")) return static_cast<io::istream*>(static_cast<io::iostream*>(p));
      if (!std::strcmp(b, "ostream")) return static_cast<io::ostream*>(static_cast<io::iostream*>(p));
      if (!std::strcmp(b, "R@B1")) return static_cast<dia::R*>(static_cast<dia::B1*>(static_cast<dia::D*>(p)));
      if (!std::strcmp(b, "R@B2")) return static_cast<dia::R*>(static_cast<dia::B2*>(static_cast<dia::D*>(p)));
      if (!std::strcmp(b, "A")) return static_cast<cov::A*>(static_cast<cov::B*>(p));
      if (!std::strcmp(b, "Data")) return static_cast<vb::Data*>(static_cast<vb::Holder*>(p));
      return nullptr;
    }
    // call(complete, static type, method): a virtual call through that static type.
    extern "C" int call(void* p, const char* via, const char* m) {
      auto* h = static_cast<th::TH1*>(p);
      if (!std::strcmp(via, "TH1")) {
        if (!std::strcmp(m, "line")) return h->line();
        if (!std::strcmp(m, "title")) return h->title();
        if (!std::strcmp(m, "fill")) return h->fill();
        if (!std::strcmp(m, "marker")) return h->marker();
        if (!std::strcmp(m, "id")) return h->id();
        if (!std::strcmp(m, "entries")) return h->entries();
      }
      if (!std::strcmp(via, "TObject") && !std::strcmp(m, "id")) return static_cast<th::TObject*>(h)->id();
      if (!std::strcmp(via, "TNamed") && !std::strcmp(m, "title")) return static_cast<th::TNamed*>(h)->title();
      if (!std::strcmp(via, "TAttLine") && !std::strcmp(m, "line")) return static_cast<th::TAttLine*>(h)->line();
      if (!std::strcmp(via, "TAttFill") && !std::strcmp(m, "fill")) return static_cast<th::TAttFill*>(h)->fill();
      if (!std::strcmp(via, "TAttMarker") && !std::strcmp(m, "marker")) return static_cast<th::TAttMarker*>(h)->marker();
      auto* w = static_cast<qt::QWidget*>(p);
      if (!std::strcmp(via, "QWidget") && !std::strcmp(m, "devType")) return w->devType();
      if (!std::strcmp(via, "QWidget") && !std::strcmp(m, "event")) return w->event();
      if (!std::strcmp(via, "QPaintDevice")) return static_cast<qt::QPaintDevice*>(w)->devType();
      if (!std::strcmp(via, "QObject")) return static_cast<qt::QObject*>(w)->event();
      auto* s = static_cast<io::iostream*>(p);
      if (!std::strcmp(via, "iostream")) return s->state();
      if (!std::strcmp(via, "istream")) return static_cast<io::istream*>(s)->state();
      if (!std::strcmp(via, "ostream")) return static_cast<io::ostream*>(s)->state();
      if (!std::strcmp(via, "ios_base")) return static_cast<io::ios_base*>(s)->state();
      if (!std::strcmp(via, "iostream.get")) return s->get();
      if (!std::strcmp(via, "iostream.put")) return s->put();
      if (!std::strcmp(via, "Holder.f")) return static_cast<vb::Holder*>(p)->f();
      auto* d = static_cast<dia::D*>(p);
      if (!std::strcmp(via, "B1")) return static_cast<dia::B1*>(d)->r();
      if (!std::strcmp(via, "B2")) return static_cast<dia::B2*>(d)->r();
      return -1;
    }
    extern "C" Big big_via(void* p, int through_marker, int k) {
      auto* h = static_cast<th::TH1*>(p);
      return through_marker ? static_cast<th::TAttMarker*>(h)->big(k) : h->big(k);
    }
    // RTTI through every base: typeid, dynamic_cast down, across and to void*.
    extern "C" int rtti_ok(void* p) {
      auto* h = static_cast<th::TH1*>(p);
      th::TAttFill* f = h;
      th::TAttMarker* m = h;
      th::TObject* o = h;
      return typeid(*f) == typeid(th::TH1) && typeid(*m) == typeid(th::TH1) && typeid(*o) == typeid(th::TH1) &&
             dynamic_cast<th::TH1*>(f) == h && dynamic_cast<th::TAttLine*>(m) == static_cast<th::TAttLine*>(h) &&
             dynamic_cast<void*>(m) == p && dynamic_cast<void*>(f) == p;
    }
    extern "C" int stream_rtti_ok(void* p) {
      auto* s = static_cast<io::iostream*>(p);
      io::ios_base* b = s;
      return typeid(*b) == typeid(io::iostream) && dynamic_cast<io::iostream*>(b) == s &&
             dynamic_cast<io::ostream*>(static_cast<io::istream*>(s)) == static_cast<io::ostream*>(s) &&
             dynamic_cast<void*>(b) == p;
    }
    // delete through the named static type.
    extern "C" void del(void* p, const char* via) {
      auto* h = static_cast<th::TH1*>(p);
      if (!std::strcmp(via, "TH1")) delete h;
      else if (!std::strcmp(via, "TObject")) delete static_cast<th::TObject*>(h);
      else if (!std::strcmp(via, "TAttLine")) delete static_cast<th::TAttLine*>(h);
      else if (!std::strcmp(via, "TAttFill")) delete static_cast<th::TAttFill*>(h);
      else if (!std::strcmp(via, "TAttMarker")) delete static_cast<th::TAttMarker*>(h);
      else if (!std::strcmp(via, "TAttMarker~")) {  // complete-object destructor, storage freed apart
        static_cast<th::TAttMarker*>(h)->~TAttMarker();
        ::operator delete(p);
      }
      else if (!std::strcmp(via, "QPaintDevice")) delete static_cast<qt::QPaintDevice*>(static_cast<qt::QWidget*>(p));
      else if (!std::strcmp(via, "QWidget")) delete static_cast<qt::QWidget*>(p);
      else if (!std::strcmp(via, "ios_base")) delete static_cast<io::ios_base*>(static_cast<io::iostream*>(p));
      else if (!std::strcmp(via, "ostream")) delete static_cast<io::ostream*>(static_cast<io::iostream*>(p));
      else if (!std::strcmp(via, "iostream")) delete static_cast<io::iostream*>(p);
      else if (!std::strcmp(via, "dia")) delete static_cast<dia::D*>(p);
      else if (!std::strcmp(via, "cov")) delete static_cast<cov::B*>(p);
      else if (!std::strcmp(via, "holder")) delete static_cast<vb::Holder*>(p);
    }
  )cpp";

  static interp::Interpreter* interp_;
  static Reflector* reflector_;
  size_t blocks_ = 0;
};

interp::Interpreter* MultiVptr::interp_ = nullptr;
Reflector* MultiVptr::reflector_ = nullptr;

template <typename Fn>
void* V(Fn* f) {
  return reinterpret_cast<void*>(f);
}

// P23: a secondary base reflected through a pointer to it: calls through every static type that
// reaches the final overrider get the replacement, with this = that subobject; the rest of the
// object and its RTTI are untouched; teardown restores all four vptrs bit for bit.
TEST_F(MultiVptr, SecondaryBaseOfTH1) {
  void* h = F<void*(const char*)>("make")("TH1");
  void* line = Up(h, "TAttLine");
  const std::vector<long> offsets = VptrOffsets("th::TH1");
  ASSERT_EQ(offsets.size(), 4u);
  const std::vector<void*> before = Vptrs(h, offsets);
  InstallResult r = Overlay(line, "th::TAttLine", {{"line", V(&Replaced99)}});
  ASSERT_TRUE(r.ok()) << r.message;
  for (const char* via : {"TH1", "TAttLine"}) {
    g_this = nullptr;
    EXPECT_EQ(Call(h, via, "line"), 99) << via;
    EXPECT_EQ(g_this, line) << "the replacement gets the TAttLine subobject, called through " << via;
  }
  EXPECT_EQ(Call(h, "TH1", "title"), 21);
  EXPECT_EQ(Call(h, "TAttFill", "fill"), 40);
  EXPECT_EQ(Call(h, "TAttMarker", "marker"), 51);
  EXPECT_EQ(Call(h, "TObject", "id"), 2);
  EXPECT_EQ(F<int(void*)>("rtti_ok")(h), 1);
  const std::vector<void*> during = Vptrs(h, offsets);
  for (size_t j = 0; j < offsets.size(); ++j) EXPECT_NE(during[j], before[j]) << "vptr " << j << " is on its clone";
  EXPECT_EQ(r.overlay.Teardown(), TeardownResult::kRestored);
  EXPECT_EQ(Vptrs(h, offsets), before);
  EXPECT_EQ(Call(h, "TAttLine", "line"), 31);
  F<void(void*, const char*)>("del")(h, "TH1");
}

// P23: the complete class reflected, a function it overrides from a secondary base replaced:
// the call through the secondary base goes through a this-adjusting thunk to the replacement.
TEST_F(MultiVptr, OverriderOfSecondaryFunctionReplacedThroughTheDerivedClass) {
  void* h = F<void*(const char*)>("make")("TH1");
  InstallResult r = Overlay(h, "th::TH1", {{"marker", V(&Replaced77)}, {"entries", V(&Replaced99)}});
  ASSERT_TRUE(r.ok()) << r.message;
  for (const char* via : {"TH1", "TAttMarker"}) {
    g_this = nullptr;
    EXPECT_EQ(Call(h, via, "marker"), 77) << via;
    EXPECT_EQ(g_this, h) << "this = the TH1 object, called through " << via;
  }
  EXPECT_EQ(Call(h, "TH1", "entries"), 99);
  EXPECT_GE(internal::ThunksInUse(), 1u);
  r.overlay.Teardown();
  EXPECT_EQ(Call(h, "TAttMarker", "marker"), 51);
  F<void(void*, const char*)>("del")(h, "TH1");
}

// P24: a function returning a class in memory: its thunk adjusts rsi, not rdi.
TEST_F(MultiVptr, ThunkForAFunctionReturningInMemory) {
  for (const char* reflected : {"th::TH1", "th::TAttMarker"}) {
    void* h = F<void*(const char*)>("make")("TH1");
    void* instance = std::string(reflected) == "th::TH1" ? h : Up(h, "TAttMarker");
    InstallResult r = Overlay(instance, reflected, {{"big", V(&ReplacedBig)}});
    ASSERT_TRUE(r.ok()) << r.message;
    for (int through_marker = 0; through_marker < 2; ++through_marker) {
      g_this = nullptr;
      Big b = F<Big(void*, int, int)>("big_via")(h, through_marker, 5);
      EXPECT_EQ(b.a, 5);
      EXPECT_EQ(b.d, 20);
      EXPECT_EQ(g_this, instance) << reflected << " through_marker=" << through_marker;
    }
    r.overlay.Teardown();
    EXPECT_EQ(F<Big(void*, int, int)>("big_via")(h, 1, 5).a, -5);
    F<void(void*, const char*)>("del")(h, "TH1");
  }
}

// P25: the destroy hook fires once whichever base the object is deleted or destroyed through,
// with the pointer the overlay was installed with; P5: extra slots are read through that pointer.
TEST_F(MultiVptr, DestroyHookThroughEveryBase) {
  for (const char* via : {"TH1", "TObject", "TAttLine", "TAttFill", "TAttMarker", "TAttMarker~"}) {
    g_hooks = 0;
    void* h = F<void*(const char*)>("make")("TH1");
    void* fill = Up(h, "TAttFill");
    InstallResult r = Overlay(fill, "th::TAttFill", {{"fill", V(&Replaced99)}}, 2, /*hook=*/true);
    ASSERT_TRUE(r.ok()) << r.message;
    ExtraSlot(fill, r.overlay.first_extra_index()) = fill;
    ExtraSlot(fill, r.overlay.first_extra_index() + 1) = h;
    EXPECT_EQ(ExtraSlot(fill, r.overlay.first_extra_index()), fill);
    EXPECT_EQ(Call(h, "TAttFill", "fill"), 99);
    EXPECT_EQ(F<int(void*)>("rtti_ok")(h), 1) << "the extra slots did not touch the vtables";
    F<void(void*, const char*)>("del")(h, via);
    EXPECT_EQ(g_hooks, 1) << via;
    EXPECT_EQ(g_hook_instance, fill) << via;
    EXPECT_EQ(r.overlay.Teardown(), TeardownResult::kObjectDestroyed) << via;
  }
}

// P23, P25: Qt's QWidget overlaid through its second base, reflected as QWidget.
TEST_F(MultiVptr, QWidgetThroughItsPaintDevice) {
  void* w = F<void*(const char*)>("make")("QWidget");
  void* device = Up(w, "QPaintDevice");
  InstallResult r = Overlay(device, "qt::QWidget", {{"devType", V(&Replaced77)}}, 1, /*hook=*/true);
  ASSERT_TRUE(r.ok()) << r.message;
  ExtraSlot(device, r.overlay.first_extra_index()) = device;
  for (const char* via : {"QWidget", "QPaintDevice"}) {
    g_this = nullptr;
    EXPECT_EQ(Call(w, via, "devType"), 77) << via;
    EXPECT_EQ(g_this, w) << "this = the QWidget (the reflected class's subobject), through " << via;
  }
  EXPECT_EQ(Call(w, "QObject", "event"), 4);
  EXPECT_EQ(ExtraSlot(device, r.overlay.first_extra_index()), device);
  F<void(void*, const char*)>("del")(w, "QPaintDevice");
  EXPECT_EQ(g_hooks, 1);
  EXPECT_EQ(g_hook_instance, device);
}

// P23, P26: a virtual base reflected: every path to its final overrider (vcall-offset thunks
// included) reaches the replacement with this = the virtual base subobject.
TEST_F(MultiVptr, VirtualDiamondLikeTheStreams) {
  void* s = F<void*(const char*)>("make")("iostream");
  void* base = Up(s, "ios_base");
  ASSERT_NE(base, s);
  const std::vector<long> offsets = VptrOffsets("io::iostream");
  const std::vector<void*> before = Vptrs(s, offsets);
  InstallResult r = Overlay(base, "io::ios_base", {{"state", V(&Replaced99)}}, 1, /*hook=*/true);
  ASSERT_TRUE(r.ok()) << r.message;
  ExtraSlot(base, r.overlay.first_extra_index()) = s;
  for (const char* via : {"iostream", "istream", "ostream", "ios_base"}) {
    g_this = nullptr;
    EXPECT_EQ(Call(s, via, "state"), 99) << via;
    EXPECT_EQ(g_this, base) << via;
  }
  EXPECT_EQ(Call(s, "iostream.get", ""), 2);
  EXPECT_EQ(Call(s, "iostream.put", ""), 3);
  EXPECT_EQ(F<int(void*)>("stream_rtti_ok")(s), 1);
  EXPECT_EQ(ExtraSlot(base, r.overlay.first_extra_index()), s);
  EXPECT_EQ(r.overlay.Teardown(), TeardownResult::kRestored);
  EXPECT_EQ(Vptrs(s, offsets), before);
  // Again with a hook, installed through the second base, deleted through the virtual base.
  void* out = Up(s, "ostream");
  InstallResult again = Overlay(out, "io::iostream", {{"state", V(&Replaced77)}}, 0, /*hook=*/true);
  ASSERT_TRUE(again.ok()) << again.message;
  EXPECT_EQ(Call(s, "ios_base", "state"), 77);
  EXPECT_EQ(g_this, s);
  F<void(void*, const char*)>("del")(s, "ios_base");
  EXPECT_EQ(g_hooks, 1);
  EXPECT_EQ(g_hook_instance, out);
}

// R18: a class twice in the object, the instance pointer at neither: refused, nothing written;
// at one of them: that one is overlaid, the other is not.
TEST_F(MultiVptr, RepeatedBaseNeedsThePointerToOne) {
  void* d = F<void*(const char*)>("make")("dia");
  const std::vector<long> offsets = VptrOffsets("dia::D");
  const std::vector<void*> before = Vptrs(d, offsets);
  InstallResult amb = Overlay(d, "dia::R", {{"r", V(&Replaced99)}});
  EXPECT_EQ(amb.status, Status::kAmbiguousSubobject) << amb.message;
  EXPECT_EQ(Vptrs(d, offsets), before);
  void* second = Up(d, "R@B2");
  InstallResult r = Overlay(second, "dia::R", {{"r", V(&Replaced99)}});
  ASSERT_TRUE(r.ok()) << r.message;
  EXPECT_EQ(Call(d, "B2", "r"), 99);
  EXPECT_EQ(g_this, second);
  EXPECT_EQ(Call(d, "B1", "r"), 2) << "the other R subobject keeps its overrider";
  r.overlay.Teardown();
  EXPECT_EQ(Vptrs(d, offsets), before);
  F<void(void*, const char*)>("del")(d, "dia");
}

// R19: an overrider with a covariant return that a vtable entry adjusts is refused by name.
TEST_F(MultiVptr, CovariantOverriderRefused) {
  void* b = F<void*(const char*)>("make")("cov");
  for (const char* cls : {"cov::B", "cov::A"}) {
    void* instance = std::string(cls) == "cov::A" ? Up(b, "A") : b;
    InstallResult r = Overlay(instance, cls, {{"self", V(&Replaced99)}});
    EXPECT_EQ(r.status, Status::kCovariantReturn) << cls << ": " << r.message;
  }
  F<void(void*, const char*)>("del")(b, "cov");
}

// P23, R3: a class with a vptr whose own vtable names no function (all its virtual functions
// are in a non-primary virtual base) is polymorphic: reflected as itself, it takes extra slots
// and no slot; its function is replaced through the virtual base, reflected as that.
TEST_F(MultiVptr, VptrWithoutFunctionsOfItsOwn) {
  ASSERT_EQ(interp_->FindClass("vb::Holder")->shape.num_slots, 0u);
  void* h = F<void*(const char*)>("make")("holder");
  const std::vector<long> offsets = VptrOffsets("vb::Holder");
  ASSERT_EQ(offsets.size(), 2u);
  const std::vector<void*> before = Vptrs(h, offsets);
  InstallResult own = Overlay(h, "vb::Holder", {}, 2);
  ASSERT_TRUE(own.ok()) << own.message;
  ExtraSlot(h, own.overlay.first_extra_index() + 1) = h;
  void* data = Up(h, "Data");
  InstallResult via_base = Overlay(data, "vb::Data", {{"f", V(&Replaced99)}});
  ASSERT_TRUE(via_base.ok()) << via_base.message;
  EXPECT_EQ(Call(h, "Holder.f", ""), 99);
  EXPECT_EQ(g_this, data);
  EXPECT_EQ(ExtraSlot(h, own.overlay.first_extra_index() + 1), h);
  EXPECT_EQ(own.overlay.Teardown(), TeardownResult::kRestored);
  EXPECT_EQ(Call(h, "Holder.f", ""), 99);
  EXPECT_EQ(via_base.overlay.Teardown(), TeardownResult::kRestored);
  EXPECT_EQ(Call(h, "Holder.f", ""), 5);
  EXPECT_EQ(Vptrs(h, offsets), before);
  F<void(void*, const char*)>("del")(h, "holder");
}

// P6, P13 on several vptrs: overlays reflected through different bases, stacked, torn down in
// either order; all vptrs restored bit for bit; a hooked delete with both fires both once.
TEST_F(MultiVptr, StackedThroughDifferentBases) {
  for (int lower_first = 0; lower_first < 3; ++lower_first) {
    g_hooks = 0;
    void* h = F<void*(const char*)>("make")("TH1");
    const std::vector<long> offsets = VptrOffsets("th::TH1");
    const std::vector<void*> before = Vptrs(h, offsets);
    void* line = Up(h, "TAttLine");
    InstallResult lower = Overlay(line, "th::TAttLine", {{"line", V(&Replaced99)}}, 1, true);
    ASSERT_TRUE(lower.ok()) << lower.message;
    ExtraSlot(line, lower.overlay.first_extra_index()) = line;
    InstallResult upper = Overlay(h, "th::TH1", {{"title", V(&Replaced77)}}, 1, true);
    ASSERT_TRUE(upper.ok()) << upper.message;
    ExtraSlot(h, upper.overlay.first_extra_index()) = h;
    EXPECT_EQ(Call(h, "TAttLine", "line"), 99);
    EXPECT_EQ(Call(h, "TNamed", "title"), 77);
    EXPECT_EQ(ExtraSlot(line, lower.overlay.first_extra_index()), line);
    EXPECT_EQ(ExtraSlot(h, upper.overlay.first_extra_index()), h);
    if (lower_first == 2) {
      F<void(void*, const char*)>("del")(h, "TAttFill");
      EXPECT_EQ(g_hooks, 2);
      continue;  // the handles report kObjectDestroyed when the results go out of scope
    }
    InstallResult& first = lower_first ? lower : upper;
    InstallResult& second = lower_first ? upper : lower;
    EXPECT_EQ(first.overlay.Teardown(), TeardownResult::kRestored);
    EXPECT_EQ(Call(h, "TAttLine", "line"), lower_first ? 31 : 99);
    EXPECT_EQ(Call(h, "TNamed", "title"), lower_first ? 77 : 21);
    if (lower_first) {
      EXPECT_EQ(ExtraSlot(h, upper.overlay.first_extra_index()), h);
    } else {
      EXPECT_EQ(ExtraSlot(line, lower.overlay.first_extra_index()), line);
    }
    EXPECT_EQ(second.overlay.Teardown(), TeardownResult::kRestored);
    EXPECT_EQ(Vptrs(h, offsets), before);
    F<void(void*, const char*)>("del")(h, "TH1");
    EXPECT_EQ(g_hooks, 0);
  }
}

}  // namespace
}  // namespace vto::reflect
