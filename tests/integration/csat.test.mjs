// CSAT (docs/CSAT.md): who is asked on resolve (a person replied in this resolution cycle, once
// per cycle), the answer in the widget, the emailed link's page (valid, expired, replayed,
// forged; its token never in a log line), the report API and the /metrics gauges. Real binary,
// real PostgreSQL, the Resend stand-in on loopback. Waits are polled conditions, never timings.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { startParley, runParley } from '../support/parley.mjs';
import { createDatabase, query } from '../support/pg.mjs';
import { request, waitFor } from '../support/http.mjs';
import { connectWs } from '../support/ws.mjs';
import { startResendStandin } from '../support/resend-standin.mjs';

const PASSWORD = 'csat suite password';
const TEST = { timeout: 120000 };
const count = (url, sql) => Number(query(url, sql)[0][0]);
const id = () => randomBytes(4).toString('hex');

let standin, databaseUrl, server, ann, bob;

async function addAgent(email, name) {
  const r = await runParley(['agent', 'add', '--email', email, '--name', name], {
    input: `${PASSWORD}\n`,
    env: { DATABASE_URL: databaseUrl },
  });
  assert.equal(r.code, 0, r.stderr);
  const res = await request(server.url + '/api/auth/login', { method: 'POST', body: { email, password: PASSWORD } });
  assert.equal(res.status, 200, res.text);
  return { cookie: [].concat(res.headers['set-cookie'])[0].split(';')[0], id: res.json().agent.id };
}

function api(method, path, { cookie, body } = {}) {
  return request(server.url + path, { method, body, headers: cookie ? { Cookie: cookie } : {} });
}

/** A visitor (identified, with `body` such as an email) whose socket is open; `conversationId` after the first message. */
async function visitor(body = {}) {
  const res = await request(server.url + '/api/visitors/identify', { method: 'POST', body });
  assert.equal(res.status, 200, res.text);
  const v = res.json();
  v.ws = await connectWs(server.wsUrl + '?role=visitor');
  v.ws.send({ type: 'auth', visitorToken: v.visitorToken });
  await v.ws.nextMessage('ready');
  v.conversationId = (await say(v, 'Hello, I need help')).conversationId;
  return v;
}

async function say(v, text) {
  const clientId = `c-${id()}`;
  v.ws.send({ type: 'send', clientId, body: text });
  const reply = await v.ws.nextMessage((m) => m && (m.type === 'ack' || m.type === 'error') && m.clientId === clientId);
  assert.equal(reply.type, 'ack', JSON.stringify(reply));
  return reply.message;
}

async function agentReply(agent, conversationId, text = 'Happy to help') {
  const res = await api('POST', `/api/inbox/${conversationId}/reply`, { cookie: agent.cookie, body: { clientId: `a-${id()}`, body: text } });
  assert.equal(res.status, 201, res.text);
}

async function change(agent, conversationId, action, status = 200) {
  const res = await api('POST', `/api/inbox/${conversationId}/${action}`, { cookie: agent.cookie });
  assert.equal(res.status, status, `${action}: ${res.text}`);
  return res.json();
}

const surveys = (conversationId) =>
  query(databaseUrl, `SELECT cycle, array_to_string(agent_ids, ','), coalesce(rating, 0) FROM csat_survey
                      WHERE conversation_id = ${conversationId} ORDER BY cycle`).map(([cycle, agents, rating]) => ({
    cycle: Number(cycle),
    agents: agents ? agents.split(',').map(Number) : [],
    rating: Number(rating),
  }));

/** The server has handled every visitor socket's close (the hub no longer counts one). */
const visitorsGone = () =>
  waitFor(async () => /^parley_connections\{kind="visitor"\} 0$/m.test((await request(server.url + '/metrics')).text), {
    what: 'the visitor sockets to be gone',
  });

const csatEmails = () => standin.accepted.filter((a) => a.body.subject === 'How did we do?');

/** The link of the survey email to `to`, once the stand-in has it. */
async function linkTo(to) {
  const mail = await waitFor(() => csatEmails().find((a) => [].concat(a.body.to).includes(to)), { what: `survey email to ${to}` });
  const m = /Rate it here: (\S+)/.exec(mail.body.text);
  assert.ok(m, mail.body.text);
  assert.ok(mail.body.html.includes(m[1] + '?rating=5'), 'the HTML has a link per face');
  return m[1];
}

function form(url, fields) {
  return request(url, {
    method: 'POST',
    headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams(fields).toString(),
  });
}

before(async () => {
  standin = await startResendStandin();
  databaseUrl = createDatabase();
  server = await startParley({
    env: { DATABASE_URL: databaseUrl, RESEND_API_KEY: standin.apiKey, RESEND_API_URL: standin.url, PARLEY_SUPPORT_EMAIL: 'support@acme.test' },
  });
  ann = await addAgent('ann@acme.test', 'Ann');
  bob = await addAgent('bob@acme.test', 'Bob');
  assert.ok(Number.isInteger(ann.id) && Number.isInteger(bob.id), 'agent ids known');
});

after(async () => {
  await server?.kill();
  await standin?.close();
});

describe('CSAT eligibility: on resolve, once per resolution cycle, only after a person replied', TEST, () => {
  it('a conversation with no agent reply is not surveyed', TEST, async () => {
    const v = await visitor();
    await say(v, 'Anyone there?');
    const res = await change(ann, v.conversationId, 'resolve');
    assert.equal(res.conversation.csat, null);
    assert.deepEqual(surveys(v.conversationId), []);
    await v.ws.roundTrip();
    assert.ok(!v.ws.all.some((f) => f.type === 'csat'), 'the widget is not asked');
    await v.ws.close();
  });

  it('a conversation only the bot answered is not surveyed (BOT is not a person)', TEST, async () => {
    const v = await visitor();
    query(databaseUrl, `INSERT INTO message (conversation_id, sender, client_id, body)
                        VALUES (${v.conversationId}, 'BOT', 'bot-${id()}', 'Here is an article that may help')`);
    await change(ann, v.conversationId, 'resolve');
    assert.deepEqual(surveys(v.conversationId), []);
    await v.ws.close();
  });

  it('an agent reply → asked once; a second resolve in the cycle asks nothing; reopen + reply + resolve asks again', TEST, async () => {
    const v = await visitor();
    await agentReply(ann, v.conversationId);
    await agentReply(bob, v.conversationId, 'Adding a detail');
    const resolved = await change(ann, v.conversationId, 'resolve');
    assert.equal(resolved.conversation.csat?.rating, null, 'the answer carries the new survey');
    assert.equal(resolved.conversation.csat?.cycle, 1);
    assert.deepEqual(surveys(v.conversationId), [{ cycle: 1, agents: [ann.id, bob.id].sort((a, b) => a - b), rating: 0 }]);

    // The connected visitor's widget is asked, through the event log.
    const asked = await v.ws.nextMessage((f) => f && f.type === 'csat');
    assert.equal(asked.csat.conversationId, v.conversationId);
    assert.equal(asked.csat.rating, null);
    assert.equal(asked.csat.editable, true);
    assert.equal(asked.csat.agents, undefined, 'the visitor is not told which agents are rated');
    assert.equal(count(databaseUrl, `SELECT count(*) FROM email_outbox WHERE conversation_id = ${v.conversationId} AND kind = 'visitor_csat'`), 0);

    // A second resolve in the same cycle: refused by the state machine, and no second survey.
    await change(bob, v.conversationId, 'resolve', 409);
    assert.equal(surveys(v.conversationId).length, 1);

    // Reopen + resolve without a reply in the new cycle: not asked.
    await change(ann, v.conversationId, 'reopen');
    await change(ann, v.conversationId, 'resolve');
    assert.equal(surveys(v.conversationId).length, 1, 'the new cycle had no agent reply');

    // Reopen + reply + resolve: asked again, for the new cycle, with only that cycle's agent.
    await change(ann, v.conversationId, 'reopen');
    await agentReply(bob, v.conversationId, 'Back again');
    await change(bob, v.conversationId, 'resolve');
    assert.deepEqual(surveys(v.conversationId).map((s) => [s.cycle, s.agents]), [[1, [ann.id, bob.id].sort((a, b) => a - b)], [3, [bob.id]]]);
    await v.ws.close();
  });
});

describe('CSAT in the widget', TEST, () => {
  it('the visitor rates, changes the rating with a comment; bad input, others and late answers are refused', TEST, async () => {
    const v = await visitor();
    await agentReply(ann, v.conversationId);
    await change(ann, v.conversationId, 'resolve');
    await v.ws.nextMessage((f) => f && f.type === 'csat');

    v.ws.send({ type: 'csat', conversationId: v.conversationId, rating: 2 });
    let echo = await v.ws.nextMessage((f) => f && f.type === 'csat');
    assert.equal(echo.csat.rating, 2);
    v.ws.send({ type: 'csat', conversationId: v.conversationId, rating: 5, comment: 'Quick and kind' });
    echo = await v.ws.nextMessage((f) => f && f.type === 'csat');
    assert.deepEqual([echo.csat.rating, echo.csat.comment], [5, 'Quick and kind']);
    assert.equal(count(databaseUrl, `SELECT count(*) FROM csat_survey WHERE conversation_id = ${v.conversationId} AND rating = 5 AND rated_via = 'widget'`), 1);

    // The inbox's document carries it (thread and list badge).
    const doc = (await api('GET', `/api/inbox/${v.conversationId}`, { cookie: ann.cookie })).json().conversation;
    assert.deepEqual([doc.csat.rating, doc.csat.comment, doc.csat.agents], [5, 'Quick and kind', [ann.id]]);

    for (const [frame, code] of [
      [{ rating: 6 }, 'invalid_field'],
      [{ rating: 0 }, 'invalid_field'],
      [{ rating: '5' }, 'invalid_field'],
      [{ rating: 3, comment: 'x'.repeat(1001) }, 'invalid_field'],
    ]) {
      v.ws.send({ type: 'csat', conversationId: v.conversationId, ...frame });
      const err = await v.ws.nextMessage((f) => f && f.type === 'error');
      assert.equal(err.code, code, JSON.stringify(frame));
    }

    // Another visitor cannot answer this survey.
    const other = await visitor();
    other.ws.send({ type: 'csat', conversationId: v.conversationId, rating: 1 });
    assert.equal((await other.ws.nextMessage((f) => f && f.type === 'error')).code, 'not_found');
    await other.ws.close();

    // After 24 hours the rating can no longer be changed.
    query(databaseUrl, `UPDATE csat_survey SET asked_at = now() - interval '25 hours' WHERE conversation_id = ${v.conversationId}`);
    v.ws.send({ type: 'csat', conversationId: v.conversationId, rating: 1 });
    assert.equal((await v.ws.nextMessage((f) => f && f.type === 'error')).code, 'csat_closed');
    assert.equal(count(databaseUrl, `SELECT rating FROM csat_survey WHERE conversation_id = ${v.conversationId}`), 5);
    await v.ws.close();
  });
});

describe('CSAT by email: one email through the outbox, a link that works once for 7 days', TEST, () => {
  it('valid, replayed, forged and expired links; the token is never logged; the email is sent once', TEST, async () => {
    const email = `carol-${id()}@example.test`;
    const v = await visitor({ email });
    await agentReply(ann, v.conversationId);
    await v.ws.close();
    await visitorsGone();
    await change(ann, v.conversationId, 'resolve');
    // Enqueued in the resolve's transaction.
    assert.equal(count(databaseUrl, `SELECT count(*) FROM email_outbox WHERE conversation_id = ${v.conversationId} AND kind = 'visitor_csat'`), 1);
    const link = await linkTo(email);
    const token = link.split('/csat/')[1];
    assert.match(token, /^[A-Za-z0-9_-]{43}$/);
    assert.equal(count(databaseUrl, `SELECT count(*) FROM email_outbox WHERE html LIKE '%${token}%'`), 1, 'the only copy');
    assert.equal(count(databaseUrl, `SELECT count(*) FROM csat_survey WHERE token_hash = sha256('${token}'::bytea)`), 1, 'the survey keeps its hash');

    // GET shows the faces (a face link preselects), and records nothing.
    let page = await request(link + '?rating=4');
    assert.equal(page.status, 200);
    assert.match(page.headers['content-type'], /text\/html/);
    assert.match(page.text, /How did we do\?/);
    assert.match(page.text, /value="4" required checked/);
    assert.equal(page.headers['referrer-policy'], 'no-referrer');
    assert.match(page.headers['content-security-policy'], /default-src 'none'/);
    assert.equal(surveys(v.conversationId)[0].rating, 0);

    // POST without a rating: the form again with a clear message.
    page = await form(link, { comment: 'no face' });
    assert.equal(page.status, 400);
    assert.match(page.text, /choose one of the five faces/);

    page = await form(link, { rating: '4', comment: 'Good <b>work</b> & thanks' });
    assert.equal(page.status, 200);
    assert.match(page.text, /Thank you!/);
    const row = query(databaseUrl, `SELECT rating, comment, rated_via FROM csat_survey WHERE conversation_id = ${v.conversationId}`)[0];
    assert.deepEqual(row, ['4', 'Good <b>work</b> & thanks', 'email']);

    // Replayed: a clear page, not an error, and nothing changes.
    for (const replay of [() => request(link), () => form(link, { rating: '1' })]) {
      page = await replay();
      assert.equal(page.status, 200);
      assert.match(page.text, /Already answered/);
    }
    assert.equal(surveys(v.conversationId)[0].rating, 4);

    // Forged: a 404 page, whatever its shape.
    for (const forged of [`${server.url}/csat/${'A'.repeat(43)}`, `${server.url}/csat/short`, `${server.url}/csat/${token.slice(0, -1)}%2F`]) {
      page = await request(forged);
      assert.equal(page.status, 404, forged);
      assert.match(page.text, /Survey not found/);
      page = await form(forged, { rating: '5' });
      assert.equal(page.status, 404, forged);
    }

    // Expired: a second survey whose link is older than 7 days.
    const danEmail = `dan-${id()}@example.test`;
    const w = await visitor({ email: danEmail });
    await agentReply(bob, w.conversationId);
    await w.ws.close();
    await visitorsGone();
    await change(bob, w.conversationId, 'resolve');
    const old = await linkTo(danEmail);
    query(databaseUrl, `UPDATE csat_survey SET asked_at = now() - interval '8 days' WHERE conversation_id = ${w.conversationId}`);
    page = await request(old);
    assert.equal(page.status, 410);
    assert.match(page.text, /expired/);
    page = await form(old, { rating: '5' });
    assert.equal(page.status, 410);
    assert.equal(surveys(w.conversationId)[0].rating, 0);

    // Sent once each (the stand-in saw one request per survey email), and no token in the logs.
    await waitFor(() => count(databaseUrl, "SELECT count(*) FROM email_outbox WHERE kind = 'visitor_csat' AND status = 'sent'") === 2, {
      what: 'both survey emails recorded as sent',
    });
    assert.equal(csatEmails().length, 2);
    // The log is flushed in its own time: wait for the access lines of the expired link's requests.
    await waitFor(() => (server.logs().match(/POST \/csat\/\[redacted\] 410/g) || []).length >= 1, { what: 'the access log lines' });
    const logs = server.logs() + server.stdout();
    for (const t of [token, old.split('/csat/')[1]]) assert.ok(!logs.includes(t), 'a survey token was logged');
  });
});

describe('CSAT email without RESEND_API_KEY ("logged" emails)', TEST, () => {
  it('the survey email is recorded as logged and its body (the link) is withheld from the log', TEST, async () => {
    const db = createDatabase();
    const r = await runParley(['agent', 'add', '--email', 'eve@acme.test', '--name', 'Eve'], { input: `${PASSWORD}\n`, env: { DATABASE_URL: db } });
    assert.equal(r.code, 0, r.stderr);
    const quiet = await startParley({ env: { DATABASE_URL: db } });
    try {
      const login = await request(quiet.url + '/api/auth/login', { method: 'POST', body: { email: 'eve@acme.test', password: PASSWORD } });
      const cookie = [].concat(login.headers['set-cookie'])[0].split(';')[0];
      const v = (await request(quiet.url + '/api/visitors/identify', { method: 'POST', body: { email: 'fay@example.test' } })).json();
      const ws = await connectWs(quiet.wsUrl + '?role=visitor');
      ws.send({ type: 'auth', visitorToken: v.visitorToken });
      await ws.nextMessage('ready');
      ws.send({ type: 'send', clientId: 'c-1', body: 'Hello?' });
      const conversationId = (await ws.nextMessage('ack')).message.conversationId;
      const reply = await request(`${quiet.url}/api/inbox/${conversationId}/reply`, { method: 'POST', headers: { Cookie: cookie }, body: { clientId: 'a-1', body: 'Hi!' } });
      assert.equal(reply.status, 201, reply.text);
      await ws.close();
      await waitFor(async () => /^parley_connections\{kind="visitor"\} 0$/m.test((await request(quiet.url + '/metrics')).text), { what: 'the visitor socket to be gone' });
      const resolved = await request(`${quiet.url}/api/inbox/${conversationId}/resolve`, { method: 'POST', headers: { Cookie: cookie } });
      assert.equal(resolved.status, 200, resolved.text);
      await waitFor(() => count(db, "SELECT count(*) FROM email_outbox WHERE kind = 'visitor_csat' AND status = 'logged'") === 1, { what: 'the survey email logged' });
      const token = query(db, "SELECT substring(text_body from '/csat/([A-Za-z0-9_-]{43})') FROM email_outbox WHERE kind = 'visitor_csat'")[0][0];
      assert.match(token, /^[A-Za-z0-9_-]{43}$/);
      // The log is flushed in its own time: wait for the line itself.
      await waitFor(() => /kind=visitor_csat[^\n]*\n\(body withheld/.test(quiet.logs() + quiet.stdout()), { what: 'the "email not sent" line' });
      const logs = quiet.logs() + quiet.stdout();
      assert.ok(!logs.includes(token), 'the survey token was logged');
    } finally {
      await quiet.kill();
    }
  });
});

describe('CSAT report and metrics', TEST, () => {
  it('GET /api/reports/csat: score, counts, agents, ratings, filters; bad input is 400; a session is needed', TEST, async () => {
    const res = await api('GET', '/api/reports/csat', { cookie: ann.cookie });
    assert.equal(res.status, 200, res.text);
    const r = res.json();
    const rated = count(databaseUrl, "SELECT count(*) FROM csat_survey WHERE rating IS NOT NULL AND rated_at > now() - interval '30 days'");
    assert.ok(rated >= 2, 'the suites above rated at least two');
    assert.equal(r.total, rated);
    assert.equal(Object.values(r.counts).reduce((a, b) => a + b, 0), r.total);
    assert.deepEqual(Object.keys(r.counts), ['1', '2', '3', '4', '5']);
    const good = r.counts['4'] + r.counts['5'];
    assert.equal(r.score, Math.round((good / r.total) * 10000) / 10000);
    assert.equal(r.ratings.length, r.total);
    for (const x of r.ratings) {
      assert.ok(Number.isInteger(x.conversationId) && x.rating >= 1 && x.rating <= 5 && typeof x.at === 'string');
      assert.ok(Array.isArray(x.agents));
    }
    assert.ok(r.ratings.some((x) => x.comment === 'Quick and kind' && x.agents.some((a) => a.name === 'Ann')));
    const annRow = r.agents.find((a) => a.id === ann.id);
    assert.ok(annRow && annRow.total >= 2, JSON.stringify(r.agents));

    // Per agent: only the surveys of cycles Bob replied in.
    const onlyBob = (await api('GET', `/api/reports/csat?agentId=${bob.id}`, { cookie: ann.cookie })).json();
    assert.ok(onlyBob.ratings.every((x) => x.agents.some((a) => a.id === bob.id)));
    assert.ok(onlyBob.total < r.total);

    // A window in the past: nothing.
    const past = (await api('GET', '/api/reports/csat?from=2020-01-01&to=2020-02-01T00:00:00Z', { cookie: ann.cookie })).json();
    assert.deepEqual([past.total, past.score, past.ratings.length], [0, null, 0]);

    // Paged.
    const page = (await api('GET', '/api/reports/csat?limit=1', { cookie: ann.cookie })).json();
    assert.equal(page.ratings.length, 1);
    assert.equal(page.more, true);

    for (const bad of ['from=yesterday', 'to=2026-13-45', 'agentId=x', 'agentId=0', 'limit=-1']) {
      const e = await api('GET', `/api/reports/csat?${bad}`, { cookie: ann.cookie });
      assert.equal(e.status, 400, `${bad}: ${e.text}`);
      assert.equal(e.json().error.code, 'invalid_field');
    }
    assert.equal((await api('GET', '/api/reports/csat')).status, 401);
  });

  it('parley_csat_* on /metrics agree with the database', TEST, async () => {
    const res = await request(server.url + '/metrics');
    assert.equal(res.status, 200);
    const value = (name) => Number(new RegExp(`^${name.replace(/[{}]/g, '\\$&')} (\\S+)$`, 'm').exec(res.text)?.[1]);
    assert.equal(value('parley_csat_surveys_asked'), count(databaseUrl, 'SELECT count(*) FROM csat_survey'));
    for (let n = 1; n <= 5; n++) {
      assert.equal(value(`parley_csat_ratings{rating="${n}"}`), count(databaseUrl, `SELECT count(*) FROM csat_survey WHERE rating = ${n}`));
    }
    const score = value('parley_csat_score_30d');
    assert.ok(score > 0 && score <= 1, String(score));
    assert.match(res.text, /# TYPE parley_csat_ratings gauge/);
  });
});
