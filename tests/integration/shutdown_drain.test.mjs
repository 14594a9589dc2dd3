// SIGTERM drains in order: messages that are being committed when the signal comes are
// committed AND acknowledged on their still-open sockets before the sockets close with 1001.
// The commit is held back on purpose (the event-order lock, held by a psql session) so that
// the signal lands while the writer has a batch in flight and more queued.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { startParley } from '../support/parley.mjs';
import { query, stallWrites } from '../support/pg.mjs';
import { identify, visitorSocket } from '../support/visitor.mjs';

describe('shutdown', () => {
  it('SIGTERM while messages are being committed: each committed message was acknowledged first', async () => {
    const server = await startParley();
    const v = await identify(server);
    const ws = await visitorSocket(server, v.visitorToken);
    ws.send({ type: 'send', clientId: 'open-it', body: 'first' }); // the conversation exists before the stall
    await ws.nextMessage('ack');

    const stall = await stallWrites(server.databaseUrl);
    const sent = Array.from({ length: 5 }, (_, i) => `late-${i}`);
    for (const clientId of sent) ws.send({ type: 'send', clientId, body: `message ${clientId}` });
    await stall.blocked();
    const exited = server.stop();
    await new Promise((r) => setTimeout(r, 300)); // the signal is being handled while the batch waits
    await stall.release();
    assert.equal(await exited, 0, server.logs());
    const closed = await ws.closed;
    assert.equal(closed.code, 1001);

    const acked = new Set(ws.all.filter((m) => m && m.type === 'ack').map((m) => m.clientId));
    const committed = query(server.databaseUrl, `SELECT client_id FROM message WHERE client_id LIKE 'late-%' ORDER BY id`).map((r) => r[0]);
    assert.ok(committed.length > 0, 'the batch in flight was committed');
    for (const clientId of committed) assert.ok(acked.has(clientId), `${clientId} was committed but its ack never went out`);
  });
});
