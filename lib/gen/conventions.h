// conventions.h — the value conventions shared by emitted code and the host that runs it.
//
// Defines the constants of the emitted interface (docs/GENERATOR.md): the canonical argument
// values every emitted call passes and every emitted body checks, how a return value encodes
// the implementation id of the function that produced it, and the ids of the replacement
// functions (ReplacementId), which never collide with a generated method's id.
//
// The emitter spells its literals from these constants, so they are the one definition.
//
// Thread-safety: constants.
#ifndef VTO_GEN_CONVENTIONS_H
#define VTO_GEN_CONVENTIONS_H

#include <cstdint>

namespace vto::gen {

// Canonical arguments. A body records +impl_id if all its arguments equal these, else -impl_id.
inline constexpr int kArgInt = 11;
inline constexpr long kArgLong = 22;
inline constexpr double kArgDouble = 3.5;
inline constexpr std::uintptr_t kArgPtr = 0x40;  // passed as reinterpret_cast<void*>(kArgPtr)
// A class argument (Hierarchy::class_arg_sigs) is Small{kArgInt, ~kArgInt}.

// The arguments every call of a variadic virtual (Hierarchy::variadic_sigs) passes after its
// canonical ones, in this order: a double (in a vector register) and an int.
inline constexpr double kVarArgDouble = 4.25;
inline constexpr int kVarArgInt = 33;

// Return encodings of an implementation id `id`:
//   int → id;  long → id * kLongFactor;  double → id + kDoubleOffset;
//   void* → (void*)(id * kPtrFactor);  Small → {id, ~id};  void → nothing.
inline constexpr long kLongFactor = 1000003;
inline constexpr double kDoubleOffset = 0.25;
inline constexpr std::uintptr_t kPtrFactor = 16;

// What a call stub returns when the value it got is no valid encoding.
inline constexpr long kBadReturn = 0;

// What a destructor of a hierarchy with throwing destructors (Hierarchy::throwing_dtors)
// throws when the host armed it (trace.h, vto_dtor_should_throw): `throw int(kDtorThrowValue)`.
inline constexpr int kDtorThrowValue = 0x7d7d7d;

// Replacement functions: per signature k, kReplacementsPerSignature of them (r = 0..3).
inline constexpr int kReplacementsPerSignature = 4;
// Generated implementation ids are 1 .. kReplacementIdBase - 1.
inline constexpr int kReplacementIdBase = 1'000'000;
// The id replacement r of signature k records and returns. REQUIRES: 0 <= r < 16.
[[nodiscard]] constexpr int ReplacementId(int sig, int r) {
  return kReplacementIdBase + sig * 16 + r;
}

// Around an extern "C" function that returns Small in memory (Hierarchy::small_in_memory: a
// user-provided destructor makes it no C type). Such functions are only ever called as C++
// virtual functions through a vtable, so their C linkage is a naming device and clang's
// -Wreturn-type-c-linkage is silenced for them (emit.cc's replacement stubs, the kit's
// throwing replacements).
inline constexpr const char* kNonCReturnBegin =
    "#pragma clang diagnostic push\n#pragma clang diagnostic ignored \"-Wreturn-type-c-linkage\"\n";
inline constexpr const char* kNonCReturnEnd = "#pragma clang diagnostic pop\n";

}  // namespace vto::gen

#endif  // VTO_GEN_CONVENTIONS_H
