// Shared by the help-center tests: a server with the fixture articles (imported with the CLI,
// as a team keeping its help center in git would) and an agent session.
import assert from 'node:assert/strict';
import path from 'node:path';
import { startParley, runParley } from './parley.mjs';
import { ROOT, createDatabase } from './pg.mjs';
import { request } from './http.mjs';

export const FIXTURES = path.join(ROOT, 'tests/fixtures/help');
export const AGENT = { email: 'writer@example.com', name: 'Writer', password: 'writer-password-1' };

export async function importArticles(databaseUrl, dir = FIXTURES) {
  const r = await runParley(['articles', 'import', dir], { env: { DATABASE_URL: databaseUrl } });
  assert.equal(r.code, 0, `articles import: ${r.stderr}`);
  return r;
}

/** A fresh database with the agent (and, unless fixtures is false, the fixture articles), and a server on it. */
export async function helpServer({ fixtures = true, env = {} } = {}) {
  const db = createDatabase();
  const add = await runParley(['agent', 'add', '--email', AGENT.email, '--name', AGENT.name], {
    input: `${AGENT.password}\n`,
    env: { DATABASE_URL: db },
  });
  assert.equal(add.code, 0, `agent add: ${add.stderr}`);
  if (fixtures) await importArticles(db);
  return startParley({ env: { ...env, DATABASE_URL: db } });
}

export async function agentCookie(server) {
  const res = await request(server.url + '/api/auth/login', {
    method: 'POST',
    body: { email: AGENT.email, password: AGENT.password },
  });
  assert.equal(res.status, 200, `login: ${res.text}`);
  const line = [].concat(res.headers['set-cookie'] ?? []).find((c) => /^parley_session=/.test(c));
  assert.ok(line, 'a session cookie');
  return line.split(';')[0];
}

export async function search(server, q, { limit, headers = {} } = {}) {
  const params = new URLSearchParams({ q });
  if (limit !== undefined) params.set('limit', String(limit));
  return request(`${server.url}/api/help/search?${params}`, { headers });
}
