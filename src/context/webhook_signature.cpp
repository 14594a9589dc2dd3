#include "parley/context/webhook_signature.hpp"

#include <sodium.h>

namespace parley::context {
namespace {

constexpr std::string_view kPrefix = "whsec_";
constexpr std::size_t kMinKey = 24;
constexpr std::size_t kMaxKey = 64;

std::string base64(const unsigned char* data, std::size_t len, int variant) {
  std::string out(sodium_base64_encoded_len(len, variant), '\0');
  sodium_bin2base64(out.data(), out.size(), data, len, variant);
  out.resize(out.size() - 1);  // the terminating NUL
  return out;
}

}  // namespace

std::optional<std::string> decode_webhook_secret(std::string_view secret) {
  if (sodium_init() < 0) return std::nullopt;
  if (secret.substr(0, kPrefix.size()) != kPrefix) return std::nullopt;
  std::string_view b64 = secret.substr(kPrefix.size());
  unsigned char key[kMaxKey + 1];
  std::size_t len = 0;
  const char* end = nullptr;
  if (sodium_base642bin(key, sizeof key, b64.data(), b64.size(), nullptr, &len, &end,
                        sodium_base64_VARIANT_ORIGINAL) != 0 ||
      end != b64.data() + b64.size() || len < kMinKey || len > kMaxKey) {
    return std::nullopt;
  }
  std::string out(reinterpret_cast<const char*>(key), len);
  sodium_memzero(key, sizeof key);
  return out;
}

std::string webhook_signature(std::string_view key, std::string_view id, std::int64_t timestamp, std::string_view body) {
  std::string ts = std::to_string(timestamp);
  crypto_auth_hmacsha256_state state;
  crypto_auth_hmacsha256_init(&state, reinterpret_cast<const unsigned char*>(key.data()), key.size());
  auto add = [&state](std::string_view part) {
    crypto_auth_hmacsha256_update(&state, reinterpret_cast<const unsigned char*>(part.data()), part.size());
  };
  add(id);
  add(".");
  add(ts);
  add(".");
  add(body);
  unsigned char mac[crypto_auth_hmacsha256_BYTES];
  crypto_auth_hmacsha256_final(&state, mac);
  return "v1," + base64(mac, sizeof mac, sodium_base64_VARIANT_ORIGINAL);
}

std::string new_message_id() {
  unsigned char bytes[16];
  randombytes_buf(bytes, sizeof bytes);
  return "msg_" + base64(bytes, sizeof bytes, sodium_base64_VARIANT_URLSAFE_NO_PADDING);
}

}  // namespace parley::context
