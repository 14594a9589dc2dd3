// The "Account" section of the visitor panel: the customer's own product context (plan, MRR,
// invoices…) for a verified visitor, fetched from GET /api/inbox/conversations/:id/context
// (docs/CONTEXT.md). It loads on its own, after the thread: a slow endpoint never delays the
// messages. Everything the customer sent is shown as text; links are http(s) only.

import { request } from './api.js';
import { $, h, clear } from './dom.js';

let gen = 0;          // the answer of a conversation no longer shown is dropped

function section() {
  let el = $('#context-panel');
  if (el) return el;
  el = h('section', { id: 'context-panel', class: 'context', 'aria-labelledby': 'context-heading' },
    h('h4', { id: 'context-heading', class: 'visitor-subheading' }, 'Account'),
    h('div', { id: 'context-body', class: 'context-body', 'data-testid': 'context-panel', 'aria-live': 'polite' }));
  // Beside the visitor's own attributes, before the emails.
  const meta = $('#visitor-metadata');
  if (meta) meta.after(el);
  else $('#visitor-details').appendChild(el);
  return el;
}

function body(stateName) {
  section();
  const el = $('#context-body');
  clear(el);
  el.dataset.state = stateName;
  el.setAttribute('aria-busy', stateName === 'loading' ? 'true' : 'false');
  return el;
}

// A link only for an absolute http(s) URL; anything else is shown as the plain value.
function valueNode(value, url) {
  if (typeof url === 'string') {
    try {
      const parsed = new URL(url);
      if (parsed.protocol === 'http:' || parsed.protocol === 'https:') {
        const a = h('a', { target: '_blank', rel: 'noopener noreferrer', 'data-testid': 'context-link' });
        a.href = parsed.href;
        a.textContent = value || parsed.href;
        return a;
      }
    } catch { /* not a URL: text */ }
  }
  return document.createTextNode(value);
}

function renderCards(cards) {
  const el = body('ok');
  if (!cards.length) {
    el.appendChild(h('p', { class: 'muted context-note' }, 'Nothing on file for this customer.'));
    return;
  }
  for (const card of cards) {
    const article = h('article', { class: 'context-card', 'data-testid': 'context-card' },
      h('h5', { class: 'context-card-title', 'data-testid': 'context-card-title' }, String(card?.title ?? '')));
    const dl = h('dl', { class: 'facts context-facts' });
    for (const f of Array.isArray(card?.fields) ? card.fields : []) {
      dl.appendChild(h('dt', { 'data-testid': 'context-label' }, String(f?.label ?? '')));
      dl.appendChild(h('dd', { 'data-testid': 'context-value' }, valueNode(String(f?.value ?? ''), f?.url)));
    }
    article.appendChild(dl);
    el.appendChild(article);
  }
}

function renderNote(stateName, text, detail, retryId) {
  const el = body(stateName);
  el.appendChild(h('p', { class: `context-note${stateName === 'unavailable' ? ' context-warn' : ' muted'}` }, text));
  if (detail) {
    const sentence = detail.charAt(0).toUpperCase() + detail.slice(1);
    el.appendChild(h('p', { class: 'muted context-detail', 'data-testid': 'context-reason' }, sentence));
  }
  if (retryId) {
    el.appendChild(h('button', {
      type: 'button', class: 'btn btn-sm', 'data-testid': 'context-retry', onclick: () => showContext(retryId),
    }, 'Try again'));
  }
}

// Starts loading the context of conversation `id`; returns at once.
export function showContext(id) {
  const mine = ++gen;
  renderNote('loading', 'Loading account…');
  request('GET', `/api/inbox/conversations/${encodeURIComponent(id)}/context`)
    .then((data) => {
      if (mine !== gen) return;
      switch (data?.status) {
        case 'ok':
          renderCards(Array.isArray(data.cards) ? data.cards : []);
          break;
        case 'not_verified':
          renderNote('not_verified', 'Not looked up: this visitor’s identity is not verified, so the account could be someone else’s.');
          break;
        case 'not_configured':
          renderNote('not_configured', 'No product data connected. Set PARLEY_CONTEXT_URL to show the customer’s plan, invoices and more here.');
          break;
        default:
          renderNote('unavailable', 'Context unavailable.', typeof data?.reason === 'string' ? data.reason : '', id);
      }
    })
    .catch((e) => {
      if (mine !== gen || e.status === 401) return;
      renderNote('unavailable', 'Context unavailable.', e.message, e.status === 404 ? null : id);
    });
}

// The conversation was closed: forget what was shown.
export function hideContext() {
  gen++;
  const el = $('#context-body');
  if (el) clear(el);
}
