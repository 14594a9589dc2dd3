// Business hours across processes (docs/OPERATIONS.md, Business hours): two Parley processes on
// one database; hours written through A apply at once on B (NOTIFY), whose visitor hears it in
// a `presence` frame; a visitor writing while closed gets exactly one away reply for the closed
// period, also after B restarts; and the support email is marked out of hours.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startParley, restartParley, runParley } from '../support/parley.mjs';
import { createDatabase, query } from '../support/pg.mjs';
import { request, waitFor } from '../support/http.mjs';
import { identify, visitorSocket } from '../support/visitor.mjs';

const PASSWORD = 'hours-integration-pw';
// Open only on the UTC weekday two days ahead, 09:00–17:00: closed now, whatever the time.
const ahead = new Date(Date.now() + 2 * 86400000);
const DAY = ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'][ahead.getUTCDay()];
const OPENING = Date.UTC(ahead.getUTCFullYear(), ahead.getUTCMonth(), ahead.getUTCDate(), 9) / 1000;

describe('business hours across processes', { timeout: 180000 }, () => {
  let db, A, B, cookie;

  before(async () => {
    db = createDatabase();
    A = await startParley({ env: { DATABASE_URL: db, PARLEY_SUPPORT_EMAIL: 'support@acme.test' } });
    B = await startParley({ env: { DATABASE_URL: db, PARLEY_SUPPORT_EMAIL: 'support@acme.test' } });
    const r = await runParley(['agent', 'add', '--email', 'ada@acme.test', '--name', 'Ada', '--role', 'admin'],
      { input: `${PASSWORD}\n`, env: { DATABASE_URL: db } });
    assert.equal(r.code, 0, r.stderr);
    const login = await request(A.url + '/api/auth/login', { method: 'POST', body: { email: 'ada@acme.test', password: PASSWORD } });
    assert.equal(login.status, 200, login.text);
    cookie = [].concat(login.headers['set-cookie'])[0].split(';')[0];
  });
  after(async () => {
    await A?.stop();
    await B?.stop();
  });

  const api = (server, method, body) => request(server.url + '/api/hours', { method, headers: { Cookie: cookie }, body });

  it('hours written on A apply on B at once; B\'s visitor hears it; one away reply per closed period, restarts included', async () => {
    const { visitorToken } = await identify(B);
    let ws = await visitorSocket(B, visitorToken);
    assert.equal(ws.ready.hours, undefined, 'no hours: the frame is as before');

    const put = await api(A, 'PUT', { zone: 'UTC', week: { [DAY]: [{ start: 540, end: 1020 }] } });
    assert.equal(put.status, 200, put.text);
    const presence = await ws.nextMessage((m) => m.type === 'presence' && m.hours, 20000);
    assert.equal(presence.teamAvailable, false);
    assert.deepEqual(presence.hours, { open: false, nextOpening: new Date(OPENING * 1000).toISOString().replace('.000', ''), reply: null });
    const onB = (await api(B, 'GET')).json();
    assert.equal(onB.hours.zone, 'UTC');
    assert.equal(onB.state.open, false);

    ws.send({ type: 'send', clientId: 'v1', body: 'Closed?' });
    await ws.nextMessage((m) => m.type === 'ack' && m.clientId === 'v1', 20000);
    const away = await ws.nextMessage((m) => m.type === 'message' && m.message.sender === 'BOT', 20000);
    assert.equal(away.message.clientId, `hours-away-${OPENING}`);
    await ws.close();

    B = await restartParley(B);
    ws = await visitorSocket(B, visitorToken);
    assert.equal(ws.ready.hours.open, false, 'read from the database at start');
    ws.send({ type: 'send', clientId: 'v2', body: 'Still closed?' });
    await ws.nextMessage((m) => m.type === 'ack' && m.clientId === 'v2', 20000);
    const conv = ws.ready.conversation.id;
    await waitFor(() => query(db, `SELECT count(*) FROM message WHERE conversation_id = ${conv} AND body = 'Still closed?'`)[0][0] === '1',
      { deadline: 20000, what: 'the second message stored' });
    assert.deepEqual(query(db, `SELECT client_id FROM message WHERE conversation_id = ${conv} AND sender = 'BOT'`),
      [[`hours-away-${OPENING}`]], 'one away reply for the closed period');
    assert.deepEqual(query(db, `SELECT out_of_hours FROM email_outbox WHERE conversation_id = ${conv} AND kind = 'support_new'`), [['t']]);
    await ws.close();

    assert.equal((await api(A, 'DELETE')).status, 200);
    await waitFor(async () => (await api(B, 'GET')).json().hours === null, { deadline: 20000, what: 'B back to always open' });
  });
});
