#pragma once
// A PostgreSQL array literal, "{a,b,c}", for a `$1::bigint[]` / `$1::text[]` parameter.
// The items are written as they are: only for items that need no quoting (numbers, enum
// labels, validated client ids of [A-Za-z0-9_-]).
#include <string>
#include <string_view>

namespace parley::store {

template <class Items, class ToText>
std::string array_literal(const Items& items, ToText to_text) {
  std::string out = "{";
  for (const auto& item : items) {
    if (out.size() > 1) out += ',';
    out.append(to_text(item));
  }
  out += '}';
  return out;
}

}  // namespace parley::store
