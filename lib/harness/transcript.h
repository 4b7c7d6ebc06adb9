// transcript.h — a scenario run written down as straight-line C++ (ci/repro's reproducer).
//
// A Transcript is a tree of statements: the program's main body, and nested bodies of two
// kinds:
//   - queued bodies, which the lifecycle kit runs inside a scope, a temporary's full-
//     expression or a constructor (rendered as lambdas queued with `vto_repro::Next(...)`
//     right before the statement that runs them) — Open();
//   - thread bodies (fuzz_race): rendered as `std::thread NAME([&] { ... });`, started where
//     they stand in main; the runner joins them with plain statements ("NAME.join();") —
//     OpenThread().
// Runners append statements as they act and each check BEFORE they evaluate it, so a run
// that fails — by an oracle or by a sanitizer report — has its failing step as the last
// statement. Render() gives the C++ text of main's body.
//
// Statements may name: V[i] (void*), H[i] (overlay ids), K[i] (hook records), W[i] (vptr
// words at birth), variables the runner declared at file scope (Declare()), and
// placeholders "@SHAPE(ns::C)@" / "@SLOT(ns::C|m2(int))@" that ci/repro resolves with
// clang's layouts.
//
// Thread-safety: thread-compatible. A runner whose workers act concurrently transcribes
// from its plan on one thread (fuzz_race writes every thread body before the threads start).
#ifndef VTO_HARNESS_TRANSCRIPT_H
#define VTO_HARNESS_TRANSCRIPT_H

#include <cstddef>
#include <memory>
#include <string>
#include <vector>

namespace vto::harness {

class Transcript {
 public:
  Transcript();
  ~Transcript();
  // Appends a statement to the current body.
  void Add(std::string statement);
  // Appends a nested body (rendered as a queued lambda) and makes it current until Close().
  // `runs_it`, if given, is the statement that runs the body: rendered after the lambda while
  // the body is still open, so a reproducer written when a check inside it failed still
  // enters it (the caller writes its own statement after Close(), which drops this one).
  void Open(std::string comment, std::string runs_it = {});
  // Appends a body run by a new thread: `std::thread <name>([&] {  // <comment>` ... `});`,
  // current until Close(). `name` must be a fresh C++ identifier.
  void OpenThread(std::string name, std::string comment);
  void Close();
  // Declares a variable at file scope (rendered before main, in the order declared), e.g.
  // "static int R[4];".
  void Declare(std::string declaration);
  [[nodiscard]] const std::vector<std::string>& declarations() const { return declarations_; }
  // Numbers for new variables.
  int NewVar() { return vars_++; }
  int NewHandle() { return handles_++; }
  int NewHook() { return hooks_++; }
  int NewWord() { return words_++; }
  int words() const { return words_; }
  int vars() const { return vars_; }
  int handles() const { return handles_; }
  int hooks() const { return hooks_; }
  // The statements so far, as C++ (open bodies are closed).
  [[nodiscard]] std::string Render() const;

 private:
  struct Node;
  std::unique_ptr<Node> root_;
  std::vector<Node*> open_;
  std::vector<std::string> declarations_;
  int vars_ = 0, handles_ = 0, hooks_ = 0, words_ = 0;
};

// The address `offset` bytes from the object `base_cxx` (a void* expression, e.g. "V[3]"), as
// a void* expression: `base_cxx` itself at offset 0, else "(void*)((char*)V[3] + 16)". Every
// runner spells subobject pointers (instance pointers, `this` values, vptr addresses) with it.
[[nodiscard]] std::string PointerCxx(const std::string& base_cxx, std::ptrdiff_t offset);

// `s` as a C++ string literal (quotes, backslashes and newlines escaped), for messages in
// transcribed statements.
[[nodiscard]] std::string CppLiteral(const std::string& s);

}  // namespace vto::harness

#endif  // VTO_HARNESS_TRANSCRIPT_H
