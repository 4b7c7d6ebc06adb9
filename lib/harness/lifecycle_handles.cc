// lifecycle_handles.cc — how fuzz_lifecycle releases a handle: through the backend's C ABI,
// or — for a backend that exposes the library (Backend::native_shapes: its ids are
// vto::OverlayIds) — through overlay_c.h's vto_teardown/vto_abandon, or through the C++ handle
// of overlay.h in every idiom a binding written in C++ uses: the member Teardown/Abandon (and
// a second call on the emptied handle), a move construction, a self-move-assignment,
// std::swap, the end of a scope, a move-assignment from an empty handle and from a handle
// that owns another overlay (lifecycle_model.h). Where the overlay is the object's current
// one, its extra slots are read through the route's own first_extra_index first.
//
// The route is chosen from the input's hash and the release's number, never from input
// bytes, and every route has the same effect on the scenario's state as the C ABI's release,
// so corpus files keep their meaning and every later oracle applies unchanged. A route that
// cannot observe the result (a destructor, an assignment) leaves it to those later oracles:
// the live-overlay count, the calls and the restored vptrs.
#include <cstring>
#include <optional>
#include <string>
#include <utility>

#include "harness/lifecycle_model.h"
#include "harness/promises.h"
#include "overlay/overlay.h"
#include "overlay/overlay_c.h"
#include "overlay/status.h"

namespace vto::harness::lifecycle {
namespace {

// The routes, in the order HandleRoute's value picks them; the C ABI twice (it is the only
// route a plug-in has, and the one the rest of the scenario was written against).
enum class HandleRoute : uint8_t {
  kCApi, kCApi2, kCFunctions, kMember, kMoved, kSelfMoved, kSwapped, kScopeEnd, kAssignedEmpty, kAssignedOther, kCount
};
constexpr const char* kRouteNames[] = {"the backend's table", "the backend's table",
                                       "overlay_c.h's vto_teardown/vto_abandon", "vto::Overlay::{Teardown,Abandon}",
                                       "a moved-to vto::Overlay", "a self-move-assigned vto::Overlay",
                                       "a swapped vto::Overlay", "the end of a vto::Overlay's scope",
                                       "move-assigning an empty vto::Overlay", "move-assigning another overlay's handle"};

}  // namespace

std::optional<int> LifecycleScenario::ReleaseHandle(const Obj& o, Ov& ov, bool abandon, const Expectation& e,
                                                    const std::function<Spelling(const std::string&)>& spell) {
  auto c_api = [&]() -> std::optional<int> {
    auto spelled = [&] {
      return spell(std::string("vto_repro::") + (abandon ? "Abandon" : "Teardown") + "(H[" +
                   std::to_string(ov.tx) + "])");
    };
    // Abandon's answer is always read; a teardown's where the backend promises it.
    const Expectation checked = Expectation::Unless(abandon || Promised(b_, VTO_PROMISE_TEARDOWN_RESULTS), e);
    oracle_->Record(checked, spelled);
    const int r = abandon ? b_.Abandon(ov.handle) : b_.Teardown(ov.handle);
    oracle_->Verify(checked, Value::Result(r), spelled);
    return r;
  };
  if (b_.native_shapes() == nullptr) return c_api();
  uint64_t x = (input_hash_ ^ (0x9e3779b97f4a7c15ull * ++releases_)) * 0xbf58476d1ce4e5b9ull;
  auto route = static_cast<HandleRoute>((x >> 29) % static_cast<uint64_t>(HandleRoute::kCount));
  const bool unobservable =
      route == HandleRoute::kScopeEnd || route == HandleRoute::kAssignedEmpty || route == HandleRoute::kAssignedOther;
  if (abandon && unobservable) route = HandleRoute::kMember;  // Abandon is a member call only
  Ov* other = nullptr;  // another open handle, for the routes that need two
  if (route == HandleRoute::kSwapped || route == HandleRoute::kAssignedOther) {
    const uint64_t n = (x >> 7) % (objs_.size() + 1);
    for (size_t i = 0; i < objs_.size() && other == nullptr; ++i) {
      for (Ov& cand : objs_[(n + i) % objs_.size()].ovs) {
        if (&cand != &ov && cand.st != HandleState::kClosed) {
          other = &cand;
          break;
        }
      }
    }
    if (other == nullptr && route == HandleRoute::kAssignedOther) route = HandleRoute::kAssignedEmpty;
  }
  if (route == HandleRoute::kCApi || route == HandleRoute::kCApi2) return c_api();
  ++stats_.handle_ops;

  // The words and the reproducer's statements are made only when needed (a release is hot).
  const bool rec = tx_ != nullptr;
  auto H = [&] { return "H[" + std::to_string(ov.tx) + "]"; };
  auto O = [&] { return other != nullptr ? "H[" + std::to_string(other->tx) + "]" : std::string("0"); };
  auto how = [&] { return std::string(" (released through ") + kRouteNames[static_cast<int>(route)] + ")"; };
  const OverlayId id = ov.handle;
  const OverlayId other_id = other != nullptr ? other->handle : 0;
  // A condition of the handle; `cxx` and `what` are called only when the words are needed.
  auto holds = [&](bool ok, auto cxx, auto what) {
    oracle_->Check(Expectation::Holds(), Value::Bool(ok), [&] { return Spelling{what() + how(), cxx(), {}, {}}; });
  };
  // The overlay's extra slots through the route's own index (`first`), while the object
  // dispatches through this overlay (so its vptr leads to them).
  const size_t k = static_cast<size_t>(&ov - o.ovs.data());
  const bool current = ov.st == HandleState::kActive && o.alive && *static_cast<void**>(o.ptr) == ov.vptr_installed;
  // `c_api`: read through overlay_c.h's vto_extra_slot instead of vto::ExtraSlot.
  auto extras = [&](size_t first, bool c_api) {
    if (!current) return;
    for (size_t i = 0; i < ov.request.extra; ++i) {
      const void* want = Cookie(static_cast<size_t>(o.id), k, i);
      void* at_ptr = ov.at.instance;  // slots are relative to the installed pointer's vptr
      const void* got = c_api ? *vto_extra_slot(at_ptr, first + i) : ExtraSlot(at_ptr, first + i);
      oracle_->Check(Expectation::Equal(Value::Pointer(want)), Value::Pointer(got), [&] {
        const std::string index_cxx = c_api ? "vto_first_extra_index(" + H() + ")" : std::string("h.first_extra_index()");
        const std::string at = IX(o, ov.at) + ", " + index_cxx + " + " + std::to_string(i) + ")";
        return Spelling{"extra slot " + std::to_string(i) + " of overlay #" + std::to_string(k) + " on " +
                            Describe(o) + ", found through " + index_cxx + how(),
                        c_api ? "*vto_extra_slot(" + at : "vto::ExtraSlot(" + at,
                        {"reinterpret_cast<void*>(" + std::to_string(reinterpret_cast<uintptr_t>(want)) + "ull)"},
                        {}};
      });
    }
  };
  // The release through handle `h` (named `name` in the reproducer), checked against e.
  auto member = [&](Overlay& h, const char* name) -> int {
    auto call = [&] { return name + std::string(abandon ? ".Abandon()" : ".Teardown()"); };
    auto spelled = [&] {
      Spelling s = spell(call());
      s.what += how();
      return s;
    };
    oracle_->Record(e, spelled);
    const int r = static_cast<int>(abandon ? h.Abandon() : h.Teardown());
    oracle_->Verify(e, Value::Result(r), spelled);
    holds(!h.valid(), [&] { return "!" + std::string(name) + ".valid()"; },
          [&] { return "a vto::Overlay is empty after its " + call(); });
    return r;
  };

  if (rec) T("{");
  std::optional<int> result;
  switch (route) {
    case HandleRoute::kCFunctions: {
      extras(vto_first_extra_index(id), /*c_api=*/true);
      auto spelled = [&] {
        Spelling s = spell(std::string("static_cast<vto::TeardownResult>(") + (abandon ? "vto_abandon(" : "vto_teardown(") +
                           H() + "))");
        s.what += how();
        return s;
      };
      oracle_->Record(e, spelled);
      const int r = abandon ? vto_abandon(id) : vto_teardown(id);
      oracle_->Verify(e, Value::Result(r), spelled);
      oracle_->Verify(Expectation::Equal(Value::Int(static_cast<long long>(LiveBlocks()))),
                      Value::Int(static_cast<long long>(vto_live_blocks())),
                      [&] { return Spelling{"vto_live_blocks() counts as vto::LiveBlocks()" + how(), "", {}, {}}; });
      oracle_->Verify(Expectation::Holds(),
                      Value::Bool(std::strcmp(vto_teardown_result_name(r),
                                              TeardownResultName(static_cast<TeardownResult>(r))) == 0),
                      [&] { return Spelling{"vto_teardown_result_name names the result as TeardownResultName" + how(), "", {}, {}}; });
      result = r;
      break;
    }
    case HandleRoute::kMember: {
      if (rec) T("vto::Overlay h(" + H() + ");");
      Overlay h(id);
      extras(h.first_extra_index(), /*c_api=*/false);
      result = member(h, "h");
      const Expectation again = Expectation::Equal(Value::Result(TeardownResult::kNullHandle));
      auto spell_again = [&] {
        return Spelling{"a second Teardown of an emptied vto::Overlay does nothing (CONTRACT P14)" + how(), "h.Teardown()",
                        {}, {}};
      };
      oracle_->Record(again, spell_again);
      oracle_->Verify(again, Value::Result(h.Teardown()), spell_again);
      break;
    }
    case HandleRoute::kMoved: {
      if (rec) {
        T("vto::Overlay h(" + H() + ");");
        T("vto::Overlay g(std::move(h));");
      }
      Overlay h(id);
      Overlay g(std::move(h));
      holds(!h.valid() && g.id() == id, [&] { return std::string("!h.valid() && g.id() == " + H()); },
            [] { return std::string("move construction of a vto::Overlay empties the source and takes its overlay"); });
      result = member(g, "g");
      break;
    }
    case HandleRoute::kSelfMoved: {
      if (rec) {
        T("vto::Overlay h(" + H() + ");");
        T("vto::Overlay& alias = h;");
        T("h = std::move(alias);");
      }
      Overlay h(id);
      Overlay& alias = h;
      h = std::move(alias);
      holds(h.id() == id, [&] { return std::string("h.id() == " + H()); },
            [] { return std::string("self-move-assignment of a vto::Overlay keeps its overlay"); });
      result = member(h, "h");
      break;
    }
    case HandleRoute::kSwapped: {
      if (rec) {
        T("vto::Overlay h(" + H() + ");");
        T("vto::Overlay other(" + O() + ");");
        T("std::swap(h, other);");
      }
      Overlay h(id);
      Overlay o(other_id);
      std::swap(h, o);
      holds(h.id() == other_id && o.id() == id, [&] { return std::string("h.id() == " + O() + " && other.id() == " + H()); },
            [] { return std::string("std::swap of two vto::Overlay handles exchanges their overlays"); });
      if (rec) T("std::swap(h, other);");
      std::swap(h, o);
      result = member(h, "h");
      if (rec) T("(void)other.release();");
      (void)o.release();
      break;
    }
    case HandleRoute::kScopeEnd: {
      if (rec) T("vto::Overlay h(" + H() + ");");
      { Overlay h(id); }
      break;
    }
    case HandleRoute::kAssignedEmpty: {
      if (rec) {
        T("vto::Overlay h(" + H() + ");");
        T("h = vto::Overlay();");
      }
      Overlay h(id);
      h = Overlay();
      holds(!h.valid(), [&] { return std::string("!h.valid()"); },
            [] { return std::string("a vto::Overlay move-assigned from an empty one is empty"); });
      break;
    }
    case HandleRoute::kAssignedOther: {
      if (rec) {
        T("vto::Overlay h(" + H() + ");");
        T("vto::Overlay other(" + O() + ");");
        T("h = std::move(other);");
      }
      Overlay h(id);
      Overlay o(other_id);
      h = std::move(o);
      holds(!o.valid() && h.id() == other_id, [&] { return std::string("!other.valid() && h.id() == " + O()); },
            [] { return std::string("a move-assigned vto::Overlay takes the source's overlay and empties the source"); });
      if (rec) T("(void)h.release();");
      (void)h.release();  // the other overlay stays where the scenario keeps it
      break;
    }
    default: break;
  }
  if (rec) T("}");
  return result;
}

}  // namespace vto::harness::lifecycle
