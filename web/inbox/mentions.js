// @mentions: the Mentions section (#/mentions) lists the notes that mention this agent, newest
// first, each linking to its conversation; a `note` frame that mentions this agent alerts them
// at once — a card in the page, and the desktop notification and chime of alerts.js.

import { request } from './api.js';
import { $, h, clear, formatTime, visitorName } from './dom.js';
import { sectionHeader, sectionState } from './section_parts.js';
import { state, isId } from './state.js';
import { alertOnce } from './alerts.js';
import { withMentions } from './notes.js';

const PAGE = 50;
let asked = 0;
let unseen = 0;      // mentions that came while the section was not shown

const oneLine = (s) => String(s ?? '').replace(/\s+/g, ' ').trim();
const truncate = (s, n) => ([...s].length > n ? `${[...s].slice(0, n - 1).join('')}…` : s);
const conversationLink = (id) => `#/open/${id}`;

// ---------------------------------------------------------------- the section

export async function showMentions(root) {
  const n = ++asked;
  setUnseen(0);
  clear(root);
  const list = h('ul', { class: 'mention-list', 'data-testid': 'mentions-list' });
  const body = h('div', { class: 'section-body' }, sectionState('Loading…'));
  root.append(sectionHeader('Mentions'), body);
  await loadPage(root, body, list, 0, n);
}

async function loadPage(root, body, list, before, n) {
  let data;
  try {
    data = await request('GET', `/api/mentions?limit=${PAGE}${before ? `&before=${before}` : ''}`);
  } catch (e) {
    if (n !== asked || e.status === 401) return;
    if (before) body.querySelector('.load-more-wrap')?.remove();
    else clear(body);
    body.append(sectionState(`Could not load your mentions: ${e.message}`, { error: true, retry: () => showMentions(root) }));
    return;
  }
  if (n !== asked) return;
  const items = Array.isArray(data?.mentions) ? data.mentions : [];
  if (!before) {
    clear(body);
    if (!items.length) {
      body.append(h('div', { class: 'section-state', 'data-testid': 'mentions-empty' },
        h('p', null, 'No one has mentioned you yet.'),
        h('p', { class: 'muted' }, 'When a colleague writes @your name in a private note, it shows here.')));
      return;
    }
    body.append(list);
  }
  body.querySelector('.load-more-wrap')?.remove();
  for (const item of items) list.append(mentionItem(item));
  if (data?.more && items.length) {
    const oldest = items[items.length - 1].note.id;
    body.append(h('div', { class: 'load-more-wrap' }, h('button', {
      type: 'button', class: 'btn btn-ghost btn-block', 'data-testid': 'mentions-more',
      onclick: (e) => { e.target.disabled = true; loadPage(root, body, list, oldest, n); },
    }, 'Load more')));
  }
}

function mentionItem({ note, conversation }) {
  const who = note?.agentName || 'A colleague';
  const where = conversation?.visitor ? visitorName(conversation.visitor) : `Conversation #${note.conversationId}`;
  return h('li', null, h('a', {
    class: 'mention-item', href: conversationLink(note.conversationId), 'data-testid': 'mention-item',
    'data-note-id': note.id, 'data-conversation-id': note.conversationId,
  },
  h('span', { class: 'mention-head' },
    h('span', { class: 'mention-who' }, `${who} mentioned you`),
    h('span', { class: 'muted' }, ` in ${where}`),
    h('time', { class: 'msg-time', dateTime: note.createdAt || '', title: formatTime(note.createdAt, { full: true }) },
      formatTime(note.createdAt, { relative: true }))),
  h('span', { class: 'mention-body' }, withMentions(String(note.body ?? ''), note.mentions))));
}

// ---------------------------------------------------------------- live

// Every `note` frame passes here: one that mentions this agent (written by someone else)
// alerts them in every open inbox tab, and once on the desktop.
export function noteForMe(note) {
  const me = state.me?.id;
  if (!note || !isId(note.id) || !me || note.agentId === me) return;
  if (!Array.isArray(note.mentions) || !note.mentions.some((m) => m?.id === me)) return;
  const who = note.agentName || 'A colleague';
  const text = truncate(oneLine(note.body), 140);
  const shown = location.hash === '#/mentions';
  if (shown) showMentions($('#section-view'));
  else setUnseen(unseen + 1);
  showCard(note, who, text);
  alertOnce(`note:${note.id}`, {
    event: 'mentions', // the agent's notification preference (Profile)
    title: `${who} mentioned you`,
    body: text,
    tag: `parley-note-${note.id}`,
    onClick: () => { location.hash = conversationLink(note.conversationId); },
  });
}

function setUnseen(n) {
  unseen = n;
  // Not a [data-count]: list.js rewrites those from the inbox counts.
  const badge = document.querySelector('[data-mentions-count]');
  if (badge) badge.textContent = n ? String(n > 99 ? '99+' : n) : '';
}

// The in-page card: stays until opened or dismissed (a newer mention replaces it).
function showCard(note, who, text) {
  const root = $('#mention-alert');
  clear(root);
  root.append(
    h('p', { class: 'mention-alert-title' }, `${who} mentioned you`),
    h('p', { class: 'mention-alert-body' }, text),
    h('div', { class: 'mention-alert-actions' },
      h('a', { class: 'btn btn-primary btn-sm', href: conversationLink(note.conversationId), 'data-testid': 'mention-alert-open',
        onclick: () => { root.hidden = true; } }, 'Open conversation'),
      h('button', { type: 'button', class: 'btn btn-sm', 'data-testid': 'mention-alert-dismiss',
        onclick: () => { root.hidden = true; } }, 'Dismiss')));
  root.hidden = false;
}
