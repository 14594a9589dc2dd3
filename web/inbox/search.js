// The search box above the conversation list (GET /api/search, docs/INBOX.md#search): results
// replace the list while a search is on; Esc (or clearing the box) brings the list back.
//
// Snippets come with the matched words between \u0002 and \u0003 (ts_headline's StartSel and
// StopSel): they are split on those characters and built as text nodes and <mark> elements,
// never parsed as HTML, so a message's text cannot become markup.

import { api } from './api.js';
import { $, h, setText, visitorName, relTimeEl } from './dom.js';
import { state, cacheConversation, statusLabel } from './state.js';
import { labels, onLabelsChanged } from './labels.js';

const PAGE_SIZE = 20;
const DEBOUNCE_MS = 300;
const START = '\u0002';
const STOP = '\u0003';

const search = {
  active: false,
  gen: 0,
  params: null, // the query and filters of the results shown
  nextCursor: null,
  loading: false,
  timer: null,
  shown: 0, // results on screen
};

export function initSearch() {
  const input = $('#search-input');
  const form = $('#search-form');
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    startSearch();
  });
  input.addEventListener('input', () => {
    clearTimeout(search.timer);
    search.timer = setTimeout(startSearch, DEBOUNCE_MS);
  });
  input.addEventListener('keydown', (e) => {
    if (e.key === 'Escape') {
      e.preventDefault();
      clearSearch();
    }
  });
  for (const el of form.querySelectorAll('select, input[type="date"]')) el.addEventListener('change', startSearch);
  $('#search-filters-toggle').addEventListener('click', () => {
    const panel = $('#search-filters');
    panel.hidden = !panel.hidden;
    $('#search-filters-toggle').setAttribute('aria-expanded', String(!panel.hidden));
  });
  $('#search-more').addEventListener('click', () => loadPage({ append: true }));
  onLabelsChanged(fillLabelFilter);
  fillLabelFilter();
  // Choosing a view in the sidebar means the list again.
  window.addEventListener('hashchange', () => {
    if (search.active && /^#\/(open|mine|unassigned|resolved)$/.test(location.hash)) clearSearch();
  });
  $('#search-retry').addEventListener('click', () => loadPage({ append: search.nextCursor !== null && search.shown > 0 }));
}

// The Label filter offers the team's labels (labels.js keeps them current, live).
function fillLabelFilter() {
  const select = $('#search-label');
  const chosen = select.value;
  const sorted = [...labels.byId.values()].sort((a, b) => a.name.localeCompare(b.name));
  select.replaceChildren(h('option', { value: '' }, 'Any'), ...sorted.map((l) => h('option', { value: String(l.id) }, l.name)));
  select.value = labels.byId.has(Number(chosen)) ? chosen : '';
}

function currentParams() {
  const q = $('#search-input').value.trim();
  return {
    q,
    status: $('#search-status').value,
    assignedTo: $('#search-assignee').value,
    label: $('#search-label').value,
    from: $('#search-from').value,
    to: $('#search-to').value,
  };
}

function startSearch() {
  clearTimeout(search.timer);
  const params = currentParams();
  if (!params.q) {
    clearSearch({ keepText: true });
    return;
  }
  search.params = params;
  search.nextCursor = null;
  search.shown = 0;
  showResults(true);
  $('#search-list').replaceChildren();
  loadPage({ append: false });
}

export function clearSearch({ keepText = false } = {}) {
  clearTimeout(search.timer);
  search.gen++;
  search.params = null;
  search.loading = false;
  if (!keepText) $('#search-input').value = '';
  showResults(false);
}

function showResults(on) {
  search.active = on;
  document.body.classList.toggle('is-searching', on);
  $('#search-results').hidden = !on;
  $('#list-title').hidden = on;
}

function setState(name, text = '') {
  // data-state: loading | ready | empty | error (the CSS shows the matching line)
  $('#search-results').dataset.state = name;
  if (name === 'error') setText($('#search-error-text'), text);
}

async function loadPage({ append }) {
  // A new search replaces one in flight (its answer is dropped by the generation check);
  // "Load more" waits for the page it asked for.
  if (!search.params || (append && search.loading)) return;
  const gen = ++search.gen;
  search.loading = true;
  const more = $('#search-more');
  more.disabled = true;
  setText(more, 'Loading…');
  if (!append) setState('loading');
  try {
    const data = await api.search({ ...search.params, limit: PAGE_SIZE, cursor: append ? search.nextCursor : null });
    if (gen !== search.gen) return;
    const list = $('#search-list');
    for (const r of Array.isArray(data?.results) ? data.results : []) {
      const c = cacheConversation(r.conversation) || r.conversation;
      if (c) list.appendChild(resultItem(r, c));
    }
    search.shown = list.children.length;
    search.nextCursor = data?.nextCursor ?? null;
    setState(search.shown ? 'ready' : 'empty');
  } catch (e) {
    if (gen !== search.gen || e.status === 401) return;
    setState('error', `Search failed: ${e.message}`);
  } finally {
    if (gen === search.gen) {
      search.loading = false;
      more.disabled = false;
      setText(more, 'Load more results');
      more.hidden = !search.nextCursor;
    }
  }
}

// "…the \u0002refund\u0003 came…" → text, <mark>refund</mark>, text.
export function snippetNodes(snippet) {
  const nodes = [];
  let marked = false;
  let text = '';
  const flush = () => {
    if (!text) return;
    nodes.push(marked ? h('mark', { class: 'search-hit' }, text) : document.createTextNode(text));
    text = '';
  };
  for (const ch of String(snippet || '')) {
    if (ch === START || ch === STOP) {
      flush();
      marked = ch === START;
    } else {
      text += ch;
    }
  }
  flush();
  return nodes;
}

function resultItem(r, c) {
  const isMessage = r.type === 'message' && r.message;
  const when = isMessage ? r.message.createdAt : (c.updatedAt || c.createdAt);
  const who = isMessage ? senderLabel(r.message.sender) : `Conversation #${c.id}`;
  const body = isMessage
    ? h('div', { class: 'search-snippet', 'data-testid': 'search-snippet' }, snippetNodes(r.message.snippet))
    : h('div', { class: 'search-snippet' }, [c.visitor?.email, c.visitor?.userId].filter(Boolean).join(' · ') || 'Visitor match');
  const a = h('a', {
    class: 'conv-item search-item',
    href: `#/${state.view || 'open'}/${c.id}`,
    'data-testid': 'search-result',
    'data-conversation-id': c.id,
    'data-type': r.type,
  },
  h('div', { class: 'conv-row' },
    h('span', { class: 'conv-name', title: visitorName(c.visitor) }, visitorName(c.visitor)),
    relTimeEl(when, 'conv-time')),
  body,
  h('div', { class: 'conv-row conv-meta' },
    h('span', { class: 'conv-assignee' }, who),
    h('span', { class: `chip chip-${String(c.status || '').toLowerCase()}` }, statusLabel(c.status))));
  return h('li', { class: 'conv-li' }, a);
}

function senderLabel(sender) {
  if (sender === 'VISITOR') return 'Visitor wrote';
  if (sender === 'BOT') return 'Bot wrote';
  return 'Agent wrote';
}

export function searchActive() {
  return search.active;
}
