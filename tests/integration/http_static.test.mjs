// Embedded assets as answered from their pre-serialized responses: keep-alive reuse, HEAD,
// 304, HTTP/1.0, the access line (client address behind a trusted proxy) and the `static`
// metric; and the connection deadline: an idle or trickling client is cut, a busy keep-alive
// connection is not. Real binary, real PostgreSQL. Deadlines below only stop a hung test.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import net from 'node:net';
import { startParley } from '../support/parley.mjs';
import { request, rawRequest, waitFor } from '../support/http.mjs';

/** GET/HEAD over `agent`; resolves {status, headers, body, reused}. */
function get(url, agent, { method = 'GET', headers = {} } = {}) {
  return new Promise((resolve, reject) => {
    const req = http.request(url, { method, headers, agent, timeout: 15000 }, (res) => {
      const chunks = [];
      res.on('data', (c) => chunks.push(c));
      res.on('end', () =>
        resolve({ status: res.statusCode, headers: res.headers, body: Buffer.concat(chunks), reused: req.reusedSocket }),
      );
      res.on('error', reject);
    });
    req.on('timeout', () => req.destroy(new Error(`${method} ${url}: no answer`)));
    req.on('error', reject);
    req.end();
  });
}

/** Resolves when the server closes `sock` (rejects after `limit` ms, to stop a hung test). */
function closedWithin(sock, limit) {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`still open after ${limit} ms`)), limit);
    sock.on('data', () => {});
    sock.on('error', () => {});
    sock.on('close', () => {
      clearTimeout(timer);
      resolve();
    });
  });
}

describe('embedded assets over keep-alive', () => {
  let server;
  before(async () => {
    server = await startParley();
  });
  after(async () => {
    await server?.stop();
  });

  it('one socket serves GET, gzip, HEAD and 304 in turn, each with the same headers', async () => {
    const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
    try {
      const url = `${server.url}/widget.js`;
      const plain = await get(url, agent);
      assert.equal(plain.status, 200);
      assert.equal(Number(plain.headers['content-length']), plain.body.length);
      const etag = plain.headers.etag;
      assert.match(etag, /^"[^"]+"$/);
      const zipped = await get(url, agent, { headers: { 'Accept-Encoding': 'gzip' } });
      assert.equal(zipped.headers['content-encoding'], 'gzip');
      assert.equal(Number(zipped.headers['content-length']), zipped.body.length);
      const head = await get(url, agent, { method: 'HEAD', headers: { 'Accept-Encoding': 'gzip' } });
      assert.equal(head.status, 200);
      assert.equal(head.body.length, 0);
      assert.equal(head.headers['content-length'], zipped.headers['content-length']);
      const notModified = await get(url, agent, { headers: { 'If-None-Match': `"other", W/${etag}` } });
      assert.equal(notModified.status, 304);
      assert.equal(notModified.body.length, 0);
      assert.equal(notModified.headers.etag, etag);
      const again = await get(url, agent);
      assert.deepEqual(again.body, plain.body);
      for (const r of [zipped, head, notModified, again]) {
        assert.ok(r.reused, 'the keep-alive socket was reused');
        for (const h of ['content-type', 'cache-control', 'vary', 'x-content-type-options', 'access-control-allow-origin']) {
          assert.equal(r.headers[h], plain.headers[h], h);
        }
      }
    } finally {
      agent.destroy();
    }
  });

  it('every response carries a Date (RFC 9110): assets, 304s, HEAD, HTTP/1.0 and API answers', async () => {
    const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
    try {
      const url = `${server.url}/widget.js`;
      const plain = await get(url, agent);
      const answers = [
        plain,
        await get(url, agent, { headers: { 'If-None-Match': plain.headers.etag } }),
        await get(url, agent, { method: 'HEAD' }),
        await rawRequest(server.port, 'GET /widget.js HTTP/1.0\r\n\r\n'),
        await get(`${server.url}/healthz`, agent),
        await get(`${server.url}/api/no-such-route`, agent),
      ];
      for (const r of answers) {
        const date = r.headers.date;
        assert.match(date ?? '', /^(Mon|Tue|Wed|Thu|Fri|Sat|Sun), \d{2} [A-Z][a-z]{2} \d{4} \d{2}:\d{2}:\d{2} GMT$/, `Date: ${date}`);
        // The server's clock, which is this machine's: within a minute of ours.
        assert.ok(Math.abs(Date.parse(date) - Date.now()) < 60000, `Date ${date} is not now`);
      }
    } finally {
      agent.destroy();
    }
  });

  it('HTTP/1.0 without keep-alive: the response, then the server closes', async () => {
    const res = await rawRequest(server.port, 'GET /widget.js HTTP/1.0\r\n\r\n');
    assert.equal(res.status, 200);
    assert.equal(res.headers.connection, undefined);
    assert.equal(Number(res.headers['content-length']), res.body.length);
  });

  it('each asset hit is an access line (client behind a trusted proxy) and a `static` count', async () => {
    const res = await request(`${server.url}/widget.js?v=secret-query`, {
      headers: { 'X-Forwarded-For': '198.51.100.1, 203.0.113.9', 'If-None-Match': '"nope"' },
    });
    assert.equal(res.status, 200);
    const bytes = res.body.length;
    await waitFor(() => new RegExp(`http GET /widget\\.js 200 ${bytes}B \\d+us from 203\\.0\\.113\\.9\\n`).test(server.logs()), {
      deadline: 10000,
      what: 'the access line',
    });
    assert.ok(!server.logs().includes('secret-query'), 'the query string is never logged');
    const metrics = await request(`${server.url}/metrics`);
    const m = /parley_http_requests_total\{route="static",status="200"\} (\d+)/.exec(metrics.text);
    assert.ok(m && Number(m[1]) >= 1, metrics.text);
  });
});

describe('the connection deadline (20 s per request)', () => {
  let server;
  before(async () => {
    server = await startParley();
  });
  after(async () => {
    await server?.stop();
  });

  it('a client that sends half a request and stops is disconnected', async () => {
    const sock = net.connect({ host: '127.0.0.1', port: server.port });
    await new Promise((r) => sock.once('connect', r));
    sock.write('GET /widget.js HTTP/1.1\r\nHost: x\r\n');
    await closedWithin(sock, 40000);
  });

  it('a keep-alive connection in use for longer than the deadline is not cut', async () => {
    const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
    try {
      const first = await get(`${server.url}/widget.js`, agent);
      assert.equal(first.status, 200);
      const until = Date.now() + 26000;
      let n = 0;
      while (Date.now() < until) {
        await new Promise((r) => setTimeout(r, 2000));
        const r = await get(`${server.url}/widget.js`, agent, { method: n % 2 ? 'HEAD' : 'GET' });
        assert.equal(r.status, 200);
        assert.ok(r.reused, `request ${n} needed a new connection`);
        n++;
      }
    } finally {
      agent.destroy();
    }
  });
});
