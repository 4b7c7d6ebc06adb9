// expectation.h — one oracle, written once: what the model and the contract predict about
// one observation, evaluated by the harness and rendered as a line of the reproducer.
//
// An Expectation is a cheap value (no strings): a form (equal, not equal, one of, a call's
// target, a condition) and the values it allows. Its words — what it checks, the observed
// subject as the reproducer program spells it, and each allowed value in C++ — come from a
// Spelling that the caller makes lazily (a lambda), because almost every check passes on a
// fuzzing run without a reproducer and formatting text there would cost exec/s. An Oracle
// applies expectations: Record() writes the reproducer's statement (before the harness acts,
// so a crashing run ends on its step), Verify() evaluates the harness's observation and, on
// a miss, reports through the scenario's Fail with the same words the reproducer prints.
// Both come from the one Expectation, so the program cannot drift from the checks.
//
// Example:
//   const Expectation e = Expectation::Equal(Value::Result(TeardownResult::kRestored));
//   auto spell = [&] { return Spelling{"teardown of a live overlay", "vto::TeardownOverlay(H[3])", {}}; };
//   oracle.Record(e, spell);                                   // reproducer line
//   oracle.Verify(e, Value::Result(b.Teardown(handle)), spell);  // harness check; Fail()s on a miss
//
// Thread-safety: Expectation is a value; an Oracle is thread-compatible (the scenarios use
// it on the fuzzer's thread, or on the thread that runs a hook while the fuzzer's waits).
#ifndef VTO_HARNESS_EXPECTATION_H
#define VTO_HARNESS_EXPECTATION_H

#include <array>
#include <cstdint>
#include <cstdio>
#include <initializer_list>
#include <string>
#include <vector>

#include "harness/transcript.h"
#include "overlay/status.h"

namespace vto::harness {

// An observed or predicted value: bits and how to show them.
struct Value {
  enum class Kind : uint8_t { kInt, kPointer, kResult, kBool };
  uint64_t bits = 0;
  Kind kind = Kind::kInt;

  static Value Int(long long v) { return {static_cast<uint64_t>(v), Kind::kInt}; }
  static Value Pointer(const void* p) { return {reinterpret_cast<uint64_t>(p), Kind::kPointer}; }
  static Value Result(int r) { return {static_cast<uint64_t>(r), Kind::kResult}; }
  static Value Result(TeardownResult r) { return Result(static_cast<int>(r)); }
  static Value Bool(bool b) { return {b ? 1u : 0u, Kind::kBool}; }
  bool operator==(const Value& o) const { return bits == o.bits; }
};
// "3", "0x55d0...", "kRestored" (or "7 (not a TeardownResult)"), "true".
[[nodiscard]] std::string ValueText(Value v);
// The C++ spelling of a TeardownResult value: "vto::TeardownResult::kRestored".
[[nodiscard]] std::string ResultCxx(TeardownResult r);

// The words of an expectation.
struct Spelling {
  std::string what;               // what is checked; the failure message and the reproducer's message
  std::string subject;            // the observed value as a C++ expression of the reproducer
  std::vector<std::string> want;  // each allowed value in C++, in the Expectation's order (empty: derived)
  std::string detail;             // harness-only context appended to a failure (addresses, the stack)
};

class Expectation {
 public:
  enum class Form : uint8_t { kEqual, kNotEqual, kOneOf, kHolds, kUnchecked };
  static constexpr size_t kMaxValues = 4;

  [[nodiscard]] static Expectation Equal(Value want) { return Expectation(Form::kEqual, want); }
  [[nodiscard]] static Expectation NotEqual(Value v) { return Expectation(Form::kNotEqual, v); }
  // REQUIRES: 1 to kMaxValues values. Rendered with vto_repro::ExpectResult for results.
  [[nodiscard]] static Expectation OneOf(std::initializer_list<Value> allowed) { return Expectation(Form::kOneOf, allowed); }
  // A condition the harness evaluated itself; Spelling::subject is the reproducer's condition.
  [[nodiscard]] static Expectation Holds() { return Expectation(Form::kHolds, Value::Bool(true)); }
  // Any value: the observation is made (the reproducer evaluates Spelling::subject, so its
  // side effects happen there too) and not checked — an answer the backend does not promise
  // (promises.h). `Unless(promised, e)` is `e` when the promise is made.
  [[nodiscard]] static Expectation Unchecked() { return Expectation(Form::kUnchecked, Value::Bool(true)); }
  [[nodiscard]] static Expectation Unless(bool promised, Expectation e) { return promised ? e : Unchecked(); }

  // Inline: every check of every input calls it (an out-of-line constructor and Accepts cost
  // fuzz_dispatch ~7 % of its exec/s).
  [[nodiscard]] bool Accepts(Value got) const {
    switch (form_) {
      case Form::kEqual: return got == values_[0];
      case Form::kNotEqual: return !(got == values_[0]);
      case Form::kHolds: return got.bits != 0;
      case Form::kOneOf: return AcceptsOneOf(got);
      case Form::kUnchecked: return true;
    }
    return false;
  }
  // The reproducer's statement (ends with ';').
  [[nodiscard]] std::string Render(const Spelling& s) const;
  // The failure message: "<what>: got <got>, expected <allowed>" (+ detail).
  [[nodiscard]] std::string Explain(const Spelling& s, Value got) const;

 private:
  Expectation(Form form, Value v) : form_(form), n_(1) { values_[0] = v; }
  Expectation(Form form, std::initializer_list<Value> values);
  bool AcceptsOneOf(Value got) const;
  std::string WantCxx(const Spelling& s, size_t i) const;
  Form form_;
  uint8_t n_ = 0;
  std::array<Value, kMaxValues> values_{};
};

// A virtual call's expected answer: up to two alternatives (the winning replacement, and
// the final overrider where the compiler may devirtualize the call), each an implementation
// id on a `this`, reached by a return or (the lifecycle kit's throwing replacement) by a throw.
struct CallObservation {
  long returned = 0;
  bool threw = false;
  long traced_id = 0;             // the last traced implementation
  const void* traced_self = nullptr;
};
class CallExpectation {
 public:
  struct Answer {
    long id = 0;
    const void* self = nullptr;
    bool throws = false;
    bool replacement = false;  // an overlay's replacement (named so in failure messages)
  };
  CallExpectation() = default;
  CallExpectation(Answer first) : n_(1) { alt_[0] = first; }
  CallExpectation(Answer first, Answer second) : n_(2) { alt_[0] = first, alt_[1] = second; }

  [[nodiscard]] const Answer& first() const { return alt_[0]; }
  [[nodiscard]] size_t alternatives() const { return n_; }
  [[nodiscard]] bool Accepts(const CallObservation& got) const {
    for (size_t i = 0; i < n_; ++i) {
      const Answer& a = alt_[i];
      const bool reached = got.traced_id == a.id && got.traced_self == a.self;
      if (a.throws ? (got.threw && reached) : (!got.threw && got.returned == a.id && reached)) return true;
    }
    return false;
  }
  // Spelling::subject: an expression of type vto_repro::CallSeen (vto_repro::Observe(&stub,
  // p), or a recorded C[i]); for a throwing answer, the call expression itself.
  // Spelling::want: each answer's `this` in C++. Two answers, one throwing, cannot be
  // spelled: Render returns "" and Oracle::Record writes nothing.
  [[nodiscard]] std::string Render(const Spelling& s) const;
  [[nodiscard]] std::string Explain(const Spelling& s, const CallObservation& got) const;

 private:
  std::array<Answer, 2> alt_{};
  size_t n_ = 0;
};

// Applies expectations for one scenario run. Does not own the transcript (may be null) or
// the failure function's context; both must outlive it.
class Oracle {
 public:
  using FailFn = void (*)(const void* context, const std::string& message);
  // `fail` must not return (the scenarios' Fail() aborts). verbose >= 2 prints every check.
  Oracle(Transcript* tx, int verbose, FailFn fail, const void* fail_context)
      : tx_(tx), verbose_(verbose), fail_(fail), fail_context_(fail_context) {}

  // The reproducer's statement for `e` (nothing without a transcript). E is Expectation or
  // CallExpectation; SpellFn returns its Spelling (called only when the words are needed).
  template <typename E, typename SpellFn>
  void Record(const E& e, SpellFn&& spell) const {
    if (tx_ == nullptr) return;
    std::string line = e.Render(spell());
    if (!line.empty()) tx_->Add(std::move(line));
  }
  // The same, run only when `condition` (C++) holds in the reproducer's run.
  template <typename E, typename SpellFn>
  void RecordIf(const std::string& condition, const E& e, SpellFn&& spell) const {
    if (tx_ == nullptr) return;
    std::string line = e.Render(spell());
    if (!line.empty()) tx_->Add("if (" + condition + ") " + line);
  }
  // Evaluates `e` on what the harness observed; a miss reports through the failure function.
  template <typename E, typename Observed, typename SpellFn>
  void Verify(const E& e, const Observed& got, SpellFn&& spell) const {
    const bool ok = e.Accepts(got);
    if (verbose_ >= 2) Print(ok, spell().what);
    if (!ok) fail_(fail_context_, e.Explain(spell(), got));
  }
  template <typename E, typename Observed, typename SpellFn>
  void Check(const E& e, const Observed& got, SpellFn&& spell) const {
    Record(e, spell);
    Verify(e, got, spell);
  }

 private:
  static void Print(bool ok, const std::string& what);
  Transcript* tx_;
  int verbose_;
  FailFn fail_;
  const void* fail_context_;
};

}  // namespace vto::harness

#endif  // VTO_HARNESS_EXPECTATION_H
