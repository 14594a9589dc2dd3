#!/usr/bin/env node
// Clients of GET /api/search for bench/search (not run on its own):
//   node bench/search-load.mjs latency URL   each query class in turn, one request at a time,
//                                            BENCH_SEARCH_REQUESTS (100) per class; prints JSON
//                                            {class: {n, p50, p95, max, results, errors}};
//                                            BENCH_SEARCH_PACE_MS: each request starts at least
//                                            that long after the one before (a team's searches
//                                            at a steady rate rather than back to back)
//   node bench/search-load.mjs storm URL S   BENCH_SEARCH_CLIENTS (4) clients searching without
//                                            pause (every class mixed) for S seconds; prints JSON
//                                            {searches, per_s, p50, p95, status counts}
// The agent is BENCH_AGENT_EMAIL / BENCH_AGENT_PASSWORD; the words come from WORDS below and
// from BENCH_SEARCH_WORDS_JSON (the rare words and codes bench/search picked from the history).
import { performance } from 'node:perf_hooks';
import { request } from '../tests/support/http.mjs';

const [mode, url, seconds] = process.argv.slice(2);
const extra = JSON.parse(process.env.BENCH_SEARCH_WORDS_JSON || '{}');
// Classes of queries (docs/BENCHMARKS.md): words in many messages, in few, in one, phrases
// (in quotes), words with an exclusion, and visitors' names / emails (pg_trgm).
const CLASSES = {
  common: ['order', 'account', 'payment', 'refund', 'password', 'shipping', 'invoice', 'login', 'card', 'delivery'],
  rare: extra.rare || [],
  unique: extra.unique || [],
  phrase: extra.phrase || ['"reset password"', '"order payment"', '"card declined"', '"thank you"', '"tracking number"',
    '"refund order"', '"please help"', '"account email"'],
  exclusion: ['order -refund', 'payment -card', 'password -reset', 'invoice -tax'],
  name: ['Margaret Garcia', 'jennifer.smith', 'Kowalsky', 'user-424242', 'Haruto Tanaka', 'Ingrid Nielsen'],
};

async function login() {
  const res = await request(`${url}/api/auth/login`, {
    method: 'POST',
    body: { email: process.env.BENCH_AGENT_EMAIL, password: process.env.BENCH_AGENT_PASSWORD },
  });
  if (res.status !== 200) throw new Error(`login: ${res.status} ${res.text}`);
  return [].concat(res.headers['set-cookie']).find((c) => c.startsWith('parley_session=')).split(';')[0];
}

async function searchOnce(cookie, q) {
  const t = performance.now();
  const res = await request(`${url}/api/search?${new URLSearchParams({ q, limit: '20' })}`, { headers: { Cookie: cookie }, timeout: 30000 });
  const ms = performance.now() - t;
  return { ms, status: res.status, n: res.status === 200 ? res.json().results.length : 0 };
}

const pct = (sorted, p) => (sorted.length ? sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))] : null);
const round = (v) => (v === null ? null : Math.round(v * 100) / 100);

const cookie = await login();
if (mode === 'latency') {
  const n = Number(process.env.BENCH_SEARCH_REQUESTS || 100);
  const paceMs = Number(process.env.BENCH_SEARCH_PACE_MS || 0);
  let lastStart = 0;
  const paced = async (q) => {
    const wait = lastStart + paceMs - performance.now();
    if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
    lastStart = performance.now();
    return searchOnce(cookie, q);
  };
  const out = {};
  for (const [name, words] of Object.entries(CLASSES)) {
    if (!words.length) continue;
    for (const q of words) await paced(q); // warm the cache and the plans once
    const ms = [];
    let results = 0;
    let errors = 0;
    for (let i = 0; i < n; i++) {
      const r = await paced(words[i % words.length]);
      if (r.status !== 200) errors++;
      results += r.n;
      ms.push(r.ms);
    }
    ms.sort((a, b) => a - b);
    out[name] = { n, p50: round(pct(ms, 0.5)), p95: round(pct(ms, 0.95)), max: round(ms[ms.length - 1]),
      mean_results: round(results / n), errors };
  }
  console.log(JSON.stringify(out));
} else if (mode === 'storm') {
  const all = Object.values(CLASSES).flat();
  const until = performance.now() + Number(seconds) * 1000;
  const ms = [];
  const statuses = {};
  const client = async (k) => {
    for (let i = k; performance.now() < until; i++) {
      const r = await searchOnce(cookie, all[(i * 7) % all.length]);
      ms.push(r.ms);
      statuses[r.status] = (statuses[r.status] || 0) + 1;
    }
  };
  await Promise.all(Array.from({ length: Number(process.env.BENCH_SEARCH_CLIENTS || 4) }, (_, k) => client(k)));
  ms.sort((a, b) => a - b);
  console.log(JSON.stringify({ searches: ms.length, per_s: round(ms.length / Number(seconds)), p50: round(pct(ms, 0.5)),
    p95: round(pct(ms, 0.95)), statuses }));
} else {
  console.error('usage: search-load.mjs latency URL | storm URL SECONDS');
  process.exit(2);
}
