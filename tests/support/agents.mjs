// Agents in a test: an account made with the real CLI (`parley agent add`, password on stdin),
// a session from the real login endpoint, and an inbox socket. Shared by the integration tests
// so that each file says only what is particular to it.
import assert from 'node:assert/strict';
import { runParley } from './parley.mjs';
import { request } from './http.mjs';
import { connectWs } from './ws.mjs';

/** Creates an agent in the database at `databaseUrl`; `role` 'agent' (default) or 'admin'. */
export async function addAgent(databaseUrl, { email, name = email, role = null, password }) {
  const args = ['agent', 'add', '--email', email, '--name', name];
  if (role) args.push('--role', role);
  const r = await runParley(args, { input: `${password}\n`, env: { DATABASE_URL: databaseUrl } });
  assert.equal(r.code, 0, `agent add ${email}: ${r.stderr}`);
}

/** Logs in on `server`: { cookie: 'parley_session=…', agent } (the login answer's agent). */
export async function login(server, email, password) {
  const res = await request(server.url + '/api/auth/login', { method: 'POST', body: { email, password } });
  assert.equal(res.status, 200, `login ${email}: ${res.text}`);
  const line = [].concat(res.headers['set-cookie'] ?? []).find((c) => /^parley_session=/.test(c));
  assert.ok(line, `login ${email}: no session cookie`);
  return { cookie: line.split(';')[0], agent: res.json().agent };
}

/** An inbox socket on `server` with the session `cookie`, after its `ready` (kept as ws.ready),
 * then switched to `status` ('online' by default, 'away', or null: left as the server has it). */
export async function agentSocket(server, cookie, { status = 'online', deadline } = {}) {
  const ws = await connectWs(server.wsUrl, { headers: { Cookie: cookie }, origin: server.url });
  ws.ready = await ws.nextMessage('ready', deadline);
  if (status) ws.send({ type: 'status', status });
  return ws;
}
