// Private notes in the agent thread (docs/INBOX.md, "Notes and mentions"): the reply box's
// "Note" toggle, the @mention picker, and the yellow note cards placed among the messages in
// time order. Notes travel over REST (POST /api/inbox/:id/notes) and come back to every agent
// socket as a `note` frame; the visitor never receives one (docs/PROTOCOL.md).

import { request } from './api.js';
import { $, h, clear, formatTime, toast } from './dom.js';
import { state, isId } from './state.js';
import { newClientId } from './outbox.js';

const MAX_MENTIONS = 10;         // the server's limit too
const PICKER_SIZE = 8;           // colleagues offered at once
const notesOf = (id) => `/api/inbox/${encodeURIComponent(id)}/notes`;

const noteModes = new Map();     // conversationId → true while its reply box writes a note
let sending = false;
// The last note that got no answer: sent again unchanged, it keeps its client id, so a note
// stored before the answer was lost is not stored twice.
let unanswered = null;           // { conversationId, body, clientId }
let picker = null;               // { start, items: [Agent], active } while the @ picker is open

// ---------------------------------------------------------------- the reply box's mode

export function isNoteMode() {
  return !!state.selectedId && noteModes.get(state.selectedId) === true;
}

function setNoteMode(on) {
  if (!state.selectedId) return;
  if (on) noteModes.set(state.selectedId, true);
  else noteModes.delete(state.selectedId);
  renderMode();
  closePicker();
}

// The reply box says which mode it is in: a note is yellow and says who sees it.
export function renderMode() {
  const on = isNoteMode();
  const toggle = $('#reply-note-toggle');
  toggle.setAttribute('aria-pressed', on ? 'true' : 'false');
  $('#reply-form').classList.toggle('is-note', on);
  $('#reply-note-label').hidden = !on;
  const input = $('#reply-input');
  setSendLabel(on ? 'Add note' : 'Send');
  if (input.disabled) return; // resolved: conversation.js says why
  input.placeholder = on
    ? 'Private note: only your team sees it. Type @ to mention a colleague.'
    : 'Write a reply… (Enter to send, Shift+Enter for a new line)';
}

function setSendLabel(text) {
  const send = $('[data-testid="reply-send"]');
  if (send.textContent !== text) send.textContent = text;
}

export function initNotes() {
  $('#reply-note-toggle').addEventListener('click', () => {
    setNoteMode(!isNoteMode());
    $('#reply-input').focus();
  });
  const input = $('#reply-input');
  input.setAttribute('aria-autocomplete', 'list');
  input.addEventListener('input', updatePicker);
  input.addEventListener('click', updatePicker);
  input.addEventListener('blur', () => setTimeout(closePicker, 150));
  // Capture on the form: the picker's keys are handled before the reply box sends on Enter.
  $('#reply-form').addEventListener('keydown', onPickerKey, true);
}

// ---------------------------------------------------------------- the @ picker

// The "@name" being typed just before the caret, if any.
function mentionQuery(input) {
  const upto = input.value.slice(0, input.selectionStart);
  const m = /(^|\s)@([^\s@]{0,40})$/u.exec(upto);
  return m ? { start: upto.length - m[2].length - 1, text: m[2].toLowerCase() } : null;
}

function colleagues() {
  return [...state.agents.values()]
    .filter((a) => isId(a.id) && a.id !== state.me?.id && typeof a.name === 'string')
    .sort((a, b) => a.name.localeCompare(b.name));
}

function updatePicker() {
  const input = $('#reply-input');
  const q = isNoteMode() ? mentionQuery(input) : null;
  if (!q) return closePicker();
  const items = colleagues()
    .filter((a) => a.name.toLowerCase().split(/\s+/).some((w) => w.startsWith(q.text)) || a.name.toLowerCase().startsWith(q.text))
    .slice(0, PICKER_SIZE);
  if (!items.length) return closePicker();
  const active = picker && picker.start === q.start ? Math.min(picker.active, items.length - 1) : 0;
  picker = { start: q.start, items, active };
  renderPicker();
}

function renderPicker() {
  const list = $('#mention-picker');
  const input = $('#reply-input');
  clear(list);
  if (!picker) {
    list.hidden = true;
    input.removeAttribute('aria-activedescendant');
    input.setAttribute('aria-expanded', 'false');
    return;
  }
  picker.items.forEach((a, i) => {
    const li = h('li', {
      id: `mention-option-${a.id}`, role: 'option', class: 'mention-option', 'data-testid': 'mention-option',
      'data-agent-id': a.id, 'aria-selected': i === picker.active ? 'true' : 'false',
      // mousedown, not click: the reply box keeps its focus and caret.
      onmousedown: (e) => { e.preventDefault(); pick(i); },
    }, h('span', { class: 'mention-name' }, a.name), a.email ? h('span', { class: 'mention-email muted' }, a.email) : null);
    list.appendChild(li);
  });
  list.hidden = false;
  input.setAttribute('aria-expanded', 'true');
  input.setAttribute('aria-activedescendant', `mention-option-${picker.items[picker.active].id}`);
}

function closePicker() {
  if (!picker && $('#mention-picker').hidden) return;
  picker = null;
  renderPicker();
}

function onPickerKey(e) {
  if (!picker || e.target !== $('#reply-input') || e.isComposing) return;
  const n = picker.items.length;
  if (e.key === 'ArrowDown' || e.key === 'ArrowUp') {
    picker.active = (picker.active + (e.key === 'ArrowDown' ? 1 : n - 1)) % n;
    renderPicker();
  } else if (e.key === 'Enter' || e.key === 'Tab') {
    pick(picker.active);
  } else if (e.key === 'Escape') {
    closePicker();
  } else {
    return;
  }
  e.preventDefault();
  e.stopPropagation();
}

// Replaces the typed "@na" with "@Name " and closes the picker.
function pick(i) {
  const input = $('#reply-input');
  const agent = picker?.items[i];
  if (!agent) return;
  const before = input.value.slice(0, picker.start);
  const after = input.value.slice(input.selectionStart);
  const text = `@${agent.name} `;
  input.value = before + text + after;
  const caret = before.length + text.length;
  input.setSelectionRange(caret, caret);
  closePicker();
  input.dispatchEvent(new Event('input', { bubbles: true })); // the draft and the length hint
}

const escapeRe = (s) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
const mentionRe = (name) => new RegExp(`(^|[^\\p{L}\\p{N}_])@${escapeRe(name)}(?![\\p{L}\\p{N}_])`, 'u');

// The colleagues a body mentions, by id: every "@Full Name" of an agent (longest names first,
// so "@Bo Lind" is not also "@Bo").
export function mentionedIn(body) {
  const found = [];
  let rest = body;
  for (const a of colleagues().sort((x, y) => y.name.length - x.name.length)) {
    const re = mentionRe(a.name);
    if (re.test(rest)) {
      found.push(a.id);
      rest = rest.replace(new RegExp(re.source, 'gu'), '$1');
    }
  }
  return found;
}

// ---------------------------------------------------------------- sending

// Called by the reply box instead of sending a reply while it is in note mode.
export async function submitNote() {
  const id = state.selectedId;
  const input = $('#reply-input');
  const body = input.value.trim();
  if (!id || !body || sending || input.disabled) return;
  const mentions = mentionedIn(body);
  if (mentions.length > MAX_MENTIONS) {
    toast(`A note can mention at most ${MAX_MENTIONS} colleagues.`);
    return;
  }
  sending = true;
  setSendLabel('Adding…');
  const again = unanswered && unanswered.conversationId === id && unanswered.body === body;
  const clientId = again ? unanswered.clientId : newClientId();
  unanswered = { conversationId: id, body, clientId };
  try {
    const res = await request('POST', notesOf(id), { body, mentions, clientId });
    unanswered = null;
    if (state.selectedId === id && input.value.trim() === body) {
      input.value = '';
      input.dispatchEvent(new Event('input', { bubbles: true }));
    }
    if (res?.note) receiveNote(res.note);
  } catch (e) {
    if (e.status !== 401) toast(`The note was not added: ${e.message}`); // the text stays in the box
  } finally {
    sending = false;
    if (state.selectedId === id) renderMode();
  }
}

// ---------------------------------------------------------------- the thread

// Loads the open conversation's notes into the thread (again after a reconnect: by id, once).
export async function loadNotes(conversationId) {
  const old = $('#messages').querySelector('[data-testid="notes-error"]');
  if (old) old.remove();
  try {
    const data = await request('GET', notesOf(conversationId));
    if (state.selectedId !== conversationId) return;
    for (const note of Array.isArray(data?.notes) ? data.notes : []) receiveNote(note);
  } catch (e) {
    if (state.selectedId !== conversationId || e.status === 401) return;
    $('#messages').appendChild(h('li', { class: 'note-error', role: 'alert', 'data-testid': 'notes-error' },
      `Notes could not be loaded: ${e.message} `,
      h('button', { type: 'button', class: 'btn-link', onclick: () => loadNotes(conversationId) }, 'Try again')));
  }
}

// A note from REST or a `note` frame: shown when its conversation is open.
export function receiveNote(note) {
  if (!note || !isId(note.id) || note.conversationId !== state.selectedId) return;
  const list = $('#messages');
  if (list.querySelector(`li[data-note-id="${note.id}"]`)) return;
  const scroll = $('#messages-scroll');
  const stick = scroll.scrollHeight - scroll.scrollTop - scroll.clientHeight < 80;
  insertByTime(list, noteCard(note), Date.parse(note.createdAt) || Date.now());
  if (stick) scroll.scrollTop = scroll.scrollHeight;
}

// Messages and notes in time order; replies still waiting for their ack stay last.
function insertByTime(list, el, at) {
  let before = null;
  for (let node = list.lastElementChild; node; node = node.previousElementSibling) {
    const t = timeOf(node);
    if (t !== null && t <= at) break;
    before = node;
  }
  list.insertBefore(el, before);
}

export function timeOf(node) {
  if (node.dataset.noteAt) return Number(node.dataset.noteAt);
  if (!node.dataset.messageId) return null;
  const t = Date.parse(node.querySelector('time')?.dateTime || '');
  return Number.isNaN(t) ? null : t;
}

function noteCard(note) {
  const author = note.agentName || (note.agentId === state.me?.id ? state.me.name : 'A colleague');
  const mine = note.agentId === state.me?.id;
  const li = h('li', {
    class: `note${mine ? ' note-mine' : ''}`, 'data-testid': 'note', 'data-note-id': note.id,
    'data-note-at': Date.parse(note.createdAt) || Date.now(),
  });
  li.appendChild(h('div', { class: 'note-meta' },
    h('span', { class: 'note-label' }, 'Private note'),
    h('span', { class: 'note-author', 'data-testid': 'note-author', title: author }, author),
    h('time', { class: 'msg-time', dateTime: note.createdAt || '', title: formatTime(note.createdAt, { full: true }) },
      formatTime(note.createdAt))));
  li.appendChild(h('div', { class: 'note-body', 'data-testid': 'note-body' }, withMentions(String(note.body ?? ''), note.mentions)));
  return li;
}

// The body as text nodes, each "@Name" of a mentioned colleague highlighted.
export function withMentions(body, mentions) {
  const names = (Array.isArray(mentions) ? mentions : [])
    .map((m) => (typeof m?.name === 'string' ? m.name : ''))
    .filter(Boolean)
    .sort((a, b) => b.length - a.length);
  if (!names.length) return [body];
  const re = new RegExp(`@(?:${names.map(escapeRe).join('|')})(?![\\p{L}\\p{N}_])`, 'gu');
  const out = [];
  let last = 0;
  for (const m of body.matchAll(re)) {
    if (m.index > last) out.push(body.slice(last, m.index));
    out.push(h('span', { class: 'mention', 'data-testid': 'mention' }, m[0]));
    last = m.index + m[0].length;
  }
  if (last < body.length) out.push(body.slice(last));
  return out;
}
