// The inbox's Articles section in headless Chromium against the real binary (docs/BOT.md,
// docs/INBOX.md): a new user writes three articles, publishes them, finds them on /help and
// sees them suggested by the demo page's widget; Markdown with <script>, <img onerror> and a
// javascript: link stays inert in the inbox's preview and in the widget (no dialog fires).
// Empty, loading-free, long-text and 375 px states are screenshotted to /tmp/shots.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startParley } from '../support/parley.mjs';
import { launchBrowser } from '../support/browser.mjs';
import { LONG, VIEWPORT, watchPage, agentHelpers, screenshot, chatFrame } from './lib.mjs';

const TEST_OPTS = { timeout: 300000 };
const PASSWORD = 'articles-inbox-password-1';
const { addAgent, agentInbox } = agentHelpers(PASSWORD);

const THREE = [
  { title: 'Exporting your dashboards to PDF', collection: 'Reports', body: 'Open a dashboard, choose **Export → PDF**. Large dashboards take a minute.' },
  { title: 'Inviting teammates to your workspace', collection: 'Team', body: 'Go to Settings → Team and type their email addresses.' },
  { title: 'Connecting a Postgres data source', collection: 'Data', body: 'Add a source, pick PostgreSQL and paste a read-only connection string.' },
];
const EVIL = {
  title: 'Unsafe markdown should stay inert',
  body: 'Before <script>alert("script")</script>\n\n<img src=x onerror="alert(\'img\')">\n\n' +
    '[click me](javascript:alert("link")) and [data](data:text/html,<script>alert("data")</script>)\n\nAfter.',
};

async function writeArticle(page, { title, collection = '', body }, publish = true) {
  await page.getByTestId('view-articles').click();
  await page.getByTestId('article-new').click();
  await page.getByTestId('article-title').fill(title);
  await page.getByTestId('article-collection').fill(collection);
  await page.getByTestId('article-body').fill(body);
  await page.getByTestId('article-info').filter({ hasText: 'Not saved yet.' }).waitFor({ timeout: LONG });
  if (publish) await page.getByTestId('article-publish').click();
  else await page.getByTestId('article-save').click();
  await page.getByTestId('article-info').filter({ hasText: publish ? 'Published' : 'Draft' }).waitFor({ timeout: LONG });
}

describe('Articles in the inbox', TEST_OPTS, () => {
  let server, browser, agent;
  before(async () => {
    server = await startParley();
    await addAgent(server.databaseUrl, 'new@acme.test', 'Nora New');
    browser = await launchBrowser();
    agent = await agentInbox(browser, `http://localhost:${server.port}`, 'new@acme.test');
  });
  after(async () => {
    await browser?.close();
    await server?.stop();
  });

  it('a new user writes three articles, publishes them, finds them on /help and in the demo widget', TEST_OPTS, async () => {
    const p = agent.page;
    const base = `http://localhost:${server.port}`;
    await p.getByTestId('view-articles').click();
    await p.getByTestId('articles-empty').waitFor({ timeout: LONG });
    await screenshot(p, 'articles-empty');
    await writeArticle(p, THREE[0], false); // a draft first, published below
    await p.getByTestId('article-preview').waitFor({ timeout: LONG });
    const preview = p.frameLocator('[data-testid="article-preview"]');
    await preview.locator('strong', { hasText: 'Export → PDF' }).waitFor({ timeout: LONG });
    await screenshot(p, 'articles-editor');
    await p.getByTestId('article-publish').click();
    await p.getByTestId('article-info').filter({ hasText: 'Published' }).waitFor({ timeout: LONG });
    await writeArticle(p, THREE[1]);
    await writeArticle(p, THREE[2]);
    await p.getByTestId('view-articles').click();
    await p.getByTestId('article-item').nth(2).waitFor({ timeout: LONG });
    assert.equal(await p.getByTestId('article-item').count(), 3);
    assert.equal(await p.getByTestId('article-status').filter({ hasText: 'Published' }).count(), 3);
    await screenshot(p, 'articles-list');
    await p.setViewportSize({ width: 375, height: 740 });
    await screenshot(p, 'articles-list-375');
    await p.getByTestId('article-item').first().click();
    await p.getByTestId('article-title').waitFor({ timeout: LONG });
    await screenshot(p, 'articles-editor-375');
    await p.setViewportSize(VIEWPORT);

    // The public help center lists them.
    const help = await agent.ctx.newPage();
    await help.goto(`${base}/help`);
    for (const a of THREE) await help.getByText(a.title).first().waitFor({ timeout: LONG });
    await help.close();

    // The demo page's widget suggests one while a first message is typed.
    const ctx = await browser.newContext({ viewport: VIEWPORT });
    const demo = await ctx.newPage();
    const watch = watchPage(demo);
    await demo.goto(`${base}/demo/`);
    await demo.evaluate(() => window.SupportChat?.open?.());
    const frame = await chatFrame(demo, base);
    await frame.locator('#input').waitFor({ state: 'visible', timeout: LONG });
    await frame.locator('#input').pressSequentially('invite teammates', { delay: 5 });
    await frame.locator('#sug .al', { hasText: 'Inviting teammates to your workspace' }).waitFor({ timeout: LONG });
    assert.deepEqual(watch.dialogs, []);
    await ctx.close();
  });

  it('Markdown with <script>, <img onerror> and javascript: links is inert in the preview and the widget', TEST_OPTS, async () => {
    const p = agent.page;
    const base = `http://localhost:${server.port}`;
    await writeArticle(p, EVIL);
    const preview = p.frameLocator('[data-testid="article-preview"]');
    await preview.getByText('After.').waitFor({ timeout: LONG });
    assert.equal(await preview.locator('script').count(), 0);
    assert.equal(await preview.locator('[onerror]').count(), 0);
    const href = await preview.getByText('click me').getAttribute('href');
    assert.ok(!/^\s*javascript:/i.test(href || ''), `a javascript: link survived: ${href}`);

    const ctx = await browser.newContext({ viewport: { width: 375, height: 700 } });
    const demo = await ctx.newPage();
    const watch = watchPage(demo);
    await demo.goto(`${base}/demo/`);
    await demo.evaluate(() => window.SupportChat?.open?.());
    const frame = await chatFrame(demo, base);
    await frame.locator('#input').waitFor({ state: 'visible', timeout: LONG });
    await frame.locator('#input').pressSequentially('unsafe markdown inert', { delay: 5 });
    await frame.locator('#sug .al', { hasText: EVIL.title }).click();
    await frame.locator('#art').getByText('After.').waitFor({ timeout: LONG });
    assert.equal(await frame.locator('#art script').count(), 0);
    assert.equal(await frame.locator('#art [onerror]').count(), 0);
    await frame.locator('#art').getByText('click me').click();
    await screenshot(demo, 'articles-evil-widget-375');
    await demo.waitForTimeout(500); // a dialog would have fired by now (not a timing assertion)
    assert.deepEqual(watch.dialogs, [], 'a dialog fired in the widget');
    assert.deepEqual(agent.watch.dialogs, [], 'a dialog fired in the inbox');
    await ctx.close();
  });

  it('delete asks first; long titles wrap', TEST_OPTS, async () => {
    const p = agent.page;
    const long = 'A very long article title that goes on and on about configuring single sign-on with several identity providers';
    await writeArticle(p, { title: long, collection: 'Security', body: 'x '.repeat(400) });
    await p.getByTestId('view-articles').click();
    await p.getByTestId('article-item').filter({ hasText: long }).waitFor({ timeout: LONG });
    await p.setViewportSize({ width: 375, height: 740 });
    await screenshot(p, 'articles-long-375');
    await p.setViewportSize(VIEWPORT);
    await p.getByTestId('article-item').filter({ hasText: long }).click();
    await p.getByTestId('article-delete').click();
    await p.getByTestId('article-delete-dialog').waitFor({ timeout: LONG });
    await p.getByTestId('article-delete-cancel').click();
    assert.equal(await p.getByTestId('article-title').inputValue(), long, 'cancel deleted or left the editor');
    await p.getByTestId('article-delete').click();
    await p.getByTestId('article-delete-confirm').click();
    await p.getByTestId('article-list').waitFor({ timeout: LONG });
    assert.equal(await p.getByTestId('article-item').filter({ hasText: long }).count(), 0);
  });
});
