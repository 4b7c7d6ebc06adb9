// transcript.cc — Transcript (transcript.h).
#include "harness/transcript.h"

namespace vto::harness {

struct Transcript::Node {
  std::string text;                          // a statement, or the comment of a body
  std::vector<std::unique_ptr<Node>> children;  // non-empty or is_body: a nested body
  bool is_body = false;
};

Transcript::Transcript() : root_(std::make_unique<Node>()) {
  root_->is_body = true;
  open_.push_back(root_.get());
}
Transcript::~Transcript() = default;

void Transcript::Add(std::string statement) {
  auto n = std::make_unique<Node>();
  n->text = std::move(statement);
  open_.back()->children.push_back(std::move(n));
}

void Transcript::Open(std::string comment) {
  auto n = std::make_unique<Node>();
  n->text = std::move(comment);
  n->is_body = true;
  Node* raw = n.get();
  open_.back()->children.push_back(std::move(n));
  open_.push_back(raw);
}

void Transcript::Close() {
  if (open_.size() > 1) open_.pop_back();
}

std::string Transcript::Render() const {
  std::string out;
  struct R {
    static void Go(const Node& n, int depth, std::string* out) {
      const std::string pad(static_cast<size_t>(depth) * 2, ' ');
      for (const auto& c : n.children) {
        if (c->is_body) {
          *out += pad + "vto_repro::Next([&](void* obj) {  // " + c->text + "\n";
          *out += pad + "  (void)obj;\n";
          Go(*c, depth + 1, out);
          *out += pad + "});\n";
        } else {
          *out += pad + c->text + "\n";
        }
      }
    }
  };
  R::Go(*root_, 1, &out);
  return out;
}

}  // namespace vto::harness
