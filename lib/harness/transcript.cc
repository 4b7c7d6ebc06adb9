// transcript.cc — Transcript (transcript.h).
#include "harness/transcript.h"

namespace vto::harness {

struct Transcript::Node {
  enum class Kind { kStatement, kQueued, kThread };
  Kind kind = Kind::kStatement;
  std::string text;                             // a statement, or the comment of a body
  std::string name;                             // kThread: the std::thread variable
  std::string runs_it;                          // kQueued, while open: the statement that runs it
  std::vector<std::unique_ptr<Node>> children;  // a body's statements
};

Transcript::Transcript() : root_(std::make_unique<Node>()) {
  root_->kind = Node::Kind::kQueued;
  open_.push_back(root_.get());
}
Transcript::~Transcript() = default;

void Transcript::Add(std::string statement) {
  auto n = std::make_unique<Node>();
  n->text = std::move(statement);
  open_.back()->children.push_back(std::move(n));
}

void Transcript::Open(std::string comment, std::string runs_it) {
  auto n = std::make_unique<Node>();
  n->kind = Node::Kind::kQueued;
  n->text = std::move(comment);
  n->runs_it = std::move(runs_it);
  Node* raw = n.get();
  open_.back()->children.push_back(std::move(n));
  open_.push_back(raw);
}

void Transcript::OpenThread(std::string name, std::string comment) {
  auto n = std::make_unique<Node>();
  n->kind = Node::Kind::kThread;
  n->name = std::move(name);
  n->text = std::move(comment);
  Node* raw = n.get();
  open_.back()->children.push_back(std::move(n));
  open_.push_back(raw);
}

void Transcript::Close() {
  if (open_.size() <= 1) return;
  open_.back()->runs_it.clear();
  open_.pop_back();
}

void Transcript::Declare(std::string declaration) { declarations_.push_back(std::move(declaration)); }

std::string Transcript::Render() const {
  std::string out;
  struct R {
    static void Go(const Node& n, int depth, std::string* out) {
      const std::string pad(static_cast<size_t>(depth) * 2, ' ');
      for (const auto& c : n.children) {
        switch (c->kind) {
          case Node::Kind::kQueued:
            *out += pad + "vto_repro::Next([&](void* obj) {  // " + c->text + "\n";
            *out += pad + "  (void)obj;\n";
            Go(*c, depth + 1, out);
            *out += pad + "});\n";
            if (!c->runs_it.empty()) *out += pad + c->runs_it + "  // (the scenario stopped in this body)\n";
            break;
          case Node::Kind::kThread:
            *out += pad + "std::thread " + c->name + "([&] {  // " + c->text + "\n";
            Go(*c, depth + 1, out);
            *out += pad + "});\n";
            break;
          case Node::Kind::kStatement:
            *out += pad + c->text + "\n";
            break;
        }
      }
    }
  };
  R::Go(*root_, 1, &out);
  return out;
}

std::string PointerCxx(const std::string& base_cxx, std::ptrdiff_t offset) {
  if (offset == 0) return base_cxx;
  const std::string sign = offset < 0 ? " - " : " + ";
  const auto magnitude = offset < 0 ? -static_cast<unsigned long long>(offset) : static_cast<unsigned long long>(offset);
  return "(void*)((char*)" + base_cxx + sign + std::to_string(magnitude) + ")";
}

std::string CppLiteral(const std::string& s) {
  std::string out = "\"";
  for (char c : s) {
    if (c == '"' || c == '\\') out += '\\';
    if (c == '\n') {
      out += "\\n";
      continue;
    }
    out += c;
  }
  return out + "\"";
}

}  // namespace vto::harness
