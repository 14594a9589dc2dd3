#include "parley/search/search_phrases.hpp"

#include <cctype>

namespace parley::search {
namespace {

bool is_space(char c) {
  return std::isspace(static_cast<unsigned char>(c)) != 0;
}
bool is_word_char(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) != 0 || static_cast<unsigned char>(c) >= 0x80;
}

// Outside quotes: the word `or` (any case, on its own), or `|`, makes the query an OR.
bool has_or(std::string_view text) {
  if (text.find('|') != std::string_view::npos) return true;
  for (std::size_t i = 0; i + 1 < text.size(); ++i) {
    if ((text[i] | 0x20) != 'o' || (text[i + 1] | 0x20) != 'r') continue;
    bool starts = i == 0 || !is_word_char(text[i - 1]);
    bool ends = i + 2 == text.size() || !is_word_char(text[i + 2]);
    if (starts && ends) return true;
  }
  return false;
}

// Whether what stands between the previous word (or the start) and an opening quote holds a
// negation: `-"a b"`, `- "a b"`, `-("a b")`, `!"a b"`. Looks back over everything that is not
// a letter, digit or quote.
bool negated(std::string_view query, std::size_t quote) {
  for (std::size_t i = quote; i-- > 0;) {
    char c = query[i];
    if (c == '-' || c == '!') return true;
    if (c == '"' || is_word_char(c)) return false;
  }
  return false;
}

}  // namespace

std::string required_phrases(std::string_view query) {
  std::string outside;  // the query without its phrases, for the `or` check
  std::string phrases;
  std::size_t i = 0;
  while (i < query.size()) {
    std::size_t open = query.find('"', i);
    std::size_t close = open == std::string_view::npos ? open : query.find('"', open + 1);
    if (close == std::string_view::npos) {  // no (closed) phrase left
      outside.append(query.substr(i));
      break;
    }
    outside.append(query.substr(i, open - i)).append(" ");
    std::string_view text = query.substr(open + 1, close - open - 1);
    bool blank = true;
    for (char c : text) blank = blank && is_space(c);
    // A line each: a query holds no line break (the API refuses it), but a phrase must not
    // split into two if one came through.
    if (!blank && !negated(query, open) && text.find('\n') == std::string_view::npos) {
      if (!phrases.empty()) phrases += '\n';
      phrases.append(text);
    }
    i = close + 1;
  }
  return has_or(outside) ? std::string() : phrases;
}

}  // namespace parley::search
