// The browser flow through the shipped nginx site (docker/nginx.conf, TLS lines swapped for
// plain HTTP, upstream pointed at a test Parley): a customer page embeds the widget from
// nginx's URL, an agent works in /inbox through nginx, and they talk both ways over
// WebSockets that nginx upgrades. Headless Chromium, real binary, real PostgreSQL.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { launchBrowser } from '../support/browser.mjs';
import { waitFor } from '../support/http.mjs';
import { LONG, VIEWPORT, customerSite, syncPage, openChat, visitorSend, waitSent, exactText, watchPage, agentHelpers, conversationWith } from './lib.mjs';
import { startBehindNginx, agentReply, replyInChat } from './flows.mjs';

const TEST_OPTS = { timeout: 180000 };
const PASSWORD = 'nginx browser password 7';
const { addAgent, agentInbox } = agentHelpers(PASSWORD);

describe('widget and inbox through nginx', TEST_OPTS, () => {
  let behind;
  let browser;
  let site;
  const contexts = [];

  before(async () => {
    site = await customerSite();
    browser = await launchBrowser();
    behind = await startBehindNginx({ prepare: (db) => addAgent(db, 'ngx@support.test', 'Nginx Agent') });
  });
  after(async () => {
    for (const c of contexts) await c.close().catch(() => {});
    await browser?.close();
    await site?.close();
    await behind?.stop();
  });

  it('a visitor on a customer site and an agent in the inbox exchange messages through nginx', TEST_OPTS, async () => {
    const { front, nginx, servers: [server] } = behind;
    // The agent logs in to the inbox at nginx's URL.
    const agent = await agentInbox(browser, front, 'ngx@support.test');
    contexts.push(agent.ctx);

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

    await conversationWith(agent.page, question).click();
    await agent.page.getByTestId('messages').getByTestId('message-body').filter({ hasText: exactText(question) }).waitFor({ timeout: LONG });
    const answer = 'It does: upgraded by nginx.';
    await agentReply(agent.page, answer);
    await replyInChat(frame, answer).waitFor({ timeout: LONG });

    for (const w of [agent.watch, vw]) assert.deepEqual(w.errors, [], `page errors: ${w.errors.join('\n')}`);

    // Both sockets went through nginx, not around it: nginx logs a WebSocket when it ends.
    await vctx.close();
    await agent.ctx.close();
    await waitFor(() => /"GET \/ws\?role=visitor[^"]*" 101 /.test(nginx.accessLog()), { deadline: LONG, what: 'visitor socket in nginx\'s log' });
    await waitFor(() => /"GET \/ws HTTP\/1\.1" 101 /.test(nginx.accessLog()), { deadline: LONG, what: 'agent socket in nginx\'s log' });
  });
});
