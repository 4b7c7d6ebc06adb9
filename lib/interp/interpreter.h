// interpreter.h — compile C++ at run time with clang 22's incremental interpreter and ask
// it for the vtable layout of the classes it compiled.
//
// Defines:
//   vto::interp::InterpreterOptions  compiler arguments for the JIT'd code.
//   vto::interp::Interpreter         compiles translation units into this process, looks up
//                                    their symbols, and derives ClassLayouts of their classes.
//
// Example:
//
//   std::string error;
//   auto interp = vto::interp::Interpreter::Create({}, &error);
//   if (!interp) { /* error says why */ }
//   std::string diags;
//   if (!interp->Compile(R"(
//         struct Animal { virtual ~Animal() {} virtual int legs() const { return 4; } };
//         extern "C" Animal* make() { return new Animal; })", &diags)) { /* diags */ }
//   auto* make = interp->LookupFunction<void*()>("make");
//   const vto::interp::ClassLayout* animal = interp->FindClass("Animal", &error);
//   int legs_slot = animal->FindSlot("legs");          // 2
//
// Compiler arguments. By default the JIT'd code is compiled with
//   -std=c++17 -O<opt_level> -resource-dir <clang 22's resource dir>
//   -fno-assume-unique-vtables        (see below)
//   <the host's sanitizer arguments>  (VTO_JIT_SANITIZE_ARGS of sanitizers/Sanitizers.cmake:
//                                      JIT'd code is instrumented like the host)
//   <extra_args>                      (last, so they override the defaults)
// The C++ standard library is the system's (libstdc++), found by clang's driver as for any
// compilation: <memory>, <vector>, <optional>, <thread>, <stdexcept>... work. A JIT sysroot
// replaces the system's headers: $VTO_JIT_SYSROOT, else a directory "vto-jit-sysroot" next
// to the executable (.clusterfuzzlite/build.sh puts one into $OUT), adds
// --sysroot=<it> and prefixes the resource dir with it.
//
// -fno-assume-unique-vtables: clang >= 17 compiles dynamic_cast<F*> for a `final` class F
// into `vptr == &vtable for F` at -O1 and above, which fails for an object whose vptr was
// redirected to a cloned vtable. The JIT therefore compiles without that assumption, and
// ClassShape::vptr_identity_assumed is false for its final classes. Set
// assume_unique_vtables to compile with clang's default instead (the shapes then report
// vptr_identity_assumed = true for final classes of units compiled at -O1 or above).
// compiler_args() shows the final list.
//
// Per-unit modes. Compile(code, mode, ...) compiles one unit with another -O level,
// -f[no-]assume-unique-vtables or -f[no-]strict-vtable-pointers than the arguments say
// (UnitMode); the next unit is compiled with the arguments again. A final class's shape
// reports vptr_identity_assumed from the mode of the unit that defines it. The machine
// code of every unit is generated at the level the arguments' -O chose (the JIT's target
// machine is made once); the mode decides the IR: what clang emits and how LLVM optimizes
// it, which is where vtables are read, compared and assumed.
//
// Lifetime. Everything an Interpreter returns — symbol addresses, functions, objects made
// by JIT'd code, vtables, ClassLayout pointers, and ClangShapeResolvers bound to it — dies
// with it: destroying the Interpreter unmaps the JIT'd code and data (after running the
// JIT'd code's static destructors).
//
// Memory and recycling. Each compiled translation unit stays in memory (its AST, about
// 120 KB, and its code) for the life of the Interpreter. A long-running caller bounds
// memory by counting translation_units() and, past its limit, dropping the Interpreter
// (and everything it returned) and creating a fresh one (a few milliseconds).
//
// Known clang 22 limitation (llvm/llvm-project#141039): when a class's key function (its
// first non-inline virtual function) is defined in one translation unit and a later one
// uses the class's vtable, clang emits the vtable and its type_info again, and the JIT
// rejects the duplicate definitions. Compile works around it by making such re-emitted
// _ZTV/_ZTS/_ZTI/_ZTT/_ZTC definitions (and ASan's ODR indicators of
// globals that several units emit) local to the later unit: its objects then point at their
// own (identical) copy of the vtable. type_info comparisons in libstdc++ compare names, so
// dynamic_cast, typeid and catch work across the copies. Classes whose virtual functions
// are all defined inline (or whose key function is defined in the unit that uses them) get
// one vtable, as usual.
//
// Thread-safety: call Create and Compile from one thread at a time. FindClass,
// FindClassByRttiName (the entry point of ClangShapeResolver) and LookupSymbol may be called
// from any thread at any time, also while another thread is in Compile and from JIT'd code
// running inside Compile (static initializers): the Interpreter serializes its AST work
// internally. A FindClass of a name it has answered before takes only a lock of its own, so
// it does not wait while another thread's Compile parses (the harness's compile thread,
// harness/hierarchy_cache.h); a first FindClass, or one by RTTI name, may.
#ifndef VTO_INTERP_INTERPRETER_H
#define VTO_INTERP_INTERPRETER_H

#include <cstddef>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "interp/vtable_layout.h"

namespace vto::interp {

struct InterpreterOptions {
  // Appended after the default arguments (e.g. {"-DNDEBUG", "-std=c++20", "-Wall"}).
  std::vector<std::string> extra_args;
  // Pass the host's sanitizer arguments (empty in a build without sanitizers).
  bool sanitize_like_host = true;
  // -O<opt_level>, 0..3.
  int opt_level = 1;
  // Do not pass -fno-assume-unique-vtables (clang's default then applies: final classes'
  // dynamic_casts compare vptrs, and their shapes report vptr_identity_assumed).
  bool assume_unique_vtables = false;
};

// How one translation unit is compiled where it differs from the interpreter's arguments.
// An unset field keeps what the arguments say.
struct UnitMode {
  std::optional<int> opt_level;               // -O<n>, 0..3
  std::optional<bool> assume_unique_vtables;  // -f[no-]assume-unique-vtables
  std::optional<bool> strict_vtable_pointers; // -f[no-]strict-vtable-pointers
};

class Interpreter {
 public:
  // A new interpreter, or nullptr with a message in *error (e.g. a bad compiler argument).
  static std::unique_ptr<Interpreter> Create(const InterpreterOptions& options = {},
                                             std::string* error = nullptr);
  ~Interpreter();
  Interpreter(const Interpreter&) = delete;
  Interpreter& operator=(const Interpreter&) = delete;

  // Parses `code` as the next translation unit (it sees the declarations of the earlier
  // ones), compiles it, links it into this process and runs its static initializers.
  // Returns false on any error — a compile error, or a reference to a symbol that neither
  // an earlier unit nor the process defines ("undefined symbol 'f()'") — and then nothing
  // of the unit stays: its names can be defined again. *diagnostics receives the unit's
  // diagnostics text — errors, warnings and notes, as clang prints them — also on success
  // (empty when there were none).
  // Should linking fail after that check all the same (clang's JIT then keeps the failed
  // unit's initializers queued, which breaks every later unit), the Interpreter refuses
  // all further units with an error saying so: recycle it.
  bool Compile(std::string_view code, std::string* diagnostics = nullptr);
  // The same, with this unit compiled in `mode` (see "Per-unit modes" above). A mode with an
  // opt_level outside 0..3 fails the unit with a diagnostic saying so.
  bool Compile(std::string_view code, const UnitMode& mode, std::string* diagnostics = nullptr);
  // Diagnostics of the last Compile: all of them, only the warnings (with their notes),
  // and their counts.
  const std::string& last_diagnostics() const;
  const std::string& last_warnings() const;
  unsigned last_error_count() const;
  unsigned last_warning_count() const;

  // Address of a JIT'd symbol by its linker name — an extern "C" name ("make") or a
  // mangled C++ name ("_ZN2ns6Animal4legsEv", "_ZTV6Animal"). nullptr with a message in
  // *error when no compiled unit defines it (or it cannot be linked).
  void* LookupSymbol(std::string_view name, std::string* error = nullptr);
  // LookupSymbol cast to a function pointer: LookupFunction<int(int)>("square").
  template <typename Fn>
  Fn* LookupFunction(std::string_view name, std::string* error = nullptr) {
    return reinterpret_cast<Fn*>(LookupSymbol(name, error));
  }

  // The layout of the complete class `qualified_name` ("Animal", "ns::Animal",
  // "ns::Box<int>" for an already-instantiated specialization) defined at namespace or
  // class scope in any compiled unit, also by a name a using-declaration, typedef or alias
  // there gives it ("ns::IntBox"; shape.name is the class's own name); nullptr with a
  // message in *error otherwise. Works
  // for non-polymorphic classes too (shape.polymorphic == false). Cached: the pointer is
  // stable for the Interpreter's life.
  const ClassLayout* FindClass(std::string_view qualified_name, std::string* error = nullptr);
  // The same, by the class's std::type_info::name() ("N2ns6AnimalE"); only for classes with
  // a vptr. Thread-safe (see above).
  const ClassLayout* FindClassByRttiName(std::string_view rtti_name,
                                         std::string* error = nullptr);

  // Number of translation units compiled successfully so far.
  size_t translation_units() const;
  // The compiler arguments in effect (defaults, sanitizer arguments, extra_args).
  const std::vector<std::string>& compiler_args() const;
  // Whether JIT'd code assumes unique vtables (see -fno-assume-unique-vtables above).
  bool assumes_unique_vtables() const;

 private:
  struct Impl;
  explicit Interpreter(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

// The host's sanitizer arguments for JIT'd code (VTO_JIT_SANITIZE_ARGS at build time);
// empty in a build without sanitizers.
std::vector<std::string> HostSanitizerArgs();

}  // namespace vto::interp

#endif  // VTO_INTERP_INTERPRETER_H
