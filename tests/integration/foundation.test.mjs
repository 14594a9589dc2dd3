// The server's foundation: assets, hostile HTTP, health, migrations, configuration, lifecycle
// and the agent CLI — always against the real binary and a real PostgreSQL. No timing asserts:
// deadlines below only stop a hung test.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { gunzipSync } from 'node:zlib';
import { existsSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { startParley, runParley } from '../support/parley.mjs';
import { ROOT, createDatabase, startCluster, query } from '../support/pg.mjs';
import { request, rawHttp, waitFor } from '../support/http.mjs';
import { connectWs } from '../support/ws.mjs';
import { assertError } from '../support/assert.mjs';


/** `promise`'s value, or null if it has not settled within `ms` (the timer never outlives it). */
async function orNull(promise, ms) {
  let timer;
  try {
    return await Promise.race([promise, new Promise((r) => (timer = setTimeout(() => r(null), ms)))]);
  } finally {
    clearTimeout(timer);
  }
}

const ASSETS = [
  { path: '/widget.js', type: /^(application|text)\/javascript\b/i },
  { path: '/chat/', type: /^text\/html\b/i },
  { path: '/demo', type: /^text\/html\b/i },
];

describe('web assets and hostile HTTP', () => {
  let server;
  before(async () => {
    server = await startParley();
  });
  after(async () => {
    await server?.stop();
  });

  for (const asset of ASSETS) {
    it(`GET ${asset.path} → 200 with its MIME type, an ETag and Cache-Control`, async () => {
      const res = await request(server.url + asset.path);
      assert.equal(res.status, 200, res.text.slice(0, 300));
      assert.match(res.headers['content-type'] ?? '', asset.type);
      assert.ok(res.body.length > 0, 'empty body');
      assert.ok(res.headers.etag, 'no ETag header');
      assert.ok(res.headers['cache-control'], 'no Cache-Control header');
    });

    it(`GET ${asset.path} with If-None-Match: <its ETag> → 304, other tags → 200`, async () => {
      const first = await request(server.url + asset.path);
      const etag = first.headers.etag;
      assert.ok(etag, 'no ETag header');
      const again = await request(server.url + asset.path, { headers: { 'If-None-Match': etag } });
      assert.equal(again.status, 304);
      assert.equal(again.body.length, 0, '304 carries no body');
      const other = await request(server.url + asset.path, { headers: { 'If-None-Match': '"not-this-one"' } });
      assert.equal(other.status, 200);
    });
  }

  it('GET /widget.js with Accept-Encoding: gzip → gzip that gunzips to the plain bytes', async () => {
    const plain = await request(server.url + '/widget.js');
    assert.equal(plain.status, 200);
    assert.ok(!/gzip/i.test(plain.headers['content-encoding'] ?? ''), 'gzip sent to a client that did not ask for it');
    const zipped = await request(server.url + '/widget.js', { headers: { 'Accept-Encoding': 'gzip' } });
    assert.equal(zipped.status, 200);
    assert.match(zipped.headers['content-encoding'] ?? '', /^gzip$/i);
    assert.ok(gunzipSync(zipped.body).equals(plain.body), 'gunzipped body differs from the plain one');
  });

  const TRAVERSALS = [
    '/../etc/passwd',
    '/%2e%2e/%2e%2e/etc/passwd',
    '/chat/..%2f..%2fCMakeLists.txt',
    '/chat\\..\\..\\etc\\passwd',
    '/%2e%2e%5cetc%5cpasswd',
  ];
  for (const target of TRAVERSALS) {
    it(`path traversal ${target} (raw) → 404`, async () => {
      const res = await rawHttp(server.port, { target });
      assert.equal(res.status, 404, `got ${res.status}: ${res.text.slice(0, 300)}`);
      assert.ok(!/root:.*:0:0:|cmake_minimum_required/i.test(res.text), 'a file outside the assets leaked');
    });
  }

  it('a 9 KiB header → 431 headers_too_large', async () => {
    const res = await rawHttp(server.port, { target: '/healthz', headers: { 'X-Filler': 'a'.repeat(9 * 1024) } });
    assertError(res, 431, 'headers_too_large');
  });

  it('a 65 KiB + 1 body to POST /api/visitors/identify → 413 body_too_large', async () => {
    const body = Buffer.alloc(65 * 1024 + 1, 0x20);
    body.write('{"name":"');
    body.write('"}', body.length - 2);
    const res = await rawHttp(server.port, {
      method: 'POST',
      target: '/api/visitors/identify',
      headers: { 'Content-Type': 'application/json' },
      body,
      headFirst: true,
    });
    assertError(res, 413, 'body_too_large');
  });

  it('unknown routes → 404 with the JSON error shape', async () => {
    assertError(await request(server.url + '/no/such/page'), 404, 'not_found');
    assertError(await request(server.url + '/api/no-such-route'), 404, 'not_found');
  });

  it('GET /healthz → 200 {"status":"ok"}', async () => {
    const res = await request(server.url + '/healthz');
    assert.equal(res.status, 200);
    assert.deepEqual(res.json(), { status: 'ok' });
  });
});

describe('readiness follows PostgreSQL', () => {
  let cluster;
  let server;
  after(async () => {
    await server?.stop();
    await cluster?.destroy();
  });

  it('/readyz → 200, 503 while its PostgreSQL is stopped, 200 again once it is back', async () => {
    cluster = await startCluster();
    server = await startParley({ env: { DATABASE_URL: cluster.url } });
    const status = async () => (await request(server.url + '/readyz')).status;

    await waitFor(async () => (await status()) === 200, { deadline: 30000, what: '/readyz 200 at start' });
    const ready = await request(server.url + '/readyz');
    assert.deepEqual(ready.json(), { status: 'ready' });

    await cluster.stop();
    await waitFor(async () => (await status()) === 503, { deadline: 60000, what: '/readyz 503 with PostgreSQL down' });
    assert.equal((await request(server.url + '/healthz')).status, 200, '/healthz stays 200 while the database is down');

    await cluster.start();
    await waitFor(async () => (await status()) === 200, { deadline: 90000, what: '/readyz 200 after PostgreSQL is back' });
  });
});

describe('migrations', () => {
  it('two `parley migrate` at once on an empty database: both exit 0, each migration recorded once', async () => {
    const url = createDatabase();
    const env = { DATABASE_URL: url };
    const [a, b] = await Promise.all([runParley(['migrate'], { env }), runParley(['migrate'], { env })]);
    assert.equal(a.code, 0, `first migrate: ${a.stderr}`);
    assert.equal(b.code, 0, `second migrate: ${b.stderr}`);

    const rows = query(url, 'SELECT version, name, applied_at FROM schema_migrations ORDER BY version');
    assert.ok(rows.length > 0, 'schema_migrations is empty');
    const versions = rows.map((r) => r[0]);
    assert.equal(new Set(versions).size, versions.length, `a version recorded twice: ${versions}`);
    for (const [version, name, appliedAt] of rows) {
      assert.ok(name, `migration ${version} has no name`);
      assert.ok(appliedAt, `migration ${version} has no applied_at`);
    }
    const dir = path.join(ROOT, 'migrations');
    if (existsSync(dir)) {
      const files = readdirSync(dir).filter((f) => f.endsWith('.sql'));
      assert.equal(rows.length, files.length, `recorded ${rows.length} migrations, migrations/ has ${files.length}`);
    }

    const third = await runParley(['migrate'], { env });
    assert.equal(third.code, 0, `migrate again: ${third.stderr}`);
    assert.deepEqual(query(url, 'SELECT version, name, applied_at FROM schema_migrations ORDER BY version'), rows);
  });
});

describe('configuration', () => {
  let url;
  before(() => {
    url = createDatabase();
  });

  const BAD = [
    { label: '--threads 0', args: ['--threads', '0'] },
    { label: '--listen nonsense', args: ['--listen', 'nonsense'], noListen: true },
    { label: '--listen 127.0.0.1:70000', args: ['--listen', '127.0.0.1:70000'], noListen: true },
    { label: '--log-format xml', args: ['--log-format', 'xml'] },
    { label: 'PARLEY_THREADS=abc', env: { PARLEY_THREADS: 'abc' } },
    { label: 'PARLEY_LOG_FORMAT=xml', env: { PARLEY_LOG_FORMAT: 'xml' } },
  ];
  for (const c of BAD) {
    it(`serve with ${c.label} → exit 2 with a one-line error`, async () => {
      const args = ['serve', ...(c.noListen ? [] : ['--listen', '127.0.0.1:0']), ...(c.args ?? [])];
      const r = await runParley(args, { env: { DATABASE_URL: url, ...c.env }, timeout: 20000 });
      assert.equal(r.timedOut, false, `still running after 20 s instead of refusing the configuration; stderr: ${r.stderr}`);
      assert.equal(r.code, 2, `exit ${r.code ?? r.signal}; stderr: ${r.stderr}`);
      const lines = r.stderr.trim().split('\n');
      assert.ok(lines[0].length > 0, 'no error message on stderr');
      assert.equal(lines.length, 1, `expected one line on stderr, got:\n${r.stderr}`);
    });
  }
});

describe('lifecycle and CLI', () => {
  it('SIGTERM → exit 0', async () => {
    const server = await startParley();
    try {
      assert.equal((await request(server.url + '/healthz')).status, 200);
    } finally {
      assert.equal(await server.stop(), 0, server.logs());
    }
  });

  it('SIGTERM with an open WebSocket → the socket is closed and the process exits 0', async () => {
    const server = await startParley();
    let ws;
    try {
      ws = await connectWs(server.wsUrl);
      const code = await server.stop();
      const closed = await orNull(ws.closed, 15000);
      assert.equal(code, 0, server.logs());
      assert.ok(closed, 'the WebSocket was not closed');
    } finally {
      ws?.terminate();
      await server.stop();
    }
  });

  it('--version prints a version and exits 0', async () => {
    const r = await runParley(['--version']);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /\d+\.\d+/);
  });

  it('--help lists the commands and exits 0', async () => {
    const r = await runParley(['--help']);
    assert.equal(r.code, 0, r.stderr);
    const out = r.stdout + r.stderr;
    for (const word of ['serve', 'migrate', 'agent']) assert.ok(out.includes(word), `--help does not mention ${word}`);
  });
});

describe('parley agent add', () => {
  let url;
  const password = 'correct horse battery staple';
  before(async () => {
    url = createDatabase();
    const m = await runParley(['migrate'], { env: { DATABASE_URL: url } });
    assert.equal(m.code, 0, m.stderr);
  });

  it('with a password on stdin → exit 0; the same email again → non-zero with a clear message', async () => {
    const env = { DATABASE_URL: url };
    const args = ['agent', 'add', '--email', 'ann@example.com', '--name', 'Ann'];
    const first = await runParley(args, { env, input: `${password}\n` });
    assert.equal(first.code, 0, first.stderr);

    const dup = await runParley(args, { env, input: `${password}\n` });
    assert.notEqual(dup.code, 0, 'a duplicate email was accepted');
    assert.equal(dup.signal, null, `crashed with ${dup.signal}`);
    assert.match(dup.stderr + dup.stdout, /already|exists|duplicate|in use|taken/i, `unclear message: ${dup.stderr}`);
  });

  it('the stdin password (first line, without its newline) logs in; --role admin is kept', async () => {
    const env = { DATABASE_URL: url };
    const add = await runParley(['agent', 'add', '--email', 'root@example.com', '--name', 'Boss', '--role', 'admin'], {
      env,
      input: `${password}\nthis second line is ignored\n`,
    });
    assert.equal(add.code, 0, add.stderr);
    const server = await startParley({ env });
    try {
      const ok = await request(server.url + '/api/auth/login', {
        method: 'POST',
        body: { email: 'root@example.com', password },
      });
      assert.equal(ok.status, 200, ok.text);
      assert.equal(ok.json().agent.role, 'admin');
      assert.match(String(ok.headers['set-cookie']), /parley_session=/);
      const bad = await request(server.url + '/api/auth/login', {
        method: 'POST',
        body: { email: 'root@example.com', password: `${password}\n` },
      });
      assertError(bad, 401, 'bad_credentials');
    } finally {
      await server.stop();
    }
  });
});
