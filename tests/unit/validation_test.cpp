#include <gtest/gtest.h>

#include "parley/auth/crypto.hpp"
#include "parley/auth/visitor_identity.hpp"
#include "parley/chat/chat_service.hpp"
#include "parley/core/error.hpp"
#include "parley/net/http_types.hpp"
#include "parley/net/router.hpp"

using nlohmann::json;
using parley::ApiError;

TEST(Validation, MessageBody) {
  EXPECT_EQ(parley::chat::validated_body(json{{"body", "  hi \n"}}), "hi");
  EXPECT_THROW(parley::chat::validated_body(json{{"body", "   "}}), ApiError);
  EXPECT_THROW(parley::chat::validated_body(json{{"body", 5}}), ApiError);
  EXPECT_THROW(parley::chat::validated_body(json::object()), ApiError);
  EXPECT_NO_THROW(parley::chat::validated_body(json{{"body", std::string(8000, 'x')}}));
  EXPECT_THROW(parley::chat::validated_body(json{{"body", std::string(8001, 'x')}}), ApiError);
  // 8000 characters, not bytes: "é" is two bytes.
  std::string accented;
  for (int i = 0; i < 8000; ++i) accented += "\xC3\xA9";
  EXPECT_NO_THROW(parley::chat::validated_body(json{{"body", accented}}));
  EXPECT_NO_THROW(parley::chat::validated_body(json{{"body", "line\nline\ttab"}}));
  EXPECT_THROW(parley::chat::validated_body(json{{"body", std::string("a\0b", 3)}}), ApiError);
  EXPECT_THROW(parley::chat::validated_body(json{{"body", "bell\a"}}), ApiError);
}

TEST(Validation, ClientId) {
  EXPECT_EQ(parley::chat::validated_client_id(json{{"clientId", "abc-DEF_123"}}), "abc-DEF_123");
  EXPECT_THROW(parley::chat::validated_client_id(json{{"clientId", ""}}), ApiError);
  EXPECT_THROW(parley::chat::validated_client_id(json{{"clientId", "a b"}}), ApiError);
  EXPECT_THROW(parley::chat::validated_client_id(json{{"clientId", std::string(65, 'a')}}), ApiError);
  EXPECT_THROW(parley::chat::validated_client_id(json{{"clientId", 7}}), ApiError);
}

TEST(Validation, IdentifyRequest) {
  auto r = parley::auth::parse_identify_request(
      json{{"id", 42}, {"email", "ann@acme.io"}, {"name", "Ann"}, {"metadata", {{"plan", "pro"}, {"seats", 5}}}});
  EXPECT_EQ(*r.user_id, "42");
  EXPECT_EQ(r.metadata["plan"], "pro");
  EXPECT_THROW(parley::auth::parse_identify_request(json{{"metadata", "x"}}), ApiError);
  EXPECT_THROW(parley::auth::parse_identify_request(json{{"metadata", {{"nested", {{"a", 1}}}}}}), ApiError);
  EXPECT_THROW(parley::auth::parse_identify_request(json{{"email", "not-an-email"}}), ApiError);
  EXPECT_THROW(parley::auth::parse_identify_request(json{{"name", std::string(201, 'n')}}), ApiError);
  EXPECT_THROW(parley::auth::parse_identify_request(json::array()), ApiError);
  EXPECT_THROW(parley::auth::parse_identify_request(json{{"name", std::string("a\0b", 3)}}), ApiError);
  EXPECT_THROW(parley::auth::parse_identify_request(json{{"metadata", {{"k", std::string("a\0b", 3)}}}}), ApiError);
}

TEST(Validation, IdentityCheck) {
  parley::auth::init_crypto();
  parley::auth::IdentifyRequest r;
  r.user_id = "42";
  EXPECT_FALSE(parley::auth::check_identity(r, ""));  // no secret: unverified
  EXPECT_THROW(parley::auth::check_identity(r, "s"), ApiError);  // missing hash
  r.user_hash = "00";
  EXPECT_THROW(parley::auth::check_identity(r, "s"), ApiError);
  r.user_hash = parley::auth::hmac_sha256_hex("s", "42");
  EXPECT_TRUE(parley::auth::check_identity(r, "s"));
}

TEST(Http, QueryAndCookies) {
  parley::http::Request req;
  req.query = "status=OPEN%2CASSIGNED&assignedTo=me&empty=";
  req.headers = {{"cookie", "a=1; parley_session=tok; b=2"}};
  EXPECT_EQ(req.query_param("status"), "OPEN,ASSIGNED");
  EXPECT_EQ(req.query_param("assignedTo"), "me");
  EXPECT_EQ(req.query_param("empty"), "");
  EXPECT_EQ(req.query_param("missing"), "");
  EXPECT_EQ(req.cookie("parley_session"), "tok");
  EXPECT_EQ(req.cookie("c"), "");
  EXPECT_EQ(parley::http::percent_decode("%41%zz%"), "A%zz%");
}

TEST(Http, RouterMatchesParamsAndMethods) {
  parley::http::Router router;
  int hit = 0;
  router.add("POST", "/api/inbox/:id/assign", [&](const parley::http::Request&, parley::http::Responder) { hit = 1; });
  parley::http::Request req;
  req.method = "POST";
  req.path = "/api/inbox/17/assign";
  const parley::http::Handler* h = nullptr;
  ASSERT_EQ(router.match(req, &h), parley::http::Router::Match::found);
  EXPECT_EQ(req.params["id"], "17");
  req.method = "GET";
  EXPECT_EQ(router.match(req, &h), parley::http::Router::Match::wrong_method);
  req.path = "/api/inbox/17";
  EXPECT_EQ(router.match(req, &h), parley::http::Router::Match::none);
}
