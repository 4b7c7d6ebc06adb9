// expectation.cc — evaluating and rendering expectations (expectation.h).
#include "harness/expectation.h"

#include "harness/failure.h"

namespace vto::harness {

std::string ValueText(Value v) {
  switch (v.kind) {
    case Value::Kind::kInt: return std::to_string(static_cast<long long>(v.bits));
    case Value::Kind::kPointer: return Hex(reinterpret_cast<const void*>(v.bits));
    case Value::Kind::kBool: return v.bits ? "true" : "false";
    case Value::Kind::kResult: {
      const auto r = static_cast<long long>(v.bits);
      if (r < 0 || r > static_cast<int>(TeardownResult::kAbandoned)) return std::to_string(r) + " (not a TeardownResult)";
      return TeardownResultName(static_cast<TeardownResult>(r));
    }
  }
  return "?";
}

std::string ResultCxx(TeardownResult r) { return std::string("vto::TeardownResult::") + TeardownResultName(r); }

Expectation::Expectation(Form form, std::initializer_list<Value> values) : form_(form) {
  VTO_CHECK(values.size() >= 1 && values.size() <= kMaxValues, "an expectation allows 1 to 4 values");
  for (Value v : values) values_[n_++] = v;
}

bool Expectation::AcceptsOneOf(Value got) const {
  for (uint8_t i = 0; i < n_; ++i) {
    if (got == values_[i]) return true;
  }
  return false;
}

std::string Expectation::WantCxx(const Spelling& s, size_t i) const {
  if (i < s.want.size()) return s.want[i];
  const Value v = values_[i];
  if (v.kind == Value::Kind::kResult) return ResultCxx(static_cast<TeardownResult>(v.bits));
  if (v.kind == Value::Kind::kPointer) return "(void*)" + std::to_string(v.bits);
  return ValueText(v);
}

std::string Expectation::Render(const Spelling& s) const {
  const std::string what = CppLiteral(s.what);
  switch (form_) {
    case Form::kEqual: return "VTO_EXPECT(" + s.subject + " == " + WantCxx(s, 0) + ", " + what + ");";
    case Form::kNotEqual: return "VTO_EXPECT(" + s.subject + " != " + WantCxx(s, 0) + ", " + what + ");";
    case Form::kHolds: return "VTO_EXPECT(" + s.subject + ", " + what + ");";
    case Form::kUnchecked: return "(void)(" + s.subject + ");  // not checked: not promised by the backend";
    case Form::kOneOf: {
      std::string list;
      for (uint8_t i = 0; i < n_; ++i) list += std::string(i ? ", " : "") + WantCxx(s, i);
      return "vto_repro::ExpectResult(" + s.subject + ", {" + list + "}, " + what + ");";
    }
  }
  return "";
}

std::string Expectation::Explain(const Spelling& s, Value got) const {
  std::string want;
  switch (form_) {
    case Form::kEqual: want = ValueText(values_[0]); break;
    case Form::kNotEqual: want = "anything but " + ValueText(values_[0]); break;
    case Form::kHolds:
    case Form::kUnchecked: return s.what + s.detail;
    case Form::kOneOf:
      for (uint8_t i = 0; i < n_; ++i) want += std::string(i ? " or " : "") + ValueText(values_[i]);
      break;
  }
  return s.what + ": got " + ValueText(got) + ", expected " + want + s.detail;
}

std::string CallExpectation::Render(const Spelling& s) const {
  const std::string what = CppLiteral(s.what);
  if (n_ == 1 && alt_[0].throws) return "VTO_EXPECT_THROWS(" + s.subject + ", " + what + ");";
  std::string list;
  for (size_t i = 0; i < n_; ++i) {
    if (alt_[i].throws) return "";  // a throw or a return: the reproducer has no check for it
    list += "{" + std::to_string(alt_[i].id) + ", " + (i < s.want.size() ? s.want[i] : "nullptr") + "}, ";
  }
  return "vto_repro::ExpectCallSeen(" + s.subject + ", {" + list + "}, " + what + ");";
}

std::string CallExpectation::Explain(const Spelling& s, const CallObservation& got) const {
  std::string want;
  for (size_t i = 0; i < n_; ++i) {
    const char* kind = alt_[i].throws ? "the throwing replacement " : alt_[i].replacement ? "replacement id " : "id ";
    want += std::string(i ? " or " : "") + kind + std::to_string(alt_[i].id) + " on this=" + Hex(alt_[i].self);
  }
  return s.what + ": expected " + want + "; got " + (got.threw ? "an exception" : "return " + std::to_string(got.returned)) +
         ", traced id " + std::to_string(got.traced_id) + " on this=" + Hex(got.traced_self) + s.detail;
}

void Oracle::Print(bool ok, const std::string& what) {
  std::fprintf(stderr, "  check %s: %s\n", ok ? "ok" : "FAILED", what.c_str());
}

}  // namespace vto::harness
