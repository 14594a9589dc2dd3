#include "parley/help/markdown.hpp"

#include <cmark.h>

#include <memory>

namespace parley::help {
namespace {

// CMARK_OPT_SAFE is the default since cmark 0.29 (CMARK_OPT_UNSAFE turns it off); asking for
// it keeps older libraries safe too.
constexpr int kOptions = CMARK_OPT_SAFE | CMARK_OPT_VALIDATE_UTF8;

struct NodeFree {
  void operator()(cmark_node* n) const { cmark_node_free(n); }
};
struct IterFree {
  void operator()(cmark_iter* i) const { cmark_iter_free(i); }
};
struct CharFree {
  void operator()(char* p) const { free(p); }
};

bool is_block(cmark_node_type type) {
  return type == CMARK_NODE_PARAGRAPH || type == CMARK_NODE_HEADING || type == CMARK_NODE_ITEM ||
         type == CMARK_NODE_CODE_BLOCK || type == CMARK_NODE_BLOCK_QUOTE || type == CMARK_NODE_THEMATIC_BREAK;
}

void separate(std::string& out) {
  if (!out.empty() && out.back() != '\n') out += '\n';
}

// The literal text of the document: text, code and line breaks; raw HTML is left out.
std::string plain_text(cmark_node* document) {
  std::string out;
  std::unique_ptr<cmark_iter, IterFree> iter(cmark_iter_new(document));
  for (cmark_event_type ev; (ev = cmark_iter_next(iter.get())) != CMARK_EVENT_DONE;) {
    cmark_node* node = cmark_iter_get_node(iter.get());
    cmark_node_type type = cmark_node_get_type(node);
    if (ev == CMARK_EVENT_ENTER) {
      if (type == CMARK_NODE_TEXT || type == CMARK_NODE_CODE || type == CMARK_NODE_CODE_BLOCK) {
        if (const char* literal = cmark_node_get_literal(node)) out += literal;
      } else if (type == CMARK_NODE_SOFTBREAK || type == CMARK_NODE_LINEBREAK) {
        out += ' ';
      }
    }
    if ((ev == CMARK_EVENT_EXIT && is_block(type)) || (ev == CMARK_EVENT_ENTER && type == CMARK_NODE_CODE_BLOCK)) {
      separate(out);
    }
  }
  while (!out.empty() && (out.back() == '\n' || out.back() == ' ')) out.pop_back();
  return out;
}

}  // namespace

RenderedMarkdown render_markdown(std::string_view markdown) {
  std::unique_ptr<cmark_node, NodeFree> doc(cmark_parse_document(markdown.data(), markdown.size(), kOptions));
  if (!doc) throw std::bad_alloc();
  std::unique_ptr<char, CharFree> html(cmark_render_html(doc.get(), kOptions));
  if (!html) throw std::bad_alloc();
  return {std::string(html.get()), plain_text(doc.get())};
}

std::string escape_html(std::string_view text) {
  std::string out;
  out.reserve(text.size() + text.size() / 8);
  for (char c : text) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      case '\'': out += "&#39;"; break;
      default: out += c;
    }
  }
  return out;
}

}  // namespace parley::help
