// coverage_gaps_test.cc — behaviour the promise-by-promise tests do not reach, found by the
// coverage report (ci/coverage): the stable names of every Status and TeardownResult and
// their C spellings, the process-wide counters through the C API, ShapeTable's
// first-one-wins deduplication, and C API shape descriptions refused as malformed.
#include <cstring>
#include <set>
#include <string>
#include <typeinfo>

#include "overlay/overlay.h"
#include "overlay/overlay_c.h"
#include "overlay_test_util.h"

namespace vto::test {
namespace {

using CoverageGaps = OverlayTest;

TEST_F(CoverageGaps, EveryStatusHasItsOwnStableName) {
  const char* const expected[] = {
      "kOk", "kNullInstance", "kNullShape", "kNotPolymorphic", "kSlotOutOfRange", "kMethodNotInVTable",
      "kDestructorSlot", "kDuplicateSlot", "kNullReplacement", "kExtraSlotsOverflow", "kUnknownDynamicType",
      "kNotPrimaryBase", "kUnsupportedLayout", "kNoVirtualDestructor", "kVptrIdentityAssumed", "kObjectDying",
      "kOutOfMemory", "kInconsistentShapes", "kAmbiguousSubobject", "kCovariantReturn"};
  std::set<std::string> seen;
  for (int i = 0; i < static_cast<int>(sizeof expected / sizeof expected[0]); ++i) {
    EXPECT_STREQ(StatusName(static_cast<Status>(i)), expected[i]) << "value " << i;
    EXPECT_STREQ(vto_status_name(i), expected[i]) << "value " << i;
    seen.insert(StatusName(static_cast<Status>(i)));
  }
  EXPECT_EQ(seen.size(), sizeof expected / sizeof expected[0]);
  EXPECT_STREQ(StatusName(static_cast<Status>(20)), "kUnknownStatus");
  EXPECT_STREQ(vto_status_name(-1), "kUnknownStatus");
}

TEST_F(CoverageGaps, EveryTeardownResultHasItsOwnStableName) {
  const char* const expected[] = {"kRestored",        "kObjectDestroyed", "kCancelled", "kDetached",
                                  "kAlreadyTornDown", "kNullHandle",      "kAbandoned"};
  for (int i = 0; i < static_cast<int>(sizeof expected / sizeof expected[0]); ++i) {
    EXPECT_STREQ(TeardownResultName(static_cast<TeardownResult>(i)), expected[i]) << "value " << i;
    EXPECT_STREQ(vto_teardown_result_name(i), expected[i]) << "value " << i;
  }
  EXPECT_STREQ(TeardownResultName(static_cast<TeardownResult>(7)), "kUnknownTeardownResult");
  EXPECT_STREQ(vto_teardown_result_name(99), "kUnknownTeardownResult");
}

TEST_F(CoverageGaps, CApiCountersFollowInstallAndTeardown) {
  size_t blocks = vto_live_blocks(), handles = vto_live_handles();
  EXPECT_EQ(blocks, LiveBlocks());
  EXPECT_EQ(handles, LiveHandles());
  Derived d;
  InstallResult r = Ok(Request(&d, ShapeOf<Derived>()));
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(vto_live_blocks(), blocks + 1);
  EXPECT_EQ(vto_live_handles(), handles + 1);
  EXPECT_EQ(r.overlay.Teardown(), TeardownResult::kRestored);
  EXPECT_EQ(vto_live_blocks(), blocks);
  EXPECT_EQ(vto_live_handles(), handles);
}

TEST_F(CoverageGaps, ShapeTableKeepsTheFirstShapeOfAClass) {
  ShapeTable t;
  EXPECT_EQ(t.size(), 0u);
  ClassShape a;
  a.rtti_name = "1A";
  a.name = "A";
  a.polymorphic = true;
  a.num_slots = 3;
  const ClassShape* first = t.Add(a);
  ClassShape again = a;
  again.num_slots = 7;  // a contradicting second description is ignored
  const ClassShape* second = t.Add(again);
  EXPECT_EQ(first, second);
  EXPECT_EQ(second->num_slots, 3u);
  EXPECT_EQ(t.size(), 1u);
  ClassShape b = a;
  b.rtti_name = "1B";
  EXPECT_NE(t.Add(b), first);
  EXPECT_EQ(t.size(), 2u);
  EXPECT_EQ(t.Find("1B")->rtti_name, "1B");
  EXPECT_EQ(t.Find("1C"), nullptr);
}

TEST_F(CoverageGaps, CApiShapeDescriptionsWithNullPiecesAreRefused) {
  vto_shape_table* t = vto_shape_table_new();
  ASSERT_NE(t, nullptr);
  vto_class_shape_desc d = {};
  d.rtti_name = "1A";
  d.num_slots = 2;
  EXPECT_EQ(vto_shape_table_add(t, nullptr), -1);
  const char* bases[] = {nullptr};
  d.primary_bases = bases;
  d.num_primary_bases = 1;
  EXPECT_EQ(vto_shape_table_add(t, &d), -1);  // a null base name inside the array
  d.num_primary_bases = 0;
  EXPECT_EQ(vto_shape_table_add(t, &d), 0);
  EXPECT_EQ(reinterpret_cast<const ShapeResolver*>(vto_shape_table_resolver(t))->Find("1A")->name, "1A")
      << "a description without a name is named after its RTTI name";
  vto_shape_table_free(t);
}

}  // namespace
}  // namespace vto::test
