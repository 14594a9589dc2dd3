// Automatic assignment (docs/OPERATIONS.md "Routing"): two real processes on one database, real
// agent and visitor WebSockets. 200 conversations started at once against three agents with
// capacity 5 end with 15 assigned (5 each) and 185 queued, none assigned twice; a resolve gives
// the agent the oldest queued one at once; an agent who is away gets nothing; round robin and
// balanced pick in their order. No timing is asserted: deadlines only turn a hang into a failure.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { startParley } from '../support/parley.mjs';
import { createDatabase, query } from '../support/pg.mjs';
import { request, waitFor } from '../support/http.mjs';
import { identify, visitorSocket } from '../support/visitor.mjs';
import { assertError } from '../support/assert.mjs';
import { addAgent as createAgent, login as signIn, agentSocket as openAgentSocket } from '../support/agents.mjs';

const PASSWORD = 'routing-suite-password';
const LIVE = 30000;
const rand = () => randomBytes(4).toString('hex');

const addAgent = (db, email, name, role = 'agent') => createAgent(db, { email, name, role, password: PASSWORD });

const login = async (server, email) => ({ ...(await signIn(server, email, PASSWORD)), server });

const api = (who, method, path, body) =>
  request(who.server.url + path, { method, headers: { Cookie: who.cookie, Origin: who.server.url }, body });

const agentSocket = (who) => openAgentSocket(who.server, who.cookie, { status: null, deadline: LIVE });

async function routing(who) {
  const res = await api(who, 'GET', '/api/routing');
  assert.equal(res.status, 200, res.text);
  return res.json();
}

async function waitOnline(who, ids, want = true) {
  await waitFor(async () => {
    const r = await routing(who);
    return ids.every((id) => r.agents.find((a) => a.id === id)?.online === want);
  }, { deadline: LIVE, what: `agents ${ids} online=${want}` });
}

/** A visitor on `server` who wrote a first message; resolves with {ws, conversationId}. */
async function visitorWrites(server, body = 'Hello, I need help') {
  const v = await identify(server);
  const ws = await visitorSocket(server, v.visitorToken, LIVE);
  const clientId = `v-${rand()}`;
  ws.send({ type: 'send', clientId, body });
  const ack = await ws.nextMessage((m) => m && (m.type === 'ack' || m.type === 'error') && m.clientId === clientId, LIVE);
  assert.equal(ack.type, 'ack', JSON.stringify(ack));
  return { ws, conversationId: ack.message.conversationId };
}

const assignedTo = (db, id) =>
  query(db, `SELECT coalesce(assigned_agent_id, 0) FROM conversation WHERE id = ${id}`).map(([a]) => Number(a))[0];
const openCounts = (db) =>
  Object.fromEntries(query(db, "SELECT assigned_agent_id, count(*) FROM conversation WHERE status = 'ASSIGNED' GROUP BY 1")
    .map(([a, n]) => [Number(a), Number(n)]));
const oldestQueued = (db) => Number(query(db, `SELECT id FROM conversation WHERE status = 'OPEN' AND assigned_agent_id IS NULL
  ORDER BY waiting_since, id LIMIT 1`)[0][0]);

describe('automatic assignment across two processes', () => {
  let db, A, B, ann, bob, cat;
  const sockets = [];
  before(async () => {
    db = createDatabase();
    await addAgent(db, 'ann@route.test', 'Ann', 'admin');
    await addAgent(db, 'bob@route.test', 'Bob');
    await addAgent(db, 'cat@route.test', 'Cat');
    [A, B] = await Promise.all([startParley({ env: { DATABASE_URL: db } }), startParley({ env: { DATABASE_URL: db } })]);
    ann = await login(A, 'ann@route.test');
    bob = await login(B, 'bob@route.test');
    cat = await login(B, 'cat@route.test');
  });
  after(async () => {
    for (const ws of sockets) ws.terminate();
    await A?.stop();
    await B?.stop();
  });

  it('settings: visible to agents, changed by admins only, bad input refused', async () => {
    const r = await routing(bob);
    assert.equal(r.mode, 'manual');
    assert.equal(r.awayReleaseMinutes, null);
    assert.deepEqual(r.queue, { length: 0, oldestWaitingSeconds: 0 });
    assert.deepEqual(r.agents.map((a) => [a.name, a.capacity, a.open]), [['Ann', 10, 0], ['Bob', 10, 0], ['Cat', 10, 0]]);
    assertError(await api(bob, 'POST', '/api/routing', { mode: 'balanced' }), 403, 'forbidden');
    assertError(await api(bob, 'POST', `/api/routing/agents/${bob.agent.id}`, { capacity: 50 }), 403, 'forbidden');
    assertError(await api(ann, 'POST', '/api/routing', { mode: 'fastest' }), 400, 'invalid_field');
    assertError(await api(ann, 'POST', '/api/routing', { mode: 'balanced', awayReleaseMinutes: 0 }), 400, 'invalid_field');
    assertError(await api(ann, 'POST', `/api/routing/agents/${bob.agent.id}`, { capacity: 1001 }), 400, 'invalid_field');
    assertError(await api(ann, 'POST', `/api/routing/agents/${bob.agent.id}`, { capacity: '5' }), 400, 'invalid_field');
    assertError(await api(ann, 'POST', '/api/routing/agents/999999', { capacity: 5 }), 404, 'not_found');
    const unauth = await request(A.url + '/api/routing');
    assert.equal(unauth.status, 401);
    for (const who of [ann, bob, cat]) {
      const res = await api(ann, 'POST', `/api/routing/agents/${who.agent.id}`, { capacity: 5 });
      assert.equal(res.status, 200, res.text);
    }
    // Applied live, and the other process reads the same.
    assert.deepEqual((await routing(bob)).agents.map((a) => a.capacity), [5, 5, 5]);
  });

  it('200 conversations at once, three agents with capacity 5, two processes: 15 assigned (5 each), 185 queued, none twice', async () => {
    sockets.push(await agentSocket(ann), await agentSocket(bob), await agentSocket(cat));
    const watcher = sockets[0];
    await waitOnline(ann, [ann.agent.id, bob.agent.id, cat.agent.id]);
    const res = await api(ann, 'POST', '/api/routing', { mode: 'balanced', awayReleaseMinutes: null });
    assert.equal(res.status, 200, res.text);

    // Half the visitors on each process: both processes assign at once.
    const visitors = [];
    for (let chunk = 0; chunk < 4; chunk++) {
      visitors.push(...(await Promise.all(Array.from({ length: 50 }, (_, i) => visitorWrites(i % 2 ? A : B)))));
    }
    for (const v of visitors) sockets.push(v.ws);
    assert.equal(new Set(visitors.map((v) => v.conversationId)).size, 200);

    await waitFor(() => Object.values(openCounts(db)).reduce((a, b) => a + b, 0) >= 15, { deadline: LIVE, what: '15 assigned' });
    await waitFor(async () => (await routing(ann)).queue.length === 185, { deadline: LIVE, what: '185 queued' });
    assert.deepEqual(openCounts(db), { [ann.agent.id]: 5, [bob.agent.id]: 5, [cat.agent.id]: 5 });

    // Every inbox heard each assignment once: 15 ASSIGNED events, 15 conversations.
    await waitFor(() => watcher.all.filter((m) => m?.type === 'conversation' && m.conversation?.status === 'ASSIGNED').length >= 15,
      { deadline: LIVE, what: 'the assignment events' });
    const events = watcher.all.filter((m) => m?.type === 'conversation' && m.conversation?.status === 'ASSIGNED');
    assert.equal(events.length, 15, 'an assignment event too many');
    assert.equal(new Set(events.map((m) => m.conversation.id)).size, 15, 'a conversation assigned twice');
    // Each one's visitor heard who joined (the visitor's brief: the name only).
    const names = { [ann.agent.id]: 'Ann', [bob.agent.id]: 'Bob', [cat.agent.id]: 'Cat' };
    for (const e of events.slice(0, 3)) {
      const v = visitors.find((x) => x.conversationId === e.conversation.id);
      const seen = await v.ws.nextMessage((m) => m?.type === 'conversation' && m.conversation?.status === 'ASSIGNED', LIVE);
      assert.equal(seen.conversation.agent, names[e.conversation.assignedTo.id]);
      assert.equal(seen.conversation.visitor, undefined, 'the visitor gets the brief, not the agent document');
    }

    const metrics = await request(A.url + '/metrics');
    assert.match(metrics.text, /^parley_routing_queue_length 185$/m);
    assert.match(metrics.text, /^parley_routing_time_to_assignment_seconds_count \d+$/m);
  });

  it('an agent who resolves one gets the oldest queued conversation at once', async () => {
    const next = oldestQueued(db);
    const mine = query(db, `SELECT id FROM conversation WHERE assigned_agent_id = ${bob.agent.id} AND status = 'ASSIGNED' LIMIT 1`)[0][0];
    const res = await api(bob, 'POST', `/api/inbox/${mine}/resolve`, {});
    assert.equal(res.status, 200, res.text);
    await waitFor(() => assignedTo(db, next) === bob.agent.id, { deadline: LIVE, what: 'the next in line assigned to Bob' });
    assert.deepEqual(openCounts(db), { [ann.agent.id]: 5, [bob.agent.id]: 5, [cat.agent.id]: 5 });
  });

  it('an agent who is away gets nothing; back online, they get the next at once', async () => {
    const catSocket = sockets[2];
    catSocket.send({ type: 'status', status: 'away' });
    await waitOnline(ann, [cat.agent.id], false);
    // More room for Cat (a wake-up on A) — still nothing while away.
    assert.equal((await api(ann, 'POST', `/api/routing/agents/${cat.agent.id}`, { capacity: 6 })).status, 200);
    // Ann resolves one on A after that: the same process's next run gives Ann the next one, and
    // by then the capacity change was looked at too.
    const next = oldestQueued(db);
    const annsOne = query(db, `SELECT id FROM conversation WHERE assigned_agent_id = ${ann.agent.id} AND status = 'ASSIGNED' LIMIT 1`)[0][0];
    assert.equal((await api(ann, 'POST', `/api/inbox/${annsOne}/resolve`, {})).status, 200);
    await waitFor(() => assignedTo(db, next) === ann.agent.id, { deadline: LIVE, what: 'the next in line assigned to Ann' });
    assert.equal(openCounts(db)[cat.agent.id], 5, 'Cat got a conversation while away');

    const forCat = oldestQueued(db);
    catSocket.send({ type: 'status', status: 'online' });
    await waitFor(() => assignedTo(db, forCat) === cat.agent.id, { deadline: LIVE, what: 'Cat back online gets the next' });
    assert.equal(openCounts(db)[cat.agent.id], 6);
  });
});

describe('round robin and balanced order', () => {
  let server, db, x, y, z;
  before(async () => {
    db = createDatabase();
    await addAgent(db, 'x@order.test', 'Xena', 'admin');
    await addAgent(db, 'y@order.test', 'Yuri');
    await addAgent(db, 'z@order.test', 'Zoe');
    server = await startParley({ env: { DATABASE_URL: db } });
    [x, y, z] = await Promise.all(['x', 'y', 'z'].map((n) => login(server, `${n}@order.test`)));
  });
  after(async () => server?.stop());

  it('round robin goes around in turn; balanced gives the fewest open first, ties to the longest since an assignment', async () => {
    const sockets = await Promise.all([x, y, z].map(agentSocket));
    try {
      await waitOnline(x, [x.agent.id, y.agent.id, z.agent.id]);
      assert.equal((await api(x, 'POST', '/api/routing', { mode: 'round_robin' })).status, 200);
      const got = [];
      for (let i = 0; i < 4; i++) {
        const v = await visitorWrites(server);
        await waitFor(() => assignedTo(db, v.conversationId) !== 0, { deadline: LIVE, what: `conversation ${i} assigned` });
        got.push(assignedTo(db, v.conversationId));
        v.ws.terminate();
      }
      assert.deepEqual(got, [x.agent.id, y.agent.id, z.agent.id, x.agent.id]);

      // Now Xena 2, Yuri 1, Zoe 1 open; Zoe's turn is older than Xena's last. Balanced: Yuri or
      // Zoe (1 each) — Yuri waited longer (assigned before Zoe) — then Zoe, then all have 2:
      // the longest since an assignment is Xena.
      assert.equal((await api(x, 'POST', '/api/routing', { mode: 'balanced' })).status, 200);
      const balanced = [];
      for (let i = 0; i < 3; i++) {
        const v = await visitorWrites(server);
        await waitFor(() => assignedTo(db, v.conversationId) !== 0, { deadline: LIVE, what: `balanced ${i} assigned` });
        balanced.push(assignedTo(db, v.conversationId));
        v.ws.terminate();
      }
      assert.deepEqual(balanced, [y.agent.id, z.agent.id, x.agent.id]);
      assert.deepEqual(openCounts(db), { [x.agent.id]: 3, [y.agent.id]: 2, [z.agent.id]: 2 });

      // Manual: nothing is assigned; switching back on assigns what waited.
      assert.equal((await api(x, 'POST', '/api/routing', { mode: 'manual' })).status, 200);
      const waiting = await visitorWrites(server);
      await waitFor(async () => (await routing(x)).queue.length === 1, { deadline: LIVE, what: 'queued in manual mode' });
      assert.equal(assignedTo(db, waiting.conversationId), 0);
      assert.equal((await api(x, 'POST', '/api/routing', { mode: 'balanced' })).status, 200);
      await waitFor(() => assignedTo(db, waiting.conversationId) !== 0, { deadline: LIVE, what: 'assigned when switched on' });
      assert.notEqual(assignedTo(db, waiting.conversationId), x.agent.id, 'Xena has the most open');
      waiting.ws.terminate();

      // The away release: Dee never came online; what she was given by hand goes back to the
      // queue once the release is on, and is assigned to someone online at once.
      await addAgent(db, 'd@order.test', 'Dee');
      const dee = Number(query(db, "SELECT id FROM agent WHERE email = 'd@order.test'")[0][0]);
      assert.equal((await api(x, 'POST', '/api/routing', { mode: 'manual' })).status, 200);
      const forDee = await visitorWrites(server);
      await waitFor(async () => (await routing(x)).queue.length === 1, { deadline: LIVE, what: 'queued for Dee' });
      assert.equal((await api(x, 'POST', `/api/inbox/${forDee.conversationId}/assign`, { agentId: dee })).status, 200);
      assert.equal((await api(x, 'POST', '/api/routing', { mode: 'balanced', awayReleaseMinutes: 5 })).status, 200);
      await waitFor(() => ![0, dee].includes(assignedTo(db, forDee.conversationId)), { deadline: LIVE, what: 'released and reassigned' });
      const framesOf = () => forDee.ws.all.filter((m) => m?.type === 'conversation').map((m) => [m.conversation.status, m.conversation.agent ?? null]);
      await waitFor(() => framesOf().filter(([st]) => st === 'ASSIGNED').length >= 2, { deadline: LIVE, what: 'the visitor heard both' });
      const frames = framesOf();
      assert.deepEqual(frames.slice(-3).map(([s]) => s), ['ASSIGNED', 'OPEN', 'ASSIGNED'], 'assigned to Dee, released, assigned again');
      assert.equal(frames[frames.length - 3][1], 'Dee');
      forDee.ws.terminate();
    } finally {
      for (const ws of sockets) ws.terminate();
    }
  });

  // Known waits: queued conversations are given a waiting_since in the past, then assigned by
  // hand and automatically. Only assignments from the queue count; a take-over does not.
  it('time to assignment: median, 90th percentile and counts over 24 h and 7 days, from PostgreSQL', async () => {
    const waits = async (who = x) => {
      const res = await api(who, 'GET', '/api/routing/waits');
      assert.equal(res.status, 200, res.text);
      return res.json();
    };
    assert.equal((await request(server.url + '/api/routing/waits')).status, 401);
    assert.equal((await api(x, 'POST', '/api/routing', { mode: 'manual' })).status, 200);
    // What the test above assigned is history older than both windows now.
    query(db, "UPDATE assignment SET assigned_at = assigned_at - interval '30 days'");
    const none = { assigned: 0, automatic: 0, manual: 0, medianSeconds: null, p90Seconds: null };
    const empty = await waits(y); // any agent may read it
    assert.deepEqual([empty.day, empty.week], [none, none]);
    assert.equal(empty.queue.length, 0);

    const visitors = [];
    for (let i = 0; i < 3; i++) visitors.push(await visitorWrites(server, `Waiting ${i}`));
    const [byHand, auto1, auto2] = visitors.map((v) => v.conversationId);
    await waitFor(async () => (await waits()).queue.length === 3, { deadline: LIVE, what: 'three queued' });
    // waiting_since alone does not fire the queue's trigger (migrations/0019_routing.sql).
    query(db, `UPDATE conversation SET waiting_since = now() - make_interval(secs => CASE id
      WHEN ${byHand} THEN 600 WHEN ${auto1} THEN 60 ELSE 120 END) WHERE id IN (${byHand}, ${auto1}, ${auto2})`);
    assert.ok((await waits()).queue.oldestWaitingSeconds >= 600);

    // By hand from the queue (counted), then taken over by Zoe (a new assignee, not a wait).
    assert.equal((await api(x, 'POST', `/api/inbox/${byHand}/assign`, { agentId: y.agent.id })).status, 200);
    assert.equal((await api(z, 'POST', `/api/inbox/${byHand}/assign`, { agentId: z.agent.id, takeOver: true })).status, 200);
    // Automatically: Xena online, round robin on.
    const xs = await agentSocket(x);
    try {
      await waitOnline(x, [x.agent.id]);
      assert.equal((await api(x, 'POST', '/api/routing', { mode: 'round_robin', awayReleaseMinutes: null })).status, 200);
      await waitFor(() => assignedTo(db, auto1) !== 0 && assignedTo(db, auto2) !== 0, { deadline: LIVE, what: 'both assigned automatically' });
    } finally {
      xs.terminate();
    }
    const rows = query(db, `SELECT agent_id, waited_seconds IS NOT NULL, automatic FROM assignment
      WHERE conversation_id = ${byHand} ORDER BY id`);
    assert.deepEqual(rows, [[String(y.agent.id), 't', 'f'], [String(z.agent.id), 'f', 'f']]);
    // The visitor's sync says who joined after which message: the names only (docs/PROTOCOL.md).
    const first = Number(query(db, `SELECT max(id) FROM message WHERE conversation_id = ${byHand}`)[0][0]);
    visitors[0].ws.send({ type: 'sync', after: 0 });
    const page = await visitors[0].ws.nextMessage('messages', LIVE);
    assert.deepEqual(page.joined, [{ after: first, agent: 'Yuri' }, { after: first, agent: 'Zoe' }]);
    visitors[0].ws.send({ type: 'sync', after: first + 1 });
    assert.deepEqual((await visitors[0].ws.nextMessage('messages', LIVE)).joined, [], 'only from the cursor on');
    // Resolved, it comes through `history`, with who joined.
    assert.equal((await api(z, 'POST', `/api/inbox/${byHand}/resolve`, {})).status, 200);
    visitors[0].ws.send({ type: 'history' });
    const past = (await visitors[0].ws.nextMessage('history', LIVE)).conversations.find((c) => c.id === byHand);
    assert.deepEqual(past.joined, [{ after: first, agent: 'Yuri' }, { after: first, agent: 'Zoe' }]);
    for (const v of visitors) v.ws.terminate();

    // The one by hand happened three days ago: in the week, not in the day.
    query(db, `UPDATE assignment SET assigned_at = now() - interval '3 days' WHERE conversation_id = ${byHand}`);
    const w = await waits();
    assert.equal(w.queue.length, 0);
    // Each wait is its known part plus the seconds this test took (a generous bound, not a timing).
    const near = (got, want, what) => assert.ok(got >= want && got < want + 60, `${what}: ${got}, expected about ${want}`);
    assert.deepEqual([w.day.assigned, w.day.automatic, w.day.manual], [2, 2, 0]);
    near(w.day.medianSeconds, 90, 'median of 60 and 120');
    near(w.day.p90Seconds, 114, '90th percentile of 60 and 120');
    assert.deepEqual([w.week.assigned, w.week.automatic, w.week.manual], [3, 2, 1]);
    near(w.week.medianSeconds, 120, 'median of 60, 120 and 600');
    near(w.week.p90Seconds, 504, '90th percentile of 60, 120 and 600');
  });
});
