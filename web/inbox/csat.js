// CSAT in the inbox (docs/CSAT.md): the rating shown in a conversation's thread and as a badge
// in the list, live `csat` frames, and the small report view at #/csat (overall and per agent,
// last 7 or 30 days).

import { request } from './api.js';
import { $, h, clear, setText, formatTime, truncate, oneLine } from './dom.js';
import { state, cacheConversation } from './state.js';

export const FACES = ['😠', '😟', '😐', '😊', '😄'];
const LABELS = ['Very bad', 'Bad', 'Okay', 'Good', 'Very good'];
let days = 7;
let loadGen = 0;

// A `csat` frame: the survey of a conversation was asked or answered. Returns the merged
// conversation (null when unknown here: the list fetches it when it shows it).
export function applyCsat(s) {
  if (!s || typeof s.conversationId !== 'number') return null;
  const c = state.convs.get(s.conversationId);
  if (!c) return null;
  if (c.csat && c.csat.cycle > s.cycle) return c; // an older cycle's news
  return cacheConversation({ id: c.id, csat: s });
}

// The list's badge: the face and the rating, or nothing while unanswered.
export function csatBadge(el, c) {
  const r = c.csat?.rating;
  el.hidden = !r;
  if (!r) return;
  setText(el, `${FACES[r - 1]} ${r}/5`);
  el.title = `Rated ${LABELS[r - 1]} (${r} of 5)`;
  el.className = `chip chip-csat csat-${r >= 4 ? 'good' : r === 3 ? 'ok' : 'bad'}`;
}

// The thread's line under the header: asked, answered (with the comment), or nothing.
export function renderThreadCsat(c) {
  const box = $('#conv-csat');
  const s = c?.csat;
  box.hidden = !s;
  if (!s) return;
  clear(box);
  if (!s.rating) {
    box.append(h('span', { class: 'muted', text: `Satisfaction survey sent ${formatTime(s.askedAt, { relative: true })} · no answer yet` }));
    return;
  }
  box.append(
    h('span', { class: 'csat-face', 'aria-hidden': 'true', text: FACES[s.rating - 1] }),
    h('strong', { text: `Rated ${LABELS[s.rating - 1]} (${s.rating}/5)` }),
    s.comment ? h('q', { class: 'csat-comment', text: s.comment }) : null,
  );
}

// ------------------------------------------------------------------ the report view

export function initCsatView() {
  for (const b of document.querySelectorAll('[data-csat-days]')) {
    b.addEventListener('click', () => {
      days = Number(b.dataset.csatDays);
      loadCsatView();
    });
  }
  $('#csat-retry').addEventListener('click', () => loadCsatView());
}

export async function loadCsatView() {
  const gen = ++loadGen;
  for (const b of document.querySelectorAll('[data-csat-days]')) {
    b.setAttribute('aria-pressed', String(Number(b.dataset.csatDays) === days));
  }
  const view = $('#csat-view');
  view.dataset.state = 'loading';
  view.setAttribute('aria-busy', 'true');
  const from = new Date(Date.now() - days * 86400000).toISOString();
  try {
    const report = await request('GET', `/api/reports/csat?from=${encodeURIComponent(from)}&limit=50`);
    if (gen !== loadGen) return;
    renderReport(report);
    view.dataset.state = report.total ? 'ready' : 'empty';
  } catch (e) {
    if (gen !== loadGen || e.status === 401) return;
    setText($('#csat-error-text'), `Could not load the report: ${e.message}`);
    view.dataset.state = 'error';
  } finally {
    if (gen === loadGen) view.setAttribute('aria-busy', 'false');
  }
}

const percent = (score) => (score == null ? '—' : `${Math.round(score * 100)}%`);

function renderReport(r) {
  setText($('#csat-score'), percent(r.score));
  setText($('#csat-total'), `${r.total} rating${r.total === 1 ? '' : 's'} · ${r.asked} asked`);
  const bars = $('#csat-counts');
  clear(bars);
  for (let n = 5; n >= 1; n--) {
    const count = r.counts?.[n] ?? 0;
    const fill = h('span', { class: 'csat-bar-fill' });
    fill.style.width = `${r.total ? Math.round((count / r.total) * 100) : 0}%`; // CSSOM: allowed by the CSP
    bars.append(h('li', { class: 'csat-bar' },
      h('span', { class: 'csat-bar-label', title: LABELS[n - 1], text: `${FACES[n - 1]} ${n}` }),
      h('span', { class: 'csat-bar-track', 'aria-hidden': 'true' }, fill),
      h('span', { class: 'csat-bar-count', text: String(count) })));
  }
  const agents = $('#csat-agents');
  clear(agents);
  for (const a of r.agents || []) {
    agents.append(h('tr', { 'data-testid': 'csat-agent' },
      h('th', { scope: 'row', class: 'one-line', title: a.name, text: a.name }),
      h('td', { text: percent(a.score) }),
      h('td', { text: String(a.total) })));
  }
  const list = $('#csat-ratings');
  clear(list);
  for (const x of r.ratings || []) {
    const who = (x.agents || []).map((a) => a.name).join(', ');
    list.append(h('li', { class: 'csat-rating', 'data-testid': 'csat-rating' },
      h('a', { href: `#/resolved/${x.conversationId}`, class: 'csat-rating-head' },
        h('span', { class: 'csat-face', 'aria-hidden': 'true', text: FACES[x.rating - 1] }),
        h('strong', { text: `${x.rating}/5` }),
        h('span', { class: 'muted one-line', text: who || 'No agent' }),
        h('span', { class: 'muted csat-when', text: formatTime(x.at, { relative: true }) })),
      x.comment ? h('p', { class: 'csat-comment', text: truncate(oneLine(x.comment), 300) }) : null));
  }
}
