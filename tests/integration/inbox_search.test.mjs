// The inbox search (GET /api/search, docs/INBOX.md#search): message text (words, stems,
// "phrases", -exclusions), visitors' names / emails / user ids (typos through pg_trgm),
// conversation ids, filters, the paging cursor, the limits, the session, the statement
// timeout, and the background build of vectors for messages written before the migration.
// Real binary, real PostgreSQL. One server for the file. No timing is asserted.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startParley, runParley } from '../support/parley.mjs';
import { createDatabase, psql, psqlSession } from '../support/pg.mjs';
import { request, waitFor } from '../support/http.mjs';
import { assertError } from '../support/assert.mjs';

const AGENT = { email: 'searcher@example.com', name: 'Searcher', password: 'searcher-password-1' };
const START = '\u0002';
const STOP = '\u0003';

let server;
let database;
let cookie;
let me;
let ids; // name → conversation id

// A conversation with its visitor and messages (oldest first, one minute apart, ending `daysAgo`).
function seed(db, { name, email = null, userId = null, status = 'RESOLVED', assignee = null, daysAgo = 1, bodies }) {
  const sql = `
WITH v AS (INSERT INTO visitor (name, email, user_id) VALUES (${lit(name)}, ${lit(email)}, ${lit(userId)}) RETURNING id),
c AS (INSERT INTO conversation (visitor_id, status, assigned_agent_id, created_at, updated_at)
      SELECT id, '${status}', ${assignee ?? 'NULL'}, now() - interval '${daysAgo} days' - interval '1 hour',
             now() - interval '${daysAgo} days' FROM v RETURNING id),
m AS (INSERT INTO message (conversation_id, sender, client_id, body, created_at)
      SELECT c.id, CASE WHEN b.n % 2 = 1 THEN 'VISITOR' ELSE 'AGENT' END::message_sender, 'seed-' || b.n, b.body,
             now() - interval '${daysAgo} days' - (${bodies.length} - b.n) * interval '1 minute'
      FROM c, unnest(ARRAY[${bodies.map(lit).join(',')}]::text[]) WITH ORDINALITY b(body, n))
SELECT id FROM c`;
  return Number(psql(db, sql));
}

function lit(s) {
  return s === null || s === undefined ? 'NULL' : `'${String(s).replace(/'/g, "''")}'`;
}

async function find(q, params = {}, headers = { Cookie: cookie }, timeout = 15000) {
  const qs = new URLSearchParams({ q, ...params });
  return request(`${server.url}/api/search?${qs}`, { headers, timeout });
}

async function hits(q, params) {
  const res = await find(q, params);
  assert.equal(res.status, 200, res.text);
  return res.json().results;
}

const convIds = (results) => results.map((r) => r.conversation.id);

before(async () => {
  const db = createDatabase();
  database = db;
  let r = await runParley(['migrate'], { env: { DATABASE_URL: db } });
  assert.equal(r.code, 0, r.stderr);
  r = await runParley(['agent', 'add', '--email', AGENT.email, '--name', AGENT.name], {
    input: `${AGENT.password}\n`, env: { DATABASE_URL: db },
  });
  assert.equal(r.code, 0, r.stderr);
  me = Number(psql(db, `SELECT id FROM agent WHERE email = '${AGENT.email}'`));
  // Written before Parley ever started on this database: no vector yet (the rebuild makes it).
  ids = {
    before: seed(db, { name: 'Olga Early', daysAgo: 400, bodies: ['the aardvark ate my homework'] }),
  };
  server = await startParley({ env: { DATABASE_URL: db } });
  const login = await request(`${server.url}/api/auth/login`, { method: 'POST', body: { email: AGENT.email, password: AGENT.password } });
  assert.equal(login.status, 200, login.text);
  cookie = [].concat(login.headers['set-cookie']).find((c) => c.startsWith('parley_session=')).split(';')[0];
  Object.assign(ids, {
    refund: seed(db, { name: 'Margaret Thompson', email: 'maggie.t@example.com', userId: 'user-4711', daysAgo: 30,
      bodies: ['Hello, I was charged twice', 'Sorry about that! I have issued refunds for both charges.'] }),
    phrase: seed(db, { name: 'Pedro Alvarez', daysAgo: 20, status: 'OPEN',
      bodies: ['My card declined at checkout', 'Which card did you use?'] }),
    reversed: seed(db, { name: 'Quinn Baker', daysAgo: 10, status: 'ASSIGNED', assignee: me,
      bodies: ['The bank declined my card yesterday', 'We will look into the invoice'] }),
    paypal: seed(db, { name: 'Rita Paypal', daysAgo: 5, bodies: ['Please send the invoice via paypal'] }),
    markup: seed(db, { name: '<b>Mallory</b>', daysAgo: 3, bodies: ['<img src=x onerror=alert(1)> invoice <script>'] }),
  });
  // 25 messages with one word, in one conversation: pages of 10, 10 and 5.
  ids.zebra = seed(db, { name: 'Zed Stripes', daysAgo: 2, bodies: Array.from({ length: 25 }, (_, i) => `zebra number ${i + 1}`) });
});

after(() => server?.stop());

describe('inbox search: sessions and limits', () => {
  it('needs an agent session: 401 without one', async () => {
    assertError(await find('refund', {}, {}), 401, 'unauthenticated');
  });

  it('refuses a missing, blank or over-long query and malformed filters with 400', async () => {
    assertError(await find(''), 400, 'invalid_field');
    assertError(await find('   '), 400, 'invalid_field');
    assertError(await find('x'.repeat(201)), 400, 'invalid_field');
    assert.equal((await find('é'.repeat(200))).status, 200, '200 characters (not bytes) are allowed');
    assertError(await find('refund', { status: 'CLOSED' }), 400, 'invalid_field');
    assertError(await find('refund', { assignedTo: 'someone' }), 400, 'invalid_field');
    assertError(await find('refund', { from: '2024-02-30' }), 400, 'invalid_field');
    assertError(await find('refund', { from: '2024-03-02', to: '2024-03-01' }), 400, 'invalid_field');
    assertError(await find('refund', { cursor: 'x12' }), 400, 'invalid_field');
    assertError(await find('refund', { cursor: 'm12.c5' }), 400, 'invalid_field');
    assertError(await find('refund', { limit: '-1' }), 400, 'invalid_field');
    assertError(await find('refund', { label: 'vip' }), 400, 'invalid_field');
    assertError(await find('line\nbreak'), 400, 'invalid_field');
  });
});

describe('inbox search: message text', () => {
  it('a word finds the message holding it in another form (stemming), with the match marked', async () => {
    const results = await hits('refund');
    assert.deepEqual(convIds(results), [ids.refund]);
    const [r] = results;
    assert.equal(r.type, 'message');
    assert.equal(r.message.sender, 'AGENT');
    assert.match(r.message.createdAt, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
    assert.ok(r.message.snippet.includes(`${START}refunds${STOP}`), JSON.stringify(r.message.snippet));
    assert.equal(r.conversation.visitor.name, 'Margaret Thompson');
  });

  it('"quoted words" are a phrase: the words next to each other, in that order', async () => {
    assert.deepEqual(convIds(await hits('"card declined"')), [ids.phrase]);
    const both = convIds(await hits('card declined'));
    assert.ok(both.includes(ids.phrase) && both.includes(ids.reversed), `both orders without quotes: ${both}`);
  });

  it('-word excludes the messages holding it', async () => {
    const with_ = convIds(await hits('invoice'));
    assert.ok(with_.includes(ids.paypal));
    const without = convIds(await hits('invoice -paypal'));
    assert.ok(!without.includes(ids.paypal), `${without}`);
    assert.ok(without.includes(ids.reversed));
  });

  it('text that looks like markup comes back as text, with only the markers added', async () => {
    const [r] = (await hits('invoice', { status: 'RESOLVED' })).filter((x) => x.conversation.id === ids.markup);
    assert.ok(r, 'the message with markup is found');
    // Plain text, the body's own characters (ts_headline leaves out what its parser takes for a
    // whole HTML tag, here "<script>"): the client renders it as text.
    const text = r.message.snippet.replaceAll(START, '').replaceAll(STOP, '');
    assert.ok(text.startsWith('<img src=x onerror=alert(1)> invoice'), JSON.stringify(r.message.snippet));
    assert.ok(r.message.snippet.includes(`${START}invoice${STOP}`));
  });

  it('stop words alone find nothing, and say so with an empty list', async () => {
    const res = await find('the and of');
    assert.equal(res.status, 200);
    assert.deepEqual(res.json(), { results: [], nextCursor: null });
  });

  it('a message written before Parley first ran on the database is found once rebuilt in the background', async () => {
    await waitFor(async () => convIds(await hits('aardvark')).includes(ids.before), { what: 'the old message is searchable' });
  });
});

describe('inbox search: visitors and conversation ids', () => {
  it('names, emails and user ids, typos included', async () => {
    for (const q of ['Margaret', 'margeret thompson', 'Tompson', 'maggie.t@example', 'user-4711']) {
      const results = await hits(q);
      const hit = results.find((r) => r.type === 'conversation' && r.conversation.id === ids.refund);
      assert.ok(hit, `${q}: ${JSON.stringify(results.map((r) => [r.type, r.conversation.visitor.name]))}`);
    }
    assert.ok(!convIds(await hits('Xavier Unknownperson')).includes(ids.refund));
  });

  // The similar spellings come from the trigram index however few visitors there are; inline,
  // the planner read the visitors one by one until 100 resembled the words (a million of them
  // on the benchmark's history, for a word like nobody's name: docs/BENCHMARKS.md "Inbox search").
  it('similar spellings are read from the trigram index, not by reading every visitor', async () => {
    const counts = () => psql(database, `SELECT (SELECT seq_scan FROM pg_stat_user_tables WHERE relname = 'visitor')
                                             || ' ' || (SELECT idx_scan FROM pg_stat_user_indexes WHERE indexrelname = 'visitor_search_trgm')`)
      .split(' ').map(Number);
    // The control: the same look-up written inline is a sequential read on this small table.
    assert.match(psql(database, `EXPLAIN SELECT v.id FROM visitor v
                                 WHERE 'tompson' <% visitor_search_text(v.name, v.email, v.user_id) LIMIT 100`), /Seq Scan on visitor/);
    const [seqBefore, indexBefore] = counts();
    const found = psql(database, "SET pg_trgm.word_similarity_threshold = 0.5; SELECT count(*) FROM similar_visitors('tompson', 100)");
    assert.ok(Number(found) >= 1, `tompson resembles Thompson (${found})`);
    await waitFor(() => counts()[1] > indexBefore, { what: 'the look-up counted in pg_stat_user_indexes' });
    assert.equal(counts()[0], seqBefore, 'no sequential read of visitor');
  });

  it('% and _ are literal characters, not wildcards', async () => {
    assert.deepEqual(await hits('%%%'), []);
  });

  it('a conversation id, with or without #', async () => {
    for (const q of [String(ids.phrase), `#${ids.phrase}`]) {
      const results = await hits(q);
      assert.ok(results.some((r) => r.type === 'conversation' && r.conversation.id === ids.phrase), `${q}`);
    }
  });
});

describe('inbox search: filters', () => {
  it('status, assignee and date', async () => {
    assert.deepEqual(convIds(await hits('card', { status: 'OPEN' })), [ids.phrase, ids.phrase]);
    assert.deepEqual(convIds(await hits('card', { status: 'ASSIGNED,RESOLVED' })), [ids.reversed]);
    assert.deepEqual(convIds(await hits('card', { assignedTo: 'me' })), [ids.reversed]);
    assert.deepEqual(convIds(await hits('card', { assignedTo: String(me) })), [ids.reversed]);
    assert.ok(!convIds(await hits('card', { assignedTo: 'none' })).includes(ids.reversed));
    const day = (n) => new Date(Date.now() - n * 86400000).toISOString().slice(0, 10);
    assert.deepEqual(convIds(await hits('card', { from: day(12), to: day(8) })), [ids.reversed]);
    assert.deepEqual(convIds(await hits('card', { to: day(15) })), [ids.phrase, ids.phrase]);
    assert.deepEqual(await hits('card', { from: day(-2) }), []);
  });

  it('label: only conversations carrying it, for message and visitor hits alike', async () => {
    const vip = Number(psql(database, `INSERT INTO label (name, colour) VALUES ('VIP search', '#aa3300') RETURNING id`));
    psql(database, `INSERT INTO conversation_label (conversation_id, label_id) VALUES (${ids.reversed}, ${vip})`);
    assert.deepEqual(convIds(await hits('card', { label: String(vip) })), [ids.reversed]);
    assert.deepEqual(convIds(await hits('card', { label: String(vip), status: 'OPEN' })), []);
    assert.deepEqual(convIds(await hits('Quinn', { label: String(vip) })), [ids.reversed], 'a visitor-name hit is filtered too');
    assert.deepEqual(convIds(await hits('Pedro', { label: String(vip) })), []);
    assert.deepEqual(await hits('card', { label: String(vip + 1000) }), [], 'an unknown label finds nothing');
  });
});

describe('inbox search: paging', () => {
  it('newest first, pages that neither repeat nor skip, and no cursor after the last', async () => {
    const seen = [];
    let cursor = null;
    let pages = 0;
    do {
      const res = await find('zebra', { limit: '10', ...(cursor ? { cursor } : {}) });
      assert.equal(res.status, 200, res.text);
      const body = res.json();
      pages++;
      seen.push(...body.results.map((r) => r.message.id));
      cursor = body.nextCursor;
      assert.ok(pages <= 3, 'three pages at most');
    } while (cursor);
    assert.equal(pages, 3);
    assert.equal(seen.length, 25);
    assert.equal(new Set(seen).size, 25);
    assert.deepEqual(seen, [...seen].sort((a, b) => b - a), 'newest (highest id) first');
  });
});

describe('inbox search: its own statement timeout', () => {
  it('a search PostgreSQL cannot answer in time → 503 search_timeout; the next one works', async () => {
    const lock = await psqlSession(server.databaseUrl);
    try {
      await lock.run('BEGIN; LOCK TABLE message IN ACCESS EXCLUSIVE MODE;');
      assertError(await find('refund'), 503, 'search_timeout');
      await lock.run('COMMIT;');
      assert.deepEqual(convIds(await hits('refund')), [ids.refund]);
    } finally {
      await lock.end();
    }
  });

  it('more searches at once than its connections and queue take → 503 search_busy at once, not a wait', async () => {
    // 2 run (held up by the lock), 8 wait; of 14 sent together the rest are turned away. The
    // waiting ones time out in turn, two every 3 s: up to 15 s for the last.
    const lock = await psqlSession(server.databaseUrl);
    try {
      await lock.run('BEGIN; LOCK TABLE message IN ACCESS EXCLUSIVE MODE;');
      const answers = await Promise.all(Array.from({ length: 14 }, () => find('refund', {}, { Cookie: cookie }, 60000)));
      const codes = answers.map((r) => `${r.status} ${r.json().error?.code}`);
      assert.ok(codes.includes('503 search_busy'), codes.join(', '));
      for (const c of codes) assert.match(c, /^503 (search_busy|search_timeout)$/);
      await lock.run('COMMIT;');
      assert.deepEqual(convIds(await hits('refund')), [ids.refund]);
    } finally {
      await lock.end();
    }
  });
});
