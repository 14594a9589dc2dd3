#pragma once
// The customer's answer: {"cards":[{"title","fields":[{"label","value","url"?}]}]}, checked
// strictly before an agent sees any of it. Pure: unit-tested and fuzzable.
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

namespace parley::context {

struct CardLimits {
  std::size_t cards = 10;           // more are dropped
  std::size_t fields = 20;          // per card; more are dropped
  std::size_t title_chars = 120;    // longer: the answer is refused
  std::size_t label_chars = 120;
  std::size_t value_chars = 1000;
  std::size_t url_chars = 2048;
};

struct ParsedCards {
  bool ok = false;
  nlohmann::json cards = nlohmann::json::array();  // when ok: [{title, fields:[{label,value,url?}]}]
  std::string reason;                              // when not ok: what was wrong, for logs and agents
  std::size_t dropped = 0;                         // cards and fields beyond the limits
};

// `body` is the raw answer. Text is checked like every text shown to an agent (valid UTF-8,
// no control or bidi-override characters); a url is kept only when it is an absolute http(s)
// URL — any other (javascript:, data:, relative) is dropped and the field shown as text.
ParsedCards parse_cards(std::string_view body, const CardLimits& limits = {});

// Whether `url` is an absolute http:// or https:// URL with a host.
bool is_http_url(std::string_view url);

}  // namespace parley::context
