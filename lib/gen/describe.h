// describe.h — a short human-readable dump of a hierarchy model, for failure messages.
//
// Defines vto::gen::DescribeHierarchy: a line with the signature table, then one line per
// class: its bases, facts, data members, constructor/destructor calls and methods with ids.
//
// Example output (m<name>/<signature>#<impl id>, "=0" pure; "~" a declared destructor):
//   vto_gen v1: 3 classes, 2 signatures
//     sig0: Small(); sig1: int(long) const;
//     C0 [poly abstract] d{12@4} ctor{m1/0} m0/1#1=0 m1/0#2
//     C1 final : C0 [poly ~] d{2@2} m0/1#3
//     C2 : virtual C0 [poly ~] dtor{m0/1} m0/1#4 final
//
// Thread-safety: pure function.
#ifndef VTO_GEN_DESCRIBE_H
#define VTO_GEN_DESCRIBE_H

#include <string>

#include "gen/model.h"

namespace vto::gen {

[[nodiscard]] std::string DescribeHierarchy(const Hierarchy& h);

}  // namespace vto::gen

#endif  // VTO_GEN_DESCRIBE_H
