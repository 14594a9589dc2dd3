-- wrk script for bench/help_search: cycles through the queries of the file named by
-- BENCH_HELP_QUERIES (one a line: the fixture corpus's words, stems, typos, a phrase, an
-- exclusion, and the generated articles' topics) and prints one RESULT line: requests/s, the
-- p50/p95/p99 latency, and the count of non-2xx answers.
local queries = {}
for line in io.lines(os.getenv("BENCH_HELP_QUERIES")) do
  if line ~= "" then queries[#queries + 1] = line end
end
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
  io.write(string.format("RESULT rps=%.0f p50_ms=%.2f p95_ms=%.2f p99_ms=%.2f requests=%d non2xx=%d queries=%d\n",
    summary.requests / (summary.duration / 1e6), latency:percentile(50) / 1000, latency:percentile(95) / 1000,
    latency:percentile(99) / 1000, summary.requests, non2xx, #queries))
end
