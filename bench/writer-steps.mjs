// What each step of the message writer's batch costs PostgreSQL (bench/writer-steps runs this).
// One connection, as the writer has: per batch BEGIN, the event-order lock, one variant of the
// batch statement, NOTIFY, COMMIT (fsync on). A variant is the writer's statement with steps
// taken away (or a cheaper way of doing one), so the difference between two rows is the price
// of a step. The CPU is the backend's own (/proc, utime + stime) ÷ messages; the rows run
// interleaved round by round, so the machine's drift hits them alike.
// Arguments: JSON {socket, db, batches: [B…], messages, rounds, firstOpen, pgModule, sources: {before, after},
// words, schema}.
import fs from 'node:fs';
import { createRequire } from 'node:module';

const opts = JSON.parse(process.argv[2]);
const require = createRequire(opts.pgModule);
const pg = require('pg');

const statementOf = (file) => {
  const text = fs.readFileSync(file, 'utf8');
  return text.slice(text.indexOf('R"SQL(') + 6, text.indexOf(')SQL"'));
};

// Parameters as the writer sends them. `f` is the frame's middle as the C++ builds it.
const jsonParam = (rows) =>
  JSON.stringify(rows.map((r) => ({ i: r.i, c: r.c, s: 'VISITOR', a: null, an: null, k: r.k, b: r.b })));
const frameMiddle = (r) =>
  `,"conversationId":${r.c},"sender":"VISITOR","agentId":null,"agentName":null,"clientId":${JSON.stringify(r.k)},` +
  `"body":${JSON.stringify(r.b)},"createdAt":"`;
const arrayParams = (rows) => [
  rows.map((r) => r.c),
  rows.map(() => 'VISITOR'),
  rows.map(() => null),
  rows.map((r) => r.k),
  rows.map((r) => r.b),
  rows.map(frameMiddle),
];
const bareParams = (rows) => [rows.map((r) => r.c), rows.map((r) => r.k), rows.map((r) => r.b)];

// The writer's statement in `file`, with the parameters it takes: one JSON document (before
// issue #21's round two) or a typed array per column.
const writerStatement = (label, file) => {
  const sql = statementOf(file);
  return sql.includes('$1::json')
    ? { name: `${label} (JSON in, json_build_object out)`, sql, params: (rows) => [jsonParam(rows)] }
    : { name: `${label} (arrays in, documents from C++)`, sql, params: arrayParams };
};

const BARE = `INSERT INTO message (conversation_id, sender, client_id, body)
SELECT c, 'VISITOR', k, b FROM unnest($1::bigint[], $2::text[], $3::text[]) AS x(c, k, b)
ON CONFLICT ON CONSTRAINT message_client_id_once DO NOTHING RETURNING id`;

// The writer's look-ups, insert and activity bump without its documents, over `input` (columns
// c conversation, s sender, a agent, k client id, b body, i order): the JSON and array rows differ
// only in how `input` is read.
const lookupsInsertBump = (input) => `WITH input AS (${input}
), target AS MATERIALIZED (
  SELECT input.*, cv.visitor_id, cv.status,
    input.a IS NULL OR EXISTS (SELECT 1 FROM agent WHERE id = input.a AND NOT disabled FOR SHARE) AS agent_ok
  FROM input, LATERAL (SELECT visitor_id, status FROM conversation WHERE id = input.c OFFSET 0) cv
), ins AS (
  INSERT INTO message (conversation_id, sender, agent_id, client_id, body)
  SELECT c, s, a, k, b FROM target WHERE agent_ok AND (s <> 'VISITOR' OR status <> 'RESOLVED') ORDER BY i
  ON CONFLICT ON CONSTRAINT message_client_id_once DO NOTHING RETURNING id, conversation_id
), bump AS (
  UPDATE conversation SET updated_at = now()
  WHERE id = ANY (ARRAY(SELECT DISTINCT conversation_id FROM ins)) AND updated_at < now() - interval '1 second'
) SELECT id FROM ins`;

// The steps, cumulative from the top: each row takes one more thing away.
const variants = [
  writerStatement(opts.sources.after ? 'writer statement before' : 'writer statement', opts.sources.before),
  ...(opts.sources.after ? [writerStatement('writer statement after', opts.sources.after)] : []),
  {
    name: 'JSON in, no documents out (lookups, insert, bump)',
    sql: lookupsInsertBump(`SELECT * FROM json_to_recordset($1::json) AS x(i int, c bigint, s message_sender, a bigint, an text, k text, b text)`),
    params: (rows) => [jsonParam(rows)],
  },
  {
    name: 'arrays in, no documents out (lookups, insert, bump)',
    sql: lookupsInsertBump(`SELECT * FROM unnest($1::bigint[], $2::message_sender[], $3::bigint[], $4::text[], $5::text[], $6::text[])
    WITH ORDINALITY AS x(c, s, a, k, b, f, i)`),
    params: arrayParams,
  },
  { name: 'bare insert (arrays in, no lookups, no bump)', sql: BARE, params: bareParams },
  { name: 'empty transaction (lock, NOTIFY, COMMIT only)', sql: null, params: null },
];
// Schema changes, measured on the bare insert, one after another (the last rows of the run).
const destructive = [
  { name: 'bare insert, without the word-pairs index (0028)', ddl: 'DROP INDEX message_word_pairs' },
  { name: '… and without the search_vector GIN index', ddl: 'DROP INDEX message_search_vector' },
  { name: '… and without the search trigger (no to_tsvector)', ddl: 'ALTER TABLE message DISABLE TRIGGER message_search_vector' },
  { name: '… and without message_by_conversation', ddl: 'DROP INDEX message_by_conversation' },
];

const client = new pg.Client({ host: opts.socket, database: opts.db, user: 'postgres' });
await client.connect();
await client.query("SET TIME ZONE 'UTC'");
await client.query('SET plan_cache_mode = force_generic_plan');
const pid = (await client.query('SELECT pg_backend_pid() AS p')).rows[0].p;
const ticks = () => {
  const f = fs.readFileSync(`/proc/${pid}/stat`, 'utf8').replace(/^.*\) /, '').split(' ');
  return Number(f[11]) + Number(f[12]);
};
const hz = 100;

let serial = 0;
const bodyOf = (k) => (opts.words ? `${k} ${opts.words}` : `${k} ${'x'.repeat(32)}`);
async function runVariant(v, index, batch) {
  const tx = Math.ceil(opts.messages / batch);
  const t0 = ticks();
  const w0 = process.hrtime.bigint();
  for (let t = 0; t < tx; t++) {
    const rows = [];
    for (let j = 0; j < batch; j++) {
      const k = `s${serial}-${t}-${j}`;
      rows.push({ i: j, c: opts.firstOpen + ((serial * 7 + t * batch + j) % 1000), k, b: bodyOf(k) });
    }
    serial++;
    await client.query('BEGIN');
    await client.query({ name: 'lock', text: 'SELECT pg_advisory_xact_lock($1)', values: ['31337'] });
    if (v.sql) await client.query({ name: `v${index}`, text: v.sql, values: v.params(rows) });
    await client.query({ name: 'notify', text: "SELECT pg_notify('parley_events', '')", values: [] });
    await client.query('COMMIT');
  }
  const cpu = ((ticks() - t0) / hz) * 1e6;
  const wall = Number(process.hrtime.bigint() - w0) / 1e3;
  return { cpuPerMsg: cpu / (tx * batch), wallPerMsg: wall / (tx * batch) };
}

const results = {};
const record = (name, batch, r) => {
  const key = `${name}\u0000${batch}`;
  (results[key] ||= { name, batch, runs: [] }).runs.push(r);
};
for (const batch of opts.batches) {
  for (let i = 0; i < variants.length; i++) await runVariant(variants[i], i, batch); // warm-up, not reported
  for (let round = 0; round < opts.rounds; round++) {
    for (let i = 0; i < variants.length; i++) record(variants[i].name, batch, await runVariant(variants[i], i, batch));
  }
}
for (const d of opts.schema ? destructive : []) {
  await client.query(d.ddl);
  await client.query('VACUUM ANALYZE message');
  for (const batch of opts.batches) {
    await runVariant({ sql: BARE, params: bareParams }, `d${destructive.indexOf(d)}`, batch);
    for (let round = 0; round < opts.rounds; round++) {
      record(d.name, batch, await runVariant({ sql: BARE, params: bareParams }, `d${destructive.indexOf(d)}`, batch));
    }
  }
}
await client.end();
for (const r of Object.values(results)) console.log(JSON.stringify(r));
