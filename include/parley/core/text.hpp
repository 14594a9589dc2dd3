#pragma once
// Small text helpers shared by every part that checks what people type: splitting the
// separated lists that HTTP and configuration are full of, counting characters.
#include <algorithm>
#include <cstddef>
#include <string_view>
#include <vector>

namespace parley {

// The items of `list` separated by `separator`, each without surrounding spaces; empty
// items are kept (callers decide what an empty item means).
inline std::vector<std::string_view> split_trimmed(std::string_view list, char separator) {
  std::vector<std::string_view> items;
  while (true) {
    auto end = list.find(separator);
    std::string_view item = list.substr(0, end);
    while (!item.empty() && item.front() == ' ') item.remove_prefix(1);
    while (!item.empty() && item.back() == ' ') item.remove_suffix(1);
    items.push_back(item);
    if (end == std::string_view::npos) return items;
    list.remove_prefix(end + 1);
  }
}

// `s` without the white space (`spaces`) at either end.
inline std::string_view trimmed(std::string_view s, std::string_view spaces = " \t\r\n\f\v") {
  auto first = s.find_first_not_of(spaces);
  if (first == std::string_view::npos) return {};
  return s.substr(first, s.find_last_not_of(spaces) - first + 1);
}

// The characters (code points) of valid UTF-8 `s`: its bytes but continuation bytes. Limits
// people read ("at most 80 characters") are in characters, not bytes.
inline std::size_t code_points(std::string_view s) {
  return static_cast<std::size_t>(
      std::count_if(s.begin(), s.end(), [](char c) { return (static_cast<unsigned char>(c) & 0xC0) != 0x80; }));
}

}  // namespace parley
