// GET /metrics: the Prometheus text format (parsed strictly here), counters that move when a
// visitor and an agent talk, bounded labels, and access limited to PARLEY_METRICS_ALLOW —
// with X-Forwarded-For honoured only from PARLEY_TRUSTED_PROXIES. Real binary, real PostgreSQL.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { startParley } from '../support/parley.mjs';
import { createDatabase } from '../support/pg.mjs';
import { request, waitFor } from '../support/http.mjs';
import { connectWs } from '../support/ws.mjs';
import { addAgent as createAgent, login as signIn } from '../support/agents.mjs';

// ---------------------------------------------------------------------------------------------
// A small, strict parser of the Prometheus text exposition format (0.0.4).

const NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
const LABEL = /^[a-zA-Z_][a-zA-Z0-9_]*$/;
const TYPES = new Set(['counter', 'gauge', 'histogram', 'summary', 'untyped']);

function parseValue(s, line) {
  if (s === '+Inf') return Infinity;
  if (s === '-Inf') return -Infinity;
  if (s === 'NaN') return NaN;
  assert.match(s, /^-?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/, `bad value "${s}" in: ${line}`);
  return Number(s);
}

/** Parses `{a="x",b="y"}` starting at text[i] === '{'; returns [labels, index after '}']. */
function parseLabels(text, i, line) {
  const labels = {};
  i++;
  for (;;) {
    if (text[i] === '}') return [labels, i + 1];
    const eq = text.indexOf('=', i);
    assert.ok(eq > i, `bad labels in: ${line}`);
    const name = text.slice(i, eq);
    assert.match(name, LABEL, `bad label name "${name}" in: ${line}`);
    assert.equal(text[eq + 1], '"', `label value not quoted in: ${line}`);
    let j = eq + 2;
    let value = '';
    for (;;) {
      assert.ok(j < text.length, `unterminated label value in: ${line}`);
      const c = text[j];
      if (c === '\\') {
        const n = text[j + 1];
        assert.ok(n === '\\' || n === '"' || n === 'n', `bad escape \\${n} in: ${line}`);
        value += n === 'n' ? '\n' : n;
        j += 2;
      } else if (c === '"') {
        j++;
        break;
      } else {
        value += c;
        j++;
      }
    }
    assert.ok(!(name in labels), `label ${name} twice in: ${line}`);
    labels[name] = value;
    if (text[j] === ',') j++;
    else assert.equal(text[j], '}', `expected , or } in: ${line}`);
    i = j;
  }
}

/**
 * Returns {families: Map(name → {type, help, samples: [{name, labels, value}]})}; asserts the
 * format as it goes: HELP/TYPE before samples, every sample belongs to a declared family,
 * no duplicate series, histogram buckets cumulative with +Inf == _count.
 */
function parsePrometheus(text) {
  assert.ok(text.endsWith('\n'), 'the exposition ends with a newline');
  const families = new Map();
  const seen = new Set();
  const familyOf = (sample) => {
    if (families.has(sample)) return families.get(sample);
    const m = /^(.*)_(bucket|sum|count)$/.exec(sample);
    if (m && families.get(m[1])?.type === 'histogram') return families.get(m[1]);
    return null;
  };
  for (const line of text.slice(0, -1).split('\n')) {
    assert.ok(line.length > 0, 'no blank lines');
    if (line.startsWith('#')) {
      const m = /^# (HELP|TYPE) (\S+) ?(.*)$/.exec(line);
      if (!m) continue; // a plain comment
      const [, kind, name, rest] = m;
      assert.match(name, NAME, `bad metric name in: ${line}`);
      if (!families.has(name)) families.set(name, { name, type: 'untyped', help: null, samples: [] });
      const f = families.get(name);
      assert.equal(f.samples.length, 0, `${kind} for ${name} after its samples`);
      if (kind === 'HELP') {
        assert.equal(f.help, null, `two HELP lines for ${name}`);
        f.help = rest;
      } else {
        assert.ok(TYPES.has(rest), `bad TYPE "${rest}" for ${name}`);
        f.type = rest;
      }
      continue;
    }
    const nameEnd = line.search(/[{ ]/);
    assert.ok(nameEnd > 0, `bad sample line: ${line}`);
    const name = line.slice(0, nameEnd);
    assert.match(name, NAME, `bad sample name in: ${line}`);
    let labels = {};
    let i = nameEnd;
    if (line[i] === '{') [labels, i] = parseLabels(line, i, line);
    assert.equal(line[i], ' ', `expected a space before the value in: ${line}`);
    const parts = line.slice(i + 1).split(' ');
    assert.ok(parts.length === 1 || (parts.length === 2 && /^-?\d+$/.test(parts[1])), `bad value/timestamp in: ${line}`);
    const value = parseValue(parts[0], line);
    const f = familyOf(name);
    assert.ok(f, `sample ${name} has no # TYPE line before it`);
    const key = name + JSON.stringify(Object.entries(labels).sort());
    assert.ok(!seen.has(key), `duplicate series: ${line}`);
    seen.add(key);
    f.samples.push({ name, labels, value });
  }
  for (const f of families.values()) {
    assert.ok(f.help, `${f.name} has no HELP`);
    if (f.type === 'counter') {
      for (const s of f.samples) assert.ok(s.value >= 0, `counter ${s.name} is negative`);
    }
    if (f.type === 'histogram') checkHistogram(f);
  }
  return { families };
}

function checkHistogram(f) {
  const groups = new Map();
  for (const s of f.samples) {
    const { le, ...rest } = s.labels;
    const key = JSON.stringify(Object.entries(rest).sort());
    if (!groups.has(key)) groups.set(key, { buckets: [], sum: null, count: null });
    const g = groups.get(key);
    if (s.name === `${f.name}_bucket`) {
      assert.ok(le !== undefined, `${f.name}_bucket without le`);
      g.buckets.push([parseValue(le, le), s.value]);
    } else if (s.name === `${f.name}_sum`) g.sum = s.value;
    else if (s.name === `${f.name}_count`) g.count = s.value;
    else assert.fail(`unexpected sample ${s.name} in histogram ${f.name}`);
  }
  for (const [key, g] of groups) {
    assert.ok(g.buckets.length > 0, `${f.name}${key}: no buckets`);
    assert.notEqual(g.sum, null, `${f.name}${key}: no _sum`);
    assert.notEqual(g.count, null, `${f.name}${key}: no _count`);
    for (let i = 1; i < g.buckets.length; i++) {
      assert.ok(g.buckets[i][0] > g.buckets[i - 1][0], `${f.name}: le not increasing`);
      assert.ok(g.buckets[i][1] >= g.buckets[i - 1][1], `${f.name}: buckets not cumulative`);
    }
    const last = g.buckets.at(-1);
    assert.equal(last[0], Infinity, `${f.name}: the last bucket is not +Inf`);
    assert.equal(last[1], g.count, `${f.name}: +Inf bucket (${last[1]}) != _count (${g.count})`);
  }
}

/** The value of one series (labels must match exactly those given, extra labels ignored); 0 when absent. */
function value(parsed, name, labels = {}) {
  const base = name.replace(/_(bucket|sum|count)$/, '');
  const f = parsed.families.get(name) ?? parsed.families.get(base);
  if (!f) return undefined;
  const s = f.samples.find((x) => x.name === name && Object.entries(labels).every(([k, v]) => x.labels[k] === v));
  return s ? s.value : 0;
}

// ---------------------------------------------------------------------------------------------
// The chat flow helpers (same protocol as docs/PROTOCOL.md).

const PASSWORD = 'metrics-suite-password';

const addAgent = (databaseUrl, email) => createAgent(databaseUrl, { email, name: 'Mo', password: PASSWORD });

const agentCookie = async (server, email) => (await signIn(server, email, PASSWORD)).cookie;

async function visitor(server) {
  const res = await request(server.url + '/api/visitors/identify', { method: 'POST', body: {} });
  assert.equal(res.status, 200, res.text);
  const { visitorToken } = res.json();
  const ws = await connectWs(server.wsUrl + '?role=visitor');
  ws.send({ type: 'auth', visitorToken });
  await ws.nextMessage('ready');
  return ws;
}

async function sendAndAck(ws, frame) {
  const clientId = `m-${randomBytes(4).toString('hex')}`;
  ws.send({ type: 'send', clientId, ...frame });
  const reply = await ws.nextMessage((m) => m && (m.type === 'ack' || m.type === 'error') && m.clientId === clientId);
  assert.equal(reply.type, 'ack', JSON.stringify(reply));
  return reply.message;
}

async function scrape(server, headers = {}) {
  const res = await request(server.url + '/metrics', { headers });
  assert.equal(res.status, 200, `GET /metrics: ${res.status} ${res.text.slice(0, 300)}`);
  assert.match(res.headers['content-type'] ?? '', /^text\/plain; version=0\.0\.4/);
  return parsePrometheus(res.text);
}

function assertRefused(res) {
  assert.ok(res.status === 403 || res.status === 404, `expected 403/404, got ${res.status}: ${res.text.slice(0, 200)}`);
  assert.match(res.headers['content-type'] ?? '', /^application\/json/i);
  assert.equal(typeof res.json().error?.code, 'string');
  assert.ok(!/parley_|process_/.test(res.text), 'metrics leaked in a refusal');
}

// ---------------------------------------------------------------------------------------------

describe('/metrics from loopback', () => {
  let server;
  let db;
  before(async () => {
    db = createDatabase();
    await addAgent(db, 'mo@example.com');
    server = await startParley({ env: { DATABASE_URL: db } });
  });
  after(async () => {
    await server?.stop();
  });

  it('parses as Prometheus text and declares every documented metric', async () => {
    const m = await scrape(server);
    const want = {
      parley_build_info: 'gauge',
      parley_connections: 'gauge',
      parley_http_requests_total: 'counter',
      parley_websocket_closes_total: 'counter',
      parley_websocket_server_closes_total: 'counter',
      parley_visitor_auth_total: 'counter',
      parley_visitor_auth_batches_total: 'counter',
      parley_messages_stored_total: 'counter',
      parley_commit_batch_size: 'histogram',
      parley_commit_duration_seconds: 'histogram',
      parley_message_writer_queue_depth: 'gauge',
      parley_message_writer_rejected_total: 'counter',
      parley_db_queue_depth: 'gauge',
      parley_db_rejected_total: 'counter',
      parley_database_up: 'gauge',
      parley_email_outbox_messages: 'gauge',
      process_resident_memory_bytes: 'gauge',
      process_open_fds: 'gauge',
      process_max_fds: 'gauge',
    };
    for (const [name, type] of Object.entries(want)) {
      assert.ok(m.families.has(name), `${name} missing`);
      assert.equal(m.families.get(name).type, type, `${name} type`);
    }
    for (const kind of ['http', 'visitor', 'agent', 'unauthenticated']) {
      assert.notEqual(value(m, 'parley_connections', { kind }), undefined);
      assert.ok(m.families.get('parley_connections').samples.some((s) => s.labels.kind === kind), `connections{kind=${kind}}`);
    }
    for (const reason of ['normal', 'going_away', 'too_big', 'too_slow', 'error']) {
      assert.ok(
        m.families.get('parley_websocket_closes_total').samples.some((s) => s.labels.reason === reason),
        `websocket_closes_total{reason=${reason}} missing`,
      );
    }
    for (const status of ['pending', 'sent', 'failed']) {
      assert.ok(
        m.families.get('parley_email_outbox_messages').samples.some((s) => s.labels.status === status),
        `email_outbox_messages{status=${status}} missing`,
      );
    }
    assert.equal(value(m, 'parley_database_up'), 1);
    assert.ok(value(m, 'process_resident_memory_bytes') > 1024 * 1024, 'RSS looks wrong');
    assert.ok(value(m, 'process_open_fds') > 0);
    assert.ok(m.families.get('parley_commit_batch_size').samples.some((s) => s.name.endsWith('_bucket')));
  });

  it('counters move when a visitor and an agent exchange messages; connections by role', async () => {
    const before = await scrape(server);
    const cookie = await agentCookie(server, 'mo@example.com');
    const agent = await connectWs(server.wsUrl, { headers: { Cookie: cookie }, origin: server.url });
    await agent.nextMessage('ready');
    const v = await visitor(server);
    const anon = await connectWs(server.wsUrl + '?role=visitor'); // never authenticates

    const first = await sendAndAck(v, { body: 'Hello from the visitor' });
    await agent.nextMessage((m) => m.type === 'message' && m.message.id === first.id);
    const reply = await sendAndAck(agent, { conversationId: first.conversationId, body: 'Hello from the agent' });
    await v.nextMessage((m) => m.type === 'message' && m.message.id === reply.id);

    const during = await scrape(server);
    assert.equal(value(during, 'parley_connections', { kind: 'visitor' }), 1);
    assert.equal(value(during, 'parley_connections', { kind: 'agent' }), 1);
    assert.equal(value(during, 'parley_connections', { kind: 'unauthenticated' }), 1);
    assert.ok(value(during, 'parley_connections', { kind: 'http' }) >= 1, 'the scrape itself is an HTTP connection');
    assert.equal(
      value(during, 'parley_messages_stored_total') - value(before, 'parley_messages_stored_total'),
      2,
      'two messages stored',
    );
    const batches = (m) => value(m, 'parley_commit_batch_size_count');
    assert.ok(batches(during) - batches(before) >= 1, 'batch histogram moved');
    assert.ok(batches(during) - batches(before) <= 2);
    assert.equal(
      value(during, 'parley_commit_duration_seconds_count') - value(before, 'parley_commit_duration_seconds_count'),
      batches(during) - batches(before),
    );
    assert.ok(value(during, 'parley_commit_duration_seconds_sum') > value(before, 'parley_commit_duration_seconds_sum'));
    const upgrades = (m) => value(m, 'parley_http_requests_total', { route: '/ws', status: '101' });
    assert.equal(upgrades(during) - upgrades(before), 3);
    const identify = (m) => value(m, 'parley_http_requests_total', { route: '/api/visitors/identify', status: '200' });
    assert.equal(identify(during) - identify(before), 1);
    const logins = (m) => value(m, 'parley_http_requests_total', { route: '/api/auth/login', status: '200' });
    assert.equal(logins(during) - logins(before), 1);

    const closes = (m, reason) => value(m, 'parley_websocket_closes_total', { reason });
    await v.close(1000);
    await agent.close(1001);
    await anon.close(1000);
    const afterClose = await waitFor(
      async () => {
        const m = await scrape(server);
        return value(m, 'parley_connections', { kind: 'agent' }) === 0 &&
          value(m, 'parley_connections', { kind: 'visitor' }) === 0 &&
          value(m, 'parley_connections', { kind: 'unauthenticated' }) === 0
          ? m
          : null;
      },
      { deadline: 10000, what: 'connections back to 0' },
    );
    await waitFor(async () => closes(await scrape(server), 'normal') - closes(before, 'normal') === 2, {
      deadline: 10000,
      what: 'two normal closes counted',
    });
    assert.equal(closes(afterClose, 'going_away') - closes(before, 'going_away'), 1);
  });

  it('an oversized frame is counted as too_big', async () => {
    const before = await scrape(server);
    const ws = await connectWs(server.wsUrl + '?role=visitor');
    ws.send('x'.repeat(65 * 1024));
    const info = await ws.closed;
    assert.equal(info.code, 1009);
    await waitFor(
      async () =>
        value(await scrape(server), 'parley_websocket_closes_total', { reason: 'too_big' }) -
          value(before, 'parley_websocket_closes_total', { reason: 'too_big' }) ===
        1,
      { deadline: 10000, what: 'too_big counted' },
    );
  });

  it('the sockets the server closes are counted by reason, the client\'s own closes are not', async () => {
    const before = await scrape(server);
    const serverCloses = (m, reason) => value(m, 'parley_websocket_server_closes_total', { reason });
    for (const reason of ['auth_timeout', 'auth_required', 'auth_failed', 'auth_unavailable', 'too_many_frames',
      'session_ended', 'shutdown', 'too_slow', 'too_big', 'ping_timeout', 'protocol_error', 'handshake_failed', 'other']) {
      assert.notEqual(serverCloses(before, reason), undefined, `server_closes_total{reason=${reason}} missing`);
    }
    // Something else than `auth` first; `auth` with an unknown token; a binary frame.
    const early = await connectWs(server.wsUrl + '?role=visitor');
    early.send({ type: 'typing' });
    assert.equal((await early.closed).code, 1008);
    const unknown = await connectWs(server.wsUrl + '?role=visitor');
    unknown.send({ type: 'auth', visitorToken: randomBytes(32).toString('base64url') });
    assert.equal((await unknown.closed).code, 4401);
    const binary = await connectWs(server.wsUrl + '?role=visitor');
    binary.send(Buffer.from([1, 2, 3]));
    assert.equal((await binary.closed).code, 1003);
    // A visitor who leaves: not the server's doing.
    const leaving = await visitor(server);
    await leaving.close(1000);
    const after = await waitFor(
      async () => {
        const m = await scrape(server);
        return value(m, 'parley_connections', { kind: 'visitor' }) === 0 &&
          value(m, 'parley_connections', { kind: 'unauthenticated' }) === 0 ? m : null;
      },
      { deadline: 10000, what: 'every socket gone' },
    );
    const moved = (reason) => serverCloses(after, reason) - serverCloses(before, reason);
    assert.equal(moved('auth_required'), 1);
    assert.equal(moved('auth_failed'), 1);
    assert.equal(moved('protocol_error'), 1);
    const total = (m) => m.families.get('parley_websocket_server_closes_total').samples.reduce((n, s) => n + s.value, 0);
    assert.equal(total(after) - total(before), 3, 'the visitor who left is not counted');
    // The auth batcher looked the two tokens up.
    assert.ok(value(after, 'parley_visitor_auth_total') - value(before, 'parley_visitor_auth_total') >= 2);
    assert.ok(value(after, 'parley_visitor_auth_batches_total') > value(before, 'parley_visitor_auth_batches_total'));
  });

  it('route labels stay bounded: patterns, "static" and "unmatched", never raw paths', async () => {
    const junk = `/no/such/${randomBytes(6).toString('hex')}`;
    assert.equal((await request(server.url + junk)).status, 404);
    assert.equal((await request(server.url + '/widget.js')).status, 200);
    assert.equal((await request(server.url + '/api/inbox/12345', { headers: {} })).status, 401);
    const m = await scrape(server);
    const routes = new Set(m.families.get('parley_http_requests_total').samples.map((s) => s.labels.route));
    assert.ok(value(m, 'parley_http_requests_total', { route: 'unmatched', status: '404' }) >= 1);
    assert.ok(value(m, 'parley_http_requests_total', { route: 'static', status: '200' }) >= 1);
    assert.ok(value(m, 'parley_http_requests_total', { route: '/api/inbox/:id', status: '401' }) >= 1, [...routes].join(' '));
    for (const r of routes) {
      assert.ok(r === 'static' || r === 'unmatched' || r.startsWith('/'), `odd route label ${r}`);
      assert.ok(!r.includes(junk) && !/\d{3,}/.test(r), `a raw path leaked into a label: ${r}`);
    }
  });

  it('the outbox gauges follow the email_outbox table (when it exists)', async () => {
    const m = await scrape(server);
    assert.equal(value(m, 'parley_database_up'), 1);
    for (const s of m.families.get('parley_email_outbox_messages').samples) assert.ok(s.value >= 0);
  });
});

describe('/metrics access', () => {
  const servers = [];
  after(async () => {
    for (const s of servers) await s.stop();
  });
  const start = async (env) => {
    const s = await startParley({ env });
    servers.push(s);
    return s;
  };

  it('refused from 127.0.0.1 when PARLEY_METRICS_ALLOW=10.9.9.9 and no proxy is trusted, even with X-Forwarded-For', async () => {
    const s = await start({ PARLEY_METRICS_ALLOW: '10.9.9.9', PARLEY_TRUSTED_PROXIES: '' });
    assertRefused(await request(s.url + '/metrics'));
    assertRefused(await request(s.url + '/metrics', { headers: { 'X-Forwarded-For': '10.9.9.9' } }));
    assert.equal((await request(s.url + '/healthz')).status, 200, 'the rest still answers');
  });

  it('through a trusted proxy (loopback) the forwarded client address decides', async () => {
    const s = await start({ PARLEY_METRICS_ALLOW: '10.9.9.9, 192.168.0.0/16', PARLEY_TRUSTED_PROXIES: '127.0.0.1' });
    assertRefused(await request(s.url + '/metrics'));
    await scrape(s, { 'X-Forwarded-For': '10.9.9.9' });
    await scrape(s, { 'X-Forwarded-For': '192.168.44.5' });
    assertRefused(await request(s.url + '/metrics', { headers: { 'X-Forwarded-For': '10.9.9.8' } }));
    // The client wrote the left part itself; only the right-most hop is what our proxy saw.
    assertRefused(await request(s.url + '/metrics', { headers: { 'X-Forwarded-For': '10.9.9.9, 203.0.113.7' } }));
    assertRefused(await request(s.url + '/metrics', { headers: { 'X-Forwarded-For': 'garbage' } }));
  });

  it('a chain of trusted proxies is walked from the right', async () => {
    const s = await start({ PARLEY_METRICS_ALLOW: '10.9.9.9', PARLEY_TRUSTED_PROXIES: '127.0.0.1,172.16.0.0/12' });
    await scrape(s, { 'X-Forwarded-For': '10.9.9.9, 172.18.0.3' });
    assertRefused(await request(s.url + '/metrics', { headers: { 'X-Forwarded-For': '10.9.9.9, 198.51.100.1, 172.18.0.3' } }));
  });
});
