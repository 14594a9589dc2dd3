// Offline mode and email: the outbox, the worker and the Resend client, end to end against the
// real binary, a real PostgreSQL and a Resend stand-in on loopback (tests/support/resend-standin.mjs).
// Each test gets its own server and stand-in, so scripted answers never reach another test's email.
// Waits are polled conditions with generous deadlines; the only timing asserted is a lower bound
// (a retry-after is waited for).
import { describe, it, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { startParley, runParley } from '../support/parley.mjs';
import { createDatabase, query } from '../support/pg.mjs';
import { request, waitFor } from '../support/http.mjs';
import { connectWs } from '../support/ws.mjs';
import { startResendStandin } from '../support/resend-standin.mjs';
import { login as signIn } from '../support/agents.mjs';

const SUPPORT = 'support@acme.test';
const BATCH_SECONDS = 2;
const PASSWORD = 'correct horse battery staple';
const TEST = { timeout: 180000 };

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const rows = (url, sql) => query(url, sql);
const count = (url, sql) => Number(query(url, sql)[0][0]);
const id = () => randomBytes(4).toString('hex');

let cleanups = [];
afterEach(async () => {
  for (const fn of cleanups.reverse()) {
    try {
      await fn();
    } catch {
      /* best effort */
    }
  }
  cleanups = [];
});

/** A stand-in, a database (with agents), and a server that sends through the stand-in. */
async function setup({ agents = [], env = {}, withKey = true } = {}) {
  const standin = await startResendStandin();
  cleanups.push(() => standin.close());
  const databaseUrl = createDatabase();
  for (const a of agents) {
    const r = await runParley(['agent', 'add', '--email', a.email, '--name', a.name], {
      input: `${PASSWORD}\n`,
      env: { DATABASE_URL: databaseUrl },
    });
    assert.equal(r.code, 0, r.stderr);
  }
  const serverEnv = {
    DATABASE_URL: databaseUrl,
    PARLEY_SUPPORT_EMAIL: SUPPORT,
    PARLEY_MAIL_FROM: 'Acme Support <help@acme.test>',
    PARLEY_EMAIL_BATCH_SECONDS: BATCH_SECONDS,
    // Emails in the message's own transaction, as asserted below, are the bot-off behaviour: with
    // the FAQ bot on, a first message's emails wait for its look (tests/integration/bot.test.mjs).
    PARLEY_BOT: 'off',
    ...(withKey ? { RESEND_API_KEY: standin.apiKey, RESEND_API_URL: standin.url } : {}),
    ...env,
  };
  const ctx = { standin, databaseUrl, serverEnv, server: null };
  ctx.start = async () => {
    ctx.server = await startParley({ env: serverEnv });
    const s = ctx.server;
    cleanups.push(() => s.kill());
    return s;
  };
  await ctx.start();
  return ctx;
}

async function visitor(server, body = {}) {
  const res = await request(server.url + '/api/visitors/identify', { method: 'POST', body });
  assert.equal(res.status, 200, res.text);
  const v = res.json();
  const ws = await connectWs(server.wsUrl + '?role=visitor');
  ws.send({ type: 'auth', visitorToken: v.visitorToken });
  v.ready = await ws.nextMessage('ready');
  v.ws = ws;
  return v;
}

async function send(ws, text, page = 'https://shop.acme.test/pricing') {
  const clientId = `c-${id()}`;
  ws.send({ type: 'send', clientId, body: text, page });
  const reply = await ws.nextMessage((m) => m && (m.type === 'ack' || m.type === 'error') && m.clientId === clientId);
  assert.equal(reply.type, 'ack', JSON.stringify(reply));
  return reply.message;
}

const login = async (server, email) => (await signIn(server, email, PASSWORD)).cookie;

function outbox(url, conversationId) {
  return rows(url, `SELECT id, kind, status, attempts, coalesce(last_error, ''), idempotency_key, to_address
                    FROM email_outbox WHERE conversation_id = ${Number(conversationId)} ORDER BY id`).map(
    ([rid, kind, status, attempts, lastError, key, to]) => ({ id: Number(rid), kind, status, attempts: Number(attempts), lastError, key, to }),
  );
}

const waitStatus = (url, emailId, status, deadline = 60000) =>
  waitFor(() => count(url, `SELECT count(*) FROM email_outbox WHERE id = ${emailId} AND status = '${status}'`) === 1, {
    deadline,
    what: `email ${emailId} ${status}`,
  });

describe('offline mode: emails when nobody is available', TEST, () => {
  it('no agent online, a visitor writes → one support email and one acknowledgement, <script> escaped', TEST, async () => {
    const { server, standin, databaseUrl } = await setup();
    const v = await visitor(server, { name: '<script>alert("name")</script>', email: 'ann@acme.test' });
    assert.equal(v.ready.teamAvailable, false, 'nobody is connected: the team is away');
    const m = await send(v.ws, 'Help! <script>alert("body")</script> & thanks');

    // Written in the message's own transaction: present as soon as the message is acknowledged.
    const rowsNow = outbox(databaseUrl, m.conversationId);
    assert.deepEqual(rowsNow.map((r) => r.kind).sort(), ['support_new', 'visitor_ack']);

    await standin.waitForAccepted(2);
    await sleep((BATCH_SECONDS + 2) * 1000); // nothing else follows
    assert.equal(standin.accepted.length, 2, JSON.stringify(standin.accepted.map((a) => a.body.subject)));

    const [support] = standin.acceptedTo(SUPPORT);
    assert.ok(support, 'no email to the support address');
    assert.equal(support.body.from, 'Acme Support <help@acme.test>');
    assert.match(support.headers['user-agent'], /^parley\//);
    assert.ok(support.headers['idempotency-key'], 'no Idempotency-Key');
    assert.ok(!/<script/i.test(support.body.html), 'a raw <script> reached the HTML');
    assert.ok(support.body.html.includes('&lt;script&gt;alert(&quot;name&quot;)&lt;/script&gt;'), 'the name is not shown escaped');
    assert.ok(support.body.html.includes('Help! &lt;script&gt;alert(&quot;body&quot;)&lt;/script&gt; &amp; thanks'));
    assert.ok(support.body.html.includes('https://shop.acme.test/pricing'), 'the page is missing');
    assert.ok(support.body.html.includes(`/inbox#/open/${m.conversationId}`), 'no link to the inbox');
    assert.ok(support.body.text.includes('Help! <script>alert("body")</script> & thanks'), 'the text part lacks the message');
    assert.ok(support.body.text.includes(`/inbox#/open/${m.conversationId}`));

    const [ack] = standin.acceptedTo('ann@acme.test');
    assert.ok(ack, 'no acknowledgement to the visitor');
    assert.ok(ack.body.text.length > 0, 'no text part');
    assert.ok(!/<script/i.test(ack.body.html));
    assert.ok(!ack.body.html.includes('/inbox'), 'a visitor email links to the inbox');

    const statuses = outbox(databaseUrl, m.conversationId).map((r) => r.status);
    assert.deepEqual(statuses, ['sent', 'sent']);
    v.ws.terminate();
  });

  it('ten quick messages → one email plus one batched follow-up, not ten', TEST, async () => {
    const { server, standin, databaseUrl } = await setup();
    const v = await visitor(server);
    const texts = Array.from({ length: 10 }, (_, i) => `msg-${String(i + 1).padStart(2, '0')}`);
    const clientIds = texts.map(() => `c-${id()}`);
    texts.forEach((body, i) => v.ws.send({ type: 'send', clientId: clientIds[i], body, page: 'https://shop.acme.test/' }));
    let conversationId;
    for (const clientId of clientIds) {
      const ack = await v.ws.nextMessage({ type: 'ack', clientId });
      conversationId = ack.message.conversationId;
    }
    await standin.waitForAccepted(2, { deadline: 30000 });
    await sleep((BATCH_SECONDS + 2) * 1000);
    const support = standin.acceptedTo(SUPPORT);
    assert.equal(support.length, 2, support.map((s) => s.body.subject).join(' | '));
    assert.equal(standin.accepted.length, 2, 'no visitor email without an address');
    const [first, batch] = support;
    assert.match(first.body.subject, /New conversation/);
    assert.ok(first.body.text.includes('msg-01'));
    assert.match(batch.body.subject, /New messages/);
    for (const t of texts.slice(1)) assert.ok(batch.body.text.includes(t), `${t} is not in the follow-up`);
    assert.ok(!batch.body.text.includes('msg-01'), 'the follow-up repeats the first message');
    assert.deepEqual(outbox(databaseUrl, conversationId).map((r) => r.kind), ['support_new', 'support_followup']);
    v.ws.terminate();
  });

  it('messages spread over a pending follow-up → each in exactly one support email; after it went out, the next starts another', TEST, async () => {
    // While a conversation's follow-up is pending, the writer skips the enqueue statement for its
    // visitor messages (mail/pending_followups.hpp): they must still all reach the support address,
    // each once, by the follow-up's rendering.
    const { server, standin, databaseUrl } = await setup();
    const v = await visitor(server);
    const first = await send(v.ws, 'spread-01'); // the "new conversation" email
    const early = ['spread-02', 'spread-03', 'spread-04', 'spread-05'];
    for (const t of early) await send(v.ws, t); // each its own batch: 02 writes the follow-up, the rest join it
    await waitFor(() => standin.acceptedTo(SUPPORT).length === 2, { deadline: 30000, what: 'the first follow-up' });
    await send(v.ws, 'spread-06'); // the follow-up went out: this one needs another
    await waitFor(() => standin.acceptedTo(SUPPORT).length === 3, { deadline: 30000, what: 'the second follow-up' });
    const support = standin.acceptedTo(SUPPORT);
    assert.match(support[0].body.subject, /New conversation/);
    for (const t of ['spread-01', ...early, 'spread-06']) {
      const holding = support.filter((e) => e.body.text.includes(t)).length;
      assert.equal(holding, 1, `${t} is in ${holding} support emails: ${support.map((e) => e.body.text).join('\n---\n')}`);
    }
    assert.ok(support[2].body.text.includes('spread-06'), 'the last message is not in the last follow-up');
    const kinds = outbox(databaseUrl, first.conversationId).map((r) => r.kind);
    assert.deepEqual(kinds, ['support_new', 'support_followup', 'support_followup']);
    v.ws.terminate();
  });

  it('an address given after writing → one late acknowledgement; none when an agent answered first', TEST, async () => {
    const { server, standin, databaseUrl } = await setup({ agents: [{ email: 'bo@acme.test', name: 'Bo' }] });
    const cookie = await login(server, 'bo@acme.test'); // a session, no socket: nobody is available
    const ann = await visitor(server);
    const cal = await visitor(server);
    const a = await send(ann.ws, 'Ann writes before giving an address');
    const c = await send(cal.ws, 'Cal writes before giving an address');
    assert.deepEqual(outbox(databaseUrl, a.conversationId).map((r) => r.kind), ['support_new'], 'no address yet: no acknowledgement');
    const res = await request(`${server.url}/api/inbox/${c.conversationId}/reply`, {
      method: 'POST', headers: { Cookie: cookie }, body: { clientId: `a-${id()}`, body: 'Bo answers Cal' },
    });
    assert.equal(res.status, 201, res.text);
    // Cal's address first: the sweep that acknowledges Ann (given after) has seen Cal's too.
    cal.ws.send({ type: 'email', email: 'cal@acme.test' });
    await cal.ws.nextMessage('visitor');
    ann.ws.send({ type: 'email', email: 'ann@acme.test' });
    await ann.ws.nextMessage('visitor');
    await waitFor(() => outbox(databaseUrl, a.conversationId).some((r) => r.kind === 'visitor_ack'), {
      deadline: 30000, what: "Ann's late acknowledgement",
    });
    assert.deepEqual(outbox(databaseUrl, c.conversationId).map((r) => r.kind), ['support_new'], 'Cal was answered: no acknowledgement');
    await standin.waitForAccepted(3, { deadline: 30000 }); // two support emails and Ann's acknowledgement
    const [ack] = standin.acceptedTo('ann@acme.test');
    assert.ok(ack.body.text.includes('Ann writes before giving an address'), ack.body.text);
    await send(ann.ws, 'Ann writes again');
    assert.equal(outbox(databaseUrl, a.conversationId).filter((r) => r.kind === 'visitor_ack').length, 1, 'acknowledged twice');
    assert.equal(standin.acceptedTo('cal@acme.test').length, 0);
    ann.ws.terminate();
    cal.ws.terminate();
  });

  it('an agent online → no email', TEST, async () => {
    const { server, standin, databaseUrl } = await setup({ agents: [{ email: 'bo@acme.test', name: 'Bo' }] });
    const cookie = await login(server, 'bo@acme.test');
    const agent = await connectWs(server.wsUrl, { headers: { Cookie: cookie }, origin: server.url });
    await agent.nextMessage('ready');
    const v = await visitor(server, { email: 'ann@acme.test' });
    assert.equal(v.ready.teamAvailable, true);
    const m = await send(v.ws, 'Anyone there?');
    assert.equal(outbox(databaseUrl, m.conversationId).length, 0, 'an email was enqueued while an agent was online');
    await sleep(2000);
    assert.equal(standin.requests.length, 0);
    v.ws.terminate();
    agent.terminate();
  });

  it('without RESEND_API_KEY the email goes to the log and is marked logged', TEST, async () => {
    const { server, standin, databaseUrl } = await setup({ withKey: false });
    const v = await visitor(server);
    const m = await send(v.ws, 'Logged, not sent');
    const [row] = outbox(databaseUrl, m.conversationId);
    await waitStatus(databaseUrl, row.id, 'logged');
    await waitFor(() => /email not sent \(no RESEND_API_KEY\)/.test(server.logs()), { deadline: 10000, what: "the log line" });
    assert.ok(server.logs().includes(`to=${SUPPORT}`));
    assert.ok(server.logs().includes('Logged, not sent'), 'the text part is not in the log');
    assert.equal(standin.requests.length, 0);
    v.ws.terminate();
  });
});

describe('right after a start: agents have not reconnected yet', TEST, () => {
  // The grace is long enough for an agent to connect in between, short enough to wait out.
  const GRACE = 10;

  it('a visitor writes in the grace, an agent connects before it ends → the emails are skipped, not sent', TEST, async () => {
    const { server, standin, databaseUrl } = await setup({
      agents: [{ email: 'bo@acme.test', name: 'Bo' }],
      env: { PARLEY_PRESENCE_GRACE_SECONDS: GRACE },
    });
    const v = await visitor(server, { email: 'ann@acme.test' });
    assert.equal(v.ready.teamAvailable, false, 'nobody is connected yet');
    const m = await send(v.ws, 'Are you back?');
    const written = rows(databaseUrl, `SELECT kind, unless_team_returns, due_at > now() FROM email_outbox
                                       WHERE conversation_id = ${m.conversationId} ORDER BY kind`);
    assert.deepEqual(written, [['support_new', 't', 't'], ['visitor_ack', 't', 't']], 'not held for the grace');

    const cookie = await login(server, 'bo@acme.test');
    const agent = await connectWs(server.wsUrl, { headers: { Cookie: cookie }, origin: server.url });
    await agent.nextMessage('ready');
    for (const row of outbox(databaseUrl, m.conversationId)) await waitStatus(databaseUrl, row.id, 'skipped', 30000);
    assert.deepEqual(outbox(databaseUrl, m.conversationId).map((r) => r.lastError), [
      'an agent was available again before it was due',
      'an agent was available again before it was due',
    ]);
    assert.equal(standin.requests.length, 0, 'an email reached Resend although an agent came back');
    v.ws.terminate();
    agent.terminate();
  });

  it('nobody comes back within the grace → the emails go out when it ends', TEST, async () => {
    const { server, standin, databaseUrl } = await setup({ env: { PARLEY_PRESENCE_GRACE_SECONDS: GRACE } });
    const v = await visitor(server, { email: 'ann@acme.test' });
    const m = await send(v.ws, 'Anyone?');
    await standin.waitForAccepted(2, { deadline: 60000 });
    assert.deepEqual(outbox(databaseUrl, m.conversationId).map((r) => r.status), ['sent', 'sent']);
    const [due] = rows(databaseUrl, `SELECT bool_and(sent_at >= created_at + interval '${GRACE - 1} seconds')
                                     FROM email_outbox WHERE conversation_id = ${m.conversationId}`);
    assert.equal(due[0], 't', 'sent before the grace ended');
    v.ws.terminate();
  });

  it('after the grace, "nobody available" is decided at once again', TEST, async () => {
    const { server, databaseUrl } = await setup({ env: { PARLEY_PRESENCE_GRACE_SECONDS: 1 } });
    await sleep(1500);
    const v = await visitor(server);
    const m = await send(v.ws, 'Later');
    const [row] = rows(databaseUrl, `SELECT unless_team_returns FROM email_outbox WHERE conversation_id = ${m.conversationId}`);
    assert.equal(row[0], 'f');
    v.ws.terminate();
  });
});

describe('the Resend client: retries, time-outs and failures', TEST, () => {
  it('429 with retry-after, then 200 → sent once, after the wait', TEST, async () => {
    const { server, standin, databaseUrl } = await setup();
    standin.script([{ status: 429, retryAfter: 2 }]);
    const v = await visitor(server);
    const m = await send(v.ws, 'rate limited');
    const [row] = outbox(databaseUrl, m.conversationId);
    await waitStatus(databaseUrl, row.id, 'sent');
    const tries = standin.requestsFor(row.key);
    assert.deepEqual(tries.map((t) => t.answer), [429, 200]);
    assert.ok(tries[1].at - tries[0].at >= 1900, `retried after ${tries[1].at - tries[0].at} ms, before retry-after`);
    assert.equal(standin.accepted.length, 1);
    v.ws.terminate();
  });

  it('500 three times, then 200 → sent once, with backoff', TEST, async () => {
    const { server, standin, databaseUrl } = await setup();
    standin.script([{ status: 500 }, { status: 500 }, { status: 500 }]);
    const v = await visitor(server);
    const m = await send(v.ws, 'server errors');
    const [row] = outbox(databaseUrl, m.conversationId);
    await waitStatus(databaseUrl, row.id, 'sent', 90000);
    assert.deepEqual(standin.requestsFor(row.key).map((t) => t.answer), [500, 500, 500, 200]);
    assert.equal(standin.accepted.length, 1);
    assert.equal(outbox(databaseUrl, m.conversationId)[0].attempts, 4);
    v.ws.terminate();
  });

  it('a hang → time-out and retry, sent once', TEST, async () => {
    const { server, standin, databaseUrl } = await setup();
    standin.hang();
    const v = await visitor(server);
    const m = await send(v.ws, 'slow provider');
    const [row] = outbox(databaseUrl, m.conversationId);
    await waitStatus(databaseUrl, row.id, 'sent', 90000);
    assert.deepEqual(standin.requestsFor(row.key).map((t) => t.answer), ['hang', 200]);
    assert.equal(standin.accepted.length, 1);
    await waitFor(() => /timed out/i.test(server.logs()), { deadline: 10000, what: "the time-out in the log" });
    v.ws.terminate();
  });

  it('422 → failed, not retried, the reason visible in the inbox API', TEST, async () => {
    const { server, standin, databaseUrl } = await setup({ agents: [{ email: 'bo@acme.test', name: 'Bo' }] });
    standin.script([{ status: 422, name: 'validation_error', message: 'Invalid `to` field. The email address needs to follow the `email@example.com` format.' }]);
    const v = await visitor(server);
    const m = await send(v.ws, 'bad address');
    const [row] = outbox(databaseUrl, m.conversationId);
    await waitStatus(databaseUrl, row.id, 'failed');
    await sleep(3000);
    assert.equal(standin.requestsFor(row.key).length, 1, 'a validation error was retried');
    assert.equal(standin.accepted.length, 0);

    const cookie = await login(server, 'bo@acme.test'); // a REST session: not connected, still away
    const res = await request(`${server.url}/api/inbox/${m.conversationId}`, { headers: { Cookie: cookie } });
    assert.equal(res.status, 200, res.text);
    const emails = res.json().emails;
    assert.ok(Array.isArray(emails), `no emails in ${res.text}`);
    const shown = emails.find((e) => e.id === row.id);
    assert.equal(shown.status, 'failed');
    assert.equal(shown.kind, 'support_new');
    assert.equal(shown.to, SUPPORT);
    assert.equal(shown.attempts, 1);
    assert.match(shown.lastError, /422 validation_error: Invalid `to` field/);
    await waitFor(() => /failed for good.*Invalid `to` field/.test(server.logs()), { deadline: 10000, what: "the reason in the log" });
    v.ws.terminate();
  });

  it('SIGKILL after claiming and before recording → delivered after restart, received once', TEST, async () => {
    const ctx = await setup();
    const { standin, databaseUrl } = ctx;
    standin.script([{ acceptThenHang: true }]); // Resend sends it, the answer never arrives
    const v = await visitor(ctx.server);
    const m = await send(v.ws, 'survive a crash');
    v.ws.terminate();
    const [row] = outbox(databaseUrl, m.conversationId);
    await standin.waitForRequests(1);
    await ctx.server.kill();
    assert.equal(outbox(databaseUrl, m.conversationId)[0].status, 'sending', 'claimed, not recorded');

    await ctx.start(); // the same database: the lease runs out and the new process takes over
    await waitStatus(databaseUrl, row.id, 'sent', 90000);
    const tries = standin.requestsFor(row.key);
    assert.equal(tries.length, 2);
    assert.equal(tries[1].replayed, true, 'the retry was not answered from the idempotency record');
    assert.equal(tries[0].raw, tries[1].raw, 'the retry did not send the same body');
    assert.equal(standin.accepted.length, 1, 'the stand-in sent it twice');
  });
});

describe('email continuity: agent replies to a visitor who is gone', TEST, () => {
  it('an agent replies while the visitor is not connected → the visitor gets the reply by email', TEST, async () => {
    const { server, standin, databaseUrl } = await setup({ agents: [{ email: 'bo@acme.test', name: 'Bo' }] });
    const v = await visitor(server, { name: 'Ann', email: 'ann@acme.test' });
    const m = await send(v.ws, 'My export is broken', 'https://shop.acme.test/export');
    const cookie = await login(server, 'bo@acme.test');

    // Still connected: no reply email.
    let res = await request(`${server.url}/api/inbox/${m.conversationId}/reply`, {
      method: 'POST', headers: { Cookie: cookie }, body: { clientId: `a-${id()}`, body: 'Looking now' },
    });
    assert.equal(res.status, 201, res.text);
    assert.equal(outbox(databaseUrl, m.conversationId).filter((r) => r.kind === 'visitor_reply').length, 0);

    await v.ws.close();
    await sleep(500); // the server has seen the close by now
    res = await request(`${server.url}/api/inbox/${m.conversationId}/reply`, {
      method: 'POST', headers: { Cookie: cookie }, body: { clientId: `a-${id()}`, body: 'Fixed <b>now</b> & then' },
    });
    assert.equal(res.status, 201, res.text);
    res = await request(`${server.url}/api/inbox/${m.conversationId}/reply`, {
      method: 'POST', headers: { Cookie: cookie }, body: { clientId: `a-${id()}`, body: 'Second reply' },
    });
    assert.equal(res.status, 201, res.text);
    const replies = outbox(databaseUrl, m.conversationId).filter((r) => r.kind === 'visitor_reply');
    assert.equal(replies.length, 1, 'two replies in the window make one email');

    await waitStatus(databaseUrl, replies[0].id, 'sent');
    const toAnn = standin.acceptedTo('ann@acme.test').filter((a) => /replied/.test(a.body.subject));
    assert.equal(toAnn.length, 1);
    const email = toAnn[0].body;
    assert.match(email.subject, /Bo replied/);
    assert.ok(email.text.includes('Fixed <b>now</b> & then') && email.text.includes('Second reply'), email.text);
    assert.ok(!email.text.includes('Looking now'), 'the reply seen live is emailed too');
    assert.ok(email.html.includes('Fixed &lt;b&gt;now&lt;/b&gt; &amp; then'));
    assert.ok(email.html.includes('href="https://shop.acme.test/export"'), 'no link back to the chat');
    assert.ok(!/token/i.test(email.html), 'a token in the email');
  });
});
