// Spawning the real binary: `startParley()` for a server, `runParley()` for one-shot commands.
import { spawn } from 'node:child_process';
import path from 'node:path';
import { ROOT, createDatabase } from './pg.mjs';

export const PARLEY_BIN = process.env.PARLEY_BIN || path.join(ROOT, 'build/parley');
const LISTENING = /listening on ([\d.]+|\[[^\]]+\]|[\w.-]+):(\d+)/;

// Parley configuration the tests must control: never inherited from the caller's shell.
const PARLEY_VARS = new Set([
  'PARLEY_LISTEN', 'PARLEY_PUBLIC_URL', 'DATABASE_URL', 'PARLEY_IDENTITY_SECRET',
  'PARLEY_ALLOWED_ORIGINS', 'RESEND_API_KEY', 'RESEND_API_URL', 'PARLEY_MAIL_FROM',
  'PARLEY_SUPPORT_EMAIL', 'PARLEY_THREADS', 'PARLEY_LOG_FORMAT', 'PARLEY_METRICS_ALLOW',
  'PARLEY_TRUSTED_PROXIES', 'PARLEY_EMAIL_BATCH_SECONDS', 'PARLEY_CONTEXT_URL', 'PARLEY_CONTEXT_SECRET',
  'PARLEY_TEXT_SEARCH_CONFIG', 'PARLEY_BOT', 'PARLEY_BOT_THRESHOLD', 'PARLEY_PRESENCE_GRACE_SECONDS', 'PARLEY_HELP_SEARCH_CACHE',
]);

// Test servers start without the grace after a start (PARLEY_PRESENCE_GRACE_SECONDS, default 60
// in production): most tests assert that a "nobody available" email is due at once. The tests of
// the grace itself set it (tests/integration/email.test.mjs).
const TEST_DEFAULTS = { PARLEY_PRESENCE_GRACE_SECONDS: '0' };

/** process.env without Parley's own variables, plus `extra` (undefined values remove a variable). */
export function cleanEnv(extra = {}) {
  const env = { ...TEST_DEFAULTS };
  for (const [k, v] of Object.entries(process.env)) if (!PARLEY_VARS.has(k)) env[k] = v;
  for (const [k, v] of Object.entries(extra)) {
    if (v === undefined || v === null) delete env[k];
    else env[k] = String(v);
  }
  return env;
}

const children = new Set();
// A server a failed test forgot to stop must not keep the test process alive: children and
// their pipes are unref'd (every wait below holds a timer) and killed when the process exits.
function track(proc) {
  children.add(proc);
  proc.once('exit', () => children.delete(proc));
  proc.unref();
  for (const s of [proc.stdin, proc.stdout, proc.stderr]) s?.unref?.();
}
function killAll() {
  for (const p of children) {
    try {
      p.kill('SIGKILL');
    } catch {
      /* already gone */
    }
  }
}
process.on('exit', killAll);
for (const sig of ['SIGINT', 'SIGTERM']) {
  process.once(sig, () => {
    killAll();
    process.exit(128 + (sig === 'SIGINT' ? 2 : 15));
  });
}

function exitResult(proc) {
  return new Promise((resolve) => {
    if (proc.exitCode !== null || proc.signalCode !== null) resolve({ code: proc.exitCode, signal: proc.signalCode });
    else proc.once('exit', (code, signal) => resolve({ code, signal }));
  });
}

/**
 * Starts `parley serve --listen 127.0.0.1:0 ...args`. Without env.DATABASE_URL it gets a fresh
 * database. Resolves once the server logs `listening on HOST:PORT` (20 s at most, else rejects
 * with the server's stderr). Returns {url, host, port, databaseUrl, proc, logs(), stop(), kill()}.
 */
export async function startParley({ env = {}, args = [], timeout = 20000 } = {}) {
  const databaseUrl = env.DATABASE_URL ?? createDatabase();
  const proc = spawn(PARLEY_BIN, ['serve', '--listen', '127.0.0.1:0', ...args], {
    env: cleanEnv({ ...env, DATABASE_URL: databaseUrl }),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  track(proc);
  let stderr = '';
  let stdout = '';
  proc.stdout.on('data', (d) => (stdout += d));
  const exited = exitResult(proc);

  const { host, port } = await new Promise((resolve, reject) => {
    let settled = false;
    const fail = (why) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      proc.kill('SIGKILL');
      reject(new Error(`parley serve ${why}\n--- stderr ---\n${stderr}--- stdout ---\n${stdout}`));
    };
    const timer = setTimeout(() => fail(`did not log "listening on" within ${timeout} ms`), timeout);
    proc.stderr.on('data', (d) => {
      stderr += d;
      const m = LISTENING.exec(stderr);
      if (m && !settled) {
        settled = true;
        clearTimeout(timer);
        resolve({ host: m[1], port: Number(m[2]) });
      }
    });
    proc.once('error', (e) => fail(`could not start: ${e.message}`));
    exited.then(({ code, signal }) => fail(`exited (${code ?? signal}) before listening`));
  });

  const bareHost = host.replace(/^\[|\]$/g, '');
  const urlHost = bareHost.includes(':') ? `[${bareHost}]` : bareHost;
  return {
    url: `http://${urlHost}:${port}`,
    wsUrl: `ws://${urlHost}:${port}/ws`,
    host: bareHost,
    port,
    databaseUrl,
    proc,
    logs: () => stderr,
    stdout: () => stdout,
    exited,
    /** SIGTERM; resolves with the exit code (or the signal name if it died by one). */
    async stop({ timeout: stopTimeout = 30000 } = {}) {
      if (proc.exitCode === null && proc.signalCode === null) proc.kill('SIGTERM');
      const guard = setTimeout(() => proc.kill('SIGKILL'), stopTimeout);
      const { code, signal } = await exited;
      clearTimeout(guard);
      return code ?? signal;
    },
    /** SIGKILL; resolves with the signal name once the process is gone. */
    async kill({ timeout: killTimeout = 30000 } = {}) {
      if (proc.exitCode === null && proc.signalCode === null) proc.kill('SIGKILL');
      // Like every wait here, one holding a timer: the process and its pipes are unref'd, so
      // waiting on its exit alone could leave the event loop empty once the killed server's
      // sockets have closed, and node's test runner then cancels the test ("the event loop has
      // already resolved", seen under the sanitized build).
      let guard;
      const late = new Promise((_, reject) => {
        guard = setTimeout(() => reject(new Error(`the server had not exited ${killTimeout} ms after SIGKILL`)), killTimeout);
      });
      try {
        const { code, signal } = await Promise.race([exited, late]);
        return code ?? signal;
      } finally {
        clearTimeout(guard);
      }
    },
  };
}

/**
 * Stops `server` (SIGTERM, expecting exit 0) and starts a new one on the same port and database,
 * as a restart in production would: clients reconnect to the same address. `whileDown` runs in
 * between. Returns the new one.
 */
export async function restartParley(server, { whileDown = async () => {} } = {}) {
  const code = await server.stop();
  if (code !== 0) throw new Error(`parley serve exited ${code} on SIGTERM\n${server.logs().slice(-2000)}`);
  await whileDown();
  return startParley({ env: { DATABASE_URL: server.databaseUrl }, args: ['--listen', `127.0.0.1:${server.port}`] });
}

/**
 * Runs `parley ...args` to completion. `input` is written to stdin (then closed).
 * Resolves {code, signal, stdout, stderr}; a run past `timeout` ms is killed (signal SIGKILL).
 */
export function runParley(args, { env = {}, input = '', timeout = 60000 } = {}) {
  return new Promise((resolve, reject) => {
    const proc = spawn(PARLEY_BIN, args, { env: cleanEnv(env), stdio: ['pipe', 'pipe', 'pipe'] });
    track(proc);
    let stdout = '';
    let stderr = '';
    let timedOut = false;
    proc.stdout.on('data', (d) => (stdout += d));
    proc.stderr.on('data', (d) => (stderr += d));
    proc.stdin.on('error', () => {}); // the command may exit without reading stdin
    proc.stdin.end(input);
    const timer = setTimeout(() => {
      timedOut = true;
      proc.kill('SIGKILL');
    }, timeout);
    proc.once('error', (e) => {
      clearTimeout(timer);
      reject(e);
    });
    proc.once('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr, timedOut });
    });
  });
}
