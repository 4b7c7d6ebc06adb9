// overlay_test_util.h — a fixture that fails any test leaving overlay blocks or handles
// behind, and request builders.
#ifndef VTO_UNITTESTS_OVERLAY_TEST_UTIL_H
#define VTO_UNITTESTS_OVERLAY_TEST_UTIL_H

#include <gtest/gtest.h>

#include "host_classes.h"

namespace vto::test {

class OverlayTest : public ::testing::Test {
 protected:
  void SetUp() override {
    blocks_before_ = LiveBlocks();
    handles_before_ = LiveHandles();
    g_base_dtor_calls = 0;
    g_derived_dtor_calls = 0;
  }
  void TearDown() override {
    EXPECT_EQ(LiveBlocks(), blocks_before_) << "overlay blocks leaked";
    EXPECT_EQ(LiveHandles(), handles_before_) << "overlay handles leaked";
  }

 public:
  static InstallRequest Request(void* instance, const ClassShape& reflected,
                                std::vector<SlotReplacement> replacements = {}) {
    InstallRequest r;
    r.instance = instance;
    r.reflected = &reflected;
    r.replacements = std::move(replacements);
    return r;
  }
  static InstallResult Ok(const InstallRequest& r) {
    InstallResult res = Install(r, HostShapes());
    EXPECT_TRUE(res.ok()) << res.message;
    return res;
  }
  static abi::VPtr Vptr(const void* obj) { return abi::ReadVptr(obj); }

 private:
  size_t blocks_before_ = 0;
  size_t handles_before_ = 0;
};

}  // namespace vto::test

#endif  // VTO_UNITTESTS_OVERLAY_TEST_UTIL_H
