#include "parley/mail/resend_client.hpp"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <charconv>
#include <cmath>

namespace parley::mail {
namespace {

constexpr std::size_t kMaxResponseBody = 64 * 1024;
constexpr auto kQuotaHold = std::chrono::hours(1);
constexpr auto kApiKeyHold = std::chrono::minutes(10);

std::string trim(std::string_view s) {
  std::size_t b = 0, e = s.size();
  while (b < e && (s[b] == ' ' || s[b] == '\t' || s[b] == '\r' || s[b] == '\n')) ++b;
  while (e > b && (s[e - 1] == ' ' || s[e - 1] == '\t' || s[e - 1] == '\r' || s[e - 1] == '\n')) --e;
  return std::string(s.substr(b, e - b));
}

}  // namespace

std::optional<std::chrono::milliseconds> parse_retry_after(std::string_view value) {
  std::string v = trim(value);
  if (v.empty()) return std::nullopt;
  // Delta seconds, possibly fractional ("1.5").
  double seconds = 0;
  auto [end, ec] = std::from_chars(v.data(), v.data() + v.size(), seconds);
  if (ec != std::errc{} || end != v.data() + v.size() || !std::isfinite(seconds) || seconds < 0) return std::nullopt;
  seconds = std::min(seconds, 86400.0);
  return std::chrono::milliseconds(static_cast<std::int64_t>(std::ceil(seconds * 1000)));
}

std::chrono::milliseconds backoff_delay(int attempt, double unit, std::chrono::milliseconds base,
                                        std::chrono::milliseconds cap) {
  if (attempt < 1) attempt = 1;
  double ceiling = static_cast<double>(base.count()) * std::pow(2.0, std::min(attempt - 1, 40));
  ceiling = std::min(ceiling, static_cast<double>(cap.count()));
  unit = std::clamp(unit, 0.0, 1.0);
  return std::chrono::milliseconds(static_cast<std::int64_t>(unit * ceiling));
}

SendDecision classify_response(const HttpResult& r) {
  SendDecision d;
  if (r.status == 0) {
    d.verdict = Verdict::retry;
    if (r.aborted) {
      d.reason = "interrupted by shutdown";
      d.retry_after = std::chrono::milliseconds(0);
    } else {
      d.reason = r.timed_out ? "timed out: " + r.transport_error : "no answer: " + r.transport_error;
      d.counts_as_failure = true;
    }
    return d;
  }
  auto body = nlohmann::json::parse(r.body, nullptr, false);
  if (r.status >= 200 && r.status < 300) {
    d.verdict = Verdict::sent;
    if (body.is_object() && body.contains("id") && body["id"].is_string())
      d.provider_id = body["id"].get<std::string>();
    return d;
  }
  std::string name, message;
  if (body.is_object()) {
    if (body.contains("name") && body["name"].is_string()) name = body["name"].get<std::string>();
    if (body.contains("message") && body["message"].is_string()) message = body["message"].get<std::string>();
  }
  d.reason = std::to_string(r.status) + (name.empty() ? "" : " " + name);
  if (!message.empty()) d.reason += ": " + message;
  std::optional<std::chrono::milliseconds> retry_after;
  if (auto it = r.headers.find("retry-after"); it != r.headers.end()) retry_after = parse_retry_after(it->second);

  if (r.status == 429) {
    if (name.find("quota") != std::string::npos) {
      d.verdict = Verdict::hold;  // daily_quota_exceeded, monthly_quota_exceeded: an operator must know
      d.retry_after = retry_after.value_or(std::chrono::duration_cast<std::chrono::milliseconds>(kQuotaHold));
    } else {
      d.verdict = Verdict::retry;  // rate_limit_exceeded
      d.retry_after = retry_after;
    }
    return d;
  }
  if (r.status == 409) {
    if (name == "concurrent_idempotent_requests") {
      d.verdict = Verdict::retry;  // the same key is in flight elsewhere: its answer decides
      d.retry_after = retry_after;
    } else {
      d.verdict = Verdict::failed;  // invalid_idempotent_request: never resend a different body
    }
    return d;
  }
  if (r.status == 401) {
    d.verdict = Verdict::hold;  // missing or restricted API key: fixed by an operator, then sent
    d.retry_after = std::chrono::duration_cast<std::chrono::milliseconds>(kApiKeyHold);
    return d;
  }
  if (r.status >= 500 || r.status == 408) {
    d.verdict = Verdict::retry;
    d.retry_after = retry_after;
    d.counts_as_failure = true;
    return d;
  }
  d.verdict = Verdict::failed;  // 400, 403, 422 and any other client error: the email itself is wrong
  return d;
}

std::string email_request_body(const OutgoingEmail& email) {
  nlohmann::json body = {{"from", email.from},
                         {"to", nlohmann::json::array({email.to})},
                         {"subject", email.subject},
                         {"html", email.html},
                         {"text", email.text}};
  return body.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

ResendClient::ResendClient(ResendSettings settings) : settings_(std::move(settings)) {}

HttpResult ResendClient::send(const OutgoingEmail& email, const std::atomic<bool>* abort) {
  outbound::PostRequest request;
  request.url = settings_.api_url + "/emails";
  request.body = email_request_body(email);
  request.headers = {"Authorization: Bearer " + settings_.api_key, "Content-Type: application/json",
                     "Accept: application/json", "Idempotency-Key: " + email.idempotency_key};
  request.user_agent = settings_.user_agent;
  request.connect_timeout = settings_.connect_timeout;
  request.total_timeout = settings_.total_timeout;
  request.max_response = kMaxResponseBody;
  request.oversize = outbound::OversizeAnswer::truncate;  // Resend's answers are small; keep what fits
  return http_.post(request, abort);
}

}  // namespace parley::mail
