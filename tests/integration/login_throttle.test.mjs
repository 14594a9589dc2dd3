// Login throttling shared through PostgreSQL (issue #15 item 10; docs/OPERATIONS.md, "Abuse
// limits"): two real Parley processes A and B on one database; failures sent to either count
// together; an attacker slows an account down but never locks its owner out. Client addresses
// come from X-Forwarded-For (loopback is a trusted proxy by default).
//
// No timing is asserted. The one wait is the server's own Retry-After for the account's delay,
// which the policy caps at 30 s: the test waits exactly that (plus 100 ms of timer slack) once.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { startParley } from '../support/parley.mjs';
import { createDatabase, query } from '../support/pg.mjs';
import { request } from '../support/http.mjs';
import { assertError } from '../support/assert.mjs';
import { addAgent as createAgent } from '../support/agents.mjs';

const PASSWORD = 'login-throttle-suite-password';
const MAX_ACCOUNT_DELAY = 30; // seconds, the policy's cap

const count = (url, sql) => Number(query(url, sql)[0][0]);

const addAgent = (databaseUrl, email) => createAgent(databaseUrl, { email, name: email.split('@')[0], password: PASSWORD });

/** POST /api/auth/login from client address `from` (through the trusted loopback proxy). */
function loginFrom(server, from, email, password) {
  return request(server.url + '/api/auth/login', {
    method: 'POST',
    headers: { 'X-Forwarded-For': from },
    body: { email, password },
  });
}

/** Asserts a 429 as docs/PROTOCOL.md describes it; returns its Retry-After in seconds. */
function assertThrottled(res, what) {
  assertError(res, 429, 'too_many_requests', what);
  const value = res.headers['retry-after'];
  assert.match(value ?? '', /^[1-9]\d*$/, `${what}: Retry-After must be whole seconds ≥ 1, got ${value}`);
  assert.equal(res.headers['set-cookie'], undefined, `${what}: a refused login set a cookie`);
  return Number(value);
}

/**
 * The owner logs in with the right password: at once, or — while the account's delay runs —
 * after one 429 whose Retry-After is at most the cap, by waiting exactly that long.
 */
async function ownerLogsIn(server, from, email) {
  let res = await loginFrom(server, from, email, PASSWORD);
  if (res.status === 429) {
    const wait = assertThrottled(res, 'the owner, first try');
    assert.ok(wait <= MAX_ACCOUNT_DELAY, `the owner was told to wait ${wait} s (the delay is capped at ${MAX_ACCOUNT_DELAY} s)`);
    await sleep(wait * 1000 + 100);
    res = await loginFrom(server, from, email, PASSWORD);
  }
  assert.equal(res.status, 200, `the owner could not log in: ${res.status} ${res.text}`);
  assert.ok([].concat(res.headers['set-cookie'] ?? []).some((c) => /^parley_session=/.test(c)), 'no session cookie');
}

describe('login throttling across processes', () => {
  let db;
  let a;
  let b;
  before(async () => {
    db = createDatabase();
    for (const who of ['pair', 'other', 'botnet', 'parallel', 'cleared', 'address']) await addAgent(db, `${who}@example.com`);
    a = await startParley({ env: { DATABASE_URL: db } });
    b = await startParley({ env: { DATABASE_URL: db } });
  });
  after(async () => {
    await a?.stop();
    await b?.stop();
  });

  const sessionsOf = (email) =>
    count(db, `SELECT count(*) FROM agent_session s JOIN agent g ON g.id = s.agent_id WHERE g.email = '${email}'`);

  it('5 failures for one account from one address, spread over both processes → the 6th is refused even with the right password', async () => {
    const from = '198.51.100.7';
    const started = Date.now();
    for (let i = 0; i < 5; i++) {
      const server = i % 2 ? b : a;
      assertError(await loginFrom(server, from, 'pair@example.com', `wrong ${i}`), 401, 'bad_credentials', `attempt ${i + 1}`);
    }
    for (const server of [a, b]) {
      const wait = assertThrottled(await loginFrom(server, from, 'pair@example.com', PASSWORD), 'the 6th attempt');
      // Until the oldest of the 5 is 15 minutes old: it is no older than this test.
      const oldest = (Date.now() - started) / 1000;
      assert.ok(wait <= 15 * 60 && wait >= 15 * 60 - oldest, `Retry-After ${wait} s, the oldest failure ≤ ${oldest} s old`);
    }
    assert.equal(sessionsOf('pair@example.com'), 0, 'a refused login created a session');
    // The limit is per address and account: another account from this address is not refused.
    assert.equal((await loginFrom(b, from, 'other@example.com', PASSWORD)).status, 200);
    // And the owner, from their own address, gets in (after at most the account's short delay).
    await ownerLogsIn(a, '192.0.2.10', 'pair@example.com');
  });

  it('an attacker hammering an account from many addresses slows it down but never locks its owner out', async () => {
    const statuses = [];
    for (let i = 0; i < 30; i++) {
      const res = await loginFrom(i % 2 ? b : a, `203.0.113.${i + 1}`, 'botnet@example.com', `guess ${i}`);
      statuses.push(res.status);
      if (res.status === 429) {
        const wait = assertThrottled(res, `guess ${i + 1}`);
        assert.ok(wait <= MAX_ACCOUNT_DELAY, `guess ${i + 1}: the account was held for ${wait} s (cap ${MAX_ACCOUNT_DELAY} s)`);
      } else {
        assertError(res, 401, 'bad_credentials', `guess ${i + 1}`);
      }
    }
    const checked = statuses.filter((s) => s === 401).length;
    assert.ok(checked >= 5, `the first 5 guesses are never delayed: ${statuses}`);
    // Only the guesses that were checked are stored: refused ones cost nothing and add nothing.
    assert.equal(count(db, `SELECT count(*) FROM login_failure WHERE account = 'botnet@example.com'`), checked);
    await ownerLogsIn(b, '192.0.2.20', 'botnet@example.com');
  });

  it('30 wrong passwords at once from one address, over both processes → at most 5 are checked, the rest 429', async () => {
    const from = '198.51.100.30';
    const results = await Promise.all(
      Array.from({ length: 30 }, (_, i) => loginFrom(i % 2 ? b : a, from, 'parallel@example.com', `parallel wrong ${i}`)),
    );
    const statuses = results.map((r) => r.status);
    assert.ok(statuses.every((s) => s === 401 || s === 429), `statuses ${statuses}`);
    const checked = statuses.filter((s) => s === 401).length;
    assert.ok(checked <= 5, `${checked} password guesses were checked in one burst (limit 5 per address and account): ${statuses}`);
    for (const r of results.filter((x) => x.status === 429)) assertThrottled(r, 'a refused guess');
    assertThrottled(await loginFrom(a, from, 'parallel@example.com', PASSWORD), 'the right password after the burst');
  });

  it('a successful login clears the failures of its address for that account', async () => {
    const from = '198.51.100.40';
    for (let i = 0; i < 4; i++) assertError(await loginFrom(a, from, 'cleared@example.com', `wrong ${i}`), 401, 'bad_credentials');
    assert.equal((await loginFrom(b, from, 'cleared@example.com', PASSWORD)).status, 200);
    for (let i = 0; i < 5; i++) {
      assertError(await loginFrom(i % 2 ? a : b, from, 'cleared@example.com', `again ${i}`), 401, 'bad_credentials', `after success, attempt ${i + 1}`);
    }
    assertThrottled(await loginFrom(a, from, 'cleared@example.com', PASSWORD), 'the 6th failure since the success');
  });

  it('20 failures from one address (any accounts, both processes) in 10 minutes → that address is refused, others are not', async () => {
    const from = '198.51.100.50';
    const started = Date.now();
    for (let i = 0; i < 20; i++) {
      const res = await loginFrom(i % 2 ? b : a, from, `nobody-${i}@example.com`, 'wrong');
      assertError(res, 401, 'bad_credentials', `attempt ${i + 1}`);
    }
    const wait = assertThrottled(await loginFrom(a, from, 'address@example.com', PASSWORD), 'the 21st attempt');
    // Until the oldest of the 20 is 10 minutes old: it is no older than this test.
    const oldest = (Date.now() - started) / 1000;
    assert.ok(wait <= 10 * 60 && wait >= 10 * 60 - oldest, `Retry-After ${wait} s, the oldest failure ≤ ${oldest} s old`);
    assert.equal(sessionsOf('address@example.com'), 0, 'a refused login created a session');
    assert.equal((await loginFrom(b, '198.51.100.51', 'address@example.com', PASSWORD)).status, 200);
  });
});
