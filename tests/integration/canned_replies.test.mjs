// Canned replies over REST (docs/INBOX.md, docs/PROTOCOL.md): sessions and same-origin writes,
// CRUD, validation with clear 4xx errors, who may manage what (team: admins; personal: the
// owner alone, invisible to others), shortcuts unique per scope, and ranking by each agent's
// own use. Real binary, real PostgreSQL.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startParley } from '../support/parley.mjs';
import { createDatabase } from '../support/pg.mjs';
import { request } from '../support/http.mjs';
import { assertError } from '../support/assert.mjs';
import { addAgent as createAgent, login as signIn } from '../support/agents.mjs';

const PASSWORD = 'canned-replies-password-1';
const BASE = '/api/canned-replies';

const addAgent = (db, email, name, role) => createAgent(db, { email, name, role, password: PASSWORD });

const login = async (server, email) => (await signIn(server, email, PASSWORD)).cookie;

describe('canned replies API', () => {
  let server, admin, ann, bob;
  const call = (cookie, method, p, body, headers = {}) =>
    request(server.url + p, { method, headers: { ...(cookie ? { Cookie: cookie } : {}), ...headers }, body });
  const list = async (cookie) => {
    const res = await call(cookie, 'GET', BASE);
    assert.equal(res.status, 200, res.text);
    return res.json();
  };
  const create = async (cookie, body) => {
    const res = await call(cookie, 'POST', BASE, body);
    assert.equal(res.status, 201, res.text);
    return res.json().reply;
  };

  before(async () => {
    const db = createDatabase();
    await addAgent(db, 'admin@canned.test', 'Ada Admin', 'admin');
    await addAgent(db, 'ann@canned.test', 'Ann Agent', 'agent');
    await addAgent(db, 'bob@canned.test', 'Bob Agent', 'agent');
    server = await startParley({ env: { DATABASE_URL: db } });
    [admin, ann, bob] = await Promise.all(['admin', 'ann', 'bob'].map((n) => login(server, `${n}@canned.test`)));
  });
  after(() => server?.stop());

  it('every route needs a session; writes from another site are refused', async () => {
    for (const [method, p, body] of [
      ['GET', BASE],
      ['POST', BASE, { shortcut: 'x', title: 't', body: 'b' }],
      ['PUT', `${BASE}/1`, { shortcut: 'x', title: 't', body: 'b' }],
      ['DELETE', `${BASE}/1`],
      ['POST', `${BASE}/1/use`],
    ]) {
      assertError(await call(null, method, p, body), 401, 'unauthenticated', `${method} ${p}`);
    }
    assertError(await call(ann, 'POST', BASE, { shortcut: 'x', title: 't', body: 'b' }, { Origin: 'https://evil.example' }),
      403, 'bad_origin');
  });

  it('an agent creates, edits and deletes personal replies; input is normalised', async () => {
    const r = await create(ann, { shortcut: ' /Hello ', title: '  Greeting ', body: '\nHi {{visitor.name|there}}, I am {{agent.name}}.\n' });
    assert.equal(r.scope, 'personal');
    assert.equal(r.shortcut, 'hello');
    assert.equal(r.title, 'Greeting');
    assert.equal(r.body, 'Hi {{visitor.name|there}}, I am {{agent.name}}.');
    assert.equal(r.myUses, 0);
    assert.equal(r.lastUsedAt, null);
    assert.equal(r.canManage, true);
    assert.match(r.updatedAt, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);

    const put = await call(ann, 'PUT', `${BASE}/${r.id}`, { shortcut: 'hi', title: 'Hi there', body: 'Hello!' });
    assert.equal(put.status, 200, put.text);
    assert.deepEqual([put.json().reply.shortcut, put.json().reply.title, put.json().reply.body], ['hi', 'Hi there', 'Hello!']);

    const del = await call(ann, 'DELETE', `${BASE}/${r.id}`);
    assert.equal(del.status, 204);
    assertError(await call(ann, 'DELETE', `${BASE}/${r.id}`), 404, 'not_found');
    assert.equal((await list(ann)).replies.some((x) => x.id === r.id), false);
  });

  it('bad input is a 400 naming the field', async () => {
    const good = { shortcut: 'ok', title: 'Title', body: 'Body' };
    for (const [body, pattern] of [
      [{ ...good, shortcut: 'two words' }, /shortcut/],
      [{ ...good, shortcut: 'café' }, /shortcut/],
      [{ ...good, shortcut: 'x'.repeat(33) }, /shortcut/],
      [{ ...good, shortcut: '' }, /shortcut/],
      [{ ...good, shortcut: 7 }, /shortcut must be a string/],
      [{ title: 'T', body: 'B' }, /shortcut is required/],
      [{ ...good, title: '   ' }, /title/],
      [{ ...good, title: 'x'.repeat(81) }, /title/],
      [{ ...good, title: 'two\nlines' }, /title/],
      [{ ...good, body: ' \n ' }, /body/],
      [{ ...good, body: 'x'.repeat(4001) }, /body/],
      [{ ...good, body: 'bidi \u202E override' }, /body/],
      [{ ...good, scope: 'everyone' }, /scope/],
    ]) {
      const res = await call(ann, 'POST', BASE, body);
      assertError(res, 400, undefined, JSON.stringify(body).slice(0, 60));
      assert.match(res.json().error.message, pattern);
    }
    assertError(await call(ann, 'POST', BASE, '[1,2]'), 400);
    assertError(await call(ann, 'POST', BASE, 'not json'), 400);
    assertError(await call(ann, 'PUT', `${BASE}/abc`, good), 404, 'not_found');
    // The limits themselves are accepted.
    await create(ann, { shortcut: 'x'.repeat(32), title: 't'.repeat(80), body: 'é'.repeat(4000) });
  });

  it('team replies: admins manage them, every agent sees and uses them, agents cannot change them', async () => {
    assertError(await call(ann, 'POST', BASE, { scope: 'team', shortcut: 'refund', title: 'Refunds', body: 'b' }), 403, 'forbidden');
    const team = await create(admin, { scope: 'team', shortcut: 'refund', title: 'Refund policy', body: 'Refunds take 5 days.' });
    assert.equal(team.scope, 'team');
    assert.equal(team.canManage, true);

    const seen = (await list(ann)).replies.find((r) => r.id === team.id);
    assert.ok(seen, 'an agent sees team replies');
    assert.equal(seen.canManage, false);
    assert.equal((await list(ann)).canManageTeam, false);
    assert.equal((await list(admin)).canManageTeam, true);

    assertError(await call(ann, 'PUT', `${BASE}/${team.id}`, { shortcut: 'refund', title: 'Mine now', body: 'b' }), 403, 'forbidden');
    assertError(await call(ann, 'DELETE', `${BASE}/${team.id}`), 403, 'forbidden');
    assert.equal((await list(bob)).replies.find((r) => r.id === team.id).title, 'Refund policy', 'unchanged');

    const put = await call(admin, 'PUT', `${BASE}/${team.id}`, { shortcut: 'refund', title: 'Refunds (updated)', body: 'Refunds take 3 days.' });
    assert.equal(put.status, 200, put.text);
    assert.equal((await list(bob)).replies.find((r) => r.id === team.id).body, 'Refunds take 3 days.');
  });

  it("another agent's personal replies are invisible and cannot be managed, not even by an admin", async () => {
    const mine = await create(ann, { shortcut: 'anns-secret', title: 'Ann only', body: 'Private wording' });
    for (const cookie of [bob, admin]) {
      assert.equal((await list(cookie)).replies.some((r) => r.id === mine.id), false);
      assertError(await call(cookie, 'PUT', `${BASE}/${mine.id}`, { shortcut: 'x', title: 't', body: 'b' }), 404, 'not_found');
      assertError(await call(cookie, 'DELETE', `${BASE}/${mine.id}`), 404, 'not_found');
      assertError(await call(cookie, 'POST', `${BASE}/${mine.id}/use`), 404, 'not_found');
    }
    const still = (await list(ann)).replies.find((r) => r.id === mine.id);
    assert.equal(still.body, 'Private wording');
  });

  it('a shortcut is unique in its scope: 409 within, free across scopes and agents', async () => {
    await create(admin, { scope: 'team', shortcut: 'thanks', title: 'Thanks', body: 'Thank you!' });
    const dupTeam = await call(admin, 'POST', BASE, { scope: 'team', shortcut: 'Thanks', title: 'T', body: 'b' });
    assertError(dupTeam, 409, 'shortcut_taken');
    assert.match(dupTeam.json().error.message, /\/thanks/);
    // A personal reply may share the team's shortcut, and two agents may each have one.
    const a = await create(ann, { shortcut: 'thanks', title: 'My thanks', body: 'Cheers!' });
    await create(bob, { shortcut: 'thanks', title: 'Bob thanks', body: 'Ta!' });
    assertError(await call(ann, 'POST', BASE, { shortcut: 'thanks', title: 'Again', body: 'b' }), 409, 'shortcut_taken');
    // Renaming onto a taken shortcut is refused too.
    const other = await create(ann, { shortcut: 'bye', title: 'Bye', body: 'Bye!' });
    assertError(await call(ann, 'PUT', `${BASE}/${other.id}`, { shortcut: 'thanks', title: 'Bye', body: 'Bye!' }), 409, 'shortcut_taken');
    assert.equal((await list(ann)).replies.filter((r) => r.shortcut === 'thanks').length, 2, 'team + mine');
    assert.ok(a.id);
  });

  it('ranking: the most used by me first, each agent by their own use', async () => {
    const t1 = await create(admin, { scope: 'team', shortcut: 'rank-a', title: 'A', body: 'a' });
    const t2 = await create(admin, { scope: 'team', shortcut: 'rank-b', title: 'B', body: 'b' });
    const use = async (cookie, id, times) => {
      let last;
      for (let i = 0; i < times; i++) {
        const res = await call(cookie, 'POST', `${BASE}/${id}/use`);
        assert.equal(res.status, 200, res.text);
        last = res.json().reply;
      }
      return last;
    };
    const afterAnn = await use(ann, t2.id, 2);
    assert.equal(afterAnn.myUses, 2);
    assert.equal(afterAnn.totalUses, 2);
    assert.match(afterAnn.lastUsedAt, /^\d{4}-/);
    await use(bob, t1.id, 3);

    const annOrder = (await list(ann)).replies.map((r) => r.shortcut);
    const bobOrder = (await list(bob)).replies.map((r) => r.shortcut);
    assert.equal(annOrder[0], 'rank-b', `Ann's most used first: ${annOrder}`);
    assert.equal(bobOrder[0], 'rank-a', `Bob's most used first: ${bobOrder}`);
    const bobsB = (await list(bob)).replies.find((r) => r.id === t2.id);
    assert.deepEqual([bobsB.myUses, bobsB.totalUses], [0, 2], 'the team count is shared, "mine" is not');
    // Past the own uses, the team's count decides: for Ann, rank-a (3 by Bob) before never-used ones.
    assert.ok(annOrder.indexOf('rank-a') < annOrder.indexOf('refund'), `${annOrder}`);

    assertError(await call(ann, 'POST', `${BASE}/999999/use`), 404, 'not_found');
  });

  it('each agent has 200 personal replies at most', async () => {
    const before = (await list(bob)).replies.filter((r) => r.scope === 'personal').length;
    for (let i = before; i < 200; i++) {
      const res = await call(bob, 'POST', BASE, { shortcut: `bulk-${i}`, title: `Bulk ${i}`, body: 'x' });
      assert.equal(res.status, 201, res.text);
    }
    assertError(await call(bob, 'POST', BASE, { shortcut: 'one-too-many', title: 'T', body: 'b' }), 409, 'limit_reached');
    // Ann's scope is her own: still open.
    await create(ann, { shortcut: 'still-room', title: 'T', body: 'b' });
  });
});
