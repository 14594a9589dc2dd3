#pragma once
// Signing a request the way Standard Webhooks sign (https://www.standardwebhooks.com/):
//   webhook-id         a unique message id
//   webhook-timestamp  unix seconds
//   webhook-signature  "v1," + base64(HMAC-SHA256(key, id + "." + timestamp + "." + body))
// where the key is the secret's bytes: the secret is written "whsec_" + base64(key).
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace parley::context {

// The key of a "whsec_<base64>" secret, 24 to 64 bytes as the specification recommends;
// nullopt for anything else (no prefix, bad base64, too short or long).
std::optional<std::string> decode_webhook_secret(std::string_view secret);

// "v1," + base64(HMAC-SHA256(key, id.timestamp.body)).
std::string webhook_signature(std::string_view key, std::string_view id, std::int64_t timestamp, std::string_view body);

// "msg_" + 128 random bits in base64url: unique per request.
std::string new_message_id();

}  // namespace parley::context
