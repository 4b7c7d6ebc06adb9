// host_classes.cc — definitions (key functions) and shapes of the host test classes.
#include "host_classes.h"

#include <typeinfo>

namespace vto::test {

std::atomic<int> g_base_dtor_calls{0};
std::atomic<int> g_derived_dtor_calls{0};

Base::~Base() { ++g_base_dtor_calls; }
int Base::f() { return kBaseF; }
int Base::g() { return kBaseG; }
int Derived::f() { return kDerivedF; }
int Derived::h() { return kDerivedH; }
int MoreDerived::k() { return kMoreK; }
int DtorLater::f() { return kDtorLaterF; }
DtorLater::~DtorLater() = default;
int NoVirtualDtor::f() { return kNoVirtualDtorF; }
Left::~Left() = default;
int Left::l() { return kLeftL; }
Right::~Right() = default;
int Right::r() { return kRightR; }
int Multi::l() { return kMultiL; }
int Multi::r() { return kMultiR; }
int VirtualDerived::f() { return kVirtualDerivedF; }
int FinalDerived::f() { return kFinalF; }
ThrowingDtor::~ThrowingDtor() noexcept(false) { throw 42; }
int ThrowingDtor::f() { return kThrowingF; }
Unrelated::~Unrelated() = default;
int Unrelated::f() { return kUnrelatedF; }
int Unrelated::g() { return kUnrelatedG; }

namespace {

ClassShape Shape(const std::type_info& t, const char* name, uint32_t slots, int d1, int d0,
                 std::vector<std::string> primary_bases = {}) {
  ClassShape s;
  s.rtti_name = t.name();
  s.name = name;
  s.polymorphic = true;
  s.num_slots = slots;
  s.complete_dtor_slot = d1;
  s.deleting_dtor_slot = d0;
  s.primary_bases = std::move(primary_bases);
  return s;
}

ShapeTable* MakeTable() {
  auto* t = new ShapeTable;
  const std::string base = typeid(Base).name();
  const std::string derived = typeid(Derived).name();
  t->Add(Shape(typeid(Base), "Base", 4, 0, 1));
  t->Add(Shape(typeid(Derived), "Derived", 5, 0, 1, {base}));
  t->Add(Shape(typeid(MoreDerived), "MoreDerived", 6, 0, 1, {derived, base}));
  t->Add(Shape(typeid(DtorLater), "DtorLater", 3, 1, 2));
  t->Add(Shape(typeid(NoVirtualDtor), "NoVirtualDtor", 1, -1, -1));
  ClassShape plain;
  plain.rtti_name = typeid(Plain).name();
  plain.name = "Plain";
  t->Add(plain);
  t->Add(Shape(typeid(Left), "Left", 3, 0, 1));
  t->Add(Shape(typeid(Right), "Right", 3, 0, 1));
  ClassShape multi = Shape(typeid(Multi), "Multi", 4, 0, 1, {typeid(Left).name()});
  multi.has_secondary_vptrs = true;
  t->Add(multi);
  ClassShape vd = Shape(typeid(VirtualDerived), "VirtualDerived", 4, 0, 1);
  vd.has_virtual_bases = true;
  vd.has_secondary_vptrs = true;
  t->Add(vd);
  ClassShape fin = Shape(typeid(FinalDerived), "FinalDerived", 4, 0, 1, {base});
  fin.vptr_identity_assumed = true;  // this test binary is compiled with clang's default
  t->Add(fin);
  t->Add(Shape(typeid(ThrowingDtor), "ThrowingDtor", 3, 0, 1));
  t->Add(Shape(typeid(Unrelated), "Unrelated", 4, 0, 1));
  return t;
}

}  // namespace

ShapeTable& HostShapes() {
  static ShapeTable* table = MakeTable();
  return *table;
}

const ClassShape& ShapeOf(const char* rtti_name) {
  const ClassShape* s = HostShapes().Find(rtti_name);
  if (s == nullptr) std::abort();
  return *s;
}

void RecordingHook(void* instance, void* user_data) {
  auto* log = static_cast<HookLog*>(user_data);
  ++log->calls;
  log->last_instance = instance;
  auto* self = static_cast<Base*>(instance);
  log->f_during_callback = Launder(self)->f();
  log->value_during_callback = self->value;
}

int ReplacementF(Base* self) { return 9000 + self->value; }
int ReplacementG(Base*) { return 9100; }
int ReplacementH(Derived* self) { return 9200 + self->extra; }
void* AsVoid(int (*fn)(Base*)) { return reinterpret_cast<void*>(fn); }
void* AsVoid(int (*fn)(Derived*)) { return reinterpret_cast<void*>(fn); }

}  // namespace vto::test
