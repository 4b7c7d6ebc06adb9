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

}  // namespace
}  // namespace vto::test
