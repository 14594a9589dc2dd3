// Housekeeping prunes the event log every round (10 s): rows older than 10 minutes go, newer
// ones stay, and a later round still finds old rows written after its previous cut (each
// prune starts where the last one stopped: src/conversation/event_writer.cpp).
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startParley } from '../support/parley.mjs';
import { query } from '../support/pg.mjs';
import { waitFor } from '../support/http.mjs';

const count = (url, where) => Number(query(url, `SELECT count(*) FROM event_log WHERE ${where}`)[0][0]);
const insertEvents = (url, marker, age) =>
  query(url, `INSERT INTO event_log (frame, to_agents, created_at)
              SELECT '{"type":"${marker}"}', true, now() - interval '${age}' FROM generate_series(1, 3)`);

describe('housekeeping: the event log', () => {
  let server;
  before(async () => {
    server = await startParley();
  });
  after(async () => server?.stop());

  it('forgets rows older than ten minutes each round, keeps the recent ones, and finds old rows added later', async () => {
    const url = server.databaseUrl;
    insertEvents(url, 'old-a', '11 minutes');
    await waitFor(() => count(url, `frame LIKE '%old-a%'`) === 0, { what: 'the first old rows pruned', deadline: 40000 });
    // Rows above the last cut, already old, then recent ones (rows are written in time order).
    insertEvents(url, 'old-b', '11 minutes');
    insertEvents(url, 'recent', '1 minute');
    await waitFor(() => count(url, `frame LIKE '%old-b%'`) === 0, { what: 'the later old rows pruned', deadline: 40000 });
    assert.equal(count(url, `frame LIKE '%recent%'`), 3, 'recent rows are kept');
  });
});
