// Product context for agents (docs/CONTEXT.md), against the real binary, PostgreSQL and a
// stand-in endpoint on loopback that counts its calls — and the documented example endpoint
// itself (docs/examples/context-endpoint.mjs), which verifies the signature by the recipe the
// docs give. No timing is asserted: deadlines only turn a hang into a failure.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createHmac, randomBytes } from 'node:crypto';
import path from 'node:path';
import { readFileSync } from 'node:fs';
import { startParley, runParley } from '../support/parley.mjs';
import { createDatabase, ROOT } from '../support/pg.mjs';
import { request, waitFor } from '../support/http.mjs';
import { visitorSocket } from '../support/visitor.mjs';
import { assertError } from '../support/assert.mjs';
import { startContextStandin, startExampleEndpoint as startExample, EXAMPLE, goodCards } from '../support/context-standin.mjs';
import { addAgent as createAgent, login as signIn } from '../support/agents.mjs';

const TEST_OPTS = { timeout: 120000 };
const IDENTITY_SECRET = 'identity secret for the context tests';
const CONTEXT_SECRET = `whsec_${randomBytes(32).toString('base64')}`;
const PASSWORD = 'context test password 7';

const addAgent = (databaseUrl, email) => createAgent(databaseUrl, { email, name: 'Casey Context', password: PASSWORD });

const login = async (server, email) => (await signIn(server, email, PASSWORD)).cookie;

/** A server with an agent; returns {server, cookie}. */
async function serverWithAgent(env) {
  const db = createDatabase();
  await addAgent(db, 'casey@support.test');
  const server = await startParley({ env: { ...env, DATABASE_URL: db } });
  return { server, cookie: await login(server, 'casey@support.test') };
}

/** A visitor identified as `userId` (verified when `hash`), with an open conversation. */
async function conversationOf(server, userId, { hash = true, email = `${userId}@customer.test` } = {}) {
  const body = { id: userId, email, name: `User ${userId}` };
  if (hash) body.userHash = createHmac('sha256', IDENTITY_SECRET).update(userId).digest('hex');
  const res = await request(server.url + '/api/visitors/identify', { method: 'POST', body });
  assert.equal(res.status, 200, res.text);
  const v = res.json();
  const ws = await visitorSocket(server, v.visitorToken);
  const clientId = `c-${randomBytes(4).toString('hex')}`;
  ws.send({ type: 'send', clientId, body: 'Hello, my invoice looks wrong' });
  const ack = await ws.nextMessage((m) => m && m.clientId === clientId && (m.type === 'ack' || m.type === 'error'));
  assert.equal(ack.type, 'ack', JSON.stringify(ack));
  await ws.close();
  return { conversationId: ack.message.conversationId, visitorId: v.visitorId, verified: v.verified };
}

const contextOf = (server, cookie, id) =>
  request(`${server.url}/api/inbox/conversations/${id}/context`, { headers: cookie ? { Cookie: cookie } : {} });

async function contextJson(server, cookie, id) {
  const res = await contextOf(server, cookie, id);
  assert.equal(res.status, 200, res.text);
  assert.equal(res.headers['cache-control'], 'no-store');
  return res.json();
}

describe('product context: settings', TEST_OPTS, () => {
  it('--help lists both settings', async () => {
    const r = await runParley(['--help']);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout + r.stderr, /PARLEY_CONTEXT_URL/);
    assert.match(r.stdout + r.stderr, /PARLEY_CONTEXT_SECRET/);
  });

  it('a URL without a secret, a bad secret, or a non-http URL stops the start with a clear error', async () => {
    const cases = [
      [{ PARLEY_CONTEXT_URL: 'https://crm.example/ctx' }, /PARLEY_CONTEXT_SECRET is required/],
      [{ PARLEY_CONTEXT_URL: 'https://crm.example/ctx', PARLEY_CONTEXT_SECRET: 'not-a-whsec-secret' }, /whsec_/],
      [{ PARLEY_CONTEXT_URL: 'ftp://crm.example/ctx', PARLEY_CONTEXT_SECRET: CONTEXT_SECRET }, /PARLEY_CONTEXT_URL must be an http/],
      [{ PARLEY_CONTEXT_SECRET: CONTEXT_SECRET }, /PARLEY_CONTEXT_URL is not/],
    ];
    for (const [env, message] of cases) {
      const r = await runParley(['serve', '--listen', '127.0.0.1:0'], { env: { ...env, DATABASE_URL: 'postgresql:///none' } });
      assert.notEqual(r.code, 0, `started with ${JSON.stringify(env)}`);
      assert.match(r.stderr, message);
      assert.ok(!r.stderr.includes('not-a-whsec-secret'), 'the secret is not echoed');
    }
  });

  it('without PARLEY_CONTEXT_URL the API says not_configured', async () => {
    const { server, cookie } = await serverWithAgent({ PARLEY_IDENTITY_SECRET: IDENTITY_SECRET });
    try {
      const { conversationId } = await conversationOf(server, 'plain-1');
      assert.deepEqual(await contextJson(server, cookie, conversationId), { status: 'not_configured' });
    } finally {
      await server.stop();
    }
  });
});

describe('product context: the documented example endpoint', TEST_OPTS, () => {
  it('docs/CONTEXT.md shows exactly the file the tests run', () => {
    const doc = readFileSync(path.join(ROOT, 'docs/CONTEXT.md'), 'utf8');
    const block = /## An example endpoint[\s\S]*?```js\n([\s\S]*?)```/.exec(doc);
    assert.ok(block, 'no js block under "An example endpoint"');
    assert.equal(block[1], readFileSync(EXAMPLE, 'utf8'));
  });

  it('verifies Parley\'s signature and its cards reach the agent; a wrong secret is refused', async () => {
    const example = await startExample(CONTEXT_SECRET);
    const right = await serverWithAgent({
      PARLEY_IDENTITY_SECRET: IDENTITY_SECRET, PARLEY_CONTEXT_URL: example.url, PARLEY_CONTEXT_SECRET: CONTEXT_SECRET,
    });
    const wrong = await serverWithAgent({
      PARLEY_IDENTITY_SECRET: IDENTITY_SECRET, PARLEY_CONTEXT_URL: example.url,
      PARLEY_CONTEXT_SECRET: `whsec_${randomBytes(32).toString('base64')}`,
    });
    try {
      const c = await conversationOf(right.server, 'example-user');
      const got = await contextJson(right.server, right.cookie, c.conversationId);
      assert.equal(got.status, 'ok', JSON.stringify(got));
      const fields = Object.fromEntries(got.cards[0].fields.map((f) => [f.label, f]));
      assert.equal(fields['User id'].value, 'example-user');
      assert.equal(fields.Email.value, 'example-user@customer.test');
      assert.equal(fields['Last invoice'].url, 'https://billing.example.com/invoices/1042');

      // Signed with another secret: the example refuses it (401), the agent sees why.
      const w = await conversationOf(wrong.server, 'example-user');
      const refused = await contextJson(wrong.server, wrong.cookie, w.conversationId);
      assert.equal(refused.status, 'unavailable');
      assert.match(refused.reason, /HTTP 401/);
      for (const s of [right.server, wrong.server]) {
        assert.ok(!s.logs().includes(CONTEXT_SECRET.slice(6)), 'the secret never reaches the log');
      }
    } finally {
      example.stop();
      await right.server.stop();
      await wrong.server.stop();
    }
  });
});

describe('product context: a stand-in endpoint', TEST_OPTS, () => {
  let standin;
  let server;
  let cookie;

  before(async () => {
    standin = await startContextStandin();
    // One I/O thread: if a lookup ever ran on it, nothing else could be answered meanwhile.
    ({ server, cookie } = await serverWithAgent({
      PARLEY_IDENTITY_SECRET: IDENTITY_SECRET, PARLEY_CONTEXT_URL: standin.url, PARLEY_CONTEXT_SECRET: CONTEXT_SECRET,
      PARLEY_THREADS: '1',
    }));
  });
  after(async () => {
    await server?.stop();
    await standin?.close();
  });

  it('sends {userId, email, visitorId} signed as Standard Webhooks sign; shows the cards; caches them', async () => {
    const c = await conversationOf(server, 'alice-1');
    assert.equal(c.verified, true);
    const got = await contextJson(server, cookie, c.conversationId);
    assert.deepEqual(got, { status: 'ok', cards: goodCards('alice-1', 'alice-1@customer.test') });

    assert.equal(standin.callsFor('alice-1'), 1);
    const sent = standin.requests.find((r) => r.userId === 'alice-1');
    assert.deepEqual(JSON.parse(sent.body), { userId: 'alice-1', email: 'alice-1@customer.test', visitorId: c.visitorId });
    assert.match(sent.headers['content-type'], /^application\/json/);
    const id = sent.headers['webhook-id'];
    const ts = sent.headers['webhook-timestamp'];
    assert.match(id, /^msg_[A-Za-z0-9_-]{16,}$/);
    assert.match(ts, /^\d+$/);
    assert.ok(Math.abs(Date.now() / 1000 - Number(ts)) < 300, 'the timestamp is now (unix seconds)');
    // The recipe of docs/CONTEXT.md.
    const key = Buffer.from(CONTEXT_SECRET.slice('whsec_'.length), 'base64');
    const expected = createHmac('sha256', key).update(`${id}.${ts}.${sent.body}`).digest('base64');
    assert.equal(sent.headers['webhook-signature'], `v1,${expected}`);

    // Opened again (this agent or another) within 5 minutes: from the cache, no new call.
    assert.deepEqual(await contextJson(server, cookie, c.conversationId), got);
    assert.equal(standin.callsFor('alice-1'), 1);

    // Another lookup gets another message id.
    const c2 = await conversationOf(server, 'alice-2');
    await contextJson(server, cookie, c2.conversationId);
    const id2 = standin.requests.find((r) => r.userId === 'alice-2').headers['webhook-id'];
    assert.notEqual(id2, id);
  });

  it('an unverified visitor is never looked up: their user id can be forged', async () => {
    // An anonymous visitor, and one whose claimed id has no valid hash.
    const res = await request(server.url + '/api/visitors/identify', {
      method: 'POST', body: { id: 'alice-1', userHash: '0'.repeat(64) },
    });
    assert.equal(res.status, 401, 'a wrong hash is refused');
    const anon = await request(server.url + '/api/visitors/identify', { method: 'POST', body: {} });
    const ws = await visitorSocket(server, anon.json().visitorToken);
    ws.send({ type: 'send', clientId: 'anon-1', body: 'hi' });
    const ack = await ws.nextMessage((m) => m && m.clientId === 'anon-1' && m.type === 'ack');
    await ws.close();
    const before = standin.requests.length;
    assert.deepEqual(await contextJson(server, cookie, ack.message.conversationId), { status: 'not_verified' });
    assert.equal(standin.requests.length, before, 'no call for an unverified visitor');
  });

  it('a claimed but unverified user id (no identity secret) is never looked up', async () => {
    const own = await startContextStandin();
    const { server: lax, cookie: laxCookie } = await serverWithAgent({
      PARLEY_CONTEXT_URL: own.url, PARLEY_CONTEXT_SECRET: CONTEXT_SECRET,
    });
    try {
      const c = await conversationOf(lax, 'victim-1', { hash: false });
      assert.equal(c.verified, false);
      assert.deepEqual(await contextJson(lax, laxCookie, c.conversationId), { status: 'not_verified' });
      assert.equal(own.requests.length, 0);
    } finally {
      await lax.stop();
      await own.close();
    }
  });

  it('an agent session is required; an unknown conversation is 404', async () => {
    const c = await conversationOf(server, 'nosession-1');
    assertError(await contextOf(server, null, c.conversationId), 401, 'unauthenticated');
    assertError(await contextOf(server, 'parley_session=forged', c.conversationId), 401, 'unauthenticated');
    assertError(await contextOf(server, cookie, 999999), 404, 'not_found');
    assertError(await contextOf(server, cookie, 'abc'), 404);
    assert.equal(standin.callsFor('nosession-1'), 0);
  });

  it('an endpoint that never answers: "unavailable" after the time-out, and the inbox answers meanwhile', async () => {
    const c = await conversationOf(server, 'slow-1');
    const slowClosedBefore = standin.slowClosed;
    const pending = contextOf(server, cookie, c.conversationId);
    await waitFor(() => standin.callsFor('slow-1') === 1, { what: 'the slow lookup reached the endpoint' });
    // While the lookup waits (its connection open), other requests are answered.
    const list = await request(`${server.url}/api/inbox`, { headers: { Cookie: cookie } });
    assert.equal(list.status, 200, list.text);
    const conv = await request(`${server.url}/api/inbox/${c.conversationId}`, { headers: { Cookie: cookie } });
    assert.equal(conv.status, 200, conv.text);
    const health = await request(`${server.url}/healthz`);
    assert.ok(health.status < 500, health.text);
    assert.equal(standin.slowClosed, slowClosedBefore, 'answered while the lookup was still waiting');

    const res = await pending;
    assert.equal(res.status, 200, res.text);
    const got = res.json();
    assert.equal(got.status, 'unavailable');
    assert.match(got.reason, /did not answer within 2 s/);
    await waitFor(() => standin.slowClosed > slowClosedBefore, { what: 'Parley closed the slow request' });
  });

  it('an oversize answer is aborted past 64 KiB', async () => {
    const c = await conversationOf(server, 'big-1');
    const got = await contextJson(server, cookie, c.conversationId);
    assert.equal(got.status, 'unavailable');
    assert.match(got.reason, /larger than 64 KiB/);
    await waitFor(() => standin.closedEarly === 1, { what: 'the transfer stopped before the end' });
  });

  it('non-JSON, bad card shapes and HTTP errors are "unavailable" with a reason', async () => {
    const cases = [
      ['html-1', /not valid: the answer is not JSON/],
      ['shape-1', /cards\[0\]\.fields\[0\]\.value must be a string/],
      ['fail-1', /HTTP 500/],
    ];
    for (const [user, reason] of cases) {
      const c = await conversationOf(server, user);
      const got = await contextJson(server, cookie, c.conversationId);
      assert.equal(got.status, 'unavailable', user);
      assert.match(got.reason, reason, user);
      assert.ok(!('cards' in got), user);
    }
    assert.match(server.logs(), /product context for visitor \d+ unavailable: the answer is not valid/);
  });

  it('only http(s) links are kept: javascript: and data: urls are dropped', async () => {
    const c = await conversationOf(server, 'links-1');
    const got = await contextJson(server, cookie, c.conversationId);
    assert.equal(got.status, 'ok', JSON.stringify(got));
    const [script, data, billing] = got.cards[0].fields;
    assert.deepEqual(script, { label: 'Script', value: 'click me' });
    assert.deepEqual(data, { label: 'Data', value: 'data link' });
    assert.equal(billing.url, 'https://billing.example.com/u/1');
  });
});
