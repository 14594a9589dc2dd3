// The group-commit writer's queue is bounded in time as well as in size
// (include/parley/chat/message_writer.hpp): while the oldest queued message has waited more
// than 2 s (queued, or in the batch being written), new messages are refused at once with
// `overloaded` — and nothing accepted is lost.
// The database is made to stall for real: a psql session holds the advisory lock every writer
// transaction takes first (stallWrites in tests/support/pg.mjs).
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startParley } from '../support/parley.mjs';
import { stallWrites, query } from '../support/pg.mjs';
import { identify, visitorSocket } from '../support/visitor.mjs';

const MAX_WAIT_MS = 2000; // kWriterMaxWait in src/app/serve.cpp

const answerTo = (ws, clientId) => ws.nextMessage((m) => m && (m.type === 'ack' || m.type === 'error') && m.clientId === clientId, 30000);

describe('the message writer while the database stalls', () => {
  let server;
  before(async () => {
    server = await startParley();
  });
  after(async () => {
    await server?.stop();
  });

  it('past 2 s of waiting a new message is refused at once (overloaded); the queued ones are stored once the stall ends; the refused one on re-send', async () => {
    const v = await identify(server);
    const ws = await visitorSocket(server, v.visitorToken);
    const db = server.databaseUrl;
    let stall = null;
    try {
      ws.send({ type: 'send', clientId: 'opening', body: 'before the stall' });
      assert.equal((await answerTo(ws, 'opening')).type, 'ack');

      stall = await stallWrites(db);
      // The writer takes them into a transaction that now waits for the lock (or the second
      // queues behind the first).
      ws.send({ type: 'send', clientId: 'stalled-1', body: 'taken into the stalled batch' });
      ws.send({ type: 'send', clientId: 'stalled-2', body: 'queued behind it' });
      await stall.blocked(); // the first is in a batch that waits: from now on it only gets older
      await new Promise((r) => setTimeout(r, MAX_WAIT_MS + 500));

      ws.send({ type: 'send', clientId: 'late', body: 'sent while the queue is too old' });
      const refused = await answerTo(ws, 'late');
      assert.equal(refused.type, 'error', JSON.stringify(refused));
      assert.equal(refused.code, 'overloaded');
      const answered = ws.all.filter((m) => m && (m.type === 'ack' || m.type === 'error') && /^stalled-/.test(m.clientId));
      assert.deepEqual(answered, [], 'nothing was answered for the stalled messages yet');

      await stall.release();
      stall = null;
      const acks = [await answerTo(ws, 'stalled-1'), await answerTo(ws, 'stalled-2')];
      assert.deepEqual(acks.map((a) => a.type), ['ack', 'ack'], JSON.stringify(acks));
      ws.send({ type: 'send', clientId: 'late', body: 'sent while the queue is too old' });
      const again = await answerTo(ws, 'late');
      assert.equal(again.type, 'ack', JSON.stringify(again));

      const rows = query(db, `SELECT client_id FROM message WHERE conversation_id = ${again.message.conversationId} ORDER BY id`).map((r) => r[0]);
      assert.deepEqual(rows, ['opening', 'stalled-1', 'stalled-2', 'late'], 'each stored once, in send order');
    } finally {
      await stall?.release();
      await ws.close();
    }
  });
});
