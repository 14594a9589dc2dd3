// Running the team from the inbox (docs/INBOX.md, "Team and profile"; docs/PROTOCOL.md): every
// team route refuses agents who are not admins (and visitors without a session); an invitation
// is emailed through the outbox with a one-time link in the URL fragment, works once, expires,
// and is voided by a newer one; a disable ends the agent's sessions and closes their socket in
// another process at once; the last active admin stays; password resets go through the same
// links; notification preferences are the agent's, server-side. Two processes share one
// database and one Resend stand-in.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { startParley, runParley } from '../support/parley.mjs';
import { createDatabase, query } from '../support/pg.mjs';
import { request, waitFor } from '../support/http.mjs';
import { connectWs } from '../support/ws.mjs';
import { assertError } from '../support/assert.mjs';
import { startResendStandin } from '../support/resend-standin.mjs';

const TEST = { timeout: 120000 };
const PASSWORD = 'team-password-1';

describe('team administration and profile', TEST, () => {
  let db, a, b, standin;
  let admin, agent; // cookies
  const ids = {};

  async function login(server, email, password = PASSWORD) {
    const res = await request(server.url + '/api/auth/login', { method: 'POST', body: { email, password } });
    assert.equal(res.status, 200, res.text);
    return [].concat(res.headers['set-cookie'])[0].split(';')[0];
  }
  const call = (server, cookie, method, path, body) =>
    request(server.url + path, { method, body, headers: cookie ? { Cookie: cookie } : {} });

  // The token of the newest email of `kind` to `to`, from the body the stand-in received.
  async function linkTokenFor(to, kind = 'You are invited') {
    let email;
    await waitFor(() => (email = standin.accepted.filter((e) => [].concat(e.body.to).includes(to) && e.body.subject.includes(kind)).at(-1)),
      { what: `the "${kind}" email to ${to}` });
    const m = /\/inbox\/invite\.html#t=([A-Za-z0-9_-]{43})\b/.exec(email.body.text);
    assert.ok(m, `the email's text carries the link in its fragment: ${email.body.text}`);
    assert.ok(email.body.html.includes(`#t=${m[1]}`), 'and its HTML too');
    return m[1];
  }

  before(async () => {
    standin = await startResendStandin();
    db = createDatabase();
    for (const [email, name, role] of [['ann@team.test', 'Ann Admin', 'admin'], ['bob@team.test', 'Bob Agent', 'agent']]) {
      const r = await runParley(['agent', 'add', '--email', email, '--name', name, '--role', role],
        { env: { DATABASE_URL: db }, input: `${PASSWORD}\n` });
      assert.equal(r.code, 0, r.stderr);
    }
    const env = { DATABASE_URL: db, RESEND_API_KEY: standin.apiKey, RESEND_API_URL: standin.url };
    a = await startParley({ env });
    b = await startParley({ env });
    admin = await login(a, 'ann@team.test');
    agent = await login(a, 'bob@team.test');
    for (const [id, email] of query(db, 'SELECT id, email FROM agent')) ids[email] = Number(id);
  });
  after(async () => {
    await a?.stop();
    await b?.stop();
    await standin?.close();
  });

  it('every team route refuses an agent (403) and a caller without a session (401)', TEST, async () => {
    const routes = [
      ['GET', '/api/team'],
      ['POST', '/api/team/invitations', { email: 'x@team.test', name: 'X', role: 'agent' }],
      ['POST', `/api/team/${ids['ann@team.test']}/link`],
      ['POST', `/api/team/${ids['ann@team.test']}/disable`],
      ['POST', `/api/team/${ids['bob@team.test']}/enable`],
      ['PATCH', `/api/team/${ids['bob@team.test']}`, { role: 'admin' }],
    ];
    for (const [method, path, body] of routes) {
      assertError(await call(a, agent, method, path, body), 403, 'forbidden', `${method} ${path} as an agent`);
      assertError(await call(a, null, method, path, body), 401, null, `${method} ${path} without a session`);
    }
    for (const [method, path] of [['GET', '/api/me/preferences'], ['PUT', '/api/me/preferences']]) {
      assertError(await call(a, null, method, path, {}), 401, null, `${method} ${path} without a session`);
    }
    // Nothing changed: no invitation, Bob is still an agent, Ann still active.
    assert.deepEqual(query(db, "SELECT email, role, disabled FROM agent ORDER BY id"),
      [['ann@team.test', 'admin', 'f'], ['bob@team.test', 'agent', 'f']]);
    // A cookie-authenticated write from another site is refused before anything else.
    const cross = await request(a.url + '/api/team/invitations', {
      method: 'POST', headers: { Cookie: admin, Origin: 'https://evil.test' }, body: { email: 'x@team.test', name: 'X' },
    });
    assertError(cross, 403, 'bad_origin');
  });

  it('an invitation: emailed once with the token in the fragment; valid once; the agent then signs in', TEST, async () => {
    const res = await call(a, admin, 'POST', '/api/team/invitations', { email: 'Cat@Team.test', name: '  Cat Cole ', role: 'agent' });
    assert.equal(res.status, 201, res.text);
    const body = res.json();
    assert.equal(body.agent.status, 'invited');
    assert.equal(body.agent.name, 'Cat Cole');
    assert.equal(body.agent.email, 'cat@team.test');
    assert.equal(body.purpose, 'invite');
    assert.equal(body.link, undefined, 'with email configured the admin never sees the link');
    const expires = Date.parse(body.expiresAt) - Date.now();
    assert.ok(expires > 47 * 3600e3 && expires <= 48 * 3600e3 + 60e3, `valid 48 hours: ${body.expiresAt}`);
    ids['cat@team.test'] = body.agent.id;

    const token = await linkTokenFor('cat@team.test');
    // Stored only as its SHA-256; never in the log; sent once.
    const digest = createHash('sha256').update(token).digest('hex');
    assert.deepEqual(query(db, `SELECT purpose FROM agent_link WHERE token_hash = '\\x${digest}'`), [['invite']]);
    assert.equal(query(db, `SELECT count(*) FROM agent_link WHERE token_hash::text LIKE '%${token}%'`)[0][0], '0');
    assert.equal(query(db, "SELECT count(*), min(kind::text), min(status::text) FROM email_outbox WHERE to_address = 'cat@team.test'")[0].join(), '1,agent_invite,sent');
    assert.ok(!(a.logs() + b.logs()).includes(token), 'the token is not in any log');

    // Invited: listed, but cannot sign in and is no one to assign to yet.
    const team = (await call(a, admin, 'GET', '/api/team')).json();
    assert.equal(team.agents.find((x) => x.email === 'cat@team.test').status, 'invited');
    assert.ok(!(await call(a, admin, 'GET', '/api/agents')).json().agents.some((x) => x.email === 'cat@team.test'));
    assert.equal((await request(a.url + '/api/auth/login', { method: 'POST', body: { email: 'cat@team.test', password: '' + 'x'.repeat(8) } })).status, 401);

    const check = await request(b.url + '/api/invitations/check', { method: 'POST', body: { token } });
    assert.equal(check.status, 200, check.text);
    assert.deepEqual({ ...check.json().link, expiresAt: undefined }, { purpose: 'invite', email: 'cat@team.test', name: 'Cat Cole', expiresAt: undefined });
    assertError(await request(b.url + '/api/invitations/accept', { method: 'POST', body: { token, password: 'short' } }), 400, 'invalid_field');
    const accept = await request(b.url + '/api/invitations/accept', { method: 'POST', body: { token, password: 'cat-password-1' } });
    assert.equal(accept.status, 204, accept.text);
    // Used once: a second use (even with another password) is refused, the first password stays.
    assertError(await request(a.url + '/api/invitations/accept', { method: 'POST', body: { token, password: 'other-password-2' } }), 410, 'link_used');
    assertError(await request(a.url + '/api/invitations/check', { method: 'POST', body: { token } }), 410, 'link_used');
    const cat = await login(a, 'cat@team.test', 'cat-password-1');
    assert.equal((await call(a, cat, 'GET', '/api/me')).json().agent.role, 'agent');
    assert.equal((await call(a, admin, 'GET', '/api/team')).json().agents.find((x) => x.email === 'cat@team.test').status, 'active');
    // The same email again is a conflict.
    assertError(await call(a, admin, 'POST', '/api/team/invitations', { email: 'cat@team.test', name: 'Cat' }), 409, 'conflict');
  });

  it('bad invitations are refused clearly', TEST, async () => {
    for (const [body, code] of [
      [{ email: 'not-an-email', name: 'X' }, 'invalid_field'],
      [{ email: 'x@team.test', name: '   ' }, 'invalid_field'],
      [{ email: 'x@team.test', name: 'X'.repeat(81) }, 'invalid_field'],
      [{ email: 'x@team.test', name: 'X', role: 'owner' }, 'invalid_field'],
      [{ email: 'x@team.test' }, 'invalid_field'],
    ]) assertError(await call(a, admin, 'POST', '/api/team/invitations', body), 400, code, JSON.stringify(body));
    const huge = await call(a, admin, 'POST', '/api/team/invitations', { email: 'x@team.test', name: 'X', pad: 'p'.repeat(5000) });
    assertError(huge, 413, 'too_large');
    assertError(await request(a.url + '/api/invitations/check', { method: 'POST', body: { token: 'x'.repeat(43) } }), 404, 'link_invalid');
    assertError(await request(a.url + '/api/invitations/check', { method: 'POST', body: {} }), 400, 'invalid_field');
    assert.equal(query(db, "SELECT count(*) FROM agent WHERE email = 'x@team.test'")[0][0], '0');
  });

  it('an expired link is refused; a new invitation voids the old link and works', TEST, async () => {
    const res = await call(a, admin, 'POST', '/api/team/invitations', { email: 'dan@team.test', name: 'Dan', role: 'admin' });
    assert.equal(res.status, 201, res.text);
    const id = res.json().agent.id;
    ids['dan@team.test'] = id;
    const first = await linkTokenFor('dan@team.test');
    query(db, `UPDATE agent_link SET expires_at = now() - interval '1 second' WHERE agent_id = ${id}`);
    assertError(await request(a.url + '/api/invitations/check', { method: 'POST', body: { token: first } }), 410, 'link_expired');
    assertError(await request(a.url + '/api/invitations/accept', { method: 'POST', body: { token: first, password: 'dan-password-1' } }), 410, 'link_expired');
    assert.equal((await call(a, admin, 'GET', '/api/team')).json().agents.find((x) => x.id === id).linkExpiresAt, null);

    const again = await call(a, admin, 'POST', `/api/team/${id}/link`);
    assert.equal(again.status, 200, again.text);
    assert.equal(again.json().purpose, 'invite');
    await waitFor(() => standin.accepted.filter((e) => [].concat(e.body.to).includes('dan@team.test')).length === 2, { what: 'a second email' });
    const second = await linkTokenFor('dan@team.test');
    assert.notEqual(second, first);
    query(db, `UPDATE agent_link SET expires_at = now() + interval '1 hour' WHERE agent_id = ${id} AND voided_at IS NOT NULL`);
    assertError(await request(a.url + '/api/invitations/check', { method: 'POST', body: { token: first } }), 410, 'link_replaced');
    assert.equal((await request(a.url + '/api/invitations/accept', { method: 'POST', body: { token: second, password: 'dan-password-1' } })).status, 204);
    await login(a, 'dan@team.test', 'dan-password-1');
  });

  it('disabling ends the sessions and closes the agent socket held by another process at once', TEST, async () => {
    const cat = await login(b, 'cat@team.test', 'cat-password-1');
    const ws = await connectWs(b.url.replace('http', 'ws') + '/ws', { headers: { Cookie: cat }, origin: b.url });
    await ws.nextMessage('ready');
    const res = await call(a, admin, 'POST', `/api/team/${ids['cat@team.test']}/disable`);
    assert.equal(res.status, 200, res.text);
    assert.equal(res.json().agent.status, 'disabled');
    const closed = await ws.closed; // the test's time-out is the only bound: no timing asserted
    assert.equal(closed.code, 4001);
    assert.equal((await call(b, cat, 'GET', '/api/me')).status, 401);
    assert.equal(query(db, `SELECT count(*) FROM agent_session WHERE agent_id = ${ids['cat@team.test']}`)[0][0], '0');
    // Signing in is refused with a clear message (the password is right).
    const refused = await request(a.url + '/api/auth/login', { method: 'POST', body: { email: 'cat@team.test', password: 'cat-password-1' } });
    assertError(refused, 403, 'account_disabled');
    assert.match(refused.json().error.message, /disabled/);
    // A wrong password still says only that.
    assertError(await request(a.url + '/api/auth/login', { method: 'POST', body: { email: 'cat@team.test', password: 'wrong-password' } }), 401, 'bad_credentials');
    // A reset link for a disabled agent is refused; enabling lets them back in.
    assertError(await call(a, admin, 'POST', `/api/team/${ids['cat@team.test']}/link`), 409, 'agent_disabled');
    assert.equal((await call(a, admin, 'POST', `/api/team/${ids['cat@team.test']}/enable`)).json().agent.status, 'active');
    await login(a, 'cat@team.test', 'cat-password-1');
  });

  it('the last active admin can be neither disabled nor demoted; a role change applies at once', TEST, async () => {
    assert.equal((await call(a, admin, 'POST', `/api/team/${ids['dan@team.test']}/disable`)).status, 200);
    const ann = ids['ann@team.test'];
    assertError(await call(a, admin, 'POST', `/api/team/${ann}/disable`), 409, 'last_admin');
    assertError(await call(a, admin, 'PATCH', `/api/team/${ann}`, { role: 'agent' }), 409, 'last_admin');
    assertError(await call(a, admin, 'PATCH', `/api/team/${ann}`, { role: 'owner' }), 400, 'invalid_field');
    assertError(await call(a, admin, 'PATCH', '/api/team/999999', { role: 'agent' }), 404);
    // With Bob an admin too, Ann can step down — and her next call is an agent's.
    assert.equal((await call(a, admin, 'PATCH', `/api/team/${ids['bob@team.test']}`, { role: 'admin' })).json().agent.role, 'admin');
    assert.equal((await call(a, admin, 'PATCH', `/api/team/${ann}`, { role: 'agent' })).json().agent.role, 'agent');
    assertError(await call(a, admin, 'GET', '/api/team'), 403, 'forbidden');
    assert.equal((await call(b, agent, 'PATCH', `/api/team/${ann}`, { role: 'admin' })).status, 200);
    assert.equal((await call(a, admin, 'GET', '/api/team')).status, 200);
    assert.equal((await call(a, admin, 'PATCH', `/api/team/${ids['bob@team.test']}`, { role: 'agent' })).status, 200);
  });

  it('a password reset is a one-time link too: using it ends the old sessions and sockets', TEST, async () => {
    const bob = ids['bob@team.test'];
    const ws = await connectWs(b.url.replace('http', 'ws') + '/ws', { headers: { Cookie: agent }, origin: b.url });
    await ws.nextMessage('ready');
    const res = await call(a, admin, 'POST', `/api/team/${bob}/link`);
    assert.equal(res.status, 200, res.text);
    assert.equal(res.json().purpose, 'reset');
    const token = await linkTokenFor('bob@team.test', 'Reset your Parley password');
    assert.equal((await call(a, agent, 'GET', '/api/me')).status, 200, 'nothing changes until the link is used');
    const check = await request(a.url + '/api/invitations/check', { method: 'POST', body: { token } });
    assert.equal(check.json().link.purpose, 'reset');
    assert.equal((await request(a.url + '/api/invitations/accept', { method: 'POST', body: { token, password: 'bob-new-password' } })).status, 204);
    assert.equal((await ws.closed).code, 4001);
    assert.equal((await call(a, agent, 'GET', '/api/me')).status, 401);
    assert.equal((await request(a.url + '/api/auth/login', { method: 'POST', body: { email: 'bob@team.test', password: PASSWORD } })).status, 401);
    agent = await login(a, 'bob@team.test', 'bob-new-password');
    assertError(await request(a.url + '/api/invitations/accept', { method: 'POST', body: { token, password: 'bob-other-password' } }), 410, 'link_used');
  });

  it('notification preferences are the agent\'s own, kept server-side across sessions, and checked', TEST, async () => {
    const here = await login(a, 'cat@team.test', 'cat-password-1');
    const there = await login(b, 'cat@team.test', 'cat-password-1');
    const all = { desktop: true, sound: true, events: { newConversation: true, newMessageOnMine: true, mentions: true } };
    assert.deepEqual((await call(a, here, 'GET', '/api/me/preferences')).json().preferences, all);
    const put = await call(a, here, 'PUT', '/api/me/preferences', { sound: false, events: { mentions: false } });
    assert.equal(put.status, 200, put.text);
    const changed = { ...all, sound: false, events: { ...all.events, mentions: false } };
    assert.deepEqual(put.json().preferences, changed);
    assert.deepEqual((await call(b, there, 'GET', '/api/me/preferences')).json().preferences, changed, 'another browser sees them');
    assert.deepEqual((await call(a, admin, 'GET', '/api/me/preferences')).json().preferences, all, 'another agent keeps theirs');
    for (const bad of [{ sound: 'no' }, { volume: true }, { events: { everything: true } }, { events: [] }, { events: { mentions: 1 } }]) {
      assertError(await call(a, here, 'PUT', '/api/me/preferences', bad), 400, 'invalid_field', JSON.stringify(bad));
    }
    assertError(await call(a, here, 'PUT', '/api/me/preferences', { pad: 'x'.repeat(5000) }), 413, 'too_large');
    assert.deepEqual((await call(a, here, 'GET', '/api/me/preferences')).json().preferences, changed, 'bad input changed nothing');
    // Writes are rate-limited per agent (60 a minute).
    let limited = null;
    for (let i = 0; i < 70 && !limited; i++) {
      const r = await call(a, here, 'PUT', '/api/me/preferences', { sound: i % 2 === 0 });
      if (r.status === 429) limited = r;
      else assert.equal(r.status, 200, r.text);
    }
    assert.ok(limited, 'the 61st write within a minute is refused');
    assertError(limited, 429, 'too_many_requests');
  });
  it('the CLI keeps an invited agent consistent: no enable without a password; a password activates them', TEST, async () => {
    assert.equal((await call(a, admin, 'POST', '/api/team/invitations', { email: 'eve@team.test', name: 'Eve' })).status, 201);
    const cli = (args, input = '') => runParley(['agent', ...args], { env: { DATABASE_URL: db }, input });
    const enable = await cli(['enable', '--email', 'eve@team.test']);
    assert.equal(enable.code, 1);
    assert.match(enable.stderr, /never set a password/);
    assert.equal((await cli(['password', '--email', 'eve@team.test'], 'eve-password-1\n')).code, 0);
    await login(a, 'eve@team.test', 'eve-password-1');
    assert.equal((await call(a, admin, 'GET', '/api/team')).json().agents.find((x) => x.email === 'eve@team.test').status, 'active');
  });
});
