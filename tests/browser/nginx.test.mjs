// The browser flow through the shipped nginx site (docker/nginx.conf, TLS lines swapped for
// plain HTTP, upstream pointed at a test Parley): a customer page embeds the widget from
// nginx's URL, an agent works in /inbox through nginx, and they talk both ways over
// WebSockets that nginx upgrades. Headless Chromium, real binary, real PostgreSQL.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { launchBrowser } from '../support/browser.mjs';
import { startParley, runParley } from '../support/parley.mjs';
import { createDatabase } from '../support/pg.mjs';
import { waitFor } from '../support/http.mjs';
import { renderSite, startNginx, freePort } from '../support/nginx.mjs';
import { LONG, VIEWPORT, customerSite, syncPage, openChat, visitorSend, waitSent, exactText, watchPage } from './lib.mjs';

const TEST_OPTS = { timeout: 180000 };
const PASSWORD = 'nginx browser password 7';

describe('widget and inbox through nginx', TEST_OPTS, () => {
  let server;
  let nginx;
  let browser;
  let site;
  let front;
  const contexts = [];

  before(async () => {
    const port = await freePort();
    const redirectPort = await freePort();
    front = `http://127.0.0.1:${port}`;
    const db = createDatabase();
    const r = await runParley(['agent', 'add', '--email', 'ngx@support.test', '--name', 'Nginx Agent'], {
      env: { DATABASE_URL: db },
      input: `${PASSWORD}\n`,
    });
    assert.equal(r.code, 0, r.stderr);
    server = await startParley({ env: { DATABASE_URL: db, PARLEY_PUBLIC_URL: front } });
    nginx = await startNginx(renderSite({ upstream: `127.0.0.1:${server.port}`, httpPort: port, redirectPort }), port);
    browser = await launchBrowser();
    site = await customerSite();
  });
  after(async () => {
    for (const c of contexts) await c.close().catch(() => {});
    await browser?.close();
    await site?.close();
    await nginx?.stop();
    await server?.stop();
  });

  it('a visitor on a customer site and an agent in the inbox exchange messages through nginx', TEST_OPTS, async () => {
    // The agent logs in to the inbox at nginx's URL.
    const actx = await browser.newContext({ viewport: VIEWPORT });
    contexts.push(actx);
    const agent = await actx.newPage();
    const aw = watchPage(agent);
    await agent.goto(`${front}/inbox/`);
    await agent.getByTestId('login-email').fill('ngx@support.test');
    await agent.getByTestId('login-password').fill(PASSWORD);
    await agent.getByTestId('login-submit').click();
    await agent.getByTestId('conversation-list').waitFor({ state: 'attached', timeout: LONG });
    const toggle = agent.getByTestId('presence-toggle');
    await toggle.waitFor({ timeout: LONG });
    if ((await toggle.getAttribute('data-status')) !== 'online') await toggle.click();
    await agent.locator('[data-testid="presence-toggle"][data-status="online"]').waitFor({ timeout: LONG });

    // The visitor is on another site that embeds the widget from nginx.
    const vctx = await browser.newContext({ viewport: VIEWPORT });
    contexts.push(vctx);
    const visitor = await vctx.newPage();
    const vw = watchPage(visitor);
    await visitor.goto(site.add(syncPage(front, { user: { name: 'Proxy Visitor' } })));
    const frame = await openChat(visitor, front);
    await frame.locator('#status.online').waitFor({ timeout: LONG });
    const question = 'Does this work behind nginx?';
    await visitorSend(frame, question);
    await waitSent(frame, question, server);

    const item = agent.getByTestId('conversation-item').filter({ hasText: question });
    await item.waitFor({ timeout: LONG });
    await item.click();
    await agent.getByTestId('messages').getByTestId('message-body').filter({ hasText: exactText(question) }).waitFor({ timeout: LONG });
    const answer = 'It does: upgraded by nginx.';
    const input = agent.getByTestId('reply-input');
    await input.click();
    await input.pressSequentially(answer, { delay: 5 });
    await input.press('Enter');
    const reply = frame.locator('#live .msg.them').filter({ has: frame.locator('.body', { hasText: exactText(answer) }) });
    await reply.waitFor({ timeout: LONG });

    for (const w of [aw, vw]) assert.deepEqual(w.errors, [], `page errors: ${w.errors.join('\n')}`);

    // Both sockets went through nginx, not around it: nginx logs a WebSocket when it ends.
    await vctx.close();
    await actx.close();
    await waitFor(() => /"GET \/ws\?role=visitor[^"]*" 101 /.test(nginx.accessLog()), { deadline: LONG, what: 'visitor socket in nginx\'s log' });
    await waitFor(() => /"GET \/ws HTTP\/1\.1" 101 /.test(nginx.accessLog()), { deadline: LONG, what: 'agent socket in nginx\'s log' });
  });
});
