// c_api_test.cc — the C API: install, teardown twice, refusal messages, shape tables.
#include "overlay/overlay_c.h"

#include <cstring>
#include <typeinfo>

#include "overlay_test_util.h"

namespace vto::test {
namespace {

using CApi = OverlayTest;

const vto_shape_resolver* Resolver() {
  return reinterpret_cast<const vto_shape_resolver*>(static_cast<const ShapeResolver*>(&HostShapes()));
}

TEST_F(CApi, InstallTeardownAndDoubleTeardownHarmless) {
  Derived d;
  abi::VPtr original = Vptr(&d);
  vto_slot_replacement rep = {SlotOf(&Base::f), AsVoid(&ReplacementF)};
  vto_install_args a = {};
  a.instance = &d;
  a.reflected_rtti_name = typeid(Base).name();
  a.replacements = &rep;
  a.num_replacements = 1;
  a.extra_slots = 2;
  vto_overlay_t h = 0;
  char msg[128] = "junk";
  ASSERT_EQ(vto_install(&a, Resolver(), &h, msg, sizeof msg), 0) << msg;
  EXPECT_STREQ(msg, "");
  EXPECT_NE(h, 0u);
  EXPECT_EQ(Launder(&d)->f(), 9007);
  EXPECT_EQ(*vto_extra_slot(&d, 1), nullptr);
  *vto_extra_slot(&d, 1) = &d;
  EXPECT_EQ(ExtraSlot(&d, 1), &d) << "C and C++ accessors agree";
  EXPECT_EQ(vto_first_extra_index(h), 0u);
  EXPECT_EQ(vto_teardown(h), static_cast<int>(TeardownResult::kRestored));
  EXPECT_EQ(Vptr(&d), original);
  EXPECT_EQ(vto_teardown(h), static_cast<int>(TeardownResult::kAlreadyTornDown));
  EXPECT_EQ(vto_abandon(h), static_cast<int>(TeardownResult::kAlreadyTornDown));
  EXPECT_EQ(vto_teardown(0), static_cast<int>(TeardownResult::kNullHandle));
}

TEST_F(CApi, RefusalMessageTruncatedAndTerminated) {
  Derived d;
  vto_slot_replacement rep = {77, AsVoid(&ReplacementF)};
  vto_install_args a = {};
  a.instance = &d;
  a.reflected_rtti_name = typeid(Base).name();
  a.replacements = &rep;
  a.num_replacements = 1;
  vto_overlay_t h = 123;
  char msg[12];
  std::memset(msg, 'x', sizeof msg);
  EXPECT_EQ(vto_install(&a, Resolver(), &h, msg, sizeof msg), static_cast<int>(Status::kSlotOutOfRange));
  EXPECT_EQ(h, 0u);
  EXPECT_EQ(std::strlen(msg), sizeof msg - 1);
  EXPECT_STREQ(vto_status_name(static_cast<int>(Status::kSlotOutOfRange)), "kSlotOutOfRange");
  EXPECT_STREQ(vto_teardown_result_name(static_cast<int>(TeardownResult::kCancelled)), "kCancelled");
}

TEST_F(CApi, BadArgumentsRefused) {
  vto_overlay_t h = 0;
  char msg[128];
  EXPECT_EQ(vto_install(nullptr, Resolver(), &h, msg, sizeof msg), static_cast<int>(Status::kNullInstance));
  vto_install_args a = {};
  Base b;
  a.instance = &b;
  EXPECT_EQ(vto_install(&a, nullptr, &h, msg, sizeof msg), static_cast<int>(Status::kNullShape));
  EXPECT_EQ(vto_install(&a, Resolver(), &h, msg, sizeof msg), static_cast<int>(Status::kNullShape));
  a.reflected_rtti_name = "NoSuchClass";
  EXPECT_EQ(vto_install(&a, Resolver(), &h, msg, sizeof msg), static_cast<int>(Status::kNullShape));
  EXPECT_NE(std::strstr(msg, "NoSuchClass"), nullptr) << msg;
  a.reflected_rtti_name = typeid(Base).name();
  a.num_replacements = 1;  // with a null array
  EXPECT_EQ(vto_install(&a, Resolver(), &h, msg, sizeof msg), static_cast<int>(Status::kNullReplacement));
  EXPECT_EQ(h, 0u);
}

TEST_F(CApi, ShapeTableBuiltFromC) {
  vto_shape_table* t = vto_shape_table_new();
  ASSERT_NE(t, nullptr);
  const char* bases[] = {typeid(Base).name()};
  vto_class_shape_desc base = {};
  base.rtti_name = typeid(Base).name();
  base.name = "Base";
  base.num_slots = 4;
  base.complete_dtor_slot = 0;
  base.deleting_dtor_slot = 1;
  vto_class_shape_desc derived = base;
  derived.rtti_name = typeid(Derived).name();
  derived.name = "Derived";
  derived.num_slots = 5;
  derived.primary_bases = bases;
  derived.num_primary_bases = 1;
  EXPECT_EQ(vto_shape_table_add(t, &base), 0);
  EXPECT_EQ(vto_shape_table_add(t, &derived), 0);
  vto_class_shape_desc bad = base;
  bad.rtti_name = nullptr;
  EXPECT_EQ(vto_shape_table_add(t, &bad), -1);
  bad = derived;
  bad.primary_bases = nullptr;
  EXPECT_EQ(vto_shape_table_add(t, &bad), -1);
  EXPECT_EQ(vto_shape_table_add(nullptr, &base), -1);

  static int hook_calls = 0;
  hook_calls = 0;
  Derived* d = new Derived;
  vto_slot_replacement rep = {4, AsVoid(&ReplacementH)};
  vto_install_args a = {};
  a.instance = d;
  a.reflected_rtti_name = typeid(Derived).name();
  a.replacements = &rep;
  a.num_replacements = 1;
  a.on_destroy = [](void*, void*) { ++hook_calls; };
  vto_overlay_t h = 0;
  char msg[256];
  ASSERT_EQ(vto_install(&a, vto_shape_table_resolver(t), &h, msg, sizeof msg), 0) << msg;
  EXPECT_EQ(Launder(d)->h(), 9211);
  delete Launder(d);
  EXPECT_EQ(hook_calls, 1);
  EXPECT_EQ(vto_teardown(h), static_cast<int>(TeardownResult::kObjectDestroyed));
  vto_shape_table_free(t);
}

// P23–P26 through the C API: Multi : Left, Right described with its vtable group by hand
// (Itanium: Left-in-Multi shares the primary vtable [D1, D0, l, r]; Right-in-Multi at offset 16
// has [D1, D0, r], each a thunk to Multi's), reflected as Right through the Right subobject.
void* g_c_this = nullptr;
int ReplacedR(void* self) {
  g_c_this = self;
  return 4242;
}

TEST_F(CApi, ShapeTableWithVTableGroupFromC) {
  ASSERT_EQ(reinterpret_cast<char*>(static_cast<Right*>(reinterpret_cast<Multi*>(64))) - reinterpret_cast<char*>(64),
            16);
  vto_shape_table* t = vto_shape_table_new();
  ASSERT_NE(t, nullptr);
  vto_class_shape_desc right = {};
  right.rtti_name = typeid(Right).name();
  right.name = "Right";
  right.num_slots = 3;
  right.complete_dtor_slot = 0;
  right.deleting_dtor_slot = 1;
  vto_class_shape_desc multi = right;
  multi.rtti_name = typeid(Multi).name();
  multi.name = "Multi";
  multi.num_slots = 4;
  const vto_vtable_entry_desc primary[] = {{VTO_ENTRY_COMPLETE_DTOR, 0, 0, 0}, {VTO_ENTRY_DELETING_DTOR, 1, 0, 0},
                                           {VTO_ENTRY_FUNCTION, 2, 0, 0}, {VTO_ENTRY_FUNCTION, 3, 0, 0}};
  const vto_vtable_entry_desc secondary[] = {
      {VTO_ENTRY_COMPLETE_DTOR, 0, 0, 0}, {VTO_ENTRY_DELETING_DTOR, 1, 0, 0}, {VTO_ENTRY_FUNCTION, 3, 0, 0}};
  const vto_vtable_desc group[] = {{0, 2, 4, primary}, {16, 2, 3, secondary}};
  const vto_subobject_desc subobjects[] = {
      {typeid(Multi).name(), 0}, {typeid(Left).name(), 0}, {typeid(Right).name(), 16}};
  ASSERT_EQ(vto_shape_table_add(t, &right), 0);
  // Bad descriptions add nothing: a subobject without a vtable, the class missing, sizes apart.
  const vto_subobject_desc stray[] = {{typeid(Multi).name(), 0}, {typeid(Right).name(), 8}};
  EXPECT_EQ(vto_shape_table_add_group(t, &multi, group, 2, stray, 2), -1);
  EXPECT_EQ(vto_shape_table_add_group(t, &multi, group, 2, subobjects + 1, 2), -1);
  vto_class_shape_desc wrong = multi;
  wrong.num_slots = 5;
  EXPECT_EQ(vto_shape_table_add_group(t, &wrong, group, 2, subobjects, 3), -1);
  ASSERT_EQ(vto_shape_table_add_group(t, &multi, group, 2, subobjects, 3), 0);

  static int hook_calls = 0;
  static void* hook_instance = nullptr;
  hook_calls = 0;
  Multi* m = new Multi;
  Right* r = m;
  vto_slot_replacement rep = {2, reinterpret_cast<void*>(&ReplacedR)};
  vto_install_args a = {};
  a.instance = r;
  a.reflected_rtti_name = typeid(Right).name();
  a.replacements = &rep;
  a.num_replacements = 1;
  a.extra_slots = 1;
  a.on_destroy = [](void* instance, void*) {
    ++hook_calls;
    hook_instance = instance;
  };
  vto_overlay_t h = 0;
  char msg[256];
  ASSERT_EQ(vto_install(&a, vto_shape_table_resolver(t), &h, msg, sizeof msg), 0) << msg;
  *vto_extra_slot(r, vto_first_extra_index(h)) = m;
  EXPECT_EQ(Launder(r)->r(), 4242);
  EXPECT_EQ(g_c_this, static_cast<void*>(r));
  g_c_this = nullptr;
  EXPECT_EQ(Launder(m)->r(), 4242) << "Multi's own entry reaches the replacement through a thunk";
  EXPECT_EQ(g_c_this, static_cast<void*>(r));
  EXPECT_EQ(Launder(m)->l(), kMultiL);
  EXPECT_EQ(*vto_extra_slot(r, vto_first_extra_index(h)), static_cast<void*>(m));
  delete Launder(r);
  EXPECT_EQ(hook_calls, 1);
  EXPECT_EQ(hook_instance, static_cast<void*>(r));
  EXPECT_EQ(vto_teardown(h), static_cast<int>(TeardownResult::kObjectDestroyed));
  vto_shape_table_free(t);
}

}  // namespace
}  // namespace vto::test
