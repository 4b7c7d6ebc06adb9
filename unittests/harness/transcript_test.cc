// transcript_test.cc — Transcript (harness/transcript.h): statements, queued bodies and
// thread bodies render as the reproducer's C++; declarations keep their order; CppLiteral
// escapes what a C++ string literal cannot hold; PointerCxx spells a subobject's address.
#include "harness/transcript.h"

#include <gtest/gtest.h>

#include <string>

namespace vto::harness {
namespace {

TEST(Transcript, RendersStatementsQueuedBodiesAndThreads) {
  Transcript tx;
  tx.Add("V[0] = make();");
  tx.Open("inside a scope");
  tx.Add("use(obj);");
  tx.Close();
  tx.OpenThread("thread_0", "worker 0: 1 operations");
  tx.Add("work();");
  tx.Open("nested in the thread");
  tx.Add("more();");
  tx.Close();
  tx.Close();
  tx.Add("thread_0.join();");
  EXPECT_EQ(tx.Render(),
            "  V[0] = make();\n"
            "  vto_repro::Next([&](void* obj) {  // inside a scope\n"
            "    (void)obj;\n"
            "    use(obj);\n"
            "  });\n"
            "  std::thread thread_0([&] {  // worker 0: 1 operations\n"
            "    work();\n"
            "    vto_repro::Next([&](void* obj) {  // nested in the thread\n"
            "      (void)obj;\n"
            "      more();\n"
            "    });\n"
            "  });\n"
            "  thread_0.join();\n");
}

TEST(Transcript, RenderClosesOpenBodiesAndEmptyBodiesStayBodies) {
  Transcript tx;
  tx.Open("empty");
  tx.Close();
  tx.OpenThread("t", "left open");
  tx.Add("a();");
  EXPECT_EQ(tx.Render(),
            "  vto_repro::Next([&](void* obj) {  // empty\n"
            "    (void)obj;\n"
            "  });\n"
            "  std::thread t([&] {  // left open\n"
            "    a();\n"
            "  });\n");
  tx.Close();
  tx.Close();  // more Close() than bodies: stays at main's body
  tx.Add("b();");
  EXPECT_NE(tx.Render().find("  });\n  b();\n"), std::string::npos);
}

TEST(Transcript, DeclarationsAndNumbers) {
  Transcript tx;
  tx.Declare("static int R[3];");
  tx.Declare("static void* X[1];");
  ASSERT_EQ(tx.declarations().size(), 2u);
  EXPECT_EQ(tx.declarations()[0], "static int R[3];");
  EXPECT_EQ(tx.declarations()[1], "static void* X[1];");
  EXPECT_EQ(tx.NewVar(), 0);
  EXPECT_EQ(tx.NewVar(), 1);
  EXPECT_EQ(tx.vars(), 2);
  EXPECT_EQ(tx.NewHandle(), 0);
  EXPECT_EQ(tx.NewHook(), 0);
  EXPECT_EQ(tx.NewWord(), 0);
  EXPECT_EQ(tx.handles() + tx.hooks() + tx.words(), 3);
}

TEST(Transcript, CppLiteralEscapes) {
  EXPECT_EQ(CppLiteral("plain"), "\"plain\"");
  EXPECT_EQ(CppLiteral("say \"hi\""), "\"say \\\"hi\\\"\"");
  EXPECT_EQ(CppLiteral("a\\b"), "\"a\\\\b\"");
  EXPECT_EQ(CppLiteral("two\nlines"), "\"two\\nlines\"");
}

TEST(Transcript, PointerCxxNamesTheObjectItselfAtOffsetZero) {
  EXPECT_EQ(PointerCxx("V[3]", 0), "V[3]");
  EXPECT_EQ(PointerCxx("V[3]", 16), "(void*)((char*)V[3] + 16)");
  EXPECT_EQ(PointerCxx("V[0]", -8), "(void*)((char*)V[0] - 8)");
}

}  // namespace
}  // namespace vto::harness
