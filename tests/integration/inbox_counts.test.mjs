// The inbox's view counts kept by the database (migrations/0021_inbox_counts.sql): after a
// mix of creates, assigns, resolves, reopens, unassigns and deletes (a visitor's, an agent's)
// in concurrent transactions, some rolled back, the counters equal a direct count, and
// GET /api/inbox answers what the direct count says — with and without a label filter. Also:
// the migration's backfill, run by several processes at once, and TRUNCATE.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startParley, runParley } from '../support/parley.mjs';
import { createDatabase, psql, psqlSession, query } from '../support/pg.mjs';
import { request } from '../support/http.mjs';
import { addAgent as createAgent } from '../support/agents.mjs';

const PASSWORD = 'inbox-counts-password';

const addAgent = (db, email) => createAgent(db, { email, password: PASSWORD });

/** Per (status, agent key): the counters' sums and a direct count, as sorted text rows. */
function countersAndDirect(db) {
  const counters = query(db, `SELECT status, agent_id, sum(n) FROM inbox_count GROUP BY 1, 2 HAVING sum(n) <> 0 ORDER BY 1, 2`);
  const direct = query(db, `SELECT status, inbox_count_agent(status, assigned_agent_id), count(*) FROM conversation
                            GROUP BY 1, 2 ORDER BY 1, 2`);
  return { counters, direct };
}

/** The four counts as the statement before the counters computed them (label 0: all). */
function directCounts(db, agentId, label = 0) {
  const [row] = query(db, `SELECT count(*) FILTER (WHERE status <> 'RESOLVED'),
       count(*) FILTER (WHERE status <> 'RESOLVED' AND assigned_agent_id = ${agentId}),
       count(*) FILTER (WHERE status = 'OPEN' AND assigned_agent_id IS NULL),
       count(*) FILTER (WHERE status = 'RESOLVED')
     FROM conversation WHERE ${label} = 0 OR id IN (SELECT conversation_id FROM conversation_label WHERE label_id = ${label})`);
  const [open, mine, unassigned, resolved] = row.map(Number);
  return { open, mine, unassigned, resolved };
}

/** `sql` run to its end in a psql process of its own (several at once: really concurrent). */
async function psqlAsync(db, sql) {
  const session = await psqlSession(db);
  try {
    await session.run(sql);
  } finally {
    await session.end();
  }
}

// One writer: `rounds` transactions, each one change to one random conversation (what the
// product does: Conversations::change changes one at a time), every 7th rolled back; a new
// conversation needs a visitor without an open one, a reopen may meet the visitor's other
// open conversation (unique violation: that round does nothing).
const writer = (rounds, seed) => `
DO $$
DECLARE
  agents bigint[] := ARRAY(SELECT id FROM agent ORDER BY id);
  c record;
  op int;
BEGIN
  PERFORM setseed(${seed});
  FOR i IN 1..${rounds} LOOP
    -- Creates a third of the time (deletes an eighth), so the conversations grow in number and
    -- end in several kinds; with every op equally likely their number walked near zero.
    op := CASE WHEN random() < 0.25 THEN 0 ELSE floor(random() * 8) END;
    BEGIN
      SELECT id, status, visitor_id INTO c FROM conversation ORDER BY random() LIMIT 1;
      IF op = 0 OR c.id IS NULL THEN
        WITH v AS (INSERT INTO visitor (name) VALUES ('w') RETURNING id)
        INSERT INTO conversation (visitor_id, status, assigned_agent_id)
          SELECT id, CASE WHEN random() < 0.3 THEN 'ASSIGNED' ELSE 'OPEN' END::conversation_status,
                 CASE WHEN random() < 0.3 THEN agents[1 + floor(random() * array_length(agents, 1))::int] END FROM v;
      ELSIF op = 1 THEN
        UPDATE conversation SET status = 'ASSIGNED', assigned_agent_id = agents[1 + floor(random() * array_length(agents, 1))::int]
          WHERE id = c.id AND status <> 'RESOLVED';
      ELSIF op = 2 THEN
        UPDATE conversation SET status = 'OPEN', assigned_agent_id = NULL WHERE id = c.id AND status <> 'RESOLVED';
      ELSIF op = 3 THEN
        UPDATE conversation SET status = 'RESOLVED' WHERE id = c.id;
      ELSIF op = 4 THEN
        UPDATE conversation SET status = 'OPEN' WHERE id = c.id AND status = 'RESOLVED';
      ELSIF op = 5 THEN
        DELETE FROM visitor WHERE id = c.visitor_id;  -- its conversations go with it (CASCADE)
      ELSIF op = 6 THEN
        UPDATE conversation SET updated_at = now(), page_url = 'p' || i WHERE id = c.id;  -- a message: no count changes
      ELSE
        UPDATE conversation SET assigned_agent_id = agents[1 + floor(random() * array_length(agents, 1))::int] WHERE id = c.id;
      END IF;
      IF i % 7 = 0 THEN RAISE EXCEPTION 'rolled back on purpose'; END IF;
    EXCEPTION WHEN unique_violation OR raise_exception OR deadlock_detected THEN NULL;
    END;
    COMMIT;
  END LOOP;
END $$;`;

describe('inbox counts kept by the database', () => {
  let db;
  let server;
  let cookie;
  let me;
  before(async () => {
    db = createDatabase();
    for (const e of ['a@example.com', 'b@example.com', 'c@example.com']) await addAgent(db, e);
    server = await startParley({ env: { DATABASE_URL: db } });
    const login = await request(server.url + '/api/auth/login', { method: 'POST', body: { email: 'a@example.com', password: PASSWORD } });
    assert.equal(login.status, 200, login.text);
    cookie = [].concat(login.headers['set-cookie']).find((c) => c.startsWith('parley_session=')).split(';')[0];
    me = login.json().agent.id;
  });
  after(async () => {
    await server?.stop();
  });

  it('match a direct count after concurrent creates, assigns, resolves, reopens and deletes', async () => {
    await Promise.all([1, 2, 3, 4, 5, 6].map((w) => psqlAsync(db, writer(250, w / 10))));
    // An agent leaves: their conversations become nobody's (ON DELETE SET NULL), in one statement.
    psql(db, `DELETE FROM agent WHERE email = 'c@example.com'`);
    const { counters, direct } = countersAndDirect(db);
    assert.ok(direct.length >= 3, `too few kinds of conversation to prove anything: ${JSON.stringify(direct)}`);
    assert.ok(Number(query(db, `SELECT count(*) FROM conversation WHERE status = 'RESOLVED'`)[0][0]) > 0);
    assert.deepEqual(counters, direct);
    assert.ok(Number(query(db, 'SELECT count(*) FROM inbox_count')[0][0]) > direct.length, 'the slots spread the writers');
  });

  it('GET /api/inbox answers the direct count, with and without a label', async () => {
    psql(db, `UPDATE conversation SET status = 'ASSIGNED', assigned_agent_id = ${me}
              WHERE id IN (SELECT id FROM conversation WHERE status = 'OPEN' ORDER BY id LIMIT 3)`);
    const [[label]] = query(db, `INSERT INTO label (name, colour) VALUES ('Billing', '#aa0000') RETURNING id`);
    psql(db, `INSERT INTO conversation_label (conversation_id, label_id) SELECT id, ${label} FROM conversation WHERE id % 3 = 0`);
    for (const [path, l] of [['/api/inbox', 0], [`/api/inbox?label=${label}`, label]]) {
      const res = await request(server.url + path, { headers: { Cookie: cookie } });
      assert.equal(res.status, 200, res.text);
      const expected = directCounts(db, me, l);
      assert.ok(expected.mine > 0 || l !== 0, 'the agent has conversations of their own');
      assert.deepEqual(res.json().counts, expected, path);
    }
  });

  it('the migration backfills existing conversations, with several processes migrating at once', async () => {
    // Back to before 0021 with the conversations of the test above, then migrate three times at once.
    psql(db, `DROP TABLE inbox_count; DROP FUNCTION inbox_count_change, inbox_count_truncate CASCADE;
              DROP FUNCTION inbox_count_agent; DELETE FROM schema_migrations WHERE version = 21`);
    const runs = await Promise.all([1, 2, 3].map(() => runParley(['migrate'], { env: { DATABASE_URL: db } })));
    for (const r of runs) assert.equal(r.code, 0, r.stderr);
    const { counters, direct } = countersAndDirect(db);
    assert.deepEqual(counters, direct);
    const res = await request(server.url + '/api/inbox', { headers: { Cookie: cookie } });
    assert.deepEqual(res.json().counts, directCounts(db, me));
  });

  it('TRUNCATE leaves no counts behind', () => {
    psql(db, 'TRUNCATE conversation CASCADE');
    assert.deepEqual(query(db, 'SELECT count(*) FROM inbox_count'), [['0']]);
    psql(db, `INSERT INTO visitor (name) VALUES ('after'); INSERT INTO conversation (visitor_id) SELECT max(id) FROM visitor`);
    assert.deepEqual(countersAndDirect(db).counters, [['OPEN', '0', '1']]);
  });
});
