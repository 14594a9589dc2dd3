// A visitor as the chat frame is one: identified over REST, then on the WebSocket.
import assert from 'node:assert/strict';
import { request } from './http.mjs';
import { connectWs } from './ws.mjs';

/** A new anonymous visitor: {visitorId, visitorToken, verified}. */
export async function identify(server) {
  const res = await request(server.url + '/api/visitors/identify', { method: 'POST', body: {} });
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
