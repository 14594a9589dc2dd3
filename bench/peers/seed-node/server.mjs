// The seed design Parley replaces, kept faithful for benchmarks: one Node.js process,
// npm `ws` + `pg`, one INSERT (one commit) per message, and a Map of conversation id →
// {visitor socket, agent socket}. It speaks the subset of Parley's protocol the load
// generator uses (docs/PROTOCOL.md) over the same schema (Parley's migrations, applied by
// the bench script). Not hardened, not for production: it exists to be measured.
//
//   PORT=0 DATABASE_URL=postgresql:///peer?host=/tmp/… PEER_AGENT_PASSWORD=… node server.mjs
import http from 'node:http';
import { createHash, randomBytes } from 'node:crypto';
import pg from 'pg';
import { WebSocketServer } from 'ws';

const pool = new pg.Pool({ connectionString: process.env.DATABASE_URL, max: Number(process.env.PEER_PG_POOL || 10) });
const AGENT_PASSWORD = process.env.PEER_AGENT_PASSWORD || '';

const conversations = new Map(); // conversationId → {visitor, agent}
const agentSockets = new Set(); // the inbox: every connected agent
const sessions = new Map(); // session token → agent {id, name, email}

const sha256 = (s) => createHash('sha256').update(s).digest();

function sendJson(res, status, body, headers = {}) {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(text), ...headers });
  res.end(text);
}

function readBody(req) {
  return new Promise((resolve, reject) => {
    let data = '';
    req.on('data', (d) => (data += d));
    req.on('end', () => {
      try {
        resolve(data ? JSON.parse(data) : {});
      } catch (e) {
        reject(e);
      }
    });
    req.on('error', reject);
  });
}

function cookie(req, name) {
  for (const part of (req.headers.cookie || '').split(';')) {
    const [k, ...v] = part.trim().split('=');
    if (k === name) return v.join('=');
  }
  return '';
}

function messageDoc(row) {
  return {
    id: Number(row.id),
    conversationId: Number(row.conversation_id),
    sender: row.sender,
    agentId: row.agent_id === null ? null : Number(row.agent_id),
    agentName: row.agent_name ?? null,
    clientId: row.client_id,
    body: row.body,
    createdAt: row.created_at.toISOString(),
  };
}

const server = http.createServer(async (req, res) => {
  try {
    if (req.method === 'GET' && (req.url === '/healthz' || req.url === '/readyz')) {
      if (req.url === '/readyz') await pool.query('SELECT 1');
      return sendJson(res, 200, { status: req.url === '/readyz' ? 'ready' : 'ok' });
    }
    if (req.method === 'POST' && req.url === '/api/visitors/identify') {
      await readBody(req);
      const token = randomBytes(32).toString('base64url');
      const v = await pool.query('INSERT INTO visitor DEFAULT VALUES RETURNING id');
      await pool.query('INSERT INTO visitor_token (token_hash, visitor_id) VALUES ($1, $2)', [sha256(token), v.rows[0].id]);
      return sendJson(res, 200, { visitorId: Number(v.rows[0].id), visitorToken: token, verified: false });
    }
    if (req.method === 'POST' && req.url === '/api/auth/login') {
      const { email = '', password = '' } = await readBody(req);
      const a = await pool.query('SELECT id, name, email FROM agent WHERE lower(email) = lower($1)', [email]);
      // The bench agent's password comes from the environment: no Argon2 here.
      if (!a.rows.length || !AGENT_PASSWORD || password !== AGENT_PASSWORD) {
        return sendJson(res, 401, { error: { code: 'bad_credentials', message: 'Wrong email or password' } });
      }
      const token = randomBytes(32).toString('base64url');
      const agent = { id: Number(a.rows[0].id), name: a.rows[0].name, email: a.rows[0].email };
      sessions.set(token, agent);
      return sendJson(res, 200, { agent }, { 'Set-Cookie': `parley_session=${token}; Path=/; HttpOnly` });
    }
    sendJson(res, 404, { error: { code: 'not_found', message: 'Not found' } });
  } catch (e) {
    sendJson(res, 500, { error: { code: 'internal', message: e.message } });
  }
});

const wss = new WebSocketServer({ noServer: true, perMessageDeflate: false, maxPayload: 64 * 1024 });
server.on('upgrade', (req, socket, head) => {
  if (!req.url.startsWith('/ws')) return socket.destroy();
  const agent = sessions.get(cookie(req, 'parley_session'));
  wss.handleUpgrade(req, socket, head, (ws) => (agent ? agentSocket(ws, agent) : visitorSocket(ws)));
});

function visitorSocket(ws) {
  let visitorId = null;
  let conversation = null; // a promise of the conversation id, once the first message opens it
  ws.on('message', async (data) => {
    let f;
    try {
      f = JSON.parse(data.toString());
    } catch {
      return ws.close(1008, 'bad json');
    }
    try {
      if (f.type === 'auth') {
        const r = await pool.query('SELECT visitor_id FROM visitor_token WHERE token_hash = $1', [sha256(String(f.visitorToken))]);
        if (!r.rows.length) return ws.close(4401, 'bad token');
        visitorId = r.rows[0].visitor_id;
        return ws.send(JSON.stringify({ type: 'ready', role: 'visitor', visitorId: Number(visitorId), teamAvailable: agentSockets.size > 0, conversation: null }));
      }
      if (visitorId === null) return ws.close(1008, 'authenticate first');
      if (f.type === 'send') {
        if (!conversation) {
          conversation = pool
            .query('INSERT INTO conversation (visitor_id, page_url) VALUES ($1, $2) RETURNING id', [visitorId, f.page ?? null])
            .then((r) => {
              const id = Number(r.rows[0].id);
              conversations.set(id, { visitor: ws, agent: null });
              return id;
            });
        }
        const conversationId = await conversation;
        const r = await pool.query(
          `INSERT INTO message (conversation_id, sender, client_id, body) VALUES ($1, 'VISITOR', $2, $3)
           RETURNING id, conversation_id, sender, agent_id, client_id, body, created_at`,
          [conversationId, String(f.clientId), String(f.body)],
        );
        const message = messageDoc(r.rows[0]);
        ws.send(JSON.stringify({ type: 'ack', clientId: message.clientId, message }));
        const frame = JSON.stringify({ type: 'message', message });
        const c = conversations.get(conversationId);
        if (c && c.agent && c.agent.readyState === 1) c.agent.send(frame);
        else for (const a of agentSockets) a.send(frame);
      }
    } catch (e) {
      ws.send(JSON.stringify({ type: 'error', code: 'internal', message: e.message, clientId: f.clientId }));
    }
  });
  ws.on('close', () => {
    for (const [id, c] of conversations) if (c.visitor === ws) conversations.delete(id);
  });
}

function agentSocket(ws, agent) {
  agentSockets.add(ws);
  ws.send(JSON.stringify({ type: 'ready', role: 'agent', agent }));
  ws.on('message', async (data) => {
    let f;
    try {
      f = JSON.parse(data.toString());
    } catch {
      return ws.close(1008, 'bad json');
    }
    if (f.type !== 'send') return;
    try {
      const conversationId = Number(f.conversationId);
      const r = await pool.query(
        `INSERT INTO message (conversation_id, sender, agent_id, client_id, body) VALUES ($1, 'AGENT', $2, $3, $4)
         RETURNING id, conversation_id, sender, agent_id, client_id, body, created_at`,
        [conversationId, agent.id, String(f.clientId), String(f.body)],
      );
      const message = messageDoc({ ...r.rows[0], agent_name: agent.name });
      ws.send(JSON.stringify({ type: 'ack', clientId: message.clientId, message }));
      const c = conversations.get(conversationId);
      if (c) {
        c.agent = ws; // the agent who answers owns the conversation's agent slot
        if (c.visitor.readyState === 1) c.visitor.send(JSON.stringify({ type: 'message', message }));
      }
    } catch (e) {
      ws.send(JSON.stringify({ type: 'error', code: 'internal', message: e.message, clientId: f.clientId }));
    }
  });
  ws.on('close', () => {
    agentSockets.delete(ws);
    for (const c of conversations.values()) if (c.agent === ws) c.agent = null;
  });
}

server.listen(Number(process.env.PORT || 0), process.env.HOST || '127.0.0.1', () => {
  const { address, port } = server.address();
  console.error(`listening on ${address}:${port}`);
});
for (const sig of ['SIGINT', 'SIGTERM']) process.on(sig, () => process.exit(0));
