// reflect_overlay.h — overlay an object given a class name and method names, as a binding
// does: the interpreter layer reflects the class (vtable slots by method name, shapes of
// dynamic types by RTTI name) and the overlay library installs.
//
// Defines:
//   vto::reflect::Reflector  binds an Interpreter; Overlay(request) installs.
//
// Example:
//   vto::reflect::Reflector reflector(*interp);
//   vto::reflect::NamedRequest req;
//   req.instance = obj;                         // any object whose class derives from Animal
//   req.class_name = "zoo::Animal";
//   req.methods = {{"legs", reinterpret_cast<void*>(&MyLegs)},
//                  {"speak(int)", reinterpret_cast<void*>(&MySpeak)}};   // an overload
//   req.extra_slots = 1;
//   vto::InstallResult r = reflector.Overlay(req);
//
// Method names: "name" when the class has one virtual of that name, or "name(T1, T2)" to
// pick one overload by its parameter types (as clang spells them). A name that is not a
// virtual function of the class's primary vtable is refused with kMethodNotInVTable; an
// unknown class with kNullShape. Every other refusal is the overlay library's.
//
// Thread-safety: Overlay may be called from several threads, also while another thread
// compiles in the Interpreter (interpreter.h: a class's first FindClass may wait for that
// compile, later ones do not). The Reflector must not outlive the Interpreter.
#ifndef VTO_REFLECT_REFLECT_OVERLAY_H
#define VTO_REFLECT_REFLECT_OVERLAY_H

#include <string>
#include <vector>

#include "interp/clang_shape_resolver.h"
#include "interp/interpreter.h"
#include "overlay/overlay.h"

namespace vto::reflect {

struct NamedReplacement {
  std::string method;
  void* function = nullptr;
};

struct NamedRequest {
  void* instance = nullptr;
  std::string class_name;
  std::vector<NamedReplacement> methods;
  size_t extra_slots = 0;
  DestroyCallback on_destroy = nullptr;
  void* user_data = nullptr;
};

class Reflector {
 public:
  explicit Reflector(interp::Interpreter& interpreter) : interpreter_(interpreter), resolver_(interpreter) {}
  Reflector(const Reflector&) = delete;
  Reflector& operator=(const Reflector&) = delete;

  [[nodiscard]] InstallResult Overlay(const NamedRequest& request);
  // Resolves names to a slot-based request without installing (for inspection/tests).
  // Returns kOk, kNullShape or kMethodNotInVTable.
  [[nodiscard]] Status Resolve(const NamedRequest& request, InstallRequest* out, std::string* message);
  [[nodiscard]] const ShapeResolver& resolver() const { return resolver_; }

 private:
  interp::Interpreter& interpreter_;
  interp::ClangShapeResolver resolver_;
  std::mutex mu_;  // serializes FindClass
};

}  // namespace vto::reflect

#endif  // VTO_REFLECT_REFLECT_OVERLAY_H
