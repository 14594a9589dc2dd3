// With PARLEY_ALLOWED_ORIGINS set, the chat frame (/chat/) may still be framed by Parley's own
// pages (/demo): its CSP frame-ancestors always names Parley's origin besides the listed sites.
import { describe, it, after } from 'node:test';
import assert from 'node:assert/strict';
import { startParley } from '../support/parley.mjs';
import { createDatabase } from '../support/pg.mjs';
import { request } from '../support/http.mjs';

const frameAncestors = async (server) => {
  const res = await request(server.url + '/chat/');
  assert.equal(res.status, 200);
  const csp = res.headers['content-security-policy'] ?? '';
  const directive = csp.split(';').map((d) => d.trim()).find((d) => d.startsWith('frame-ancestors'));
  assert.ok(directive, `no frame-ancestors in ${csp}`);
  return directive.split(/\s+/).slice(1);
};

describe('the chat frame and PARLEY_ALLOWED_ORIGINS', () => {
  const servers = [];
  after(async () => {
    for (const s of servers) await s.stop();
  });
  const start = async (env) => {
    const s = await startParley({ env: { DATABASE_URL: createDatabase(), ...env } });
    servers.push(s);
    return s;
  };

  it("frame-ancestors keeps the listed sites and adds 'self'", async () => {
    const s = await start({ PARLEY_ALLOWED_ORIGINS: 'https://shop.example,https://www.shop.example' });
    assert.deepEqual((await frameAncestors(s)).sort(), ["'self'", 'https://shop.example', 'https://www.shop.example'].sort());
  });

  it('with PARLEY_PUBLIC_URL, its origin too (the browser sees that one behind a proxy)', async () => {
    const s = await start({ PARLEY_ALLOWED_ORIGINS: 'https://shop.example', PARLEY_PUBLIC_URL: 'https://chat.example.com/support/' });
    const sources = await frameAncestors(s);
    assert.ok(sources.includes("'self'"), sources.join(' '));
    assert.ok(sources.includes('https://chat.example.com'), sources.join(' '));
    assert.ok(sources.includes('https://shop.example'), sources.join(' '));
  });

  it('without PARLEY_ALLOWED_ORIGINS any site may frame it, as before', async () => {
    const s = await start({});
    assert.deepEqual(await frameAncestors(s), ['*']);
  });
});
