// The agent inbox: sessions, access control, the REST inbox, the agent WebSocket and the live
// exchange with visitors — against the real binary, a fresh database per server, real HTTP and
// real WebSockets. No timing is asserted: deadlines only turn a hang into a failure.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { startParley, runParley } from '../support/parley.mjs';
import { createDatabase, query } from '../support/pg.mjs';
import { request } from '../support/http.mjs';
import { connectWs } from '../support/ws.mjs';
import { identify, visitorSocket } from '../support/visitor.mjs';
import { assertError } from '../support/assert.mjs';

// ---------------------------------------------------------------------------------------------
// helpers


const count = (url, sql) => Number(query(url, sql)[0][0]);

async function addAgent(databaseUrl, email, name, password, role) {
  const args = ['agent', 'add', '--email', email, '--name', name];
  if (role) args.push('--role', role);
  const r = await runParley(args, { input: `${password}\n`, env: { DATABASE_URL: databaseUrl } });
  assert.equal(r.code, 0, `agent add ${email}: ${r.stderr}`);
}

/** A database with these agents ({email,name,password,role}) and a server on it. */
async function serverWithAgents(agents, env = {}) {
  const db = createDatabase();
  for (const a of agents) await addAgent(db, a.email, a.name, a.password, a.role);
  return startParley({ env: { ...env, DATABASE_URL: db } });
}

function loginRequest(server, email, password, headers = {}) {
  return request(server.url + '/api/auth/login', { method: 'POST', headers, body: { email, password } });
}

function sessionCookie(res) {
  const setCookie = [].concat(res.headers['set-cookie'] ?? []);
  const line = setCookie.find((c) => /^parley_session=/.test(c));
  assert.ok(line, `no parley_session cookie in ${JSON.stringify(setCookie)}`);
  return { line, cookie: line.split(';')[0] };
}

async function login(server, email, password) {
  const res = await loginRequest(server, email, password);
  assert.equal(res.status, 200, `login ${email}: ${res.text}`);
  return { cookie: sessionCookie(res).cookie, agent: res.json().agent };
}

/** A request with a session cookie (and, unless given, no Origin: a non-browser client). */
function api(server, method, path, { cookie, body, origin, headers = {} } = {}) {
  const h = { ...headers };
  if (cookie) h.Cookie = cookie;
  if (origin) h.Origin = origin;
  return request(server.url + path, { method, headers: h, body });
}

async function sendAndAck(ws, clientId, body) {
  ws.send({ type: 'send', clientId, body });
  const reply = await ws.nextMessage((m) => m && (m.type === 'ack' || m.type === 'error') && m.clientId === clientId);
  assert.equal(reply.type, 'ack', `expected an ack for ${clientId}, got ${JSON.stringify(reply)}`);
  return reply;
}

/** A visitor with an open conversation: {token, visitorId, ws (open unless close), conversationId, message}. */
async function visitorWithConversation(server, text = 'Hello, I need help', { keepOpen = true } = {}) {
  const v = await identify(server);
  const ws = await visitorSocket(server, v.visitorToken);
  const ack = await sendAndAck(ws, `first-${randomBytes(4).toString('hex')}`, text);
  if (!keepOpen) await ws.close();
  return { ...v, ws: keepOpen ? ws : null, conversationId: ack.message.conversationId, message: ack.message };
}

async function agentSocket(server, cookie, origin = server.url) {
  const ws = await connectWs(server.wsUrl, { headers: { Cookie: cookie }, origin });
  ws.ready = await ws.nextMessage('ready');
  return ws;
}

/** Resolves with the close info, terminating the socket (and failing) after `ms`. */
async function closedWithin(ws, ms, what) {
  let timer;
  const timeout = new Promise((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what}: the socket was not closed within ${ms} ms`)), ms);
  });
  try {
    return await Promise.race([ws.closed, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/** Every page of GET /api/inbox with these query params; returns {ids, conversations, pages}. */
async function allPages(server, cookie, params = {}, limit = 10) {
  const pages = [];
  const conversations = [];
  let cursor = null;
  for (let i = 0; i < 100; i++) {
    const qs = new URLSearchParams({ ...params, limit: String(limit) });
    if (cursor) qs.set('cursor', cursor);
    const res = await api(server, 'GET', `/api/inbox?${qs}`, { cookie });
    assert.equal(res.status, 200, res.text);
    const page = res.json();
    pages.push(page);
    conversations.push(...page.conversations);
    cursor = page.nextCursor;
    if (cursor === null) break;
    assert.equal(typeof cursor, 'string', `nextCursor ${JSON.stringify(cursor)}`);
  }
  assert.equal(cursor, null, 'pagination did not end');
  return { pages, conversations, ids: conversations.map((c) => c.id) };
}

const PASSWORD = 'inbox-suite-password';

// ---------------------------------------------------------------------------------------------

describe('agent sessions and access control', () => {
  const AGENTS = [
    { email: 'ann@example.com', name: 'Ann', password: PASSWORD, role: 'admin' },
    { email: 'bob@example.com', name: 'Bob', password: PASSWORD },
    { email: 'cat@example.com', name: 'Cat', password: PASSWORD },
    { email: 'dan@example.com', name: 'Dan', password: PASSWORD },
  ];
  let server;
  let db;
  let convId;
  let ann;
  before(async () => {
    server = await serverWithAgents(AGENTS);
    db = server.databaseUrl;
    convId = (await visitorWithConversation(server, 'a conversation to guard', { keepOpen: false })).conversationId;
    ann = await login(server, 'ann@example.com', PASSWORD);
  });
  after(async () => {
    await server?.stop();
  });

  it('login → 200 {agent} + Set-Cookie parley_session HttpOnly SameSite=Lax Path=/; GET /api/me → the agent', async () => {
    const res = await loginRequest(server, 'Bob@Example.com', PASSWORD);
    assert.equal(res.status, 200, res.text);
    const { line, cookie } = sessionCookie(res);
    assert.match(line, /;\s*HttpOnly/i);
    assert.match(line, /;\s*SameSite=Lax/i);
    assert.match(line, /;\s*Path=\//i);
    assert.match(cookie, /^parley_session=[A-Za-z0-9_-]{32,}$/);
    const agent = res.json().agent;
    assert.equal(agent.email, 'bob@example.com');
    assert.equal(agent.name, 'Bob');
    assert.equal(agent.role, 'agent');

    const me = await api(server, 'GET', '/api/me', { cookie });
    assert.equal(me.status, 200, me.text);
    assert.equal(me.json().agent.id, agent.id);
    assert.equal(me.json().agent.email, 'bob@example.com');
    assert.ok(['online', 'away'].includes(me.json().agent.status));
    // Only a digest of the session token is stored.
    const token = cookie.split('=')[1];
    assert.equal(count(db, `SELECT count(*) FROM agent_session WHERE position('${token}' in encode(token_hash, 'escape')) > 0`), 0);

    const wrong = await loginRequest(server, 'bob@example.com', 'not the password');
    assertError(wrong, 401, 'bad_credentials');
    assert.equal(wrong.headers['set-cookie'], undefined, 'a failed login set a cookie');
  });

  const routes = (id, agentId) => [
    ['GET', '/api/inbox'],
    ['GET', '/api/inbox?status=OPEN,ASSIGNED&assignedTo=me'],
    ['GET', `/api/inbox/${id}`],
    ['POST', `/api/inbox/${id}/assign`, { agentId }],
    ['POST', `/api/inbox/${id}/unassign`],
    ['POST', `/api/inbox/${id}/resolve`],
    ['POST', `/api/inbox/${id}/reopen`],
    ['POST', `/api/inbox/${id}/reply`, { clientId: 'unauthenticated-1', body: 'sneaky' }],
    ['GET', '/api/agents'],
    ['POST', '/api/me/status', { status: 'away' }],
    ['GET', '/api/me'],
  ];
  const BOGUS = [
    ['no cookie', undefined],
    ['an empty session cookie', 'parley_session='],
    ['a bogus session cookie', 'parley_session=bogus'],
    ['a well-formed but unknown session token', `parley_session=${randomBytes(32).toString('base64url')}`],
    ['a 4 KB session cookie', `parley_session=${'A'.repeat(4096)}`],
    ['another cookie name', `session=${randomBytes(32).toString('base64url')}`],
  ];
  for (const [label, cookie] of BOGUS) {
    it(`every inbox route with ${label} → 401, and nothing changes`, async () => {
      const state = () => query(db, `SELECT status, assigned_agent_id, version FROM conversation WHERE id = ${convId}`);
      const before = state();
      const messages = count(db, 'SELECT count(*) FROM message');
      const agents = query(db, 'SELECT id, presence FROM agent ORDER BY id');
      for (const [method, path, body] of routes(convId, ann.agent.id)) {
        const res = await api(server, method, path, { cookie, body });
        assertError(res, 401, undefined, `${method} ${path}:`);
      }
      assert.deepEqual(state(), before);
      assert.equal(count(db, 'SELECT count(*) FROM message'), messages);
      assert.deepEqual(query(db, 'SELECT id, presence FROM agent ORDER BY id'), agents);
    });
  }

  it('without a session, authentication is checked before the input (no 400/404 leaks to strangers)', async () => {
    const CASES = [
      ['POST', `/api/inbox/${convId}/assign`, {}],
      ['POST', `/api/inbox/${convId}/assign`, '{not json'],
      ['POST', `/api/inbox/${convId}/reply`, {}],
      ['POST', '/api/me/status', { status: 'FOO' }],
      ['GET', `/api/inbox/${convId}?after=abc`],
      ['GET', '/api/inbox?status=FOO'],
    ];
    const failures = [];
    for (const [method, path, body] of CASES) {
      const res = await api(server, method, path, { body, headers: typeof body === 'string' ? { 'Content-Type': 'application/json' } : {} });
      if (res.status !== 401) failures.push(`${method} ${path} ${JSON.stringify(body ?? null)} → ${res.status} ${res.text}`);
    }
    assert.deepEqual(failures, [], 'unauthenticated requests answered with something else than 401');
  });

  it('an unknown conversation id → 404 not_found on every conversation route', async () => {
    const [[maxId]] = query(db, 'SELECT coalesce(max(id), 0) FROM conversation');
    for (const id of [Number(maxId) + 1000, 'abc', '99999999999999999999', '0']) {
      for (const [method, path, body] of routes(id, ann.agent.id).filter(([, p]) => p.startsWith(`/api/inbox/${id}`))) {
        const res = await api(server, method, path, { cookie: ann.cookie, body });
        assertError(res, 404, 'not_found', `${method} ${path}:`);
      }
    }
    assert.equal(count(db, "SELECT count(*) FROM message WHERE client_id = 'unauthenticated-1'"), 0);
  });

  it('bad input → 400 with the JSON error shape, nothing changes', async () => {
    const state = () => query(db, `SELECT status, assigned_agent_id, version FROM conversation WHERE id = ${convId}`);
    const before = state();
    const messages = count(db, 'SELECT count(*) FROM message');
    const CASES = [
      ['GET', '/api/inbox?status=FOO'],
      ['GET', '/api/inbox?status=OPEN,FOO'],
      ['GET', '/api/inbox?limit=abc'],
      ['GET', '/api/inbox?limit=-5'],
      ['GET', '/api/inbox?limit=2.5'],
      ['GET', '/api/inbox?assignedTo=x'],
      ['GET', '/api/inbox?cursor=garbage'],
      ['GET', '/api/inbox?cursor=abc.def'],
      ['GET', `/api/inbox/${convId}?after=abc`],
      ['POST', `/api/inbox/${convId}/assign`, { agentId: 'x' }],
      ['POST', `/api/inbox/${convId}/assign`, { agentId: null }],
      ['POST', `/api/inbox/${convId}/assign`, { agentId: 1.5 }],
      ['POST', `/api/inbox/${convId}/assign`, {}],
      ['POST', `/api/inbox/${convId}/assign`, '{"agentId":'],
      ['POST', `/api/inbox/${convId}/reply`, { clientId: 'ok-id', body: '   ' }],
      ['POST', `/api/inbox/${convId}/reply`, { clientId: 'bad id!', body: 'hello' }],
      ['POST', `/api/inbox/${convId}/reply`, { body: 'no client id' }],
      ['POST', `/api/inbox/${convId}/reply`, { clientId: 'too-long', body: 'x'.repeat(8001) }],
      ['POST', `/api/inbox/${convId}/reply`, { clientId: 'x'.repeat(65), body: 'hello' }],
      ['POST', '/api/me/status', { status: 'FOO' }],
      ['POST', '/api/me/status', {}],
    ];
    for (const [method, path, body] of CASES) {
      const res = await api(server, method, path, {
        cookie: ann.cookie,
        body,
        headers: typeof body === 'string' ? { 'Content-Type': 'application/json' } : {},
      });
      assertError(res, 400, undefined, `${method} ${path} ${JSON.stringify(body ?? null)}:`);
    }
    assert.deepEqual(state(), before);
    assert.equal(count(db, 'SELECT count(*) FROM message'), messages);
  });

  it('after agent A logs out, every session of A → 401 while B’s session still works (and acts as B)', async () => {
    const a1 = await login(server, 'cat@example.com', PASSWORD);
    const a2 = await login(server, 'cat@example.com', PASSWORD);
    const b = await login(server, 'bob@example.com', PASSWORD);
    const out = await api(server, 'POST', '/api/auth/logout', { cookie: a1.cookie });
    assert.equal(out.status, 204, out.text);
    const cleared = sessionCookie(out).line;
    assert.match(cleared, /parley_session=;|Max-Age=0|Expires=Thu, 01 Jan 1970/i, `logout does not clear the cookie: ${cleared}`);

    for (const cookie of [a1.cookie, a2.cookie]) {
      assertError(await api(server, 'GET', '/api/me', { cookie }), 401);
      assertError(await api(server, 'GET', '/api/inbox', { cookie }), 401);
      assertError(await api(server, 'POST', `/api/inbox/${convId}/reply`, { cookie, body: { clientId: 'cat-after-logout', body: 'x' } }), 401);
    }
    assert.equal(count(db, `SELECT count(*) FROM agent_session WHERE agent_id = ${a1.agent.id}`), 0);
    assert.equal(count(db, "SELECT count(*) FROM message WHERE client_id = 'cat-after-logout'"), 0);

    const me = await api(server, 'GET', '/api/me', { cookie: b.cookie });
    assert.equal(me.status, 200, me.text);
    assert.equal(me.json().agent.id, b.agent.id);
    assert.equal((await api(server, 'GET', '/api/inbox', { cookie: b.cookie })).status, 200);
    const reply = await api(server, 'POST', `/api/inbox/${convId}/reply`, { cookie: b.cookie, body: { clientId: 'bob-after-cat-logout', body: 'Bob here' } });
    assert.ok([200, 201].includes(reply.status), reply.text);
    assert.equal(reply.json().message.agentId, b.agent.id);
  });

  it('logout closes the agent’s open sockets; other agents’ sockets stay open', async () => {
    const a = await login(server, 'cat@example.com', PASSWORD);
    const b = await login(server, 'bob@example.com', PASSWORD);
    const wsA1 = await agentSocket(server, a.cookie);
    const wsA2 = await agentSocket(server, a.cookie);
    const wsB = await agentSocket(server, b.cookie);
    try {
      const out = await api(server, 'POST', '/api/auth/logout', { cookie: a.cookie, origin: server.url });
      assert.equal(out.status, 204, out.text);
      await closedWithin(wsA1, 15000, 'logout');
      await closedWithin(wsA2, 15000, 'logout');
      // B's socket still answers.
      wsB.send({ type: 'sync', conversationId: convId, after: 0 });
      const msgs = await wsB.nextMessage('messages');
      assert.equal(msgs.conversationId, convId);
      assert.equal(wsB.closeInfo, null);
      // The old cookie can no longer open a socket.
      await assert.rejects(connectWs(server.wsUrl, { headers: { Cookie: a.cookie }, origin: server.url }), (e) => e.statusCode === 401);
    } finally {
      wsA1.terminate();
      wsA2.terminate();
      await wsB.close();
    }
  });

  it('a password change ends every session of that agent and closes their sockets', async () => {
    const NEW = 'a brand new password';
    const d1 = await login(server, 'dan@example.com', PASSWORD);
    const d2 = await login(server, 'dan@example.com', PASSWORD);
    const ws = await agentSocket(server, d1.cookie);
    try {
      assertError(await api(server, 'POST', '/api/me/password', { cookie: d1.cookie, body: { current: PASSWORD, password: 'short' } }), 400);
      assertError(await api(server, 'POST', '/api/me/password', { cookie: d1.cookie, body: { current: 'wrong current', password: NEW } }), 401);
      assert.equal((await api(server, 'GET', '/api/me', { cookie: d2.cookie })).status, 200, 'a refused change ended sessions');

      const changed = await api(server, 'POST', '/api/me/password', { cookie: d1.cookie, body: { current: PASSWORD, password: NEW } });
      assert.equal(changed.status, 204, changed.text);
      await closedWithin(ws, 15000, 'password change');
      for (const cookie of [d1.cookie, d2.cookie]) assertError(await api(server, 'GET', '/api/me', { cookie }), 401);
      assertError(await loginRequest(server, 'dan@example.com', PASSWORD), 401, 'bad_credentials');
      const again = await login(server, 'dan@example.com', NEW);
      assert.equal((await api(server, 'GET', '/api/me', { cookie: again.cookie })).status, 200);
    } finally {
      ws.terminate();
    }
  });

  it('a WebSocket upgrade with a valid cookie and a foreign (or no) Origin → refused 403', async () => {
    const b = await login(server, 'bob@example.com', PASSWORD);
    const foreign = ['http://evil.example', `${server.url}.evil.example`, 'null', `https://127.0.0.1:${server.port}`, undefined];
    for (const origin of foreign) {
      const err = await connectWs(server.wsUrl, { headers: { Cookie: b.cookie }, origin }).then(
        (ws) => {
          ws.terminate();
          return null;
        },
        (e) => e,
      );
      assert.ok(err, `the upgrade with Origin ${origin} was accepted`);
      assert.equal(err.statusCode, 403, `Origin ${origin}: ${err.message}`);
    }
  });

  it('a WebSocket upgrade with a valid cookie and the server’s own Origin → ready, role agent', async () => {
    const b = await login(server, 'bob@example.com', PASSWORD);
    for (const origin of [server.url, `http://localhost:${server.port}`]) {
      const ws = await agentSocket(server, b.cookie, origin);
      try {
        assert.equal(ws.ready.role, 'agent');
        assert.equal(ws.ready.agent?.id, b.agent.id);
      } finally {
        await ws.close();
      }
    }
  });

  it('right after ready, an agents frame lists every active agent with connected and online (docs/PROTOCOL.md)', async () => {
    const b = await login(server, 'bob@example.com', PASSWORD);
    const ws = await agentSocket(server, b.cookie);
    try {
      assert.equal(ws.ready.agent?.email, 'bob@example.com');
      assert.equal(typeof ws.ready.teamAvailable, 'boolean');
      const frame = await ws.nextMessage('agents');
      assert.ok(Array.isArray(frame.agents), JSON.stringify(frame));
      assert.deepEqual(frame.agents.map((a) => a.email).sort(), AGENTS.map((a) => a.email).sort());
      const me = frame.agents.find((a) => a.email === 'bob@example.com');
      assert.equal(me.connected, true, JSON.stringify(me));
      for (const a of frame.agents) {
        assert.equal(typeof a.connected, 'boolean', JSON.stringify(a));
        assert.equal(typeof a.online, 'boolean', JSON.stringify(a));
      }
    } finally {
      await ws.close();
    }
  });

  it('a WebSocket upgrade with an unknown session cookie → refused 401', async () => {
    const err = await connectWs(server.wsUrl, { headers: { Cookie: `parley_session=${randomBytes(32).toString('base64url')}` }, origin: server.url }).then(
      (ws) => {
        ws.terminate();
        return null;
      },
      (e) => e,
    );
    assert.ok(err, 'the upgrade was accepted');
    assert.equal(err.statusCode, 401, err.message);
  });

  it('an agent’s cookie on /ws?role=visitor does not make an agent socket', async () => {
    const b = await login(server, 'bob@example.com', PASSWORD);
    const ws = await connectWs(server.wsUrl + '?role=visitor', { headers: { Cookie: b.cookie }, origin: server.url });
    try {
      ws.send({ type: 'sync', conversationId: convId, after: 0 });
      const r = await ws.nextMessage((m) => m && (m.type === 'error' || m.type === 'messages' || m.type === 'ready'), 10000).then(
        (m) => m,
        () => null,
      );
      assert.ok(!r || r.type === 'error', `a visitor socket with an agent cookie answered ${JSON.stringify(r)}`);
      assert.ok(!ws.all.some((m) => m && (m.type === 'ready' || m.type === 'messages')), JSON.stringify(ws.all));
    } finally {
      ws.terminate();
    }
  });
});

describe('inbox pagination and counts', () => {
  const N = 30;
  let server;
  let db;
  let a;
  let b;
  let order; // conversation ids, newest update first, as the database orders them
  before(async () => {
    server = await serverWithAgents([
      { email: 'a@example.com', name: 'Agent A', password: PASSWORD },
      { email: 'b@example.com', name: 'Agent B', password: PASSWORD },
    ]);
    db = server.databaseUrl;
    a = await login(server, 'a@example.com', PASSWORD);
    b = await login(server, 'b@example.com', PASSWORD);
    // 30 visitors, each sending one message.
    await Promise.all(Array.from({ length: N }, (_, i) => visitorWithConversation(server, `visitor ${i} needs help`, { keepOpen: false })));
    assert.equal(count(db, 'SELECT count(*) FROM conversation'), N);
    order = query(db, 'SELECT id FROM conversation ORDER BY updated_at DESC, id DESC').map((r) => Number(r[0]));
  });
  after(async () => {
    await server?.stop();
  });

  for (const limit of [10, 7]) {
    it(`limit=${limit} with nextCursor → all ${N} conversations once, newest update first, last nextCursor null`, async () => {
      const { pages, conversations, ids } = await allPages(server, a.cookie, {}, limit);
      const sizes = pages.map((p) => p.conversations.length);
      const expected = [];
      for (let left = N; left > 0; left -= limit) expected.push(Math.min(limit, left));
      assert.deepEqual(sizes, expected, 'page sizes');
      assert.equal(new Set(ids).size, ids.length, `duplicates: ${ids}`);
      assert.deepEqual(ids, order, 'not in the database’s newest-update-first order');
      for (let i = 1; i < conversations.length; i++) {
        assert.ok(Date.parse(conversations[i - 1].updatedAt) >= Date.parse(conversations[i].updatedAt), `updatedAt not descending at ${i}`);
      }
      for (const c of conversations) {
        assert.equal(c.status, 'OPEN');
        assert.equal(c.assignedTo, null);
        assert.equal(typeof c.visitor?.id, 'number');
        assert.match(c.lastMessage?.body ?? '', /^visitor \d+ needs help$/);
      }
      for (const p of pages) assert.deepEqual(p.counts, { open: N, mine: 0, unassigned: N, resolved: 0 });
    });
  }

  it('a new message moves its conversation to the top of the first page', async () => {
    // Messages move updatedAt at most once a second per conversation (docs/PROTOCOL.md); these
    // conversations were all created a moment ago, so they are made an hour old first.
    query(db, "UPDATE conversation SET updated_at = updated_at - interval '1 hour'");
    const oldest = order[order.length - 1];
    const reply = await api(server, 'POST', `/api/inbox/${oldest}/reply`, { cookie: a.cookie, body: { clientId: 'bump-1', body: 'bump' } });
    assert.ok([200, 201].includes(reply.status), reply.text);
    const first = await api(server, 'GET', '/api/inbox?limit=10', { cookie: a.cookie });
    assert.equal(first.status, 200, first.text);
    assert.equal(first.json().conversations[0].id, oldest);
    assert.equal(first.json().conversations[0].lastMessage.body, 'bump');
    order = query(db, 'SELECT id FROM conversation ORDER BY updated_at DESC, id DESC').map((r) => Number(r[0]));
    assert.deepEqual((await allPages(server, a.cookie, {}, 100)).ids, order);
  });

  it('counts open/mine/unassigned/resolved follow assign/unassign/resolve/reopen and match the lists', async () => {
    const c = [...order].sort((x, y) => x - y); // stable names for 30 conversations
    const post = async (cookie, path, body) => {
      const res = await api(server, 'POST', path, { cookie, body });
      assert.equal(res.status, 200, `${path}: ${res.text}`);
      return res.json().conversation;
    };
    for (const id of c.slice(0, 5)) {
      const conv = await post(a.cookie, `/api/inbox/${id}/assign`, { agentId: a.agent.id });
      assert.equal(conv.status, 'ASSIGNED');
      assert.equal(conv.assignedTo?.id, a.agent.id);
    }
    for (const id of c.slice(5, 7)) {
      const conv = await post(a.cookie, `/api/inbox/${id}/assign`, { agentId: b.agent.id }); // to a colleague
      assert.equal(conv.assignedTo?.id, b.agent.id);
      assert.equal(conv.assignedTo?.name, 'Agent B');
    }
    for (const id of [c[7], c[8], c[9], c[0]]) assert.equal((await post(a.cookie, `/api/inbox/${id}/resolve`)).status, 'RESOLVED');
    assertError(await api(server, 'POST', `/api/inbox/${c[8]}/assign`, { cookie: a.cookie, body: { agentId: a.agent.id } }), 409, 'conflict');
    assertError(await api(server, 'POST', `/api/inbox/${c[8]}/resolve`, { cookie: a.cookie }), 409, 'conflict');

    const check = async (who, expected) => {
      const res = await api(server, 'GET', '/api/inbox', { cookie: who.cookie });
      assert.equal(res.status, 200, res.text);
      assert.deepEqual(res.json().counts, expected, `counts for ${who.agent.name}`);
      // One page each (limit 100): the counts are checked apart from the cursor.
      const open = await allPages(server, who.cookie, {}, 100);
      // The views of docs/PROTOCOL.md: Open, Mine, Unassigned, Resolved.
      const mine = await allPages(server, who.cookie, { status: 'OPEN,ASSIGNED', assignedTo: 'me' }, 100);
      const unassigned = await allPages(server, who.cookie, { status: 'OPEN', assignedTo: 'none' }, 100);
      const resolved = await allPages(server, who.cookie, { status: 'RESOLVED' }, 100);
      assert.equal(open.ids.length, expected.open, 'the default (open) list');
      assert.equal(mine.ids.length, expected.mine, 'assignedTo=me');
      assert.equal(unassigned.ids.length, expected.unassigned, 'assignedTo=none');
      assert.equal(resolved.ids.length, expected.resolved, 'status=RESOLVED');
      assert.ok(mine.conversations.every((x) => x.assignedTo?.id === who.agent.id && x.status === 'ASSIGNED'));
      assert.ok(unassigned.conversations.every((x) => x.assignedTo === null && x.status === 'OPEN'));
      assert.ok(resolved.conversations.every((x) => x.status === 'RESOLVED'));
      assert.ok(open.conversations.every((x) => x.status !== 'RESOLVED'));
      // And the database agrees.
      const dbCounts = query(
        db,
        `SELECT count(*) FILTER (WHERE status <> 'RESOLVED'), count(*) FILTER (WHERE status <> 'RESOLVED' AND assigned_agent_id = ${who.agent.id}),
                count(*) FILTER (WHERE status = 'OPEN' AND assigned_agent_id IS NULL), count(*) FILTER (WHERE status = 'RESOLVED') FROM conversation`,
      )[0].map(Number);
      assert.deepEqual(dbCounts, [expected.open, expected.mine, expected.unassigned, expected.resolved]);
      return { mine, resolved };
    };

    const first = await check(a, { open: 26, mine: 4, unassigned: 20, resolved: 4 });
    assert.deepEqual([...first.mine.ids].sort((x, y) => x - y), c.slice(1, 5));
    assert.deepEqual([...first.resolved.ids].sort((x, y) => x - y), [c[0], c[7], c[8], c[9]]);
    const forB = await check(b, { open: 26, mine: 2, unassigned: 20, resolved: 4 });
    assert.deepEqual([...forB.mine.ids].sort((x, y) => x - y), c.slice(5, 7));
    const byId = await allPages(server, a.cookie, { assignedTo: String(b.agent.id) }, 100);
    assert.deepEqual([...byId.ids].sort((x, y) => x - y), c.slice(5, 7), 'assignedTo=<B’s id>');

    assert.equal((await post(a.cookie, `/api/inbox/${c[1]}/unassign`)).status, 'OPEN');
    const reopened = await post(a.cookie, `/api/inbox/${c[7]}/reopen`);
    assert.equal(reopened.status, 'OPEN');
    assert.equal(reopened.assignedTo, null);
    await check(a, { open: 27, mine: 3, unassigned: 22, resolved: 3 });
    await check(b, { open: 27, mine: 2, unassigned: 22, resolved: 3 });
  });
});

describe('live inbox: concurrent assignment, replies, typing, resolve', () => {
  const AGENTS = [
    { email: 'ann@example.com', name: 'Ann', password: PASSWORD },
    { email: 'bob@example.com', name: 'Bob', password: PASSWORD },
    { email: 'cat@example.com', name: 'Cat', password: PASSWORD },
  ];
  let server;
  let db;
  let ann;
  let bob;
  let cat;
  let crowd; // 20 agents, logged in
  const CROWD = Array.from({ length: 17 }, (_, i) => ({ email: `crowd${i}@example.com`, name: `Crowd ${i}`, password: PASSWORD }));
  before(async () => {
    server = await serverWithAgents([...AGENTS, ...CROWD]);
    db = server.databaseUrl;
    ann = await login(server, 'ann@example.com', PASSWORD);
    bob = await login(server, 'bob@example.com', PASSWORD);
    cat = await login(server, 'cat@example.com', PASSWORD);
    crowd = [ann, bob, cat];
    for (const a of CROWD) crowd.push(await login(server, a.email, PASSWORD));
  });
  after(async () => {
    await server?.stop();
  });

  it('20 agents assign one conversation to themselves at once → exactly one 200, nineteen 409 naming the winner', async () => {
    const wsAnn = await agentSocket(server, ann.cookie);
    const wsBob = await agentSocket(server, bob.cookie);
    const v = await visitorWithConversation(server, 'who will take me?', { keepOpen: false });
    const id = v.conversationId;
    try {
      const [[v0]] = query(db, `SELECT version FROM conversation WHERE id = ${id}`);
      const results = await Promise.all(
        crowd.map((agent) =>
          api(server, 'POST', `/api/inbox/${id}/assign`, { cookie: agent.cookie, body: { agentId: agent.agent.id } }).then((res) => ({ res, agent })),
        ),
      );
      const winners = results.filter(({ res }) => res.status === 200);
      assert.equal(winners.length, 1, `one assignment wins: ${results.map(({ res }) => res.status).join(' ')}`);
      const winner = winners[0].agent.agent;
      assert.equal(winners[0].res.json().conversation.assignedTo?.id, winner.id);
      for (const { res } of results.filter(({ res }) => res.status !== 200)) {
        assertError(res, 409, 'assigned');
        const body = res.json();
        assert.equal(body.error.assignedTo?.id, winner.id, 'the refusal names who has it');
        assert.equal(body.error.message, `${winner.name} has this conversation`);
        assert.equal(body.conversation.assignedTo?.id, winner.id, 'and carries the conversation as it is');
      }

      const [[owner, version, status]] = query(db, `SELECT assigned_agent_id, version, status FROM conversation WHERE id = ${id}`);
      assert.equal(Number(owner), winner.id);
      assert.equal(status, 'ASSIGNED');
      assert.equal(Number(version), Number(v0) + 1, 'one change, one version');
      for (const ws of [wsAnn, wsBob]) {
        const ev = await ws.nextMessage((m) => m && m.type === 'conversation' && m.conversation?.id === id && m.conversation.version === Number(version), 20000);
        assert.equal(ev.conversation.assignedTo?.id, winner.id);
      }
    } finally {
      await wsAnn.close();
      await wsBob.close();
    }
  });

  it('taking over a colleague’s conversation is explicit, and holds only for the version seen', async () => {
    const wsAnn = await agentSocket(server, ann.cookie);
    const wsBob = await agentSocket(server, bob.cookie);
    const v = await visitorWithConversation(server, 'take me over', { keepOpen: false });
    const id = v.conversationId;
    const assign = (who, body) => api(server, 'POST', `/api/inbox/${id}/assign`, { cookie: who.cookie, body });
    try {
      const byAnn = await assign(ann, { agentId: ann.agent.id });
      assert.equal(byAnn.status, 200, byAnn.text);
      const again = await assign(ann, { agentId: ann.agent.id });
      assert.equal(again.status, 200, 'the same assignee again changes nothing');
      assert.equal(again.json().conversation.version, byAnn.json().conversation.version);

      const refused = await assign(bob, { agentId: bob.agent.id });
      assertError(refused, 409, 'assigned');
      assert.equal(refused.json().error.assignedTo.name, 'Ann');
      const seen = refused.json().conversation.version;

      // Cat takes it over in between: Bob's take-over of the version he saw no longer holds.
      const byCat = await assign(cat, { agentId: cat.agent.id, takeOver: true });
      assert.equal(byCat.status, 200, byCat.text);
      const stale = await assign(bob, { agentId: bob.agent.id, takeOver: true, version: seen });
      assertError(stale, 409, 'stale');
      assert.equal(stale.json().conversation.assignedTo.id, cat.agent.id);

      const taken = await assign(bob, { agentId: bob.agent.id, takeOver: true, version: stale.json().conversation.version });
      assert.equal(taken.status, 200, taken.text);
      assert.equal(taken.json().conversation.assignedTo.id, bob.agent.id);
      const version = taken.json().conversation.version;
      for (const ws of [wsAnn, wsBob]) {
        const ev = await ws.nextMessage((m) => m && m.type === 'conversation' && m.conversation?.id === id && m.conversation.version === version, 20000);
        assert.equal(ev.conversation.assignedTo?.id, bob.agent.id, 'both inboxes see the take-over');
      }
      assertError(await assign(bob, { agentId: bob.agent.id, takeOver: 'yes' }), 400, 'invalid_field');
      assertError(await assign(bob, { agentId: bob.agent.id, version: 'x' }), 400, 'invalid_field');
    } finally {
      await wsAnn.close();
      await wsBob.close();
    }
  });

  it('a REST reply reaches the visitor’s socket; the same clientId → the same message, delivered once', async () => {
    const v = await visitorWithConversation(server, 'anyone there?');
    try {
      const r1 = await api(server, 'POST', `/api/inbox/${v.conversationId}/reply`, { cookie: ann.cookie, body: { clientId: 'reply-1', body: ' Hi, Ann here ' } });
      assert.equal(r1.status, 201, r1.text);
      const m1 = r1.json().message;
      assert.equal(m1.sender, 'AGENT');
      assert.equal(m1.agentId, ann.agent.id);
      assert.equal(m1.agentName, 'Ann');
      assert.equal(m1.body, 'Hi, Ann here');
      assert.equal(m1.conversationId, v.conversationId);
      assert.equal(count(db, `SELECT count(*) FROM message WHERE id = ${m1.id}`), 1, 'answered before commit');
      const pushed = await v.ws.nextMessage((m) => m && m.type === 'message' && m.message?.id === m1.id);
      assert.equal(pushed.message.body, 'Hi, Ann here');

      const again = await api(server, 'POST', `/api/inbox/${v.conversationId}/reply`, { cookie: ann.cookie, body: { clientId: 'reply-1', body: ' Hi, Ann here ' } });
      assert.equal(again.status, 200, again.text);
      assert.equal(again.json().message.id, m1.id);
      assert.equal(count(db, `SELECT count(*) FROM message WHERE conversation_id = ${v.conversationId} AND client_id = 'reply-1'`), 1);

      // With the right Origin (a browser on Parley's own page) it works as well.
      const r2 = await api(server, 'POST', `/api/inbox/${v.conversationId}/reply`, { cookie: ann.cookie, origin: server.url, body: { clientId: 'reply-2', body: 'second' } });
      assert.ok([200, 201].includes(r2.status), r2.text);
      await v.ws.nextMessage((m) => m && m.type === 'message' && m.message?.id === r2.json().message.id);
      assert.equal(v.ws.all.filter((m) => m && m.type === 'message' && m.message?.id === m1.id).length, 1, 'the re-sent reply was delivered twice');
    } finally {
      await v.ws.close();
    }
  });

  it('cookie-authenticated writes with Origin http://evil.example → 403 bad_origin, nothing changes', async () => {
    const v = await visitorWithConversation(server, 'csrf target', { keepOpen: false });
    const id = v.conversationId;
    const state = () => query(db, `SELECT status, assigned_agent_id, version FROM conversation WHERE id = ${id}`);
    const before = state();
    const presence = query(db, 'SELECT id, presence FROM agent ORDER BY id');
    const evil = 'http://evil.example';
    const CASES = [
      ['POST', `/api/inbox/${id}/reply`, { clientId: 'csrf-1', body: 'sent by evil.example' }],
      ['POST', `/api/inbox/${id}/assign`, { agentId: ann.agent.id }],
      ['POST', `/api/inbox/${id}/resolve`],
      ['POST', `/api/inbox/${id}/unassign`],
      ['POST', '/api/me/status', { status: 'away' }],
      ['POST', '/api/me/password', { current: PASSWORD, password: 'evil password 123' }],
      ['POST', '/api/auth/logout'],
    ];
    for (const [method, path, body] of CASES) {
      assertError(await api(server, method, path, { cookie: ann.cookie, origin: evil, body }), 403, 'bad_origin', `${method} ${path}:`);
    }
    assert.deepEqual(state(), before);
    assert.deepEqual(query(db, 'SELECT id, presence FROM agent ORDER BY id'), presence);
    assert.equal(count(db, "SELECT count(*) FROM message WHERE client_id = 'csrf-1'"), 0);
    assert.equal((await api(server, 'GET', '/api/me', { cookie: ann.cookie })).status, 200, 'the session ended');
    // And a cross-site login is refused too.
    assertError(await loginRequest(server, 'ann@example.com', PASSWORD, { Origin: evil }), 403, 'bad_origin');
  });

  it('typing both ways: agent → visitor (from "agent"), visitor → agent (from "visitor"); other visitors see nothing', async () => {
    const v = await visitorWithConversation(server, 'typing test');
    const other = await visitorWithConversation(server, 'a bystander');
    const ws = await agentSocket(server, bob.cookie);
    try {
      ws.send({ type: 'typing', conversationId: v.conversationId });
      const t1 = await v.ws.nextMessage('typing');
      assert.equal(t1.from, 'agent');
      assert.equal(t1.conversationId, v.conversationId);

      v.ws.send({ type: 'typing' });
      const t2 = await ws.nextMessage((m) => m && m.type === 'typing' && m.from === 'visitor');
      assert.equal(t2.conversationId, v.conversationId);

      // A round trip on the bystander's socket, then: no typing reached it.
      other.ws.send({ type: 'sync', after: 0 });
      await other.ws.nextMessage('messages');
      assert.ok(!other.ws.all.some((m) => m && m.type === 'typing'), `a bystander got ${JSON.stringify(other.ws.all)}`);
    } finally {
      await ws.close();
      await v.ws.close();
      await other.ws.close();
    }
  });

  it('a new conversation reaches agent sockets as a conversation event before its first message', async () => {
    const ws = await agentSocket(server, ann.cookie);
    try {
      const v = await visitorWithConversation(server, 'brand new', { keepOpen: false });
      const msg = await ws.nextMessage((m) => m && m.type === 'message' && m.message?.id === v.message.id);
      assert.equal(msg.message.body, 'brand new');
      const iConv = ws.all.findIndex((m) => m && m.type === 'conversation' && m.conversation?.id === v.conversationId);
      const iMsg = ws.all.indexOf(msg);
      assert.ok(iConv >= 0, 'no conversation event for the new conversation');
      assert.ok(iConv < iMsg, 'the conversation event came after its first message');
      const conv = ws.all[iConv].conversation;
      assert.equal(conv.status, 'OPEN');
      assert.equal(typeof conv.version, 'number');
      assert.equal(conv.visitor?.id, v.visitorId);
    } finally {
      await ws.close();
    }
  });

  it('a burst of messages reaches two agent sockets once each, in commit order, whether batched or not', async () => {
    const wsAnn = await agentSocket(server, ann.cookie);
    const wsBob = await agentSocket(server, bob.cookie);
    const v = await visitorWithConversation(server, 'burst start');
    try {
      // Sent back to back: the writer commits what queued up together, and the feed hands a
      // page of several frames to each agent socket (packed as a batch: docs/PROTOCOL.md).
      const N = 60;
      const ids = Array.from({ length: N }, (_, i) => `burst-${i}`);
      for (const [i, id] of ids.entries()) v.ws.send({ type: 'send', clientId: id, body: `burst ${i}` });
      const acks = [];
      for (const id of ids) acks.push(await v.ws.nextMessage({ type: 'ack', clientId: id }));
      const committed = acks.map((a) => a.message.id).sort((x, y) => x - y);
      for (const ws of [wsAnn, wsBob]) {
        await ws.nextMessage((m) => m && m.type === 'message' && m.message?.id === committed[N - 1]);
        const seen = ws.all.filter((m) => m && m.type === 'message' && ids.includes(m.message?.clientId)).map((m) => m.message.id);
        assert.deepEqual(seen, committed, 'every message once, in commit (id) order');
        console.log(`agent socket: ${ws.batches} batch frame(s) for ${N} messages`);
      }
    } finally {
      await v.ws.close();
      await wsAnn.close();
      await wsBob.close();
    }
  });

  it('an agent’s socket replies are acked there and not pushed back; its other tab, other agents and the visitor get each once', async () => {
    const wsAnn = await agentSocket(server, ann.cookie);
    const wsAnn2 = await agentSocket(server, ann.cookie); // Ann's second tab
    const wsBob = await agentSocket(server, bob.cookie);
    const v = await visitorWithConversation(server, 'replies from a socket');
    try {
      // Ann's replies interleaved with the visitor's messages: the feed's pages then mix lines
      // Ann's socket was acked with and lines it must still be pushed.
      const N = 30;
      const replies = Array.from({ length: N }, (_, i) => `ann-ws-${i}`);
      const questions = Array.from({ length: N }, (_, i) => `visitor-ws-${i}`);
      for (let i = 0; i < N; i++) {
        wsAnn.send({ type: 'send', conversationId: v.conversationId, clientId: replies[i], body: `reply ${i}` });
        v.ws.send({ type: 'send', clientId: questions[i], body: `question ${i}` });
      }
      const annAcks = [];
      for (const id of replies) annAcks.push((await wsAnn.nextMessage({ type: 'ack', clientId: id })).message);
      for (const id of questions) await v.ws.nextMessage({ type: 'ack', clientId: id });
      assert.ok(annAcks.every((m) => m.sender === 'AGENT' && m.agentId === ann.agent.id));
      // A marker committed after all of them: once a socket has it, it has everything before.
      const marker = (await sendAndAck(v.ws, 'visitor-ws-marker', 'marker')).message;

      const pushedIds = (ws, clientIds) => ws.all
        .filter((m) => m && m.type === 'message' && clientIds.includes(m.message?.clientId)).map((m) => m.message.id);
      const ascending = (ids) => [...ids].sort((x, y) => x - y);
      const annIds = ascending(annAcks.map((m) => m.id));
      const questionIds = ascending(query(db, `SELECT id FROM message WHERE conversation_id = ${v.conversationId}
        AND client_id LIKE 'visitor-ws-%' AND client_id <> 'visitor-ws-marker'`).map((r) => Number(r[0])));
      for (const ws of [wsAnn, wsAnn2, wsBob]) await ws.nextMessage((m) => m && m.type === 'message' && m.message?.id === marker.id);

      assert.deepEqual(pushedIds(wsAnn, replies), [], 'Ann’s socket was pushed its own replies again');
      assert.deepEqual(pushedIds(wsAnn, questions), questionIds, 'Ann’s socket: every visitor message once, in order');
      for (const ws of [wsAnn2, wsBob]) {
        assert.deepEqual(pushedIds(ws, replies), annIds, 'every reply once, in order');
        assert.deepEqual(pushedIds(ws, questions), questionIds, 'every visitor message once, in order');
      }
      const visitorGot = v.ws.all.filter((m) => m && m.type === 'message' && replies.includes(m.message?.clientId)).map((m) => m.message.id);
      assert.deepEqual(visitorGot, annIds, 'the visitor: every reply once, in order');
    } finally {
      await v.ws.close();
      await wsAnn.close();
      await wsAnn2.close();
      await wsBob.close();
    }
  });

  it('resolve → the visitor gets a conversation event RESOLVED; its next send opens a NEW conversation; history has the old one', async () => {
    const v = await visitorWithConversation(server, 'please resolve me');
    const agentWs = await agentSocket(server, cat.cookie);
    try {
      const old = v.conversationId;
      const second = await sendAndAck(v.ws, 'before-resolve', 'one more thing');
      const res = await api(server, 'POST', `/api/inbox/${old}/resolve`, { cookie: cat.cookie });
      assert.equal(res.status, 200, res.text);
      assert.equal(res.json().conversation.status, 'RESOLVED');

      // (The visitor also got a `conversation` event OPEN when its conversation was created.)
      const ev = await v.ws.nextMessage((m) => m && m.type === 'conversation' && m.conversation?.id === old && m.conversation.status === 'RESOLVED');
      assert.equal(ev.conversation.status, 'RESOLVED');
      const agentEv = await agentWs.nextMessage((m) => m && m.type === 'conversation' && m.conversation?.id === old && m.conversation.status === 'RESOLVED');
      assert.equal(agentEv.conversation.status, 'RESOLVED');

      const next = await sendAndAck(v.ws, 'after-resolve', 'I have a new question');
      assert.notEqual(next.message.conversationId, old, 'the message went into the resolved conversation');
      assert.deepEqual(query(db, `SELECT status FROM conversation WHERE id = ${next.message.conversationId}`), [['OPEN']]);
      assert.deepEqual(query(db, `SELECT status FROM conversation WHERE id = ${old}`), [['RESOLVED']]);
      await agentWs.nextMessage((m) => m && m.type === 'conversation' && m.conversation?.id === next.message.conversationId);

      v.ws.send({ type: 'history' });
      const hist = await v.ws.nextMessage('history');
      const h = hist.conversations.find((c) => c.id === old);
      assert.ok(h, `the resolved conversation is not in the history: ${JSON.stringify(hist)}`);
      assert.equal(h.status, 'RESOLVED');
      assert.deepEqual(h.messages.map((m) => m.id), [v.message.id, second.message.id]);
      assert.ok(hist.conversations.every((c) => c.id !== next.message.conversationId), 'the open conversation is in the history');

      // The old one cannot be reopened while the visitor has another open conversation.
      assertError(await api(server, 'POST', `/api/inbox/${old}/reopen`, { cookie: cat.cookie }), 409, 'conflict');
    } finally {
      await agentWs.close();
      await v.ws.close();
    }
  });
});

describe('login throttling', () => {
  // The policy (docs/OPERATIONS.md, "Abuse limits") with both processes sharing it:
  // tests/integration/login_throttle.test.mjs. Here: one process, from this machine's address.
  const AGENTS = [
    { email: 't1@example.com', name: 'T One', password: PASSWORD },
    { email: 't2@example.com', name: 'T Two', password: PASSWORD },
  ];
  let server;
  after(async () => {
    await server?.stop();
  });

  it('5 wrong passwords, then the 6th attempt from that address → 429 even with the right password; another account from the same address is not refused', async () => {
    server = await serverWithAgents(AGENTS);
    for (let i = 0; i < 5; i++) assertError(await loginRequest(server, 't1@example.com', `wrong ${i}`), 401, 'bad_credentials', `attempt ${i + 1}:`);
    const right = await loginRequest(server, 't1@example.com', PASSWORD);
    assertError(right, 429, 'too_many_requests');
    assert.match(right.headers['retry-after'] ?? '', /^[1-9]\d*$/, 'no Retry-After header in seconds');
    assert.equal(right.headers['set-cookie'], undefined);
    assertError(await loginRequest(server, 't1@example.com', 'wrong again'), 429, 'too_many_requests');
    assert.equal(count(server.databaseUrl, 'SELECT count(*) FROM agent_session'), 0, 'a throttled login created a session');
    assert.equal((await loginRequest(server, 't2@example.com', PASSWORD)).status, 200, 'another account, same address');
    await server.stop();
    server = null;
  });

  it('30 wrong passwords at once → at most 5 are checked (401), the rest 429', async () => {
    server = await serverWithAgents(AGENTS);
    const results = await Promise.all(Array.from({ length: 30 }, (_, i) => loginRequest(server, 't1@example.com', `parallel wrong ${i}`)));
    const statuses = results.map((r) => r.status);
    assert.ok(statuses.every((s) => s === 401 || s === 429), `statuses ${statuses}`);
    const checked = statuses.filter((s) => s === 401).length;
    assert.ok(checked <= 5, `${checked} password guesses were checked in one burst (limit 5 per address and account): ${statuses}`);
    assertError(await loginRequest(server, 't1@example.com', PASSWORD), 429, 'too_many_requests');
    await server.stop();
    server = null;
  });
});
