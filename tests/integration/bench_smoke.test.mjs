// Smoke runs of the benchmarks (bench/): each works end to end — messages arrive, nothing
// is lost, sockets stay open, the scripts print their rows. Benchmarks are not timed tests:
// no timing is asserted here; deadlines only turn a hang into a failure.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import { startParley, runParley, cleanEnv, PARLEY_BIN } from '../support/parley.mjs';
import { ROOT, query } from '../support/pg.mjs';

const LOADGEN = process.env.PARLEY_LOADGEN || path.join(path.dirname(PARLEY_BIN), 'parley_loadgen');
const PEER_DIR = path.join(ROOT, 'bench/peers/seed-node');
const AGENT = { email: 'bench@localhost', password: 'bench-password-1234' };

/** Runs a command to completion; resolves {code, stdout, stderr}. Killed after `timeout` ms. */
function run(cmd, args, { env = {}, timeout = 120000 } = {}) {
  return new Promise((resolve, reject) => {
    const p = spawn(cmd, args, { env: cleanEnv(env), stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    p.stdout.on('data', (d) => (stdout += d));
    p.stderr.on('data', (d) => (stderr += d));
    const timer = setTimeout(() => p.kill('SIGKILL'), timeout);
    p.once('error', (e) => {
      clearTimeout(timer);
      reject(e);
    });
    p.once('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code: code ?? signal, stdout, stderr });
    });
  });
}

/** The load generator's one JSON line of results. */
async function loadgen(args, opts) {
  const r = await run(LOADGEN, args, opts);
  const line = r.stdout.trim().split('\n').pop() || '';
  let json;
  try {
    json = JSON.parse(line);
  } catch {
    assert.fail(`parley_loadgen ${args[0]} printed no JSON (exit ${r.code}):\n${r.stdout}\n${r.stderr}`);
  }
  return { ...r, json };
}

async function addAgent(databaseUrl) {
  const r = await runParley(['agent', 'add', '--email', AGENT.email, '--name', 'Bench'], {
    env: { DATABASE_URL: databaseUrl },
    input: `${AGENT.password}\n`,
  });
  assert.equal(r.code, 0, `agent add: ${r.stderr}`);
}

function relayArgs(url) {
  return ['relay', '--url', url, '--visitors', '4', '--rate', '20', '--duration', '2', '--warmup', '0.5', '--drain', '10',
    '--agent-email', AGENT.email, '--agent-password', AGENT.password];
}

function assertNothingLost(json) {
  assert.equal(json.setup_error, undefined, `setup failed: ${json.setup_error}`);
  assert.ok(json.sent > 0, `nothing was sent: ${JSON.stringify(json)}`);
  assert.equal(json.delivered, json.sent, `delivered ≠ sent: ${JSON.stringify(json)}`);
  assert.equal(json.acked, json.sent, `acked ≠ sent: ${JSON.stringify(json)}`);
  assert.equal(json.lost, 0);
  assert.equal(json.errors, 0, `error frames: ${JSON.stringify(json.error_codes)}`);
  assert.equal(json.closed, 0, `sockets closed: ${json.first_close}`);
  assert.equal(json.duplicates, 0);
  assert.equal(json.delivery.count, json.sent, 'a latency sample per delivered message');
}

describe('benchmarks: smoke runs', { skip: !existsSync(LOADGEN) && `no load generator at ${LOADGEN}` }, () => {
  let server;
  before(async () => {
    server = await startParley();
    await addAgent(server.databaseUrl);
  });
  after(async () => {
    await server?.stop();
  });

  it('relay: every message is acknowledged, stored once and delivered to the agent', async () => {
    const before = Number(query(server.databaseUrl, 'SELECT count(*) FROM message')[0][0]);
    const { json } = await loadgen(relayArgs(server.url));
    assertNothingLost(json);
    const after = Number(query(server.databaseUrl, 'SELECT count(*) FROM message')[0][0]);
    // One opening message per visitor, the warm-up, then the measured messages.
    assert.equal(after - before, json.visitors + Math.round(json.warmup * json.rate) + json.sent, 'rows stored');
  });

  it('relay --pairs: each message reaches the visitor’s other tab (and the agent, when one is online), stored once', async () => {
    for (const agents of ['0', '1']) {
      const before = Number(query(server.databaseUrl, 'SELECT count(*) FROM message')[0][0]);
      const { json } = await loadgen([...relayArgs(server.url), '--pairs', '--agents', agents]);
      assertNothingLost(json);
      assert.equal(json.pairs, true);
      assert.equal(json.agents, Number(agents));
      const after = Number(query(server.databaseUrl, 'SELECT count(*) FROM message')[0][0]);
      assert.equal(after - before, json.visitors + Math.round(json.warmup * json.rate) + json.sent, 'rows stored');
    }
  });

  it('relay --window: a line per window whose counts add up to the summary', async () => {
    const r = await run(LOADGEN, [...relayArgs(server.url), '--window', '1']);
    const lines = r.stdout.trim().split('\n').map((l) => JSON.parse(l));
    const json = lines.pop();
    assertNothingLost(json);
    assert.equal(json.window, 1);
    assert.deepEqual(lines.map((l) => [l.mode, l.window]), [['relay-window', 0], ['relay-window', 1]]);
    const sum = (f) => lines.reduce((n, l) => n + f(l), 0);
    assert.equal(sum((l) => l.sent), json.sent);
    assert.equal(sum((l) => l.delivered), json.delivered);
    assert.equal(sum((l) => l.acked), json.acked);
    assert.equal(sum((l) => l.delivery.count), json.delivery.count);
    for (const l of lines) {
      assert.equal(l.due, l.sent, JSON.stringify(l));
      assert.equal(typeof l.start_unix_ms, 'number');
      assert.equal(typeof l.delivery.p99_ms, 'number');
    }
  });

  it('idle: sockets from several processes and source addresses authenticate and stay open', async () => {
    const { json } = await loadgen(['idle', '--url', server.url, '--connections', '12', '--processes', '2', '--tokens', '3',
      '--sources', '3', '--hold', '1', '--settle', '0', '--measure-pid', String(server.proc.pid)]);
    assert.equal(json.ready, 12, JSON.stringify(json));
    assert.equal(json.failed, 0, JSON.stringify(json));
    assert.equal(json.open_at_end, 12, JSON.stringify(json));
    assert.equal(typeof json.rss_held_kib, 'number');
  });

  it('idle across two processes on one database: each holds its share through the hold', async () => {
    const b = await startParley({ env: { DATABASE_URL: server.databaseUrl } });
    try {
      const { json } = await loadgen(['idle', '--url', `${server.url},${b.url}`, '--connections', '6', '--processes', '2',
        '--tokens', '2', '--sources', '2', '--hold', '1', '--settle', '0',
        '--measure-pid', `${server.proc.pid},${b.proc.pid}`]);
      assert.equal(json.connections, 12, JSON.stringify(json));
      assert.equal(json.open_at_end, 12, JSON.stringify(json));
      assert.equal(json.closed_during_hold, 0, JSON.stringify(json));
      assert.deepEqual(json.servers.map((s) => [s.url, s.ready, s.failed, s.open_at_end]),
        [[server.url, 6, 0, 6], [b.url, 6, 0, 6]]);
      for (const s of json.servers) assert.equal(typeof s.rss_held_kib, 'number');
    } finally {
      await b.stop();
    }
  });

  it('relay across processes: visitors on A, the agent on B, nothing lost', async () => {
    const b = await startParley({ env: { DATABASE_URL: server.databaseUrl } });
    try {
      const { json } = await loadgen([...relayArgs(server.url), '--agent-url', b.url]);
      assert.equal(json.cross_process, true);
      assertNothingLost(json);
    } finally {
      await b.stop();
    }
  });

  it('coldstart: times a server from exec to /readyz 200, then stops it', async () => {
    const port = 20000 + Math.floor(Math.random() * 12000);
    const { json } = await loadgen(['coldstart', '--url', `http://127.0.0.1:${port}`, '--timeout', '60', '--',
      PARLEY_BIN, 'serve', '--listen', `127.0.0.1:${port}`], { env: { DATABASE_URL: server.databaseUrl } });
    assert.equal(json.error, undefined, JSON.stringify(json));
    assert.equal(typeof json.ready_ms, 'number');
  });
});

describe('benchmarks: the seed-node peer', {
  skip: (!existsSync(LOADGEN) && 'no load generator') ||
    (!existsSync(path.join(PEER_DIR, 'node_modules/pg')) && 'its npm dependencies are installed by bench/relay, not by the tests'),
}, () => {
  let server;
  let peer;
  before(async () => {
    // The peer uses Parley's schema: a Parley server migrates a fresh database for it.
    server = await startParley();
    await addAgent(server.databaseUrl);
    await server.stop();
    peer = spawn(process.execPath, [path.join(PEER_DIR, 'server.mjs')], {
      env: cleanEnv({ DATABASE_URL: server.databaseUrl, PORT: '0', PEER_AGENT_PASSWORD: AGENT.password }),
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    peer.url = await new Promise((resolve, reject) => {
      let err = '';
      const timer = setTimeout(() => reject(new Error(`the peer did not listen: ${err}`)), 20000);
      peer.stderr.on('data', (d) => {
        err += d;
        const m = /listening on ([\d.]+):(\d+)/.exec(err);
        if (m) {
          clearTimeout(timer);
          resolve(`http://${m[1]}:${m[2]}`);
        }
      });
      peer.once('exit', (code) => reject(new Error(`the peer exited (${code}): ${err}`)));
    });
  });
  after(() => {
    peer?.kill('SIGKILL');
  });

  it('relay through the peer: nothing lost', async () => {
    const { json } = await loadgen(relayArgs(peer.url));
    assertNothingLost(json);
  });
});

/** Runs bench/SCRIPT ARGS… with its own results file; resolves the rows it printed. */
async function runScript(script, args, env, timeout = 120000) {
  const dir = mkdtempSync('/tmp/parley-bench-smoke-');
  try {
    const results = path.join(dir, 'results.md');
    const r = await run(path.join(ROOT, 'bench', script), args, {
      env: { BENCH_RUNS: '1', ...env, BENCH_BUILD: '0', BENCH_RESULTS: results, PARLEY_BIN, LOADGEN },
      timeout,
    });
    assert.equal(r.code, 0, `bench/${script} failed:\n${r.stdout}\n${r.stderr}`);
    return readFileSync(results, 'utf8').split('\n').filter((l) => l.startsWith('| '));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

describe('benchmarks: scripts', { skip: !existsSync(LOADGEN) && 'no load generator' }, () => {
  for (const [script, env, rows] of [
    ['sizes', {}, 2],
    ['cold-start', { BENCH_COLD_RUNS: '1', BENCH_TARGETS: 'parley' }, 1],
  ]) {
    it(`bench/${script} runs and prints its rows`, async () => {
      const printed = await runScript(script, [], env);
      assert.equal(printed.length, rows, printed.join('\n'));
      assert.ok(!/n\/a/.test(printed.join('\n')), `a row without a value:\n${printed.join('\n')}`);
    });
  }

  it('bench/scaleout-idle: two processes hold every socket through the hold', async () => {
    const [row, ...more] = await runScript('scaleout-idle', ['20'], { BENCH_HOLD: '1' });
    assert.equal(more.length, 0, more.join('\n'));
    assert.match(row, /held 40 \/ 40 \/ 40 of 40/);
    assert.match(row, /dropped during the 1s hold 0 \/ 0 \/ 0/);
    assert.ok(!/n\/a/.test(row), `a cell without a value: ${row}`);
  });

  it('bench/reconnect-storm: every tab of every visitor is ready, none closed, CPU and statements per socket', async () => {
    const [row, ...more] = await runScript('reconnect-storm', ['6', '3'], { BENCH_HOLD: '1' });
    assert.equal(more.length, 0, more.join('\n'));
    assert.match(row, /^\| reconnect storm 6×3 = 18 sockets \|/);
    assert.match(row, /ready 18 \/ 18 \/ 18 of 18/);
    assert.match(row, /server closes 0 \/ 0 \/ 0/);
    assert.match(row, /closed after ready 0 \/ 0 \/ 0/);
    assert.match(row, /[0-9.]+ \/ [0-9.]+ \/ [0-9.]+ statements\/socket/);
    assert.match(row, /total [0-9.]+ \/ [0-9.]+ \/ [0-9.]+ µs\/socket/);
    // The neighbours' share of the server CPU is read from /proc/stat in clock ticks (10 ms): a
    // storm of 18 sockets may end within one tick, and then it has no value (n/a), honestly.
    const measured = row.replace(/others on the server CPU [^|]*\|/, '');
    assert.ok(!/n\/a/.test(measured), `a cell without a value: ${row}`);
  });

  it('bench/writer-transaction: a row per batch size, with PostgreSQL CPU per message', async () => {
    const printed = await runScript('writer-transaction', [], { BENCH_BATCHES: '1 3', BENCH_MESSAGES: '6', BENCH_HISTORY_CONVERSATIONS: '10' });
    assert.equal(printed.length, 2, printed.join('\n'));
    printed.forEach((row, i) => {
      assert.match(row, new RegExp(`^\\| writer transaction, batches of ${[1, 3][i]} \\|`));
      assert.match(row, /PostgreSQL CPU [0-9.]+ \/ [0-9.]+ \/ [0-9.]+ µs\/msg/);
    });
  });

  it('bench/writer-steps: a row per step and batch size, with the PostgreSQL backend\'s CPU per message', async () => {
    const printed = await runScript('writer-steps', [], { BENCH_BATCHES: '3', BENCH_MESSAGES: '6', BENCH_HISTORY_CONVERSATIONS: '10' });
    // 5 steps (the statement, no documents out with JSON and with arrays, the bare insert, the
    // empty transaction) and 4 schema steps
    assert.equal(printed.length, 9, printed.join('\n'));
    for (const row of printed) {
      assert.match(row, /^\| writer step: .*, batches of 3 \|/);
      assert.match(row, /PostgreSQL backend CPU [0-9.]+ \/ [0-9.]+ \/ [0-9.]+ µs\/msg/);
    }
  });

  it('bench/profile-relay: one relay run, nothing lost, CPU per process and the batches printed', async () => {
    const r = await run(path.join(ROOT, 'bench', 'profile-relay'), ['20'], {
      env: { BENCH_VISITORS: '4', BENCH_HISTORY_CONVERSATIONS: '10', BENCH_BUILD: '0', BENCH_RESULTS: '/dev/null', PARLEY_BIN, LOADGEN },
      timeout: 120000,
    });
    assert.equal(r.code, 0, `bench/profile-relay failed:\n${r.stdout}\n${r.stderr}`);
    const result = JSON.parse(r.stdout.match(/^relay at 20 msg\/s: (\{.*\})$/m)?.[1] ?? 'null');
    assert.ok(result, r.stdout);
    assert.equal(result.lost, 0, r.stdout);
    assert.equal(result.sent, 200, r.stdout);
    assert.match(r.stdout, /µs\/msg +\S*.*parley serve/, r.stdout);
    assert.match(r.stdout, /parley_commit_batch_size_count +[1-9]/, r.stdout);
  });

  it('bench/wait-profile: one pairs run, nothing lost, the timeline and the lock holders printed', async () => {
    const r = await run(path.join(ROOT, 'bench', 'wait-profile'), ['20'], {
      env: { BENCH_VISITORS: '4', BENCH_HISTORY_CONVERSATIONS: '10', BENCH_DURATION: '2', BENCH_WARMUP: '0.5',
        BENCH_WAIT_SPLIT: '1', BENCH_BUILD: '0', BENCH_RESULTS: '/dev/null', PARLEY_BIN, LOADGEN },
      timeout: 120000,
    });
    assert.equal(r.code, 0, `bench/wait-profile failed:\n${r.stdout}\n${r.stderr}`);
    const result = JSON.parse(r.stdout.match(/^relay at 20 msg\/s \(--pairs --agents 0\), started \S+ (\{.*\})$/m)?.[1] ?? 'null');
    assert.ok(result, r.stdout);
    assert.equal(result.lost, 0, r.stdout);
    assert.equal(result.sent, 40, r.stdout);
    // Sampled (the sampler's own row every tick), a timeline row per second, and the writer seen.
    assert.match(r.stdout, /sampled every [\d.]+ ms \([1-9]\d* ticks\)/, r.stdout);
    assert.match(r.stdout, /^\| 0–1 \| \d+ \|/m, r.stdout);
    assert.match(r.stdout, /the event-order lock, 0–1 s: held in \d+ % of the ticks/, r.stdout);
    assert.match(r.stdout, /^\| writer \| 1 \|/m, r.stdout);
  });

  it('bench/soak: a timeline row per window and the summary, nothing lost', async () => {
    const printed = await runScript('soak', [], {
      BENCH_VISITORS: '4', BENCH_RATE: '20', BENCH_DURATION: '2', BENCH_WINDOW: '1', BENCH_WARMUP: '0.5',
      BENCH_HISTORY_CONVERSATIONS: '10', BENCH_SOAK_EVENT_ROWS_PER_S: '2', BENCH_SOAK_EVENT_AGE_S: '5',
    });
    const text = printed.join('\n');
    const windows = printed.filter((l) => /^\| (⚠ )?\d+(\.\d+)? \| \d\d:\d\d:\d\d \| 20 \| 20 \|/.test(l));
    assert.equal(windows.length, 2, text);
    const summary = printed.filter((l) => l.startsWith('| soak 20 msg/s, 2s, run 1 |'));
    assert.equal(summary.length, 1, text);
    assert.match(summary[0], /sent 40 \| lost 0 \| unacked 0 \|/);
    assert.match(summary[0], /windows over 50 ms: \d of 2/);
  });

  it('bench/relay cross: one process and A → B, fixed and sweep, nothing lost or unpersisted', async () => {
    const printed = await runScript('relay', ['cross'], {
      BENCH_VISITORS: '4', BENCH_RATES: '20', BENCH_LADDER: '20', BENCH_DURATION: '1', BENCH_WARMUP: '0.5',
      BENCH_SWEEP_DURATION: '1', BENCH_SWEEP_WARMUP: '0.5', BENCH_HISTORY_CONVERSATIONS: '10',
      BENCH_RETRIES: '0', // a busy machine would make the sweep wait and run steps again: not what is checked here
    }, 300000);
    const text = printed.join('\n');
    // Fixed: a row per topology and their ratio; sweep: a row per topology and their ratio.
    assert.equal(printed.length, 6, text);
    const fixed = printed.filter((l) => /^\| relay 20 msg\/s, parley, (one process|A → B \(visitors on A, agent on B\)) \|/.test(l));
    assert.equal(fixed.length, 2, text);
    for (const row of fixed) {
      assert.match(row, /lost 0 \/ 0 \/ 0/);
      assert.match(row, /unpersisted 0 \/ 0 \/ 0/);
    }
    assert.equal(printed.filter((l) => /^\| sustainable relay rate, parley, /.test(l)).length, 2, text);
  });
});
