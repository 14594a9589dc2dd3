// Product context: the Standard Webhooks signature, the secret's format, and the strict
// reading of the customer's cards (docs/CONTEXT.md).
#include <gtest/gtest.h>

#include <future>

#include "parley/config/config.hpp"
#include "parley/context/cards.hpp"
#include "parley/context/context_service.hpp"
#include "parley/context/webhook_signature.hpp"

using parley::context::decode_webhook_secret;
using parley::context::is_http_url;
using parley::context::parse_cards;
using parley::context::webhook_signature;

// The example in the Standard Webhooks / Svix documentation.
TEST(ContextSignature, MatchesThePublishedExample) {
  auto key = decode_webhook_secret("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw");
  ASSERT_TRUE(key);
  EXPECT_EQ(key->size(), 24u);
  EXPECT_EQ(webhook_signature(*key, "msg_p5jXN8AQM9LWM0D4loKWxJek", 1614265330, R"({"test": 2432232314})"),
            "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=");
}

TEST(ContextSignature, SecretsMustBeWhsecBase64Of24To64Bytes) {
  EXPECT_FALSE(decode_webhook_secret("MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"));  // no prefix
  EXPECT_FALSE(decode_webhook_secret("whsec_"));
  EXPECT_FALSE(decode_webhook_secret("whsec_c2hvcnQ="));                      // 5 bytes
  EXPECT_FALSE(decode_webhook_secret("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaS!"));
  EXPECT_FALSE(decode_webhook_secret("whsec_" + std::string(88, 'A')));       // 66 bytes
  EXPECT_TRUE(decode_webhook_secret("whsec_" + std::string(86, 'A') + "=="));  // 64 bytes

  EXPECT_TRUE(parley::is_webhook_secret("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"));
  EXPECT_TRUE(parley::is_webhook_secret("whsec_" + std::string(86, 'A') + "=="));
  EXPECT_FALSE(parley::is_webhook_secret("whsec_" + std::string(88, 'A')));
  EXPECT_FALSE(parley::is_webhook_secret("whsec_c2hvcnQ="));
  EXPECT_FALSE(parley::is_webhook_secret("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaS="));  // = inside
  EXPECT_FALSE(parley::is_webhook_secret("MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"));
}

TEST(ContextSignature, MessageIdsAreUnique) {
  auto a = parley::context::new_message_id();
  EXPECT_EQ(a.rfind("msg_", 0), 0u);
  EXPECT_NE(a, parley::context::new_message_id());
}

TEST(ContextConfig, UrlNeedsAValidSecret) {
  using parley::ConfigError;
  using parley::parse_config;
  EXPECT_THROW(parse_config({}, {{"PARLEY_CONTEXT_URL", "https://crm.example/parley"}}), ConfigError);
  EXPECT_THROW(parse_config({}, {{"PARLEY_CONTEXT_URL", "ftp://crm.example/"}, {"PARLEY_CONTEXT_SECRET", "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"}}), ConfigError);
  EXPECT_THROW(parse_config({}, {{"PARLEY_CONTEXT_URL", "https://crm.example/"}, {"PARLEY_CONTEXT_SECRET", "hunter2"}}), ConfigError);
  EXPECT_THROW(parse_config({}, {{"PARLEY_CONTEXT_SECRET", "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"}}), ConfigError);
  try {
    parse_config({}, {{"PARLEY_CONTEXT_URL", "https://crm.example/"}, {"PARLEY_CONTEXT_SECRET", "hunter2"}});
  } catch (const ConfigError& e) {
    EXPECT_EQ(std::string(e.what()).find("hunter2"), std::string::npos) << "a secret is never echoed";
  }
  auto c = parse_config({"--context-url", "http://127.0.0.1:9/ctx", "--context-secret", "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"}, {});
  EXPECT_EQ(c.context_url, "http://127.0.0.1:9/ctx");
  EXPECT_TRUE(parse_config({}, {}).context_url.empty());
}

TEST(ContextCards, AGoodAnswerIsKept) {
  auto r = parse_cards(R"({"cards":[{"title":"Plan","fields":[{"label":"Plan","value":"Pro"},
      {"label":"Invoice","value":"#42","url":"https://billing.example/42"}]}],"extra":1})");
  ASSERT_TRUE(r.ok) << r.reason;
  ASSERT_EQ(r.cards.size(), 1u);
  EXPECT_EQ(r.cards[0]["title"], "Plan");
  EXPECT_EQ(r.cards[0]["fields"][1]["url"], "https://billing.example/42");
  EXPECT_FALSE(r.cards[0]["fields"][0].contains("url"));
  EXPECT_TRUE(parse_cards(R"({"cards":[]})").ok);
}

TEST(ContextCards, OnlyHttpLinksAreKept) {
  auto r = parse_cards(R"J({"cards":[{"title":"T","fields":[{"label":"a","value":"x","url":"javascript:alert(1)"},
      {"label":"b","value":"y","url":"JavaScript:alert(1)"},{"label":"c","value":"z","url":"/relative"},
      {"label":"d","value":"w","url":"data:text/html,hi"},{"label":"e","value":"v","url":"HTTP://ok.example"}]}]})J");
  ASSERT_TRUE(r.ok) << r.reason;
  for (int i = 0; i < 4; ++i) EXPECT_FALSE(r.cards[0]["fields"][i].contains("url")) << i;
  EXPECT_EQ(r.cards[0]["fields"][4]["url"], "HTTP://ok.example");
  EXPECT_EQ(r.dropped, 4u);
  EXPECT_FALSE(is_http_url("http://"));
  EXPECT_FALSE(is_http_url("https:///x"));
  EXPECT_FALSE(is_http_url("https://a b"));
}

TEST(ContextCards, BadShapesAreRefusedWithAReason) {
  struct Case {
    const char* body;
    const char* reason_part;
  };
  const Case cases[] = {
      {"not json", "not JSON"},
      {"[]", "JSON object"},
      {R"({"cards":{}})", "array"},
      {R"({})", "no \"cards\""},
      {R"({"cards":[1]})", "cards[0] must be an object"},
      {R"({"cards":[{"fields":[]}]})", "cards[0].title is missing"},
      {R"({"cards":[{"title":5,"fields":[]}]})", "cards[0].title must be a string"},
      {R"({"cards":[{"title":" ","fields":[]}]})", "cards[0].title is empty"},
      {R"({"cards":[{"title":"T"}]})", "cards[0].fields is missing"},
      {R"({"cards":[{"title":"T","fields":[{"label":"L","value":3}]}]})", "value must be a string"},
      {R"({"cards":[{"title":"T","fields":[{"label":"L","value":"v","url":7}]}]})", "url must be a string"},
      {R"({"cards":[{"title":"a\u0007b","fields":[]}]})", "control"},
      {R"({"cards":[{"title":"a\u202eb","fields":[]}]})", "bidirectional"},
  };
  for (const auto& c : cases) {
    auto r = parse_cards(c.body);
    EXPECT_FALSE(r.ok) << c.body;
    EXPECT_NE(r.reason.find(c.reason_part), std::string::npos) << c.body << " → " << r.reason;
    EXPECT_TRUE(r.cards.empty());
  }
}

TEST(ContextCards, CountsAreCappedAndLengthsRefused) {
  std::string many = R"({"cards":[)";
  for (int i = 0; i < 12; ++i) many += std::string(i ? "," : "") + R"({"title":"T","fields":[]})";
  many += "]}";
  auto r = parse_cards(many);
  ASSERT_TRUE(r.ok);
  EXPECT_EQ(r.cards.size(), 10u);
  EXPECT_EQ(r.dropped, 2u);

  std::string long_value = R"({"cards":[{"title":"T","fields":[{"label":"L","value":")" + std::string(1001, 'x') + R"("}]}]})";
  EXPECT_FALSE(parse_cards(long_value).ok);
  // Characters, not bytes: 1000 two-byte characters fit.
  std::string accents;
  for (int i = 0; i < 1000; ++i) accents += "é";
  EXPECT_TRUE(parse_cards(R"({"cards":[{"title":"T","fields":[{"label":"L","value":")" + accents + R"("}]}]})").ok);
}

// The service against an endpoint nobody listens on (connection refused at once): failures are
// answered, kept 30 s per visitor, the cache stays within its bound, and a full queue answers
// at once instead of waiting.
namespace {

parley::context::ContextAnswer lookup_now(parley::context::ContextService& service, std::int64_t visitor) {
  std::promise<parley::context::ContextAnswer> answer;
  parley::context::VisitorIdentity who;
  who.visitor_id = visitor;
  who.user_id = "u" + std::to_string(visitor);
  who.verified = true;
  service.lookup(who, [&answer](const parley::context::ContextAnswer& a) { answer.set_value(a); });
  return answer.get_future().get();
}

parley::context::ContextSettings refused_endpoint() {
  parley::context::ContextSettings s;
  s.url = "http://127.0.0.1:1/context";  // port 1: nothing listens, refused at once
  s.secret_key = std::string(32, 'k');
  s.threads = 1;
  return s;
}

}  // namespace

TEST(ContextService, FailuresAreAnsweredAndCachedWithinABound) {
  auto settings = refused_endpoint();
  settings.cache_entries = 2;
  parley::context::ContextService service(settings);
  auto first = lookup_now(service, 1);
  EXPECT_FALSE(first.ok);
  EXPECT_NE(first.reason.find("could not be reached"), std::string::npos) << first.reason;
  EXPECT_EQ(service.requests_sent(), 1u);
  lookup_now(service, 1);  // from the cache
  EXPECT_EQ(service.requests_sent(), 1u);
  lookup_now(service, 2);
  lookup_now(service, 3);  // the cache holds 2: the entry that expires first (visitor 1) goes
  EXPECT_EQ(service.requests_sent(), 3u);
  lookup_now(service, 1);
  EXPECT_EQ(service.requests_sent(), 4u);
  lookup_now(service, 3);
  EXPECT_EQ(service.requests_sent(), 4u);
}

TEST(ContextService, AFullQueueAnswersAtOnce) {
  auto settings = refused_endpoint();
  settings.queue_limit = 0;
  parley::context::ContextService service(settings);
  auto a = lookup_now(service, 1);
  EXPECT_FALSE(a.ok);
  EXPECT_EQ(a.reason, "too many lookups at once");
  EXPECT_EQ(service.requests_sent(), 0u);
}

TEST(ContextService, NotConfiguredWithoutAUrl) {
  parley::context::ContextService service(parley::context::ContextSettings{});
  EXPECT_FALSE(service.configured());
  service.stop();  // no threads: nothing to join
}
