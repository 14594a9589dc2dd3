// A small WebSocket client for tests, over the `ws` package.
import WebSocket from 'ws';

/**
 * Opens a WebSocket. `headers` (e.g. {Cookie, Origin}) go on the upgrade request.
 * Resolves a client once open; rejects with {statusCode, body} when the upgrade is refused.
 */
export function connectWs(url, { headers = {}, origin, timeout = 10000 } = {}) {
  return new Promise((resolve, reject) => {
    const sock = new WebSocket(url, { headers, origin, handshakeTimeout: timeout, perMessageDeflate: false });
    const client = new WsClient(sock);
    sock.once('open', () => resolve(client));
    sock.once('unexpected-response', (req, res) => {
      let body = '';
      res.on('data', (d) => (body += d));
      res.on('end', () => {
        const err = new Error(`WebSocket upgrade refused: HTTP ${res.statusCode} ${body}`);
        err.statusCode = res.statusCode;
        err.headers = res.headers;
        err.body = body;
        reject(err);
      });
    });
    sock.once('error', reject);
  });
}

let roundTrips = 0;

export class WsClient {
  constructor(sock) {
    this.sock = sock;
    this.buffer = []; // received, not yet taken by nextMessage()
    this.all = []; // every message received, in order
    this.waiters = [];
    this.closeInfo = null;
    this.batches = 0; // batch frames received (each unwrapped into `all`)
    this.closed = new Promise((resolve) => {
      sock.on('close', (code, reason) => {
        this.closeInfo = { code, reason: reason.toString() };
        for (const w of this.waiters.splice(0)) w.fail(new Error(`socket closed (${code} ${reason}) while waiting for a message`));
        resolve(this.closeInfo);
      });
    });
    sock.on('error', () => {}); // surfaced through `closed` / waiters
    sock.on('message', (data, isBinary) => {
      let msg;
      try {
        msg = isBinary ? data : JSON.parse(data.toString());
      } catch {
        msg = data.toString();
      }
      // A batch is unwrapped as a client does (docs/PROTOCOL.md); `batches` counts them.
      if (msg && msg.type === 'batch' && Array.isArray(msg.frames)) {
        this.batches += 1;
        for (const m of msg.frames) this.receive(m);
      } else {
        this.receive(msg);
      }
    });
  }

  receive(msg) {
    this.all.push(msg);
    const i = this.waiters.findIndex((w) => w.match(msg));
    if (i >= 0) this.waiters.splice(i, 1)[0].done(msg);
    else this.buffer.push(msg);
  }

  /** Sends a JSON frame (strings and Buffers are sent as they are). */
  send(obj) {
    this.sock.send(typeof obj === 'string' || Buffer.isBuffer(obj) ? obj : JSON.stringify(obj));
  }

  /**
   * Resolves with (and consumes) the first message, buffered or future, matching `predicate`:
   * a function, a type string (`'ready'`), or an object of fields to equal ({type:'ack', clientId:'c1'}).
   */
  nextMessage(predicate = () => true, timeout = 10000) {
    const match = toMatcher(predicate);
    const i = this.buffer.findIndex(match);
    if (i >= 0) return Promise.resolve(this.buffer.splice(i, 1)[0]);
    if (this.closeInfo) return Promise.reject(new Error(`socket closed (${this.closeInfo.code}) before a matching message`));
    return new Promise((resolve, reject) => {
      const w = {
        match,
        done: (m) => {
          clearTimeout(timer);
          resolve(m);
        },
        fail: (e) => {
          clearTimeout(timer);
          reject(e);
        },
      };
      const timer = setTimeout(() => {
        this.waiters.splice(this.waiters.indexOf(w), 1);
        reject(new Error(`no matching message within ${timeout} ms; received: ${JSON.stringify(this.all).slice(-2000)}`));
      }, timeout);
      this.waiters.push(w);
    });
  }

  /** A round trip (an unknown frame type is answered with an error frame): once it resolves,
   * whatever the server had queued for this socket before has arrived. */
  async roundTrip(timeout = 10000) {
    this.send({ type: `round-trip-${++roundTrips}` });
    await this.nextMessage((m) => m && m.type === 'error', timeout);
  }

  /** Closes (politely) and resolves with {code, reason} once closed. */
  async close(code = 1000, reason = '') {
    if (!this.closeInfo) {
      try {
        this.sock.close(code, reason);
      } catch {
        this.sock.terminate();
      }
    }
    const t = setTimeout(() => this.sock.terminate(), 5000);
    const info = await this.closed;
    clearTimeout(t);
    return info;
  }

  terminate() {
    this.sock.terminate();
  }
}

function toMatcher(p) {
  if (typeof p === 'function') return p;
  if (typeof p === 'string') return (m) => m && m.type === p;
  return (m) => m && typeof m === 'object' && Object.entries(p).every(([k, v]) => m[k] === v);
}
