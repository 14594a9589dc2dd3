#pragma once
// Splitting the separated lists that HTTP and configuration are full of.
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

}  // namespace parley
