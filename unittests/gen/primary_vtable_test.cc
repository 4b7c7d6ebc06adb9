// primary_vtable_test.cc — gen/primary_vtable.h's answers against clang's (interp::ClassLayout,
// from ItaniumVTableContext) on generated hierarchies: every method InPrimaryVtable names has a
// slot FindSlot finds; where the class has no virtual base (so its primary base is never a
// virtual one) the answer is exact both ways.
#include "gen/primary_vtable.h"

#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <vector>

#include "gen/emit.h"
#include "gen/generate.h"
#include "gen/stubs.h"
#include "gen/subobjects.h"
#include "interp/interpreter.h"

namespace vto::gen {
namespace {

constexpr int kSeeds = 120;
constexpr int kPerUnit = 10;

TEST(PrimaryVtable, AgreesWithClangsLayouts) {
  // Only clang's layouts are compared: the classes are declared, not defined (no code, no
  // vtables to generate), without sanitizer instrumentation, so the test costs the same in
  // every preset.
  interp::InterpreterOptions options;
  options.sanitize_like_host = false;
  options.opt_level = 0;
  std::string error;
  std::unique_ptr<interp::Interpreter> interp = interp::Interpreter::Create(options, &error);
  ASSERT_NE(interp, nullptr) << error;
  int named = 0, not_named = 0, with_vbases = 0;
  for (int first = 0; first < kSeeds; first += kPerUnit) {
    std::vector<Hierarchy> batch;
    std::string tu;
    for (int seed = first; seed < first + kPerUnit; ++seed) {
      ByteSource src = ByteSource::FromSeed(static_cast<std::uint64_t>(seed));
      batch.push_back(Generate(src, GenPolicy{}));
      tu += EmitDeclarations(batch.back(), "pv" + std::to_string(seed));
    }
    std::string diagnostics;
    ASSERT_TRUE(interp->Compile(tu, &diagnostics)) << diagnostics.substr(0, 2000);
    for (size_t i = 0; i < batch.size(); ++i) {
      const Hierarchy& h = batch[i];
      const std::string ns = "pv" + std::to_string(first + static_cast<int>(i));
      const StubPlan plan = PlanStubs(h);
      for (size_t c = 0; c < h.classes.size(); ++c) {
        const int cls = static_cast<int>(c);
        if (!h.classes[c].polymorphic) continue;
        const interp::ClassLayout* layout = interp->FindClass(ns + "::" + ClassName(cls), &error);
        ASSERT_NE(layout, nullptr) << ns << "::" << ClassName(cls) << ": " << error;
        const bool exact = VirtualBaseOrder(h, cls).empty();
        with_vbases += exact ? 0 : 1;
        for (const VirtualCall& call : plan.classes[c].calls) {
          const std::string spelling = MethodSpelling(h, call.name, call.sig);
          const bool found = layout->FindSlot(spelling) >= 0;
          const bool ours = InPrimaryVtable(h, cls, call.name, call.sig);
          (ours ? named : not_named) += 1;
          if (ours) EXPECT_TRUE(found) << ns << "::" << ClassName(cls) << " " << spelling;
          if (exact) EXPECT_EQ(ours, found) << ns << "::" << ClassName(cls) << " " << spelling;
        }
      }
    }
  }
  // The seeds reach every case: names inherited from a secondary base, and virtual bases.
  EXPECT_GT(named, 100);
  EXPECT_GT(not_named, 10);
  EXPECT_GT(with_vbases, 10);
}

}  // namespace
}  // namespace vto::gen
