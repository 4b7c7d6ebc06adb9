// transcript.h — a scenario run written down as straight-line C++ (ci/repro's reproducer).
//
// A Transcript is a tree of statements: the program's main body, and nested bodies that
// the lifecycle kit runs inside a scope, a temporary's full-expression or a constructor
// (rendered as lambdas queued with `vto_repro::Next(...)` right before the statement that
// runs them). Runners append statements as they act and each check BEFORE they evaluate
// it, so a run that fails — by an oracle or by a sanitizer report — has its failing step
// as the last statement. Render() gives the C++ text of main's body.
//
// Statements may name: V[i] (void*), H[i] (overlay ids), K[i] (hook records), W[i] (vptr
// words at birth), and
// placeholders "@SHAPE(ns::C)@" / "@SLOT(ns::C|m2(int))@" that ci/repro resolves with
// clang's layouts.
//
// Thread-safety: thread-compatible (a runner's worker thread appends only while the
// runner waits for it).
#ifndef VTO_HARNESS_TRANSCRIPT_H
#define VTO_HARNESS_TRANSCRIPT_H

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
  void Open(std::string comment);
  void Close();
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
  int vars_ = 0, handles_ = 0, hooks_ = 0, words_ = 0;
};

}  // namespace vto::harness

#endif  // VTO_HARNESS_TRANSCRIPT_H
