#include <gtest/gtest.h>

#include <set>

#include "parley/auth/crypto.hpp"

using namespace parley::auth;

class Crypto : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { init_crypto(); }
};

TEST_F(Crypto, HmacMatchesKnownVector) {
  // RFC 4231 test case 2.
  EXPECT_EQ(hmac_sha256_hex("Jefe", "what do ya want for nothing?"),
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
}

TEST_F(Crypto, UserHashVerification) {
  std::string good = hmac_sha256_hex("s3cret", "42");
  EXPECT_TRUE(verify_user_hash("s3cret", "42", good));
  EXPECT_FALSE(verify_user_hash("s3cret", "43", good));
  EXPECT_FALSE(verify_user_hash("other", "42", good));
  std::string upper = good;
  for (auto& c : upper) c = static_cast<char>(std::toupper(c));
  EXPECT_FALSE(verify_user_hash("s3cret", "42", upper));  // lowercase hex only
  EXPECT_FALSE(verify_user_hash("s3cret", "42", good.substr(1)));
  EXPECT_FALSE(verify_user_hash("s3cret", "42", ""));
  EXPECT_FALSE(verify_user_hash("s3cret", "42", std::string(5000, 'a')));
}

TEST_F(Crypto, TokensAreLongRandomAndUrlSafe) {
  std::set<std::string> seen;
  for (int i = 0; i < 100; ++i) {
    std::string t = random_token();
    EXPECT_EQ(t.size(), 43u);  // 256 bits
    EXPECT_EQ(t.find_first_not_of("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"), std::string::npos);
    seen.insert(t);
  }
  EXPECT_EQ(seen.size(), 100u);
}

TEST_F(Crypto, TokenDigestIsStableSha256) {
  EXPECT_EQ(token_digest("abc").size(), 32u);
  EXPECT_EQ(token_digest("abc"), token_digest("abc"));
  EXPECT_NE(token_digest("abc"), token_digest("abd"));
}

TEST_F(Crypto, HexOfBytes) {
  EXPECT_EQ(to_hex(std::string("\x00\x0f\xa5\xff", 4)), "000fa5ff");
  EXPECT_EQ(to_hex(""), "");
  EXPECT_EQ(to_hex(token_digest("abc")).size(), 64u);
}

TEST_F(Crypto, PasswordsRoundTrip) {
  std::string hash = hash_password("correct horse");
  EXPECT_EQ(hash.rfind("$argon2id$", 0), 0u);
  EXPECT_TRUE(verify_password(hash, "correct horse"));
  EXPECT_FALSE(verify_password(hash, "correct horse "));
}
