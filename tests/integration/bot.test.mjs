// The FAQ bot (issue #17, docs/BOT.md) end to end: the real binary, a real PostgreSQL, the
// help center's articles written through its API, a visitor and an agent on WebSockets, and
// the Resend stand-in for offline email. Waits are polled conditions; no timing is asserted.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { startParley, runParley } from '../support/parley.mjs';
import { createDatabase, query } from '../support/pg.mjs';
import { request, waitFor } from '../support/http.mjs';
import { connectWs } from '../support/ws.mjs';
import { identify, visitorSocket } from '../support/visitor.mjs';
import { startResendStandin } from '../support/resend-standin.mjs';
import { login as signIn } from '../support/agents.mjs';

const PASSWORD = 'bot-suite-password';
const SUPPORT = 'support@acme.test';
const TEST = { timeout: 180000 };
const id = () => randomBytes(4).toString('hex');
const count = (url, sql) => Number(query(url, sql)[0][0]);

const ARTICLES = [
  { title: 'How to reset your password', collection: 'Account',
    body: 'To reset your password, open **Settings → Security** and choose *Reset password*. We email you a link.' },
  { title: 'Changing the email address of your account', collection: 'Account',
    body: 'Open Settings and type the new email address; we send a confirmation to it.' },
  { title: 'Refunds and cancellations', collection: 'Billing',
    body: 'You can cancel any time. Refunds are paid back to the card within five days.' },
];

const login = async (server, email) => (await signIn(server, email, PASSWORD)).cookie;

/** A server with one agent (not connected: the team is away) and the three articles published. */
async function world(env = {}) {
  const standin = await startResendStandin();
  const databaseUrl = createDatabase();
  const r = await runParley(['agent', 'add', '--email', 'bo@acme.test', '--name', 'Bo'], {
    input: `${PASSWORD}\n`, env: { DATABASE_URL: databaseUrl },
  });
  assert.equal(r.code, 0, r.stderr);
  const server = await startParley({
    env: {
      DATABASE_URL: databaseUrl, PARLEY_SUPPORT_EMAIL: SUPPORT, RESEND_API_KEY: standin.apiKey,
      RESEND_API_URL: standin.url, ...env,
    },
  });
  const cookie = await login(server, 'bo@acme.test');
  const agentHeaders = { Cookie: cookie, Origin: server.url };
  for (const a of ARTICLES) {
    const res = await request(server.url + '/api/articles', { method: 'POST', headers: agentHeaders, body: { ...a, status: 'published' } });
    assert.equal(res.status, 201, res.text);
  }
  return { standin, databaseUrl, server, cookie, agentHeaders, close: async () => { server.kill(); await standin.close(); } };
}

async function newVisitor(server) {
  const v = await identify(server);
  v.ws = await visitorSocket(server, v.visitorToken);
  return v;
}

async function send(ws, body) {
  const clientId = `c-${id()}`;
  ws.send({ type: 'send', clientId, body });
  const reply = await ws.nextMessage((m) => m && (m.type === 'ack' || m.type === 'error') && m.clientId === clientId);
  assert.equal(reply.type, 'ack', JSON.stringify(reply));
  return reply.message;
}

const botState = (url, conversationId) => query(url, `SELECT coalesce(bot_state, 'none') FROM conversation WHERE id = ${Number(conversationId)}`)[0][0];
const emails = (url, conversationId) => query(url, `SELECT kind FROM email_outbox WHERE conversation_id = ${Number(conversationId)} ORDER BY id`).map((r) => r[0]);

function choose(server, v, conversationId, choice, token = v.visitorToken) {
  return request(server.url + '/api/visitors/bot-choice', {
    method: 'POST', headers: { Authorization: `Bearer ${token}` }, body: { conversationId, choice },
  });
}

describe('the FAQ bot', TEST, () => {
  let w;
  before(async () => { w = await world(); });
  after(async () => { await w?.close(); });

  it('answers a confident first message at once with articles; the team is not emailed while it waits', TEST, async () => {
    const v = await newVisitor(w.server);
    const m = await send(v.ws, 'how do I reset my password');
    const bot = await v.ws.nextMessage((f) => f.type === 'message' && f.message.sender === 'BOT', 20000);
    assert.equal(bot.message.conversationId, m.conversationId);
    assert.ok(Array.isArray(bot.message.articles) && bot.message.articles.length >= 1 && bot.message.articles.length <= 3);
    const [top] = bot.message.articles;
    assert.equal(top.title, 'How to reset your password');
    assert.match(top.url, /^\/help\/articles\/[a-z0-9-]+$/);
    const conv = await v.ws.nextMessage((f) => f.type === 'conversation' && f.conversation.bot === 'waiting');
    assert.equal(conv.conversation.status, 'OPEN');
    assert.equal(botState(w.databaseUrl, m.conversationId), 'waiting');
    assert.deepEqual(emails(w.databaseUrl, m.conversationId), [], 'emailed while the bot waits for the visitor');
    // The history (a reload) carries the articles too.
    v.ws.send({ type: 'sync', after: 0 });
    const page = await v.ws.nextMessage('messages');
    assert.deepEqual(page.messages.map((x) => x.sender), ['VISITOR', 'BOT']);
    assert.equal(page.messages[1].articles[0].title, top.title);
    v.ws.terminate();
  });

  it('stays quiet on an unrelated first message: the team gets it as today (offline email)', TEST, async () => {
    const v = await newVisitor(w.server);
    const m = await send(v.ws, 'zebra xylophone quantum marmalade');
    await waitFor(() => botState(w.databaseUrl, m.conversationId) === 'quiet', { deadline: 20000, what: 'the bot looked' });
    assert.equal(count(w.databaseUrl, `SELECT count(*) FROM message WHERE conversation_id = ${m.conversationId} AND sender = 'BOT'`), 0);
    assert.deepEqual(emails(w.databaseUrl, m.conversationId), ['support_new']);
    v.ws.terminate();
  });

  it('answers only the first message: writing again is "talk to a person", no second answer', TEST, async () => {
    const v = await newVisitor(w.server);
    const m = await send(v.ws, 'how do I reset my password');
    await v.ws.nextMessage((f) => f.type === 'message' && f.message.sender === 'BOT', 20000);
    await send(v.ws, 'reset password still does not work');
    await waitFor(() => botState(w.databaseUrl, m.conversationId) === 'handed', { deadline: 30000, what: 'the hand-off after writing again' });
    assert.equal(count(w.databaseUrl, `SELECT count(*) FROM message WHERE conversation_id = ${m.conversationId} AND sender = 'BOT'`), 1);
    assert.deepEqual(emails(w.databaseUrl, m.conversationId).sort(), ['support_followup', 'support_new']);
    v.ws.terminate();
  });

  it('"That answered my question" resolves the conversation as resolved by the bot', TEST, async () => {
    const v = await newVisitor(w.server);
    const m = await send(v.ws, 'refund');
    await v.ws.nextMessage((f) => f.type === 'message' && f.message.sender === 'BOT', 20000);
    const other = await identify(w.server);
    const stranger = await choose(w.server, other, m.conversationId, 'answered');
    assert.equal(stranger.status, 404, 'another visitor chose for this conversation');
    const bad = await choose(w.server, v, m.conversationId, 'maybe');
    assert.equal(bad.status, 400);
    const res = await choose(w.server, v, m.conversationId, 'answered');
    assert.equal(res.status, 200, res.text);
    assert.deepEqual(res.json().conversation, { id: m.conversationId, status: 'RESOLVED', bot: 'resolved' });
    await v.ws.nextMessage((f) => f.type === 'conversation' && f.conversation.status === 'RESOLVED');
    const again = await choose(w.server, v, m.conversationId, 'person');
    assert.equal(again.status, 200);
    assert.equal(again.json().changed, false, 'a second choice changed something');
    const shown = await request(`${w.server.url}/api/inbox/${m.conversationId}`, { headers: { Cookie: w.cookie } });
    assert.equal(shown.json().conversation.status, 'RESOLVED');
    assert.equal(shown.json().conversation.bot, 'resolved');
    assert.deepEqual(emails(w.databaseUrl, m.conversationId), [], 'a conversation the bot resolved was emailed');
    v.ws.terminate();
  });

  it('"Talk to a person" goes to the team: offline email now, and live to a connected agent', TEST, async () => {
    // Nobody online: the support email is enqueued when the visitor asks for a person.
    const v = await newVisitor(w.server);
    const m = await send(v.ws, 'how do I reset my password');
    await v.ws.nextMessage((f) => f.type === 'message' && f.message.sender === 'BOT', 20000);
    assert.deepEqual(emails(w.databaseUrl, m.conversationId), []);
    const res = await choose(w.server, v, m.conversationId, 'person');
    assert.equal(res.status, 200, res.text);
    assert.equal(res.json().conversation.bot, 'handed');
    assert.deepEqual(emails(w.databaseUrl, m.conversationId), ['support_new']);
    await w.standin.waitForAccepted(1, { deadline: 30000 });
    v.ws.terminate();

    // An agent online: no email, the conversation frame reaches the agent live.
    const agent = await connectWs(w.server.wsUrl, { headers: { Cookie: w.cookie }, origin: w.server.url });
    await agent.nextMessage('ready');
    const v2 = await newVisitor(w.server);
    const m2 = await send(v2.ws, 'how do I reset my password');
    const seen = await agent.nextMessage((f) => f.type === 'message' && f.message.sender === 'BOT' && f.message.conversationId === m2.conversationId, 20000);
    assert.ok(seen.message.articles.length >= 1);
    assert.equal((await choose(w.server, v2, m2.conversationId, 'person')).status, 200);
    const handed = await agent.nextMessage((f) => f.type === 'conversation' && f.conversation.id === m2.conversationId && f.conversation.bot === 'handed');
    assert.equal(handed.conversation.status, 'OPEN');
    assert.deepEqual(emails(w.databaseUrl, m2.conversationId), [], 'emailed although an agent is online');
    agent.terminate();
    v2.ws.terminate();
  });

  it('counts on /metrics and in the deflection report', TEST, async () => {
    const metrics = (await request(w.server.url + '/metrics')).text;
    const value = (name) => Number(new RegExp(`^${name} (\\S+)$`, 'm').exec(metrics)?.[1]);
    assert.ok(value('parley_bot_answers_total') >= 4, metrics.match(/parley_bot.*/g)?.join('\n'));
    assert.ok(value('parley_bot_no_answer_total') >= 1);
    assert.equal(value('parley_bot_resolved_total'), 1);
    assert.ok(value('parley_bot_handed_total') >= 2);

    const noSession = await request(w.server.url + '/api/reports/deflection');
    assert.equal(noSession.status, 401);
    const bad = await request(w.server.url + '/api/reports/deflection?days=0', { headers: { Cookie: w.cookie } });
    assert.equal(bad.status, 400);
    const res = await request(w.server.url + '/api/reports/deflection?days=7', { headers: { Cookie: w.cookie } });
    assert.equal(res.status, 200, res.text);
    const report = res.json();
    assert.equal(report.bot, 'on');
    assert.equal(report.days.length, 7);
    assert.equal(report.days[6].day, new Date().toISOString().slice(0, 10));
    assert.deepEqual(report.totals, { resolvedByBot: 1, handedToPerson: 3, noAnswer: 1 });
    assert.deepEqual(report.days[6], { day: report.days[6].day, ...report.totals });
  });

  // After the counts above (they are exact). The first looks of conversations begun together
  // are written several to a transaction (bot.hpp): each must still get its own outcome.
  it('conversations begun at once: each first message answered or handed over on its own, one support email each', TEST, async () => {
    const visitors = await Promise.all(Array.from({ length: 12 }, () => newVisitor(w.server)));
    const confident = (i) => i % 2 === 0;
    const sent = await Promise.all(visitors.map((v, i) =>
      send(v.ws, confident(i) ? 'how do I reset my password' : `zebra xylophone quantum marmalade ${id()}`)));
    const ids = sent.map((m) => m.conversationId);
    assert.equal(new Set(ids).size, visitors.length);
    await waitFor(() => ids.every((c, i) => botState(w.databaseUrl, c) === (confident(i) ? 'waiting' : 'quiet')),
      { deadline: 30000, what: 'the bot looked at every conversation' });
    for (const [i, c] of ids.entries()) {
      const answers = count(w.databaseUrl, `SELECT count(*) FROM message WHERE conversation_id = ${c} AND sender = 'BOT'`);
      assert.equal(answers, confident(i) ? 1 : 0, `conversation ${c}: ${answers} answers`);
      assert.deepEqual(emails(w.databaseUrl, c), confident(i) ? [] : ['support_new'], `conversation ${c}`);
    }
    // Each answer reached its own visitor live, with the choice buttons' state.
    await Promise.all(visitors.map(async (v, i) => {
      if (!confident(i)) return;
      const bot = await v.ws.nextMessage((f) => f.type === 'message' && f.message.sender === 'BOT', 20000);
      assert.equal(bot.message.conversationId, ids[i]);
      await v.ws.nextMessage((f) => f.type === 'conversation' && f.conversation.id === ids[i] && f.conversation.bot === 'waiting');
    }));
    for (const v of visitors) v.ws.terminate();
  });
});

describe('PARLEY_BOT=off', TEST, () => {
  it('no answer, no bot state, the offline email at once as before the bot', TEST, async () => {
    const w = await world({ PARLEY_BOT: 'off' });
    try {
      const v = await newVisitor(w.server);
      const m = await send(v.ws, 'how do I reset my password');
      assert.deepEqual(emails(w.databaseUrl, m.conversationId), ['support_new'], 'the email waits for a bot that is off');
      await v.ws.roundTrip();
      await new Promise((r) => setTimeout(r, 3000)); // the sweep's interval, twice over: still nothing
      assert.equal(botState(w.databaseUrl, m.conversationId), 'none');
      assert.equal(count(w.databaseUrl, `SELECT count(*) FROM message WHERE sender = 'BOT'`), 0);
      const res = await request(w.server.url + '/api/reports/deflection', { headers: { Cookie: w.cookie } });
      assert.equal(res.json().bot, 'off');
      // A conversation the bot held when the server was restarted with the bot off (made so
      // here in SQL) is not stuck: the sweep gives it to the team.
      query(w.databaseUrl, `UPDATE conversation SET bot_state = 'pending' WHERE id = ${m.conversationId};
                            UPDATE message SET created_at = now() - interval '1 minute' WHERE conversation_id = ${m.conversationId}`);
      await waitFor(() => botState(w.databaseUrl, m.conversationId) === 'quiet', { deadline: 30000, what: 'the sweep releasing it' });
      v.ws.terminate();
    } finally {
      await w.close();
    }
  });

  it('a bad setting is refused at start', TEST, async () => {
    for (const [k, v] of [['PARLEY_BOT', 'maybe'], ['PARLEY_BOT_THRESHOLD', '1.5'], ['PARLEY_BOT_THRESHOLD', 'x']]) {
      const r = await runParley(['serve'], { env: { [k]: v, DATABASE_URL: 'postgresql://127.0.0.1:1/none' } });
      assert.notEqual(r.code, 0, `${k}=${v} was accepted`);
      assert.match(r.stderr + r.stdout, new RegExp(k));
    }
  });
});
