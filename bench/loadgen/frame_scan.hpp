#pragma once
// Reads the two fields the load generator needs from a server frame without parsing the
// JSON: the frame's "type" (the first "type" key: nested documents carry none) and the
// "clientId" of an ack or a message. Cheap enough for 100k frames a second.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace loadgen {

// The string value of the first `"key"` in `text`, whitespace around the colon allowed
// (PostgreSQL's json_build_object writes `"key" : "value"`). Empty when absent or not a string.
inline std::string_view string_field(std::string_view text, std::string_view key) {
  std::string quoted;
  quoted.reserve(key.size() + 2);
  quoted += '"';
  quoted += key;
  quoted += '"';
  for (std::size_t p = text.find(quoted); p != std::string_view::npos; p = text.find(quoted, p + 1)) {
    std::size_t i = p + quoted.size();
    while (i < text.size() && text[i] == ' ') ++i;
    if (i >= text.size() || text[i] != ':') continue;  // a value that happens to equal the key
    ++i;
    while (i < text.size() && text[i] == ' ') ++i;
    if (i >= text.size() || text[i] != '"') return {};
    auto end = text.find('"', i + 1);
    if (end == std::string_view::npos) return {};
    return text.substr(i + 1, end - i - 1);
  }
  return {};
}

inline std::string_view frame_type(std::string_view text) { return string_field(text, "type"); }
inline std::string_view frame_client_id(std::string_view text) { return string_field(text, "clientId"); }

// Calls `fn` with each frame `text` carries: the frames of a {"type":"batch","frames":[…]}
// (docs/PROTOCOL.md) in order, or `text` itself. The array's elements are found by counting
// braces outside strings.
template <class Fn>
void for_each_frame(std::string_view text, Fn&& fn) {
  if (frame_type(text) != "batch") return fn(text);
  std::size_t i = text.find('[');
  if (i == std::string_view::npos) return;
  int depth = 0;
  bool in_string = false;
  std::size_t start = 0;
  for (++i; i < text.size(); ++i) {
    char c = text[i];
    if (in_string) {
      if (c == '\\') ++i;
      else if (c == '"') in_string = false;
    } else if (c == '"') {
      in_string = true;
    } else if (c == '{') {
      if (depth++ == 0) start = i;
    } else if (c == '}') {
      if (--depth == 0) fn(text.substr(start, i - start + 1));
    } else if (c == ']' && depth == 0) {
      return;
    }
  }
}

// "m123" → 123 when the id starts with `prefix`.
inline std::optional<std::uint64_t> numbered_id(std::string_view id, char prefix) {
  if (id.size() < 2 || id[0] != prefix) return std::nullopt;
  std::uint64_t n = 0;
  for (char c : id.substr(1)) {
    if (c < '0' || c > '9') return std::nullopt;
    n = n * 10 + static_cast<std::uint64_t>(c - '0');
  }
  return n;
}

}  // namespace loadgen
