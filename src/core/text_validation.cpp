#include "parley/core/text_validation.hpp"

#include <utility>

#include "parley/core/error.hpp"

namespace parley {
namespace {

// The code point starting at s[i] and its length in bytes; length 0 when the bytes are not
// UTF-8 (overlong forms, surrogates and values past U+10FFFF included).
std::pair<char32_t, std::size_t> decode_utf8(std::string_view s, std::size_t i) {
  auto byte = [&](std::size_t k) { return static_cast<unsigned char>(s[k]); };
  unsigned char b0 = byte(i);
  if (b0 < 0x80) return {b0, 1};
  std::size_t len = b0 >= 0xF0 ? 4 : b0 >= 0xE0 ? 3 : b0 >= 0xC0 ? 2 : 0;
  if (len == 0 || b0 > 0xF4 || i + len > s.size()) return {0, 0};
  char32_t cp = b0 & (0x7F >> len);
  for (std::size_t k = 1; k < len; ++k) {
    if ((byte(i + k) & 0xC0) != 0x80) return {0, 0};
    cp = (cp << 6) | (byte(i + k) & 0x3F);
  }
  static constexpr char32_t kMinimum[] = {0, 0, 0x80, 0x800, 0x10000};
  if (cp < kMinimum[len] || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return {0, 0};
  return {cp, len};
}

bool is_bidi_control(char32_t cp) { return (cp >= 0x202A && cp <= 0x202E) || (cp >= 0x2066 && cp <= 0x2069); }

}  // namespace

std::string validated_text(std::string_view text, std::string_view field, TextKind kind) {
  auto refuse = [&](std::string_view what) {
    return ApiError::invalid_field(std::string(field) + " " + std::string(what));
  };
  bool multiline = kind == TextKind::multiline;
  std::string out;
  out.reserve(text.size());
  for (std::size_t i = 0; i < text.size();) {
    auto [cp, len] = decode_utf8(text, i);
    if (len == 0) throw refuse("is not valid UTF-8");
    if (cp == '\r' && multiline) {
      // CRLF and a lone CR (old Mac line ends, pasted text) are both one line break.
      out.push_back('\n');
      i += (i + 1 < text.size() && text[i + 1] == '\n') ? 2 : 1;
      continue;
    }
    bool allowed_control = multiline && (cp == '\n' || cp == '\t');
    if ((cp < 0x20 && !allowed_control) || (cp >= 0x7F && cp <= 0x9F)) throw refuse("contains control characters");
    if (is_bidi_control(cp)) throw refuse("contains bidirectional control characters (U+202A-U+202E, U+2066-U+2069)");
    out.append(text.substr(i, len));
    i += len;
  }
  return out;
}

}  // namespace parley
