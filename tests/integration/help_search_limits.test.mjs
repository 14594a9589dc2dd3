// Help-center search on its own connections (docs/HELP_CENTER.md "Search"): the statement
// timeout bounds the second tier too (typos, some of the words) now that the settings are the
// connection's, a slow first tier leaves the second only what is left and the connection as it
// was, and the search's queue has a limit (503 search_busy past it, not a wait without end).
// Real binary, real PostgreSQL; tables locked by a psql session stand for slow statements. No
// timing is asserted.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { helpServer, search } from '../support/help.mjs';
import { waitFor } from '../support/http.mjs';
import { assertError } from '../support/assert.mjs';
import { psql, psqlSession } from '../support/pg.mjs';

// kHelpSearchMaxThreads + kHelpSearchQueueLimit in src/app/serve.cpp, and some to spare.
const MORE_THAN_RUNNING_AND_QUEUED = 8 + 32 + 10;

// Searches of this server's database waiting for a lock, and for how long (PostgreSQL's clock).
function lockWaits(url) {
  const rows = psql(url, `SELECT coalesce(max(extract(epoch FROM now() - query_start) * 1000), 0)::int, count(*)
    FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'`);
  const [longestMs, count] = rows.split('|').map(Number);
  return { longestMs, count };
}

describe('help search: its own connections, timeout and queue', () => {
  let server;
  before(async () => {
    server = await helpServer();
  });
  after(() => server?.stop());

  it('the typo tier waiting for a lock → 503 search_timeout, and the next search works', async () => {
    // "pasword" matches nothing in full text (article is free), so the second statement runs and
    // waits on the word table.
    const lock = await psqlSession(server.databaseUrl);
    try {
      await lock.run('BEGIN; LOCK TABLE help_word IN ACCESS EXCLUSIVE MODE;');
      assertError(await search(server, 'pasword'), 503, 'search_timeout');
      await lock.run('COMMIT;');
      const res = await search(server, 'pasword');
      assert.equal(res.status, 200, res.text);
      assert.equal(res.json().results[0]?.slug, 'reset-your-password');
    } finally {
      await lock.end();
    }
  });

  it('a slow first tier: the second still answers, and later searches are unaffected', async () => {
    const lock = await psqlSession(server.databaseUrl);
    let pending;
    try {
      await lock.run('BEGIN; LOCK TABLE article IN ACCESS EXCLUSIVE MODE;');
      pending = search(server, 'invoce');
      // Past a tenth of the 1 s budget in the first statement: the second gets what is left.
      await waitFor(() => lockWaits(server.databaseUrl).longestMs > 200, { interval: 20, what: 'a search waiting 200 ms' });
      await lock.run('COMMIT;');
      const res = await pending;
      assert.equal(res.status, 200, res.text);
      assert.equal(res.json().results[0]?.slug, 'download-your-invoices');
    } finally {
      await lock.end();
    }
    for (const q of ['webhoks', 'refunds', 'how can I get a refund']) {
      const res = await search(server, q);
      assert.equal(res.status, 200, res.text);
      assert.ok(res.json().results.length > 0, q);
    }
  });

  it('more searches at once than run and wait → 503 search_busy with Retry-After; the others are answered', async () => {
    const lock = await psqlSession(server.databaseUrl);
    const answers = [];
    try {
      await lock.run('BEGIN; LOCK TABLE article IN ACCESS EXCLUSIVE MODE;');
      // Distinct questions: none can come from the answer cache.
      const pending = [];
      for (let i = 0; i < MORE_THAN_RUNNING_AND_QUEUED; i++) {
        pending.push(search(server, `password ${i}`).then((r) => answers.push(r)));
      }
      await waitFor(() => answers.some((r) => r.status === 503), { interval: 20, what: 'a search refused' });
      await lock.run('COMMIT;');
      await Promise.all(pending);
    } finally {
      await lock.end();
    }
    const busy = answers.filter((r) => r.status === 503 && r.json().error.code === 'search_busy');
    assert.ok(busy.length > 0, 'some searches were refused');
    for (const r of busy) assert.equal(r.headers['retry-after'], '1');
    for (const r of answers) {
      assert.ok(r.status === 200 || r.status === 503, `${r.status} ${r.text}`);
      if (r.status === 503) assert.match(r.json().error.code, /^(search_busy|search_timeout)$/);
    }
    assert.ok(answers.some((r) => r.status === 200), 'the queued searches were answered once the lock went');
    const res = await search(server, 'password');
    assert.equal(res.status, 200, res.text);
  });
});
