#pragma once
// Article bodies: CommonMark (libcmark) rendered on the server when an article is written.
#include <string>
#include <string_view>

namespace parley::help {

struct RenderedMarkdown {
  // Safe HTML: libcmark's safe mode drops raw HTML (<script>, <img onerror>, …) and empties
  // links and images whose URL is javascript:, vbscript:, file: or data: (but data:image/png,
  // gif, jpeg, webp).
  std::string html;
  // The words a reader sees, without Markdown syntax or raw HTML: searched and cut into snippets.
  std::string text;
};

RenderedMarkdown render_markdown(std::string_view markdown);

// `text` with &, <, >, " and ' escaped: safe in HTML text and in quoted attributes.
std::string escape_html(std::string_view text);

}  // namespace parley::help
