// A visitor as the chat frame is one: identified over REST, then on the WebSocket.
import assert from 'node:assert/strict';
import { request } from './http.mjs';
import { connectWs } from './ws.mjs';

/** A new anonymous visitor: {visitorId, visitorToken, verified}. */
export async function identify(server, user = {}) {
  const res = await request(server.url + '/api/visitors/identify', { method: 'POST', body: user });
  assert.equal(res.status, 200, res.text);
  return res.json();
}

/** A visitor socket on `server`, authenticated; its `ready` frame is on `ws.ready`. */
export async function visitorSocket(server, token, timeout = 20000) {
  const ws = await connectWs(server.wsUrl + '?role=visitor');
  ws.send({ type: 'auth', visitorToken: token });
  ws.ready = await ws.nextMessage((m) => m && (m.type === 'ready' || m.type === 'error'), timeout);
  assert.equal(ws.ready.type, 'ready', `visitor auth: ${JSON.stringify(ws.ready)}`);
  return ws;
}

let sent = 0;
/**
 * A visitor writes `text` and it is committed (acked). A new visitor (identified as `user`) on a
 * new socket, unless `ws` is given. Returns the socket; the caller closes it.
 */
export async function visitorWrites(server, text, { user = {}, ws = null } = {}) {
  if (!ws) ws = await visitorSocket(server, (await identify(server, user)).visitorToken);
  const clientId = `writes-${process.pid}-${++sent}`;
  ws.send({ type: 'send', clientId, body: text });
  const ack = await ws.nextMessage((m) => m && (m.clientId === clientId || (m.type === 'error' && !m.clientId)) && (m.type === 'ack' || m.type === 'error'));
  assert.equal(ack.type, 'ack', JSON.stringify(ack));
  return ws;
}
