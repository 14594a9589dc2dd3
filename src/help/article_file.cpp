#include "parley/help/article_file.hpp"

#include <nlohmann/json.hpp>

namespace parley::help {
namespace {

constexpr std::string_view kFence = "---";

std::string format_value(const std::string& value) {
  bool quote = value.empty() || value.front() == '"' || value.front() == ' ' || value.back() == ' ';
  return quote ? nlohmann::json(value).dump() : value;
}

std::string parse_value(std::string_view raw, std::string_view key) {
  if (raw.empty() || raw.front() != '"') return std::string(raw);
  auto parsed = nlohmann::json::parse(raw, nullptr, false);
  if (parsed.is_discarded() || !parsed.is_string()) {
    throw ArticleFileError("the quoted value of '" + std::string(key) + "' is not a valid JSON string");
  }
  return parsed.get<std::string>();
}

}  // namespace

std::string format_article_file(const Article& a) {
  std::string out;
  out.append(kFence).append("\n");
  out.append("title: ").append(format_value(a.title)).append("\n");
  out.append("collection: ").append(format_value(a.collection)).append("\n");
  out.append("status: ").append(a.status).append("\n");
  out.append("slug: ").append(a.slug).append("\n");
  out.append(kFence).append("\n");
  out.append(a.body_md);
  return out;
}

ArticleInput parse_article_file(std::string_view content) {
  auto next_line = [&content](std::string_view& line) {
    if (content.empty()) return false;
    auto nl = content.find('\n');
    line = content.substr(0, nl);
    content.remove_prefix(nl == std::string_view::npos ? content.size() : nl + 1);
    return true;
  };
  std::string_view line;
  if (!next_line(line) || line != kFence) throw ArticleFileError("it does not start with a front matter line '---'");
  ArticleInput in;
  bool has_title = false, has_status = false, closed = false;
  while (next_line(line)) {
    if (line == kFence) {
      closed = true;
      break;
    }
    auto colon = line.find(':');
    if (colon == std::string_view::npos) throw ArticleFileError("front matter line '" + std::string(line) + "' has no ':'");
    std::string_view key = line.substr(0, colon);
    std::string_view raw = line.substr(colon + 1);
    if (!raw.empty() && raw.front() == ' ') raw.remove_prefix(1);
    std::string value = parse_value(raw, key);
    if (key == "title") in.title = value, has_title = true;
    else if (key == "collection") in.collection = value;
    else if (key == "status") in.status = value, has_status = true;
    else if (key == "slug") in.slug = value;
    else throw ArticleFileError("unknown front matter key '" + std::string(key) + "' (title, collection, status, slug)");
  }
  if (!closed) throw ArticleFileError("the front matter has no closing '---' line");
  if (!has_title) throw ArticleFileError("the front matter has no title");
  if (!has_status) in.status = "draft";
  in.body = std::string(content);
  return in;
}

}  // namespace parley::help
