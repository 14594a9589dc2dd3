// Labels in the inbox (docs/INBOX.md "Labels"): an admin creates labels in #/labels; an agent
// labels a conversation from its header with the keyboard (a small menu with search), the
// admin's tab sees the chip appear on the row live, the list filters by the label, and a
// rename and a delete reach the agent's tab at once. Screenshots at desktop size and 375 px.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { launchBrowser } from '../support/browser.mjs';
import { startParley } from '../support/parley.mjs';
import { visitorWrites as writes } from '../support/visitor.mjs';
import { LONG, exactText, screenshot, agentHelpers, conversationWith as item } from './lib.mjs';

const TEST_OPTS = { timeout: 180000 };
const PASSWORD = 'labels browser password 5';
const { addAgent, agentInbox } = agentHelpers(PASSWORD);
const LONG_NAME = 'Enterprise customers waiting on finance'; // 39 characters

describe('labels in the inbox', TEST_OPTS, () => {
  let server;
  let parley;
  let browser;
  const contexts = [];
  const sockets = [];

  before(async () => {
    server = await startParley();
    parley = `http://localhost:${server.port}`;
    await addAgent(server.databaseUrl, 'ada@labels.test', 'Ada Admin', 'admin');
    await addAgent(server.databaseUrl, 'bo@labels.test', 'Bo Agent');
    browser = await launchBrowser();
  });
  after(async () => {
    for (const ws of sockets) await ws.close().catch(() => {});
    for (const c of contexts) await c.close().catch(() => {});
    await browser?.close();
    await server?.stop();
  });

  const visitorWrites = async (text) => sockets.push(await writes(server, text));

  it('admin creates labels; an agent labels a conversation by keyboard; the list filters; changes are live', TEST_OPTS, async () => {
    const billingQuestion = 'My invoice shows the wrong amount';
    const otherQuestion = 'How do I change my avatar?';
    await visitorWrites(billingQuestion);
    await visitorWrites(otherQuestion);

    const ada = await agentInbox(browser, parley, 'ada@labels.test');
    const bo = await agentInbox(browser, parley, 'bo@labels.test');
    contexts.push(ada.ctx, bo.ctx);

    // The section: a failed load says so and offers a retry (the browser drops the request once).
    let failed = false;
    await ada.page.route('**/api/labels', (route) => {
      if (failed) return route.continue();
      failed = true;
      return route.abort('connectionfailed');
    });
    await ada.page.getByTestId('view-labels').click();
    const section = ada.page.getByTestId('labels-section');
    await section.getByRole('alert').filter({ hasText: 'Could not load the labels' }).waitFor({ timeout: LONG });
    await screenshot(ada.page, 'labels-error');
    await section.getByRole('button', { name: 'Try again' }).click();
    await ada.page.getByTestId('labels-empty').waitFor({ timeout: LONG });
    await ada.page.unroute('**/api/labels');
    await screenshot(ada.page, 'labels-empty');

    // Create two labels; a duplicate name in another case is refused with the reason.
    await ada.page.getByTestId('label-new-name').fill('Billing');
    await ada.page.getByRole('radio', { name: 'Red' }).check({ force: true });
    await ada.page.getByTestId('label-create').click();
    await ada.page.getByTestId('label-row').filter({ hasText: 'Billing' }).waitFor({ timeout: LONG });
    await ada.page.getByTestId('label-new-name').fill(LONG_NAME);
    await ada.page.getByRole('radio', { name: 'Yellow' }).check({ force: true });
    await ada.page.keyboard.press('Enter');
    await ada.page.getByTestId('label-row').filter({ hasText: LONG_NAME }).waitFor({ timeout: LONG });
    await ada.page.getByTestId('label-new-name').fill('billing');
    await ada.page.getByTestId('label-create').click();
    await ada.page.getByTestId('label-error').filter({ hasText: 'exists already' }).waitFor({ timeout: LONG });
    await screenshot(ada.page, 'labels-section');
    await ada.page.setViewportSize({ width: 375, height: 740 });
    await screenshot(ada.page, 'labels-section-375');
    await ada.page.setViewportSize({ width: 1280, height: 800 });

    // A yellow chip has dark text, a red one white: both readable.
    const colours = await ada.page.getByTestId('label-chip').evaluateAll((els) =>
      els.map((el) => [el.textContent, getComputedStyle(el).color]));
    assert.deepEqual(colours.sort(), [['Billing', 'rgb(255, 255, 255)'], [LONG_NAME, 'rgb(31, 35, 40)']].sort());

    // An agent sees the labels but no controls to change them.
    await bo.page.getByTestId('view-labels').click();
    await bo.page.getByTestId('labels-admin-only').waitFor({ timeout: LONG });
    assert.equal(await bo.page.getByTestId('label-create-form').count(), 0);
    assert.equal(await bo.page.getByTestId('label-edit').count(), 0);

    // Ada watches the Open list; Bo labels the conversation with the keyboard only.
    await ada.page.getByTestId('view-open').click();
    await item(ada.page, billingQuestion).waitFor({ timeout: LONG });
    await bo.page.getByTestId('view-open').click();
    await item(bo.page, billingQuestion).click();
    await bo.page.getByTestId('label-add').focus();
    await bo.page.keyboard.press('Enter');
    await bo.page.getByTestId('label-menu-search').waitFor({ timeout: LONG });
    await bo.page.keyboard.type('bill');
    await bo.page.keyboard.press('Enter');
    const header = bo.page.getByTestId('conversation-labels');
    await header.getByTestId('label-chip').filter({ hasText: exactText('Billing×') }).waitFor({ timeout: LONG });
    await bo.page.getByTestId('label-option').filter({ hasText: 'Billing' }).and(bo.page.locator('[aria-selected="true"]'))
      .waitFor({ timeout: LONG });
    await screenshot(bo.page, 'labels-menu');
    await bo.page.keyboard.press('Escape');
    await bo.page.getByTestId('label-menu').waitFor({ state: 'detached', timeout: LONG });
    assert.equal(await bo.page.evaluate(() => document.activeElement?.dataset.testid), 'label-add');

    // Live on Ada's row.
    await item(ada.page, billingQuestion).getByTestId('label-chip').filter({ hasText: 'Billing' }).waitFor({ timeout: LONG });
    assert.equal(await item(ada.page, otherQuestion).getByTestId('label-chip').count(), 0);

    // Filter Bo's list by the label: only the labelled conversation stays.
    await bo.page.getByTestId('label-filter').selectOption({ label: 'Billing' });
    await bo.page.getByTestId('count-open').filter({ hasText: exactText('1') }).waitFor({ timeout: LONG });
    await item(bo.page, otherQuestion).waitFor({ state: 'detached', timeout: LONG });
    await item(bo.page, billingQuestion).waitFor({ timeout: LONG });
    await screenshot(bo.page, 'labels-filtered');
    await bo.page.setViewportSize({ width: 375, height: 740 });
    await screenshot(bo.page, 'labels-conversation-375');
    await bo.page.getByTestId('back').click();
    await screenshot(bo.page, 'labels-filtered-375');
    await bo.page.setViewportSize({ width: 1280, height: 800 });
    await item(bo.page, billingQuestion).click();

    // Ada labels the other conversation (a mouse this time): it joins Bo's filtered list live.
    await item(ada.page, otherQuestion).click();
    await ada.page.getByTestId('label-add').click();
    await ada.page.getByTestId('label-option').filter({ hasText: 'Billing' }).click();
    await ada.page.getByTestId('conversation-labels').getByTestId('label-chip').filter({ hasText: 'Billing' })
      .waitFor({ timeout: LONG });
    await ada.page.keyboard.press('Escape');
    await item(bo.page, otherQuestion).getByTestId('label-chip').filter({ hasText: 'Billing' }).waitFor({ timeout: LONG });

    // Ada renames it: Bo's header and row follow at once.
    await ada.page.getByTestId('view-labels').click();
    const row = ada.page.getByTestId('label-row').filter({ hasText: 'Billing' });
    await row.getByTestId('label-edit').click();
    await ada.page.getByTestId('label-edit-name').fill('Invoices');
    await ada.page.getByTestId('label-save').click();
    await ada.page.getByTestId('label-row').filter({ hasText: 'Invoices' }).waitFor({ timeout: LONG });
    await header.getByTestId('label-chip').filter({ hasText: 'Invoices' }).waitFor({ timeout: LONG });
    await item(bo.page, billingQuestion).getByTestId('label-chip').filter({ hasText: 'Invoices' }).waitFor({ timeout: LONG });

    // Ada deletes it: it leaves Bo's header, and Bo's filter shows everything again.
    await ada.page.getByTestId('label-row').filter({ hasText: 'Invoices' }).getByTestId('label-delete').click();
    await ada.page.getByTestId('label-delete-confirm').click();
    await ada.page.getByTestId('label-row').filter({ hasText: 'Invoices' }).waitFor({ state: 'detached', timeout: LONG });
    await header.getByTestId('label-chip').waitFor({ state: 'detached', timeout: LONG });
    await item(bo.page, otherQuestion).waitFor({ timeout: LONG });
    assert.equal(await bo.page.getByTestId('label-filter').inputValue(), '');

    for (const w of [ada.watch, bo.watch]) assert.deepEqual(w.errors, [], 'no script errors');
  });
});
