// Zero loss and ack-after-commit under SIGKILL: visitors pipeline messages, the server is
// killed while batches are being written, and every message it acked is in the database with
// the id the ack gave. Then a new process on the same database receives every message again
// (same client ids, as clients re-send what was not acked): each is stored exactly once, and a
// message acked before the kill is answered with its stored row.
import { describe, it, after } from 'node:test';
import assert from 'node:assert/strict';
import { startParley } from '../support/parley.mjs';
import { query } from '../support/pg.mjs';
import { identify, visitorSocket } from '../support/visitor.mjs';

const VISITORS = 10;
const EACH = 150; // under the per-socket burst (200), so none is refused rate_limited
const KILL_AFTER = 300; // acks seen before SIGKILL: the rest are queued or being written

describe('the message writer killed with SIGKILL', () => {
  let server;
  after(async () => server?.stop());

  it('every acked message is stored with its acked id; re-sent after a restart, every message is stored once', async () => {
    server = await startParley();
    const db = server.databaseUrl;
    const visitors = [];
    for (let v = 0; v < VISITORS; v++) visitors.push({ token: (await identify(server)).visitorToken, acked: new Map() });
    let acks = 0;
    let killed;
    const killedAt = new Promise((resolve) => (killed = resolve));
    for (const [v, visitor] of visitors.entries()) {
      const ws = await visitorSocket(server, visitor.token);
      ws.sock.on('message', (data) => {
        const m = JSON.parse(data.toString());
        if (m.type !== 'ack') return;
        visitor.acked.set(m.clientId, m.message);
        if (++acks === KILL_AFTER) killed();
      });
      for (let i = 0; i < EACH; i++) ws.send({ type: 'send', clientId: `k${v}-${i}`, body: `message ${i} of visitor ${v}` });
    }
    // A deadline for the acks: a hang becomes a clear failure.
    let deadline;
    await Promise.race([
      killedAt,
      new Promise((resolve, reject) => {
        deadline = setTimeout(() => reject(new Error(`only ${acks} of ${KILL_AFTER} acks within 60 s`)), 60000);
      }),
    ]);
    clearTimeout(deadline);
    assert.equal(await server.kill(), 'SIGKILL');
    const ackedBeforeKill = acks;
    assert.ok(ackedBeforeKill < VISITORS * EACH, 'everything was acked before the kill: nothing was in flight');

    // Every ack was sent after its commit: the row is there, with the acked id and body.
    for (const visitor of visitors) {
      for (const [clientId, message] of visitor.acked) {
        const rows = query(db, `SELECT id, body FROM message WHERE conversation_id = ${message.conversationId} AND client_id = '${clientId}'`);
        assert.deepEqual(rows, [[String(message.id), message.body]], `acked ${clientId} is not stored as acked`);
      }
    }

    // A new process, the same database: every message is sent again, in order.
    server = await startParley({ env: { DATABASE_URL: db } });
    for (const [v, visitor] of visitors.entries()) {
      const ws = await visitorSocket(server, visitor.token);
      const replies = [];
      for (let i = 0; i < EACH; i++) {
        const clientId = `k${v}-${i}`;
        replies.push(ws.nextMessage((m) => m && m.clientId === clientId && (m.type === 'ack' || m.type === 'error'), 30000));
        ws.send({ type: 'send', clientId, body: `message ${i} of visitor ${v}` });
      }
      for (const [i, reply] of (await Promise.all(replies)).entries()) {
        assert.equal(reply.type, 'ack', JSON.stringify(reply));
        const before = visitor.acked.get(`k${v}-${i}`);
        if (before) assert.equal(reply.message.id, before.id, 'a message acked before the kill was stored again');
      }
      await ws.close();
    }
    const [[rows, distinct]] = query(db, `SELECT count(*), count(DISTINCT (conversation_id, client_id)) FROM message WHERE client_id LIKE 'k%'`);
    assert.equal(Number(rows), VISITORS * EACH);
    assert.equal(Number(distinct), VISITORS * EACH);
  });
});
