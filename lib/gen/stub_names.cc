// stub_names.cc — stub naming (see stub_names.h).
#include "gen/stub_names.h"

#include "gen/model.h"

namespace vto::gen {
namespace {

std::string Prefix(std::string_view ns, const char* kind) {
  std::string s(ns);
  s += '_';
  s += kind;
  s += '_';
  return s;
}

}  // namespace

std::string NewStubName(std::string_view ns, int cls) { return Prefix(ns, "new") + ClassName(cls); }

std::string DeleteStubName(std::string_view ns, int cls) {
  return Prefix(ns, "delete") + ClassName(cls);
}

std::string UpStubName(std::string_view ns, int cls, int base) {
  return Prefix(ns, "up") + ClassName(cls) + "_" + ClassName(base);
}

std::string CallStubName(std::string_view ns, int static_cls, int name, int sig) {
  return Prefix(ns, "call") + ClassName(static_cls) + "_" + MethodName(name) + "_" +
         std::to_string(sig);
}

std::string DeleteViaStubName(std::string_view ns, int static_cls) {
  return Prefix(ns, "delete_via") + ClassName(static_cls);
}

std::string TypeidStubName(std::string_view ns, int static_cls) {
  return Prefix(ns, "typeid") + ClassName(static_cls);
}

std::string DynCastStubName(std::string_view ns, int static_cls, int target) {
  return Prefix(ns, "dyncast") + ClassName(static_cls) + "_" +
         (target == kVoidTarget ? std::string("void") : ClassName(target));
}

std::string ReplacementStubName(std::string_view ns, int sig, int r) {
  return Prefix(ns, "repl") + std::to_string(sig) + "_" + std::to_string(r);
}

std::string StubTableName(std::string_view ns) { return std::string(ns) + "_stub_table"; }

}  // namespace vto::gen
