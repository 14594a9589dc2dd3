// The sidebar counts and the middle column: a live, cursor-paginated list of conversations.

import { api } from './api.js';
import { $, h, setText, visitorName, relTimeEl, updateRelTimeEl, oneLine, truncate } from './dom.js';
import { state, VIEWS, cacheConversation, compareConversations, statusLabel } from './state.js';
import { csatBadge } from './csat.js';
import { unreadCount } from './reads.js';
import { botStatusLabel } from './bot.js';
import { labelQuery, matchesLabelFilter, renderRowLabels } from './labels.js';

const PAGE_SIZE = 25;
const MAX_PAGE = 100; // the largest page GET /api/inbox gives
const MAX_KEPT = 500; // a reconnect reloads at most this many
let countsTimer = null;
let observer = null;

export function initList() {
  $('#load-more').addEventListener('click', () => loadList({ append: true }));
  if ('IntersectionObserver' in window) {
    observer = new IntersectionObserver((entries) => {
      if (entries.some((e) => e.isIntersecting)) loadList({ append: true });
    }, { root: $('#list-scroll'), rootMargin: '120px' });
    observer.observe($('#load-more'));
  }
}

export function resetList() {
  state.listGen++;
  state.list = [];
  state.nextCursor = null;
  state.listLoaded = false;
  state.listLoading = false;
  renderList();
  for (const el of document.querySelectorAll('[data-count]')) setText(el, '');
  clearTimeout(countsTimer);
  countsTimer = null;
}

// Loads the first page of the current view (replacing the list), or the next page. With
// `keepShown` (a reconnect) it reloads as many conversations as were shown, page by page, before
// replacing the list: an agent who had scrolled down keeps its place.
export async function loadList({ append = false, keepShown = false } = {}) {
  if (append && (state.listLoading || !state.nextCursor || !state.listLoaded)) return;
  if (!append) state.listGen++;
  const gen = state.listGen;
  const shown = keepShown ? Math.min(state.list.length, MAX_KEPT) : 0;
  // A reload of what was shown asks for it in pages as large as the API gives: fewer round trips.
  const params = { ...VIEWS[state.view].query, ...labelQuery(), limit: Math.min(Math.max(shown, PAGE_SIZE), MAX_PAGE) };
  if (append) params.cursor = state.nextCursor;
  state.listLoading = true;
  updateFooter();
  try {
    let data = await api.inbox(params);
    if (gen !== state.listGen) return;
    const ids = new Set(cachePage(data));
    while (ids.size < shown && data?.nextCursor) {
      data = await api.inbox({ ...params, cursor: data.nextCursor });
      if (gen !== state.listGen) return;
      for (const id of cachePage(data)) ids.add(id);
    }
    if (append) {
      const have = new Set(state.list);
      for (const id of ids) if (!have.has(id)) state.list.push(id);
    } else {
      state.list = [...ids];
    }
    state.nextCursor = data?.nextCursor ?? null;
    state.listLoaded = true;
    $('#list-error').hidden = true;
    if (data?.counts) renderCounts(data.counts);
    renderList();
  } catch (e) {
    if (gen !== state.listGen || e.status === 401) return;
    const err = $('#list-error');
    setText(err, `Could not load conversations: ${e.message}`);
    err.hidden = false;
  } finally {
    if (gen === state.listGen) {
      state.listLoading = false;
      updateFooter();
      // Observe afresh: a button still in view after this page (a tall screen, or scrolled there
      // while loading) gets a new entry and loads the next page; otherwise none would come.
      if (observer) {
        observer.unobserve($('#load-more'));
        observer.observe($('#load-more'));
      }
    }
  }
}

// The ids of a page of conversations, each merged into the cache.
function cachePage(data) {
  const ids = [];
  for (const c of Array.isArray(data?.conversations) ? data.conversations : []) {
    const merged = cacheConversation(c);
    if (merged) ids.push(merged.id);
  }
  return ids;
}

function updateFooter() {
  const btn = $('#load-more');
  btn.hidden = !state.nextCursor;
  btn.disabled = state.listLoading;
  setText(btn, state.listLoading ? 'Loading…' : 'Load more');
  $('#list-empty').hidden = !(state.listLoaded && state.list.length === 0);
}

export function renderCounts(counts) {
  for (const el of document.querySelectorAll('[data-count]')) {
    const n = counts[el.dataset.count];
    setText(el, typeof n === 'number' ? String(n) : '');
  }
}

// Counts are not pushed by the server: re-read them (one-item page) at most 800 ms after the
// first change not yet counted. Not a debounce: in a busy inbox conversations keep changing,
// and counts that wait for a quiet moment would stand still.
export function scheduleCountsRefresh() {
  if (countsTimer) return;
  countsTimer = setTimeout(async () => {
    countsTimer = null;
    try {
      const data = await api.inbox({ ...VIEWS[state.view].query, ...labelQuery(), limit: 1 });
      if (data?.counts) renderCounts(data.counts);
    } catch {
      /* the next change tries again */
    }
  }, 800);
}

// A conversation changed (or appeared): add, move or remove it in the current view.
export function placeInList(c) {
  if (!c) return;
  const inList = state.list.includes(c.id);
  const matches = VIEWS[state.view].match(c) && matchesLabelFilter(c);
  if (matches && !inList) {
    if (!state.listLoaded) return;
    if (state.nextCursor && state.list.length) {
      const last = state.convs.get(state.list[state.list.length - 1]);
      // Older than everything loaded so far: it arrives with "Load more".
      if (last && compareConversations(c, last) > 0) return;
    }
    state.list.push(c.id);
  } else if (!matches && inList) {
    state.list = state.list.filter((id) => id !== c.id);
  }
  renderList();
}

export function renderList() {
  state.list = state.list.filter((id) => state.convs.has(id));
  state.list.sort((a, b) => compareConversations(state.convs.get(a), state.convs.get(b)));
  const ul = $('#conv-list');
  const existing = new Map();
  for (const li of ul.children) existing.set(li.dataset.key, li);
  let prev = null;
  let unread = 0;
  for (const id of state.list) {
    const c = state.convs.get(id);
    const key = String(id);
    let li = existing.get(key);
    if (li) existing.delete(key);
    else li = buildItem(id);
    if (updateItem(li, c)) unread++;
    const want = prev ? prev.nextSibling : ul.firstChild;
    if (want !== li) ul.insertBefore(li, want);
    prev = li;
  }
  for (const li of existing.values()) li.remove();
  updateFooter();
  document.title = unread ? `(${unread}) Inbox · Parley` : 'Inbox · Parley';
}

function buildItem(id) {
  const dot = h('span', { class: 'unread-dot', 'data-testid': 'unread-dot', hidden: true });
  const name = h('span', { class: 'conv-name', 'data-testid': 'conversation-name' });
  const time = relTimeEl('', 'conv-time');
  const preview = h('div', { class: 'conv-preview', 'data-testid': 'conversation-preview' });
  const assignee = h('span', { class: 'conv-assignee', 'data-testid': 'conversation-assignee' });
  const status = h('span', { class: 'chip' });
  const csat = h('span', { class: 'chip chip-csat', 'data-testid': 'csat-badge', hidden: true });
  const labels = h('div', { class: 'conv-labels-row', 'data-testid': 'conversation-labels-row', hidden: true });
  const a = h('a', {
    class: 'conv-item',
    'data-testid': 'conversation-item',
    'data-conversation-id': id,
  },
  h('div', { class: 'conv-row' }, dot, name, time),
  preview,
  labels,
  h('div', { class: 'conv-row conv-meta' }, assignee, csat, status));
  const li = h('li', { class: 'conv-li', 'data-key': id }, a);
  li.refs = { a, dot, name, time, preview, assignee, status, csat, labels };
  return li;
}

// Returns true when the item is unread.
function updateItem(li, c) {
  const r = li.refs;
  const href = `#/${state.view}/${c.id}`;
  if (r.a.getAttribute('href') !== href) r.a.setAttribute('href', href);
  const selected = c.id === state.selectedId;
  if (selected) r.a.setAttribute('aria-current', 'true');
  else r.a.removeAttribute('aria-current');

  // From the server: visitor messages after this agent's read position (counted up to 100).
  const count = unreadCount(c);
  const unread = count > 0;
  r.dot.hidden = !unread;
  if (r.dot.dataset.count !== String(count)) {
    r.dot.dataset.count = String(count);
    r.dot.replaceChildren(count > 99 ? '99+' : String(count), h('span', { class: 'visually-hidden' }, ' unread'));
  }
  r.a.dataset.unread = unread ? 'true' : 'false';
  r.a.classList.toggle('is-unread', unread);
  r.a.dataset.status = c.status || '';

  setText(r.name, visitorName(c.visitor));
  r.name.title = r.name.textContent;
  updateRelTimeEl(r.time, c.lastMessage?.createdAt || c.updatedAt || c.createdAt);

  const typing = state.typing.get(c.id);
  r.preview.classList.toggle('is-typing', !!typing);
  setText(r.preview, typing ? 'typing…' : previewText(c));

  setText(r.assignee, c.assignedTo ? (c.assignedTo.id === state.me?.id ? 'You' : c.assignedTo.name) : 'Unassigned');
  r.assignee.classList.toggle('is-none', !c.assignedTo);
  setText(r.status, botStatusLabel(c) || statusLabel(c.status));
  r.status.dataset.bot = c.bot || '';
  r.status.className = `chip chip-${String(c.status || '').toLowerCase()}`;
  csatBadge(r.csat, c);
  renderRowLabels(r.labels, c);
  return unread;
}

function previewText(c) {
  const m = c.lastMessage;
  if (!m) return 'No messages yet';
  let prefix = '';
  if (m.sender === 'BOT') prefix = 'Bot: ';
  else if (m.sender === 'AGENT') prefix = m.agentId === state.me?.id ? 'You: ' : `${m.agentName || 'Agent'}: `;
  return truncate(prefix + oneLine(m.body), 140);
}
