// shape_check_test.cc — CheckReflectedShape: the built-in backend's shapes pass on the
// classes of the first hierarchies with a non-polymorphic first base and with several vptrs,
// and a shape with a wrong primary-base chain, secondary-vptr or virtual-base flag fails.
#include "harness/shape_check.h"

#include <gtest/gtest.h>

#include <memory>
#include <stdexcept>
#include <string>

#include "backend/backend.h"
#include "harness/class_tables.h"
#include "harness/hierarchy_cache.h"
#include "harness/options.h"
#include "test_backend.h"

namespace vto::harness {
namespace {

[[noreturn]] void Throw(const void*, const std::string& message) { throw std::runtime_error(message); }

// The failure CheckReflectedShape reports for `shape`, or "" when it holds.
std::string Failure(const CompiledHierarchy& ch, const ClassTables& t, void* obj, const ClassShape& shape) {
  const Oracle oracle(nullptr, 0, &Throw, nullptr);
  try {
    CheckReflectedShape(ch, t, obj, shape, oracle);
  } catch (const std::runtime_error& e) {
    return e.what();
  }
  return "";
}

TEST(ShapeCheck, BuiltinShapesHoldAndWrongOnesFail) {
  std::unique_ptr<backend::Backend> b = OpenTestBackend(nullptr);
  ASSERT_NE(b, nullptr);
  ASSERT_NE(b->native_shapes(), nullptr);
  Options options;
  HierarchyCache cache(*b, options, /*lifecycle_kit=*/false, /*compiler_modes=*/true);
  int checked = 0, chains = 0, non_polymorphic_first = 0, secondary = 0;
  for (uint32_t id = 0; id < 24; ++id) {
    const CompiledHierarchy& ch = cache.Get(id);
    for (size_t c = 0; c < ch.model.classes.size(); ++c) {
      const gen::ClassModel& cm = ch.model.classes[c];
      if (!cm.polymorphic || !ch.plan.classes[c].new_and_delete) continue;
      const ClassTables& t = Tables(ch, static_cast<int>(c));
      const ClassShape* shape = b->native_shapes()->Find(t.type_name);
      ASSERT_NE(shape, nullptr) << t.type_name;
      void* obj = t.make();
      EXPECT_EQ(Failure(ch, t, obj, *shape), "") << ch.ns << "::" << gen::ClassName(static_cast<int>(c));
      ++checked;
      chains += !shape->primary_bases.empty();
      non_polymorphic_first += !cm.bases.empty() && !ch.model.classes[cm.bases[0].cls].polymorphic;
      secondary += shape->has_secondary_vptrs;

      ClassShape wrong = *shape;
      wrong.primary_bases.push_back("no class");
      EXPECT_NE(Failure(ch, t, obj, wrong).find("primary_bases of the reflected shape"), std::string::npos);
      if (!shape->primary_bases.empty()) {
        wrong = *shape;
        wrong.primary_bases.pop_back();
        EXPECT_NE(Failure(ch, t, obj, wrong).find("nearest first"), std::string::npos);
      }
      wrong = *shape;
      wrong.has_secondary_vptrs = !wrong.has_secondary_vptrs;
      EXPECT_NE(Failure(ch, t, obj, wrong).find("has_secondary_vptrs"), std::string::npos);
      wrong = *shape;
      wrong.has_virtual_bases = !wrong.has_virtual_bases;
      EXPECT_NE(Failure(ch, t, obj, wrong).find("has_virtual_bases"), std::string::npos);
      t.del(obj);
    }
  }
  EXPECT_GT(checked, 20);
  EXPECT_GT(chains, 5);
  EXPECT_GT(non_polymorphic_first, 0);
  EXPECT_GT(secondary, 0);
}

}  // namespace
}  // namespace vto::harness
