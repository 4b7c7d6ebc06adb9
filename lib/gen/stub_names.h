// stub_names.h — the names of the extern "C" functions an emitted hierarchy exports.
//
// Defines one function per kind of stub (docs/GENERATOR.md lists what each does). Every name
// starts with the namespace the hierarchy was emitted into, so several hierarchies can share
// one translation unit or one JIT. Which stubs exist for a hierarchy is PlanStubs (stubs.h).
//
// Example (namespace "h7", class C3 with base C1, method m2 with signature 5):
//   NewStubName("h7", 3)          → "h7_new_C3"
//   UpStubName("h7", 3, 1)        → "h7_up_C3_C1"
//   CallStubName("h7", 1, 2, 5)   → "h7_call_C1_m2_5"
//   DynCastStubName("h7", 1, kVoidTarget) → "h7_dyncast_C1_void"
//
// Thread-safety: pure functions.
#ifndef VTO_GEN_STUB_NAMES_H
#define VTO_GEN_STUB_NAMES_H

#include <string>
#include <string_view>

namespace vto::gen {

// The `target` of DynCastStubName meaning dynamic_cast<void*>.
inline constexpr int kVoidTarget = -1;

// void* <ns>_new_C<cls>()  — `new C`, as a pointer to the complete object.
[[nodiscard]] std::string NewStubName(std::string_view ns, int cls);
// void <ns>_delete_C<cls>(void* c)  — deletes a complete object through C*.
[[nodiscard]] std::string DeleteStubName(std::string_view ns, int cls);
// void* <ns>_up_C<cls>_C<base>(void* c)  — static_cast<Base*>(static_cast<C*>(c)).
[[nodiscard]] std::string UpStubName(std::string_view ns, int cls, int base);
// long <ns>_call_C<s>_m<name>_<sig>(void* s)  — the virtual call through S*, decoded.
[[nodiscard]] std::string CallStubName(std::string_view ns, int static_cls, int name, int sig);
// void <ns>_delete_via_C<s>(void* s)  — delete through S* (S has a virtual destructor).
[[nodiscard]] std::string DeleteViaStubName(std::string_view ns, int static_cls);
// const char* <ns>_typeid_C<s>(void* s)  — typeid(*S*).name().
[[nodiscard]] std::string TypeidStubName(std::string_view ns, int static_cls);
// void* <ns>_dyncast_C<s>_C<t>(void* s), or ..._void for target kVoidTarget.
[[nodiscard]] std::string DynCastStubName(std::string_view ns, int static_cls, int target);
// <ret> <ns>_repl_<sig>_<r>(void* self, <args>)  — replacement r for signature sig.
[[nodiscard]] std::string ReplacementStubName(std::string_view ns, int sig, int r);

// const StubEntry* <ns>_stub_table(void)  — every stub above that the hierarchy defines, as
// {name, address} entries ending with {nullptr, nullptr}: one symbol lookup finds them all.
[[nodiscard]] std::string StubTableName(std::string_view ns);

// Layout of one stub table entry (the emitted code defines the same struct as <ns>::StubEntry).
struct StubEntry {
  const char* name;
  void* address;
};

}  // namespace vto::gen

#endif  // VTO_GEN_STUB_NAMES_H
