// Private notes and @mentions (docs/INBOX.md, docs/PROTOCOL.md "Notes and mentions"), against
// the real binary, PostgreSQL and the Resend stand-in on loopback.
//
// The leak test walks every road a note could take toward a visitor — the visitor socket's
// pushes, `ready`, `sync`, `history`, the acknowledgement and reply emails, the CSAT email and
// its survey page — with notes written before, between and after the agent's replies and after
// the resolve, and proves the note's marker reaches none of them, while every agent path (the
// `note` push on agent sockets, GET notes, the mentioned agent's Mentions) shows it.
// Waits are polled conditions, never timings.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { startParley, runParley } from '../support/parley.mjs';
import { createDatabase, query, psql } from '../support/pg.mjs';
import { request, waitFor } from '../support/http.mjs';
import { connectWs } from '../support/ws.mjs';
import { startResendStandin } from '../support/resend-standin.mjs';

const PASSWORD = 'notes suite password';
const TEST = { timeout: 120000 };
const hex = () => randomBytes(4).toString('hex');

let standin, databaseUrl, server, ann, bob, cy;

async function addAgent(email, name) {
  const r = await runParley(['agent', 'add', '--email', email, '--name', name], {
    input: `${PASSWORD}\n`,
    env: { DATABASE_URL: databaseUrl },
  });
  assert.equal(r.code, 0, r.stderr);
  const res = await request(server.url + '/api/auth/login', { method: 'POST', body: { email, password: PASSWORD } });
  assert.equal(res.status, 200, res.text);
  return { cookie: [].concat(res.headers['set-cookie'])[0].split(';')[0], id: res.json().agent.id, name };
}

function api(method, path, { cookie, body, headers = {} } = {}) {
  return request(server.url + path, { method, body, headers: { ...(cookie ? { Cookie: cookie } : {}), ...headers } });
}

async function agentSocket(agent) {
  const ws = await connectWs(server.wsUrl, { headers: { Cookie: agent.cookie }, origin: server.url });
  await ws.nextMessage('ready');
  return ws;
}

async function visitorSocket(token) {
  const ws = await connectWs(server.wsUrl + '?role=visitor');
  ws.send({ type: 'auth', visitorToken: token });
  ws.ready = await ws.nextMessage('ready');
  return ws;
}

async function say(ws, text) {
  const clientId = `v-${hex()}`;
  ws.send({ type: 'send', clientId, body: text });
  const r = await ws.nextMessage((m) => m && (m.type === 'ack' || m.type === 'error') && m.clientId === clientId);
  assert.equal(r.type, 'ack', JSON.stringify(r));
  return r.message;
}

async function reply(agent, conversationId, text) {
  const res = await api('POST', `/api/inbox/${conversationId}/reply`, { cookie: agent.cookie, body: { clientId: `a-${hex()}`, body: text } });
  assert.equal(res.status, 201, res.text);
  return res.json().message;
}

async function addNote(agent, conversationId, body, mentions = []) {
  const res = await api('POST', `/api/inbox/${conversationId}/notes`, { cookie: agent.cookie, body: { body, mentions } });
  assert.equal(res.status, 201, res.text);
  return res.json().note;
}

const visitorsGone = () =>
  waitFor(async () => /^parley_connections\{kind="visitor"\} 0$/m.test((await request(server.url + '/metrics')).text), {
    what: 'the visitor sockets to be gone',
  });

before(async () => {
  standin = await startResendStandin();
  databaseUrl = createDatabase();
  server = await startParley({
    env: {
      DATABASE_URL: databaseUrl, RESEND_API_KEY: standin.apiKey, RESEND_API_URL: standin.url,
      PARLEY_SUPPORT_EMAIL: 'support@acme.test', PARLEY_EMAIL_BATCH_SECONDS: '1',
      PARLEY_BOT: 'off', // the first message's emails at once (no bot turn holding them)
    },
  });
  ann = await addAgent('ann@acme.test', 'Ann Author');
  bob = await addAgent('bob@acme.test', 'Bob Mentioned');
  cy = await addAgent('cy@acme.test', 'Cy');
});

after(async () => {
  await server?.kill();
  await standin?.close();
});

describe('a private note never reaches the visitor', TEST, () => {
  it('socket pushes, ready, sync, history, every email and the CSAT page carry no note; agents see them all', TEST, async () => {
    const marker = `NOTE-SECRET-${hex()}`;
    const visitorEmail = `vi-${hex()}@visitor.test`;
    const identified = (await request(server.url + '/api/visitors/identify', {
      method: 'POST', body: { email: visitorEmail, name: 'Vi Visitor' },
    })).json();
    const frames = []; // every frame any of the visitor's sockets received
    const collect = (ws) => ws.closed.then(() => frames.push(...ws.all));

    // 1. The visitor writes while nobody is online: the support and acknowledgement emails.
    const v1 = await visitorSocket(identified.visitorToken);
    const first = await say(v1, 'Hello, my card was charged twice');
    const conversationId = first.conversationId;

    // 2. Agents connect; Ann writes notes around her reply, mentioning Bob once.
    const annWs = await agentSocket(ann);
    const bobWs = await agentSocket(bob);
    const notes = [];
    notes.push(await addNote(ann, conversationId, `Before replying: ${marker} is the card's last four @Bob Mentioned`, [bob.id]));
    const reply1 = await reply(ann, conversationId, 'I am looking into the double charge now.');
    await v1.nextMessage((m) => m.type === 'message' && m.message.id === reply1.id);
    notes.push(await addNote(ann, conversationId, `Between replies: refund ${marker} pending`));
    v1.send({ type: 'sync', after: 0 });
    const synced = await v1.nextMessage('messages');
    assert.ok(synced.messages.some((m) => m.id === reply1.id), 'sync returns the reply');
    v1.send({ type: 'history' });
    await v1.nextMessage('history');
    await v1.roundTrip(); // whatever the server queued for this socket has arrived
    await v1.close();
    await collect(v1);
    await visitorsGone();

    // 3. The visitor is gone: the next reply is emailed; a note follows before it is due.
    const reply2 = await reply(ann, conversationId, 'The duplicate charge is refunded.');
    notes.push(await addNote(ann, conversationId, `After the last reply: ${marker} closed in the billing tool`));
    const replyMail = await waitFor(() => standin.accepted.find((a) => [].concat(a.body.to).includes(visitorEmail) &&
      String(a.body.text).includes(reply2.body)), { what: 'the reply email' });
    assert.ok(replyMail, 'reply email sent');

    // 4. Resolve while the visitor is away: the CSAT email; then a note on the resolved one.
    const resolved = await api('POST', `/api/inbox/${conversationId}/resolve`, { cookie: ann.cookie });
    assert.equal(resolved.status, 200, resolved.text);
    notes.push(await addNote(ann, conversationId, `Resolved: ${marker} follow up next week @Cy`, [cy.id]));
    const csatMail = await waitFor(() => standin.accepted.find((a) => a.body.subject === 'How did we do?' &&
      [].concat(a.body.to).includes(visitorEmail)), { what: 'the CSAT email' });
    const link = /Rate it here: (\S+)/.exec(csatMail.body.text)?.[1];
    assert.ok(link, csatMail.body.text);
    const page = await request(link);
    assert.equal(page.status, 200);
    assert.ok(!page.text.includes(marker), 'the survey page shows no note');

    // 5. The visitor comes back: ready, history (the resolved conversation), sync.
    const v2 = await visitorSocket(identified.visitorToken);
    v2.send({ type: 'history' });
    const history = await v2.nextMessage('history');
    const past = history.conversations.find((c) => c.id === conversationId);
    assert.ok(past && past.messages.some((m) => m.id === reply2.id), 'history holds the replies');
    v2.send({ type: 'sync', after: 0 });
    await v2.roundTrip();
    await v2.close();
    await collect(v2);

    // Nothing a visitor received, and nothing emailed, holds the marker.
    assert.ok(frames.length > 5, 'the visitor sockets did receive frames');
    for (const f of frames) assert.ok(!JSON.stringify(f).includes(marker), `visitor frame leaks a note: ${JSON.stringify(f)}`);
    assert.ok(frames.some((f) => f.type === 'ready') && frames.some((f) => f.type === 'message'));
    await waitFor(() => query(databaseUrl, `SELECT count(*) FROM email_outbox WHERE conversation_id = ${conversationId}
      AND status IN ('pending', 'sending')`)[0][0] === '0', { what: 'the outbox to drain' });
    const kinds = query(databaseUrl, `SELECT kind FROM email_outbox WHERE conversation_id = ${conversationId} ORDER BY id`).map((r) => r[0]);
    for (const kind of ['support_new', 'visitor_ack', 'visitor_reply', 'visitor_csat']) assert.ok(kinds.includes(kind), `${kind} in ${kinds}`);
    for (const r of standin.requests) assert.ok(!r.raw.includes(marker), 'an email sent to Resend leaks a note');
    assert.equal(query(databaseUrl, `SELECT count(*) FROM email_outbox
      WHERE concat(subject, html, text_body) LIKE '%${marker}%'`)[0][0], '0', 'no rendered email holds the marker');
    // The event log: every row with a note names no visitor.
    const noteRows = query(databaseUrl, `SELECT visitor_id IS NULL AND visitor_frame IS NULL AND visitor_ids IS NULL
      FROM event_log WHERE frame LIKE '%${marker}%'`);
    assert.equal(noteRows.length, notes.length);
    assert.ok(noteRows.every((r) => r[0] === 't'), 'note events are for agents only');

    // Every agent path shows the notes.
    for (const ws of [annWs, bobWs]) {
      for (const n of notes) {
        const f = await ws.nextMessage((m) => m.type === 'note' && m.note.id === n.id);
        assert.ok(f.note.body.includes(marker));
      }
    }
    const listed = (await api('GET', `/api/inbox/${conversationId}/notes`, { cookie: bob.cookie })).json();
    assert.deepEqual(listed.notes.map((n) => n.id), notes.map((n) => n.id), 'oldest first');
    assert.equal(listed.notes[0].agentName, 'Ann Author');
    assert.deepEqual(listed.notes[0].mentions, [{ id: bob.id, name: 'Bob Mentioned' }]);
    const mentions = (await api('GET', '/api/mentions', { cookie: bob.cookie })).json();
    assert.equal(mentions.mentions[0].note.id, notes[0].id);
    assert.equal(mentions.mentions[0].conversation.id, conversationId);
    assert.equal(mentions.mentions[0].conversation.visitor.name, 'Vi Visitor');
    assert.equal(mentions.more, false);
    assert.deepEqual((await api('GET', '/api/mentions', { cookie: ann.cookie })).json().mentions, [], 'Ann was not mentioned');
    // The conversation itself (messages, lastMessage) knows nothing of notes.
    const shown = (await api('GET', `/api/inbox/${conversationId}`, { cookie: ann.cookie })).json();
    assert.ok(!JSON.stringify(shown).includes(marker));
    await annWs.close();
    await bobWs.close();
  });

  it('a note reaches agent sockets of another process (through the event log), and no visitor there', TEST, async () => {
    const other = await startParley({ env: { DATABASE_URL: databaseUrl } });
    try {
      const bobThere = await connectWs(other.wsUrl, { headers: { Cookie: bob.cookie }, origin: other.url });
      await bobThere.nextMessage('ready');
      const token = (await request(other.url + '/api/visitors/identify', { method: 'POST', body: {} })).json().visitorToken;
      const vThere = await connectWs(other.wsUrl + '?role=visitor');
      vThere.send({ type: 'auth', visitorToken: token });
      await vThere.nextMessage('ready');
      const clientId = `v-${hex()}`;
      vThere.send({ type: 'send', clientId, body: 'Written on the other process' });
      const { conversationId } = (await vThere.nextMessage({ type: 'ack', clientId })).message;
      const note = await addNote(ann, conversationId, 'Written on the first process @Bob Mentioned', [bob.id]);
      const pushed = await bobThere.nextMessage((m) => m.type === 'note' && m.note.id === note.id);
      assert.deepEqual(pushed.note.mentions, [{ id: bob.id, name: 'Bob Mentioned' }]);
      const after = await reply(ann, conversationId, 'A reply after the note');
      await vThere.nextMessage((m) => m.type === 'message' && m.message.id === after.id); // later in the log than the note
      assert.ok(!vThere.all.some((f) => f.type === 'note' || JSON.stringify(f).includes('first process')));
      await vThere.close();
      await bobThere.close();
    } finally {
      await other.kill();
    }
  });

  it('the event log refuses a note row that names a visitor', TEST, () => {
    assert.throws(() => psql(databaseUrl, `INSERT INTO event_log (visitor_id, frame, to_agents)
      VALUES (1, '{"type":"note","note":{}}', true)`), /event_log_note_agents_only/);
  });
});

describe('who may write and read notes', TEST, () => {
  let conversationId, visitorToken;
  before(async () => {
    visitorToken = (await request(server.url + '/api/visitors/identify', { method: 'POST', body: {} })).json().visitorToken;
    const ws = await visitorSocket(visitorToken);
    conversationId = (await say(ws, 'A question')).conversationId;
    // A visitor socket has no note frame: it is an unknown type, and nothing is stored.
    ws.send({ type: 'note', conversationId, body: 'sneaky' });
    const err = await ws.nextMessage('error');
    assert.equal(err.code, 'bad_request', JSON.stringify(err));
    await ws.close();
  });

  it('no session: 401 on every route; a visitor token is not a session', TEST, async () => {
    const bearer = { Authorization: `Bearer ${visitorToken}` };
    for (const headers of [{}, bearer, { Cookie: 'parley_session=forged' }]) {
      assert.equal((await api('GET', `/api/inbox/${conversationId}/notes`, { headers })).status, 401);
      assert.equal((await api('POST', `/api/inbox/${conversationId}/notes`, { headers, body: { body: 'x' } })).status, 401);
      assert.equal((await api('GET', '/api/mentions', { headers })).status, 401);
    }
    assert.equal(query(databaseUrl, `SELECT count(*) FROM note WHERE conversation_id = ${conversationId}`)[0][0], '0');
  });

  it('bad input is a clear 4xx and stores nothing', TEST, async () => {
    const post = (body, extra = {}) => api('POST', `/api/inbox/${conversationId}/notes`, { cookie: ann.cookie, body, ...extra });
    const cases = [
      [{}, 400, /body/],
      [{ body: '   ' }, 400, /empty/],
      [{ body: 'x'.repeat(8001) }, 400, /8000/],
      [{ body: 'bidi \u202e text' }, 400, /bidirectional/],
      [{ body: 'ok', mentions: 'bob' }, 400, /mentions/],
      [{ body: 'ok', mentions: [bob.id, 'x'] }, 400, /mentions/],
      [{ body: 'ok', mentions: [999999] }, 400, /active agents/],
      [{ body: 'ok', mentions: Array.from({ length: 11 }, (_, i) => i + 1) }, 400, /at most 10/],
    ];
    for (const [body, status, message] of cases) {
      const res = await post(body);
      assert.equal(res.status, status, `${JSON.stringify(body).slice(0, 80)}: ${res.text}`);
      assert.match(res.json().error.message, message);
    }
    assert.equal((await api('POST', '/api/inbox/999999/notes', { cookie: ann.cookie, body: { body: 'x' } })).status, 404);
    assert.equal((await post({ body: 'x' }, { headers: { Origin: 'https://evil.test' } })).status, 403);
    assert.equal((await api('GET', '/api/mentions?limit=0', { cookie: ann.cookie })).status, 400);
    assert.equal(query(databaseUrl, `SELECT count(*) FROM note WHERE conversation_id = ${conversationId}`)[0][0], '0');
    // The same mention twice is one mention; a disabled agent cannot be mentioned.
    const twice = await post({ body: 'twice @Bob Mentioned', mentions: [bob.id, bob.id] });
    assert.equal(twice.status, 201, twice.text);
    assert.deepEqual(twice.json().note.mentions.map((m) => m.id), [bob.id]);
    psql(databaseUrl, `UPDATE agent SET disabled = true WHERE id = ${cy.id}`);
    try {
      assert.equal((await post({ body: 'to a former colleague', mentions: [cy.id] })).status, 400);
    } finally {
      psql(databaseUrl, `UPDATE agent SET disabled = false WHERE id = ${cy.id}`);
    }
  });

  it('a note sent again with its clientId is stored once: 200 with the same note, no second event', TEST, async () => {
    const watcher = await agentSocket(bob);
    try {
      const clientId = `n-${hex()}`;
      const post = (cid, conv = conversationId) =>
        api('POST', `/api/inbox/${conv}/notes`, { cookie: ann.cookie, body: { body: 'Said once, sent twice', clientId: cid } });
      const first = await post(clientId);
      assert.equal(first.status, 201, first.text);
      const again = await post(clientId);
      assert.equal(again.status, 200, again.text);
      assert.deepEqual(again.json().note, first.json().note);
      assert.equal(query(databaseUrl, `SELECT count(*) FROM note WHERE client_id = '${clientId}'`)[0][0], '1');
      // Another agent's socket hears of it once (a marker note written after it bounds the wait).
      const marker = await addNote(ann, conversationId, `marker ${hex()}`);
      await watcher.nextMessage((m) => m && m.type === 'note' && m.note.id === marker.id);
      assert.equal(watcher.all.filter((m) => m && m.type === 'note' && m.note.id === first.json().note.id).length, 1);

      // The same clientId for another conversation is a conflict; a malformed one is refused.
      const other = (await say(await visitorSocket((await request(server.url + '/api/visitors/identify', { method: 'POST', body: {} })).json().visitorToken), 'Another question')).conversationId;
      const clash = await post(clientId, other);
      assert.equal(clash.status, 409, clash.text);
      const bad = await post('has spaces');
      assert.equal(bad.status, 400, bad.text);
      assert.match(bad.json().error.message, /clientId/);
      assert.equal(query(databaseUrl, `SELECT count(*) FROM note WHERE conversation_id = ${other}`)[0][0], '0');
    } finally {
      await watcher.close();
    }
  });

  it('Mentions pages newest first with before/limit', TEST, async () => {
    const ids = [];
    for (let i = 0; i < 3; i++) ids.push((await addNote(ann, conversationId, `page ${i} @Cy`, [cy.id])).id);
    const p1 = (await api('GET', '/api/mentions?limit=2', { cookie: cy.cookie })).json();
    assert.equal(p1.more, true);
    assert.deepEqual(p1.mentions.map((m) => m.note.id), [ids[2], ids[1]]);
    const p2 = (await api('GET', `/api/mentions?limit=2&before=${ids[1]}`, { cookie: cy.cookie })).json();
    assert.equal(p2.mentions[0].note.id, ids[0]);
  });
});
