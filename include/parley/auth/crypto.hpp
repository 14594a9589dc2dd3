#pragma once
// Small wrappers over libsodium: random tokens, hashes for storing tokens, the identity
// HMAC check, and Argon2id password hashes.
#include <string>
#include <string_view>

namespace parley::auth {

// Must be called once before any other function here (sodium_init).
void init_crypto();

// 256 random bits, base64url without padding (43 characters).
std::string random_token();

// SHA-256 of a token, the only form in which tokens are stored.
std::string token_digest(std::string_view token);

// Lowercase hex of any bytes (e.g. token digests passed as text for SQL's decode(h, 'hex')).
std::string to_hex(std::string_view bytes);

// Lowercase hex HMAC-SHA256(secret, message).
std::string hmac_sha256_hex(std::string_view secret, std::string_view message);

// True when `user_hash` is exactly the lowercase hex HMAC-SHA256(secret, user_id),
// compared in constant time.
bool verify_user_hash(std::string_view secret, std::string_view user_id, std::string_view user_hash);

// Argon2id (libsodium's interactive limits). Slow on purpose: call off the I/O threads.
std::string hash_password(std::string_view password);
bool verify_password(const std::string& stored_hash, std::string_view password);

}  // namespace parley::auth
