// hierarchy_builder.h — builds small hierarchy models by hand for tests with known answers.
#ifndef VTO_UNITTESTS_GEN_HIERARCHY_BUILDER_H
#define VTO_UNITTESTS_GEN_HIERARCHY_BUILDER_H

#include <vector>

#include "gen/cxx_rules.h"
#include "gen/model.h"

namespace vto::gen::test {

class HierarchyBuilder {
 public:
  // A signature `int(<args>)`; returns its index.
  int Sig(std::vector<ValueKind> args = {}, ValueKind ret = ValueKind::kInt, bool is_const = false) {
    h_.signatures.push_back(Signature{ret, std::move(args), is_const});
    return static_cast<int>(h_.signatures.size()) - 1;
  }
  int Class(std::vector<Base> bases = {}) {
    h_.classes.emplace_back();
    h_.classes.back().bases = std::move(bases);
    return static_cast<int>(h_.classes.size()) - 1;
  }
  // Introduces a name in `cls` with the given overloads.
  int Introduce(int cls, std::vector<int> sigs, bool pure = false) {
    const int name = static_cast<int>(h_.names.size());
    h_.names.push_back(NameInfo{cls, sigs});
    for (int s : sigs) Add(cls, name, s, pure);
    return name;
  }
  // Overrides every overload of `name` in `cls`.
  void Override(int cls, int name, bool pure = false, bool is_final = false) {
    for (int s : h_.names[name].sigs) Add(cls, name, s, pure, is_final);
  }
  ClassModel& At(int cls) { return h_.classes[cls]; }
  // Ids in declaration order from 1, then the derived facts.
  Hierarchy Build() {
    int id = 1;
    for (ClassModel& c : h_.classes)
      for (Method& m : c.methods) m.impl_id = id++;
    ComputeFacts(h_);
    return h_;
  }

 private:
  void Add(int cls, int name, int sig, bool pure, bool is_final = false) {
    Method m{name, sig};
    m.pure = pure;
    m.is_final = is_final;
    h_.classes[cls].methods.push_back(m);
  }
  Hierarchy h_;
};

inline Base NV(int cls) { return Base{cls, false}; }
inline Base V(int cls) { return Base{cls, true}; }

}  // namespace vto::gen::test

#endif  // VTO_UNITTESTS_GEN_HIERARCHY_BUILDER_H
