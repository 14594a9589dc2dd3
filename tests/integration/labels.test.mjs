// Labels (docs/PROTOCOL.md "Labels", docs/INBOX.md): admins define them, any agent puts them
// on conversations, the list filters by them; a rename keeps the assignments, a delete takes
// the label off everywhere (a foreign key); every change is an event that reaches agent
// sockets of another process, and no visitor socket. Two real processes on one PostgreSQL.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { startParley } from '../support/parley.mjs';
import { createDatabase, query, psql } from '../support/pg.mjs';
import { request } from '../support/http.mjs';
import { connectWs } from '../support/ws.mjs';
import { assertError } from '../support/assert.mjs';
import { addAgent as createAgent, login as signIn, agentSocket as openAgentSocket } from '../support/agents.mjs';

const PASSWORD = 'labels-suite-password';
const LIVE = 20000;
const TEST = { timeout: 120000 };
const rand = () => randomBytes(4).toString('hex');
const one = (url, sql) => query(url, sql)[0]?.[0];

let databaseUrl, A, B;
const agents = {}; // name → {cookie, agent}

const addAgent = (email, name, role) => createAgent(databaseUrl, { email, name, role, password: PASSWORD });

const login = (server, email) => signIn(server, email, PASSWORD);

// A JSON call as `who` (an agents key, or null for no session) on `server`.
function call(server, who, method, path, body) {
  const headers = who ? { Cookie: agents[who].cookie, Origin: server.url } : { Origin: server.url };
  return request(server.url + path, { method, headers, body });
}

const agentSocket = (server, cookie) => openAgentSocket(server, cookie, { status: null, deadline: LIVE });

/** A visitor with an open conversation on `server`: {ws, conversationId}. */
async function conversation(server) {
  const res = await request(server.url + '/api/visitors/identify', { method: 'POST', body: {} });
  assert.equal(res.status, 200, res.text);
  const ws = await connectWs(server.wsUrl + '?role=visitor');
  ws.send({ type: 'auth', visitorToken: res.json().visitorToken });
  await ws.nextMessage('ready', LIVE);
  const clientId = `c-${rand()}`;
  ws.send({ type: 'send', clientId, body: `hello ${rand()}` });
  const ack = await ws.nextMessage((m) => m && m.clientId === clientId, LIVE);
  assert.equal(ack.type, 'ack', JSON.stringify(ack));
  return { ws, conversationId: ack.message.conversationId };
}

async function createLabel(name, colour = '#2563eb') {
  const res = await call(A, 'admin', 'POST', '/api/labels', { name, colour });
  assert.equal(res.status, 201, res.text);
  return res.json().label;
}

const labelsOf = async (server, id) => {
  const res = await call(server, 'bo', 'GET', `/api/inbox/${id}`);
  assert.equal(res.status, 200, res.text);
  return res.json().conversation.labels;
};

before(async () => {
  databaseUrl = createDatabase();
  await addAgent('admin@labels.test', 'Ada', 'admin');
  await addAgent('bo@labels.test', 'Bo');
  await addAgent('cy@labels.test', 'Cy');
  A = await startParley({ env: { DATABASE_URL: databaseUrl } });
  B = await startParley({ env: { DATABASE_URL: databaseUrl } });
  agents.admin = await login(A, 'admin@labels.test');
  agents.bo = await login(A, 'bo@labels.test');
  agents.cy = await login(B, 'cy@labels.test');
});

after(async () => {
  await Promise.all([A?.kill(), B?.kill()]);
});

describe('labels', TEST, () => {
  it('only admins define labels; bad input is a clear 4xx; every agent reads them', TEST, async () => {
    for (const [method, path, body] of [
      ['POST', '/api/labels', { name: 'Nope', colour: '#000000' }],
      ['PATCH', '/api/labels/1', { name: 'Nope' }],
      ['DELETE', '/api/labels/1'],
    ]) {
      assertError(await call(A, 'bo', method, path, body), 403, 'forbidden', `agent ${method} ${path}`);
      assertError(await call(A, null, method, path, body), 401, null, `no session ${method} ${path}`);
    }
    assert.equal(Number(one(databaseUrl, 'SELECT count(*) FROM label')), 0, 'an agent created nothing');

    const billing = await createLabel('  Billing ', '#DC2626');
    assert.deepEqual({ name: billing.name, colour: billing.colour }, { name: 'Billing', colour: '#dc2626' });
    assertError(await call(A, 'admin', 'POST', '/api/labels', { name: 'BILLING', colour: '#000000' }), 409, 'label_exists');
    assertError(await call(A, 'admin', 'POST', '/api/labels', { name: 'Red', colour: 'red' }), 400, 'invalid_field');
    assertError(await call(A, 'admin', 'POST', '/api/labels', { name: 'x'.repeat(41), colour: '#000000' }), 400, 'invalid_field');
    assertError(await call(A, 'admin', 'POST', '/api/labels', { name: '   ', colour: '#000000' }), 400, 'invalid_field');
    assertError(await call(A, 'admin', 'POST', '/api/labels', { name: 'a\u202eb', colour: '#000000' }), 400, 'invalid_field');
    assertError(await call(A, 'admin', 'POST', '/api/labels', { colour: '#000000' }), 400, 'invalid_field');
    assertError(await call(A, 'admin', 'PATCH', `/api/labels/${billing.id}`, {}), 400, 'invalid_field');
    assertError(await call(A, 'admin', 'PATCH', '/api/labels/999999', { name: 'Ghost' }), 404, 'not_found');
    assertError(await call(A, 'admin', 'DELETE', '/api/labels/999999'), 404, 'not_found');

    const list = await call(B, 'cy', 'GET', '/api/labels');
    assert.equal(list.status, 200, list.text);
    assert.deepEqual(list.json().labels.map((l) => [l.name, l.conversations]), [['Billing', 0]]);
  });

  it('an agent labels a conversation: the other process\'s agent sockets hear it, the visitor never does', TEST, async () => {
    const bug = await createLabel(`Bug ${rand()}`, '#7c3aed');
    const cyOnB = await agentSocket(B, agents.cy.cookie);
    const { ws: visitor, conversationId } = await conversation(A);

    const put = await call(A, 'bo', 'PUT', `/api/inbox/${conversationId}/labels/${bug.id}`);
    assert.equal(put.status, 200, put.text);
    assert.equal(put.json().changed, true);
    assert.deepEqual(put.json().labels, [{ id: bug.id, name: bug.name, colour: '#7c3aed' }]);
    const frame = await cyOnB.nextMessage((m) => m?.type === 'conversationLabels' && m.conversationId === conversationId, LIVE);
    assert.deepEqual(frame.labels.map((l) => l.id), [bug.id]);
    assert.equal(frame.agentId, agents.bo.agent.id);

    // Putting it on again changes nothing and announces nothing.
    const again = await call(B, 'cy', 'PUT', `/api/inbox/${conversationId}/labels/${bug.id}`);
    assert.equal(again.status, 200, again.text);
    assert.equal(again.json().changed, false);
    assert.deepEqual(await labelsOf(B, conversationId), put.json().labels);

    assertError(await call(A, 'bo', 'PUT', `/api/inbox/${conversationId}/labels/999999`), 404, 'not_found');
    assertError(await call(A, 'bo', 'PUT', `/api/inbox/999999/labels/${bug.id}`), 404, 'not_found');
    assertError(await call(A, null, 'PUT', `/api/inbox/${conversationId}/labels/${bug.id}`), 401);

    // The conversation event agents get carries the labels; the visitor's brief does not.
    const assign = await call(A, 'bo', 'POST', `/api/inbox/${conversationId}/assign`, { agentId: agents.bo.agent.id });
    assert.equal(assign.status, 200, assign.text);
    const pushed = await cyOnB.nextMessage((m) => m?.type === 'conversation' && m.conversation.id === conversationId &&
      m.conversation.status === 'ASSIGNED', LIVE);
    assert.deepEqual(pushed.conversation.labels.map((l) => l.id), [bug.id]);

    const off = await call(A, 'bo', 'DELETE', `/api/inbox/${conversationId}/labels/${bug.id}`);
    assert.equal(off.status, 200, off.text);
    assert.deepEqual(off.json().labels, []);
    await cyOnB.nextMessage((m) => m?.type === 'conversationLabels' && m.conversationId === conversationId && m.labels.length === 0, LIVE);

    // Anything the visitor got after all of it, and nothing about labels.
    const reply = await call(A, 'bo', 'POST', `/api/inbox/${conversationId}/reply`, { clientId: `a-${rand()}`, body: 'marker' });
    assert.equal(reply.status, 201, reply.text);
    await visitor.nextMessage((m) => m?.type === 'message' && m.message.body === 'marker', LIVE);
    const leaked = visitor.all.filter((m) => /label/i.test(JSON.stringify(m)));
    assert.deepEqual(leaked, [], 'no visitor frame mentions labels');
    visitor.close?.();
    cyOnB.close?.();
  });

  it('the list filters by label, and the counts follow the filter', TEST, async () => {
    const vip = await createLabel(`VIP ${rand()}`, '#facc15');
    const tagged = await conversation(A);
    const other = await conversation(A);
    assert.equal((await call(A, 'bo', 'PUT', `/api/inbox/${tagged.conversationId}/labels/${vip.id}`)).status, 200);

    const res = await call(B, 'cy', 'GET', `/api/inbox?status=OPEN,ASSIGNED&label=${vip.id}&limit=100`);
    assert.equal(res.status, 200, res.text);
    const ids = res.json().conversations.map((c) => c.id);
    assert.deepEqual(ids, [tagged.conversationId]);
    assert.ok(!ids.includes(other.conversationId));
    assert.equal(res.json().counts.open, 1, 'the Open count counts labelled conversations only');
    const all = await call(B, 'cy', 'GET', '/api/inbox?status=OPEN,ASSIGNED&limit=100');
    assert.ok(all.json().counts.open >= 2, all.text);

    assertError(await call(A, 'bo', 'GET', '/api/inbox?label=abc'), 400, 'invalid_field');
    const unknown = await call(A, 'bo', 'GET', '/api/inbox?label=999999');
    assert.equal(unknown.status, 200, unknown.text);
    assert.deepEqual(unknown.json().conversations, []);
    tagged.ws.close?.();
    other.ws.close?.();
  });

  it('a rename keeps the assignments; a delete takes the label off every conversation; both are live', TEST, async () => {
    const label = await createLabel(`Refund ${rand()}`, '#0d9488');
    const first = await conversation(A);
    const second = await conversation(B);
    for (const c of [first, second]) {
      assert.equal((await call(A, 'bo', 'PUT', `/api/inbox/${c.conversationId}/labels/${label.id}`)).status, 200);
    }
    const cyOnB = await agentSocket(B, agents.cy.cookie);

    const renamed = await call(A, 'admin', 'PATCH', `/api/labels/${label.id}`, { name: 'Refunds', colour: '#16A34A' });
    assert.equal(renamed.status, 200, renamed.text);
    assert.deepEqual(renamed.json().label, { id: label.id, name: 'Refunds', colour: '#16a34a' });
    const frame = await cyOnB.nextMessage((m) => m?.type === 'label' && m.label.id === label.id, LIVE);
    assert.equal(frame.label.name, 'Refunds');
    for (const c of [first, second]) {
      assert.deepEqual(await labelsOf(B, c.conversationId), [{ id: label.id, name: 'Refunds', colour: '#16a34a' }]);
    }
    // Renaming to its own name in another case is fine; to another label's name is not.
    assert.equal((await call(A, 'admin', 'PATCH', `/api/labels/${label.id}`, { name: 'REFUNDS' })).status, 200);
    const taken = await createLabel(`Taken ${rand()}`);
    assertError(await call(A, 'admin', 'PATCH', `/api/labels/${label.id}`, { name: taken.name.toLowerCase() }), 409, 'label_exists');

    const del = await call(A, 'admin', 'DELETE', `/api/labels/${label.id}`);
    assert.equal(del.status, 204, del.text);
    await cyOnB.nextMessage((m) => m?.type === 'labelDeleted' && m.labelId === label.id, LIVE);
    assert.equal(Number(one(databaseUrl, `SELECT count(*) FROM conversation_label WHERE label_id = ${label.id}`)), 0);
    for (const c of [first, second]) assert.deepEqual(await labelsOf(A, c.conversationId), []);
    assertError(await call(A, 'bo', 'PUT', `/api/inbox/${first.conversationId}/labels/${label.id}`), 404, 'not_found');
    cyOnB.close?.();
    first.ws.close?.();
    second.ws.close?.();
  });

  it('limits: labels per conversation and labels in all', TEST, async () => {
    const { ws, conversationId } = await conversation(A);
    const made = [];
    for (let i = 0; i < 11; i++) made.push(await createLabel(`Limit ${i} ${rand()}`));
    for (const l of made.slice(0, 10)) {
      assert.equal((await call(A, 'bo', 'PUT', `/api/inbox/${conversationId}/labels/${l.id}`)).status, 200);
    }
    assertError(await call(A, 'bo', 'PUT', `/api/inbox/${conversationId}/labels/${made[10].id}`), 409, 'too_many_labels');
    assert.equal((await labelsOf(A, conversationId)).length, 10);

    const have = Number(one(databaseUrl, 'SELECT count(*) FROM label'));
    psql(databaseUrl, `INSERT INTO label (name, colour) SELECT 'bulk ' || g, '#64748b' FROM generate_series(1, ${200 - have}) g`);
    assertError(await call(A, 'admin', 'POST', '/api/labels', { name: 'One too many', colour: '#000000' }), 409, 'too_many_labels');
    ws.close?.();
  });
});
