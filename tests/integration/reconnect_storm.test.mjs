// The reconnect storm (docs/BENCHMARKS.md, "The reconnect storm"): after a deploy every open tab
// reconnects at once. Their `auth` frames are looked up together, and still each socket gets its
// own visitor's `ready`; an unknown token among them is refused alone; a visitor's row is marked
// as seen once, not once per tab; and a socket whose `auth` is waiting for the database is not
// closed by the deadline meant for sockets that never send one.
// No timing is asserted: deadlines only turn a hang into a failure.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { startParley, runParley } from '../support/parley.mjs';
import { createDatabase, query, psqlSession } from '../support/pg.mjs';
import { request, waitFor } from '../support/http.mjs';
import { connectWs } from '../support/ws.mjs';

async function newVisitor(server, body = {}) {
  const res = await request(server.url + '/api/visitors/identify', {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify(body),
  });
  assert.equal(res.status, 200, res.text);
  return res.json();
}

const answer = (ws) => ws.nextMessage((m) => m && (m.type === 'ready' || m.type === 'error'), 30000);

async function serverCloses(server, reason) {
  const res = await request(server.url + '/metrics');
  const line = res.text.split('\n').find((l) => l.startsWith(`parley_websocket_server_closes_total{reason="${reason}"} `));
  assert.ok(line, `no server close counter for ${reason}`);
  return Number(line.split(' ').pop());
}

describe('reconnect storm', () => {
  let server;
  let db;
  before(async () => {
    db = createDatabase();
    assert.equal((await runParley(['migrate'], { env: { DATABASE_URL: db } })).code, 0);
    server = await startParley({ env: { DATABASE_URL: db } });
  });
  after(async () => {
    await server?.stop();
  });

  it('every tab of every visitor sends auth at once: each gets its own ready, unknown tokens alone are refused', async () => {
    const visitors = [
      await newVisitor(server),
      await newVisitor(server, { email: 'ann@example.com' }),
      await newVisitor(server),
      await newVisitor(server),
    ];
    const conversationId = Number(query(db, `INSERT INTO conversation (visitor_id, status, page_url)
      VALUES (${visitors[2].visitorId}, 'OPEN', 'https://shop.example/pricing') RETURNING id`)[0][0]);
    // As an hour after their last visit: each row is marked as seen again.
    const ids = visitors.map((v) => v.visitorId).join(',');
    query(db, `UPDATE visitor SET last_seen_at = now() - interval '1 hour' WHERE id IN (${ids})`);

    const tabs = 12;
    const plan = [];
    for (let t = 0; t < tabs; t++) for (const v of visitors) plan.push({ token: v.visitorToken, visitor: v });
    for (let i = 0; i < 4; i++) plan.splice(i * 13, 0, { token: randomBytes(32).toString('base64url'), visitor: null });
    const sockets = await Promise.all(plan.map(() => connectWs(server.wsUrl + '?role=visitor')));
    try {
      // Every `auth` is sent before any answer is read.
      sockets.forEach((ws, i) => ws.send({ type: 'auth', visitorToken: plan[i].token }));
      const answers = await Promise.all(sockets.map(answer));
      answers.forEach((a, i) => {
        const { visitor } = plan[i];
        if (!visitor) {
          assert.equal(a.type, 'error', JSON.stringify(a));
          assert.equal(a.code, 'bad_token');
          return;
        }
        assert.equal(a.type, 'ready', JSON.stringify(a));
        assert.equal(a.visitorId, visitor.visitorId);
        assert.equal(a.email, visitor === visitors[1] ? 'ann@example.com' : null);
        if (visitor === visitors[2]) {
          assert.deepEqual(a.conversation, { id: conversationId, status: 'OPEN', page: 'https://shop.example/pricing' });
        } else {
          assert.equal(a.conversation, null);
        }
      });
      const refused = sockets.filter((_, i) => !plan[i].visitor);
      for (const ws of refused) assert.equal((await ws.closed).code, 4401);
      for (const [i, ws] of sockets.entries()) if (plan[i].visitor) assert.equal(ws.closeInfo, null);
      const seen = Number(query(db, `SELECT count(*) FROM visitor WHERE id IN (${ids}) AND last_seen_at > now() - interval '1 minute'`)[0][0]);
      assert.equal(seen, 4, 'each visitor marked as seen');
    } finally {
      await Promise.all(sockets.map((ws) => ws.close()));
    }
  });

  it('a visitor seen within the minute: its other tabs do not write its row again', async () => {
    const v = await newVisitor(server); // identify marks it as seen now
    const version = () => query(db, `SELECT xmin FROM visitor WHERE id = ${v.visitorId}`)[0][0];
    const before = version();
    const sockets = await Promise.all([1, 2, 3].map(() => connectWs(server.wsUrl + '?role=visitor')));
    try {
      sockets.forEach((ws) => ws.send({ type: 'auth', visitorToken: v.visitorToken }));
      for (const a of await Promise.all(sockets.map(answer))) assert.equal(a.visitorId, v.visitorId, JSON.stringify(a));
      assert.equal(version(), before, 'the row was written again');
    } finally {
      await Promise.all(sockets.map((ws) => ws.close()));
    }
  });

  it('a socket whose auth waits longer than the auth deadline is answered, not closed; one that never sent auth is closed', async () => {
    const v = await newVisitor(server);
    const timedOutBefore = await serverCloses(server, 'auth_timeout');
    // Holding the token table makes the lookup wait past the deadline (10 s, checked every 10 s).
    const session = await psqlSession(db);
    let held = true;
    const release = async () => {
      if (!held) return;
      held = false;
      await session.run('COMMIT;');
      await session.end();
    };
    await session.run('BEGIN; LOCK TABLE visitor_token IN ACCESS EXCLUSIVE MODE;');
    let silent;
    let waiting;
    try {
      silent = await connectWs(server.wsUrl + '?role=visitor');
      waiting = await connectWs(server.wsUrl + '?role=visitor');
      waiting.send({ type: 'auth', visitorToken: v.visitorToken });
      const info = await Promise.race([
        silent.closed,
        new Promise((_, reject) => setTimeout(() => reject(new Error('the silent socket was not closed')), 40000)),
      ]);
      assert.equal(info.code, 1008);
      assert.equal(info.reason, 'authentication timed out');
      assert.equal(waiting.closeInfo, null, 'the socket waiting for its auth was closed by the deadline');
      await release();
      const ready = await answer(waiting);
      assert.equal(ready.type, 'ready', JSON.stringify(ready));
      assert.equal(ready.visitorId, v.visitorId);
      assert.equal(waiting.closeInfo, null);
      await waitFor(async () => (await serverCloses(server, 'auth_timeout')) === timedOutBefore + 1, {
        deadline: 10000,
        what: 'the silent socket counted as auth_timeout',
      });
    } finally {
      await release();
      await silent?.close();
      await waiting?.close();
    }
  });
});
