// Assignment never steals silently: two agents in two browser contexts; A takes a
// conversation, B tries to assign it to themself → B is told "Alice Agent has this
// conversation" and takes it over only by confirming; both inboxes show the new assignee.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { launchBrowser } from '../support/browser.mjs';
import { startParley } from '../support/parley.mjs';
import { visitorWrites as writes } from '../support/visitor.mjs';
import { LONG, exactText, screenshot, agentHelpers, conversationWith as item } from './lib.mjs';
import { assignSeenByOther } from './flows.mjs';

const TEST_OPTS = { timeout: 180000 };
const PASSWORD = 'assignment test password 3';
const { addAgent, agentInbox } = agentHelpers(PASSWORD);

describe('assignment conflicts are visible to both agents', TEST_OPTS, () => {
  let server;
  let parley;
  let browser;
  const contexts = [];
  const sockets = [];

  before(async () => {
    server = await startParley();
    parley = `http://localhost:${server.port}`;
    await addAgent(server.databaseUrl, 'alice@support.test', 'Alice Agent');
    await addAgent(server.databaseUrl, 'bob@support.test', 'Bob Agent');
    browser = await launchBrowser();
  });
  after(async () => {
    for (const ws of sockets) await ws.close().catch(() => {});
    for (const c of contexts) await c.close().catch(() => {});
    await browser?.close();
    await server?.stop();
  });

  const visitorWrites = async (text) => sockets.push(await writes(server, text));

  it('B assigning what A just took is asked "Alice Agent has this conversation" and can take it over', TEST_OPTS, async () => {
    const A = await agentInbox(browser, parley, 'alice@support.test');
    const B = await agentInbox(browser, parley, 'bob@support.test');
    contexts.push(A.ctx, B.ctx);
    const question = 'Who is looking after my refund?';
    await visitorWrites(question);

    // B opens it while it is unassigned; A assigns it to themself (B sees it live).
    await item(B.page, question).click();
    await assignSeenByOther(A, B, question, 'Alice Agent');

    // Cancel keeps Alice.
    await B.page.getByTestId('assign-me').click();
    const dialog = B.page.getByTestId('takeover-dialog');
    await dialog.waitFor({ timeout: LONG });
    assert.match(await B.page.getByTestId('takeover-text').innerText(), /^Alice Agent has this conversation/);
    await screenshot(B.page, 'takeover-ask');
    await B.page.getByTestId('takeover-cancel').click();
    await dialog.waitFor({ state: 'hidden', timeout: LONG });
    await B.page.getByTestId('assignee').filter({ hasText: exactText('Alice Agent') }).waitFor({ timeout: LONG });

    // Taking over is explicit (asked on a phone this time); then both inboxes show Bob, and
    // A's list row too.
    await B.page.setViewportSize({ width: 375, height: 740 });
    await B.page.getByTestId('assign-me').click();
    await dialog.waitFor({ timeout: LONG });
    await screenshot(B.page, 'takeover-ask-375');
    await B.page.keyboard.press('Enter'); // "Take over" has the focus
    await B.page.getByTestId('assignee').filter({ hasText: exactText('Bob Agent (you)') }).waitFor({ timeout: LONG });
    await A.page.getByTestId('assignee').filter({ hasText: exactText('Bob Agent') }).waitFor({ timeout: LONG });
    await item(A.page, question).getByTestId('conversation-assignee').filter({ hasText: exactText('Bob Agent') }).waitFor({ timeout: LONG });
    await screenshot(A.page, 'takeover-seen-by-previous-assignee');
  });
});
