#!/usr/bin/env node
// The report of bench/wait-profile (not run on its own): pg_stat_activity samples (one row per
// non-idle backend per 10 ms tick, the sampler's own row included, so every tick has one; with
// whether the backend holds the event-order lock, and the tick's sequence values), /metrics and
// /proc/stat polls, and the load generator's window lines, on one clock (Unix ms).
//   node bench/wait-profile.mjs --activity A.tsv --metrics M.txt --windows L.jsonl --start-ms MS --bucket-s 1 --first-s 5
// Prints a timeline; per role, where its backends' time went in the first seconds and after; and
// what the event-order lock's holder was doing.
import { readFileSync } from 'node:fs';

const args = {};
for (let i = 2; i < process.argv.length; i += 2) args[process.argv[i].replace(/^--/, '')] = process.argv[i + 1];
const startMs = Number(args['start-ms']);
const bucketMs = Number(args['bucket-s'] || 1) * 1000;
// The periods the tables cover: [0, s1), [s1, s2), … [sn, end); --split "3,12" or --first-s 5.
const splits = String(args.split || args['first-s'] || 5).split(',').map((x) => Number(x) * 1000);

// Who a backend is, told by a statement only that part of Parley runs (the first match wins).
const ROLES = [
  ['sampler', /^WITH holder AS \( SELECT pid FROM pg_locks/],
  ['writer', /unnest\(\$1::bigint\[\], \$2::message_sender|^WITH input AS \( SELECT \(n - 1\)/],
  ['outbox worker', /UPDATE email_outbox/],
  ['event feed', /^SELECT seq, visitor_id, frame/],
];
// What a statement is, in a few words (the first words of its SQL otherwise).
const STATEMENTS = [
  [/unnest\(\$1::bigint\[\], \$2::message_sender|^WITH input AS \( SELECT \(n - 1\)/, 'message batch insert'],
  [/json_to_recordset\(\$1::json\) AS x\(m bigint/, 'outbox enqueue'],
  [/pg_advisory_xact_lock/, 'event-order lock'],
  [/^UPDATE email_outbox e SET status = 'sending'/, 'outbox claim'],
  [/^UPDATE email_outbox SET status = \$2::email_status/, 'outbox record'],
  [/^UPDATE email_outbox SET subject/, 'outbox store rendered'],
  [/^INSERT INTO email_outbox \(kind, conversation_id, to_address, first_message_id, covers_through_message_id\) SELECT 'visitor_ack'/, 'late acks sweep'],
  [/^COMMIT/i, 'COMMIT'],
  [/^BEGIN/i, 'BEGIN'],
  [/bot_state = 'pending'\)?$|JOIN LATERAL \( SELECT body FROM message/, 'bot pending question'],
  [/^SELECT pg_notify/, 'NOTIFY'],
  [/^INSERT INTO conversation \(visitor_id, page_url, bot_state\)/, 'open conversation'],
  [/^SELECT status, coalesce\(bot_state/, 'bot: lock conversation'],
  [/^UPDATE conversation SET bot_state/, 'bot: apply'],
  [/^SELECT id FROM message WHERE conversation_id = \$1 AND sender = 'VISITOR'/, 'bot hand-off: visitor messages'],
  [/^SELECT \(doc::jsonb \|\| jsonb_build_object\('csat'/, 'conversation doc'],
  [/^INSERT INTO event_log/, 'event append'],
];
const statementOf = (q) => {
  for (const [re, name] of STATEMENTS) if (re.test(q)) return name;
  return q.slice(0, 60);
};

const activity = readFileSync(args.activity, 'utf8').split('\n').map((l) => l.split('\t'))
  .filter((f) => f.length >= 11 && /^\d+$/.test(f[0]))
  .map(([t, pid, state, wtype, wevent, holds, m, c, e, o, ...q]) => ({
    t: Number(t) - startMs, pid, state, wait: waitOf(state, wtype, wevent), holds: holds === 't',
    seq: { m: Number(m), c: Number(c), e: Number(e), o: Number(o) }, q: q.join('\t'),
  }));

function waitOf(state, type, event) {
  if (state === 'idle in transaction') return 'client (waits for Parley)';
  if (state === 'idle in transaction (aborted)') return 'client (aborted)';
  if (!type) return 'CPU (or waiting for it)';
  return `${type}:${event}`;
}

const roleOfPid = new Map();
for (const s of activity) {
  if (roleOfPid.has(s.pid)) continue;
  for (const [role, re] of ROLES) if (re.test(s.q)) { roleOfPid.set(s.pid, role); break; }
}
const roleOf = (pid) => roleOfPid.get(pid) || 'other (pool, router, …)';

// Ticks: the sampler's own rows.
const ticks = activity.filter((s) => roleOf(s.pid) === 'sampler').map((s) => s.t);
const tickMs = ticks.length > 1 ? (ticks[ticks.length - 1] - ticks[0]) / (ticks.length - 1) : 10;
const samples = activity.filter((s) => roleOf(s.pid) !== 'sampler');
const ticksIn = (from, to) => ticks.filter((t) => t >= from && t < to).length;

// Metrics: "UNIX_MS name value".
const metrics = new Map(); // name -> [[t, v]]
for (const line of readFileSync(args.metrics, 'utf8').split('\n')) {
  const m = /^(\d+) (\S+) (\S+)$/.exec(line);
  if (!m) continue;
  const name = m[2].replace(/\{.*\}/, (x) => x);
  if (!metrics.has(name)) metrics.set(name, []);
  metrics.get(name).push([Number(m[1]) - startMs, Number(m[3])]);
}
const at = (name, t) => { // the last value at or before t
  let v = null;
  for (const [tt, vv] of metrics.get(name) || []) { if (tt <= t) v = vv; else break; }
  return v;
};
const maxIn = (name, from, to) => {
  let v = null;
  for (const [tt, vv] of metrics.get(name) || []) if (tt >= from && tt < to) v = v === null ? vv : Math.max(v, vv);
  return v;
};
const sumMatching = (re, t) => [...metrics.keys()].filter((k) => re.test(k)).reduce((a, k) => a + (at(k, t) || 0), 0);

const end = Math.max(...samples.map((s) => s.t), ...[...metrics.values()].flat().map(([t]) => t), 0);
const pct = (a, b) => (b > 0 ? `${Math.round((100 * a) / b)} %` : 'n/a');

// The timeline.
const samplerRows = activity.filter((s) => roleOf(s.pid) === 'sampler');
const seqAt = (key, t) => { // the sequence's value at the last tick at or before t
  let v = null;
  for (const s of samplerRows) { if (s.t <= t) v = s.seq[key]; else break; }
  return v;
};
const windows = (args.windows ? readFileSync(args.windows, 'utf8') : '').split('\n').filter((l) => l.startsWith('{'))
  .map((l) => JSON.parse(l)).filter((j) => j.mode === 'relay-window');
const windowAt = (from, to) => windows.find((w) => w.start_unix_ms - startMs >= from - 500 && w.start_unix_ms - startMs < to - 500);
console.log(`\nsampled every ${tickMs.toFixed(1)} ms (${ticks.length} ticks); times from the load generator's start; ` +
  'rows/s from the sequences (ids taken, committed or not); p50/p99: the load generator\'s window of messages due then (measured part only)\n');
console.log('| s | messages/s | conversations/s | events/s | outbox rows/s | server CPU busy | event-order lock held / its holder | backends waiting for it (avg) | writer backend: in a transaction / waiting on… | p50 / p99 ms |');
console.log('|---|---|---|---|---|---|---|---|---|---|');
const rate = (key, from, to) => Math.round((((seqAt(key, to) ?? 0) - (seqAt(key, from) ?? 0)) * 1000) / bucketMs);
for (let b = 0; b * bucketMs < end; b++) {
  const from = b * bucketMs, to = from + bucketMs;
  const busy = (at('cpu_busy', to) ?? 0) - (at('cpu_busy', from) ?? 0);
  const total = (at('cpu_total', to) ?? 0) - (at('cpu_total', from) ?? 0);
  const n = ticksIn(from, to) || 1;
  const inBucket = samples.filter((s) => s.t >= from && s.t < to);
  const holders = inBucket.filter((s) => s.holds);
  const hTop = [...countBy(holders, (s) => `${roleOf(s.pid)} ${shortWait(s.wait)}`)].sort((x, y) => y[1] - x[1]).slice(0, 3)
    .map(([k, v]) => `${k} ${pct(v, n)}`).join(', ');
  const waiting = inBucket.filter((s) => s.wait === 'Lock:advisory');
  const writer = inBucket.filter((s) => roleOf(s.pid) === 'writer');
  const wTop = [...countBy(writer, (s) => shortWait(s.wait))].sort((x, y) => y[1] - x[1]).slice(0, 3).map(([k, v]) => `${k} ${pct(v, n)}`).join(', ');
  const w = windowAt(from, to);
  console.log(`| ${from / 1000}–${to / 1000} | ${rate('m', from, to)} | ${rate('c', from, to)} | ${rate('e', from, to)} | ${rate('o', from, to)} | ${pct(busy, total)} | ${pct(holders.length, n)}: ${hTop} | ${(waiting.length / n).toFixed(2)} | ${pct(writer.length, n)}: ${wTop} | ${w ? `${w.delivery.p50_ms} / ${w.delivery.p99_ms}` : ''} |`);
}
function shortWait(w) {
  if (w.startsWith('client')) return 'waits for Parley';
  if (w.startsWith('CPU')) return 'CPU';
  return w.replace(/^Lock:advisory$/, 'lock wait');
}

// What the event-order lock's holder was doing, tick by tick.
const periods = [0, ...splits].map((from, i, all) => [
  i + 1 < all.length ? `${from / 1000}–${all[i + 1] / 1000} s` : `from ${from / 1000} s to the end`, from, i + 1 < all.length ? all[i + 1] : end + 1]);
for (const [label, from, to] of periods) {
  const n = ticksIn(from, to) || 1;
  const held = samples.filter((s) => s.t >= from && s.t < to && s.holds);
  console.log(`\nthe event-order lock, ${label}: held in ${pct(held.length, n)} of the ticks; its holder (share of the ticks):\n`);
  console.log('| holder | doing | statement | share |');
  console.log('|---|---|---|---|');
  for (const [k, v] of [...countBy(held, (s) => `${roleOf(s.pid)} | ${s.wait} | ${statementOf(s.q).replace(/\|/g, '\\|')}`)].sort((x, y) => y[1] - x[1]).slice(0, 12)) {
    console.log(`| ${k} | ${pct(v, n)} |`);
  }
}

// Per role: where its backends' time went (share of the period's wall time, summed over the role's backends).
for (const [label, from, to] of periods) {
  const n = ticksIn(from, to) || 1;
  console.log(`\n${label} (${n} ticks): share of the wall time each role's backends spent so (several backends can add up past 100 %)\n`);
  console.log('| role | backends | state / wait event | share | its top statements |');
  console.log('|---|---|---|---|---|');
  const inPeriod = samples.filter((s) => s.t >= from && s.t < to);
  const byRole = groupBy(inPeriod, (s) => roleOf(s.pid));
  for (const [role, rs] of [...byRole].sort((x, y) => y[1].length - x[1].length)) {
    const pids = new Set(rs.map((s) => s.pid)).size;
    const waits = [...groupBy(rs, (s) => s.wait)].sort((x, y) => y[1].length - x[1].length).slice(0, 6);
    for (const [w, ws] of waits) {
      const top = [...countBy(ws, (s) => statementOf(s.q))].sort((x, y) => y[1] - x[1]).slice(0, 3)
        .map(([k, v]) => `${k} (${pct(v, ws.length)})`).join('; ');
      console.log(`| ${role} | ${pids} | ${w} | ${pct(ws.length, n)} | ${top.replace(/\|/g, '\\|')} |`);
    }
  }
}

function countBy(xs, key) {
  const m = new Map();
  for (const x of xs) m.set(key(x), (m.get(key(x)) || 0) + 1);
  return m;
}
function groupBy(xs, key) {
  const m = new Map();
  for (const x of xs) {
    const k = key(x);
    if (!m.has(k)) m.set(k, []);
    m.get(k).push(x);
  }
  return m;
}
