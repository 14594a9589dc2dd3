// HTTP helpers that send exactly what a test says: node:http (no automatic Accept-Encoding,
// no decompression, unlike fetch) and raw sockets for requests no client library will send
// (oversized headers, unnormalised `..` targets, backslashes).
import http from 'node:http';
import net from 'node:net';

/**
 * One request with node:http. Resolves {status, headers, body (Buffer), text, json()}.
 * `body` may be a string, Buffer or (JSON-encoded) object.
 */
export function request(url, { method = 'GET', headers = {}, body, timeout = 15000 } = {}) {
  return new Promise((resolve, reject) => {
    let payload = body;
    const h = { ...headers };
    if (payload !== undefined && !Buffer.isBuffer(payload) && typeof payload !== 'string') {
      payload = JSON.stringify(payload);
      if (!Object.keys(h).some((k) => k.toLowerCase() === 'content-type')) h['Content-Type'] = 'application/json';
    }
    const req = http.request(url, { method, headers: h, agent: false, timeout }, (res) => {
      const chunks = [];
      res.on('data', (c) => chunks.push(c));
      res.on('end', () => resolve(makeResponse(res.statusCode, res.headers, Buffer.concat(chunks))));
      res.on('error', reject);
    });
    req.on('timeout', () => req.destroy(new Error(`${method} ${url}: no answer within ${timeout} ms`)));
    req.on('error', reject);
    req.end(payload);
  });
}

function makeResponse(status, headers, body) {
  return {
    status,
    headers,
    body,
    text: body.toString('utf8'),
    json() {
      try {
        return JSON.parse(body.toString('utf8'));
      } catch (e) {
        throw new Error(`not JSON (HTTP ${status}): ${body.toString('utf8').slice(0, 500)}`);
      }
    },
  };
}

/**
 * Sends `raw` bytes as they are to host:port and parses the first HTTP response.
 * Resolves {status, headers (lower-cased), body, text, json(), raw} once the response is
 * complete (Content-Length, chunked, or connection close). Write errors after the server
 * answered (it may close early on an oversized request) are ignored.
 */
export function rawRequest(port, raw, { host = '127.0.0.1', timeout = 15000, headFirst = false } = {}) {
  if (!Buffer.isBuffer(raw)) raw = Buffer.from(raw, 'latin1');
  return new Promise((resolve, reject) => {
    const sock = net.connect({ host, port });
    let buf = Buffer.alloc(0);
    let done = false;
    const finish = (err) => {
      if (done) return;
      const parsed = parseResponse(buf, true);
      if (parsed) {
        done = true;
        clearTimeout(timer);
        sock.destroy();
        resolve(parsed);
      } else if (err) {
        done = true;
        clearTimeout(timer);
        sock.destroy();
        reject(new Error(`${err.message}; received: ${JSON.stringify(buf.toString('latin1').slice(0, 500))}`));
      }
    };
    const timer = setTimeout(() => finish(new Error(`no complete response within ${timeout} ms`)), timeout);
    sock.on('data', (d) => {
      buf = Buffer.concat([buf, d]);
      const parsed = parseResponse(buf, false);
      if (parsed && !done) {
        done = true;
        clearTimeout(timer);
        sock.destroy();
        resolve(parsed);
      }
    });
    sock.on('error', (e) => finish(e));
    sock.on('end', () => finish(new Error('connection closed before a complete response')));
    sock.on('close', () => finish(new Error('connection closed before a complete response')));
    const headEnd = headFirst ? raw.indexOf('\r\n\r\n') : -1;
    if (headEnd < 0) {
      sock.write(raw, () => {});
    } else {
      // Head first: a server that refuses on the headers alone (Content-Length over the
      // limit) answers before the body is on the wire, so no reset can race its answer.
      sock.write(raw.subarray(0, headEnd + 4), () => {});
      const sendBody = () => {
        if (!done && !sock.destroyed && buf.length === 0) sock.write(raw.subarray(headEnd + 4), () => {});
      };
      setTimeout(sendBody, 300);
    }
  });
}

/** Builds a raw HTTP/1.1 request (a Buffer). `target` is sent verbatim. */
export function buildRequest({ method = 'GET', target = '/', headers = {}, body } = {}) {
  const h = { Host: 'localhost', Connection: 'close', ...headers };
  const b = body === undefined ? null : Buffer.isBuffer(body) ? body : Buffer.from(body);
  if (b && !Object.keys(h).some((k) => k.toLowerCase() === 'content-length')) h['Content-Length'] = String(b.length);
  const head = `${method} ${target} HTTP/1.1\r\n${Object.entries(h).map(([k, v]) => `${k}: ${v}\r\n`).join('')}\r\n`;
  return b ? Buffer.concat([Buffer.from(head, 'latin1'), b]) : Buffer.from(head, 'latin1');
}

/** rawRequest(port, buildRequest(opts)). */
export function rawHttp(port, opts) {
  return rawRequest(port, buildRequest(opts), opts);
}

// Parses one response from buf; returns null while incomplete (unless `atEof`).
function parseResponse(buf, atEof) {
  const end = buf.indexOf('\r\n\r\n');
  if (end < 0) return null;
  const lines = buf.subarray(0, end).toString('latin1').split('\r\n');
  const m = /^HTTP\/\d\.\d (\d{3})/.exec(lines[0]);
  if (!m) return null;
  const status = Number(m[1]);
  const headers = {};
  for (const line of lines.slice(1)) {
    const i = line.indexOf(':');
    if (i > 0) headers[line.slice(0, i).trim().toLowerCase()] = line.slice(i + 1).trim();
  }
  const rest = buf.subarray(end + 4);
  let body;
  if (status === 304 || status === 204 || (status >= 100 && status < 200)) {
    body = Buffer.alloc(0);
  } else if (/chunked/i.test(headers['transfer-encoding'] || '')) {
    body = dechunk(rest);
    if (!body) {
      if (!atEof) return null;
      body = rest;
    }
  } else if (headers['content-length'] !== undefined) {
    const len = Number(headers['content-length']);
    if (rest.length < len && !atEof) return null;
    body = rest.subarray(0, len);
  } else {
    if (!atEof) return null;
    body = rest;
  }
  const r = makeResponse(status, headers, body);
  r.raw = buf;
  return r;
}

function dechunk(b) {
  const parts = [];
  let pos = 0;
  for (;;) {
    const eol = b.indexOf('\r\n', pos);
    if (eol < 0) return null;
    const size = parseInt(b.subarray(pos, eol).toString('latin1'), 16);
    if (Number.isNaN(size)) return null;
    if (size === 0) return Buffer.concat(parts);
    if (b.length < eol + 2 + size + 2) return null;
    parts.push(b.subarray(eol + 2, eol + 2 + size));
    pos = eol + 2 + size + 2;
  }
}

/** Polls `fn` until it returns a truthy value or `deadline` ms pass (then throws with the last value). */
export async function waitFor(fn, { deadline = 60000, interval = 200, what = 'condition' } = {}) {
  const until = Date.now() + deadline;
  let last;
  for (;;) {
    try {
      last = await fn();
      if (last) return last;
    } catch (e) {
      last = e;
    }
    if (Date.now() > until) throw new Error(`${what} not reached within ${deadline} ms; last: ${last instanceof Error ? last.message : JSON.stringify(last)}`);
    await new Promise((r) => setTimeout(r, interval));
  }
}
