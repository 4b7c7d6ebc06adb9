// main.cc — a program that uses the INSTALLED overlay library, as a binding would: it
// overlays one object of a host-compiled class, keeps state in an extra slot and learns of
// the object's death. Built by unittests/package (find_package and pkg-config). Exit 0: it
// works; 1 with a message naming what did not.
#include <cstdio>
#include <typeinfo>

#include "overlay/overlay.h"

namespace {

struct Animal {
  virtual ~Animal() = default;               // D1 = slot 0, D0 = slot 1
  virtual int legs() const { return 4; }     // slot 2
};
struct Dog : Animal {
  int legs() const override { return 3; }
};

int Loud(const Animal*) { return 99; }  // the replacement for Animal::legs on one Dog
int hook_calls = 0;
void* hook_saw = nullptr;
void Gone(void* self, void* state) {
  ++hook_calls;
  hook_saw = self;
  *static_cast<int*>(state) = -1;
}

int failures = 0;
void Expect(bool ok, const char* what) {
  if (ok) return;
  std::fprintf(stderr, "consumer: FAILED: %s\n", what);
  ++failures;
}

vto::ClassShape Shape(const char* rtti, const char* name, const char* primary_base) {
  vto::ClassShape s;
  s.rtti_name = rtti;
  s.name = name;
  s.polymorphic = true;
  s.num_slots = 3;
  s.complete_dtor_slot = 0;
  s.deleting_dtor_slot = 1;
  if (primary_base != nullptr) s.primary_bases.push_back(primary_base);
  return s;
}

}  // namespace

int main() {
  vto::ShapeTable shapes;
  shapes.Add(Shape(typeid(Animal).name(), "Animal", nullptr));
  shapes.Add(Shape(typeid(Dog).name(), "Dog", typeid(Animal).name()));

  Animal* dog = new Dog;
  Animal* other = new Dog;
  int state = 7;
  vto::InstallRequest req;
  req.instance = dog;
  req.reflected = shapes.Find(typeid(Animal).name());
  req.replacements = {{2, reinterpret_cast<void*>(&Loud)}};
  req.extra_slots = 1;
  req.on_destroy = &Gone;
  req.user_data = &state;
  vto::InstallResult r = vto::Install(req, shapes);
  if (!r.ok()) {
    std::fprintf(stderr, "consumer: FAILED: the install was refused: %s\n", r.message.c_str());
    return 1;
  }
  vto::ExtraSlot(dog, r.overlay.first_extra_index()) = &state;
  Expect(dog->legs() == 99, "the overlaid Dog dispatches legs() to the replacement");
  Expect(other->legs() == 3, "another Dog keeps its own legs()");
  Expect(vto::ExtraSlot(dog, r.overlay.first_extra_index()) == &state, "the extra slot keeps its value");
  Expect(typeid(*dog) == typeid(Dog), "typeid of the overlaid object is still Dog");
  Expect(vto::LiveBlocks() == 1, "one live block while installed");

  const vto::OverlayId id = r.overlay.release();  // the object's death releases it
  delete dog;
  Expect(hook_calls == 1 && hook_saw == dog, "the destroy hook fired once, with the object");
  Expect(state == -1, "the destroy hook got its user data");
  Expect(vto::TeardownOverlay(id) == vto::TeardownResult::kObjectDestroyed, "teardown after the death says so");
  Expect(vto::LiveBlocks() == 0, "no block left after the death");
  delete other;
  if (failures != 0) return 1;
  std::printf("consumer: the installed overlay library works (%s)\n", VTO_CONSUMER_HOW);
  return 0;
}
