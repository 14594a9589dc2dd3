// Inbox search phrases and their word-pairs index (migration 0028, docs/INBOX.md#search): a
// quoted phrase finds the words next to each other and in order, stemmed, with stop words
// counted; an exclusion or `or` beside it stays correct; messages written before the migration
// (an upgrade) are found like those written after, because the pairs are an expression index,
// not a column filled by a trigger. And the server really asks the pairs index for a phrase,
// and only for a phrase (pg_stat_user_indexes). And the two ways to the newest matches
// (migration 0032): a word in most messages walks them newest first, a rare one is read from
// the words' index — the same pages, in the same order, with filters and cursors, either way.
// Real binary, real PostgreSQL, one server.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startParley, runParley } from '../support/parley.mjs';
import { createDatabase, psql } from '../support/pg.mjs';
import { request, waitFor } from '../support/http.mjs';

const AGENT = { email: 'phrases@example.com', name: 'Phrases', password: 'phrases-password-1' };
const FILLERS = 20000;

let server;
let database;
let cookie;
const ids = {}; // name → message id

// One conversation holding `bodies` (name → text); the message ids by name.
function seed(db, name, bodies) {
  const entries = Object.entries(bodies);
  const rows = psql(db, `
WITH v AS (INSERT INTO visitor (name) VALUES ('${name}') RETURNING id),
c AS (INSERT INTO conversation (visitor_id, status) SELECT id, 'RESOLVED' FROM v RETURNING id)
INSERT INTO message (conversation_id, sender, client_id, body)
SELECT c.id, 'VISITOR', b.key, b.body FROM c,
  unnest(ARRAY[${entries.map(([k]) => `'${k}'`).join(',')}], ARRAY[${entries.map(([, t]) => `'${t.replace(/'/g, "''")}'`).join(',')}]) b(key, body)
RETURNING client_id || '=' || id`);
  for (const line of rows.split('\n').filter(Boolean)) {
    const [key, id] = line.split('=');
    ids[key] = Number(id);
  }
}

async function found(q) {
  const res = await request(`${server.url}/api/search?${new URLSearchParams({ q, limit: '50' })}`, { headers: { Cookie: cookie } });
  assert.equal(res.status, 200, res.text);
  return res.json().results.filter((r) => r.type === 'message').map((r) => r.message.id).sort((a, b) => a - b);
}

const idsOf = (...names) => names.map((n) => ids[n]).sort((a, b) => a - b);
const pairScans = () => Number(psql(database, "SELECT idx_scan FROM pg_stat_user_indexes WHERE indexrelname = 'message_word_pairs'"));

before(async () => {
  database = createDatabase();
  let r = await runParley(['migrate'], { env: { DATABASE_URL: database } });
  assert.equal(r.code, 0, r.stderr);
  r = await runParley(['agent', 'add', '--email', AGENT.email, '--name', AGENT.name], {
    input: `${AGENT.password}\n`, env: { DATABASE_URL: database },
  });
  assert.equal(r.code, 0, r.stderr);
  // A database of the version before: migration 0028 undone, vectors made by the trigger as
  // they were (the configuration recorded, as the previous version's first start did).
  psql(database, `
DROP INDEX message_word_pairs;
DROP FUNCTION message_phrase_pairs(regconfig, text), message_tsquery_literal(text), message_word_pairs(tsvector);
DELETE FROM schema_migrations WHERE version = 28;
UPDATE message_search SET config = 'english'`);
  seed(database, 'Older Visitor', {
    old_adjacent: 'I need to reset password for my account',
    old_stopword: 'Could you reset the password please',
    old_link: 'The reset password link has expired',
  });
  // Both words in every one of these, never next to each other: for the words' index a phrase
  // of the two matches them all; only the pairs tell them apart.
  psql(database, `
WITH v AS (INSERT INTO visitor (name) VALUES ('Filler') RETURNING id),
c AS (INSERT INTO conversation (visitor_id, status) SELECT id, 'RESOLVED' FROM v RETURNING id)
INSERT INTO message (conversation_id, sender, client_id, body)
SELECT c.id, 'AGENT', 'filler-' || g, 'Please reset it first, then your password ' || g FROM c, generate_series(1, ${FILLERS}) g`);
  // The upgrade: this start applies 0028 (and analyzes) over the messages above.
  server = await startParley({ env: { DATABASE_URL: database } });
  assert.equal(psql(database, 'SELECT count(*) FROM schema_migrations WHERE version = 28'), '1');
  const login = await request(`${server.url}/api/auth/login`, { method: 'POST', body: AGENT });
  assert.equal(login.status, 200, login.text);
  cookie = [].concat(login.headers['set-cookie']).find((c) => c.startsWith('parley_session=')).split(';')[0];
  seed(database, 'Newer Visitor', {
    new_adjacent: 'Resetting passwords is done from the settings page',
    new_urgent: 'Urgent: reset password now, link broken',
    new_apart: 'The password you chose cannot be reset',
    new_reversed: 'password reset link link password',
    new_zanzibar: 'Shipping to Zanzibar takes a week',
  });
});

after(() => server?.stop());

// Every page of a search (25 a page), its message ids in the order given.
async function allPages(q, params = {}) {
  const seen = [];
  let cursor = null;
  let pages = 0;
  do {
    const res = await request(`${server.url}/api/search?${new URLSearchParams({ q, limit: '25', ...params, ...(cursor ? { cursor } : {}) })}`,
      { headers: { Cookie: cookie } });
    assert.equal(res.status, 200, res.text);
    const body = res.json();
    seen.push(...body.results.filter((r) => r.type === 'message').map((r) => r.message.id));
    cursor = body.nextCursor;
    assert.ok(++pages <= 10, 'ten pages at most');
  } while (cursor);
  return { seen, pages };
}

// The messages holding a word, newest first, straight from the table.
const newestFirst = (word, where = 'true', limit = 1000) => psql(database, `
SELECT string_agg(id::text, ',' ORDER BY id DESC) FROM (
  SELECT m.id FROM message m JOIN conversation c ON c.id = m.conversation_id
  WHERE m.search_vector @@ to_tsquery('english', '${word}') AND ${where} ORDER BY m.id DESC LIMIT ${limit}) t`)
  .split(',').filter(Boolean).map(Number);
const vectorScans = () => Number(psql(database, "SELECT idx_scan FROM pg_stat_user_indexes WHERE indexrelname = 'message_search_vector'"));

describe('inbox search: walking newest first or reading the index', () => {
  // First in the file: no search has read the words' index yet, so a late-counted scan of
  // another test cannot be mistaken for one of these.
  it('a word in most messages is walked for, a rare one read from the index', async () => {
    assert.equal(vectorScans(), 0);
    // `please` is in the 20,000 fillers (the statistics say so: the migration analyzed them).
    assert.equal((await found('please')).length, 50, 'a full page of fillers');
    assert.equal(await found('zanzibar').then((r) => r.length), 1);
    await waitFor(() => vectorScans() > 0, { what: 'the rare word\'s search counted in pg_stat_user_indexes' });
    assert.equal(vectorScans(), 1, 'one scan of the words index: the rare word; the common one walked');
  });

  it('the same pages either way: a common word paged by its cursor into older messages', async () => {
    const res = await request(`${server.url}/api/search?${new URLSearchParams({ q: 'please', limit: '25' })}`, { headers: { Cookie: cookie } });
    const page1 = res.json();
    const res2 = await request(`${server.url}/api/search?${new URLSearchParams({ q: 'please', limit: '25', cursor: page1.nextCursor })}`,
      { headers: { Cookie: cookie } });
    const ids2 = [...page1.results, ...res2.json().results].map((r) => r.message.id);
    assert.deepEqual(ids2, newestFirst('please', 'true', 50));
  });

  it('a rare word over several pages, and with a status filter', async () => {
    // 60 messages, every other one in an open conversation, written after the statistics: a
    // word PostgreSQL does not know, read from the index.
    psql(database, `
WITH v AS (INSERT INTO visitor (name) VALUES ('Keeper') RETURNING id),
a AS (INSERT INTO conversation (visitor_id, status) SELECT id, 'OPEN' FROM v RETURNING id),
b AS (INSERT INTO conversation (visitor_id, status) SELECT id, 'RESOLVED' FROM v RETURNING id)
INSERT INTO message (conversation_id, sender, client_id, body)
SELECT CASE WHEN g % 2 = 0 THEN a.id ELSE b.id END, 'VISITOR', 'quokka-' || g, 'A quokka seen on the beach, number ' || g
FROM a, b, generate_series(1, 60) g`);
    const all = await allPages('quokka');
    assert.equal(all.pages, 3);
    assert.deepEqual(all.seen, newestFirst('quokka'));
    assert.equal(all.seen.length, 60);
    const open = await allPages('quokka', { status: 'OPEN' });
    assert.equal(open.pages, 2);
    assert.deepEqual(open.seen, newestFirst('quokka', "c.status = 'OPEN'"));
    assert.equal(open.seen.length, 30);
  });
});

describe('inbox search: phrases', () => {
  // First: the count starts at 0 (no search has run), so a scan counted late cannot be mistaken.
  it('the pairs index is read for a phrase, and not for words, exclusions or stop-word phrases', async () => {
    const start = pairScans();
    assert.equal(start, 0);
    await found('reset password');
    await found('password -"reset password"');
    await found('"reset password" or zanzibar');
    await found('"reset the password"'); // no pair at distance 1
    await found('"reset password"');
    await waitFor(() => pairScans() > start, { what: 'the phrase search counted in pg_stat_user_indexes' });
    await found('"password link"');
    await waitFor(() => pairScans() >= start + 2, { what: 'the second phrase search counted' });
    assert.equal(pairScans(), start + 2, 'one scan of the pairs index per phrase search, none for the others');
  });

  it('finds the words next to each other and in order, written before and after the upgrade, stemmed', async () => {
    const adjacent = idsOf('old_adjacent', 'old_link', 'new_adjacent', 'new_urgent');
    assert.deepEqual(await found('"reset password"'), adjacent);
    assert.deepEqual(await found('"resetting passwords"'), adjacent, 'the phrase is stemmed like the text');
    // Without quotes the same words anywhere: every filler, the other orders too.
    const words = await found('reset password');
    assert.equal(words.length, 50, 'a full page of the 20,000 messages holding both words');
  });

  it('a stop word inside the phrase holds its place', async () => {
    assert.deepEqual(await found('"reset the password"'), idsOf('old_stopword'));
    assert.deepEqual(await found('"reset my password"'), idsOf('old_stopword'), 'any stop word in that place');
  });

  it('three words: both pairs, and the three in a row', async () => {
    // old_link holds "reset password link"; new_reversed the pairs 'password reset',
    // 'reset link', 'link link' and 'link password'.
    assert.deepEqual(await found('"reset password link"'), idsOf('old_link'));
    assert.deepEqual(await found('"password reset link"'), idsOf('new_reversed'));
    // Both pairs of "link password reset" are in new_reversed, never the three in a row: the
    // phrase itself is still checked, the pairs only narrow the candidates.
    assert.deepEqual(await found('"link password reset"'), []);
  });

  it('with an exclusion, an excluded phrase, and or', async () => {
    assert.deepEqual(await found('"reset password" -urgent'), idsOf('old_adjacent', 'old_link', 'new_adjacent'));
    assert.deepEqual(await found('"reset password" -"password link"'), idsOf('old_adjacent', 'new_adjacent', 'new_urgent'));
    assert.deepEqual(await found('link -"reset password"'), idsOf('new_reversed'));
    assert.deepEqual(await found('"reset password" or zanzibar'),
      idsOf('old_adjacent', 'old_link', 'new_adjacent', 'new_urgent', 'new_zanzibar'));
    assert.deepEqual(await found('zanzibar or "reset password"'),
      idsOf('old_adjacent', 'old_link', 'new_adjacent', 'new_urgent', 'new_zanzibar'));
  });

});
