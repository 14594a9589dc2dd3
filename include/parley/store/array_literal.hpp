#pragma once
// A PostgreSQL array literal, "{a,b,c}", for a `$1::bigint[]` / `$1::text[]` parameter.
// to_text writes each item: as it is for items that need no quoting (numbers, enum labels,
// validated client ids of [A-Za-z0-9_-]), else through quoted_array_item.
#include <cstdint>
#include <optional>
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

// Any text as an array item: in double quotes, with " and \ escaped.
inline std::string quoted_array_item(std::string_view text) {
  std::string out = "\"";
  for (char ch : text) {
    if (ch == '"' || ch == '\\') out += '\\';
    out += ch;
  }
  out += '"';
  return out;
}

// A nullable number as an array item (NULL unquoted).
inline std::string nullable_array_item(std::optional<std::int64_t> v) { return v ? std::to_string(*v) : "NULL"; }

}  // namespace parley::store
