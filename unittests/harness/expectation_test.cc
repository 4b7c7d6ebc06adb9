// expectation_test.cc — one oracle, evaluated and rendered from the same value
// (harness/expectation.h), and the shared pieces of an overlay request
// (harness/overlay_request.h, harness/vptr_words.h, harness/stats.h).
#include "harness/expectation.h"

#include <gtest/gtest.h>

#include <stdexcept>
#include <string>
#include <vector>

#include "harness/overlay_request.h"
#include "harness/stats.h"
#include "harness/transcript.h"
#include "harness/vptr_words.h"

namespace vto::harness {
namespace {

struct Failed : std::runtime_error {
  using std::runtime_error::runtime_error;
};
// The scenarios' Fail() aborts; the test's throws, so a test can catch the message.
void Throw(const void*, const std::string& message) { throw Failed(message); }

Spelling Teardown() { return Spelling{"teardown of a live overlay", "vto::TeardownOverlay(H[3])", {}, {}}; }

TEST(Expectation, EvaluatesItsForm) {
  EXPECT_TRUE(Expectation::Equal(Value::Int(3)).Accepts(Value::Int(3)));
  EXPECT_FALSE(Expectation::Equal(Value::Int(3)).Accepts(Value::Int(4)));
  EXPECT_TRUE(Expectation::NotEqual(Value::Int(3)).Accepts(Value::Int(4)));
  EXPECT_FALSE(Expectation::NotEqual(Value::Int(3)).Accepts(Value::Int(3)));
  const Expectation race = Expectation::OneOf({Value::Result(TeardownResult::kObjectDestroyed),
                                               Value::Result(TeardownResult::kCancelled)});
  EXPECT_TRUE(race.Accepts(Value::Result(TeardownResult::kCancelled)));
  EXPECT_FALSE(race.Accepts(Value::Result(TeardownResult::kRestored)));
  EXPECT_TRUE(Expectation::Holds().Accepts(Value::Bool(true)));
  EXPECT_FALSE(Expectation::Holds().Accepts(Value::Bool(false)));
}

TEST(Expectation, RendersTheReproducersCheck) {
  EXPECT_EQ(Expectation::Equal(Value::Result(TeardownResult::kRestored)).Render(Teardown()),
            "VTO_EXPECT(vto::TeardownOverlay(H[3]) == vto::TeardownResult::kRestored, "
            "\"teardown of a live overlay\");");
  EXPECT_EQ(Expectation::NotEqual(Value::Pointer(nullptr)).Render({"w", "K[0].seen_vptr", {"W[2]"}, {}}),
            "VTO_EXPECT(K[0].seen_vptr != W[2], \"w\");");
  EXPECT_EQ(Expectation::OneOf({Value::Result(TeardownResult::kAbandoned), Value::Result(TeardownResult::kDetached)})
                .Render({"abandon", "R[4]", {}, {}}),
            "vto_repro::ExpectResult(R[4], {vto::TeardownResult::kAbandoned, vto::TeardownResult::kDetached}, "
            "\"abandon\");");
  EXPECT_EQ(Expectation::Holds().Render({"it \"holds\"", "a && b", {}, {}}), "VTO_EXPECT(a && b, \"it \\\"holds\\\"\");");
  EXPECT_EQ(Expectation::Equal(Value::Int(7)).Render({"n", "x", {}, {}}), "VTO_EXPECT(x == 7, \"n\");");
}

TEST(Expectation, ExplainsAMissWithTheSameWords) {
  const Expectation e = Expectation::Equal(Value::Result(TeardownResult::kRestored));
  Spelling s = Teardown();
  s.detail = " (object #2)";
  EXPECT_EQ(e.Explain(s, Value::Result(TeardownResult::kDetached)),
            "teardown of a live overlay: got kDetached, expected kRestored (object #2)");
  EXPECT_EQ(e.Explain(s, Value::Result(42)), "teardown of a live overlay: got 42 (not a TeardownResult), expected kRestored (object #2)");
  EXPECT_EQ(Expectation::Holds().Explain({"hook fired", "", {}, ": twice"}, Value::Bool(false)), "hook fired: twice");
}

TEST(Oracle, RecordsBeforeItVerifiesAndSpellsOnlyWhenNeeded) {
  Transcript tx;
  const Oracle with(&tx, 0, &Throw, nullptr);
  int spelled = 0;
  auto spell = [&] {
    ++spelled;
    return Teardown();
  };
  const Expectation e = Expectation::Equal(Value::Result(TeardownResult::kRestored));
  with.Check(e, Value::Result(TeardownResult::kRestored), spell);
  EXPECT_EQ(spelled, 1);  // recorded; the check passed, so no message was made
  EXPECT_NE(tx.Render().find("VTO_EXPECT(vto::TeardownOverlay(H[3]) == vto::TeardownResult::kRestored"),
            std::string::npos);
  const Oracle without(nullptr, 0, &Throw, nullptr);
  without.Check(e, Value::Result(TeardownResult::kRestored), spell);
  EXPECT_EQ(spelled, 1);  // no transcript, nothing failed: no text at all
  try {
    without.Verify(e, Value::Result(TeardownResult::kCancelled), spell);
    ADD_FAILURE() << "a miss did not fail";
  } catch (const Failed& f) {
    EXPECT_STREQ(f.what(), "teardown of a live overlay: got kCancelled, expected kRestored");
  }
  with.RecordIf("K[0].calls == 1", e, spell);
  EXPECT_NE(tx.Render().find("if (K[0].calls == 1) VTO_EXPECT("), std::string::npos);
}

TEST(CallExpectation, ReplacementOrDevirtualizedOriginal) {
  int a = 0, b = 0;
  const CallExpectation::Answer repl{1000017, &a, false, true}, orig{12, &b, false, false};
  const CallExpectation one(repl), two(repl, orig);
  CallObservation reached{1000017, false, 1000017, &a};
  EXPECT_TRUE(one.Accepts(reached));
  CallObservation original{12, false, 12, &b};
  EXPECT_FALSE(one.Accepts(original));
  EXPECT_TRUE(two.Accepts(original));
  CallObservation wrong_this{1000017, false, 1000017, &b};
  EXPECT_FALSE(two.Accepts(wrong_this));
  CallObservation threw_there{0, true, 1000017, &a};
  EXPECT_FALSE(one.Accepts(threw_there));  // a returning answer does not throw
  const CallExpectation throwing(CallExpectation::Answer{3000001, &a, true, true});
  CallObservation threw{0, true, 3000001, &a};
  EXPECT_TRUE(throwing.Accepts(threw));
  EXPECT_FALSE(throwing.Accepts(CallObservation{3000001, false, 3000001, &a}));  // returned instead
  EXPECT_FALSE(throwing.Accepts(CallObservation{0, true, 3000001, &b}));         // on another `this`
  EXPECT_EQ(two.Render({"call", "C[1]", {"P", "Q"}, {}}),
            "vto_repro::ExpectCallSeen(C[1], {{1000017, P}, {12, Q}, }, \"call\");");
  EXPECT_EQ(throwing.Render({"call", "f(p)", {}, {}}), "VTO_EXPECT_THROWS(f(p), \"call\");");
  EXPECT_EQ(CallExpectation(CallExpectation::Answer{3000001, &a, true, true}, orig).Render({"c", "s", {}, {}}), "");
  EXPECT_NE(one.Explain({"call", "", {}, {}}, original).find("expected replacement id 1000017"), std::string::npos);
}

TEST(OverlayRequest, CookiesAreDistinctAndNeverNull) {
  std::vector<void*> seen;
  for (size_t o = 0; o < 24; ++o) {
    for (size_t k = 0; k < 8; ++k) {
      for (size_t i = 0; i < 4; ++i) seen.push_back(Cookie(o, k, i));
    }
  }
  std::vector<void*> sorted = seen;
  std::sort(sorted.begin(), sorted.end());
  EXPECT_EQ(std::adjacent_find(sorted.begin(), sorted.end()), sorted.end());
  EXPECT_NE(sorted.front(), nullptr);
  EXPECT_EQ(CookieCxx(0, 0, 0), "(void*)" + std::to_string(reinterpret_cast<uintptr_t>(Cookie(0, 0, 0))));
}

TEST(OverlayRequest, TheTopmostMatchingReplacementWins) {
  gen::Expected on_a, on_b, other;
  on_a.impl_id = on_b.impl_id = 5;
  on_a.this_path = on_b.this_path = {1};
  other.impl_id = 6;
  std::vector<OverlayRequest> stack(3);
  stack[0].methods.push_back({{}, 1, &on_a});
  stack[1].methods.push_back({{}, 2, &other});
  stack[2].methods.push_back({{}, 3, &on_b});
  gen::Expected e;
  e.impl_id = 5;
  e.this_path = {1};
  auto request = [](const OverlayRequest& r) -> const OverlayRequest& { return r; };
  std::optional<Winner> w = WinningReplacement(e, stack, 3, request, [](const OverlayRequest&) { return true; });
  ASSERT_TRUE(w);
  EXPECT_EQ(w->overlay, 2u);
  EXPECT_EQ(w->method->r, 3);
  // Below the top, or with the top torn down, the one under it answers.
  w = WinningReplacement(e, stack, 2, request, [](const OverlayRequest&) { return true; });
  ASSERT_TRUE(w);
  EXPECT_EQ(w->overlay, 0u);
  w = WinningReplacement(e, stack, 3, request, [&](const OverlayRequest& r) { return &r != &stack[2]; });
  ASSERT_TRUE(w);
  EXPECT_EQ(w->method->r, 1);
  e.this_path = {2};  // the same function on another subobject: no replacement
  EXPECT_FALSE(WinningReplacement(e, stack, 3, request, [](const OverlayRequest&) { return true; }));
}

TEST(VptrWords, CapturesEachOffsetOnceAndReadsItBack) {
  void* object[3] = {reinterpret_cast<void*>(0x10), reinterpret_cast<void*>(0x20), reinterpret_cast<void*>(0x30)};
  VptrWords w;
  w.Reset(4);
  for (std::ptrdiff_t off : {0, 16, 0, 8}) w.Add(object, off);
  ASSERT_EQ(w.words().size(), 3u);
  EXPECT_EQ(w.words()[1].offset, 16);
  EXPECT_EQ(w.words()[1].word, reinterpret_cast<void*>(0x30));
  object[2] = nullptr;
  EXPECT_EQ(VptrWords::Now(object, w.words()[1]), nullptr);
  EXPECT_EQ(VptrWords::NowCxx("V[1]", w.words()[2]), "*(void**)(void*)((char*)V[1] + 8)");
}

TEST(Stats, OneTextPerScenarioInDeclarationOrder) {
  LifecycleStats l;
  l.inputs = 2;
  l.released_in_hook = 7;
  const std::string text = StatsText(l);
  EXPECT_EQ(text.rfind(" inputs=2 objects=0", 0), 0u) << text;
  EXPECT_NE(text.find(" released_in_hook=7"), std::string::npos);
  RaceStats r;
  r.defined_races = 3;
  EXPECT_NE(StatsText(r).find(" defined_races=3 "), std::string::npos);
  EXPECT_EQ(StatsText(DispatchStats{}).find("defined_races"), std::string::npos);
  // The shares close the line; nothing run is 0.0, not a division by zero.
  DispatchStats d;
  EXPECT_NE(StatsText(d).find(" multi_vptr_inputs_pct=0.0 multi_vptr_installs_pct=0.0"), std::string::npos);
  d.inputs = 3;
  d.overlays = 8;
  d.on_multi_vptr = 3;
  {
    const MultiVptrInput<DispatchStats> input(d);
    ++d.on_multi_vptr;  // this input installed on a multi-vptr object
  }
  {
    const MultiVptrInput<DispatchStats> input(d);  // this one did not
  }
  EXPECT_EQ(d.inputs_multi_vptr, 1u);
  const std::string shares = StatsText(d);
  EXPECT_NE(shares.find(" multi_vptr_inputs_pct=33.3 multi_vptr_installs_pct=50.0"), std::string::npos) << shares;
}

}  // namespace
}  // namespace vto::harness
