#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "parley/mail/resend_client.hpp"

using namespace parley::mail;
using std::chrono::milliseconds;

namespace {
HttpResult answer(long status, std::string body, std::map<std::string, std::string> headers = {}) {
  HttpResult r;
  r.status = status;
  r.body = std::move(body);
  r.headers = std::move(headers);
  return r;
}
std::string error_body(int status, const std::string& name, const std::string& message) {
  return nlohmann::json{{"statusCode", status}, {"name", name}, {"message", message}}.dump();
}
}  // namespace

TEST(MailResend, SuccessIsSentWithTheProviderId) {
  auto d = classify_response(answer(200, R"({"id":"49a3999c-0ce1-4ea6-ab68-afcd6dc2e794"})"));
  EXPECT_EQ(d.verdict, Verdict::sent);
  EXPECT_EQ(d.provider_id, "49a3999c-0ce1-4ea6-ab68-afcd6dc2e794");
}

TEST(MailResend, RateLimitRetriesAfterRetryAfter) {
  auto d = classify_response(
      answer(429, error_body(429, "rate_limit_exceeded", "Too many requests"), {{"retry-after", "2"}}));
  EXPECT_EQ(d.verdict, Verdict::retry);
  ASSERT_TRUE(d.retry_after.has_value());
  EXPECT_EQ(*d.retry_after, milliseconds(2000));
  EXPECT_FALSE(d.counts_as_failure);
  EXPECT_NE(d.reason.find("rate_limit_exceeded"), std::string::npos);
}

TEST(MailResend, RateLimitWithoutRetryAfterUsesBackoff) {
  auto d = classify_response(answer(429, error_body(429, "rate_limit_exceeded", "slow down")));
  EXPECT_EQ(d.verdict, Verdict::retry);
  EXPECT_FALSE(d.retry_after.has_value());
}

TEST(MailResend, QuotaExceededIsHeld) {
  for (const char* name : {"daily_quota_exceeded", "monthly_quota_exceeded"}) {
    auto d = classify_response(answer(429, error_body(429, name, "You have reached your quota")));
    EXPECT_EQ(d.verdict, Verdict::hold) << name;
    ASSERT_TRUE(d.retry_after.has_value());
    EXPECT_GE(*d.retry_after, milliseconds(60 * 1000));
  }
}

TEST(MailResend, ConcurrentIdempotentRequestRetriesButOtherBodyFails) {
  auto busy = classify_response(answer(409, error_body(409, "concurrent_idempotent_requests", "in progress")));
  EXPECT_EQ(busy.verdict, Verdict::retry);
  auto other = classify_response(answer(409, error_body(409, "invalid_idempotent_request", "different payload")));
  EXPECT_EQ(other.verdict, Verdict::failed);
}

TEST(MailResend, ServerErrorsAndTimeoutsBackOffAndCount) {
  auto d = classify_response(answer(500, error_body(500, "application_error", "oops")));
  EXPECT_EQ(d.verdict, Verdict::retry);
  EXPECT_TRUE(d.counts_as_failure);
  EXPECT_FALSE(d.retry_after.has_value());
  auto gateway = classify_response(answer(502, "<html>bad gateway</html>"));
  EXPECT_EQ(gateway.verdict, Verdict::retry);
  EXPECT_EQ(gateway.reason, "502");

  HttpResult timeout;
  timeout.timed_out = true;
  timeout.transport_error = "Timeout was reached";
  auto t = classify_response(timeout);
  EXPECT_EQ(t.verdict, Verdict::retry);
  EXPECT_TRUE(t.counts_as_failure);
  EXPECT_NE(t.reason.find("timed out"), std::string::npos);

  HttpResult aborted;
  aborted.aborted = true;
  auto a = classify_response(aborted);
  EXPECT_EQ(a.verdict, Verdict::retry);
  EXPECT_FALSE(a.counts_as_failure);
}

TEST(MailResend, ValidationErrorsFailForGoodWithTheReason) {
  for (int status : {400, 403, 422}) {
    auto d = classify_response(answer(status, error_body(status, "validation_error", "Invalid `to` field.")));
    EXPECT_EQ(d.verdict, Verdict::failed) << status;
    EXPECT_EQ(d.reason, std::to_string(status) + " validation_error: Invalid `to` field.");
  }
}

TEST(MailResend, MissingApiKeyIsHeld) {
  auto d = classify_response(answer(401, error_body(401, "missing_api_key", "Missing API key")));
  EXPECT_EQ(d.verdict, Verdict::hold);
}

TEST(MailResend, RetryAfterParsing) {
  EXPECT_EQ(parse_retry_after("3"), milliseconds(3000));
  EXPECT_EQ(parse_retry_after(" 1.5 "), milliseconds(1500));
  EXPECT_EQ(parse_retry_after("0"), milliseconds(0));
  EXPECT_FALSE(parse_retry_after("").has_value());
  EXPECT_FALSE(parse_retry_after("-1").has_value());
  EXPECT_FALSE(parse_retry_after("Wed, 21 Oct 2015 07:28:00 GMT").has_value());
  EXPECT_EQ(parse_retry_after("999999999"), milliseconds(86400 * 1000));
}

TEST(MailResend, BackoffIsFullJitterWithinBounds) {
  using std::chrono::seconds;
  EXPECT_EQ(backoff_delay(1, 0.0), milliseconds(0));
  EXPECT_EQ(backoff_delay(1, 0.999999), milliseconds(999));
  EXPECT_EQ(backoff_delay(3, 0.5), milliseconds(2000));  // ceiling 4 s
  EXPECT_LE(backoff_delay(4, 0.999999), milliseconds(8000));
  // Capped, however many attempts.
  EXPECT_LE(backoff_delay(100, 0.999999), std::chrono::duration_cast<milliseconds>(std::chrono::minutes(10)));
  EXPECT_EQ(backoff_delay(0, 1.0), milliseconds(1000));
  for (int attempt = 1; attempt < 30; ++attempt) {
    for (double u : {0.0, 0.1, 0.5, 0.9, 0.9999}) {
      auto d = backoff_delay(attempt, u, seconds(1), seconds(60));
      EXPECT_GE(d, milliseconds(0));
      EXPECT_LE(d, milliseconds(std::min<std::int64_t>(60000, 1000LL << std::min(attempt - 1, 20))));
    }
  }
}

TEST(MailResend, RequestBodyHasTheResendShape) {
  OutgoingEmail e{"Parley <support@acme.test>", "ann@acme.test", "Hi", "<p>x</p>", "x", "key"};
  auto body = nlohmann::json::parse(email_request_body(e));
  EXPECT_EQ(body["from"], "Parley <support@acme.test>");
  EXPECT_EQ(body["to"], nlohmann::json::array({"ann@acme.test"}));
  EXPECT_EQ(body["subject"], "Hi");
  EXPECT_EQ(body["html"], "<p>x</p>");
  EXPECT_EQ(body["text"], "x");
  EXPECT_FALSE(body.contains("key"));
}
