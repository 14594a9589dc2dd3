// A client that stops reading must not make the server buffer without end, nor take it down:
// its socket is cut ("client too slow", counted in /metrics), everyone else carries on, and
// the client catches up by cursor once it reconnects. (A server crash on this path was found
// by the relay benchmark; this keeps it found.)
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startParley, runParley } from '../support/parley.mjs';
import { createDatabase, query } from '../support/pg.mjs';
import { request } from '../support/http.mjs';
import { connectWs } from '../support/ws.mjs';

const VISITORS = 30;
const PER_VISITOR = 50;
const MESSAGES = VISITORS * PER_VISITOR;
const BODY = 'x'.repeat(6000); // 1,500 × 6 KB: far past the 1 MiB send queue and the kernel's buffers

describe('a client too slow to read', () => {
  let db;
  let server;
  before(async () => {
    db = createDatabase();
    const r = await runParley(['agent', 'add', '--email', 'slow@team.io', '--name', 'Slow'], {
      input: 'password-1\n',
      env: { DATABASE_URL: db },
    });
    assert.equal(r.code, 0, r.stderr);
    server = await startParley({ env: { DATABASE_URL: db } });
  });
  after(async () => {
    await server?.stop();
  });

  it('is cut, the server keeps serving, and nothing is lost for the others', async () => {
    const login = await request(server.url + '/api/auth/login', {
      method: 'POST',
      body: { email: 'slow@team.io', password: 'password-1' },
    });
    const cookie = [].concat(login.headers['set-cookie'])[0].split(';')[0];
    const wsUrl = server.url.replace('http', 'ws') + '/ws';
    const slow = await connectWs(wsUrl, { headers: { Cookie: cookie }, origin: server.url });
    await slow.nextMessage('ready');
    slow.sock._socket.pause(); // stop reading: the kernel buffers fill, then the server's queue

    // Many visitors, each well within the per-socket message rate, together far more than
    // the slow agent's send queue may hold.
    const visitors = [];
    for (let v = 0; v < VISITORS; v++) {
      const identity = (await request(server.url + '/api/visitors/identify', { method: 'POST', body: {} })).json();
      const visitor = await connectWs(wsUrl + '?role=visitor');
      visitor.send({ type: 'auth', visitorToken: identity.visitorToken });
      await visitor.nextMessage('ready');
      visitors.push(visitor);
    }
    await Promise.all(
      visitors.map(async (visitor, v) => {
        for (let i = 0; i < PER_VISITOR; i++) visitor.send({ type: 'send', clientId: `slow-${v}-${i}`, body: `${i} ${BODY}` });
        for (let i = 0; i < PER_VISITOR; i++) await visitor.nextMessage('ack', 60000);
      }),
    );

    slow.sock._socket.resume();
    const closed = await Promise.race([
      slow.closed,
      new Promise((_, reject) => setTimeout(() => reject(new Error('the slow socket was never cut')), 60000)),
    ]);
    assert.notEqual(closed.code, 1000, 'cut, not closed politely');

    assert.equal((await request(server.url + '/healthz')).status, 200);
    assert.equal(Number(query(db, 'SELECT count(*) FROM message')[0][0]), MESSAGES);
    const metrics = (await request(server.url + '/metrics')).text;
    assert.match(metrics, /parley_websocket_closes_total\{reason="too_slow"\} [1-9]/);

    // Back again, the agent catches up by cursor: every message, once.
    const again = await connectWs(wsUrl, { headers: { Cookie: cookie }, origin: server.url });
    await again.nextMessage('ready');
    const seen = [];
    for (const [conversationId] of query(db, 'SELECT id FROM conversation')) {
      let after = 0;
      for (;;) {
        again.send({ type: 'sync', conversationId: Number(conversationId), after });
        const page = await again.nextMessage('messages', 30000);
        seen.push(...page.messages.map((m) => m.id));
        if (!page.more) break;
        after = page.messages.at(-1).id;
      }
    }
    assert.equal(new Set(seen).size, MESSAGES);
    await again.close();
    for (const visitor of visitors) await visitor.close();
  });

  it('a socket sending faster than the message rate gets rate_limited for the excess, then is served again', async () => {
    const wsUrl = server.url.replace('http', 'ws') + '/ws?role=visitor';
    const identity = (await request(server.url + '/api/visitors/identify', { method: 'POST', body: {} })).json();
    const visitor = await connectWs(wsUrl);
    visitor.send({ type: 'auth', visitorToken: identity.visitorToken });
    await visitor.nextMessage('ready');
    const total = 260;
    for (let i = 0; i < total; i++) visitor.send({ type: 'send', clientId: `flood-${i}`, body: `flood ${i}` });
    let acked = 0;
    const limited = [];
    while (acked + limited.length < total) {
      const reply = await visitor.nextMessage((m) => m.type === 'ack' || m.type === 'error', 30000);
      if (reply.type === 'ack') acked++;
      else {
        assert.equal(reply.code, 'rate_limited');
        assert.match(reply.clientId, /^flood-/);
        limited.push(reply.clientId);
      }
    }
    assert.ok(limited.length > 0, 'some sends were refused');
    assert.ok(acked >= 200, `the burst was served (${acked} acked)`);
    // A moment later the refused client ids go through, sent again in order (the socket's
    // order is kept: docs/PROTOCOL.md), each stored once.
    await new Promise((r) => setTimeout(r, 1500));
    const first = limited.sort((a, b) => Number(a.slice(6)) - Number(b.slice(6)))[0];
    visitor.send({ type: 'send', clientId: first, body: first.replace('-', ' ') });
    const ack = await visitor.nextMessage({ type: 'ack', clientId: first }, 30000);
    assert.ok(ack.message.id > 0);
    await visitor.close();
    assert.equal((await request(server.url + '/healthz')).status, 200);
  });
});
