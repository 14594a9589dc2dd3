// Scale-out: several Parley processes on one DATABASE_URL, and every event reaches every socket
// whichever process holds it (PRODUCT.md §6, last point). Two real processes A and B on one
// PostgreSQL database, real WebSockets on both; then B killed with SIGKILL, then PostgreSQL
// itself stopped and started under traffic. No timing is asserted: deadlines only turn a hang
// into a failure (presence of a killed process is allowed ~20 s to expire, see docs/OPERATIONS.md).
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { startParley } from '../support/parley.mjs';
import { createDatabase, startCluster, query } from '../support/pg.mjs';
import { request, waitFor } from '../support/http.mjs';
import { identify, visitorSocket } from '../support/visitor.mjs';
import { addAgent as createAgent, login as signIn, agentSocket as openAgentSocket } from '../support/agents.mjs';

const PASSWORD = 'scaleout-suite-password';
const LIVE = 20000; // deadline for something that should arrive at once
const EXPIRY = 40000; // deadline for a dead process's agents to be forgotten (15 s + a 5 s round)

// ---------------------------------------------------------------------------------------------
// helpers

const rand = () => randomBytes(4).toString('hex');

const addAgent = (databaseUrl, email, name) => createAgent(databaseUrl, { email, name, password: PASSWORD });

const login = (server, email) => signIn(server, email, PASSWORD);

function api(server, method, path, { cookie, body } = {}) {
  return request(server.url + path, { method, headers: cookie ? { Cookie: cookie } : {}, body });
}

/** An agent socket on `server` (its own origin), switched online or away. */
const agentSocket = (server, cookie, { online = true } = {}) =>
  openAgentSocket(server, cookie, { status: online ? 'online' : 'away', deadline: LIVE });

async function sendAndAck(ws, frame) {
  ws.send({ type: 'send', ...frame });
  const reply = await ws.nextMessage((m) => m && (m.type === 'ack' || m.type === 'error') && m.clientId === frame.clientId, LIVE);
  assert.equal(reply.type, 'ack', `expected an ack for ${frame.clientId}, got ${JSON.stringify(reply)}`);
  return reply;
}

/** Ids of the `message` pushes a socket received for one conversation, in arrival order. */
const pushedIds = (ws, conversationId) =>
  ws.all.filter((m) => m && m.type === 'message' && m.message?.conversationId === conversationId).map((m) => m.message.id);

/** Ids of the messages a socket was acknowledged for, in one conversation (re-sends once). */
const ackedIds = (ws, conversationId) => [
  ...new Set(ws.all.filter((m) => m && m.type === 'ack' && m.message?.conversationId === conversationId).map((m) => m.message.id)),
];

/** What a socket is pushed: every stored message but those it sent itself, which came in its
 * acks (docs/PROTOCOL.md). */
const wantPushed = (ws, conversationId, stored) => {
  const own = new Set(ackedIds(ws, conversationId));
  return stored.filter((id) => !own.has(id));
};

/** Agent replies to the visitor of a conversation waiting in the outbox (docs/EMAIL.md). */
const replyEmails = (db, conversationId) =>
  Number(query(db, `SELECT count(*) FROM email_outbox WHERE conversation_id = ${conversationId} AND kind = 'visitor_reply'`)[0][0]);

/** How many live processes hold a tab of the visitor, as the database knows it. */
const presenceRows = (db, visitorId) =>
  Number(query(db, `SELECT count(*) FROM visitor_presence vp JOIN server_process p USING (process_id)
                    WHERE vp.visitor_id = ${visitorId} AND p.seen_at > now() - interval '20 seconds'`)[0][0]);

const dbIds = (db, conversationId) =>
  query(db, `SELECT id FROM message WHERE conversation_id = ${conversationId} ORDER BY id`).map(([id]) => Number(id));

/** Waits until `ws` was pushed every id of `ids` for the conversation. */
async function waitPushed(ws, conversationId, ids, what) {
  await waitFor(() => {
    const got = new Set(pushedIds(ws, conversationId));
    return ids.every((id) => got.has(id));
  }, { deadline: LIVE, what: `${what}: every message pushed (want ${JSON.stringify(ids)}, got ${JSON.stringify(pushedIds(ws, conversationId))})` });
}

/** The last teamAvailable a visitor socket was told (ready, then presence frames). */
function teamAvailable(ws) {
  const frames = ws.all.filter((m) => m && (m.type === 'ready' || m.type === 'presence') && typeof m.teamAvailable === 'boolean');
  return frames.length ? frames[frames.length - 1].teamAvailable : undefined;
}

async function waitTeam(ws, want, deadline, what) {
  await waitFor(() => teamAvailable(ws) === want, {
    deadline,
    what: `${what}: teamAvailable ${want} (frames: ${JSON.stringify(ws.all.filter((m) => m && (m.type === 'ready' || m.type === 'presence')))})`,
  });
}

/** Resolves with the close info, failing after `ms`. */
async function closedWithin(ws, ms, what) {
  let timer;
  const timeout = new Promise((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what}: the socket was not closed within ${ms} ms`)), ms);
  });
  try {
    return await Promise.race([ws.closed, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/** Every `messages` page of a sync after `after` (asks again while `more`): the ids, in order. */
async function syncIds(ws, frame) {
  const ids = [];
  let after = frame.after;
  for (let i = 0; i < 100; i++) {
    ws.send({ ...frame, type: 'sync', after });
    const page = await ws.nextMessage('messages', LIVE);
    ids.push(...page.messages.map((m) => m.id));
    if (!page.more || page.messages.length === 0) return ids;
    after = page.messages[page.messages.length - 1].id;
  }
  throw new Error('sync did not end');
}

function assertOnceInOrder(ids, want, what) {
  const dupes = ids.filter((id, i) => ids.indexOf(id) !== i);
  assert.deepEqual(dupes, [], `${what}: delivered more than once`);
  assert.deepEqual(ids, want, `${what}: not exactly the stored messages in commit (id) order`);
}

const closeAll = async (...sockets) => {
  for (const ws of sockets) if (ws && !ws.closeInfo) await ws.close().catch(() => ws.terminate());
};

async function ready(server) {
  const res = await request(server.url + '/readyz').catch((e) => ({ status: 0, text: e.message }));
  return res.status === 200;
}

// ---------------------------------------------------------------------------------------------

describe('two processes on one database: events, typing, presence, logout', () => {
  let db;
  let A;
  let B;
  let ann;
  let bob;
  before(async () => {
    db = createDatabase();
    await addAgent(db, 'ann@scale.test', 'Ann');
    await addAgent(db, 'bob@scale.test', 'Bob');
    await addAgent(db, 'cat@scale.test', 'Cat');
    // Started at once: the migration lock lets them share an already migrated database.
    [A, B] = await Promise.all([startParley({ env: { DATABASE_URL: db } }), startParley({ env: { DATABASE_URL: db } })]);
    ann = await login(A, 'ann@scale.test');
    bob = await login(B, 'bob@scale.test');
  });
  after(async () => {
    await A?.stop();
    await B?.stop();
  });

  it('messages both ways, interleaved from both processes, arrive exactly once and in commit order on every socket', async () => {
    const wsAnnA = await agentSocket(A, ann.cookie);
    const wsBobB = await agentSocket(B, bob.cookie);
    const v = await identify(A);
    const vA = await visitorSocket(A, v.visitorToken);
    const vB = await visitorSocket(B, v.visitorToken); // the same visitor's second tab, on B
    try {
      const first = await sendAndAck(vA, { clientId: `v-first-${rand()}`, body: 'Hello from a visitor on A' });
      const conv = first.message.conversationId;

      // Creation: every agent socket gets the conversation before its first message; both tabs too.
      for (const [ws, what] of [[wsAnnA, 'agent on A'], [wsBobB, 'agent on B']]) {
        const msg = await ws.nextMessage((m) => m && m.type === 'message' && m.message?.id === first.message.id, LIVE);
        const iConv = ws.all.findIndex((m) => m && m.type === 'conversation' && m.conversation?.id === conv);
        assert.ok(iConv >= 0, `${what}: no conversation event for the new conversation`);
        assert.ok(iConv < ws.all.indexOf(msg), `${what}: the conversation event came after its first message`);
        assert.equal(ws.all[iConv].conversation.status, 'OPEN');
        assert.equal(ws.all[iConv].conversation.visitor?.id, v.visitorId);
      }
      for (const [ws, what] of [[vA, 'visitor tab on A'], [vB, 'visitor tab on B']]) {
        await ws.nextMessage((m) => m && m.type === 'conversation' && m.conversation?.id === conv && m.conversation.status === 'OPEN', LIVE)
          .catch((e) => assert.fail(`${what}: no conversation event OPEN: ${e.message}`));
      }

      // The agent on B answers: the visitor's tab on A gets it.
      const reply = await sendAndAck(wsBobB, { conversationId: conv, clientId: `b-first-${rand()}`, body: 'Bob on B here' });
      const got = await vA.nextMessage((m) => m && m.type === 'message' && m.message?.id === reply.message.id, LIVE);
      assert.equal(got.message.body, 'Bob on B here');
      assert.equal(got.message.sender, 'AGENT');

      // Many quick messages from all sides at once: visitor tabs on A and B, Bob's socket on B,
      // Ann's socket on A, REST replies through B — nobody waits for an ack before the next.
      const pending = [];
      for (let i = 0; i < 12; i++) {
        const s = rand();
        vA.send({ type: 'send', clientId: `va-${i}-${s}`, body: `visitor on A ${i}` });
        pending.push(vA.nextMessage({ type: 'ack', clientId: `va-${i}-${s}` }, LIVE));
        if (i % 2 === 0) {
          vB.send({ type: 'send', clientId: `vb-${i}-${s}`, body: `visitor on B ${i}` });
          pending.push(vB.nextMessage({ type: 'ack', clientId: `vb-${i}-${s}` }, LIVE));
        }
        wsBobB.send({ type: 'send', conversationId: conv, clientId: `bob-${i}-${s}`, body: `bob on B ${i}` });
        pending.push(wsBobB.nextMessage({ type: 'ack', clientId: `bob-${i}-${s}` }, LIVE));
        wsAnnA.send({ type: 'send', conversationId: conv, clientId: `ann-${i}-${s}`, body: `ann on A ${i}` });
        pending.push(wsAnnA.nextMessage({ type: 'ack', clientId: `ann-${i}-${s}` }, LIVE));
        if (i % 3 === 0) {
          pending.push(api(B, 'POST', `/api/inbox/${conv}/reply`, { cookie: ann.cookie, body: { clientId: `rest-${i}-${s}`, body: `ann via B ${i}` } })
            .then((res) => assert.equal(res.status, 201, res.text)));
        }
      }
      await Promise.all(pending);

      const want = dbIds(db, conv);
      assert.equal(want.length, 2 + 12 + 6 + 12 + 12 + 4, 'stored messages');
      for (const [ws, what] of [[vA, 'visitor tab on A'], [vB, 'visitor tab on B'], [wsAnnA, 'agent on A'], [wsBobB, 'agent on B']]) {
        const pushed = wantPushed(ws, conv, want);
        assert.ok(pushed.length < want.length, `${what}: sent nothing of its own?`);
        await waitPushed(ws, conv, pushed, what);
        await ws.roundTrip(LIVE);
        assertOnceInOrder(pushedIds(ws, conv), pushed, what);
      }
    } finally {
      await closeAll(wsAnnA, wsBobB, vA, vB);
    }
  });

  it('assignment by REST on B and resolve on A reach the agent sockets on A and B and the visitor', async () => {
    const wsAnnA = await agentSocket(A, ann.cookie);
    const wsBobB = await agentSocket(B, bob.cookie);
    const v = await identify(B);
    const vA = await visitorSocket(A, v.visitorToken);
    try {
      const first = await sendAndAck(vA, { clientId: `v-${rand()}`, body: 'please assign me' });
      const conv = first.message.conversationId;
      for (const ws of [wsAnnA, wsBobB]) await ws.nextMessage((m) => m && m.type === 'conversation' && m.conversation?.id === conv, LIVE);

      const assigned = await api(B, 'POST', `/api/inbox/${conv}/assign`, { cookie: bob.cookie, body: { agentId: ann.agent.id } });
      assert.equal(assigned.status, 200, assigned.text);
      const version = assigned.json().conversation.version;
      for (const [ws, what] of [[wsAnnA, 'agent on A'], [wsBobB, 'agent on B']]) {
        const ev = await ws.nextMessage((m) => m && m.type === 'conversation' && m.conversation?.id === conv && m.conversation.status === 'ASSIGNED', LIVE)
          .catch((e) => assert.fail(`${what}: no ASSIGNED event: ${e.message}`));
        assert.equal(ev.conversation.assignedTo?.id, ann.agent.id, what);
        assert.equal(ev.conversation.version, version, what);
      }
      await vA.nextMessage((m) => m && m.type === 'conversation' && m.conversation?.id === conv && m.conversation.status === 'ASSIGNED', LIVE)
        .catch((e) => assert.fail(`visitor on A: no ASSIGNED event: ${e.message}`));

      const resolved = await api(A, 'POST', `/api/inbox/${conv}/resolve`, { cookie: ann.cookie });
      assert.equal(resolved.status, 200, resolved.text);
      for (const [ws, what] of [[wsAnnA, 'agent on A'], [wsBobB, 'agent on B'], [vA, 'visitor on A']]) {
        const ev = await ws.nextMessage((m) => m && m.type === 'conversation' && m.conversation?.id === conv && m.conversation.status === 'RESOLVED', LIVE)
          .catch((e) => assert.fail(`${what}: no RESOLVED event: ${e.message}`));
        assert.equal(ev.conversation.version, resolved.json().conversation.version, what);
      }
      // Each event once per socket. An event is its version and the FAQ bot's state: the bot's
      // look (here: nothing confident, so "quiet") changes no version and may land after the assignment.
      for (const [ws, what] of [[wsAnnA, 'agent on A'], [wsBobB, 'agent on B'], [vA, 'visitor on A']]) {
        await ws.roundTrip(LIVE);
        const events = ws.all.filter((m) => m && m.type === 'conversation' && m.conversation?.id === conv)
          .map((m) => `${m.conversation.version}/${m.conversation.bot ?? '-'}`);
        assert.deepEqual(events.filter((x, i) => events.indexOf(x) !== i), [], `${what}: a conversation event twice: ${events}`);
      }
    } finally {
      await closeAll(wsAnnA, wsBobB, vA);
    }
  });

  it('typing: the visitor on A reaches the agent on B, the agent on B reaches the visitor on A', async () => {
    const wsBobB = await agentSocket(B, bob.cookie);
    const v = await identify(A);
    const vA = await visitorSocket(A, v.visitorToken);
    try {
      const conv = (await sendAndAck(vA, { clientId: `v-${rand()}`, body: 'typing across processes' })).message.conversationId;
      vA.send({ type: 'typing' });
      const t1 = await wsBobB.nextMessage((m) => m && m.type === 'typing' && m.from === 'visitor' && m.conversationId === conv, LIVE);
      assert.equal(t1.conversationId, conv);

      wsBobB.send({ type: 'typing', conversationId: conv });
      const t2 = await vA.nextMessage((m) => m && m.type === 'typing', LIVE);
      assert.equal(t2.from, 'agent');
      assert.equal(t2.conversationId, conv);
      assert.equal(t2.name, 'Bob');
    } finally {
      await closeAll(wsBobB, vA);
    }
  });

  it('presence: a visitor on A sees the team available when the only agent connects to B, and away when it leaves', async () => {
    const v = await identify(A);
    const vA = await visitorSocket(A, v.visitorToken);
    try {
      // Earlier tests' agents have disconnected: nobody is there.
      await waitTeam(vA, false, EXPIRY, 'before any agent connects');
      const wsCatB = await agentSocket(B, (await login(B, 'cat@scale.test')).cookie);
      await waitTeam(vA, true, LIVE, 'the only agent connected to B');
      await wsCatB.close();
      await waitTeam(vA, false, EXPIRY, 'the only agent disconnected from B');
      // A visitor connecting to A now is told the same in its ready frame.
      const vA2 = await visitorSocket(A, v.visitorToken);
      assert.equal(vA2.ready.teamAvailable, false);
      await vA2.close();
    } finally {
      await closeAll(vA);
    }
  });

  it('an agent’s reply on A is not emailed to a visitor chatting live on B, and is once the visitor has left', async () => {
    const v = await identify(B, { email: `live-${rand()}@scale.test` });
    const vB = await visitorSocket(B, v.visitorToken);
    try {
      const conv = (await sendAndAck(vB, { clientId: `v-${rand()}`, body: 'I am on B' })).message.conversationId;
      // B writes its visitors a moment after their first tab opens (chat/visitor_presence_sync.hpp).
      await waitFor(() => presenceRows(db, v.visitorId) === 1, { deadline: LIVE, what: 'B stored the visitor as connected' });
      const live = await api(A, 'POST', `/api/inbox/${conv}/reply`, { cookie: ann.cookie, body: { clientId: `a-${rand()}`, body: 'Ann on A, seen live' } });
      assert.equal(live.status, 201, live.text);
      await vB.nextMessage((m) => m && m.type === 'message' && m.message?.id === live.json().message.id, LIVE);
      assert.equal(replyEmails(db, conv), 0, 'a reply the visitor saw live on B was queued as an email by A');

      await vB.close();
      await waitFor(() => presenceRows(db, v.visitorId) === 0, { deadline: LIVE, what: 'B stored the visitor as gone' });
      const gone = await api(A, 'POST', `/api/inbox/${conv}/reply`, { cookie: ann.cookie, body: { clientId: `a-${rand()}`, body: 'Ann on A, after you left' } });
      assert.equal(gone.status, 201, gone.text);
      assert.equal(replyEmails(db, conv), 1, 'the reply to a visitor connected nowhere was not queued as an email');
    } finally {
      await closeAll(vB);
    }
  });

  it('the agents list on A shows an agent connected on B (and its going away)', async () => {
    const wsAnnA = await agentSocket(A, ann.cookie, { online: false });
    try {
      const bobIn = (m) => m && m.type === 'agents' && m.agents.some((a) => a.id === bob.agent.id && a.connected && a.online);
      const bobOut = (m) => m && m.type === 'agents' && m.agents.some((a) => a.id === bob.agent.id && !a.connected);
      const wsBobB = await agentSocket(B, bob.cookie);
      const seenIn = await wsAnnA.nextMessage(bobIn, LIVE).catch((e) => assert.fail(`Ann on A never saw Bob (on B) connected: ${e.message}`));
      await wsBobB.close();
      await waitFor(() => wsAnnA.all.slice(wsAnnA.all.indexOf(seenIn) + 1).some(bobOut), {
        deadline: EXPIRY, what: `Ann on A sees Bob (on B) disconnected (agents frames: ${JSON.stringify(wsAnnA.all.filter((m) => m?.type === 'agents').slice(-3))})`,
      });
    } finally {
      await closeAll(wsAnnA);
    }
  });

  it('logout through A closes the same agent’s socket on B with 4001', async () => {
    const cat = await login(A, 'cat@scale.test');
    const wsB = await agentSocket(B, cat.cookie);
    const wsBob = await agentSocket(B, bob.cookie);
    try {
      const out = await request(A.url + '/api/auth/logout', { method: 'POST', headers: { Cookie: cat.cookie, Origin: A.url } });
      assert.equal(out.status, 204, out.text);
      const closed = await closedWithin(wsB, LIVE, 'logout on A');
      assert.equal(closed.code, 4001, `close ${JSON.stringify(closed)}`);
      // Another agent's socket on B stays open.
      await wsBob.roundTrip(LIVE);
      assert.equal(wsBob.closeInfo, null);
    } finally {
      wsB.terminate?.();
      await closeAll(wsBob);
    }
  });
});

// ---------------------------------------------------------------------------------------------

describe('a process killed with SIGKILL', () => {
  let db;
  let A;
  let B;
  before(async () => {
    db = createDatabase();
    await addAgent(db, 'dan@scale.test', 'Dan');
    A = await startParley({ env: { DATABASE_URL: db } });
    B = await startParley({ env: { DATABASE_URL: db } });
  });
  after(async () => {
    await A?.stop();
    await B?.kill();
  });

  it('its agent reconnects to A and syncs exactly what it missed; its presence expires for visitors on A', async () => {
    const dan = await login(B, 'dan@scale.test');
    const v = await identify(A);
    const vA = await visitorSocket(A, v.visitorToken);
    let wsDanB = await agentSocket(B, dan.cookie);
    let wsDanA;
    try {
      await waitTeam(vA, true, LIVE, 'Dan connected to B');
      const first = await sendAndAck(vA, { clientId: `v-0-${rand()}`, body: 'before the crash' });
      const conv = first.message.conversationId;
      await sendAndAck(wsDanB, { conversationId: conv, clientId: `d-0-${rand()}`, body: 'Dan on B' });
      await sendAndAck(vA, { clientId: `v-1-${rand()}`, body: 'thanks' });
      const before = dbIds(db, conv);
      await waitPushed(wsDanB, conv, wantPushed(wsDanB, conv, before), 'Dan on B');
      const seen = [...new Set([...pushedIds(wsDanB, conv), ...ackedIds(wsDanB, conv)])].sort((x, y) => x - y);
      const lastSeen = Math.max(...pushedIds(wsDanB, conv)); // the sync cursor: never from an ack
      assert.equal(lastSeen, before[before.length - 1]);

      // A second visitor, with an address, chatting on B only.
      const w = await identify(B, { email: `on-b-${rand()}@scale.test` });
      const wB = await visitorSocket(B, w.visitorToken);
      const wConv = (await sendAndAck(wB, { clientId: `w-${rand()}`, body: 'on B when it dies' })).message.conversationId;
      await waitFor(() => presenceRows(db, w.visitorId) === 1, { deadline: LIVE, what: 'B stored the second visitor' });

      const code = await B.kill();
      assert.equal(code, 'SIGKILL');
      await closedWithin(wsDanB, LIVE, 'Dan’s socket on the killed process');

      // Nobody announces Dan any more: visitors on A are told the team went away.
      await waitTeam(vA, false, EXPIRY, 'B killed with its only agent');
      // Nor stamps its visitors: the second visitor counts as gone, and A's reply is emailed.
      await waitFor(() => presenceRows(db, w.visitorId) === 0, { deadline: EXPIRY, what: 'the killed process’s visitor expired' });
      const toW = await api(A, 'POST', `/api/inbox/${wConv}/reply`, { cookie: dan.cookie, body: { clientId: `d-w-${rand()}`, body: 'Dan on A, to a visitor of B' } });
      assert.equal(toW.status, 201, toW.text);
      assert.equal(replyEmails(db, wConv), 1, 'a visitor whose only process was killed was not emailed the reply');

      // Meanwhile the conversation goes on through A.
      const missed = [];
      for (let i = 0; i < 5; i++) missed.push((await sendAndAck(vA, { clientId: `v-missed-${i}-${rand()}`, body: `while Dan was away ${i}` })).message.id);
      const danReply = await api(A, 'POST', `/api/inbox/${conv}/reply`, { cookie: dan.cookie, body: { clientId: `d-rest-${rand()}`, body: 'Dan, by REST on A' } });
      assert.equal(danReply.status, 201, danReply.text);
      missed.push(danReply.json().message.id);

      // Dan's inbox reconnects, to A (its session is in the database), and catches up.
      wsDanA = await agentSocket(A, dan.cookie);
      await waitTeam(vA, true, LIVE, 'Dan reconnected to A');
      const synced = await syncIds(wsDanA, { conversationId: conv, after: lastSeen });
      assertOnceInOrder(synced, missed, 'sync after the reconnection');
      assert.deepEqual([...seen, ...synced], dbIds(db, conv), 'what Dan saw before the crash and synced after it = everything stored');

      // Live again on A, once.
      const after = await sendAndAck(vA, { clientId: `v-after-${rand()}`, body: 'and after' });
      await waitPushed(wsDanA, conv, [after.message.id], 'Dan on A');
      await wsDanA.roundTrip(LIVE);
      // A message committed just before the socket registered may also be pushed live by A's
      // feed (it reads the log after the commit): then it came by sync too, and clients
      // de-duplicate by id (docs/PROTOCOL.md). Beyond those, only the new message, once.
      const live = pushedIds(wsDanA, conv);
      assert.deepEqual(live.filter((id) => !synced.includes(id)), [after.message.id], `live pushes on the new socket: ${live}`);
      // The visitor, on A all along, has everything exactly once.
      const pushedToVA = wantPushed(vA, conv, dbIds(db, conv));
      await waitPushed(vA, conv, pushedToVA, 'visitor on A');
      await vA.roundTrip(LIVE);
      assertOnceInOrder(pushedIds(vA, conv), pushedToVA, 'visitor on A');
    } finally {
      await closeAll(vA, wsDanA);
      wsDanB?.terminate?.();
    }
  });
});

// ---------------------------------------------------------------------------------------------

/**
 * A socket that comes back: when closed it reconnects (retrying while the server cannot take it)
 * and asks for what it missed with `sync` after the last id pushed or synced to it (never one
 * from an ack: docs/PROTOCOL.md). Records every message id it
 * was given (pushed, synced, or in the ack of its own message — each message's first ack only:
 * a re-send is acked again), and whether it ever reconnected.
 */
class Follower {
  constructor(name, open, conversationId) {
    this.name = name;
    this.open = open; // async () => ws (ready)
    this.conv = conversationId;
    this.sockets = [];
    this.synced = [];
    this.reconnects = 0;
    this.stopped = false;
  }
  get ws() {
    return this.sockets[this.sockets.length - 1];
  }
  ids({ withAcks = true } = {}) {
    const out = [];
    const acked = new Set();
    for (const ws of this.sockets) {
      for (const m of ws.all) {
        if (withAcks && m && m.type === 'ack' && m.message?.conversationId === this.conv && !acked.has(m.message.id)) {
          acked.add(m.message.id);
          out.push(m.message.id);
        }
        if (m && m.type === 'message' && m.message?.conversationId === this.conv) out.push(m.message.id);
        if (m && m.type === 'messages' && m.conversationId === this.conv) out.push(...m.messages.map((x) => x.id));
      }
    }
    return out;
  }
  // Where the next sync starts: pushes and syncs only — an ack can overtake the push of a
  // message committed just before it (docs/PROTOCOL.md, "Reconnecting").
  syncCursor() {
    return Math.max(0, ...this.ids({ withAcks: false }));
  }
  async start() {
    this.sockets.push(await this.open());
    this.watch();
  }
  watch() {
    const ws = this.ws;
    ws.closed.then(async () => {
      if (this.stopped) return;
      for (;;) {
        if (this.stopped) return;
        try {
          const next = await this.open();
          this.reconnects++;
          this.sockets.push(next);
          next.send(this.syncFrame(this.syncCursor()));
          this.watch();
          return;
        } catch {
          await new Promise((r) => setTimeout(r, 500));
        }
      }
    });
  }
  syncFrame(after) {
    return this.agent ? { type: 'sync', conversationId: this.conv, after } : { type: 'sync', after };
  }
  async stop() {
    this.stopped = true;
    for (const ws of this.sockets) if (!ws.closeInfo) await ws.close().catch(() => ws.terminate());
  }
}

describe('PostgreSQL restarts under traffic', () => {
  let cluster;
  let A;
  let B;
  before(async () => {
    cluster = await startCluster();
    await addAgent(cluster.url, 'eve@scale.test', 'Eve');
    await addAgent(cluster.url, 'fay@scale.test', 'Fay');
    A = await startParley({ env: { DATABASE_URL: cluster.url } });
    B = await startParley({ env: { DATABASE_URL: cluster.url } });
  });
  after(async () => {
    await A?.stop();
    await B?.stop();
    await cluster?.destroy();
  });

  it('both processes recover by themselves; every message is stored once and reaches every socket once', { timeout: 240000 }, async (t) => {
    const db = cluster.url;
    const eve = await login(A, 'eve@scale.test');
    const fay = await login(B, 'fay@scale.test');
    const v = await identify(A);
    const opening = await visitorSocket(A, v.visitorToken);
    const openingAck = await sendAndAck(opening, { clientId: `v-open-${rand()}`, body: 'before the restart' });
    const conv = openingAck.message.conversationId;
    await opening.close();

    // The visitor on A; Eve's inbox on A, Fay's on B; a second visitor tab on B.
    const visitorA = new Follower('visitor on A', () => visitorSocket(A, v.visitorToken), conv);
    const visitorB = new Follower('visitor tab on B', () => visitorSocket(B, v.visitorToken), conv);
    const eveA = new Follower('Eve on A', () => agentSocket(A, eve.cookie), conv);
    const fayB = new Follower('Fay on B', () => agentSocket(B, fay.cookie), conv);
    eveA.agent = fayB.agent = true;
    const followers = [visitorA, visitorB, eveA, fayB];
    for (const f of followers) await f.start();

    // The visitor writes on and on, re-sending whatever is not acknowledged (same client ids)
    // every half second, on whatever socket it has — the way the widget does.
    const N = 30;
    const clientIds = Array.from({ length: N }, (_, i) => `restart-${i}-${rand()}`);
    const acked = new Map(); // clientId → message id
    const errors = [];
    let next = 0;
    let sending = true;
    const sender = (async () => {
      while (sending) {
        const ws = visitorA.ws;
        for (const m of ws.all) if (m && m.type === 'ack' && clientIds.includes(m.clientId)) acked.set(m.clientId, m.message.id);
        for (const m of ws.all) if (m && m.type === 'error' && m.clientId) errors.push(m.code);
        if (next < N) next++; // one more new message each round
        if (!ws.closeInfo) {
          for (const id of clientIds.slice(0, next)) {
            if (!acked.has(id)) ws.send({ type: 'send', clientId: id, body: `message ${id}` });
          }
        }
        if (acked.size === N) return;
        await new Promise((r) => setTimeout(r, 500));
      }
    })();

    try {
      await waitFor(() => acked.size >= 5, { deadline: LIVE, what: 'the first acks' });
      await cluster.stop();
      // Down for a few seconds, while the visitor keeps writing.
      await waitFor(async () => !(await ready(A)) && !(await ready(B)), { deadline: LIVE, what: '/readyz 503 on both while PostgreSQL is down' });
      await new Promise((r) => setTimeout(r, 4000));
      await cluster.start();

      await waitFor(async () => (await ready(A)) && (await ready(B)), { deadline: 60000, what: '/readyz 200 again on A and B' });
      await waitFor(() => acked.size === N, {
        deadline: 90000,
        what: `every message acknowledged (acked ${acked.size}/${N}; errors ${JSON.stringify([...new Set(errors)])}; A log tail:\n${A.logs().slice(-2000)}\nB log tail:\n${B.logs().slice(-2000)})`,
      });
      sending = false;
      await sender;

      // Stored once each.
      for (const id of clientIds) {
        const rows = query(db, `SELECT id FROM message WHERE conversation_id = ${conv} AND client_id = '${id}'`);
        assert.equal(rows.length, 1, `${id} stored ${rows.length} times`);
        assert.equal(Number(rows[0][0]), acked.get(id), `${id}: the ack names another message`);
      }
      const want = dbIds(db, conv).filter((id) => id !== openingAck.message.id); // the followers came after it
      assert.equal(want.length, N);

      // Recovered by itself: a message written on A after the restart reaches B's sockets live.
      const agentOnB = await agentSocket(B, fay.cookie);
      await waitFor(() => !visitorA.ws.closeInfo, { deadline: LIVE, what: 'the visitor on A connected' });
      const probe = await sendAndAck(visitorA.ws, { clientId: `after-${rand()}`, body: 'after the restart' });
      await agentOnB.nextMessage((m) => m && m.type === 'message' && m.message?.id === probe.message.id, LIVE)
        .catch((e) => assert.fail(`a message on A after the restart did not reach a new socket on B: ${e.message}\nB log tail:\n${B.logs().slice(-2000)}`));
      await agentOnB.close();
      want.push(probe.message.id);

      // Every follower has every message; once if its socket stayed open, and at least once (by
      // id: clients de-duplicate) if it had to reconnect and sync.
      for (const f of followers) {
        await waitFor(() => {
          const got = new Set(f.ids());
          return want.every((id) => got.has(id));
        }, { deadline: LIVE, what: `${f.name}: every message (missing ${JSON.stringify(want.filter((id) => !f.ids().includes(id)))}; reconnects ${f.reconnects}; probe ${probe.message.id})\nA log tail:\n${A.logs().slice(-3000)}\nB log tail:\n${B.logs().slice(-3000)}` });
        await f.ws.roundTrip(LIVE);
        const ids = f.ids().filter((id) => want.includes(id));
        if (f.reconnects === 0) {
          assertOnceInOrder(ids, want, `${f.name} (never reconnected)`);
        } else {
          assert.deepEqual([...new Set(ids)].sort((a, b) => a - b), want, `${f.name} (reconnected ${f.reconnects}×)`);
          // The pushes each socket got are still in commit order and unrepeated.
          for (const ws of f.sockets) {
            const pushed = ws.all.filter((m) => m && m.type === 'message' && m.message?.conversationId === conv).map((m) => m.message.id);
            assertOnceInOrder(pushed, [...pushed].sort((a, b) => a - b), `${f.name}: pushes on one socket`);
          }
        }
      }
      t.diagnostic(`reconnections during the restart: ${followers.map((f) => `${f.name} ${f.reconnects}`).join(', ')}`);
    } finally {
      sending = false;
      await sender.catch(() => {});
      for (const f of followers) await f.stop();
    }
  });
});
