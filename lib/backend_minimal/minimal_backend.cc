// minimal_backend.cc — a second, deliberately small overlay backend, built as a plug-in
// shared library (libvto_minimal_backend.so) and loaded by the harness through dlopen,
// exactly like a user's backend (docs/BACKENDS.md).
//
// It has its own vtable clone (no hidden word, no extra slots, no destroy hook, no
// stacking) and claims only VTO_CAP_MORE_DERIVED: every request that needs more is refused
// with a code >= 100. It reflects through the interpreter layer.
#include <cstring>
#include <memory>
#include <mutex>
#include <string>
#include <typeinfo>
#include <unordered_map>
#include <vector>

#include "backend/backend_abi.h"
#include "interp/interpreter.h"

namespace {

enum Refusal : int {
  kLayout = 12,          // vto::Status::kUnsupportedLayout
  kNotABase = 11,        // vto::Status::kNotPrimaryBase
  kNoClass = 2,          // vto::Status::kNullShape
  kNoMethod = 5,         // vto::Status::kMethodNotInVTable
  kNoDynamicType = 10,   // vto::Status::kUnknownDynamicType
  kNoHooks = 100,
  kNoExtraSlots = 101,
  kNoStacking = 102,
  kNullInstance = 1,
};

struct Clone {
  void* instance;
  void** original;
  std::vector<void*> words;  // offset-to-top, RTTI, slots...
  void** address_point() { return words.data() + 2; }
};

}  // namespace

struct vto_backend {
  std::unique_ptr<vto::interp::Interpreter> interpreter;
  std::mutex mu;
  std::unordered_map<uint64_t, std::unique_ptr<Clone>> clones;
  std::unordered_map<void*, uint64_t> by_instance;
  uint64_t next_handle = 1;
};

namespace {

void Copy(const std::string& text, char* out, size_t size) {
  if (out == nullptr || size == 0) return;
  size_t n = text.size() < size - 1 ? text.size() : size - 1;
  std::memcpy(out, text.data(), n);
  out[n] = '\0';
}

int Refuse(int code, const std::string& why, char* msg, size_t size) {
  Copy("minimal backend: " + why, msg, size);
  return code;
}

vto_backend* Create(const char* const* args, size_t n, char* err, size_t err_size) {
  vto::interp::InterpreterOptions options;
  for (size_t i = 0; i < n; ++i) options.extra_args.emplace_back(args[i]);
  std::string error;
  auto b = std::make_unique<vto_backend>();
  b->interpreter = vto::interp::Interpreter::Create(options, &error);
  if (!b->interpreter) {
    Copy(error, err, err_size);
    return nullptr;
  }
  return b.release();
}

void Destroy(vto_backend* b) { delete b; }

int Compile(vto_backend* b, const char* code, char* diag, size_t size) {
  std::string d;
  bool ok = b->interpreter->Compile(code, &d);
  Copy(d, diag, size);
  return ok ? 0 : 1;
}

void* Lookup(vto_backend* b, const char* symbol) { return b->interpreter->LookupSymbol(symbol); }

int Install(vto_backend* b, const vto_backend_request* r, uint64_t* handle, char* msg, size_t size) {
  *handle = 0;
  Copy("", msg, size);
  if (r->instance == nullptr) return Refuse(kNullInstance, "instance is null", msg, size);
  if (r->on_destroy != nullptr) return Refuse(kNoHooks, "destroy hooks are not supported", msg, size);
  if (r->extra_slots != 0) return Refuse(kNoExtraSlots, "extra slots are not supported", msg, size);
  std::lock_guard<std::mutex> lock(b->mu);
  if (b->by_instance.count(r->instance) != 0) return Refuse(kNoStacking, "stacking is not supported", msg, size);
  std::string error;
  const vto::interp::ClassLayout* reflected = b->interpreter->FindClass(r->class_name, &error);
  if (reflected == nullptr) return Refuse(kNoClass, error, msg, size);
  std::vector<std::pair<int, void*>> patches;
  for (size_t i = 0; i < r->num_methods; ++i) {
    int slot = reflected->FindSlot(r->method_names[i], &error);
    if (slot < 0 || slot == reflected->shape.complete_dtor_slot || slot == reflected->shape.deleting_dtor_slot) {
      return Refuse(kNoMethod, std::string(r->method_names[i]) + ": " + error, msg, size);
    }
    patches.emplace_back(slot, r->replacements[i]);
  }
  void** vptr = *static_cast<void***>(r->instance);
  if (reinterpret_cast<intptr_t>(vptr[-2]) != 0) return Refuse(kLayout, "pointer to a base subobject", msg, size);
  const auto* rtti = static_cast<const std::type_info*>(vptr[-1]);
  if (rtti == nullptr) return Refuse(kNoDynamicType, "no RTTI", msg, size);
  const vto::interp::ClassLayout* dynamic = b->interpreter->FindClassByRttiName(rtti->name(), &error);
  if (dynamic == nullptr) return Refuse(kNoDynamicType, error, msg, size);
  const vto::ClassShape& dyn = dynamic->shape;
  if (dyn.has_secondary_vptrs || dyn.has_virtual_bases) return Refuse(kLayout, "only single inheritance", msg, size);
  bool on_chain = dyn.rtti_name == reflected->shape.rtti_name;
  for (const std::string& base : dyn.primary_bases) on_chain = on_chain || base == reflected->shape.rtti_name;
  if (!on_chain) return Refuse(kNotABase, "reflected class is not a primary base", msg, size);

  auto clone = std::make_unique<Clone>();
  clone->instance = r->instance;
  clone->original = vptr;
  clone->words.assign(vptr - 2, vptr + dyn.num_slots);
  for (const auto& [slot, fn] : patches) clone->address_point()[slot] = fn;
  *static_cast<void***>(r->instance) = clone->address_point();
  uint64_t h = b->next_handle++;
  b->by_instance[r->instance] = h;
  b->clones[h] = std::move(clone);
  *handle = h;
  return 0;
}

int Teardown(vto_backend* b, uint64_t handle) {
  std::lock_guard<std::mutex> lock(b->mu);
  auto it = b->clones.find(handle);
  if (it == b->clones.end()) return 4;  // kAlreadyTornDown
  Clone& c = *it->second;
  void*** vptr = static_cast<void***>(c.instance);
  int result = 3;  // kDetached: the vptr is not ours any more; leave it
  if (*vptr == c.address_point()) {
    *vptr = c.original;
    result = 0;  // kRestored
  }
  b->by_instance.erase(c.instance);
  b->clones.erase(it);
  return result;
}

void** ExtraSlot(vto_backend*, uint64_t, void*, size_t) { return nullptr; }

size_t Live(vto_backend* b) {
  std::lock_guard<std::mutex> lock(b->mu);
  return b->clones.size();
}

size_t Units(vto_backend* b) { return b->interpreter->translation_units(); }

// Its promises: it refuses a null instance and a class off the object's primary chain, a
// teardown that finds another vptr leaves it (kDetached), a second one answers
// kAlreadyTornDown, and every teardown says what it did; with no callbacks, no overlay outlives
// its object's hooked death. No Abandon; it has no callbacks or extra slots to promise anything about.
const vto_backend_api kApi = {VTO_BACKEND_ABI_VERSION, "minimal", VTO_CAP_MORE_DERIVED, &Create, &Destroy, &Compile,
                              &Lookup, &Install, &Teardown, &ExtraSlot, &Live, &Units, /*abandon=*/nullptr,
                              VTO_PROMISE_REFUSES_INVALID_TARGET | VTO_PROMISE_DETACHES_FOREIGN_VPTR |
                                  VTO_PROMISE_IDEMPOTENT_TEARDOWN | VTO_PROMISE_TEARDOWN_RESULTS |
                                  VTO_PROMISE_CONCURRENT_TEARDOWN | VTO_PROMISE_FREES_AT_DEATH,
                              /*declare=*/nullptr, /*compile_in_mode=*/nullptr};

}  // namespace

extern "C" __attribute__((visibility("default"))) const vto_backend_api* vto_backend_entry(void) { return &kApi; }
