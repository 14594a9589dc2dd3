// Automatic assignment in the browser: an admin switches the Routing page to Balanced; a
// visitor's conversation is assigned at once, the visitor sees "Bo Agent joined the
// conversation" and Bo's inbox has it under Mine. A visitor who finds nobody with room waits in
// the queue (its count shows beside the list), and is assigned when the admin gives more room.
// After a reload the widget's history still says who joined, once, between the right messages;
// the Routing page shows time to assignment (empty before any assignment).
// Screenshots at desktop size and 375 px wide (/tmp/shots/routing-*.png).
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import {
  LONG, VIEWPORT, widgetWorld, openChat, visitorSend, waitSent, agentHelpers, conversationWith, screenshot,
} from './lib.mjs';

const TEST_OPTS = { timeout: 180000 };
const PASSWORD = 'routing browser password 7';
const { addAgent, agentInbox } = agentHelpers(PASSWORD);
const PHONE = { width: 375, height: 740 };

describe('routing: automatic assignment seen by the visitor and in the inbox', TEST_OPTS, () => {
  let world, parley, site, browser, admin, bo;

  before(async () => {
    world = await widgetWorld(async (srv) => {
      await addAgent(srv.databaseUrl, 'ada@support.test', 'Ada Admin', 'admin');
      await addAgent(srv.databaseUrl, 'bo@support.test', 'Bo Agent');
    });
    ({ parley, site, browser } = world);
  });
  after(async () => {
    await admin?.ctx.close();
    await bo?.ctx.close();
    await world?.close();
  });


  it('the admin sets Balanced with capacity; the visitor sees who joined; the queue waits for room', TEST_OPTS, async () => {
    admin = await agentInbox(browser, parley, 'ada@support.test');
    bo = await agentInbox(browser, parley, 'bo@support.test');
    const p = admin.page;

    // The Routing page: Ada is away (only Bo gets conversations), Ada gives Bo room for one.
    await p.getByTestId('presence-toggle').click();
    await p.locator('[data-testid="presence-toggle"][data-status="away"]').waitFor({ timeout: LONG });
    await p.getByTestId('view-routing').click();
    await p.getByTestId('routing-mode').filter({ hasText: 'Manual' }).waitFor({ timeout: LONG });
    await p.getByTestId('routing-waits-empty').waitFor({ timeout: LONG });
    await screenshot(p, 'routing-page-manual');
    await p.setViewportSize(PHONE);
    await p.getByTestId('routing-waits').scrollIntoViewIfNeeded();
    await screenshot(p, 'routing-page-phone-waits-empty');
    await p.setViewportSize(VIEWPORT);
    await p.getByTestId('routing-mode-balanced').check();
    await p.getByTestId('routing-save').click();
    await p.getByTestId('routing-mode').filter({ hasText: 'Balanced' }).waitFor({ timeout: LONG });
    const boRow = p.locator('[data-testid="routing-agents"] tr', { hasText: 'Bo Agent' });
    await boRow.getByText('Online').waitFor({ timeout: LONG });
    const capacity = boRow.getByTestId('routing-capacity');
    await capacity.fill('1');
    await capacity.press('Enter');
    await p.getByTestId('toast').filter({ hasText: 'Bo Agent can now have 1 open conversation.' }).waitFor({ timeout: LONG });

    // A visitor writes: assigned to Bo at once, and told so.
    const v1 = await world.visitorPage();
    await visitorSend(v1.frame, 'My order has not arrived');
    await waitSent(v1.frame, 'My order has not arrived', world.server);
    await v1.frame.locator('#live .sys', { hasText: 'Bo Agent joined the conversation' }).waitFor({ timeout: LONG });
    await screenshot(v1.page, 'routing-widget-joined');
    // The visitor writes again and reloads: the line is still there once, between the two.
    await visitorSend(v1.frame, 'Order 1234');
    await waitSent(v1.frame, 'Order 1234', world.server);
    await v1.page.reload();
    v1.frame = await openChat(v1.page, parley);
    await v1.frame.locator('#live .msg', { hasText: 'Order 1234' }).waitFor({ timeout: LONG });
    const thread = await v1.frame.locator('#live .sys, #live .msg .body').allTextContents();
    assert.deepEqual(thread, ['My order has not arrived', 'Bo Agent joined the conversation', 'Order 1234'],
      'after a reload: who joined, once, in order');
    await screenshot(v1.page, 'routing-widget-joined-reloaded');
    await bo.page.getByTestId('view-mine').click();
    await conversationWith(bo.page, 'Order 1234').waitFor({ timeout: LONG });
    await boRow.getByTestId('routing-open').filter({ hasText: '1' }).waitFor({ timeout: LONG });

    // A second visitor (on a phone) finds nobody with room: queued, counted beside the list.
    const v2 = await world.visitorPage(PHONE);
    await visitorSend(v2.frame, 'Can I change my address?');
    await waitSent(v2.frame, 'Can I change my address?', world.server);
    await p.getByTestId('routing-queue').filter({ hasText: '1' }).waitFor({ timeout: LONG });
    await screenshot(p, 'routing-page-queue');
    await p.getByTestId('view-unassigned').click();
    await p.getByTestId('queue-count').filter({ hasText: '1 waiting for an agent' }).waitFor({ timeout: LONG });
    await screenshot(p, 'routing-list-queue');
    assert.equal(await v2.frame.locator('#live .sys').count(), 0, 'nobody joined yet');

    // More room for Bo: the queued one is assigned at once, and its visitor is told.
    await p.getByTestId('view-routing').click();
    const cap2 = p.locator('[data-testid="routing-agents"] tr', { hasText: 'Bo Agent' }).getByTestId('routing-capacity');
    await cap2.fill('2');
    await cap2.press('Tab');
    await v2.frame.locator('#live .sys', { hasText: 'Bo Agent joined the conversation' }).waitFor({ timeout: LONG });
    await screenshot(v2.page, 'routing-widget-joined-phone');
    await p.getByTestId('routing-queue').filter({ hasText: '0' }).waitFor({ timeout: LONG });
    // Both waited in the queue and were assigned automatically: the time to assignment shows.
    await p.getByTestId('routing-waits-assigned').locator('[data-window="day"]')
      .filter({ hasText: '2 (2 automatic, 0 by hand)' }).waitFor({ timeout: LONG });
    assert.match(await p.getByTestId('routing-waits-median').locator('[data-window="week"]').innerText(), /^(under 1 s|\d+ (s|min))$/);
    await screenshot(p, 'routing-page-waits');
    await p.getByTestId('view-unassigned').click();
    await p.getByTestId('queue-count').waitFor({ state: 'hidden', timeout: LONG });

    // The page at 375 px, and the read-only view a non-admin gets.
    await p.setViewportSize(PHONE);
    await p.getByTestId('view-routing').click();
    await p.getByTestId('routing-agents').waitFor({ timeout: LONG });
    await screenshot(p, 'routing-page-phone');
    await p.getByTestId('routing-agents').scrollIntoViewIfNeeded();
    await screenshot(p, 'routing-page-phone-agents');
    await p.getByTestId('routing-waits').scrollIntoViewIfNeeded();
    await screenshot(p, 'routing-page-phone-waits');
    await p.setViewportSize(VIEWPORT);
    await bo.page.getByTestId('view-routing').click();
    await bo.page.getByTestId('routing-agents').waitFor({ timeout: LONG });
    assert.equal(await bo.page.getByTestId('routing-save').count(), 0, 'an agent can change routing');
    assert.equal(await bo.page.getByTestId('routing-capacity').count(), 0);
    await screenshot(bo.page, 'routing-page-agent');

    // Resolved, the first conversation comes back from `history` after a reload, the line in its place.
    await bo.page.getByTestId('view-mine').click();
    await conversationWith(bo.page, 'Order 1234').click();
    await bo.page.getByTestId('resolve').click();
    await bo.page.getByTestId('conversation-status').filter({ hasText: /resolved/i }).waitFor({ timeout: LONG });
    await v1.page.reload();
    v1.frame = await openChat(v1.page, parley);
    await v1.frame.locator('.msg', { hasText: 'Order 1234' }).waitFor({ state: 'attached', timeout: LONG });
    assert.deepEqual(await v1.frame.locator('#history .sys, #history .msg .body, #live .sys, #live .msg .body').allTextContents(),
      ['My order has not arrived', 'Bo Agent joined the conversation', 'Order 1234'], 'a resolved conversation from history');
    await v1.frame.locator('#history summary').click(); // an earlier conversation, opened
    await v1.frame.locator('#history .sys').waitFor({ timeout: LONG });
    await screenshot(v1.page, 'routing-widget-joined-history');

    for (const w of [v1.watch, v2.watch, admin.watch, bo.watch]) assert.deepEqual(w.errors, []);
    await v1.ctx.close();
    await v2.ctx.close();
  });
});
