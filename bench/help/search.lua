-- wrk script for bench/help_search: a realistic mix of help-center searches, not a loop over a
-- few. A pool of BENCH_HELP_POOL (5,000) distinct queries — first the 40 of BENCH_HELP_QUERIES
-- (the fixture corpus's words, stems, typos, a phrase, an exclusion, and the generated articles'
-- topics), then queries made from the corpus's words (BENCH_HELP_TOPICS: the generated
-- articles' topic words, most common first; a topic, a verb and a topic, two topics, a
-- question, a typo) — asked with a Zipf-like frequency (the query of rank k with P ∝ ~1/k: a
-- few common questions, a long tail); and a share BENCH_HELP_UNIQUE (0.3) of queries made the
-- same way but never asked before in this run (the tail of questions nobody else asks).
-- The pool is the same in every run (seed 17); the order of the queries follows BENCH_HELP_SEED.
-- Prints one RESULT line: requests/s, the p50/p95/p99 latency, the count of non-2xx answers.
local function read_lines(path)
  local out = {}
  for line in io.lines(path) do
    if line ~= "" then out[#out + 1] = line end
  end
  return out
end

local base = read_lines(os.getenv("BENCH_HELP_QUERIES"))
local topics = read_lines(os.getenv("BENCH_HELP_TOPICS"))
local pool_size = tonumber(os.getenv("BENCH_HELP_POOL") or "5000")
local unique_share = tonumber(os.getenv("BENCH_HELP_UNIQUE") or "0.3")
local verbs = { "set up", "configure", "use", "troubleshoot", "turn on", "manage", "connect", "export" }
local generic = { "settings", "page", "button", "user", "workspace", "profile", "message", "link", "list", "default" }

-- 1..n, log-uniform: P(k) ∝ ~1/k (as generate.awk draws topics).
local function zipf(n) return math.floor(n ^ math.random()) end

local function typo(w)
  local i = math.random(2, #w)
  return w:sub(1, i - 1) .. w:sub(i + 1)
end

local function make_query()
  local t = topics[zipf(#topics)]
  local r = math.random()
  if r < 0.30 then return t end
  if r < 0.50 then return verbs[math.random(#verbs)] .. " " .. t end
  if r < 0.65 then return t .. " " .. topics[zipf(#topics)] end
  if r < 0.75 then return t .. " " .. generic[math.random(#generic)] end
  if r < 0.90 then return "how do i " .. verbs[math.random(#verbs)] .. " " .. t end
  return typo(t)
end

local function path_of(q)
  local enc = q:gsub("[^%w%-_%.~]", function(c) return string.format("%%%02X", string.byte(c)) end)
  return "/api/help/search?q=" .. enc
end

math.randomseed(17)
local seen, pool = {}, {}
for _, q in ipairs(base) do
  if not seen[q] then seen[q] = true; pool[#pool + 1] = path_of(q) end
end
while #pool < pool_size do
  local q = make_query()
  if not seen[q] then seen[q] = true; pool[#pool + 1] = path_of(q) end
end
math.randomseed(tonumber(os.getenv("BENCH_HELP_SEED") or "1"))

request = function()
  if math.random() < unique_share then
    local q
    repeat q = make_query() until not seen[q]
    seen[q] = true
    return wrk.format("GET", path_of(q))
  end
  return wrk.format("GET", pool[zipf(#pool)])
end

done = function(summary, latency, requests)
  local non2xx = (summary.errors.status or 0)
  io.write(string.format("RESULT rps=%.0f p50_ms=%.2f p95_ms=%.2f p99_ms=%.2f requests=%d non2xx=%d pool=%d\n",
    summary.requests / (summary.duration / 1e6), latency:percentile(50) / 1000, latency:percentile(95) / 1000,
    latency:percentile(99) / 1000, summary.requests, non2xx, #pool))
end
