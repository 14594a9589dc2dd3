#include <algorithm>

#include "parley/chat/chat_service.hpp"
#include "parley/core/text_validation.hpp"
#include "parley/core/text.hpp"

namespace parley::chat {
namespace {
constexpr std::size_t kMaxBodyChars = 8000;
constexpr std::size_t kMaxClientIdChars = 64;
}  // namespace

std::string validated_body(const nlohmann::json& frame) {
  if (!frame.contains("body") || !frame["body"].is_string()) throw ApiError::invalid_field("body must be a string");
  // Control characters are refused here, one message, rather than failing the group-commit
  // batch it would share with others (PostgreSQL text cannot hold NUL).
  std::string body = validated_text(frame["body"].get_ref<const std::string&>(), "body");
  auto first = body.find_first_not_of(" \t\n");
  if (first == std::string::npos) throw ApiError::invalid_field("body must not be empty");
  auto last = body.find_last_not_of(" \t\n");
  body = body.substr(first, last - first + 1);
  if (code_points(body) > kMaxBodyChars) throw ApiError::invalid_field("body is longer than 8000 characters");
  return body;
}

std::string validated_client_id(const nlohmann::json& frame) {
  if (!frame.contains("clientId") || !frame["clientId"].is_string()) {
    throw ApiError::invalid_field("clientId must be a string");
  }
  std::string id = frame["clientId"].get<std::string>();
  bool ok = !id.empty() && id.size() <= kMaxClientIdChars &&
            std::all_of(id.begin(), id.end(), [](char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_'; });
  if (!ok) throw ApiError::invalid_field("clientId must be 1-64 characters of A-Z, a-z, 0-9, - and _");
  return id;
}

}  // namespace parley::chat
