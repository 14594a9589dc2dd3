// Read receipts (issue 18; docs/PROTOCOL.md, "Read receipts"; docs/EMAIL.md): read positions
// per participant and conversation in PostgreSQL, moved by `read` frames, only forward; every
// advance goes through the event log, so two processes on one database agree; the reply email
// to an absent visitor is not sent when the visitor read the reply before the email was due.
// Real processes, a real PostgreSQL, real WebSockets and the Resend stand-in on loopback.
// Nothing is timed: deadlines only turn a hang into a failure, and an email's batch time is
// reached by setting its due_at (no sleeping for it).
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { startParley } from '../support/parley.mjs';
import { createDatabase, query, psql } from '../support/pg.mjs';
import { request, waitFor } from '../support/http.mjs';
import { connectWs } from '../support/ws.mjs';
import { startResendStandin } from '../support/resend-standin.mjs';
import { addAgent as createAgent, login as signIn, agentSocket as openAgentSocket } from '../support/agents.mjs';

const PASSWORD = 'read-receipts-suite-password';
const LIVE = 20000;
const TEST = { timeout: 120000 };
// Reply emails are due an hour after the reply: a test makes one due when it wants (due_at).
const BATCH_SECONDS = 3600;

const rand = () => randomBytes(4).toString('hex');
const one = (url, sql) => query(url, sql)[0]?.[0];

let databaseUrl, standin, A, B;
const agents = {}; // name → {cookie, agent}

const addAgent = (email, name) => createAgent(databaseUrl, { email, name, password: PASSWORD });

const login = (server, email) => signIn(server, email, PASSWORD);

/** An agent socket on `server` (online: visitors are live, no "nobody available" email). */
const agentSocket = (server, cookie) => openAgentSocket(server, cookie, { deadline: LIVE });

async function newVisitor(server, body = {}) {
  const res = await request(server.url + '/api/visitors/identify', { method: 'POST', body });
  assert.equal(res.status, 200, res.text);
  return res.json();
}

async function visitorOn(server, token) {
  const ws = await connectWs(server.wsUrl + '?role=visitor');
  ws.send({ type: 'auth', visitorToken: token });
  ws.ready = await ws.nextMessage((m) => m && (m.type === 'ready' || m.type === 'error'), LIVE);
  assert.equal(ws.ready.type, 'ready', JSON.stringify(ws.ready));
  return ws;
}

async function send(ws, frame) {
  const clientId = `c-${rand()}`;
  ws.send({ type: 'send', clientId, ...frame });
  const reply = await ws.nextMessage((m) => m && (m.type === 'ack' || m.type === 'error') && m.clientId === clientId, LIVE);
  assert.equal(reply.type, 'ack', JSON.stringify(reply));
  return reply.message;
}

async function agentReply(server, cookie, conversationId, body) {
  const res = await request(`${server.url}/api/inbox/${conversationId}/reply`, {
    method: 'POST', headers: { Cookie: cookie }, body: { clientId: `a-${rand()}`, body },
  });
  assert.equal(res.status, 201, res.text);
  return res.json().message;
}

const isRead = (conversationId, reader, upTo, agentId) => (m) =>
  m && m.type === 'read' && m.conversationId === conversationId && m.reader === reader && m.upTo === upTo &&
  (agentId === undefined || m.agentId === agentId);
const readsOf = (ws, conversationId, reader) =>
  ws.all.filter((m) => m && m.type === 'read' && m.conversationId === conversationId && m.reader === reader).map((m) => m.upTo);

const visitorPosition = (conversationId) =>
  Number(one(databaseUrl, `SELECT coalesce(max(message_id), 0) FROM visitor_read WHERE conversation_id = ${conversationId}`));
const agentPosition = (agentId, conversationId) =>
  Number(one(databaseUrl, `SELECT coalesce(max(message_id), 0) FROM agent_read WHERE agent_id = ${agentId} AND conversation_id = ${conversationId}`));

async function inboxRow(server, cookie, conversationId) {
  const res = await request(`${server.url}/api/inbox?status=OPEN,ASSIGNED&limit=100`, { headers: { Cookie: cookie } });
  assert.equal(res.status, 200, res.text);
  return res.json().conversations.find((c) => c.id === conversationId);
}

/** A visitor on `server` with an open conversation of `count` messages; returns them too. */
async function conversationWith(server, count, body = {}) {
  const v = await newVisitor(server, body);
  const ws = await visitorOn(server, v.visitorToken);
  const messages = [];
  for (let i = 0; i < count; i++) messages.push(await send(ws, { body: `visitor line ${i} ${rand()}` }));
  return { v, ws, conversationId: messages[0].conversationId, messages };
}

before(async () => {
  standin = await startResendStandin();
  databaseUrl = createDatabase();
  await addAgent('bo@read.test', 'Bo');
  await addAgent('cy@read.test', 'Cy');
  const env = {
    DATABASE_URL: databaseUrl,
    PARLEY_EMAIL_BATCH_SECONDS: BATCH_SECONDS,
    PARLEY_SUPPORT_EMAIL: 'support@read.test',
    RESEND_API_KEY: standin.apiKey,
    RESEND_API_URL: standin.url,
  };
  A = await startParley({ env });
  B = await startParley({ env });
  agents.bo = await login(A, 'bo@read.test');
  agents.cy = await login(B, 'cy@read.test');
});

after(async () => {
  await Promise.all([A?.kill(), B?.kill()]);
  await standin?.close();
});

describe('read positions', TEST, () => {
  it('a visitor read on process A reaches an agent on process B; positions only move forward', TEST, async () => {
    const cyOnB = await agentSocket(B, agents.cy.cookie);
    const { v, ws, conversationId, messages } = await conversationWith(A, 3);
    const [m1, m2, m3] = messages.map((m) => m.id);

    ws.send({ type: 'read', conversationId, upTo: m2 });
    await cyOnB.nextMessage(isRead(conversationId, 'visitor', m2), LIVE);
    assert.equal(visitorPosition(conversationId), m2);

    // A second tab of the visitor (on B, its own socket: nothing remembered there) replays
    // and goes back: the database keeps m2 and announces nothing; then m3 moves it.
    const sameVisitorTab = await visitorOn(B, v.visitorToken);
    sameVisitorTab.send({ type: 'read', conversationId, upTo: m1 });
    sameVisitorTab.send({ type: 'read', conversationId, upTo: m2 });
    sameVisitorTab.send({ type: 'read', conversationId, upTo: m3 });
    await cyOnB.nextMessage(isRead(conversationId, 'visitor', m3), LIVE);
    assert.equal(visitorPosition(conversationId), m3);
    assert.deepEqual(readsOf(cyOnB, conversationId, 'visitor'), [m2, m3], 'a stale or replayed read was announced');

    // The inbox list carries the visitor's position for every agent.
    const row = await inboxRow(B, agents.cy.cookie, conversationId);
    assert.equal(row.read.visitor, m3);
    assert.equal(row.read.me, 0);
    assert.equal(row.read.unread, 3);
    for (const s of [ws, sameVisitorTab, cyOnB]) s.terminate();
  });

  it('a visitor cannot mark another visitor\'s conversation, nor a message of another conversation', TEST, async () => {
    const ann = await conversationWith(A, 2);
    const eve = await conversationWith(A, 1);
    const annMessage = ann.messages[1].id;

    eve.ws.send({ type: 'read', conversationId: ann.conversationId, upTo: annMessage });
    let err = await eve.ws.nextMessage('error', LIVE);
    assert.equal(err.code, 'not_found', JSON.stringify(err));
    eve.ws.send({ type: 'read', conversationId: eve.conversationId, upTo: annMessage });
    err = await eve.ws.nextMessage('error', LIVE);
    assert.equal(err.code, 'not_found', JSON.stringify(err));
    for (const bad of [{ upTo: 'x' }, { upTo: -1 }, { upTo: 1.5 }, {}]) {
      eve.ws.send({ type: 'read', conversationId: eve.conversationId, ...bad });
      err = await eve.ws.nextMessage('error', LIVE);
      assert.equal(err.code, 'invalid_field', `${JSON.stringify(bad)} → ${JSON.stringify(err)}`);
    }
    assert.equal(visitorPosition(ann.conversationId), 0, 'another visitor moved Ann\'s position');
    assert.equal(visitorPosition(eve.conversationId), 0);
    ann.ws.terminate();
    eve.ws.terminate();
  });

  it('an agent needs a session: no cookie is a visitor socket that must authenticate; a dead cookie is refused', TEST, async () => {
    const { ws, conversationId, messages } = await conversationWith(A, 1);
    const anonymous = await connectWs(A.wsUrl, { origin: A.url });
    anonymous.send({ type: 'read', conversationId, upTo: messages[0].id });
    const closed = await anonymous.closed;
    assert.equal(closed.code, 1008, JSON.stringify(closed));
    await assert.rejects(
      connectWs(A.wsUrl, { headers: { Cookie: 'parley_session=not-a-session' }, origin: A.url }),
      'a socket with a dead session cookie was accepted',
    );
    assert.equal(Number(one(databaseUrl, `SELECT count(*) FROM agent_read WHERE conversation_id = ${conversationId}`)), 0);
    ws.terminate();
  });

  it('an agent\'s read reaches their other tab on the other process; unread counts come from the server', TEST, async () => {
    const { ws, conversationId, messages } = await conversationWith(A, 3);
    const boId = agents.bo.agent.id;
    const boOnA = await agentSocket(A, agents.bo.cookie);
    const boOnB = await agentSocket(B, agents.bo.cookie);
    const cyOnB = await agentSocket(B, agents.cy.cookie);

    let row = await inboxRow(A, agents.bo.cookie, conversationId);
    assert.deepEqual(row.read, { me: 0, visitor: 0, unread: 3 });

    boOnA.send({ type: 'read', conversationId, upTo: messages[1].id });
    await boOnB.nextMessage(isRead(conversationId, 'agent', messages[1].id, boId), LIVE);
    assert.equal(agentPosition(boId, conversationId), messages[1].id);
    // The same answer from either process: one unread message left for Bo, three for Cy.
    for (const server of [A, B]) {
      row = await inboxRow(server, agents.bo.cookie, conversationId);
      assert.deepEqual(row.read, { me: messages[1].id, visitor: 0, unread: 1 }, `on ${server.url}`);
    }
    row = await inboxRow(B, agents.cy.cookie, conversationId);
    assert.equal(row.read.unread, 3, 'Bo\'s read changed Cy\'s count');
    const detail = (await request(`${B.url}/api/inbox/${conversationId}`, { headers: { Cookie: agents.bo.cookie } })).json();
    assert.deepEqual(detail.conversation.read, { me: messages[1].id, visitor: 0, unread: 1 });

    // A stale read from the other tab changes nothing; a new visitor message counts again.
    boOnB.send({ type: 'read', conversationId, upTo: messages[0].id });
    const m4 = await send(ws, { body: 'one more' });
    boOnB.send({ type: 'read', conversationId, upTo: m4.id });
    await boOnA.nextMessage(isRead(conversationId, 'agent', m4.id, boId), LIVE);
    assert.deepEqual(readsOf(boOnA, conversationId, 'agent'), [messages[1].id, m4.id]);
    row = await inboxRow(A, agents.bo.cookie, conversationId);
    assert.deepEqual(row.read, { me: m4.id, visitor: 0, unread: 0 });
    // Cy sees Bo's read frames too (they name the agent), and ignores them.
    await cyOnB.nextMessage(isRead(conversationId, 'agent', m4.id, boId), LIVE);
    for (const s of [ws, boOnA, boOnB, cyOnB]) s.terminate();
  });

  it('a burst of reads is coalesced: far fewer events than frames, ending at the furthest', TEST, async () => {
    const { ws, conversationId, messages } = await conversationWith(A, 30);
    const cyOnA = await agentSocket(A, agents.cy.cookie);
    const before = Number(one(databaseUrl, 'SELECT coalesce(max(seq), 0) FROM event_log'));
    for (const m of messages) ws.send({ type: 'read', conversationId, upTo: m.id });
    const last = messages[messages.length - 1].id;
    await cyOnA.nextMessage(isRead(conversationId, 'visitor', last), LIVE);
    const events = Number(one(databaseUrl,
      `SELECT count(*) FROM event_log WHERE seq > ${before} AND frame LIKE '{"type":"read","conversationId":${conversationId},%'`));
    // One write at a time per socket (the rest coalesced) and at most a burst of 20 writes:
    // whatever the scheduling, fewer events than frames.
    assert.ok(events >= 1 && events < messages.length, `${events} read events for ${messages.length} frames`);
    assert.equal(visitorPosition(conversationId), last);
    const seen = readsOf(cyOnA, conversationId, 'visitor');
    assert.deepEqual(seen, [...seen].sort((a, b) => a - b), 'read events went backwards');
    ws.terminate();
    cyOnA.terminate();
  });
});

describe('the reply email to an absent visitor', TEST, () => {
  const replyRows = (conversationId) =>
    query(databaseUrl, `SELECT id, status FROM email_outbox WHERE conversation_id = ${conversationId} AND kind = 'visitor_reply' ORDER BY id`)
      .map(([id, status]) => ({ id: Number(id), status }));
  const makeDue = (emailId) => psql(databaseUrl, `UPDATE email_outbox SET due_at = now() WHERE id = ${emailId}`);
  const repliesTo = (address) => standin.acceptedTo(address).filter((a) => /replied/.test(a.body.subject));

  // Whether a process holds a tab of the visitor, as the reply's transaction asks (every process
  // writes its visitors to visitor_presence a moment after their first tab opens or last closes).
  const presence = (visitorId) => Number(query(databaseUrl, `SELECT count(*) FROM visitor_presence WHERE visitor_id = ${visitorId}`)[0][0]);

  // The visitor wrote on B and left — once B has stored that they left, A's reply to them is
  // enqueued as an email (until then they count as chatting live on B).
  async function absentVisitor() {
    const address = `ann-${rand()}@read.test`;
    const c = await conversationWith(B, 1, { name: 'Ann', email: address });
    await waitFor(() => presence(c.v.visitorId) === 1, { deadline: LIVE, what: 'B stored Ann as connected' });
    await c.ws.close();
    await waitFor(() => presence(c.v.visitorId) === 0, { deadline: LIVE, what: 'B stored Ann as gone' });
    return { ...c, address };
  }

  it('is not sent when the visitor read the reply (on the other process) before the email was due', TEST, async () => {
    const { v, conversationId, address } = await absentVisitor();
    const reply = await agentReply(A, agents.bo.cookie, conversationId, `Fixed it ${rand()}`);
    const [email] = replyRows(conversationId);
    assert.ok(email, 'no reply email was enqueued for an absent visitor');

    const back = await visitorOn(B, v.visitorToken);
    back.send({ type: 'read', conversationId, upTo: reply.id });
    await waitFor(() => visitorPosition(conversationId) === reply.id, { deadline: LIVE, what: 'the visitor\'s read stored' });
    makeDue(email.id);
    await waitFor(() => replyRows(conversationId)[0].status === 'skipped', { deadline: LIVE, what: 'the reply email skipped' });
    assert.equal(repliesTo(address).length, 0, 'the visitor was emailed a reply they had read');
    const shown = (await request(`${A.url}/api/inbox/${conversationId}`, { headers: { Cookie: agents.bo.cookie } })).json();
    assert.equal(shown.emails.find((e) => e.id === email.id).status, 'skipped');
    back.terminate();
  });

  it('is sent when the visitor did not read it, and holds only the replies they had not read', TEST, async () => {
    const { v, conversationId, address } = await absentVisitor();
    const first = await agentReply(A, agents.bo.cookie, conversationId, `First answer ${rand()}`);
    const second = await agentReply(A, agents.bo.cookie, conversationId, `Second answer ${rand()}`);
    const [email] = replyRows(conversationId);

    // Read the first reply only (on B), then the email is due.
    const back = await visitorOn(B, v.visitorToken);
    back.send({ type: 'read', conversationId, upTo: first.id });
    await waitFor(() => visitorPosition(conversationId) === first.id, { deadline: LIVE, what: 'the visitor\'s read stored' });
    back.terminate();
    makeDue(email.id);
    await waitFor(() => replyRows(conversationId)[0].status === 'sent', { deadline: LIVE, what: 'the reply email sent' });
    const [sent] = repliesTo(address);
    assert.ok(sent, 'no reply email reached the stand-in');
    assert.ok(sent.body.text.includes(second.body), sent.body.text);
    assert.ok(!sent.body.text.includes(first.body), 'the reply the visitor had read is in the email');

    // Nothing read at all: the whole reply goes out.
    const other = await absentVisitor();
    const only = await agentReply(A, agents.bo.cookie, other.conversationId, `Unread answer ${rand()}`);
    const [otherEmail] = replyRows(other.conversationId);
    makeDue(otherEmail.id);
    await waitFor(() => replyRows(other.conversationId)[0].status === 'sent', { deadline: LIVE, what: 'the unread reply sent' });
    assert.ok(repliesTo(other.address)[0].body.text.includes(only.body));
  });

  it('across processes: A\'s reply to a visitor gone from B is emailed unless they come back to B and read it in time', TEST, async () => {
    const address = `back-${rand()}@read.test`;
    const c = await conversationWith(B, 1, { name: 'Liv', email: address });
    const live = () => presence(c.v.visitorId);
    await waitFor(() => live() === 1, { deadline: LIVE, what: 'B stored Liv as connected' });
    await c.ws.close();
    await waitFor(() => live() === 0, { deadline: LIVE, what: 'B stored Liv as gone' });
    // Connected nowhere: A's reply is enqueued for the batch time.
    const reply = await agentReply(A, agents.bo.cookie, c.conversationId, `Answer while away ${rand()}`);
    const [email] = replyRows(c.conversationId);
    assert.ok(email, 'a reply to a visitor connected nowhere was not enqueued');
    // Liv comes back on B and reads it before the batch time: nothing is sent.
    const back = await visitorOn(B, c.v.visitorToken);
    back.send({ type: 'read', conversationId: c.conversationId, upTo: reply.id });
    await waitFor(() => visitorPosition(c.conversationId) === reply.id, { deadline: LIVE, what: 'read stored' });
    makeDue(email.id);
    await waitFor(() => replyRows(c.conversationId)[0].status === 'skipped', { deadline: LIVE, what: 'skipped' });
    assert.equal(repliesTo(address).length, 0);
    back.terminate();
  });
});
