// scripts/run as a newcomer meets it (with the binary already built: PARLEY_SKIP_BUILD=1).
// A taken port, a bad DATABASE_URL and a missing PostgreSQL each end it with a one-line
// reason and exit 1; when it works, the addresses are printed only once Parley answers
// /readyz, with the port Parley really bound (port 0 included) and never a stale one; the log
// is shown and kept in var/parley.log; Ctrl-C/SIGTERM stops Parley, then its PostgreSQL.
import { describe, it, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, readFileSync, writeFileSync, existsSync, chmodSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { ROOT, createDatabase } from '../support/pg.mjs';
import { PARLEY_BIN, cleanEnv } from '../support/parley.mjs';
import { freePort } from '../support/nginx.mjs';
import { request, waitFor } from '../support/http.mjs';

const RUN = path.join(ROOT, 'scripts/run');
const tmpDirs = [];
after(() => {
  for (const d of tmpDirs) rmSync(d, { recursive: true, force: true });
});

function varDir() {
  const d = mkdtempSync(path.join(os.tmpdir(), 'parley-run-'));
  tmpDirs.push(d);
  return d;
}

/**
 * Starts scripts/run with the built binary and its own var folder. Returns {proc, out(), err(),
 * exited, waitForOutput(re)}; `exited` resolves {code, signal}.
 */
function startRun(env) {
  const proc = spawn('bash', [RUN], {
    env: cleanEnv({ PARLEY_SKIP_BUILD: '1', PARLEY_BIN, PARLEY_START_TIMEOUT: '45', ...env }),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  proc.stdout.on('data', (d) => (out += d));
  proc.stderr.on('data', (d) => (err += d));
  const exited = new Promise((resolve) => proc.once('close', (code, signal) => resolve({ code, signal })));
  const guard = setTimeout(() => proc.kill('SIGTERM'), 120000); // scripts/run then stops what it started
  exited.then(() => clearTimeout(guard));
  return {
    proc,
    out: () => out,
    err: () => err,
    exited,
    async waitForOutput(re, what) {
      let done = false;
      exited.then(() => (done = true));
      try {
        await waitFor(() => re.test(out) || done, { deadline: 60000, interval: 100, what });
      } catch (e) {
        e.message += `\n--- stdout ---\n${out}--- stderr ---\n${err}`;
        throw e;
      }
      if (!re.test(out)) throw new Error(`scripts/run exited before ${what}\n--- stdout ---\n${out}--- stderr ---\n${err}`);
    },
  };
}

/** Runs scripts/run to its end; returns {code, out, err, lastLine}. */
async function runToEnd(env) {
  const r = startRun(env);
  const { code } = await r.exited;
  const lines = r.err().trim().split('\n');
  return { code, out: r.out(), err: r.err(), lastLine: lines[lines.length - 1] };
}

function bannerUrl(out) {
  const m = /inbox: +(http:\/\/[^\s]+)\/inbox/.exec(out);
  assert.ok(m, `no inbox address in:\n${out}`);
  return m[1];
}

function bannerLogin(out) {
  const email = /email: +(\S+)/.exec(out)?.[1];
  const password = /password: +(\S+)/.exec(out)?.[1];
  assert.ok(email && password, `no login in:\n${out}`);
  return { email, password };
}

async function loginFrom(url, { email, password }) {
  // Sent as the browser on the printed address would: with its Origin.
  const res = await request(url.replace('localhost', '127.0.0.1') + '/api/auth/login', {
    method: 'POST',
    headers: { Origin: url },
    body: { email, password },
  });
  assert.equal(res.status, 200, res.text);
  const cookie = [].concat(res.headers['set-cookie'])[0].split(';')[0];
  const me = await request(url.replace('localhost', '127.0.0.1') + '/api/me', { headers: { Cookie: cookie } });
  assert.equal(me.status, 200, me.text);
  return me.json().agent;
}

/**
 * Ends a run whatever state it is in: SIGTERM (scripts/run then stops Parley and its
 * PostgreSQL), SIGKILL only if that takes over 30 s. A bare SIGKILL would leave both running.
 */
async function finish(r) {
  if (r.proc.exitCode !== null || r.proc.signalCode !== null) return;
  r.proc.kill('SIGTERM');
  let timer;
  const late = new Promise((resolve) => (timer = setTimeout(resolve, 30000, 'late')));
  if ((await Promise.race([r.exited, late])) === 'late') r.proc.kill('SIGKILL');
  clearTimeout(timer);
}

/** SIGTERM to scripts/run: it stops Parley (and its PostgreSQL) and exits 0. */
async function stopRun(r) {
  r.proc.kill('SIGTERM');
  const { code } = await r.exited;
  assert.equal(code, 0, r.err());
}

function isListening(port) {
  return new Promise((resolve) => {
    const s = net.connect({ host: '127.0.0.1', port }, () => {
      s.destroy();
      resolve(true);
    });
    s.on('error', () => resolve(false));
  });
}

describe('scripts/run: failures end with a one-line reason', () => {
  it('a taken port', async () => {
    const blocker = net.createServer().listen(0, '127.0.0.1');
    await new Promise((r) => blocker.once('listening', r));
    const { port } = blocker.address();
    try {
      const r = await runToEnd({ PARLEY_VAR_DIR: varDir(), DATABASE_URL: createDatabase(), PARLEY_LISTEN: `127.0.0.1:${port}` });
      assert.equal(r.code, 1, r.err);
      assert.match(r.lastLine, new RegExp(`^\\[parley\\] error: port ${port} is taken.*PARLEY_LISTEN=`));
      assert.doesNotMatch(r.out, /inbox/, 'no addresses printed');
    } finally {
      blocker.close();
    }
  });

  it('a port Parley itself cannot bind (the check before the build missed it)', async () => {
    // Busy on 127.0.0.2 only: the early check (a connect to loopback) passes; the bind to all
    // addresses fails in Parley, and scripts/run passes on Parley's reason.
    const blocker = net.createServer().listen(0, '127.0.0.2');
    await new Promise((r, j) => blocker.once('listening', r).once('error', j));
    const { port } = blocker.address();
    try {
      const r = await runToEnd({ PARLEY_VAR_DIR: varDir(), DATABASE_URL: createDatabase(), PARLEY_LISTEN: `0.0.0.0:${port}` });
      assert.equal(r.code, 1, r.err);
      assert.match(r.lastLine, /^\[parley\] error: Parley stopped before it was ready \(exit 1\): cannot listen on 0\.0\.0\.0:\d+: .*in use/);
      assert.match(r.err, /critical cannot listen/, "Parley's own log is shown");
      assert.doesNotMatch(r.out, /inbox/, 'no addresses printed');
    } finally {
      blocker.close();
    }
  });

  it('a bad DATABASE_URL, with its password hidden', async () => {
    const r = await runToEnd({
      PARLEY_VAR_DIR: varDir(),
      DATABASE_URL: 'postgresql://parley:s3cret@127.0.0.1:1/parley',
      PARLEY_LISTEN: `127.0.0.1:${await freePort()}`,
    });
    assert.equal(r.code, 1, r.err);
    assert.match(r.lastLine, /^\[parley\] error: cannot use DATABASE_URL=postgresql:\/\/parley:\*\*\*@127\.0\.0\.1:1\/parley: .*refused/);
    assert.doesNotMatch(r.err + r.out, /s3cret/);
  });

  it('no PostgreSQL installed (and no DATABASE_URL)', async () => {
    const r = await runToEnd({ PARLEY_VAR_DIR: varDir(), PG_BINDIR: varDir(), PARLEY_LISTEN: `127.0.0.1:${await freePort()}` });
    assert.equal(r.code, 1, r.err);
    assert.match(r.lastLine, /^\[parley\] error: PostgreSQL server binaries not found/);
  });

  it('a PARLEY_LISTEN that is not HOST:PORT', async () => {
    const r = await runToEnd({ PARLEY_VAR_DIR: varDir(), PARLEY_LISTEN: '8090' });
    assert.equal(r.code, 1, r.err);
    assert.match(r.lastLine, /^\[parley\] error: PARLEY_LISTEN must be HOST:PORT/);
  });
});

describe('scripts/run: the addresses it prints', () => {
  it('port 0: the real port once ready; the login works from it; the name is PARLEY_ADMIN_NAME', async () => {
    const dir = varDir();
    const r = startRun({ PARLEY_VAR_DIR: dir, DATABASE_URL: createDatabase(), PARLEY_LISTEN: '127.0.0.1:0', PARLEY_ADMIN_NAME: 'Dana from Acme' });
    try {
      await r.waitForOutput(/Parley is ready[\s\S]*Ctrl-C stops/, 'the banner');
      const url = bannerUrl(r.out());
      const port = Number(new URL(url).port);
      assert.ok(port > 0, url);
      // Printed only once Parley answered /readyz: the log says so before the banner.
      assert.match(r.err(), /listening on 127\.0\.0\.1:\d+/);
      assert.equal((await request(`http://127.0.0.1:${port}/readyz`)).status, 200);
      const me = await loginFrom(url, bannerLogin(r.out()));
      assert.equal(me.name, 'Dana from Acme');
      assert.match(readFileSync(path.join(dir, 'parley.log'), 'utf8'), /listening on 127\.0\.0\.1:\d+/, 'log kept');
      await stopRun(r);
      assert.equal(await isListening(port), false, 'Parley stopped');
    } finally {
      await finish(r);
    }
  });

  it('its own PostgreSQL: a real default name, no stale port on the next run, everything stopped', async () => {
    const dir = varDir();
    const getent = spawnSync('getent', ['passwd', os.userInfo().username], { encoding: 'utf8' }).stdout.split(':')[4] ?? '';
    const full = getent.split(',')[0];
    const expectedName = full && full !== os.userInfo().username ? full : 'Support team';

    const first = startRun({ PARLEY_VAR_DIR: dir, PARLEY_LISTEN: '127.0.0.1:0' });
    let login;
    try {
      await first.waitForOutput(/Parley is ready[\s\S]*Ctrl-C stops/, 'the banner');
      login = bannerLogin(first.out());
      const me = await loginFrom(bannerUrl(first.out()), login);
      assert.equal(me.name, expectedName);
      assert.match(first.out(), /DATABASE_URL='postgresql:\/\/\/parley\?host=/, 'how parley commands reach the database');
      await stopRun(first);
    } finally {
      await finish(first);
    }
    assert.match(first.err(), /stopping PostgreSQL/);
    assert.equal(existsSync(path.join(dir, 'pg/postmaster.pid')), false, 'PostgreSQL stopped');

    // A login file written by an older scripts/run also held the inbox address of its port.
    const file = path.join(dir, 'first-login.txt');
    writeFileSync(file, readFileSync(file, 'utf8') + '  inbox:    http://localhost:8080/inbox\n');
    const port = await freePort();
    const second = startRun({ PARLEY_VAR_DIR: dir, PARLEY_LISTEN: `127.0.0.1:${port}` });
    try {
      await second.waitForOutput(/Parley is ready[\s\S]*Ctrl-C stops/, 'the banner');
      assert.equal(bannerUrl(second.out()), `http://localhost:${port}`);
      assert.doesNotMatch(second.out(), /8080/, 'no stale address');
      assert.deepEqual(bannerLogin(second.out()), login);
      await loginFrom(bannerUrl(second.out()), login); // data kept
      await stopRun(second);
    } finally {
      await finish(second);
    }
    assert.equal(existsSync(path.join(dir, 'pg/postmaster.pid')), false, 'PostgreSQL stopped');
  });
});

describe('the build helpers (scripts/run, scripts/test, scripts/fuzz) keep stderr', () => {
  // Closing the build lock once took the shell's stderr with it (`exec 9>&- 2>/dev/null`):
  // everything after the build, the server log included, went nowhere.
  for (const fn of ['build_parley', 'build_sanitized']) {
    it(`after ${fn}, messages still reach stderr`, () => {
      const dir = varDir();
      const cmake = path.join(dir, 'cmake');
      writeFileSync(cmake, '#!/bin/sh\nexit 0\n'); // a build that succeeds at once
      chmodSync(cmake, 0o755);
      const r = spawnSync('bash', ['-c', 'source "$0"; apt_install() { :; }; "$1"; echo "still heard" >&2', path.join(ROOT, 'scripts/lib/common.sh'), fn], {
        env: {
          ...cleanEnv(),
          PATH: `${dir}:${process.env.PATH}`,
          PARLEY_BUILD_DIR: dir,
          PARLEY_SANITIZE_DIR: dir,
          PARLEY_BIN: '/bin/true',
          PARLEY_BUILD_LOCK: path.join(dir, 'lock'),
        },
        encoding: 'utf8',
      });
      assert.equal(r.status, 0, r.stderr);
      assert.match(r.stderr, /still heard/);
    });
  }
});
