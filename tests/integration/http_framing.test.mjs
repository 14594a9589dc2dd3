// HTTP framing that a proxy in front of Parley could read differently (request smuggling,
// RFC 9112 §6.1/§6.3), Host (§3.2) and nosniff — over raw sockets against the real binary.
// Each smuggling case sends a second request right behind the first on the same connection:
// it must never be answered, because the connection closes after the refusal.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { startParley } from '../support/parley.mjs';
import { request, rawRequest } from '../support/http.mjs';

/**
 * Writes `raw` to the server and collects everything until the server closes the connection
 * (or `timeout` ms pass). Resolves {statuses: [the code of every response, in order], closed, text}.
 */
function exchange(port, raw, timeout = 5000) {
  return new Promise((resolve, reject) => {
    const sock = net.connect({ host: '127.0.0.1', port });
    let buf = '';
    const done = (closed) => {
      clearTimeout(timer);
      sock.destroy();
      resolve({ statuses: [...buf.matchAll(/HTTP\/1\.[01] (\d{3}) /g)].map((m) => Number(m[1])), closed, text: buf });
    };
    const timer = setTimeout(() => done(false), timeout);
    sock.setEncoding('latin1');
    sock.on('data', (d) => (buf += d));
    sock.on('close', () => done(true));
    // A reset after the answer (the server closed with our bytes unread) still ends it.
    sock.on('error', (e) => (buf ? undefined : (clearTimeout(timer), reject(e))));
    sock.write(raw);
  });
}

const crlf = (lines) => lines.join('\r\n');
const FOLLOW_UP = crlf(['GET /api/me HTTP/1.1', 'Host: localhost', 'Connection: close', '', '']);

describe('HTTP framing', () => {
  let server;
  before(async () => {
    server = await startParley();
  });
  after(async () => {
    await server?.stop();
  });

  const smuggling = [
    {
      label: 'Transfer-Encoding: xchunked with Content-Length',
      head: ['Transfer-Encoding: xchunked', 'Content-Length: 2'],
      body: '{}',
      status: [400, 501],
    },
    {
      label: 'Transfer-Encoding: chunked, identity (chunked not last)',
      head: ['Transfer-Encoding: chunked, identity'],
      body: '2\r\n{}\r\n0\r\n\r\n',
      status: [400],
    },
    {
      label: 'Transfer-Encoding: gzip, chunked (a coding we do not decode)',
      head: ['Transfer-Encoding: gzip, chunked'],
      body: '2\r\n{}\r\n0\r\n\r\n',
      status: [501],
    },
    {
      label: 'Transfer-Encoding: chunked, chunked',
      head: ['Transfer-Encoding: chunked, chunked'],
      body: '2\r\n{}\r\n0\r\n\r\n',
      status: [400],
    },
    {
      label: 'Transfer-Encoding twice, the last not chunked',
      head: ['Transfer-Encoding: chunked', 'Transfer-Encoding: identity'],
      body: '2\r\n{}\r\n0\r\n\r\n',
      status: [400],
    },
    {
      label: 'Transfer-Encoding: chunked with Content-Length',
      head: ['Transfer-Encoding: chunked', 'Content-Length: 7'],
      body: '2\r\n{}\r\n0\r\n\r\n',
      status: [400],
    },
    {
      label: 'Content-Length then Transfer-Encoding: chunked',
      head: ['Content-Length: 7', 'Transfer-Encoding: chunked'],
      body: '2\r\n{}\r\n0\r\n\r\n',
      status: [400],
    },
  ];
  for (const c of smuggling) {
    it(`${c.label} → ${c.status.join(' or ')}, connection closed, the next request never answered`, async () => {
      const first = crlf(['POST /api/visitors/identify HTTP/1.1', 'Host: localhost', 'Content-Type: application/json', ...c.head, '', '']);
      const r = await exchange(server.port, first + c.body + FOLLOW_UP);
      assert.equal(r.statuses.length, 1, `expected one response, got ${JSON.stringify(r.statuses)}:\n${r.text}`);
      assert.ok(c.status.includes(r.statuses[0]), `status ${r.statuses[0]}:\n${r.text}`);
      assert.ok(r.closed, 'the connection stayed open after the refusal');
      assert.match(r.text, /\r\nConnection: close\r\n/i);
    });
  }

  it('a plain chunked body is still accepted (and the connection kept)', async () => {
    const first = crlf(['POST /api/visitors/identify HTTP/1.1', 'Host: localhost', 'Content-Type: application/json',
      'Transfer-Encoding: chunked', '', '2', '{}', '0', '', '']);
    const r = await exchange(server.port, first + FOLLOW_UP);
    assert.deepEqual(r.statuses, [200, 401], r.text);
  });

  it('HTTP/1.1 without Host → 400 and the connection closes; HTTP/1.0 without Host is fine', async () => {
    const r = await exchange(server.port, crlf(['GET /healthz HTTP/1.1', '', '']) + FOLLOW_UP);
    assert.deepEqual(r.statuses, [400], r.text);
    assert.ok(r.closed);
    const twoHosts = await exchange(server.port, crlf(['GET /healthz HTTP/1.1', 'Host: a', 'Host: b', '', '']) + FOLLOW_UP);
    assert.deepEqual(twoHosts.statuses, [400], twoHosts.text);
    const old = await rawRequest(server.port, crlf(['GET /healthz HTTP/1.0', '', '']));
    assert.equal(old.status, 200);
  });

  it('API responses carry X-Content-Type-Options: nosniff (answers and errors alike)', async () => {
    for (const [method, path, body] of [['GET', '/healthz'], ['GET', '/api/me'], ['POST', '/api/visitors/identify', {}], ['GET', '/api/nope']]) {
      const res = await request(server.url + path, { method, body });
      assert.equal(res.headers['x-content-type-options'], 'nosniff', `${method} ${path} (${res.status})`);
    }
    const raw = await rawRequest(server.port, crlf(['GET /healthz HTTP/1.1', '', '']));
    assert.equal(raw.headers['x-content-type-options'], 'nosniff', 'the 400 for a missing Host');
  });
});
