-- wrk script for bench/help_search: cycles through visitor-like queries (words, stems, typos,
-- phrases, exclusions) and reports the p50/p95/p99 latency and requests/s as one line.
local queries = {
  "reset password", "resetting passwords", "pasword", "invoce", "download invoice",
  "cancel subscription", "\"api key\"", "sso -okta", "export conversations", "two factor",
  "webhook signature", "change plan", "refund", "slack integration", "widget colour",
  "how do i reset my password", "billing address vat", "saml single sign on", "rate limits", "delete account",
}
local paths = {}
for i, q in ipairs(queries) do
  local enc = q:gsub("[^%w%-_%.~]", function(c) return string.format("%%%02X", string.byte(c)) end)
  paths[i] = "/api/help/search?q=" .. enc
end
local n = 0
request = function()
  n = n + 1
  return wrk.format("GET", paths[(n % #paths) + 1])
end
done = function(summary, latency, requests)
  local non2xx = (summary.errors.status or 0)
  io.write(string.format("RESULT rps=%.0f p50_ms=%.2f p95_ms=%.2f p99_ms=%.2f requests=%d non2xx=%d\n",
    summary.requests / (summary.duration / 1e6), latency:percentile(50) / 1000, latency:percentile(95) / 1000,
    latency:percentile(99) / 1000, summary.requests, non2xx))
end
