// One rule for every text a person types (docs/PROTOCOL.md, Limits): line ends normalised to
// LF; control characters, DEL, C1 and bidirectional overrides refused — over the visitor's
// WebSocket (message bodies) and REST (names and emails), against the real binary.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startParley } from '../support/parley.mjs';
import { query } from '../support/pg.mjs';
import { request } from '../support/http.mjs';
import { assertError } from '../support/assert.mjs';
import { identify, visitorSocket } from '../support/visitor.mjs';

/** `s` with everything outside printable ASCII as \uXXXX: test names show what is sent. */
const visible = (s) => s.replace(/[^\x20-\x7e]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);

describe('text a person types', () => {
  let server;
  let ws;
  let n = 0;
  before(async () => {
    server = await startParley();
    ws = await visitorSocket(server, (await identify(server)).visitorToken);
  });
  after(async () => {
    ws?.terminate();
    await server?.stop();
  });

  /** Sends a message; resolves with the server's ack or error frame for it. */
  async function send(body) {
    const clientId = `t${++n}`;
    ws.send({ type: 'send', clientId, body });
    return ws.nextMessage((m) => m && (m.type === 'ack' || m.type === 'error') && m.clientId === clientId);
  }

  const REFUSED = [
    ['DEL', 'a\u007fb', /control characters/],
    ['U+0085 (NEL, a C1 control)', 'a\u0085b', /control characters/],
    ['U+009B (CSI, a C1 control)', 'a\u009b31mb', /control characters/],
    ['an escape sequence', 'a\u001b[31mb', /control characters/],
    ['U+202E (right-to-left override)', 'invoice \u202Efdp.exe', /bidirectional/],
    ['U+2066 (left-to-right isolate)', 'a \u2066b\u2069', /bidirectional/],
  ];
  for (const [label, body, message] of REFUSED) {
    it(`a body with ${label} → error invalid_field, nothing stored`, async () => {
      const reply = await send(body);
      assert.equal(reply.type, 'error', `accepted: ${JSON.stringify(reply)}`);
      assert.equal(reply.code, 'invalid_field');
      assert.match(reply.message, message);
    });
  }

  it('CRLF and a bare CR are stored as LF; right-to-left text and tabs are kept', async () => {
    const reply = await send('one\r\ntwo\rthree\tfour \u05e9\u05dc\u05d5\u05dd\u200f');
    assert.equal(reply.type, 'ack', JSON.stringify(reply));
    const expected = 'one\ntwo\nthree\tfour \u05e9\u05dc\u05d5\u05dd\u200f';
    assert.equal(reply.message.body, expected);
    const stored = query(server.databaseUrl, `SELECT encode(convert_to(body, 'UTF8'), 'hex') FROM message WHERE id = ${reply.message.id}`)[0][0];
    assert.equal(stored, Buffer.from(expected).toString('hex'));
    const none = query(server.databaseUrl, `SELECT count(*) FROM message WHERE body ~ '[\\x7f\\u0080-\\u009f\\u202a-\\u202e\\u2066-\\u2069\\r]'`)[0][0];
    assert.equal(none, '0', 'a refused body was stored');
  });

  const identifyWith = (body) => request(server.url + '/api/visitors/identify', { method: 'POST', body });

  for (const [field, value] of [
    ['name', 'Ann\u009b'],
    ['name', 'Ann\u007f'],
    ['name', '\u202eAnn'],
    ['name', 'Ann\nBob'],
    ['email', 'ann@acme.io\u0085'],
    ['email', 'ann\u2067@acme.io'],
  ]) {
    it(`POST /api/visitors/identify with ${field} "${visible(value)}" → 400 invalid_field`, async () => {
      const res = await identifyWith({ [field]: value });
      assertError(res, 400, 'invalid_field');
      assert.match(res.json().error.message, new RegExp(`^${field} `));
    });
  }

  for (const email of ['ann@acme.io\u0085', 'ann\u202e@acme.io', 'ann@acme.io\r\n', 42]) {
    it(`the widget's email frame with "${visible(String(email))}" → error invalid_field, nothing stored`, async () => {
      ws.send({ type: 'email', email });
      const answer = await ws.nextMessage((m) => m && (m.type === 'visitor' || m.type === 'error'));
      assert.equal(answer.type, 'error', JSON.stringify(answer));
      assert.equal(answer.code, 'invalid_field');
      const [[stored]] = query(server.databaseUrl, `SELECT count(*) FROM visitor WHERE email IS NOT NULL AND email <> 'zoe@acme.io'`);
      assert.equal(stored, '0');
    });
  }

  it('quotes, backslashes, braces, commas and the word NULL are stored and acked byte for byte; a re-send gets the same document', async () => {
    // The writer passes bodies to PostgreSQL as array literals and builds the documents in C++.
    const body = 'say "hi" \\ {a,b} NULL, "" \\" \u00e9\u{1F642} </script>';
    const reply = await send(body);
    assert.equal(reply.type, 'ack', JSON.stringify(reply));
    assert.equal(reply.message.body, body);
    const stored = query(server.databaseUrl, `SELECT encode(convert_to(body, 'UTF8'), 'hex') FROM message WHERE id = ${reply.message.id}`)[0][0];
    assert.equal(stored, Buffer.from(body).toString('hex'));
    const [doc] = query(server.databaseUrl, `SELECT doc::text FROM message_doc WHERE id = ${reply.message.id}`)[0];
    assert.deepEqual(reply.message, JSON.parse(doc), 'the ack differs from the stored document');
    ws.send({ type: 'send', clientId: reply.clientId, body });
    const again = await ws.nextMessage((m) => m && m.type === 'ack' && m.clientId === reply.clientId);
    assert.deepEqual(again.message, reply.message);
  });

  it('a name in any script is fine', async () => {
    const res = await identifyWith({ name: 'Zo\u00eb \u05e9\u05e8\u05d4', email: 'zoe@acme.io' });
    assert.equal(res.status, 200, res.text);
  });
});
