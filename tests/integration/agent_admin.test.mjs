// What operators do to agent accounts with the CLI while Parley runs: disabling an agent or
// resetting their password ends every session and closes their open sockets (at once for a
// disable; within the session check interval for a password reset); no message of a disabled
// agent is stored once the disable returned; and the CLI reports bad input clearly.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startParley, runParley } from '../support/parley.mjs';
import { createDatabase } from '../support/pg.mjs';
import { request } from '../support/http.mjs';
import { query } from '../support/pg.mjs';
import { identify, visitorSocket } from '../support/visitor.mjs';
import { login as signIn, agentSocket as openAgentSocket } from '../support/agents.mjs';

async function agentCli(db, args, input = '') {
  return runParley(['agent', ...args], { input, env: { DATABASE_URL: db } });
}

const login = async (server, email, password) => (await signIn(server, email, password)).cookie;

const agentSocket = (server, cookie) => openAgentSocket(server, cookie, { status: null });

describe('agent administration from the command line', () => {
  let db;
  let server;
  before(async () => {
    db = createDatabase();
    for (const [email, name] of [['ann@team.io', 'Ann'], ['bob@team.io', 'Bob']]) {
      const r = await agentCli(db, ['add', '--email', email, '--name', name], 'password-1\n');
      assert.equal(r.code, 0, r.stderr);
    }
    server = await startParley({ env: { DATABASE_URL: db } });
  });
  after(async () => {
    await server?.stop();
  });

  it('disable ends the sessions, closes the socket, and refuses login; enable lets the agent back in', async () => {
    const cookie = await login(server, 'ann@team.io', 'password-1');
    const ws = await agentSocket(server, cookie);
    const r = await agentCli(db, ['disable', '--email', 'ann@team.io']);
    assert.equal(r.code, 0, r.stderr);
    const closed = await Promise.race([
      ws.closed,
      new Promise((_, reject) => setTimeout(() => reject(new Error('socket still open after 40 s')), 40000)),
    ]);
    assert.equal(closed.code, 4001);
    const me = await request(server.url + '/api/me', { headers: { Cookie: cookie } });
    assert.equal(me.status, 401);
    const refused = await request(server.url + '/api/auth/login', {
      method: 'POST',
      body: { email: 'ann@team.io', password: 'password-1' },
    });
    // The right password of a disabled account: refused with a clear reason (docs/PROTOCOL.md).
    assert.equal(refused.status, 403);
    assert.equal(refused.json().error.code, 'account_disabled');
    assert.equal((await agentCli(db, ['enable', '--email', 'ann@team.io'])).code, 0);
    await login(server, 'ann@team.io', 'password-1');
  });

  it('once disable returns, no message of that agent is stored, and its socket closes at once', async () => {
    assert.equal((await agentCli(db, ['add', '--email', 'cat@team.io', '--name', 'Cat'], 'password-1\n')).code, 0);
    const cookie = await login(server, 'cat@team.io', 'password-1');
    const ws = await agentSocket(server, cookie);
    const v = await identify(server);
    const visitor = await visitorSocket(server, v.visitorToken);
    visitor.send({ type: 'send', clientId: 'v-1', body: 'hello?' });
    const conversationId = (await visitor.nextMessage('ack')).message.conversationId;
    await visitor.close();

    assert.equal((await agentCli(db, ['disable', '--email', 'cat@team.io'])).code, 0);
    // Written the moment the CLI returned, on the socket the server has not closed yet.
    if (!ws.closeInfo) ws.send({ type: 'send', conversationId, clientId: 'after-disable', body: 'still here' });
    const answer = await Promise.race([
      ws.nextMessage((m) => m && (m.type === 'ack' || m.type === 'error')).catch(() => null),
      ws.closed.then(() => null),
    ]);
    if (answer) assert.equal(answer.type, 'error', `a disabled agent's message was accepted: ${JSON.stringify(answer)}`);
    if (answer) assert.equal(answer.code, 'agent_disabled');
    const closed = await Promise.race([
      ws.closed,
      new Promise((_, reject) => setTimeout(() => reject(new Error('socket still open after 40 s')), 40000)),
    ]);
    assert.equal(closed.code, 4001);
    assert.equal(closed.reason, 'account disabled', 'closed by the disable itself, not the periodic session check');
    const [[stored]] = query(db, `SELECT count(*) FROM message WHERE client_id = 'after-disable'`);
    assert.equal(Number(stored), 0);
  });

  it('password reset ends the sessions and only the new password works', async () => {
    const cookie = await login(server, 'bob@team.io', 'password-1');
    const ws = await agentSocket(server, cookie);
    const r = await agentCli(db, ['password', '--email', 'bob@team.io'], 'new-password-2\n');
    assert.equal(r.code, 0, r.stderr);
    const closed = await Promise.race([
      ws.closed,
      new Promise((_, reject) => setTimeout(() => reject(new Error('socket still open after 40 s')), 40000)),
    ]);
    assert.equal(closed.code, 4001);
    assert.equal((await request(server.url + '/api/me', { headers: { Cookie: cookie } })).status, 401);
    await login(server, 'bob@team.io', 'new-password-2');
  });

  it('the last active admin cannot be disabled from the command line either', async () => {
    assert.equal((await agentCli(db, ['add', '--email', 'boss@team.io', '--name', 'Boss', '--role', 'admin'], 'password-1\n')).code, 0);
    const refused = await agentCli(db, ['disable', '--email', 'boss@team.io']);
    assert.equal(refused.code, 1, refused.stderr);
    assert.match(refused.stderr, /last active admin/);
    assert.equal(query(db, "SELECT disabled FROM agent WHERE email = 'boss@team.io'")[0][0], 'f');
    // With a second admin, either may go.
    assert.equal((await agentCli(db, ['add', '--email', 'deputy@team.io', '--name', 'Deputy', '--role', 'admin'], 'password-1\n')).code, 0);
    const done = await agentCli(db, ['disable', '--email', 'boss@team.io']);
    assert.equal(done.code, 0, done.stderr);
    assert.equal(query(db, "SELECT disabled FROM agent WHERE email = 'boss@team.io'")[0][0], 't');
  });

  it('bad input is a clear error, not a crash', async () => {
    const unknown = await agentCli(db, ['disable', '--email', 'nobody@team.io']);
    assert.equal(unknown.code, 1);
    assert.match(unknown.stderr, /No agent with that email/);
    const short = await agentCli(db, ['password', '--email', 'bob@team.io'], 'short\n');
    assert.equal(short.code, 1);
    assert.match(short.stderr, /at least 8 characters/);
    const noEmail = await agentCli(db, ['disable']);
    assert.equal(noEmail.code, 2);
    const badAction = await runParley(['agent', 'explode'], { env: { DATABASE_URL: db } });
    assert.equal(badAction.code, 2);
  });
});
