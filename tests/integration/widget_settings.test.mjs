// The widget's stored settings over HTTP (docs/EMBED.md "Stored settings", docs/PROTOCOL.md):
// the public GET /widget.json the loader reads (CORS, no-cache + ETag → 304), the agents' read
// and the admins' write of /api/settings/widget (401 without a session, 403 for an agent or
// from another site, 400 with the field named for bad input, nothing stored then), and a change
// written through one process read at once through another sharing the database.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startParley } from '../support/parley.mjs';
import { createDatabase } from '../support/pg.mjs';
import { request } from '../support/http.mjs';
import { addAgent as createAgent, login as signIn } from '../support/agents.mjs';

const PASSWORD = 'widget-settings-pw-1';
const DEFAULTS = { color: '#2f5bea', position: 'right', greeting: 'Hi there! How can we help?', title: 'Support' };
const GOOD = { color: '#0A7E5C', position: 'left', greeting: '  Hello from Acme!  ', title: ' Acme support ' };

const addAgent = (db, email, name, role) => createAgent(db, { email, name, role, password: PASSWORD });

const login = async (server, email) => (await signIn(server, email, PASSWORD)).cookie;

describe('widget settings: public read, admin write', () => {
  let db, a, b, admin, agent;
  const put = (cookie, body, headers = {}) => request(a.url + '/api/settings/widget',
    { method: 'PUT', headers: { Cookie: cookie, Origin: a.url, ...headers }, body });
  const publicRead = (server, headers = {}) => request(server.url + '/widget.json', { headers });

  before(async () => {
    db = createDatabase();
    await addAgent(db, 'ada@team.io', 'Ada Admin', 'admin');
    await addAgent(db, 'abe@team.io', 'Abe Agent', 'agent');
    // Two processes on one database, as behind a load balancer.
    [a, b] = await Promise.all([startParley({ env: { DATABASE_URL: db } }), startParley({ env: { DATABASE_URL: db } })]);
    admin = await login(a, 'ada@team.io');
    agent = await login(a, 'abe@team.io');
  });
  after(async () => {
    await Promise.all([a?.stop(), b?.stop()]);
  });

  it('anyone reads the defaults at /widget.json, from any page (CORS), revalidated on every load', async () => {
    const res = await publicRead(a, { Origin: 'https://customer.example' });
    assert.equal(res.status, 200, res.text);
    assert.deepEqual(res.json(), DEFAULTS);
    assert.match(res.headers['content-type'], /^application\/json/);
    assert.equal(res.headers['cache-control'], 'no-cache');
    assert.equal(res.headers['access-control-allow-origin'], 'https://customer.example');
    const etag = res.headers.etag;
    assert.match(etag, /^"[^"]+"$/);
    const again = await publicRead(a, { Origin: 'https://customer.example', 'If-None-Match': etag });
    assert.equal(again.status, 304);
    assert.equal(again.body.length, 0);
    assert.equal(again.headers['access-control-allow-origin'], 'https://customer.example', 'a 304 is readable cross-origin too');
    // The same settings give the same ETag in every process.
    assert.equal((await publicRead(b, { 'If-None-Match': etag })).status, 304);
  });

  it('needs a session to read the settings page, and the admin role to write', async () => {
    assert.equal((await request(a.url + '/api/settings/widget')).status, 401);
    assert.equal((await put('', GOOD)).status, 401);

    const seen = await request(a.url + '/api/settings/widget', { headers: { Cookie: agent } });
    assert.equal(seen.status, 200, seen.text);
    assert.deepEqual({ ...seen.json().settings, updatedAt: undefined },
      { ...DEFAULTS, updatedAt: undefined, updatedBy: null, editable: false });

    const refused = await put(agent, GOOD);
    assert.equal(refused.status, 403, refused.text);
    assert.equal(refused.json().error.code, 'forbidden');
    const crossSite = await put(admin, GOOD, { Origin: 'https://evil.example' });
    assert.equal(crossSite.status, 403, crossSite.text);
    assert.equal(crossSite.json().error.code, 'bad_origin');
    assert.deepEqual((await publicRead(a)).json(), DEFAULTS, 'nothing was stored');
  });

  it('refuses bad input with the field named, and stores nothing', async () => {
    const cases = [
      [{ ...GOOD, color: 'red' }, /color/],
      [{ ...GOOD, color: '#12345' }, /color/],
      [{ ...GOOD, color: '#12345g' }, /color/],
      [{ ...GOOD, color: 'url(#x)' }, /color/],
      [{ ...GOOD, position: 'top' }, /position/],
      [{ ...GOOD, title: '   ' }, /title/],
      [{ ...GOOD, title: 'x'.repeat(61) }, /title.*60/],
      [{ ...GOOD, greeting: 'y'.repeat(201) }, /greeting.*200/],
      [{ ...GOOD, greeting: 'two\nlines' }, /greeting/],
      [{ ...GOOD, title: 'a\u202Eb' }, /title/],
      [{ color: GOOD.color, position: GOOD.position, title: GOOD.title }, /greeting/],
      [{ ...GOOD, title: 42 }, /title/],
    ];
    for (const [body, field] of cases) {
      const res = await put(admin, body);
      assert.equal(res.status, 400, `${JSON.stringify(body)}: ${res.text}`);
      assert.equal(res.json().error.code, 'invalid_field');
      assert.match(res.json().error.message, field, JSON.stringify(body));
    }
    const notJson = await put(admin, '{"color":');
    assert.equal(notJson.status, 400);
    assert.equal(notJson.json().error.code, 'bad_json');
    assert.deepEqual((await publicRead(a)).json(), DEFAULTS, 'nothing was stored');
  });

  it('an admin saves them (normalised); every process serves the change on the next read', async () => {
    const before = (await publicRead(b)).headers.etag;
    const res = await put(admin, GOOD);
    assert.equal(res.status, 200, res.text);
    const saved = res.json().settings;
    const want = { color: '#0a7e5c', position: 'left', greeting: 'Hello from Acme!', title: 'Acme support' };
    assert.deepEqual({ color: saved.color, position: saved.position, greeting: saved.greeting, title: saved.title }, want);
    assert.equal(saved.updatedBy, 'Ada Admin');
    assert.equal(saved.editable, true);
    assert.ok(!Number.isNaN(Date.parse(saved.updatedAt)), saved.updatedAt);
    // Through the other process, at once: the old ETag no longer matches.
    const fresh = await publicRead(b, { 'If-None-Match': before });
    assert.equal(fresh.status, 200);
    assert.deepEqual(fresh.json(), want);
    assert.notEqual(fresh.headers.etag, before);
    const forAgents = await request(b.url + '/api/settings/widget', { headers: { Cookie: agent } });
    assert.equal(forAgents.json().settings.title, 'Acme support');
    // Characters, not bytes: 60 accented letters are a valid team name.
    const accented = await put(admin, { ...GOOD, title: 'é'.repeat(60) });
    assert.equal(accented.status, 200, accented.text);
    assert.equal((await publicRead(a)).json().title, 'é'.repeat(60));
  });
});
