// interp_test_util.h — a fixture with a fresh Interpreter, and helpers to read the vtable
// of a JIT'd object.
#ifndef VTO_UNITTESTS_INTERP_TEST_UTIL_H
#define VTO_UNITTESTS_INTERP_TEST_UTIL_H

#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <string_view>
#include <typeinfo>

#include "interp/interpreter.h"

namespace vto::interp::test {

class InterpTest : public ::testing::Test {
 protected:
  void SetUp() override { interp_ = MakeInterpreter(); }

  static std::unique_ptr<Interpreter> MakeInterpreter(const InterpreterOptions& options = {}) {
    std::string error;
    std::unique_ptr<Interpreter> interp = Interpreter::Create(options, &error);
    EXPECT_NE(interp, nullptr) << error;
    return interp;
  }

  // Compiles `code`, expecting success and no diagnostics at all.
  static void CompileClean(Interpreter& interp, std::string_view code) {
    std::string diags;
    ASSERT_TRUE(interp.Compile(code, &diags)) << diags;
    ASSERT_EQ(diags, "") << "unexpected diagnostics";
  }
  void CompileClean(std::string_view code) { CompileClean(*interp_, code); }

  template <typename Fn>
  Fn* Function(std::string_view name) {
    std::string error;
    Fn* fn = interp_->LookupFunction<Fn>(name, &error);
    EXPECT_NE(fn, nullptr) << error;
    return fn;
  }

  const ClassLayout& Layout(std::string_view name) {
    std::string error;
    const ClassLayout* layout = interp_->FindClass(name, &error);
    EXPECT_NE(layout, nullptr) << error;
    static const ClassLayout kEmpty;
    return layout ? *layout : kEmpty;
  }

  std::unique_ptr<Interpreter> interp_;
};

// The entries of an object's primary vtable, read the Itanium way.
inline void** Vtable(void* object) { return *static_cast<void***>(object); }
inline void* VtableEntry(void* object, int slot) { return Vtable(object)[slot]; }
// std::type_info::name() of an object's dynamic type, from vtable[-1].
inline const char* DynamicRttiName(void* object) {
  auto* vtable = reinterpret_cast<const std::type_info* const*>(Vtable(object));
  return vtable[-1]->name();
}

}  // namespace vto::interp::test

#endif  // VTO_UNITTESTS_INTERP_TEST_UTIL_H
