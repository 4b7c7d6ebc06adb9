// temp_dir.h — a fresh directory under /tmp for a test's files (never removed: a failing
// test's artifacts stay to be looked at).
#ifndef VTO_UNITTESTS_HARNESS_TEMP_DIR_H
#define VTO_UNITTESTS_HARNESS_TEMP_DIR_H

#include <gtest/gtest.h>
#include <stdlib.h>

#include <string>

namespace vto::harness {

inline std::string TempDir(const char* stem) {
  std::string dir = std::string("/tmp/") + stem + "-XXXXXX";
  EXPECT_NE(mkdtemp(dir.data()), nullptr) << dir;
  return dir;
}

}  // namespace vto::harness

#endif  // VTO_UNITTESTS_HARNESS_TEMP_DIR_H
