// reproducer.cc — the standalone C++ reproducer (reproducer.h).
#include "harness/reproducer.h"

#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <set>
#include <string>

#include "backend/builtin_backend.h"
#include "gen/compiler_mode.h"
#include "gen/emit.h"
#include "gen/lifecycle_kit.h"
#include "harness/failure.h"
#include "interp/interpreter.h"

// Present only when a sanitizer runtime is linked in.
extern "C" void __sanitizer_set_death_callback(void (*callback)(void)) __attribute__((weak));

namespace vto::harness {
namespace {

struct State {
  std::string path, label;
  Transcript tx;
  const CompiledHierarchy* ch = nullptr;
  std::string shapes;  // C++ statements adding every class's shape (computed once)
  std::string shape_error;
  std::unique_ptr<interp::Interpreter> interp;
  bool writing = false;
  // A plug-in backend (SetReproducerBackend): the program loads it and drives its C ABI.
  std::string plugin_path;
  std::vector<std::string> plugin_args;
};
State* g = nullptr;

// The vtable group and the subobjects (CONTRACT P23-P26 need them for every layout but one
// vptr): vto_repro::Group(shape, {{vptr_offset, prefix_words, num_slots, {kind, overrider,
// return_adjusted, returns_in_memory, ...}}, ...}, {{rtti, offset}, ...}).
std::string GroupInit(const ClassShape& s, std::string shape) {
  if (s.vtable_group.empty() && s.subobjects.empty()) return shape;
  std::string group, subs;
  for (const VTableShape& v : s.vtable_group) {
    std::string entries;
    for (const VTableEntry& e : v.entries) {
      entries += std::to_string(static_cast<int>(e.kind)) + "," +
                 (e.overrider == VTableEntry::kNoOverrider ? std::string("-1") : std::to_string(e.overrider)) + "," +
                 (e.return_adjusted ? "1" : "0") + "," + (e.returns_in_memory ? "1" : "0") + ", ";
    }
    group += "{" + std::to_string(v.vptr_offset) + ", " + std::to_string(v.prefix_words) + ", " +
             std::to_string(v.num_slots) + ", {" + entries + "}}, ";
  }
  for (const SubobjectShape& o : s.subobjects) subs += "{" + CppLiteral(o.rtti_name) + ", " + std::to_string(o.offset) + "}, ";
  return "vto_repro::Group(" + shape + ", {" + group + "}, {" + subs + "})";
}

std::string ShapeInit(const ClassShape& s) {
  std::string bases;
  for (const std::string& b : s.primary_bases) bases += CppLiteral(b) + ", ";
  return GroupInit(s, "vto_repro::Shape(" + CppLiteral(s.rtti_name) + ", " + CppLiteral(s.name) + ", " + (s.polymorphic ? "true" : "false") +
         ", " + std::to_string(s.num_slots) + ", " + std::to_string(s.complete_dtor_slot) + ", " +
         std::to_string(s.deleting_dtor_slot) + ", " + (s.has_secondary_vptrs ? "true" : "false") + ", " +
         (s.has_virtual_bases ? "true" : "false") + ", " + (s.vptr_identity_assumed ? "true" : "false") + ", {" +
         bases + "})");
}

// Replaces @SHAPE(ns::C)@ with the shape's name and @SLOT(ns::C|m)@ with the slot.
std::string Resolve(const std::string& body) {
  std::string out;
  size_t pos = 0;
  while (true) {
    size_t at = body.find('@', pos);
    if (at == std::string::npos) break;
    size_t end = body.find(")@", at);
    if (end == std::string::npos) break;
    out += body.substr(pos, at - pos);
    const std::string tok = body.substr(at + 1, end + 1 - at - 1);  // SHAPE(...) or SLOT(...)
    const size_t open = tok.find('(');
    const std::string kind = tok.substr(0, open);
    const std::string arg = tok.substr(open + 1, tok.size() - open - 2);
    if (kind == "SHAPE") {
      out += arg;
    } else if (!g->plugin_path.empty()) {  // a plug-in is given the method by name, as the harness gave it
      out += CppLiteral(arg.substr(arg.find('|') + 1));
    } else {
      const size_t bar = arg.find('|');
      const std::string cls = arg.substr(0, bar), method = arg.substr(bar + 1);
      std::string error;
      const interp::ClassLayout* layout = g->interp ? g->interp->FindClass(cls, &error) : nullptr;
      const int slot = layout != nullptr ? layout->FindSlot(method, &error) : -1;
      out += slot >= 0 ? std::to_string(slot) : "/* unresolved " + arg + ": " + error + " */ 0";
    }
    pos = end + 2;
  }
  return out + body.substr(pos);
}

void ComputeShapes() {
  const CompiledHierarchy& ch = *g->ch;
  std::string error;
  interp::InterpreterOptions io;
  io.sanitize_like_host = false;  // layouts only; no code of this interpreter runs
  io.opt_level = 0;
  g->interp = interp::Interpreter::Create(io, &error);
  if (!g->interp) {
    g->shape_error = "no interpreter: " + error;
    return;
  }
  // In the hierarchy's mode: a final class's vptr_identity_assumed (R13) follows it.
  std::string diags;
  if (!g->interp->Compile(ch.source, backend::ToUnitMode(UnitModeOf(ch.mode)), &diags)) {
    g->shape_error = "the hierarchy did not compile: " + diags.substr(0, 2000);
    return;
  }
  std::vector<std::string> names;
  for (size_t c = 0; c < ch.model.classes.size(); ++c) {
    if (!ch.model.classes[c].polymorphic) continue;
    names.push_back(ch.ns + "::" + gen::ClassName(static_cast<int>(c)));
    const gen::ClassModel& cm = ch.model.classes[c];
    const bool kit = ch.source.find(gen::LcXName(static_cast<int>(c))) != std::string::npos;
    if (kit && !cm.abstract && gen::HasLcX(ch.model, static_cast<int>(c))) names.push_back(ch.ns + "::" + gen::LcXName(static_cast<int>(c)));
  }
  for (const std::string& n : names) {
    const interp::ClassLayout* layout = g->interp->FindClass(n, &error);
    if (layout == nullptr) {
      g->shapes += "  // no layout for " + n + ": " + error + "\n";
      continue;
    }
    g->shapes += "  vto_repro::AddShape(" + CppLiteral(n) + ", " + ShapeInit(layout->shape) + ");\n";
  }
}

const char* const kProgramHead = R"(
// ---- reproducer support (not part of the scenario) ----
#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <deque>
#include <functional>
#include <initializer_list>
#include <map>
#include <mutex>
#include <new>
#include <string>
#include <thread>
#include <utility>
#include <vector>

namespace vto_repro {
[[noreturn]] inline void Failed(const char* what) {
  std::fprintf(stderr, "VTO REPRO FAILURE: %s\n", what);
  std::fflush(stderr);
  std::abort();
}
thread_local int last_id = 0;
thread_local const void* last_self = nullptr;
// Every traced call since ClearTrace() on this thread (the first 1024 of them).
thread_local std::vector<std::pair<int, const void*>> trace;
thread_local size_t traced = 0;
thread_local bool dtor_throw_armed = false;
// The calls of the classes' own operator new and operator delete since ClearTrace(): how
// many, and the last one's class, pointer, size and alignment arguments.
struct ClassAllocSeen {
  int calls = 0;
  int cls = -1;
  const void* p = nullptr;
  size_t size = 0;
  size_t align = 0;
};
thread_local ClassAllocSeen class_new, class_delete;
inline void ClearTrace() {
  trace.clear();
  traced = 0;
  dtor_throw_armed = false;
  class_new = class_delete = ClassAllocSeen{};
}
// The next destructor body of a hierarchy with throwing destructors to end throws.
inline void ArmDtorThrow() { dtor_throw_armed = true; }
// Runs f; whether it threw an int (a destructor's kDtorThrowValue).
template <class F>
bool Throws(F f) {
  try {
    f();
  } catch (int) {
    return true;
  }
  return false;
}
}  // namespace vto_repro
extern "C" void vto_trace_record(int impl_id, const void* self) {
  vto_repro::last_id = impl_id;
  vto_repro::last_self = self;
  if (vto_repro::trace.size() < 1024) vto_repro::trace.emplace_back(impl_id, self);
  ++vto_repro::traced;
}
extern "C" int vto_trace_last_id(void) { return vto_repro::last_id; }
extern "C" const void* vto_trace_last_self(void) { return vto_repro::last_self; }
extern "C" int vto_dtor_should_throw(const void*) {
  const bool armed = vto_repro::dtor_throw_armed;
  vto_repro::dtor_throw_armed = false;
  return armed ? 1 : 0;
}
// The classes' own allocation functions call these, as they call gen/trace.cc's in the
// harness (the program links nothing of this project, so it defines its own).
extern "C" void* vto_class_new(int cls, size_t size, size_t align) {
  void* p = align > 0 ? ::operator new(size, std::align_val_t{align}) : ::operator new(size);
  vto_repro::class_new = {vto_repro::class_new.calls + 1, cls, p, size, align};
  return p;
}
extern "C" void vto_class_delete(int cls, void* p, size_t size, size_t align) {
  vto_repro::class_delete = {vto_repro::class_delete.calls + 1, cls, p, size, align};
  if (p == nullptr) return;
  if (align > 0) {
    if (size > 0) ::operator delete(p, size, std::align_val_t{align});
    else ::operator delete(p, std::align_val_t{align});
  } else if (size > 0) {
    ::operator delete(p, size);
  } else {
    ::operator delete(p);
  }
}
)";

const char* const kBuiltinAccess = R"vto(
// ---- the library under test: this project's lib/overlay, called directly ----
#include "overlay/class_shape.h"
#include "overlay/overlay.h"
#include "overlay/overlay_c.h"

namespace vto_repro {
using Repl = vto::SlotReplacement;
inline vto::TeardownResult Teardown(uint64_t id) { return vto::TeardownOverlay(id); }
inline vto::TeardownResult Abandon(uint64_t id) { return vto::AbandonOverlay(id); }
inline size_t Live() { return vto::LiveBlocks(); }
inline size_t LiveHandles() { return vto_live_handles(); }
// A callback's second release of its own handle (the library promises kAlreadyTornDown).
inline bool SecondRelease() { return true; }
vto::ShapeTable& Shapes() {
  static vto::ShapeTable* t = new vto::ShapeTable;
  return *t;
}
std::map<std::string, const vto::ClassShape*>& ByName() {
  static auto* m = new std::map<std::string, const vto::ClassShape*>;
  return *m;
}
inline vto::ClassShape Shape(const char* rtti, const char* name, bool poly, uint32_t slots, int32_t d1, int32_t d0,
                             bool secondary, bool vbases, bool identity, std::vector<std::string> primary_bases) {
  vto::ClassShape s;
  s.rtti_name = rtti;
  s.name = name;
  s.polymorphic = poly;
  s.num_slots = slots;
  s.complete_dtor_slot = d1;
  s.deleting_dtor_slot = d0;
  s.has_secondary_vptrs = secondary;
  s.has_virtual_bases = vbases;
  s.vptr_identity_assumed = identity;
  s.primary_bases = std::move(primary_bases);
  return s;
}
struct GroupVtable {
  int64_t vptr_offset;
  uint32_t prefix_words, num_slots;
  std::vector<long> entries;  // kind, overrider (-1: none), return_adjusted, returns_in_memory per entry
};
inline vto::ClassShape Group(vto::ClassShape s, std::vector<GroupVtable> group,
                             std::vector<std::pair<const char*, int64_t>> subobjects) {
  for (const GroupVtable& g : group) {
    vto::VTableShape v;
    v.vptr_offset = g.vptr_offset;
    v.prefix_words = g.prefix_words;
    v.num_slots = g.num_slots;
    for (size_t i = 0; i + 3 < g.entries.size(); i += 4) {
      vto::VTableEntry e;
      e.kind = static_cast<vto::VTableEntry::Kind>(g.entries[i]);
      e.overrider = g.entries[i + 1] < 0 ? vto::VTableEntry::kNoOverrider : static_cast<uint32_t>(g.entries[i + 1]);
      e.return_adjusted = g.entries[i + 2] != 0;
      e.returns_in_memory = g.entries[i + 3] != 0;
      v.entries.push_back(e);
    }
    s.vtable_group.push_back(std::move(v));
  }
  for (const auto& o : subobjects) s.subobjects.push_back(vto::SubobjectShape{o.first, o.second});
  return s;
}
inline void AddShape(const char* name, vto::ClassShape s) { ByName()[name] = Shapes().Add(std::move(s)); }
// The request of both installers: `cls` resolved to its shape (null when unknown).
inline vto::InstallRequest Request(void* obj, const char* cls, std::initializer_list<vto::SlotReplacement> repl,
                                   size_t extra, vto::DestroyCallback on_destroy, void* user_data) {
  vto::InstallRequest req;
  auto it = ByName().find(cls);
  req.instance = obj;
  req.reflected = it != ByName().end() ? it->second : nullptr;
  req.replacements = repl;
  req.extra_slots = extra;
  req.on_destroy = on_destroy;
  req.user_data = user_data;
  return req;
}
// Installs; the overlay's id, or 0 with *message when refused.
inline uint64_t InstallNow(void* obj, const char* cls, std::initializer_list<Repl> repl, size_t extra,
                           vto::DestroyCallback on_destroy, void* user_data, std::string* message) {
  vto::InstallResult r = vto::Install(Request(obj, cls, repl, extra, on_destroy, user_data), Shapes());
  if (!r.ok()) {
    *message = r.message;
    return 0;
  }
  return r.overlay.release();
}
// The harness's backend resolves names under one mutex (reflect::Reflector) before
// vto::Install: the same lock here keeps the same happens-before edges between installs.
std::mutex resolve_mu;
inline uint64_t InstallFromWorker(void* obj, const char* cls, std::initializer_list<Repl> repl, size_t extra,
                                  vto::DestroyCallback on_destroy, void* user_data, std::string* message) {
  vto::InstallRequest req;
  {
    std::lock_guard<std::mutex> lock(resolve_mu);
    req = Request(obj, cls, repl, extra, on_destroy, user_data);
  }
  vto::InstallResult r = vto::Install(req, Shapes());
  if (!r.ok()) {
    *message = r.message;
    return 0;
  }
  return r.overlay.release();
}
// Extra slot i of overlay `id` on `obj`.
inline void*& ExtraCell(void* obj, uint64_t id, size_t i) { return vto::ExtraSlot(obj, vto::FirstExtraIndex(id) + i); }
// The refusal probes (harness/refusal_probes.h): the shape a binding reflected, by name (null
// when unknown); a shape without a vptr; a replacement a refused request never runs; and the
// Status of an install that must be refused (a faulty library's overlay is left installed).
inline const vto::ClassShape* ShapeNamed(const char* cls) {
  auto it = ByName().find(cls);
  return it != ByName().end() ? it->second : nullptr;
}
inline const vto::ClassShape* NoVptrShape(const char* cls) {
  auto* s = new vto::ClassShape;  // lives as long as the program
  s->name = cls;
  return s;
}
inline void NeverCalledFn() { Failed("a replacement of a refused install was called"); }
inline void NeverFires(void*, void*) { Failed("the destroy hook of a refused install fired"); }
void* const kNeverCalled = reinterpret_cast<void*>(&NeverCalledFn);
inline int Refusal(void* obj, const vto::ClassShape* shape, std::initializer_list<vto::SlotReplacement> repl,
                   size_t extra, bool hook) {
  vto::InstallRequest req;
  req.instance = obj;
  req.reflected = shape;
  req.replacements = repl;
  req.extra_slots = extra;
  req.on_destroy = hook ? &NeverFires : nullptr;
  vto::InstallResult r = vto::Install(req, Shapes());
  (void)r.overlay.release();
  return static_cast<int>(r.status);
}
// The same through overlay_c.h: vto_install over a shape table holding `cls`'s shape, with a
// null replacement for `slot` (known) or reflecting a name the table does not know.
inline int CRefusal(void* obj, const char* cls, uint32_t slot, bool known) {
  const vto::ClassShape* s = ShapeNamed(cls);
  if (s == nullptr) Failed("the reproducer has no shape of the probed class");
  vto_shape_table* table = vto_shape_table_new();
  std::vector<const char*> bases;
  for (const std::string& b : s->primary_bases) bases.push_back(b.c_str());
  const vto_class_shape_desc desc{s->rtti_name.c_str(), s->name.c_str(), 1, s->num_slots, s->complete_dtor_slot,
                                  s->deleting_dtor_slot, s->has_secondary_vptrs, s->has_virtual_bases,
                                  s->vptr_identity_assumed, bases.data(), bases.size()};
  if (vto_shape_table_add(table, &desc) != 0) Failed("vto_shape_table_add refused the probed class's shape");
  const vto_slot_replacement null_fn{slot, nullptr};
  const vto_install_args args{obj, known ? s->rtti_name.c_str() : "no such class", &null_fn, 1, 0, nullptr, nullptr};
  vto_overlay_t out = 0;
  const int got = vto_install(&args, vto_shape_table_resolver(table), &out, nullptr, 0);
  vto_shape_table_free(table);
  return got;
}
}  // namespace vto_repro
)vto";

const char* const kPluginAccess = R"vto(
// ---- the library under test: a plug-in backend, loaded and driven through its C ABI ----
#include <dlfcn.h>

#include "backend/backend_abi.h"
#include "overlay/status.h"

namespace vto_repro {
struct Repl {
  const char* method;  // "m3", or "m3(int, double)" for an overload, as the harness named it
  void* function;
};
const vto_backend_api* api = nullptr;
vto_backend* backend = nullptr;
// The plug-in cannot be used at all: not a reproduction (exit 2, as ci/repro's own errors).
[[noreturn]] inline void Unusable(const char* what, const char* why) {
  std::fprintf(stderr, "ERROR: vto_repro: %s: %s\n", what, why);
  std::exit(2);
}
// Loads the plug-in ($VTO_BACKEND, else the path the harness ran) and starts it with the
// compiler arguments the harness gave it.
inline void OpenBackend(const char* path, std::initializer_list<const char*> args) {
  if (const char* env = std::getenv("VTO_BACKEND"); env != nullptr && *env != '\0') path = env;
  void* dl = dlopen(path, RTLD_NOW | RTLD_LOCAL);
  if (dl == nullptr) Unusable("cannot load the plug-in", dlerror());
  auto entry = reinterpret_cast<vto_backend_entry_fn>(dlsym(dl, "vto_backend_entry"));
  if (entry == nullptr || (api = entry()) == nullptr) Unusable(path, "no vto_backend_entry, or it returned no table");
  std::vector<const char*> argv(args);
  char err[4096] = {0};
  backend = api->create(argv.data(), argv.size(), err, sizeof err);
  if (backend == nullptr) Unusable("the plug-in did not start", err);
}
// The hierarchy as the harness gave it: compiled by a backend that compiles, its
// declarations to one that only reflects (this program's own code makes the objects).
// A backend with compile_in_mode (ABI 4) compiles it in the harness's mode {opt_level,
// assume_unique_vtables, strict_vtable_pointers}.
inline void GiveHierarchy(const char* source, const char* declarations, vto_unit_mode mode) {
  static char diag[1 << 16];
  const bool reflects_only = api->abi_version >= 3 && api->compile == nullptr;
  const bool in_mode = api->abi_version >= 4 && api->compile_in_mode != nullptr;
  const int rc = reflects_only ? api->declare(backend, declarations, diag, sizeof diag)
                 : in_mode     ? api->compile_in_mode(backend, source, &mode, diag, sizeof diag)
                               : api->compile(backend, source, diag, sizeof diag);
  if (rc != 0) Unusable("the plug-in could not take the hierarchy", diag);
}
inline vto::TeardownResult Teardown(uint64_t h) { return static_cast<vto::TeardownResult>(api->teardown(backend, h)); }
inline vto::TeardownResult Abandon(uint64_t h) {
  if (api->abi_version < 2 || api->abandon == nullptr) Failed("Abandon on a backend without abandon");
  return static_cast<vto::TeardownResult>(api->abandon(backend, h));
}
inline size_t Live() { return api->live_overlays(backend); }
inline size_t LiveHandles() { return 0; }  // the harness counts handles on the built-in backend only
// A callback's second release of its own handle: only where the backend promises it harmless.
inline bool SecondRelease() { return api->abi_version < 3 || (api->promises & VTO_PROMISE_IDEMPOTENT_TEARDOWN) != 0; }
// Installs; the handle, or 0 with *message when refused.
inline uint64_t InstallNow(void* obj, const char* cls, std::initializer_list<Repl> repl, size_t extra,
                           void (*on_destroy)(void*, void*), void* user_data, std::string* message) {
  std::vector<const char*> names;
  std::vector<void*> fns;
  for (const Repl& r : repl) {
    names.push_back(r.method);
    fns.push_back(r.function);
  }
  const vto_backend_request req{obj, cls, names.data(), fns.data(), names.size(), extra, on_destroy, user_data};
  char msg[1024] = {0};
  uint64_t h = 0;
  if (api->install(backend, &req, &h, msg, sizeof msg) != 0) {
    *message = msg;
    return 0;
  }
  return h;
}
inline uint64_t InstallFromWorker(void* obj, const char* cls, std::initializer_list<Repl> repl, size_t extra,
                                  void (*on_destroy)(void*, void*), void* user_data, std::string* message) {
  return InstallNow(obj, cls, repl, extra, on_destroy, user_data, message);
}
// Extra slot i of overlay `h` on `obj`.
inline void*& ExtraCell(void* obj, uint64_t h, size_t i) {
  void** cell = api->extra_slot(backend, h, obj, i);
  if (cell == nullptr) Failed("an extra slot has no address");
  return *cell;
}
}  // namespace vto_repro
)vto";

const char* const kProgramSupport = R"(
namespace vto_repro {
// Bodies run by the kit inside scopes, temporaries and constructors, in order.
std::deque<std::function<void(void*)>> bodies;
inline void Next(std::function<void(void*)> body) { bodies.push_back(std::move(body)); }
// What a destroy hook saw. type_of (optional) is read inside the callback, as the harness does.
// With `release` set the callback also releases that handle, twice, as a binding does
// where it learns of the death.
struct HookRecord {
  int calls = 0;
  void* seen_instance = nullptr;
  void* seen_vptr = nullptr;
  const char* (*type_of)(void*) = nullptr;  // applied to `object` (else to the instance)
  void* object = nullptr;                    // the complete object, set beforehand
  void* at = nullptr;                        // the installed pointer: the vptr read (else the instance)
  std::string seen_type;
  uint64_t* release = nullptr;
  vto::TeardownResult released = vto::TeardownResult::kNullHandle, released_again = vto::TeardownResult::kNullHandle;
};
inline void OnDestroy(void* instance, void* user_data) {
  auto* h = static_cast<HookRecord*>(user_data);
  // Said at once, as the harness does: a hook that fires again may fire forever.
  if (++h->calls == 2) Failed("a destroy hook fired a second time in one death; a hook fires at most once");
  h->seen_instance = instance;
  h->seen_vptr = *static_cast<void**>(h->at != nullptr ? h->at : instance);
  if (h->type_of != nullptr) h->seen_type = h->type_of(h->object != nullptr ? h->object : instance);
  if (h->release != nullptr) {
    h->released = Teardown(*h->release);
    h->released_again = SecondRelease() ? Teardown(*h->release) : vto::TeardownResult::kAlreadyTornDown;
  }
}
enum Expect { VTO_MUST_INSTALL, VTO_MAY_REFUSE, VTO_MUST_REFUSE };
// Installs; writes cookie + i into extra slot i (after checking it starts null). Returns the
// handle, or 0 when refused (a failure for VTO_MUST_INSTALL; VTO_MUST_REFUSE fails when it
// is installed).
inline uint64_t Install(void* obj, const char* cls, std::initializer_list<Repl> repl, size_t extra,
                        HookRecord* hook, Expect expect, uintptr_t cookie = 0x1000) {
  std::string message;
  const uint64_t id = InstallNow(obj, cls, repl, extra, hook != nullptr ? &OnDestroy : nullptr, hook, &message);
  if (id == 0) {
    if (expect == VTO_MUST_INSTALL) {
      std::fprintf(stderr, "refused: %s\n", message.c_str());
      Failed("an install within the library's capabilities was refused");
    }
    return 0;
  }
  if (expect == VTO_MUST_REFUSE) Failed("an install that must be refused was installed");
  for (size_t i = 0; i < extra; ++i) {
    void*& cell = ExtraCell(obj, id, i);
    if (cell != nullptr) Failed("extra slot not null after install");
    cell = reinterpret_cast<void*>(cookie + i);
  }
  return id;
}
// The value of extra slot i of overlay `id` on `obj`.
inline void* Extra(void* obj, uint64_t id, size_t i) { return ExtraCell(obj, id, i); }
// Checks the calls traced since ClearTrace(): {impl id, this} in order.
inline void ExpectTrace(std::initializer_list<std::pair<int, const void*>> want, const char* what) {
  bool ok = traced == want.size();
  size_t i = 0;
  for (const auto& w : want) {
    if (!ok) break;
    ok = trace[i] == w;
    ++i;
  }
  if (ok) return;
  std::fprintf(stderr, "traced %zu calls:", traced);
  for (const auto& t : trace) std::fprintf(stderr, " %d on %p;", t.first, t.second);
  std::fprintf(stderr, "\nexpected %zu:", want.size());
  for (const auto& w : want) std::fprintf(stderr, " %d on %p;", w.first, w.second);
  std::fprintf(stderr, "\n");
  Failed(what);
}

// What a call returned and the last traced call it made.
struct CallSeen {
  long got = 0;
  int id = 0;
  const void* self = nullptr;
};
inline CallSeen Observe(long (*fn)(void*), void* p) {
  last_id = 0;
  last_self = nullptr;
  CallSeen c;
  c.got = fn(p);
  c.id = last_id;
  c.self = last_self;
  return c;
}
// The call reached one of `want` ({impl id, this}; several where the compiler may devirtualize).
inline void ExpectCallSeen(const CallSeen& c, std::initializer_list<std::pair<long, const void*>> want,
                           const char* what) {
  for (const auto& w : want) {
    if (c.got == w.first && c.id == w.first && c.self == w.second) return;
  }
  std::fprintf(stderr, "got %ld, traced %d on %p; expected", c.got, c.id, c.self);
  for (const auto& w : want) std::fprintf(stderr, " %ld on %p;", w.first, w.second);
  std::fprintf(stderr, "\n");
  Failed(what);
}

// ---- fuzz_race: worker threads ordered only per object, as the harness orders them ----
// Waiting without a lock (a lock would order the threads and hide races).
inline void Backoff(int& spins) {
  ++spins;
  if (spins < 32) return;
  if (spins < 4096) {
    std::this_thread::yield();
    return;
  }
  std::this_thread::sleep_for(std::chrono::microseconds(50));
}
// An object handed from thread to thread: an operation waits (acquire) until the object's
// previous operations finished and then counts itself (release). Nothing else orders the
// threads, so ThreadSanitizer sees exactly the ordering the library provides.
struct RaceObject {
  std::atomic<int> completed{0};
  std::atomic<int> fire_counter{0};
  std::atomic<bool> collector_done{false};  // release by the collector, acquire by waiting callbacks
  std::atomic<bool> delete_done{false};     // relaxed: tells the collector, orders nothing
  std::atomic<int> first_returned{0};       // a sequenced pair, relaxed: its first returned
  std::atomic<int> second_ready{0};         // ... its second has passed its Await
};
inline void Await(RaceObject& o, int previous) {
  for (int spins = 0; o.completed.load(std::memory_order_acquire) < previous; Backoff(spins)) {
  }
}
// Two operations of one object sequenced by real time only (the harness's race_model.h
// Sequence): the second, after its Await, waits for AfterFirst's mark; the first, before
// its Done, publishes it and waits until the second has passed its Await, so that its count
// orders nothing. Relaxed and bounded (about a second), as in the harness.
inline bool AwaitMark(const std::atomic<int>& mark, int value) {
  for (int spins = 0; mark.load(std::memory_order_relaxed) < value; Backoff(spins)) {
    if (spins >= 4096 + 20000) return false;  // the harness's RacePolicy::kSequenceSpins
  }
  return true;
}
inline void AfterFirst(RaceObject& o, int mark) {
  o.second_ready.store(mark, std::memory_order_relaxed);
  AwaitMark(o.first_returned, mark);
}
inline void FirstReturned(RaceObject& o, int mark) {
  o.first_returned.store(mark, std::memory_order_relaxed);
  AwaitMark(o.second_ready, mark);
}
inline void Done(RaceObject& o) { o.completed.fetch_add(1, std::memory_order_acq_rel); }
// A hooked overlay of the race: main sets up what its callback does before the threads
// start; the thread running the destructor fills in what it saw; main reads it after the
// joins.
struct RaceHook {
  RaceObject* object = nullptr;
  const RaceHook* trigger = nullptr;  // defined race: the callback that starts the collector
  bool block = false;                 // wait for the collector once the trigger has begun
  const char* (*type_of)(void*) = nullptr;  // applied to the object (instance - at_offset)
  std::ptrdiff_t at_offset = 0;       // the installed pointer's offset in the object
  long (*call)(void*) = nullptr;      // a virtual call from inside, on the object + call_offset
  std::ptrdiff_t call_offset = 0;
  const uint64_t* handle = nullptr;   // read this overlay's `cells` extra slots from inside
  size_t cells = 0;
  std::atomic<int> calls{0};
  std::atomic<bool> entered{false};   // relaxed: tells the collector "begun", orders nothing
  int order = -1;                     // position among the object's callbacks
  void* seen_instance = nullptr;
  void* seen_vptr = nullptr;
  std::string seen_type;
  CallSeen call_seen;
  std::vector<void*> seen_cells;
  uint64_t* release = nullptr;        // release this handle from inside, twice
  vto::TeardownResult released = vto::TeardownResult::kNullHandle, released_again = vto::TeardownResult::kNullHandle;
};
inline void OnRaceDestroy(void* instance, void* user_data) {
  auto* h = static_cast<RaceHook*>(user_data);
  if (h->calls.fetch_add(1, std::memory_order_relaxed) != 0) return;  // counted; main checks it
  h->entered.store(true, std::memory_order_relaxed);
  h->order = h->object->fire_counter.fetch_add(1, std::memory_order_relaxed);
  h->seen_instance = instance;
  h->seen_vptr = *static_cast<void**>(instance);
  char* const object = static_cast<char*>(instance) - h->at_offset;
  if (h->type_of != nullptr) h->seen_type = h->type_of(object);
  if (h->call != nullptr) h->call_seen = Observe(h->call, object + h->call_offset);
  for (size_t i = 0; i < h->cells; ++i) {
    h->seen_cells.push_back(ExtraCell(instance, *h->handle, i));
  }
  if (h->release != nullptr) {
    h->released = Teardown(*h->release);
    h->released_again = SecondRelease() ? Teardown(*h->release) : vto::TeardownResult::kAlreadyTornDown;
  }
  if (h->block && h->trigger != nullptr && h->trigger->entered.load(std::memory_order_relaxed)) {
    for (int spins = 0; !h->object->collector_done.load(std::memory_order_acquire); Backoff(spins)) {
    }
  }
}
// Spins (relaxed) until the trigger's callback has begun or the delete returned: the
// collector's start is told, not ordered.
inline void AwaitTrigger(const RaceObject& o, const RaceHook& trigger) {
  for (int spins = 0; !trigger.entered.load(std::memory_order_relaxed) && !o.delete_done.load(std::memory_order_relaxed);
       Backoff(spins)) {
  }
}
// Installs from a worker thread; the handle, or 0 when refused (main checks it after the joins).
inline uint64_t RaceInstall(void* obj, const char* cls, std::initializer_list<Repl> repl, size_t extra,
                            RaceHook* hook) {
  std::string message;
  const uint64_t id = InstallFromWorker(obj, cls, repl, extra, hook != nullptr ? &OnRaceDestroy : nullptr, hook, &message);
  if (id == 0) std::fprintf(stderr, "refused: %s\n", message.c_str());
  return id;
}
inline void ExpectResult(vto::TeardownResult got, std::initializer_list<vto::TeardownResult> want, const char* what) {
  for (vto::TeardownResult w : want) {
    if (got == w) return;
  }
  std::fprintf(stderr, "got %s; expected", vto::TeardownResultName(got));
  for (vto::TeardownResult w : want) std::fprintf(stderr, " %s", vto::TeardownResultName(w));
  std::fprintf(stderr, "\n");
  Failed(what);
}
// Whether the callbacks that ran (calls == 1), in the order they began, have non-increasing ranks.
inline bool FiredTopDown(std::initializer_list<std::pair<const RaceHook*, int>> hooks) {
  std::vector<std::pair<int, int>> fired;  // (order, rank)
  for (const auto& h : hooks) {
    if (h.first->calls.load() == 1) fired.emplace_back(h.first->order, h.second);
  }
  std::sort(fired.begin(), fired.end());
  for (size_t i = 1; i < fired.size(); ++i) {
    if (fired[i].second > fired[i - 1].second) {
      std::fprintf(stderr, "callback of rank %d began after one of rank %d\n", fired[i].second, fired[i - 1].second);
      return false;
    }
  }
  return true;
}
}  // namespace vto_repro
using vto_repro::VTO_MAY_REFUSE;
using vto_repro::VTO_MUST_INSTALL;
using vto_repro::VTO_MUST_REFUSE;
#define VTO_EXPECT(cond, msg)                                \
  do {                                                       \
    if (!(cond)) vto_repro::Failed(msg " [" #cond "]");      \
  } while (0)
#define VTO_EXPECT_THROWS(call, msg)      \
  do {                                    \
    bool threw_ = false;                  \
    try {                                 \
      (void)(call);                       \
    } catch (int) {                       \
      threw_ = true;                      \
    }                                     \
    if (!threw_) vto_repro::Failed(msg);  \
  } while (0)
extern "C" void vto_lc_body(void*, void* obj) {
  if (vto_repro::bodies.empty()) vto_repro::Failed("the kit ran a body the scenario did not record");
  std::function<void(void*)> body = std::move(vto_repro::bodies.front());
  vto_repro::bodies.pop_front();
  body(obj);
}
// The storage oracle (harness/storage_ledger.h): the kit's LcX operator new and delete report
// to vto_lc_storage; an AddressSanitizer build also tells an allocated block from a freed one.
#if defined(__has_feature)
#if __has_feature(address_sanitizer)
#define VTO_REPRO_ASAN 1
#endif
#endif
#ifdef VTO_REPRO_ASAN
extern "C" int __sanitizer_get_ownership(const volatile void* p);
#endif
namespace vto_repro {
std::mutex storage_mu;
std::map<const void*, int>* class_frees = new std::map<const void*, int>;
inline void ForgetFrees(const void* p) {
  std::lock_guard<std::mutex> lock(storage_mu);
  class_frees->erase(p);
}
inline int ClassFrees(const void* p) {
  std::lock_guard<std::mutex> lock(storage_mu);
  auto it = class_frees->find(p);
  return it != class_frees->end() ? it->second : 0;
}
#ifdef VTO_REPRO_ASAN
inline bool SeesAllocations() { return true; }
inline bool StillAllocated(const void* p) { return __sanitizer_get_ownership(p) != 0; }
#else
inline bool SeesAllocations() { return false; }
inline bool StillAllocated(const void*) { return true; }
#endif
}  // namespace vto_repro
extern "C" void vto_lc_storage(int event, void* p, std::size_t) {
  std::lock_guard<std::mutex> lock(vto_repro::storage_mu);
  if (event == 1) {
    (*vto_repro::class_frees)[p] = 0;
  } else {
    ++(*vto_repro::class_frees)[p];
  }
}
)";

// A raw string literal holding `text` (its delimiter is not in it).
std::string RawLiteral(const std::string& text) {
  std::string d = "vto";
  while (text.find(")" + d + "\"") != std::string::npos) d += "x";
  return "R\"" + d + "(" + text + ")" + d + "\"";
}

std::string Program() {
  const Transcript& tx = g->tx;
  const bool plugin = !g->plugin_path.empty();
  std::string p = "// Standalone reproducer written by ci/repro (lib/harness/reproducer.h) for " + g->label + ".\n";
  p += "// Build: clang++-22 -std=c++17 -g -O0 -fno-assume-unique-vtables -I<repo>/lib repro.cc \\\n";
  p += "//          <build>/lib/overlay/libvto_overlay.a -pthread -o repro   (add -fsanitize=address,undefined\n";
  p += "//        if the library was built with them). Exit 0: passed; abort with \"VTO REPRO FAILURE\": reproduced.\n";
  if (plugin) {
    p += "// The overlay implementation under test is the plug-in backend " + g->plugin_path + "\n";
    p += "// (or $VTO_BACKEND): add -rdynamic -ldl, and the sanitizer the plug-in was built with.\n";
  }
  p += kProgramHead;
  if (g->ch == nullptr) {
    p += "#error \"the run ended before a hierarchy was selected\"\n";
    return p;
  }
  p += "\n// ---- the hierarchy " + g->ch->ns + " (as JIT-compiled by the harness, with its lifecycle kit if the target uses one) ----\n";
  p += "// The harness compiled it in " + gen::DescribeCompilerMode(g->ch->mode) +
       ".\n// This program compiles it at -O0; a plug-in with compile_in_mode gets it in that mode, and the\n// built-in backend's class shapes are that unit's (a final class's vptr_identity_assumed, R13).\n";
  p += g->ch->source;
  p += plugin ? kPluginAccess : kBuiltinAccess;
  p += kProgramSupport;
  p += "\n// ---- the scenario ----\n";
  p += "static void* V[" + std::to_string(tx.vars() + 1) + "];\n";
  p += "static uint64_t H[" + std::to_string(tx.handles() + 1) + "];\n";
  p += "static vto_repro::HookRecord K[" + std::to_string(tx.hooks() + 1) + "];\n";
  p += "static void* W[" + std::to_string(tx.words() + 1) + "];\n";
  for (const std::string& d : tx.declarations()) p += d + "\n";
  p += "\n";
  p += "int main() {\n";
  if (plugin) {
    std::string args;
    for (const std::string& a : g->plugin_args) args += (args.empty() ? "" : ", ") + CppLiteral(a);
    p += "  vto_repro::OpenBackend(" + CppLiteral(g->plugin_path) + ", {" + args + "});\n";
    std::string decls = gen::EmitDeclarations(g->ch->model, g->ch->ns);
    if (g->ch->source.find("struct Extension") != std::string::npos) {
      decls += gen::EmitLifecycleKitDeclarations(g->ch->model, g->ch->ns);
    }
    const vto_unit_mode m = UnitModeOf(g->ch->mode);
    p += "  vto_repro::GiveHierarchy(" + RawLiteral(g->ch->source) + ",\n    " + RawLiteral(decls) + ",\n    vto_unit_mode{" +
         std::to_string(m.opt_level) + ", " + std::to_string(m.assume_unique_vtables) + ", " +
         std::to_string(m.strict_vtable_pointers) + "});\n";
  } else {
    if (!g->shape_error.empty()) p += "#error " + CppLiteral("no class layouts: " + g->shape_error) + "\n";
    p += g->shapes;
  }
  p += "  (void)V; (void)H; (void)K; (void)W;\n";
  p += Resolve(tx.Render());
  p += "  std::puts(\"reproducer passed: every check held\");\n  return 0;\n}\n";
  return p;
}

void WriteNow() {
  if (g == nullptr || g->writing) return;
  g->writing = true;
  const std::string text = Program();
  if (FILE* f = std::fopen(g->path.c_str(), "w")) {
    std::fwrite(text.data(), 1, text.size(), f);
    std::fclose(f);
    std::fprintf(stderr, "vto: reproducer written to %s\n", g->path.c_str());
  } else {
    std::fprintf(stderr, "ERROR: vto: cannot write reproducer %s: %s\n", g->path.c_str(), std::strerror(errno));
  }
  g->writing = false;
}

void OnSignal(int sig) {
  WriteNow();
  std::signal(sig, SIG_DFL);
  std::raise(sig);
}

}  // namespace

Transcript* BeginReproducer(const std::string& path, const std::string& label) {
  if (g != nullptr) HarnessError("one reproducer per process");
  g = new State;
  g->path = path;
  g->label = label;
  SetFailureObserver(&WriteNow);
  if (&__sanitizer_set_death_callback != nullptr) __sanitizer_set_death_callback(&WriteNow);
  std::signal(SIGSEGV, &OnSignal);
  std::signal(SIGBUS, &OnSignal);
  std::signal(SIGABRT, &OnSignal);
  return &g->tx;
}

void SetReproducerBackend(const std::string& plugin_path, const std::vector<std::string>& create_args) {
  if (g == nullptr) return;
  g->plugin_path = plugin_path;
  g->plugin_args = create_args;
}

void SetReproducerHierarchy(const CompiledHierarchy& ch) {
  if (g == nullptr || g->ch != nullptr) return;
  g->ch = &ch;
  if (g->plugin_path.empty()) ComputeShapes();  // a plug-in reflects by itself
}

void WriteReproducer() { WriteNow(); }

}  // namespace vto::harness
