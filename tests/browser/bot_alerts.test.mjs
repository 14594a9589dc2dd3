// While the FAQ bot waits for a visitor's choice the team is not alerted; when the visitor asks
// for a person (or the bot has no confident article) the inbox alerts as for a new conversation
// (docs/BOT.md). Headless Chromium against the real binary: the context is granted the
// 'notifications' permission and an init script records each `new Notification(…)` (the real
// one is still created) and lets the test put the tab in the background. No timing assertions.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { launchBrowser } from '../support/browser.mjs';
import { startParley } from '../support/parley.mjs';
import { identify, visitorSocket } from '../support/visitor.mjs';
import { request, waitFor } from '../support/http.mjs';
import { LONG, agentHelpers, conversationWith } from './lib.mjs';
import { recordNotifications, controlVisibility } from './observers.mjs';

const TEST_OPTS = { timeout: 240000 };
const PASSWORD = 'bot-alerts-password-1';
const { addAgent, agentInbox } = agentHelpers(PASSWORD);

describe('inbox alerts with the FAQ bot', TEST_OPTS, () => {
  let server, parley, browser, A;

  before(async () => {
    server = await startParley();
    parley = `http://localhost:${server.port}`;
    await addAgent(server.databaseUrl, 'ola@support.test', 'Ola Alerted');
    const login = await request(`${server.url}/api/auth/login`, { method: 'POST', body: { email: 'ola@support.test', password: PASSWORD } });
    const cookie = [].concat(login.headers['set-cookie'])[0].split(';')[0];
    const res = await request(`${server.url}/api/articles`, {
      method: 'POST', headers: { Cookie: cookie, Origin: parley },
      body: { title: 'How to reset your password', body: 'Open Settings → Security → Reset password.', status: 'published' },
    });
    assert.equal(res.status, 201, res.text);
    browser = await launchBrowser();
    A = await agentInbox(browser, parley, 'ola@support.test', async (ctx) => {
      await ctx.grantPermissions(['notifications'], { origin: parley });
      await ctx.addInitScript(recordNotifications);
      await ctx.addInitScript(controlVisibility);
    });
    await A.page.evaluate(() => window.__setHidden(true));
  });
  after(async () => {
    await A?.ctx.close();
    await browser?.close();
    await server?.stop();
  });

  const notifications = () => A.page.evaluate(() => window.__notifications);

  it('no alert while the bot waits; "Talk to a person" alerts', TEST_OPTS, async () => {
    const v = await identify(server);
    const ws = await visitorSocket(server, v.visitorToken);
    ws.send({ type: 'send', clientId: 'q1', body: 'how do I reset my password' });
    const ack = await ws.nextMessage({ type: 'ack', clientId: 'q1' });
    await ws.nextMessage((f) => f.type === 'conversation' && f.conversation.bot === 'waiting', 20000);
    // The inbox has the bot's turn (the list shows it) and has not alerted.
    await conversationWith(A.page, 'These articles may answer your question.').getByText('Bot answered').waitFor({ timeout: LONG });
    assert.deepEqual(await notifications(), [], 'alerted while the bot waits for the visitor');

    const choice = await request(`${server.url}/api/visitors/bot-choice`, {
      method: 'POST', headers: { Authorization: `Bearer ${v.visitorToken}` },
      body: { conversationId: ack.message.conversationId, choice: 'person' },
    });
    assert.equal(choice.status, 200, choice.text);
    await waitFor(async () => (await notifications()).length === 1, { deadline: LONG, what: 'the alert after "Talk to a person"' });
    const [n] = await notifications();
    assert.equal(n.title, 'New conversation');
    ws.terminate();
  });

  it('no confident article: the alert comes once the bot has looked', TEST_OPTS, async () => {
    const before = (await notifications()).length;
    const ws = await visitorSocket(server, (await identify(server)).visitorToken);
    ws.send({ type: 'send', clientId: 'q2', body: 'zebra xylophone quantum marmalade' });
    await ws.nextMessage({ type: 'ack', clientId: 'q2' });
    await waitFor(async () => (await notifications()).length === before + 1, { deadline: LONG, what: 'the alert for a conversation the bot left alone' });
    assert.equal((await notifications())[before].title, 'New conversation');
    ws.terminate();
  });
});
