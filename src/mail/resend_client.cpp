#include "parley/mail/resend_client.hpp"

#include <curl/curl.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <charconv>
#include <cmath>
#include <mutex>

namespace parley::mail {
namespace {

constexpr std::size_t kMaxResponseBody = 64 * 1024;
constexpr auto kQuotaHold = std::chrono::hours(1);
constexpr auto kApiKeyHold = std::chrono::minutes(10);

std::string lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return s;
}

std::string trim(std::string_view s) {
  std::size_t b = 0, e = s.size();
  while (b < e && (s[b] == ' ' || s[b] == '\t' || s[b] == '\r' || s[b] == '\n')) ++b;
  while (e > b && (s[e - 1] == ' ' || s[e - 1] == '\t' || s[e - 1] == '\r' || s[e - 1] == '\n')) --e;
  return std::string(s.substr(b, e - b));
}

std::size_t on_body(char* data, std::size_t size, std::size_t n, void* user) {
  auto* out = static_cast<std::string*>(user);
  std::size_t len = size * n;
  if (out->size() < kMaxResponseBody) out->append(data, std::min(len, kMaxResponseBody - out->size()));
  return len;
}

std::size_t on_header(char* data, std::size_t size, std::size_t n, void* user) {
  auto* headers = static_cast<std::map<std::string, std::string>*>(user);
  std::size_t len = size * n;
  std::string_view line(data, len);
  if (line.rfind("HTTP/", 0) == 0) {
    headers->clear();  // a new response (after 100 Continue): keep only the last one's
  } else if (auto colon = line.find(':'); colon != std::string_view::npos) {
    (*headers)[lower(std::string(line.substr(0, colon)))] = trim(line.substr(colon + 1));
  }
  return len;
}

int on_progress(void* user, curl_off_t, curl_off_t, curl_off_t, curl_off_t) {
  const auto* abort = static_cast<const std::atomic<bool>*>(user);
  return abort && abort->load() ? 1 : 0;
}

}  // namespace

void init_curl() {
  static std::once_flag once;
  std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
}

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

ResendClient::ResendClient(ResendSettings settings) : settings_(std::move(settings)) {
  init_curl();
  curl_ = curl_easy_init();
}

ResendClient::~ResendClient() {
  if (curl_) curl_easy_cleanup(static_cast<CURL*>(curl_));
}

HttpResult ResendClient::send(const OutgoingEmail& email, const std::atomic<bool>* abort) {
  HttpResult result;
  auto* curl = static_cast<CURL*>(curl_);
  if (!curl) {
    result.transport_error = "curl_easy_init failed";
    return result;
  }
  curl_easy_reset(curl);  // keeps the connection cache
  std::string url = settings_.api_url + "/emails";
  std::string body = email_request_body(email);
  curl_slist* headers = nullptr;
  headers = curl_slist_append(headers, ("Authorization: Bearer " + settings_.api_key).c_str());
  headers = curl_slist_append(headers, "Content-Type: application/json");
  headers = curl_slist_append(headers, "Accept: application/json");
  headers = curl_slist_append(headers, ("Idempotency-Key: " + email.idempotency_key).c_str());
  headers = curl_slist_append(headers, "Expect:");  // no 100-continue round trip

  curl_easy_setopt(curl, CURLOPT_URL, url.c_str());
  curl_easy_setopt(curl, CURLOPT_PROTOCOLS_STR, "http,https");
  curl_easy_setopt(curl, CURLOPT_FOLLOWLOCATION, 0L);
  curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);  // threads: time-outs without SIGALRM
  curl_easy_setopt(curl, CURLOPT_SSL_VERIFYPEER, 1L);
  curl_easy_setopt(curl, CURLOPT_SSL_VERIFYHOST, 2L);
  curl_easy_setopt(curl, CURLOPT_CONNECTTIMEOUT_MS, static_cast<long>(settings_.connect_timeout.count()));
  curl_easy_setopt(curl, CURLOPT_TIMEOUT_MS, static_cast<long>(settings_.total_timeout.count()));
  curl_easy_setopt(curl, CURLOPT_USERAGENT, settings_.user_agent.c_str());
  curl_easy_setopt(curl, CURLOPT_HTTPHEADER, headers);
  curl_easy_setopt(curl, CURLOPT_POST, 1L);
  curl_easy_setopt(curl, CURLOPT_POSTFIELDSIZE, static_cast<long>(body.size()));
  curl_easy_setopt(curl, CURLOPT_POSTFIELDS, body.c_str());
  curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, on_body);
  curl_easy_setopt(curl, CURLOPT_WRITEDATA, &result.body);
  curl_easy_setopt(curl, CURLOPT_HEADERFUNCTION, on_header);
  curl_easy_setopt(curl, CURLOPT_HEADERDATA, &result.headers);
  curl_easy_setopt(curl, CURLOPT_NOPROGRESS, 0L);
  curl_easy_setopt(curl, CURLOPT_XFERINFOFUNCTION, on_progress);
  curl_easy_setopt(curl, CURLOPT_XFERINFODATA, const_cast<std::atomic<bool>*>(abort));

  CURLcode rc = curl_easy_perform(curl);
  curl_slist_free_all(headers);
  if (rc != CURLE_OK) {
    result.status = 0;
    result.transport_error = curl_easy_strerror(rc);
    result.timed_out = rc == CURLE_OPERATION_TIMEDOUT;
    result.aborted = rc == CURLE_ABORTED_BY_CALLBACK;
    return result;
  }
  curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &result.status);
  return result;
}

}  // namespace parley::mail
