// The WebSocket transport itself (src/net/ws_session): messages arrive whole whatever the TCP
// segmentation, control frames are answered, limits hold, and the keep-alive drops a silent
// peer. A raw TCP client writes exact bytes, so what a WebSocket library hides (several frames
// in one write, one frame over many writes, fragments, pings between them) is tested directly.
// Any text that is not JSON is answered with a `bad_json` error, before authentication: that
// reply shows how the server split what it read into messages.
// No timing is asserted: deadlines only turn a hang into a failure.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { randomBytes } from 'node:crypto';
import { startParley } from '../support/parley.mjs';
import { createDatabase } from '../support/pg.mjs';
import { identify } from '../support/visitor.mjs';

const OP = { continuation: 0, text: 1, binary: 2, close: 8, ping: 9, pong: 10 };

/** One client frame (masked, as RFC 6455 requires of clients). */
function frame(opcode, payload = Buffer.alloc(0), fin = true) {
  const data = Buffer.from(payload);
  const len = data.length;
  const head = len < 126 ? Buffer.alloc(2) : len < 65536 ? Buffer.alloc(4) : Buffer.alloc(10);
  head[0] = (fin ? 0x80 : 0) | opcode;
  if (len < 126) head[1] = 0x80 | len;
  else if (len < 65536) {
    head[1] = 0x80 | 126;
    head.writeUInt16BE(len, 2);
  } else {
    head[1] = 0x80 | 127;
    head.writeBigUInt64BE(BigInt(len), 2);
  }
  const mask = randomBytes(4);
  const masked = Buffer.alloc(len);
  for (let i = 0; i < len; i++) masked[i] = data[i] ^ mask[i % 4];
  return Buffer.concat([head, mask, masked]);
}

/** A WebSocket client over a bare TCP socket: it writes exactly the bytes it is given. */
class RawWs {
  static open(server, { answerPings = true } = {}) {
    const { hostname, port } = new URL(server.url);
    return new Promise((resolve, reject) => {
      const sock = net.connect(Number(port), hostname);
      const key = randomBytes(16).toString('base64');
      let head = Buffer.alloc(0);
      const onData = (chunk) => {
        head = Buffer.concat([head, chunk]);
        const end = head.indexOf('\r\n\r\n');
        if (end < 0) return;
        sock.off('data', onData);
        const status = head.subarray(0, end).toString().split('\r\n')[0];
        if (!/^HTTP\/1\.1 101 /.test(status)) return reject(new Error(`upgrade refused: ${status}`));
        const ws = new RawWs(sock, answerPings);
        ws.receive(head.subarray(end + 4));
        resolve(ws);
      };
      sock.on('data', onData);
      sock.once('error', reject);
      sock.write(
        `GET /ws?role=visitor HTTP/1.1\r\nHost: ${hostname}:${port}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n` +
          `Sec-WebSocket-Key: ${key}\r\nSec-WebSocket-Version: 13\r\n\r\n`,
      );
    });
  }

  constructor(sock, answerPings) {
    this.sock = sock;
    this.answerPings = answerPings;
    this.pending = Buffer.alloc(0);
    this.frames = []; // received, not yet taken by next()
    this.waiters = [];
    this.pings = 0;
    this.closed = new Promise((resolve) => sock.once('close', resolve));
    sock.on('error', () => {}); // surfaced through `closed`
    sock.on('data', (chunk) => this.receive(chunk));
  }

  receive(chunk) {
    this.pending = Buffer.concat([this.pending, chunk]);
    for (;;) {
      const b = this.pending;
      if (b.length < 2) return;
      let len = b[1] & 0x7f;
      let off = 2;
      if (len === 126) {
        if (b.length < 4) return;
        len = b.readUInt16BE(2);
        off = 4;
      } else if (len === 127) {
        if (b.length < 10) return;
        len = Number(b.readBigUInt64BE(2));
        off = 10;
      }
      if (b.length < off + len) return;
      const f = { fin: (b[0] & 0x80) !== 0, opcode: b[0] & 0x0f, payload: b.subarray(off, off + len) };
      this.pending = b.subarray(off + len);
      if (f.opcode === OP.ping) {
        this.pings++;
        if (this.answerPings) this.write(frame(OP.pong, f.payload));
      }
      const i = this.waiters.findIndex((w) => w.match(f));
      if (i >= 0) this.waiters.splice(i, 1)[0].done(f);
      else this.frames.push(f);
    }
  }

  write(bytes) {
    this.sock.write(bytes);
  }

  /** Writes `bytes` a few at a time, each piece in its own TCP segment. */
  async trickle(bytes, piece = 3) {
    this.sock.setNoDelay(true);
    for (let i = 0; i < bytes.length; i += piece) {
      this.sock.write(bytes.subarray(i, i + piece));
      await new Promise((r) => setTimeout(r, 2));
    }
  }

  /** The next received frame matching `match` (an opcode or a predicate). */
  next(match, timeout = 15000) {
    const pred = typeof match === 'function' ? match : (f) => f.opcode === match;
    const i = this.frames.findIndex(pred);
    if (i >= 0) return Promise.resolve(this.frames.splice(i, 1)[0]);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no frame within ${timeout} ms`)), timeout);
      this.waiters.push({ match: pred, done: (f) => (clearTimeout(timer), resolve(f)) });
    });
  }

  /** Authenticates as a new visitor (so that only the keep-alive may end the socket). */
  async authenticate(server) {
    const { visitorToken } = await identify(server);
    this.write(frame(OP.text, JSON.stringify({ type: 'auth', visitorToken })));
    const reply = JSON.parse((await this.next(OP.text)).payload.toString());
    assert.equal(reply.type, 'ready', JSON.stringify(reply));
  }

  /** The close frame the server sent: {code, reason}. */
  async closeFrame(timeout = 15000) {
    const f = await this.next(OP.close, timeout);
    return { code: f.payload.length >= 2 ? f.payload.readUInt16BE(0) : 1005, reason: f.payload.subarray(2).toString() };
  }

  destroy() {
    this.sock.destroy();
  }
}

const isBadJson = (f) => f.opcode === OP.text && JSON.parse(f.payload.toString()).code === 'bad_json';

/** Asserts that exactly `n` bad_json replies arrive, then that nothing else did. */
async function expectBadJsonReplies(ws, n) {
  for (let i = 0; i < n; i++) await ws.next(isBadJson);
  // A ping round trip: anything the server sent before its pong has arrived by then.
  ws.write(frame(OP.ping, 'fence'));
  await ws.next((f) => f.opcode === OP.pong && f.payload.toString() === 'fence');
  assert.deepEqual(
    ws.frames.filter((f) => f.opcode === OP.text).map((f) => f.payload.toString()),
    [],
    'no other replies',
  );
}

describe('the WebSocket transport', () => {
  let server;
  before(async () => {
    server = await startParley({ env: { DATABASE_URL: createDatabase() } });
  });
  after(async () => {
    await server?.stop();
  });

  it('several messages in one TCP write are each read', async () => {
    const ws = await RawWs.open(server);
    ws.write(Buffer.concat(['one', 'two', 'three'].map((t) => frame(OP.text, t))));
    await expectBadJsonReplies(ws, 3);
    ws.destroy();
  });

  it('one message over many TCP writes, in fragments with a ping between them, is read once', async () => {
    const ws = await RawWs.open(server);
    const bytes = Buffer.concat([
      frame(OP.text, 'not ', false),
      frame(OP.continuation, 'json ', false),
      frame(OP.ping, 'between'),
      frame(OP.continuation, 'at all', true),
    ]);
    await ws.trickle(bytes);
    assert.equal((await ws.next(OP.pong)).payload.toString(), 'between');
    await expectBadJsonReplies(ws, 1);
    ws.destroy();
  });

  it('an empty text message, and a one-byte one, are each read', async () => {
    const ws = await RawWs.open(server);
    ws.write(frame(OP.text, ''));
    ws.write(frame(OP.text, 'x'));
    await expectBadJsonReplies(ws, 2);
    ws.destroy();
  });

  it('a message over 64 KiB in fragments → close 1009', async () => {
    const ws = await RawWs.open(server);
    ws.write(frame(OP.text, 'a'.repeat(40 * 1024), false));
    ws.write(frame(OP.continuation, 'b'.repeat(40 * 1024), true));
    assert.equal((await ws.closeFrame()).code, 1009);
    await ws.closed;
  });

  it('a binary message → close 1003 "text frames only" (docs/PROTOCOL.md)', async () => {
    const ws = await RawWs.open(server);
    ws.write(frame(OP.binary, Buffer.from([1, 2, 3])));
    assert.deepEqual(await ws.closeFrame(), { code: 1003, reason: 'text frames only' });
    ws.destroy();
  });

  it('an idle socket is pinged; one that answers stays open, one that does not is dropped', async () => {
    // The idle interval is 40 s: pinged after 20 s of silence, dropped after 40.
    const answering = await RawWs.open(server);
    const silent = await RawWs.open(server, { answerPings: false });
    await answering.authenticate(server);
    await silent.authenticate(server);
    await Promise.race([
      silent.closed,
      new Promise((_, reject) => setTimeout(() => reject(new Error('the silent socket was never dropped')), 90000)),
    ]);
    assert.ok(silent.pings >= 1, 'the silent socket was pinged before it was dropped');
    assert.ok(answering.pings >= 1, 'the answering socket was pinged');
    // Still open and served.
    answering.write(frame(OP.text, 'still here'));
    await expectBadJsonReplies(answering, 1);
    answering.destroy();
  });
});
