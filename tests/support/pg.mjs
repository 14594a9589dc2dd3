// PostgreSQL for tests. scripts/test starts one throwaway cluster and exports
// PARLEY_TEST_PG_HOST (its socket folder); without it (a bare `node --test`), the first call
// starts a private cluster for this test process and removes it when the process exits.
// Every helper reuses scripts/lib/common.sh, so clusters are made exactly as scripts/run does.
import { spawnSync, spawn } from 'node:child_process';
import { mkdtempSync, rmSync, existsSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { waitFor } from './http.mjs';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const COMMON_SH = path.join(ROOT, 'scripts/lib/common.sh');

/** Runs a function of scripts/lib/common.sh synchronously; throws with its output on failure. */
export function shellHelper(fn, ...args) {
  const r = spawnSync('bash', ['-c', 'set -euo pipefail; source "$0"; "$@"', COMMON_SH, fn, ...args], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  if (r.status !== 0) {
    throw new Error(`${fn} ${args.join(' ')} failed (exit ${r.status ?? r.signal}):\n${r.stdout}${r.stderr}`);
  }
  return r.stdout.trim();
}

/** Same as shellHelper, without blocking the event loop (for use while servers run). */
export function shellHelperAsync(fn, ...args) {
  return new Promise((resolve, reject) => {
    const p = spawn('bash', ['-c', 'set -euo pipefail; source "$0"; "$@"', COMMON_SH, fn, ...args], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    p.stdout.on('data', (d) => (out += d));
    p.stderr.on('data', (d) => (out += d));
    p.on('error', reject);
    p.on('close', (code, signal) =>
      code === 0 ? resolve(out.trim()) : reject(new Error(`${fn} ${args.join(' ')} failed (exit ${code ?? signal}):\n${out}`)),
    );
  });
}

const PG_BINDIR = process.env.PG_BINDIR || '/usr/lib/postgresql/15/bin';
const PSQL = existsSync(path.join(PG_BINDIR, 'psql')) ? path.join(PG_BINDIR, 'psql') : 'psql';

/** A libpq URI for database `db` on the cluster whose socket folder is `host`. */
export function pgUrl(host, db) {
  const h = host.split('/').map(encodeURIComponent).join('/');
  return `postgresql:///${encodeURIComponent(db)}?host=${h}&user=postgres`;
}

const clusters = new Set();
let privateShared = null;

process.on('exit', () => {
  for (const c of clusters) {
    try {
      c.destroySync();
    } catch {
      /* best effort */
    }
  }
});

function newClusterDir() {
  const dir = mkdtempSync('/tmp/parley-pg-');
  shellHelper('pg_chown_owner', dir);
  return dir;
}

/** The socket folder of the shared test cluster (starting a private one if none is exported). */
export function sharedHost() {
  if (process.env.PARLEY_TEST_PG_HOST) return process.env.PARLEY_TEST_PG_HOST;
  if (!privateShared) {
    const dir = newClusterDir();
    const data = path.join(dir, 'data');
    const c = {
      destroySync() {
        try {
          shellHelper('pg_stop', data);
        } finally {
          rmSync(dir, { recursive: true, force: true });
        }
      },
    };
    clusters.add(c);
    shellHelper('pg_init', data);
    shellHelper('pg_start', data);
    privateShared = data;
  }
  return privateShared;
}

/** Runs SQL through psql against a libpq URI; returns unaligned, tuples-only output. */
export function psql(url, sql) {
  const r = spawnSync(PSQL, ['-X', '-q', '-v', 'ON_ERROR_STOP=1', '-At', '-F', '|', '-d', url, '-c', sql], {
    encoding: 'utf8',
  });
  if (r.status !== 0) throw new Error(`psql failed (exit ${r.status ?? r.signal}): ${r.stderr}\nSQL: ${sql}`);
  return r.stdout.replace(/\n$/, '');
}

/**
 * An open psql session: `run(sql)` sends statements and resolves once psql has answered them
 * (each call ends with a marker query), `end()` closes it. For what must outlast one statement —
 * an open transaction holding a lock that the server under test then waits for.
 */
export async function psqlSession(url) {
  const p = spawn(PSQL, ['-X', '-q', '-v', 'ON_ERROR_STOP=1', '-At', '-d', url], { stdio: ['pipe', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  p.stdout.on('data', (d) => (out += d));
  p.stderr.on('data', (d) => (err += d));
  const exited = new Promise((resolve) => p.once('exit', resolve));
  let n = 0;
  return {
    async run(sql) {
      const marker = `psql-session-done-${++n}`;
      p.stdin.write(`${sql}\nSELECT '${marker}';\n`);
      for (;;) {
        if (out.includes(marker)) return;
        if (p.exitCode !== null) throw new Error(`psql session ended: ${err}`);
        await new Promise((r) => setTimeout(r, 20));
      }
    },
    async end() {
      p.stdin.end();
      await exited;
    },
  };
}

/** kEventOrderLockKey (src/conversation/event_writer.cpp): the advisory lock every write of events takes first. */
const EVENT_ORDER_LOCK = BigInt('0x7061726c657645').toString();

/**
 * Stalls Parley's writes for real: a psql session holds the event-order lock in an open
 * transaction, so every message batch (and every event) waits for it. `release()` commits.
 */
export async function stallWrites(url) {
  const session = await psqlSession(url);
  await session.run(`BEGIN; SELECT pg_advisory_xact_lock(${EVENT_ORDER_LOCK});`);
  return {
    /** Resolves once a Parley transaction is waiting for the lock (seen in pg_stat_activity). */
    async blocked(deadline = 20000) {
      const sql = `SELECT count(*) FROM pg_stat_activity WHERE datname = current_database()
        AND wait_event_type = 'Lock' AND wait_event = 'advisory'`;
      await waitFor(() => Number(psql(url, sql)) > 0, { deadline, interval: 50, what: 'a transaction waiting for the event-order lock' });
    },
    async release() {
      await session.run('COMMIT;').catch(() => {});
      await session.end();
    },
  };
}

/** Like psql(), returning rows as arrays of strings. */
export function query(url, sql) {
  const out = psql(url, sql);
  return out === '' ? [] : out.split('\n').map((l) => l.split('|'));
}

let dbCounter = 0;

/** A fresh, uniquely named, empty database in the shared test cluster; returns its DATABASE_URL. */
export function createDatabase(prefix = 't') {
  const host = sharedHost();
  const name = `${prefix}_${process.pid}_${++dbCounter}_${randomBytes(3).toString('hex')}`.toLowerCase();
  psql(pgUrl(host, 'postgres'), `CREATE DATABASE "${name}"`);
  return pgUrl(host, name);
}

/**
 * A private cluster for tests that stop and start PostgreSQL themselves.
 * Returns {url (its `parley` database), host, dataDir, stop(), start(), destroy(), createDatabase()}.
 */
export async function startCluster() {
  const dir = newClusterDir();
  const data = path.join(dir, 'data');
  let destroyed = false;
  const cluster = {
    host: data,
    dataDir: data,
    url: pgUrl(data, 'parley'),
    async stop() {
      await shellHelperAsync('pg_stop', data);
    },
    async start() {
      await shellHelperAsync('pg_start', data);
    },
    async destroy() {
      if (destroyed) return;
      destroyed = true;
      clusters.delete(cluster);
      try {
        await shellHelperAsync('pg_stop', data);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    },
    destroySync() {
      if (destroyed) return;
      destroyed = true;
      try {
        shellHelper('pg_stop', data);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    },
    createDatabase(name = `t_${randomBytes(4).toString('hex')}`) {
      psql(pgUrl(data, 'postgres'), `CREATE DATABASE "${name}"`);
      return pgUrl(data, name);
    },
  };
  clusters.add(cluster);
  await shellHelperAsync('pg_init', data);
  await shellHelperAsync('pg_start', data);
  psql(pgUrl(data, 'postgres'), 'CREATE DATABASE parley');
  return cluster;
}
