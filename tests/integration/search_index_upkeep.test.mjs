// The inbox search's GIN index keeps new entries in a pending list; Parley moves that list into
// the index every second from its own connection (src/search/pending_list_flush.cpp), so the
// message writer's INSERTs never do it while holding the event-order lock (docs/BENCHMARKS.md,
// "Soak"). Autovacuum, which also empties the list, is off for `message` here, so only Parley
// can have emptied it.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { runParley, startParley } from '../support/parley.mjs';
import { createDatabase, query } from '../support/pg.mjs';
import { waitFor } from '../support/http.mjs';
import { visitorWrites } from '../support/visitor.mjs';

const pendingTuples = (url) =>
  Number(query(url, "SELECT pending_tuples FROM pgstatginindex('message_search_vector')")[0][0]);
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

describe('the message search index pending list', () => {
  let url;
  let server;
  before(async () => {
    url = createDatabase();
    const r = await runParley(['migrate'], { env: { DATABASE_URL: url } });
    assert.equal(r.code, 0, r.stderr);
    query(url, 'CREATE EXTENSION IF NOT EXISTS pgstattuple');
    query(url, 'ALTER TABLE message SET (autovacuum_enabled = false)');
  });
  after(async () => server?.stop());

  it('is emptied by a running Parley, and by nothing else', async () => {
    server = await startParley({ env: { DATABASE_URL: url } });
    const ws = await visitorWrites(server, 'where is my parcel, the tracking code says delivered');
    await visitorWrites(server, 'and the invoice shows the wrong address', { ws });
    ws.close();
    await waitFor(() => pendingTuples(url) === 0, { what: 'the pending list emptied by Parley', deadline: 15000 });
    await server.stop();
    server = null;

    // Without Parley the list keeps what is written (the control: this test fails if the list
    // were emptied some other way).
    query(url, `INSERT INTO message (conversation_id, sender, client_id, body)
                SELECT conversation_id, sender, 'upkeep-' || id, 'a refund for the broken parcel' FROM message LIMIT 1`);
    assert.ok(pendingTuples(url) > 0, 'a new message waits in the pending list');
    await sleep(2500);
    assert.ok(pendingTuples(url) > 0, 'nothing but Parley empties it here');

    server = await startParley({ env: { DATABASE_URL: url } });
    await waitFor(() => pendingTuples(url) === 0, { what: 'the pending list emptied after a restart', deadline: 15000 });
    // The index answers for the flushed rows.
    const [[found]] = query(url, "SELECT count(*) FROM message WHERE search_vector @@ to_tsquery('english', 'refund & parcel')");
    assert.equal(Number(found), 1);
  });

  // The writer computes the vector in its INSERT; the trigger (migration 0034) fills it for
  // every other writer and on an edit of the body.
  it('gets every message its vector, from the writer or from the trigger', async () => {
    const stale = () => Number(query(url, `SELECT count(*) FROM message
      WHERE search_vector IS DISTINCT FROM to_tsvector('english', body)`)[0][0]);
    query(url, 'ALTER TABLE message DISABLE TRIGGER message_search_vector');
    try {
      (await visitorWrites(server, 'the coupon code for my damaged courier parcel')).close();
    } finally {
      query(url, 'ALTER TABLE message ENABLE TRIGGER message_search_vector');
    }
    const [[written]] = query(url, "SELECT count(*) FROM message WHERE search_vector @@ to_tsquery('english', 'coupon & courier')");
    assert.equal(Number(written), 1, 'the writer stored the vector without the trigger');
    query(url, `INSERT INTO message (conversation_id, sender, client_id, body)
                SELECT conversation_id, sender, 'upkeep-2', 'an export of the spreadsheet' FROM message LIMIT 1`);
    query(url, "UPDATE message SET body = 'a webhook for the dashboard' WHERE body = 'a refund for the broken parcel'");
    assert.equal(stale(), 0, 'every vector is that of its body');
    const [[edited]] = query(url, "SELECT count(*) FROM message WHERE search_vector @@ to_tsquery('english', 'webhook & dashboard')");
    assert.equal(Number(edited), 1);
  });
});
