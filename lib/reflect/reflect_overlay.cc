// reflect_overlay.cc — Reflector: names → slots → vto::Install.
#include "reflect/reflect_overlay.h"

namespace vto::reflect {

Status Reflector::Resolve(const NamedRequest& request, InstallRequest* out, std::string* message) {
  std::lock_guard<std::mutex> lock(mu_);
  std::string error;
  const interp::ClassLayout* layout = interpreter_.FindClass(request.class_name, &error);
  if (layout == nullptr) {
    *message = "kNullShape: no class '" + request.class_name + "' in the interpreter: " + error;
    return Status::kNullShape;
  }
  out->instance = request.instance;
  out->reflected = &layout->shape;
  out->replacements.clear();
  for (const NamedReplacement& m : request.methods) {
    std::string why;
    int slot = layout->FindSlot(m.method, &why);
    if (slot < 0) {
      *message = "kMethodNotInVTable: '" + m.method + "' is not a virtual function of " + request.class_name +
                 (why.empty() ? "" : ": " + why);
      return Status::kMethodNotInVTable;
    }
    out->replacements.push_back({static_cast<uint32_t>(slot), m.function});
  }
  out->extra_slots = request.extra_slots;
  out->on_destroy = request.on_destroy;
  out->user_data = request.user_data;
  return Status::kOk;
}

InstallResult Reflector::Overlay(const NamedRequest& request) {
  InstallRequest slots;
  InstallResult result;
  result.status = Resolve(request, &slots, &result.message);
  if (result.status != Status::kOk) return result;
  return Install(slots, resolver_);
}

}  // namespace vto::reflect
