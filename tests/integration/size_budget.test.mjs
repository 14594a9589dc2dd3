// The widget's size budgets (docs/EMBED.md), measured as bench/sizes measures them: bytes on
// the wire, gzip-encoded, as the real binary serves them. The loader (/widget.js) ≤ 2,048 B;
// the chat frame (/chat/ plus every stylesheet and script it references, recursively for ES
// module imports) ≤ 15 KB (15,360 B). A change that grows either past its budget fails here.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { gunzipSync } from 'node:zlib';
import { startParley } from '../support/parley.mjs';
import { request } from '../support/http.mjs';

const LOADER_BUDGET = 2048;
const FRAME_BUDGET = 15 * 1024;

/** The body as served with Accept-Encoding: gzip — its length on the wire — and its decoded text. */
async function gz(server, path) {
  const res = await request(server.url + path, { headers: { 'Accept-Encoding': 'gzip' } });
  assert.equal(res.status, 200, `GET ${path}: ${res.status}`);
  assert.equal(res.headers['content-encoding'], 'gzip', `${path} is served gzip-encoded`);
  return { bytes: res.body.length, text: gunzipSync(res.body).toString('utf8') };
}

/** What a page or module references, as bench/sizes finds it: <link href>, <script src>, `import … from`. */
function references(text) {
  const re = /(?:href|src)="([^"]+\.(?:css|js|mjs))"|from *["']([^"']+)["']|import *["']([^"']+)["']/g;
  return [...text.matchAll(re)].map((m) => m[1] || m[2] || m[3]);
}

describe('size budgets of the widget, as served', () => {
  let server;
  before(async () => {
    server = await startParley();
  });
  after(async () => {
    await server?.stop();
  });

  it(`the loader /widget.js is at most ${LOADER_BUDGET} B gzipped`, async () => {
    const { bytes, text } = await gz(server, '/widget.js');
    assert.match(text, /SupportChat/, 'the loader itself was measured');
    assert.ok(bytes <= LOADER_BUDGET, `/widget.js is ${bytes} B gzipped, over the ${LOADER_BUDGET} B budget`);
  });

  it(`the chat frame and everything it loads is at most ${FRAME_BUDGET} B gzipped`, async () => {
    const seen = new Map(); // path → gzipped bytes
    const queue = ['/chat/'];
    while (queue.length) {
      const path = queue.shift();
      if (seen.has(path)) continue;
      const { bytes, text } = await gz(server, path);
      seen.set(path, bytes);
      for (const ref of references(text)) {
        if (/^(https?:|\/\/|data:)/.test(ref)) continue;
        queue.push(new URL(ref, 'http://x' + path).pathname);
      }
    }
    const parts = [...seen].map(([p, b]) => `${p} ${b} B`).join(', ');
    assert.ok(seen.has('/chat/chat.js') && seen.has('/chat/chat.css'), `the frame's script and stylesheet were measured: ${parts}`);
    const total = [...seen.values()].reduce((a, b) => a + b, 0);
    assert.ok(total <= FRAME_BUDGET, `the chat frame is ${total} B gzipped (${parts}), over the ${FRAME_BUDGET} B budget`);
  });
});
