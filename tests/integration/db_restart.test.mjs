// PostgreSQL restarting under a running server (docs/OPERATIONS.md, Restarting PostgreSQL):
// the event feed backs off and logs the loss once, not once per attempt; pooled connections
// that broke while idle are replaced, so no request fails once /readyz says ready again.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startParley } from '../support/parley.mjs';
import { startCluster } from '../support/pg.mjs';
import { request, waitFor } from '../support/http.mjs';
import { identify, visitorSocket } from '../support/visitor.mjs';

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const linesWith = (logs, text) => logs.split('\n').filter((l) => l.includes(text)).length;

/** `count` identifications at once (each a write through the database pool); their statuses. */
async function identifyAtOnce(server, count) {
  const replies = await Promise.all(
    Array.from({ length: count }, () => request(server.url + '/api/visitors/identify', { method: 'POST', body: {} })),
  );
  return replies.map((r) => r.status);
}

describe('PostgreSQL restarts under a running server', () => {
  let cluster;
  let server;
  const sockets = [];
  after(async () => {
    for (const ws of sockets) ws.terminate();
    await server?.stop();
    await cluster?.destroy();
  });

  before(async () => {
    cluster = await startCluster();
    server = await startParley({ env: { DATABASE_URL: cluster.url } });
    await waitFor(async () => (await request(server.url + '/readyz')).status === 200, { deadline: 30000, what: '/readyz 200 at start' });
  });

  /**
   * Stops PostgreSQL for a few seconds (as `pg_ctl restart -m fast` does, only longer); resolves
   * once it accepts connections again (pg_ctl start -w).
   */
  async function restartPostgres() {
    await cluster.stop();
    await sleep(3000); // down for a while: the event feed retries meanwhile
    await cluster.start();
  }
  const readyz = async () => (await request(server.url + '/readyz')).status;

  it('while messages are sent, the event feed logs one "connection lost" and one "back"', async () => {
    for (let i = 0; i < 3; i++) sockets.push(await visitorSocket(server, (await identify(server)).visitorToken));
    let n = 0;
    const sending = setInterval(() => {
      for (const ws of sockets) {
        try {
          ws.send({ type: 'send', clientId: `r${++n}`, body: `message ${n}` });
        } catch {
          /* closed: the assertions below say what matters */
        }
      }
    }, 40);
    try {
      // Commits (each pokes the feed) before, and attempts while PostgreSQL is away.
      await waitFor(() => sockets.every((ws) => ws.all.some((m) => m.type === 'ack')), { deadline: 20000, what: 'acks before the restart' });
      const lostBefore = linesWith(server.logs(), 'event feed: connection lost');
      await restartPostgres();
      await waitFor(async () => (await readyz()) === 200, { deadline: 60000, what: '/readyz 200 after the restart' });
      const lost = linesWith(server.logs(), 'event feed: connection lost') - lostBefore;
      assert.equal(lost, 1, `${lost} "event feed: connection lost" lines for one restart`);
      await waitFor(() => server.logs().includes('event feed: connection back'), { deadline: 30000, what: '"event feed: connection back" logged' });
      assert.equal(linesWith(server.logs(), 'event feed: connection back'), 1);
    } finally {
      clearInterval(sending);
    }
  });

  it('pooled connections that broke while idle are replaced: no request fails once PostgreSQL is back', async () => {
    // Every database thread holds a connection when PostgreSQL goes away.
    assert.deepEqual(new Set(await identifyAtOnce(server, 24)), new Set([200]));
    await restartPostgres();
    // At once, without polling /readyz first: each poll would draw one stale connection and so
    // hide it (with a 503 of its own).
    const statuses = [];
    for (let round = 0; round < 5; round++) statuses.push(...(await identifyAtOnce(server, 8)));
    assert.deepEqual(statuses.filter((s) => s !== 200), [], `statuses after the restart: ${statuses.join(' ')}`);
    assert.equal(await readyz(), 200);
  });
});
