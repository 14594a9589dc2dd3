// `parley agent rename --email E --name N`: the name visitors and other agents see changes at
// once (it is read with each agent document), and bad input is a clear error.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startParley, runParley } from '../support/parley.mjs';
import { createDatabase } from '../support/pg.mjs';
import { request } from '../support/http.mjs';

const agentCli = (db, args, input = '') => runParley(['agent', ...args], { input, env: { DATABASE_URL: db } });

describe('parley agent rename', () => {
  let db;
  let server;
  before(async () => {
    db = createDatabase();
    const r = await agentCli(db, ['add', '--email', 'admin@localhost', '--name', 'Admin', '--role', 'admin'], 'password-1\n');
    assert.equal(r.code, 0, r.stderr);
    server = await startParley({ env: { DATABASE_URL: db } });
  });
  after(async () => {
    await server?.stop();
  });

  it('renames the agent; a signed-in session sees the new name', async () => {
    const login = await request(server.url + '/api/auth/login', {
      method: 'POST',
      body: { email: 'admin@localhost', password: 'password-1' },
    });
    assert.equal(login.status, 200, login.text);
    const cookie = [].concat(login.headers['set-cookie'])[0].split(';')[0];
    assert.equal((await me(cookie)).name, 'Admin');

    const r = await agentCli(db, ['rename', '--email', 'ADMIN@localhost', '--name', 'Dana Smith']);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /renamed ADMIN@localhost to "Dana Smith"/);
    assert.equal((await me(cookie)).name, 'Dana Smith', 'the session is kept, the name is new');
  });

  it('bad input is a clear error', async () => {
    const unknown = await agentCli(db, ['rename', '--email', 'nobody@localhost', '--name', 'X']);
    assert.equal(unknown.code, 1);
    assert.match(unknown.stderr, /No agent with that email/);
    const noName = await agentCli(db, ['rename', '--email', 'admin@localhost']);
    assert.equal(noName.code, 2);
    assert.match(noName.stderr, /--name is required/);
    const tooLong = await agentCli(db, ['rename', '--email', 'admin@localhost', '--name', 'x'.repeat(81)]);
    assert.equal(tooLong.code, 1);
    assert.match(tooLong.stderr, /name must be at most 80 characters/);
    const help = await runParley(['--help']);
    assert.match(help.stdout, /parley agent rename --email E --name N/);
  });

  async function me(cookie) {
    const res = await request(server.url + '/api/me', { headers: { Cookie: cookie } });
    assert.equal(res.status, 200, res.text);
    return res.json().agent;
  }
});
