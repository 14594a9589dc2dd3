// The inbox's desktop notification and chime (web/inbox/alerts.js), in headless Chromium against
// the real binary and PostgreSQL: the context is granted the 'notifications' permission, and an
// init script records what the page code does — each `new Notification(…)` (the real one is
// still created) and each oscillator of the WebAudio chime started. Headless Chromium never
// hides a tab, so the same script lets the test say when the tab is in the background
// (`document.hidden`, with its `visibilitychange` event). No timing assertions.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { launchBrowser } from '../support/browser.mjs';
import { startParley } from '../support/parley.mjs';
import { visitorWrites as writes } from '../support/visitor.mjs';
import { waitFor } from '../support/http.mjs';
import { LONG, agentHelpers, conversationWith } from './lib.mjs';
import { recordNotifications, countChimes, controlVisibility } from './observers.mjs';

const TEST_OPTS = { timeout: 240000 };
const PASSWORD = 'inbox-alerts-password-1';
const { addAgent, agentInbox } = agentHelpers(PASSWORD);

describe('inbox alerts: desktop notification and sound', TEST_OPTS, () => {
  let server, parley, browser, A;
  let frontVisitor; // wrote while the inbox was in front; writes again in the background

  before(async () => {
    // Without the FAQ bot: its hand-off is an alert of its own (bot_alerts.test.mjs), and one that
    // comes late on a loaded machine would be taken here for the background alert under test.
    server = await startParley({ env: { PARLEY_BOT: 'off' } });
    parley = `http://localhost:${server.port}`;
    await addAgent(server.databaseUrl, 'nora@support.test', 'Nora Notified');
    browser = await launchBrowser();
    A = await agentInbox(browser, parley, 'nora@support.test', async (ctx) => {
      await ctx.grantPermissions(['notifications'], { origin: parley });
      await ctx.addInitScript(recordNotifications);
      await ctx.addInitScript(countChimes);
      await ctx.addInitScript(controlVisibility);
    });
  });
  after(async () => {
    await A?.ctx.close();
    await browser?.close();
    await server?.stop();
  });

  const seen = () => A.page.evaluate(() => ({ notifications: window.__notifications, chimes: window.__chimes }));

  /** A new visitor writes `text`; resolves its socket once the message is stored. */
  const visitorWrites = (text, ws) => writes(server, text, { ws });

  it('permission granted: no button to enable notifications, and no alert while the tab is in front', TEST_OPTS, async () => {
    assert.equal(await A.page.evaluate(() => Notification.permission), 'granted');
    await A.page.locator('#enable-notifications').waitFor({ state: 'hidden', timeout: LONG });
    frontVisitor = await visitorWrites('Asked while the agent looks at the inbox');
    await conversationWith(A.page, 'Asked while the agent looks at the inbox').waitFor({ timeout: LONG });
    assert.deepEqual(await seen(), { notifications: [], chimes: 0 });
  });

  it('in the background: a new conversation and a visitor\'s message each notify once, with the chime', TEST_OPTS, async () => {
    await A.page.evaluate(() => window.__setHidden(true));
    const ws = await visitorWrites('My parcel never arrived');
    await waitFor(async () => (await seen()).notifications.length === 1, { deadline: LONG, what: 'a desktop notification' });
    let s = await seen();
    assert.equal(s.notifications[0].title, 'New conversation');
    // Its text when the conversation arrives with its first message, else who started it.
    assert.match(s.notifications[0].body, /My parcel never arrived|Visitor #\d+ started a conversation/);
    assert.ok(s.chimes > 0, 'the chime played');

    // In the conversation that arrived while the tab was in front (no alert then).
    const chimesBefore = s.chimes;
    await visitorWrites('And one more thing', frontVisitor);
    await waitFor(async () => (await seen()).notifications.some((n) => /And one more thing/.test(n.body || '')), {
      deadline: LONG, what: 'a notification for the message',
    });
    s = await seen();
    const forMessage = s.notifications.filter((n) => /And one more thing/.test(n.body || ''));
    assert.equal(forMessage.length, 1, `notified once: ${JSON.stringify(s.notifications)}`);
    assert.match(forMessage[0].title, /wrote/);
    assert.ok(s.chimes > chimesBefore, 'the chime played again');
    await A.page.evaluate(() => window.__setHidden(false));
    await ws.close();
    await frontVisitor.close();
  });
});
