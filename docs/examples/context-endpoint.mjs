// A product-context endpoint for Parley (docs/CONTEXT.md). Node 18+, no dependencies:
//   PARLEY_CONTEXT_SECRET=whsec_... PORT=4000 node context-endpoint.mjs
import { createServer } from 'node:http';
import { createHmac, timingSafeEqual } from 'node:crypto';

const key = Buffer.from(process.env.PARLEY_CONTEXT_SECRET.replace(/^whsec_/, ''), 'base64');

// Standard Webhooks: HMAC-SHA256 over "id.timestamp.body", base64, in "v1,<sig>" (space-separated list).
function verified(headers, body) {
  const id = headers['webhook-id'], ts = headers['webhook-timestamp'], sigs = headers['webhook-signature'] ?? '';
  if (!id || !/^\d+$/.test(ts ?? '') || Math.abs(Date.now() / 1000 - Number(ts)) > 300) return false; // replays
  const want = createHmac('sha256', key).update(`${id}.${ts}.${body}`).digest();
  const same = (sig) => { const got = Buffer.from(sig, 'base64'); return got.length === want.length && timingSafeEqual(got, want); };
  return sigs.split(' ').some((s) => s.startsWith('v1,') && same(s.slice(3)));
}

createServer((req, res) => {
  let body = '';
  req.setEncoding('utf8').on('data', (chunk) => { body += chunk; });
  req.on('end', () => {
    if (req.method !== 'POST' || !verified(req.headers, body)) return res.writeHead(401).end();
    const { userId, email } = JSON.parse(body); // look the customer up in your own database here
    const cards = [{ title: 'Account', fields: [{ label: 'User id', value: userId }, { label: 'Email', value: email ?? '—' },
      { label: 'Plan', value: 'Pro (yearly)' }, { label: 'Last invoice', value: '#1042 · paid', url: 'https://billing.example.com/invoices/1042' }] }];
    res.writeHead(200, { 'Content-Type': 'application/json' }).end(JSON.stringify({ cards }));
  });
}).listen(Number(process.env.PORT ?? 4000), '127.0.0.1', function () { console.log(`listening on http://127.0.0.1:${this.address().port}`); });
