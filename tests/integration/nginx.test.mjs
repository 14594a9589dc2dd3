// The shipped nginx site (docker/nginx.conf) in front of the real Parley: `nginx -t` passes,
// and a visitor and an agent talk over real WebSockets through it — plain HTTP with the TLS
// lines swapped out, and once over TLS with a certificate openssl makes here. nginx and
// openssl come from scripts/test's ensure step; this file installs nothing.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import https from 'node:https';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, readFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import WebSocket from 'ws';
import { startParley } from '../support/parley.mjs';
import { createDatabase } from '../support/pg.mjs';
import { request, waitFor } from '../support/http.mjs';
import { connectWs, WsClient } from '../support/ws.mjs';
import { NGINX_CONF, renderSite, startNginx, nginxTest, makeCert, freePort } from '../support/nginx.mjs';
import { addAgent as createAgent } from '../support/agents.mjs';

const PASSWORD = 'nginx-suite-password';

const addAgent = (databaseUrl, email) => createAgent(databaseUrl, { email, name: 'Nia', password: PASSWORD });

async function sendAndAck(ws, frame) {
  const clientId = `n-${randomBytes(4).toString('hex')}`;
  ws.send({ type: 'send', clientId, ...frame });
  const reply = await ws.nextMessage((m) => m && (m.type === 'ack' || m.type === 'error') && m.clientId === clientId);
  assert.equal(reply.type, 'ack', JSON.stringify(reply));
  return reply.message;
}

describe('docker/nginx.conf', () => {
  it('passes `nginx -t` with TLS kept (test certificates from openssl)', () => {
    const dir = mkdtempSync('/tmp/parley-nginx-cert-');
    try {
      const site = renderSite({ upstream: '127.0.0.1:8080', redirectPort: 18080, tls: { ...makeCert(dir), port: 18443 } });
      const r = nginxTest(site);
      assert.ok(r.ok, r.output);
      assert.match(r.output, /test is successful/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('passes `nginx -t` with the TLS lines swapped for plain HTTP', () => {
    const r = nginxTest(renderSite({ upstream: '127.0.0.1:8080', redirectPort: 18080, httpPort: 18081 }));
    assert.ok(r.ok, r.output);
  });

  it('has what a WebSocket proxy for Parley needs', () => {
    const conf = readFileSync(NGINX_CONF, 'utf8').replace(/#.*$/gm, '');
    assert.match(conf, /map\s+\$http_upgrade\s+\$connection_upgrade\s*\{/);
    assert.match(conf, /upstream\s+parley\s*\{[^}]*least_conn;[^}]*server\s+parley:8080/s);
    assert.match(conf, /proxy_pass\s+http:\/\/parley;/);
    assert.match(conf, /proxy_http_version\s+1\.1;/);
    assert.match(conf, /proxy_set_header\s+Upgrade\s+\$http_upgrade;/);
    assert.match(conf, /proxy_set_header\s+Connection\s+\$connection_upgrade;/);
    assert.match(conf, /proxy_set_header\s+X-Forwarded-For\s+\$proxy_add_x_forwarded_for;/);
    assert.match(conf, /proxy_set_header\s+X-Forwarded-Proto\s+\$scheme;/);
    assert.match(conf, /gzip\s+off;/);
    assert.match(conf, /ssl_certificate\s+\S+;/);
    const timeout = /proxy_read_timeout\s+(\d+)s?;/.exec(conf);
    assert.ok(timeout, 'no proxy_read_timeout');
    assert.ok(Number(timeout[1]) > 40, `proxy_read_timeout ${timeout[1]}s is not longer than the 40 s WebSocket idle interval`);
  });
});

describe('a visitor and an agent through nginx (plain HTTP)', () => {
  let server;
  let nginx;
  let front; // nginx's URL
  let redirectPort;

  before(async () => {
    const port = await freePort();
    redirectPort = await freePort();
    front = `http://127.0.0.1:${port}`;
    const db = createDatabase();
    await addAgent(db, 'nia@example.com');
    // The public URL is nginx's: agents' Origin checks expect it. Loopback is a trusted proxy by default.
    server = await startParley({ env: { DATABASE_URL: db, PARLEY_PUBLIC_URL: front } });
    nginx = await startNginx(renderSite({ upstream: `127.0.0.1:${server.port}`, httpPort: port, redirectPort }), port);
  });
  after(async () => {
    await nginx?.stop();
    await server?.stop();
  });

  it('HTTP passes through: health, assets still gzipped by Parley, /metrics not exposed, port 80 redirects', async () => {
    const health = await request(front + '/healthz');
    assert.equal(health.status, 200);
    assert.deepEqual(health.json(), { status: 'ok' });
    assert.equal((await request(front + '/readyz')).status, 200);

    const plain = await request(server.url + '/widget.js');
    const zipped = await request(front + '/widget.js', { headers: { 'Accept-Encoding': 'gzip' } });
    assert.equal(zipped.status, 200);
    assert.match(zipped.headers['content-encoding'] ?? '', /^gzip$/);
    assert.ok(gunzipSync(zipped.body).equals(plain.body), 'the asset changed on its way through nginx');
    assert.equal(zipped.headers.etag, plain.headers.etag);

    const notFound = await request(front + '/api/no-such-route');
    assert.equal(notFound.status, 404);
    assert.equal(notFound.json().error.code, 'not_found', 'Parley\'s JSON errors reach the client');

    assert.equal((await request(front + '/metrics')).status, 404, '/metrics must not be reachable through the proxy');
    assert.equal((await request(server.url + '/metrics')).status, 200, '…while loopback reaches it directly');

    const redirect = await request(`http://127.0.0.1:${redirectPort}/inbox?x=1`, { headers: { Host: 'chat.example.com' } });
    assert.equal(redirect.status, 301);
    assert.equal(redirect.headers.location, 'https://chat.example.com/inbox?x=1');
  });

  it('X-Forwarded-For from nginx is honoured: Parley logs the client nginx saw, not nginx', async () => {
    // nginx appends its peer (127.0.0.1, trusted) to what the client sent: Parley walks past
    // trusted hops from the right and logs the first untrusted address.
    const res = await request(front + '/healthz?xff', { headers: { 'X-Forwarded-For': '203.0.113.77' } });
    assert.equal(res.status, 200);
    await waitFor(() => /GET \/healthz 200 .* from 203\.0\.113\.77/.test(server.logs()), {
      deadline: 5000,
      what: 'an access line from 203.0.113.77',
    });
  });

  it('visitor ⇄ agent over real WebSockets through nginx, messages both ways', async () => {
    const login = await request(front + '/api/auth/login', {
      method: 'POST',
      headers: { Origin: front },
      body: { email: 'nia@example.com', password: PASSWORD },
    });
    assert.equal(login.status, 200, login.text);
    const cookie = [].concat(login.headers['set-cookie'] ?? []).find((c) => /^parley_session=/.test(c)).split(';')[0];
    const wsFront = front.replace(/^http/, 'ws') + '/ws';

    const agent = await connectWs(wsFront, { headers: { Cookie: cookie }, origin: front });
    const agentReady = await agent.nextMessage('ready');
    assert.equal(agentReady.role, 'agent');

    const id = await request(front + '/api/visitors/identify', { method: 'POST', body: { name: 'Vic' } });
    assert.equal(id.status, 200, id.text);
    const visitor = await connectWs(wsFront + '?role=visitor', { origin: 'https://shop.example' });
    visitor.send({ type: 'auth', visitorToken: id.json().visitorToken });
    assert.equal((await visitor.nextMessage('ready')).role, 'visitor');

    const asked = await sendAndAck(visitor, { body: 'Is anyone there? (via nginx)', page: 'https://shop.example/p' });
    const seenByAgent = await agent.nextMessage((m) => m.type === 'message' && m.message.id === asked.id);
    assert.equal(seenByAgent.message.body, 'Is anyone there? (via nginx)');

    const answered = await sendAndAck(agent, { conversationId: asked.conversationId, body: 'Yes — through the proxy' });
    const seenByVisitor = await visitor.nextMessage((m) => m.type === 'message' && m.message.id === answered.id);
    assert.equal(seenByVisitor.message.body, 'Yes — through the proxy');
    assert.equal(seenByVisitor.message.sender, 'AGENT');

    // A second round, and typing, to be sure the upgraded connections stay usable.
    for (let i = 0; i < 5; i++) {
      const v = await sendAndAck(visitor, { body: `visitor ${i}` });
      await agent.nextMessage((m) => m.type === 'message' && m.message.id === v.id);
      const a = await sendAndAck(agent, { conversationId: asked.conversationId, body: `agent ${i}` });
      await visitor.nextMessage((m) => m.type === 'message' && m.message.id === a.id);
    }

    // Closes pass through with their codes.
    assert.equal((await visitor.close(1000)).code, 1000);
    await agent.close(1000);
    assert.match(nginx.accessLog(), /"GET \/ws\?role=visitor HTTP\/1\.1" 101 /);
  });
});

describe('through nginx with TLS (openssl certificate)', () => {
  let server;
  let nginx;
  let dir;
  let port;

  before(async () => {
    dir = mkdtempSync('/tmp/parley-nginx-cert-');
    port = await freePort();
    const redirectPort = await freePort();
    server = await startParley({ env: { PARLEY_PUBLIC_URL: `https://127.0.0.1:${port}` } });
    const site = renderSite({ upstream: `127.0.0.1:${server.port}`, redirectPort, tls: { ...makeCert(dir), port } });
    nginx = await startNginx(site, port);
  });
  after(async () => {
    await nginx?.stop();
    await server?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('HTTPS answers, HSTS is set, and a visitor WebSocket over wss:// gets ready and an ack', async () => {
    const res = await new Promise((resolve, reject) => {
      const req = https.get(`https://127.0.0.1:${port}/healthz`, { rejectUnauthorized: false }, (r) => {
        let body = '';
        r.on('data', (d) => (body += d));
        r.on('end', () => resolve({ status: r.statusCode, headers: r.headers, body }));
      });
      req.on('error', reject);
    });
    assert.equal(res.status, 200, res.body);
    assert.match(res.headers['strict-transport-security'] ?? '', /max-age=/);

    const identify = await new Promise((resolve, reject) => {
      const req = https.request(
        `https://127.0.0.1:${port}/api/visitors/identify`,
        { method: 'POST', rejectUnauthorized: false, headers: { 'Content-Type': 'application/json' } },
        (r) => {
          let body = '';
          r.on('data', (d) => (body += d));
          r.on('end', () => resolve(JSON.parse(body)));
        },
      );
      req.on('error', reject);
      req.end('{}');
    });
    const sock = new WebSocket(`wss://127.0.0.1:${port}/ws?role=visitor`, { rejectUnauthorized: false, perMessageDeflate: false });
    const ws = new WsClient(sock);
    await new Promise((resolve, reject) => {
      sock.once('open', resolve);
      sock.once('error', reject);
    });
    ws.send({ type: 'auth', visitorToken: identify.visitorToken });
    await ws.nextMessage('ready');
    const msg = await sendAndAck(ws, { body: 'over TLS' });
    assert.equal(msg.body, 'over TLS');
    await ws.close(1000);
  });
});
