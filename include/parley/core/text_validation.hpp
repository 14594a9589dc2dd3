#pragma once
// The one check for every text a person types (message bodies, names, emails): what is
// stored is what the other side is shown, with nothing invisible in it.
#include <string>
#include <string_view>

namespace parley {

enum class TextKind {
  multiline,    // a message: line breaks and tabs are text
  single_line,  // a name or an email: no control character at all
};

// Returns `text` normalised, or throws ApiError::invalid_field naming `field`.
//  - CRLF and a bare CR become LF (multiline); in a single line they are refused.
//  - Refused: invalid UTF-8; C0 controls but LF and TAB (multiline); DEL; C1 controls
//    (U+0080–U+009F); the bidirectional embeddings, overrides and isolates
//    U+202A–U+202E and U+2066–U+2069, which can make text shown to an agent read
//    differently from what was sent. The marks U+200E/U+200F (which reorder nothing on
//    their own) and right-to-left scripts themselves are allowed.
// Neither trims nor bounds the length: callers do, with their own rules.
std::string validated_text(std::string_view text, std::string_view field, TextKind kind = TextKind::multiline);

}  // namespace parley
