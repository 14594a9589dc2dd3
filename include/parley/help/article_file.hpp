#pragma once
// One article as a Markdown file with front matter, for `parley articles import|export`:
//
//   ---
//   title: Reset your password
//   collection: Account
//   status: published
//   slug: reset-your-password
//   ---
//   The body, verbatim (Markdown) …
//
// A value is the rest of its line; one that is empty, starts with a double quote or has
// spaces at its ends is written as a JSON string ("…"). Export writes exactly this form, so a
// folder in it is exported again byte for byte after an import.
#include <stdexcept>
#include <string>
#include <string_view>

#include "parley/help/article_store.hpp"

namespace parley::help {

class ArticleFileError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

std::string format_article_file(const Article& article);
// Throws ArticleFileError when the front matter is missing or malformed. The values are not
// validated here (ArticleStore does, naming the field).
ArticleInput parse_article_file(std::string_view content);

}  // namespace parley::help
