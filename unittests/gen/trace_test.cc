// trace_test.cc — the host trace sink: records, last id and self, overflow, one buffer per thread, and
// the destructor throw it arms.
#include "gen/trace.h"

#include <gtest/gtest.h>

#include <thread>

namespace vto::gen {
namespace {

TEST(Trace, RecordsInOrderAndClears) {
  Trace::Clear();
  int a = 0, b = 0;
  vto_trace_record(5, &a);
  vto_trace_record(-7, &b);
  ASSERT_EQ(Trace::size(), 2u);
  EXPECT_EQ(Trace::at(0).impl_id, 5);
  EXPECT_EQ(Trace::at(0).self, &a);
  EXPECT_EQ(Trace::at(1).impl_id, -7);
  EXPECT_EQ(vto_trace_last_id(), -7);
  EXPECT_EQ(vto_trace_last_self(), &b);
  Trace::Clear();
  EXPECT_EQ(Trace::size(), 0u);
  EXPECT_EQ(vto_trace_last_id(), 0);
  EXPECT_EQ(vto_trace_last_self(), nullptr);
}

TEST(Trace, OverflowKeepsTheFirstRecordsAndTheLastId) {
  Trace::Clear();
  for (std::size_t i = 0; i < Trace::kCapacity + 10; ++i) vto_trace_record(static_cast<int>(i) + 1, nullptr);
  EXPECT_EQ(Trace::size(), Trace::kCapacity);
  EXPECT_TRUE(Trace::overflowed());
  EXPECT_EQ(vto_trace_last_id(), static_cast<int>(Trace::kCapacity) + 10);
  int x = 0;
  vto_trace_record(3, &x);  // past the capacity: not kept, but the last one
  EXPECT_EQ(vto_trace_last_self(), &x);
  Trace::Clear();
  EXPECT_FALSE(Trace::overflowed());
}

TEST(Trace, EachThreadHasItsOwnBuffer) {
  Trace::Clear();
  vto_trace_record(1, nullptr);
  std::size_t other_size = 99;
  std::thread t([&] {
    other_size = Trace::size();
    vto_trace_record(2, nullptr);
  });
  t.join();
  EXPECT_EQ(other_size, 0u);
  EXPECT_EQ(Trace::size(), 1u);
  EXPECT_EQ(vto_trace_last_id(), 1);
}

// The throw of a hierarchy with throwing destructors: armed on one thread, asked for once.
TEST(Trace, AnArmedDestructorThrowIsAnsweredOnceOnItsThread) {
  Trace::Clear();
  EXPECT_EQ(vto_dtor_should_throw(nullptr), 0);
  Trace::ArmDestructorThrow();
  EXPECT_TRUE(Trace::DestructorThrowArmed());
  int other = -1;
  std::thread t([&] { other = vto_dtor_should_throw(nullptr); });
  t.join();
  EXPECT_EQ(other, 0);
  EXPECT_EQ(vto_dtor_should_throw(nullptr), 1);
  EXPECT_FALSE(Trace::DestructorThrowArmed());
  EXPECT_EQ(vto_dtor_should_throw(nullptr), 0);
  Trace::ArmDestructorThrow();
  Trace::Clear();
  EXPECT_EQ(vto_dtor_should_throw(nullptr), 0);
}

}  // namespace
}  // namespace vto::gen
