#include "parley/context/cards.hpp"

#include <algorithm>
#include <cctype>

#include "parley/core/error.hpp"
#include "parley/core/text_validation.hpp"

namespace parley::context {
namespace {

// Thrown inside the parser with the reason the whole answer is refused.
struct Refusal {
  std::string reason;
};

std::size_t code_points(std::string_view s) {
  return static_cast<std::size_t>(std::count_if(s.begin(), s.end(), [](char c) { return (static_cast<unsigned char>(c) & 0xC0) != 0x80; }));
}

std::string text_field(const nlohmann::json& object, const char* key, const std::string& where, std::size_t max_chars,
                       TextKind kind, bool required_non_empty) {
  auto it = object.find(key);
  if (it == object.end()) throw Refusal{where + "." + key + " is missing"};
  if (!it->is_string()) throw Refusal{where + "." + key + " must be a string"};
  const auto& raw = it->get_ref<const std::string&>();
  std::string text;
  try {
    text = validated_text(raw, where + "." + key, kind);
  } catch (const ApiError& e) {
    throw Refusal{e.what()};
  }
  if (required_non_empty && text.find_first_not_of(" \t\n") == std::string::npos) throw Refusal{where + "." + key + " is empty"};
  if (code_points(text) > max_chars) {
    throw Refusal{where + "." + key + " is longer than " + std::to_string(max_chars) + " characters"};
  }
  return text;
}

}  // namespace

bool is_http_url(std::string_view url) {
  std::string lower(url.substr(0, 8));
  std::transform(lower.begin(), lower.end(), lower.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  std::size_t host_start = 0;
  if (lower.rfind("https://", 0) == 0) host_start = 8;
  else if (lower.rfind("http://", 0) == 0) host_start = 7;
  else return false;
  if (host_start >= url.size()) return false;
  char first = url[host_start];
  if (first == '/' || first == '?' || first == '#' || first == '@') return false;
  // No spaces or controls anywhere: such a URL is not what it looks like.
  return std::none_of(url.begin(), url.end(), [](char c) { return static_cast<unsigned char>(c) <= 0x20 || c == 0x7f; });
}

ParsedCards parse_cards(std::string_view body, const CardLimits& limits) {
  ParsedCards out;
  auto doc = nlohmann::json::parse(body.begin(), body.end(), nullptr, false);
  if (doc.is_discarded()) {
    out.reason = "the answer is not JSON";
    return out;
  }
  try {
    if (!doc.is_object()) throw Refusal{"the answer must be a JSON object"};
    auto cards = doc.find("cards");
    if (cards == doc.end()) throw Refusal{"the answer has no \"cards\""};
    if (!cards->is_array()) throw Refusal{"\"cards\" must be an array"};
    for (std::size_t i = 0; i < cards->size(); ++i) {
      if (i >= limits.cards) {
        out.dropped += cards->size() - i;
        break;
      }
      const auto& card = (*cards)[i];
      std::string where = "cards[" + std::to_string(i) + "]";
      if (!card.is_object()) throw Refusal{where + " must be an object"};
      nlohmann::json shown = {{"title", text_field(card, "title", where, limits.title_chars, TextKind::single_line, true)},
                              {"fields", nlohmann::json::array()}};
      auto fields = card.find("fields");
      if (fields == card.end()) throw Refusal{where + ".fields is missing"};
      if (!fields->is_array()) throw Refusal{where + ".fields must be an array"};
      for (std::size_t j = 0; j < fields->size(); ++j) {
        if (j >= limits.fields) {
          out.dropped += fields->size() - j;
          break;
        }
        const auto& field = (*fields)[j];
        std::string fwhere = where + ".fields[" + std::to_string(j) + "]";
        if (!field.is_object()) throw Refusal{fwhere + " must be an object"};
        nlohmann::json f = {{"label", text_field(field, "label", fwhere, limits.label_chars, TextKind::single_line, true)},
                            {"value", text_field(field, "value", fwhere, limits.value_chars, TextKind::multiline, false)}};
        if (auto url = field.find("url"); url != field.end() && !url->is_null()) {
          std::string u = text_field(field, "url", fwhere, limits.url_chars, TextKind::single_line, false);
          if (is_http_url(u)) f["url"] = u;
          else ++out.dropped;  // javascript:, data:, relative…: never a link
        }
        shown["fields"].push_back(std::move(f));
      }
      out.cards.push_back(std::move(shown));
    }
  } catch (const Refusal& r) {
    out.cards = nlohmann::json::array();
    out.reason = r.reason;
    return out;
  }
  out.ok = true;
  return out;
}

}  // namespace parley::context
