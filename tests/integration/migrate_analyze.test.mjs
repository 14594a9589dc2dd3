// `parley migrate` runs ANALYZE when it applied migrations, so the planner never plans from
// guesses about tables it has not looked at (docs/OPERATIONS.md, Upgrades).
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { runParley } from '../support/parley.mjs';
import { createDatabase, query } from '../support/pg.mjs';
import { waitFor } from '../support/http.mjs';

describe('migrations and statistics', () => {
  it('after `parley migrate` on a fresh database, the tables have been analysed', async () => {
    const url = createDatabase();
    const r = await runParley(['migrate'], { env: { DATABASE_URL: url } });
    assert.equal(r.code, 0, r.stderr);
    // reltuples is -1 until a table is first vacuumed or analysed (PostgreSQL 14+).
    const [[reltuples]] = query(url, "SELECT reltuples FROM pg_class WHERE oid = 'message'::regclass");
    assert.ok(Number(reltuples) >= 0, `message.reltuples = ${reltuples}: never analysed`);
    await waitFor(() => query(url, "SELECT last_analyze IS NOT NULL FROM pg_stat_user_tables WHERE relname = 'message'")[0]?.[0] === 't', {
      deadline: 10000,
      what: 'pg_stat_user_tables.last_analyze for message',
    });
  });
});
