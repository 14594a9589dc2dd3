// libFuzzer target: what visitors and agents send as JSON — WebSocket frames and the
// identify body — through the same validation the server applies; and the customer's
// product-context answer (raw bytes) through the card parser.
#include <cstddef>
#include <cstdint>
#include <nlohmann/json.hpp>

#include "parley/auth/visitor_identity.hpp"
#include "parley/chat/chat_service.hpp"
#include "parley/config/config.hpp"
#include "parley/context/cards.hpp"
#include "parley/core/error.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  (void)parley::context::parse_cards(std::string_view(reinterpret_cast<const char*>(data), size));
  auto json = nlohmann::json::parse(data, data + size, nullptr, false);
  if (json.is_discarded()) return 0;
  try {
    (void)parley::chat::validated_body(json);
  } catch (const parley::ApiError&) {
  }
  try {
    (void)parley::chat::validated_client_id(json);
  } catch (const parley::ApiError&) {
  }
  try {
    (void)parley::auth::parse_identify_request(json);
  } catch (const parley::ApiError&) {
  }
  if (json.is_array()) {
    std::vector<std::string> args;
    for (const auto& a : json) {
      if (a.is_string()) args.push_back(a.get<std::string>());
    }
    try {
      (void)parley::parse_config(args, {});
    } catch (const parley::ConfigError&) {
    }
  }
  return 0;
}
