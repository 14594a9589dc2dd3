// The public help center in Chromium (issue #17): the pages render without script at desktop
// size and at 375 px, and hostile Markdown (raw <script>, <img onerror>, javascript:, vbscript:
// and data: links) renders inert — no dialog fires, nothing of it reaches the DOM.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { helpServer, agentCookie } from '../support/help.mjs';
import { request } from '../support/http.mjs';
import { launchBrowser } from '../support/browser.mjs';
import { watchPage, screenshot, VIEWPORT } from './lib.mjs';

const HOSTILE = `Read this carefully.

<script>alert("script")</script>

<img src=x onerror="alert('img')">

[a javascript link](javascript:alert('link')) and [another](JAVASCRIPT:alert('upper'))

[a vbscript link](vbscript:msgbox("x"))

[a data link](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)

<a href="javascript:alert('anchor')">raw anchor</a>

![svg](data:image/svg+xml;base64,PHN2ZyB4bWxucz0iaHR0cDovL3d3dy53My5vcmcvMjAwMC9zdmciIG9ubG9hZD0iYWxlcnQoMSkiLz4=)

<iframe src="javascript:alert('frame')"></iframe>

<details open ontoggle="alert('toggle')">x</details>
`;

describe('help center in Chromium', () => {
  let server, browser, hostileSlug;
  before(async () => {
    server = await helpServer();
    const cookie = await agentCookie(server);
    const res = await request(`${server.url}/api/articles`, {
      method: 'POST',
      headers: { Cookie: cookie },
      body: { title: 'Formatting <b>tricks</b> & "quotes"', collection: 'Writing', body: HOSTILE, status: 'published' },
    });
    assert.equal(res.status, 201, res.text);
    hostileSlug = res.json().article.slug;
    browser = await launchBrowser();
  });
  after(async () => {
    await browser?.close();
    await server?.stop();
  });

  for (const [name, viewport] of [['desktop', VIEWPORT], ['375', { width: 375, height: 740 }]]) {
    it(`/help, an article and search render at ${name} (no horizontal scroll, no script)`, async () => {
      const page = await browser.newPage({ viewport, javaScriptEnabled: false });
      try {
        await page.goto(`${server.url}/help`);
        assert.equal(await page.locator('h1').textContent(), 'How can we help?');
        assert.ok((await page.locator('.collection').count()) >= 8);
        await screenshot(page, `help-index-${name}`);
        assert.ok((await page.evaluate(() => document.documentElement.scrollWidth)) <= viewport.width, 'no horizontal scroll');

        await page.getByRole('link', { name: 'Turn on two-factor authentication' }).click();
        await page.waitForURL(/\/help\/articles\/turn-on-two-factor-authentication$/);
        assert.equal(await page.locator('article h1').textContent(), 'Turn on two-factor authentication');
        assert.equal(await page.locator('article ol li').count(), 4);
        await screenshot(page, `help-article-${name}`);
        assert.ok((await page.evaluate(() => document.documentElement.scrollWidth)) <= viewport.width);

        // The search form works without JavaScript.
        await page.fill('#q', 'resetting passwords');
        await page.press('#q', 'Enter');
        await page.waitForURL(/\/help\/search\?q=resetting\+passwords/);
        const first = page.locator('.results li').first();
        assert.equal(await first.locator('a').textContent(), 'Reset your password');
        assert.ok((await first.locator('mark').count()) > 0, 'matches are highlighted');
        await screenshot(page, `help-search-${name}`);
        assert.ok((await page.evaluate(() => document.documentElement.scrollWidth)) <= viewport.width);
      } finally {
        await page.close();
      }
    });
  }

  it('hostile Markdown renders inert: no dialog, no script, no handler, no dangerous URL', async () => {
    // JavaScript on, so that anything that slipped through would run.
    const page = await browser.newPage({ viewport: VIEWPORT });
    const watch = watchPage(page);
    try {
      await page.goto(`${server.url}/help/articles/${hostileSlug}`);
      assert.equal(await page.locator('article h1').textContent(), 'Formatting <b>tricks</b> & "quotes"');
      assert.equal(await page.locator('article h1 b').count(), 0, 'the title is text');
      // Click every link of the body, as a curious reader would.
      const links = page.locator('article .body a');
      for (let i = 0; i < (await links.count()); i++) await links.nth(i).click({ timeout: 2000 }).catch(() => {});
      await page.goto(`${server.url}/help/articles/${hostileSlug}`);
      const found = await page.evaluate(() => {
        const all = [...document.querySelectorAll('*')];
        return {
          scripts: document.querySelectorAll('script').length,
          iframes: document.querySelectorAll('iframe').length,
          handlers: all.flatMap((el) => [...el.attributes].filter((a) => /^on/i.test(a.name)).map((a) => `${el.tagName} ${a.name}`)),
          urls: all.flatMap((el) => ['href', 'src'].map((n) => el.getAttribute(n)).filter((v) => v && /^\s*(javascript|vbscript|data:(?!image\/(png|gif|jpeg|webp)))/i.test(v))),
          text: document.querySelector('article .body').textContent,
        };
      });
      assert.equal(found.scripts, 0);
      assert.equal(found.iframes, 0);
      assert.deepEqual(found.handlers, []);
      assert.deepEqual(found.urls, []);
      assert.match(found.text, /Read this carefully/);
      assert.deepEqual(watch.dialogs, [], 'no dialog fired');
      await screenshot(page, 'help-hostile-desktop');
    } finally {
      await page.close();
    }
  });

  it('the search page escapes a hostile query', async () => {
    const page = await browser.newPage({ viewport: VIEWPORT });
    const watch = watchPage(page);
    try {
      await page.goto(`${server.url}/help/search?q=${encodeURIComponent('"><img src=x onerror=alert(1)>')}`);
      assert.equal(await page.inputValue('#q'), '"><img src=x onerror=alert(1)>');
      assert.equal(await page.locator('main img').count(), 0);
      assert.deepEqual(watch.dialogs, []);
    } finally {
      await page.close();
    }
  });
});
