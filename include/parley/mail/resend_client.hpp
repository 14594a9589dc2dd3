#pragma once
// Resend's HTTP API over libcurl (POST {RESEND_API_URL}/emails), and the pure rules that
// turn its answers into what the outbox does next.
#include <atomic>
#include <chrono>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>

#include "parley/outbound/http_post.hpp"

namespace parley::mail {

struct OutgoingEmail {
  std::string from;
  std::string to;
  std::string subject;
  std::string html;
  std::string text;
  std::string idempotency_key;
};

// What came back from one request (the shared outgoing-HTTP result).
using HttpResult = outbound::HttpResult;

enum class Verdict {
  sent,    // accepted by Resend
  retry,   // try again at `retry_after` (or after a backoff delay when it is not set)
  hold,    // a condition an operator must see (quota, API key): try again much later
  failed,  // never retried (validation errors)
};

struct SendDecision {
  Verdict verdict = Verdict::retry;
  std::string provider_id;  // Resend's email id when sent
  std::string reason;       // for logs and agents: "422 validation_error: Invalid `to` field"
  // Set when the answer says when to come back (retry-after, holds); empty: use backoff.
  std::optional<std::chrono::milliseconds> retry_after;
  bool counts_as_failure = false;  // 5xx, time-outs: these give up after a number of attempts
};

// Classifies an answer by HTTP status and Resend's error body {statusCode, message, name}.
SendDecision classify_response(const HttpResult& result);

// Parses a Retry-After value (delta seconds; an HTTP date is not used by Resend and is
// ignored). Empty when absent or malformed.
std::optional<std::chrono::milliseconds> parse_retry_after(std::string_view value);

// Exponential backoff with full jitter: a uniform draw from [0, min(cap, base·2^(attempt-1))],
// attempt ≥ 1. `unit` is the uniform draw in [0, 1).
std::chrono::milliseconds backoff_delay(int attempt, double unit,
                                        std::chrono::milliseconds base = std::chrono::seconds(1),
                                        std::chrono::milliseconds cap = std::chrono::minutes(10));

// The JSON body of POST /emails.
std::string email_request_body(const OutgoingEmail& email);

struct ResendSettings {
  std::string api_url;  // without a trailing slash
  std::string api_key;
  std::string user_agent;
  std::chrono::milliseconds connect_timeout = std::chrono::seconds(5);
  std::chrono::milliseconds total_timeout = std::chrono::seconds(10);
};

// One outgoing-HTTP handle (kept for connection reuse), used by one thread at a time.
class ResendClient {
 public:
  explicit ResendClient(ResendSettings settings);
  ResendClient(const ResendClient&) = delete;
  ResendClient& operator=(const ResendClient&) = delete;

  // Blocks for at most the total time-out; `abort` (when set) ends the request early.
  HttpResult send(const OutgoingEmail& email, const std::atomic<bool>* abort = nullptr);

 private:
  ResendSettings settings_;
  outbound::HttpHandle http_;
};

}  // namespace parley::mail
