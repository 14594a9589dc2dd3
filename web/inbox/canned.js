// Canned replies in the reply box (docs/INBOX.md): typing `/` at the start of the reply or of a
// word opens a list of the team's and the agent's own replies, filtered as one types, ranked by
// use. Arrows move, Enter or Tab inserts, Esc closes; a click inserts too. The reply's
// placeholders are filled from the open conversation's visitor and the signed-in agent, and the
// text goes into the box for editing: nothing is sent until the agent sends it.
// This module only hooks #reply-input; the reply box itself is conversation.js's.

import { request } from './api.js';
import { $, h, clear } from './dom.js';
import { state } from './state.js';

const MAX_SHOWN = 50;       // options in the menu at once (the list scrolls)
const STALE_MS = 30000;     // a list older than this is fetched again when the menu opens

let replies = null;         // the last list from the server, ranked
let loadedAt = 0;
let loading = null;         // the pending fetch
let loadError = '';

let menu = null;            // the <div role="listbox">
let open = false;
let matches = [];           // the replies the menu shows now
let active = 0;             // index in matches
let token = null;           // {start, end, query}: the `/word` before the caret
let dismissed = -1;         // the start of a `/word` closed with Esc: stays closed while typed on
let inserting = false;      // our own `input` event after an insert opens nothing

// ---------------------------------------------------------------- the list

// Forgets the list, so the next menu fetches it (the Canned replies section calls it on changes).
export function invalidateCanned() {
  replies = null;
  loadedAt = 0;
}

export function loadCanned({ force = false } = {}) {
  if (loading) return loading;
  if (!force && replies && Date.now() - loadedAt < STALE_MS) return Promise.resolve(replies);
  loading = request('GET', '/api/canned-replies')
    .then((data) => {
      replies = Array.isArray(data?.replies) ? data.replies : [];
      loadedAt = Date.now();
      loadError = '';
      return replies;
    })
    .catch((e) => {
      loadError = e.message || 'Could not load the canned replies.';
      return replies;
    })
    .finally(() => { loading = null; });
  return loading;
}

// Most used by me first, then by the team, then the most recently used, then by shortcut
// (the server's order, kept after a local count).
function byUse(a, b) {
  return (b.myUses - a.myUses) || (b.totalUses - a.totalUses)
    || String(b.lastUsedAt || '').localeCompare(String(a.lastUsedAt || ''))
    || a.shortcut.localeCompare(b.shortcut) || a.id - b.id;
}

// Shortcuts that start with the query first, then those that contain it, then titles that do.
export function matchReplies(list, query) {
  const q = query.toLowerCase();
  if (!q) return list.slice();
  const starts = [], within = [], titled = [];
  for (const r of list) {
    if (r.shortcut.startsWith(q)) starts.push(r);
    else if (r.shortcut.includes(q)) within.push(r);
    else if (String(r.title).toLowerCase().includes(q)) titled.push(r);
  }
  return [...starts, ...within, ...titled];
}

// ---------------------------------------------------------------- placeholders

function firstWord(s) {
  return String(s || '').trim().split(/\s+/)[0] || '';
}

// The values a reply may use, from the open conversation and the signed-in agent.
function placeholderValues() {
  const v = state.convs.get(state.selectedId)?.visitor || {};
  const name = typeof v.name === 'string' ? v.name.trim() : '';
  const agent = typeof state.me?.name === 'string' ? state.me.name.trim() : '';
  return {
    'visitor.name': name,
    'visitor.first_name': firstWord(name),
    'visitor.email': typeof v.email === 'string' ? v.email.trim() : '',
    'agent.name': agent,
    'agent.first_name': firstWord(agent),
  };
}

// {{key}} and {{key|fallback}}: a known key becomes its value, or the fallback when it has none
// (or nothing). An unknown key stays as written, so the agent sees it before sending.
export function fillPlaceholders(body, values) {
  return String(body).replace(/\{\{\s*([a-z_.]+)\s*(?:\|([^{}]*))?\}\}/gi, (whole, key, fallback) => {
    const k = key.toLowerCase();
    if (!Object.hasOwn(values, k)) return whole;
    return values[k] || (fallback ?? '').trim();
  });
}

// ---------------------------------------------------------------- the menu

// The `/word` that ends at the caret, when it starts the reply or follows a space.
function tokenAtCaret(input) {
  if (input.selectionStart !== input.selectionEnd) return null;
  const end = input.selectionStart;
  const m = /(^|\s)\/([a-z0-9_-]{0,32})$/i.exec(input.value.slice(0, end));
  if (!m) return null;
  return { start: end - m[2].length - 1, end, query: m[2] };
}

function ensureMenu() {
  if (menu) return menu;
  menu = h('div', { id: 'canned-menu', class: 'canned-menu', role: 'listbox', 'aria-label': 'Canned replies',
    'data-testid': 'canned-menu', hidden: true });
  // Clicks choose without taking the focus from the reply box.
  menu.addEventListener('mousedown', (e) => e.preventDefault());
  $('#reply-form').appendChild(menu);
  return menu;
}

function setExpanded(input, on) {
  input.setAttribute('aria-expanded', on ? 'true' : 'false');
  if (!on) input.removeAttribute('aria-activedescendant');
}

function closeMenu() {
  if (!open) return;
  open = false;
  matches = [];
  menu.hidden = true;
  clear(menu);
  setExpanded($('#reply-input'), false);
}

function stateRow(text, testid, extra = null) {
  return h('div', { class: 'canned-state', 'data-testid': testid, role: 'status' }, h('span', null, text), extra);
}

function render(input) {
  ensureMenu();
  clear(menu);
  const values = placeholderValues();
  if (!replies) {
    menu.append(loadError
      ? stateRow(`Could not load canned replies: ${loadError}`, 'canned-error')
      : stateRow('Loading canned replies…', 'canned-loading'));
    matches = [];
  } else {
    matches = matchReplies(replies, token.query).slice(0, MAX_SHOWN);
    if (!replies.length) {
      menu.append(stateRow('No canned replies yet.', 'canned-empty',
        h('a', { href: '#/replies/new', class: 'btn-link' }, 'Add one')));
    } else if (!matches.length) {
      menu.append(stateRow(`No canned reply matches /${token.query}`, 'canned-none',
        h('span', { class: 'canned-esc' }, 'Esc to close')));
    }
  }
  if (active >= matches.length) active = Math.max(0, matches.length - 1);
  matches.forEach((r, i) => {
    const preview = fillPlaceholders(r.body, values).replace(/\s+/g, ' ');
    menu.append(h('div', {
      id: `canned-option-${r.id}`, class: 'canned-option', role: 'option', 'aria-selected': i === active ? 'true' : 'false',
      'data-testid': 'canned-option', 'data-shortcut': r.shortcut,
      onclick: () => pick(input, i),
      onmousemove: () => { if (active !== i) { active = i; highlight(input); } },
    },
    h('span', { class: 'canned-option-head' },
      h('span', { class: 'canned-shortcut' }, `/${r.shortcut}`),
      h('span', { class: 'canned-title' }, r.title),
      h('span', { class: `chip canned-scope${r.scope === 'team' ? '' : ' chip-open'}` }, r.scope === 'team' ? 'Team' : 'Mine')),
    h('span', { class: 'canned-preview' }, preview)));
  });
  if (!menu.querySelector('.canned-state') && matches.length) {
    menu.append(h('div', { class: 'canned-keys', 'aria-hidden': 'true' }, '↑↓ to choose · Enter or Tab to insert · Esc to close'));
  }
  menu.hidden = false;
  open = true;
  setExpanded(input, true);
  highlight(input);
}

function highlight(input) {
  menu.querySelectorAll('.canned-option').forEach((el, i) => {
    el.setAttribute('aria-selected', i === active ? 'true' : 'false');
    if (i === active) {
      input.setAttribute('aria-activedescendant', el.id);
      el.scrollIntoView({ block: 'nearest' });
    }
  });
}

// Looks at the text before the caret: opens, filters or closes the menu.
function update(input) {
  const t = input.disabled ? null : tokenAtCaret(input);
  if (!t || t.start === dismissed) {
    if (!t) dismissed = -1;
    token = null;
    return closeMenu();
  }
  if (!token || token.start !== t.start || token.query !== t.query) active = 0;
  token = t;
  render(input);
  if (!replies || Date.now() - loadedAt >= STALE_MS) {
    loadCanned().then(() => { if (open && token) render(input); });
  }
}

// Replaces the `/word` with the reply, placeholders filled, and counts the use.
function pick(input, i) {
  const r = matches[i];
  if (!r || !token) return;
  const text = fillPlaceholders(r.body, placeholderValues());
  const before = input.value.slice(0, token.start);
  const after = input.value.slice(token.end);
  input.value = before + text + after;
  const caret = before.length + text.length;
  input.setSelectionRange(caret, caret);
  // A long reply: show where the caret is (its end), not the box's top.
  if (caret === input.value.length) input.scrollTop = input.scrollHeight;
  token = null;
  closeMenu();
  input.focus();
  // conversation.js keeps the draft and the length hint on `input`.
  inserting = true;
  try {
    input.dispatchEvent(new Event('input', { bubbles: true }));
  } finally {
    inserting = false;
  }
  r.myUses += 1;
  r.totalUses += 1;
  r.lastUsedAt = new Date().toISOString();
  replies?.sort(byUse);
  request('POST', `/api/canned-replies/${r.id}/use`).then((data) => {
    if (data?.reply) Object.assign(r, data.reply);
  }).catch(() => { /* a lost count only changes the ranking a little */ });
}

function onKeydown(e) {
  if (!open || e.target.id !== 'reply-input' || e.isComposing) return;
  const input = e.target;
  const n = matches.length;
  let handled = true;
  if (e.key === 'ArrowDown' && n) active = (active + 1) % n;
  else if (e.key === 'ArrowUp' && n) active = (active - 1 + n) % n;
  else if ((e.key === 'Enter' || e.key === 'Tab') && n && !e.shiftKey && !e.altKey && !e.ctrlKey && !e.metaKey) pick(input, active);
  else if (e.key === 'Escape') {
    dismissed = token ? token.start : -1;
    closeMenu();
  } else handled = false;
  if (!handled) return;
  // Before the reply box's own keys (Enter sends): the form sees the event first.
  e.preventDefault();
  e.stopPropagation();
  if (open) highlight(input);
}

export function initCanned() {
  const input = $('#reply-input');
  input.setAttribute('aria-autocomplete', 'list');
  input.setAttribute('aria-controls', 'canned-menu');
  input.setAttribute('aria-expanded', 'false');
  ensureMenu();
  $('#reply-form').addEventListener('keydown', onKeydown, true);
  input.addEventListener('input', () => { if (!inserting) update(input); });
  input.addEventListener('click', () => update(input));
  input.addEventListener('keyup', (e) => {
    if (['ArrowLeft', 'ArrowRight', 'Home', 'End'].includes(e.key)) update(input);
  });
  input.addEventListener('blur', () => closeMenu());
}
