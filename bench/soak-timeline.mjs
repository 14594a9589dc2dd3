#!/usr/bin/env node
// The timeline of a soak run for bench/soak (not run on its own): the load generator's window
// lines (`parley_loadgen relay --window S`) and, on the same clock (Unix ms), what else ran —
// from PostgreSQL's log: checkpoints (start → complete, and their sync phase), autovacuum and
// autoanalyze runs and their tables, warnings; from Parley's log: the event-log prune
// ("housekeeping: pruned …") and warnings; from the one-second poll: WAL segment switches.
//   node bench/soak-timeline.mjs --windows W.jsonl --pg-log PG.log --parley-log P.log --poll POLL --p99-ms 50
// Prints JSON: {table (markdown), windows, over, flagged_summary, flagged: [...], marks: [...]}.
import { readFileSync, existsSync } from 'node:fs';

const args = {};
for (let i = 2; i < process.argv.length; i += 2) args[process.argv[i].replace(/^--/, '')] = process.argv[i + 1];
const read = (path) => (path && existsSync(path) ? readFileSync(path, 'utf8') : '');
const limitMs = Number(args['p99-ms'] || 50);
// A stall just before a window's start also delays the messages due at its start.
const SLACK_MS = 500;

const windows = read(args.windows).split('\n').filter((l) => l.startsWith('{'))
  .map((l) => JSON.parse(l)).filter((j) => j.mode === 'relay-window');

const marks = [];
const mark = (kind, label, start, end = start) => marks.push({ kind, label, start, end });

// PostgreSQL: "2026-12-07 00:50:01.123 UTC [123] LOG:  message" (log_line_prefix '%m [%p] '),
// continuation lines start with a tab.
const pgEntries = [];
for (const line of read(args['pg-log']).split('\n')) {
  const m = /^(\d{4}-\d\d-\d\d) (\d\d:\d\d:\d\d\.\d+) UTC \[\d+\] (\w+):\s+(.*)$/.exec(line);
  if (m) pgEntries.push({ t: Date.parse(`${m[1]}T${m[2]}Z`), level: m[3], text: m[4] });
  else if (pgEntries.length && line.startsWith('\t')) pgEntries[pgEntries.length - 1].text += ` ${line.trim()}`;
}
let checkpointStart = null;
for (const e of pgEntries) {
  let m;
  if (/^checkpoint starting:/.test(e.text)) {
    checkpointStart = e.t;
  } else if ((m = /^checkpoint complete: wrote (\d+) buffers.*?(\d+) WAL file\(s\) added.*?write=([\d.]+) s, sync=([\d.]+) s, total=([\d.]+) s/.exec(e.text))) {
    const total = Number(m[5]) * 1000;
    const start = checkpointStart ?? e.t - total;
    mark('checkpoint', `ckpt ${m[1]} buf`, start, e.t);
    mark('ckpt-sync', `ckpt-sync ${m[4]}s`, e.t - Number(m[4]) * 1000, e.t);
    if (Number(m[2]) > 0) mark('wal-added', `${m[2]} WAL added`, start, e.t);
    checkpointStart = null;
  } else if ((m = /^automatic (?:aggressive )?(vacuum|analyze)(?: to prevent wraparound)? of table "[^".]+\.[^".]+\.([^"]+)"/.exec(e.text))) {
    const elapsed = Number((/elapsed: ([\d.]+) s/.exec(e.text) || [0, 0])[1]) * 1000;
    const kind = m[1] === 'vacuum' ? 'autovacuum' : 'autoanalyze';
    // The catalogs of a freshly created database and runs shorter than 50 ms are left out:
    // they are many and cannot stall anything.
    if (elapsed < 50 || /^(pg_|sql_)/.test(m[2]) && !/^pg_toast/.test(m[2])) continue;
    mark(`${kind} ${m[2]}`, `${kind === 'autovacuum' ? 'vac' : 'analyze'} ${m[2]} ${(elapsed / 1000).toFixed(2)}s`, e.t - elapsed, e.t);
  } else if ((m = /^duration: ([\d.]+) ms\s+(?:execute|statement|parse|bind) ?([^:\s]*):?\s*(.*)$/.exec(e.text))) {
    // log_min_duration_statement: a prepared statement by its name, others by their start.
    const ms = Number(m[1]);
    const name = m[2] && !/^<unnamed>$/.test(m[2]) ? m[2] : m[3].replace(/\s+/g, ' ').slice(0, 30);
    mark(`slow ${name}`, `slow ${name} ${Math.round(ms)}ms`, e.t - ms, e.t);
  } else if (/^(WARNING|ERROR|FATAL|PANIC)$/.test(e.level)) {
    mark('pg-warning', `pg ${e.level.toLowerCase()}: ${e.text.slice(0, 60)}`, e.t);
  } else if (/checkpoints are occurring too frequently/.test(e.text)) {
    mark('pg-warning', 'checkpoints too frequent', e.t);
  }
}
if (checkpointStart !== null) mark('checkpoint', 'ckpt (running at the end)', checkpointStart, Infinity);

// Parley: "2026-12-07T00:50:01.123Z info message".
for (const line of read(args['parley-log']).split('\n')) {
  const m = /^(\S+Z) (\w+) (.*)$/.exec(line);
  if (!m) continue;
  const t = Date.parse(m[1]);
  let p;
  if ((p = /^housekeeping: pruned (\d+) event_log rows.* in ([\d.]+) ms/.exec(m[3]))) {
    mark('prune', `prune ${p[1]} rows ${Math.round(Number(p[2]))}ms`, t - Number(p[2]), t);
  } else if (m[2] === 'warning' || m[2] === 'error' || m[2] === 'critical') {
    mark('parley-warning', `parley ${m[2]}: ${m[3].slice(0, 60)}`, t);
  }
}

// The poll: "unix_ms|walfile|gin_index:pending_pages,…" every second; a new file name is a
// segment switch, fewer pending pages a flush of a GIN index's pending list (within the second
// before the sample).
let lastWal = null;
const lastPending = {};
for (const line of read(args.poll).split('\n')) {
  const [ms, wal, gin = ''] = line.split('|');
  if (!wal || !/^\d+$/.test(ms)) continue;
  const t = Number(ms);
  if (lastWal !== null && wal !== lastWal) mark('wal-switch', 'wal', t);
  lastWal = wal;
  for (const item of gin.split(',').filter(Boolean)) {
    const [index, pages] = item.split(':');
    // Flushes of fewer than 64 pages (512 kB) are left out: with migration 0026's 256 kB list
    // they happen every second or so and take a few milliseconds.
    if (lastPending[index] !== undefined && Number(pages) < lastPending[index] - 63) {
      mark(`gin-flush ${index}`, `gin-flush ${index} ${lastPending[index]}→${pages} pages`, t - 1000, t);
    }
    lastPending[index] = Number(pages);
  }
}

const fmt = (v) => (v === undefined || v === null ? 'n/a' : String(v));
const rows = [];
const flagged = [];
const byKind = {}; // kind → {windows, flagged}
for (const w of windows) {
  const start = w.start_unix_ms;
  const end = start + w.seconds * 1000;
  const here = marks.filter((k) => k.end >= start - SLACK_MS && k.start < end);
  const p99 = w.delivery?.p99_ms;
  const over = p99 === undefined || p99 > limitMs || w.delivered < w.due;
  const kinds = [...new Set(here.map((k) => k.kind))];
  for (const kind of kinds) {
    byKind[kind] ??= { windows: 0, flagged: 0 };
    byKind[kind].windows += 1;
    if (over) byKind[kind].flagged += 1;
  }
  const walSwitches = here.filter((k) => k.kind === 'wal-switch').length;
  // Slow statements by name: how many, and the slowest.
  const slow = {};
  for (const k of here.filter((x) => x.kind.startsWith('slow '))) {
    slow[k.kind] ??= { n: 0, max: 0 };
    slow[k.kind].n += 1;
    slow[k.kind].max = Math.max(slow[k.kind].max, k.end - k.start);
  }
  const labels = here.filter((k) => k.kind !== 'wal-switch' && !k.kind.startsWith('slow ')).map((k) => k.label);
  for (const [kind, v] of Object.entries(slow)) labels.push(`${kind} ×${v.n} (max ${Math.round(v.max)}ms)`);
  if (walSwitches) labels.push(`wal×${walSwitches}`);
  // A compact cell: at most MAX_MARKS marks, the rest counted.
  const MAX_MARKS = 8;
  if (labels.length > MAX_MARKS) labels.splice(MAX_MARKS, labels.length, `+${labels.length - MAX_MARKS} more`);
  const time = new Date(start).toISOString().slice(11, 19);
  rows.push(`| ${over ? '⚠ ' : ''}${w.start_s} | ${time} | ${w.sent} | ${w.delivered} | ${fmt(w.delivery?.p50_ms)} | ` +
    `${over ? `**${fmt(p99)}**` : fmt(p99)} | ${fmt(w.delivery?.max_ms)} | ${fmt(w.ack?.p99_ms)} | ${labels.join(', ') || '—'} |`);
  if (over) flagged.push({ window: w.window, start_s: w.start_s, p99_ms: p99, max_ms: w.delivery?.max_ms, marks: labels });
}
const table = [
  `| window start (s) | UTC | sent | delivered | p50 ms | p99 ms | max ms | ack p99 ms | marks |`,
  '|---|---|---|---|---|---|---|---|---|',
  ...rows,
].join('\n');
// For each kind of mark: in how many flagged windows it was, of the windows it was in —
// a cause is in most flagged windows and flags most windows it is in.
const flaggedSummary = Object.entries(byKind)
  .filter(([, v]) => v.flagged > 0)
  .sort((a, b) => b[1].flagged - a[1].flagged)
  .slice(0, 6)
  .map(([kind, v]) => `${kind} in ${v.flagged} of ${flagged.length} flagged (${v.windows} windows in all)`)
  .join('; ');
const unexplained = flagged.filter((f) => f.marks.length === 0).length;

process.stdout.write(`${JSON.stringify({
  table,
  windows: windows.length,
  over: flagged.length,
  flagged_summary: [flaggedSummary, unexplained ? `${unexplained} flagged with no mark` : ''].filter(Boolean).join('; '),
  mark_counts: Object.fromEntries(Object.entries(byKind).map(([k, v]) => [k, v.windows])),
  flagged,
  marks: marks.map((k) => ({ ...k, end: Number.isFinite(k.end) ? k.end : null })),
})}\n`);
