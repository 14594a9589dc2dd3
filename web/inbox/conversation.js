// The right pane: one conversation's messages, the visitor's context, the reply box and the
// actions (assign, unassign, resolve, reopen). Replies go over the WebSocket with a client id
// and stay in the outbox until the server acknowledges them.

import { api } from './api.js';
import {
  $, h, clear, setText, visitorName, formatTime, safeLink, toast,
} from './dom.js';
import {
  state, isId, cacheConversation, cacheMessage, statusLabel,
} from './state.js';
import { botStatusLabel, botTurn } from './bot.js';
import { placeInList, renderList, scheduleCountsRefresh } from './list.js';
import { askTakeOver } from './takeover.js';
import { showContext, hideContext } from './context_panel.js';
import { renderThreadCsat } from './csat.js';
import { readOf, sendRead } from './reads.js';
import { isNoteMode, submitNote, loadNotes, renderMode, timeOf } from './notes.js';
import { renderConversationLabels } from './labels.js';

const MAX_BODY = 8000;
const PAGE_MESSAGES = 500;
const ACK_TIMEOUT_MS = 20000;
const TYPING_SHOW_MS = 5000;
const TYPING_SEND_EVERY_MS = 2000;
const TRANSIENT_CODES = new Set(['unavailable', 'overloaded', 'too_many_requests', 'rate_limited', 'internal']);

let paneGen = 0;
let loaded = false;
let busy = false;
let lastMsgId = 0;          // highest message id seen in the selected conversation
let lastOtherId = 0;        // the same, of messages not written by this agent (what there is to read)
// Where the next sync (socket or REST) starts: the highest id pushed, synced or fetched — never
// one from an ack, which can overtake the push of a message committed just before it
// (docs/PROTOCOL.md, "Reconnecting").
let syncCursor = 0;
let lastTypingSent = 0;
const messages = new Map(); // id → Message of the selected conversation
const pendingEls = new Map(); // clientId → <li> of a reply not yet acknowledged
const ackTimers = new Map();  // clientId → its ack time-out, or its pending retry
const drafts = new Map();     // conversationId → unsent text
const fetching = new Map();   // conversationId → Promise<Conversation|null>

// ---------------------------------------------------------------- setup

export function initConversation() {
  const input = $('#reply-input');
  $('#reply-form').addEventListener('submit', (e) => {
    e.preventDefault();
    sendReply();
  });
  input.addEventListener('keydown', (e) => {
    if (e.key === 'Enter' && !e.shiftKey && !e.altKey && !e.isComposing && e.keyCode !== 229) {
      e.preventDefault();
      sendReply();
    }
  });
  input.addEventListener('input', () => {
    if (state.selectedId) drafts.set(state.selectedId, input.value);
    updateReplyHint();
    maybeSendTyping();
  });

  $('#assign-me').addEventListener('click', () => runAction('assign', state.me.id));
  $('#assign-select').addEventListener('change', (e) => {
    const agentId = Number(e.target.value);
    e.target.value = '';
    if (agentId) runAction('assign', agentId);
  });
  $('#unassign').addEventListener('click', () => runAction('unassign'));
  $('#resolve').addEventListener('click', () => runAction('resolve'));
  $('#reopen').addEventListener('click', () => runAction('reopen'));
  $('#visitor-toggle').addEventListener('click', () => {
    const open = $('#visitor-panel').classList.toggle('is-open');
    $('#visitor-toggle').setAttribute('aria-expanded', open ? 'true' : 'false');
  });
}

// ---------------------------------------------------------------- opening and closing

export async function openConversation(id, { force = false } = {}) {
  if (state.selectedId === id && !force) return;
  saveDraft();
  state.selectedId = id;
  const gen = ++paneGen;
  messages.clear();
  pendingEls.clear();
  lastMsgId = 0;
  lastOtherId = 0;
  syncCursor = 0;
  loaded = false;
  busy = false;
  lastTypingSent = 0;
  clear($('#messages'));

  $('#pane-empty').hidden = true;
  $('#pane-error').hidden = true;
  $('#pane-conv').hidden = false;
  document.body.classList.add('has-selection');

  const input = $('#reply-input');
  input.value = drafts.get(id) || '';
  updateReplyHint();
  renderMode(); // reply or private note, as this conversation's box was left
  for (const item of state.outbox.forConversation(id)) renderPending(item);
  renderHeader();
  renderTyping();
  renderList(); // selection highlight
  $('#messages-loading').hidden = false;
  showContext(id); // on its own: never delays the thread

  try {
    let after = 0;
    for (let page = 0; page < 40; page++) {
      const data = await api.conversation(id, after);
      if (gen !== paneGen) return;
      if (data?.conversation) {
        cacheConversation(data.conversation);
        placeInList(state.convs.get(id));
      }
      const list = Array.isArray(data?.messages) ? data.messages : [];
      if (page === 0) renderEmails(data?.emails);
      addMessages(list);
      if (list.length < PAGE_MESSAGES) break;
      after = Math.max(...list.map((m) => m.id));
    }
    await loadNotes(id); // private notes, among the messages by time
    if (gen !== paneGen) return;
    loaded = true;
    renderHeader();
    markSelectedSeen();
    scrollToBottom();
  } catch (e) {
    if (gen !== paneGen || e.status === 401) return;
    showPaneError(e.status === 404 ? 'This conversation does not exist.' : `Could not load the conversation: ${e.message}`,
      e.status !== 404 ? () => openConversation(id, { force: true }) : null);
  } finally {
    if (gen === paneGen) $('#messages-loading').hidden = true;
  }
}

export function closeConversation() {
  saveDraft();
  state.selectedId = null;
  paneGen++;
  messages.clear();
  pendingEls.clear();
  lastMsgId = 0;
  lastOtherId = 0;
  syncCursor = 0;
  loaded = false;
  clear($('#messages'));
  $('#pane-conv').hidden = true;
  $('#pane-error').hidden = true;
  $('#pane-empty').hidden = false;
  document.body.classList.remove('has-selection');
  hideContext();
  renderList();
}

export function forgetEverything() {
  closeConversation();
  drafts.clear();
  fetching.clear();
  for (const t of ackTimers.values()) clearTimeout(t);
  ackTimers.clear();
}

function showPaneError(text, retry) {
  $('#pane-conv').hidden = true;
  const box = $('#pane-error');
  clear(box);
  box.appendChild(h('p', null, text));
  if (retry) box.appendChild(h('button', { type: 'button', class: 'btn', onclick: retry }, 'Try again'));
  box.hidden = false;
}

function saveDraft() {
  if (!state.selectedId) return;
  const v = $('#reply-input').value;
  if (v) drafts.set(state.selectedId, v);
  else drafts.delete(state.selectedId);
}

// ---------------------------------------------------------------- conversation state

// Applies a Conversation from REST or a `conversation` frame everywhere it shows.
export function applyConversation(c) {
  const merged = cacheConversation(c);
  if (!merged) return null;
  placeInList(merged);
  if (merged.id === state.selectedId) renderHeader();
  scheduleCountsRefresh();
  return merged;
}

// Fetches a conversation we only know by id (e.g. a message for one not in the list).
export function ensureConversation(id, afterMessageId = 0) {
  const known = state.convs.get(id);
  if (known) return Promise.resolve(known);
  if (fetching.has(id)) return fetching.get(id);
  const p = api.conversation(id, afterMessageId)
    .then((data) => (data?.conversation ? applyConversation(data.conversation) : null))
    .catch(() => null)
    .finally(() => fetching.delete(id));
  fetching.set(id, p);
  return p;
}

// This agent read part of what is unread (in another tab): the server counts the rest.
export async function refreshRead(id) {
  const c = state.convs.get(id);
  try {
    const data = await api.conversation(id, c?.lastMessage?.id || undefined);
    if (data?.conversation) applyConversation(data.conversation);
    renderList();
  } catch {
    /* the next list load corrects it */
  }
}

async function refreshSelected(id) {
  try {
    const after = id === state.selectedId ? syncCursor : 0;
    const data = await api.conversation(id, after || undefined);
    if (data?.conversation) applyConversation(data.conversation);
    if (id === state.selectedId && Array.isArray(data?.messages)) addMessages(data.messages);
    if (id === state.selectedId) renderEmails(data?.emails);
  } catch {
    /* shown state stays; the next frame corrects it */
  }
}

async function runAction(kind, agentId) {
  const id = state.selectedId;
  if (!id || busy) return;
  busy = true;
  renderHeader();
  try {
    const res = kind === 'assign' ? await assignOrTakeOver(id, agentId) : await api[kind](id);
    if (res?.conversation) applyConversation(res.conversation);
    else await refreshSelected(id);
  } catch (e) {
    if (e.status === 401) return;
    if (e.body?.conversation) applyConversation(e.body.conversation);
    toast(e.message);
    if (e.status === 409 || e.status === 404) refreshSelected(id);
  } finally {
    busy = false;
    if (state.selectedId === id) renderHeader();
  }
}

// Assigns; when a colleague has it, asks before taking it over (for the version just seen).
async function assignOrTakeOver(id, agentId) {
  try {
    return await api.assign(id, agentId);
  } catch (e) {
    if (e.status !== 409 || e.code !== 'assigned' || !e.body?.conversation) throw e;
    const now = e.body.conversation;
    applyConversation(now);
    if (!(await askTakeOver(now.assignedTo?.name || 'A colleague'))) return null;
    return api.assign(id, agentId, { takeOver: true, version: now.version });
  }
}

// ---------------------------------------------------------------- header and visitor panel

export function renderHeader() {
  const id = state.selectedId;
  if (!id) return;
  const c = state.convs.get(id);
  const me = state.me;
  $('#pane-back').setAttribute('href', `#/${state.view}`);

  const statusEl = $('#conv-status');
  const assigneeEl = $('#assignee');
  if (!c) {
    setText($('#conv-title'), `Conversation #${id}`);
    setText(statusEl, '');
    setText(assigneeEl, '');
    for (const b of ['#assign-me', '#assign-select', '#unassign', '#resolve', '#reopen']) $(b).disabled = true;
    renderVisitor(null);
    renderThreadCsat(null);
    renderConversationLabels(null);
    return;
  }

  setText($('#conv-title'), visitorName(c.visitor));
  setText(statusEl, botStatusLabel(c) || statusLabel(c.status));
  statusEl.dataset.status = c.status || '';
  statusEl.dataset.bot = c.bot || '';
  // The bot's turn in the thread says what the visitor chose: it follows the conversation.
  for (const li of document.querySelectorAll('#messages .msg-bot')) {
    const m = li.botMessage;
    if (m) li.querySelector('.bot-turn')?.replaceWith(botTurn(m, c));
  }
  statusEl.className = `status-badge status-${String(c.status || '').toLowerCase()}`;

  const assignee = c.assignedTo;
  setText(assigneeEl, assignee ? (assignee.id === me.id ? `${assignee.name} (you)` : assignee.name) : 'Unassigned');
  if (assignee) assigneeEl.dataset.agentId = assignee.id;
  else delete assigneeEl.dataset.agentId;

  const resolved = c.status === 'RESOLVED';
  const mine = !!assignee && assignee.id === me.id;
  $('#assign-me').disabled = busy || resolved || mine;
  $('#assign-select').disabled = busy || resolved;
  $('#unassign').disabled = busy || resolved || !assignee;
  $('#resolve').hidden = resolved;
  $('#resolve').disabled = busy;
  $('#reopen').hidden = !resolved;
  $('#reopen').disabled = busy;
  $('#pane-conv').setAttribute('aria-busy', busy ? 'true' : 'false');
  renderReplyBox(resolved);
  renderThreadCsat(c);
  renderConversationLabels(c);

  renderVisitor(c);
}

// A resolved conversation takes no replies: the box is disabled until it is reopened.
function renderReplyBox(resolved) {
  const input = $('#reply-input');
  if (input.disabled === resolved) return;
  input.disabled = resolved;
  $('[data-testid="reply-send"]').disabled = resolved;
  $('#reply-form').classList.toggle('is-closed', resolved);
  $('#reply-closed').hidden = !resolved;
  input.placeholder = resolved
    ? 'This conversation is resolved. Reopen it to reply.'
    : 'Write a reply… (Enter to send, Shift+Enter for a new line)';
  $('#reply-note-toggle').disabled = resolved;
  renderMode();
}

function renderVisitor(c) {
  const v = c?.visitor || null;
  setText($('#visitor-name'), v ? (typeof v.name === 'string' && v.name.trim()) || '—' : '');
  const email = $('#visitor-email');
  setText(email, v?.email || '—');
  email.title = v?.email || '';

  const badge = $('#visitor-verified');
  const verified = v?.verified === true;
  setText(badge, verified ? '✓ Verified' : 'Unverified');
  badge.dataset.verified = verified ? 'true' : 'false';
  badge.className = `badge ${verified ? 'badge-ok' : 'badge-warn'}`;
  badge.title = verified
    ? 'Identity confirmed by the customer’s server (user hash)'
    : 'Name, email and user id were not verified: treat them as the visitor’s claim';

  setText($('#visitor-userid'), v?.userId ?? '—');

  const page = $('#visitor-page');
  clear(page);
  page.appendChild(c?.page ? safeLink(c.page) : document.createTextNode('—'));
  page.title = c?.page || '';

  const created = $('#conv-created');
  setText(created, formatTime(c?.createdAt));
  created.title = formatTime(c?.createdAt, { full: true });

  const meta = $('#visitor-metadata');
  clear(meta);
  const entries = v?.metadata && typeof v.metadata === 'object' ? Object.entries(v.metadata) : [];
  if (!entries.length) {
    meta.appendChild(h('div', { class: 'muted' }, 'None'));
  }
  for (const [key, value] of entries) {
    const shown = value !== null && typeof value === 'object' ? JSON.stringify(value) : String(value);
    meta.appendChild(h('dt', { 'data-key': key }, key));
    meta.appendChild(h('dd', { 'data-key': key }, shown));
  }
}

// What offline mode emailed about this conversation, and why a failed email failed
// (Resend's own reason), so agents know whether the visitor heard from us.
const EMAIL_KINDS = {
  support_new: 'To the team: new conversation',
  support_followup: 'To the team: follow-up',
  visitor_ack: 'To the visitor: acknowledgement',
  visitor_reply: 'To the visitor: your replies',
  visitor_csat: 'To the visitor: satisfaction survey',
};
function renderEmails(emails) {
  const list = $('#conversation-emails');
  if (!list) return;
  clear(list);
  if (!Array.isArray(emails) || !emails.length) {
    list.appendChild(h('li', { class: 'muted' }, 'None'));
    return;
  }
  for (const e of emails) {
    const item = h('li', { 'data-testid': 'conversation-email', 'data-status': String(e.status) });
    item.appendChild(h('div', {}, EMAIL_KINDS[e.kind] || String(e.kind)));
    // Skipped: the server says why (read in the chat, or an agent was back in time).
    const status = e.status === 'skipped' ? `not sent: ${e.lastError || 'no longer needed'}` : e.status;
    item.appendChild(h('div', { class: 'muted' }, `${e.to} · ${status}${e.attempts > 1 ? ` after ${e.attempts} tries` : ''}`));
    if (e.lastError && e.status !== 'sent' && e.status !== 'skipped') item.appendChild(h('div', { class: 'email-error' }, String(e.lastError)));
    list.appendChild(item);
  }
}

export function renderAgentSelect() {
  const select = $('#assign-select');
  const current = select.value;
  while (select.options.length > 1) select.remove(1);
  const others = [...state.agents.values()]
    .filter((a) => a.id !== state.me?.id)
    .sort((a, b) => String(a.name).localeCompare(String(b.name)));
  for (const a of others) {
    const opt = document.createElement('option');
    opt.value = String(a.id);
    opt.textContent = a.name;
    opt.dataset.presence = presenceOf(a);
    opt.title = presenceOf(a);
    select.appendChild(opt);
  }
  select.value = current && others.some((a) => String(a.id) === current) ? current : '';
}

export function presenceOf(agent) {
  if (!agent.connected) return 'offline';
  return agent.status === 'online' ? 'online' : 'away';
}

// ---------------------------------------------------------------- messages

// Every message that reaches this tab (ack, push or sync) goes through here.
export function receiveMessage(m, { fromAck = false } = {}) {
  if (!m || !isId(m.id) || !isId(m.conversationId)) return;
  if (m.clientId && state.outbox.get(m.clientId)?.conversationId === m.conversationId) {
    state.outbox.remove(m.clientId);
    clearTimeout(ackTimers.get(m.clientId));
    ackTimers.delete(m.clientId);
  }
  if (m.sender === 'VISITOR') clearTyping(m.conversationId);
  if (m.conversationId === state.selectedId) {
    addMessages([m], { fromAck });
    markSelectedSeen();
  }
  const c = cacheMessage(m);
  if (c) placeInList(c);
  else ensureConversation(m.conversationId, m.id);
}

export function handleMessagesFrame(f) {
  const list = Array.isArray(f.messages) ? f.messages : [];
  for (const m of list) receiveMessage({ conversationId: f.conversationId, ...m });
  if (f.more && list.length && f.conversationId === state.selectedId) {
    state.socket.send({ type: 'sync', conversationId: f.conversationId, after: syncCursor });
  }
}

function addMessages(list, { fromAck = false } = {}) {
  if (!list.length) return;
  const stick = isNearBottom();
  for (const m of list) {
    if (!m || !isId(m.id)) continue;
    if (m.conversationId !== undefined && m.conversationId !== state.selectedId) continue;
    if (!fromAck && m.id > syncCursor) syncCursor = m.id;
    const pending = m.clientId ? pendingEls.get(m.clientId) : null;
    if (messages.has(m.id)) {
      if (pending) {
        pending.remove();
        pendingEls.delete(m.clientId);
      }
      continue;
    }
    messages.set(m.id, m);
    let el;
    if (pending && m.sender === 'AGENT') {
      pendingEls.delete(m.clientId);
      el = pending;
      fillMessage(el, m, 'sent');
    } else {
      el = h('li', { 'data-testid': 'message' });
      fillMessage(el, m, null);
    }
    insertSorted(el, m.id, Date.parse(m.createdAt) || Date.now());
    if (m.id > lastMsgId) lastMsgId = m.id;
    if (m.id > lastOtherId && !(m.sender === 'AGENT' && m.agentId === state.me?.id)) lastOtherId = m.id;
  }
  renderSeen();
  if (stick) scrollToBottom();
}

// Messages in id order, then replies still waiting for their acknowledgement.
function insertSorted(el, id, at = Date.now()) {
  const ol = $('#messages');
  let before = null;
  let node = ol.lastElementChild;
  while (node) {
    if (node !== el) {
      // A private note (notes.js) has no message id: it is placed by time.
      if (node.dataset.noteId && timeOf(node) <= at) break;
      const mid = node.dataset.messageId ? Number(node.dataset.messageId) : null;
      if (mid !== null && mid < id) break;
      before = node;
    }
    node = node.previousElementSibling;
  }
  if (before !== el) ol.insertBefore(el, before);
}

function authorOf(m) {
  if (m.sender === 'VISITOR') return visitorName(state.convs.get(state.selectedId)?.visitor);
  if (m.sender === 'BOT') return 'Bot';
  return m.agentName || (m.agentId === state.me?.id ? state.me.name : 'Agent');
}

function fillMessage(li, m, status, item = null) {
  clear(li);
  const sender = ['VISITOR', 'AGENT', 'BOT'].includes(m.sender) ? m.sender : 'BOT';
  const mine = sender === 'AGENT' && m.agentId === state.me?.id;
  li.className = `msg msg-${sender.toLowerCase()}${mine ? ' msg-mine' : ''}`;
  li.dataset.sender = sender;
  if (isId(m.id)) li.dataset.messageId = String(m.id);
  if (m.clientId) li.dataset.clientId = m.clientId;
  if (status) li.dataset.status = status;
  else delete li.dataset.status;

  const time = h('time', { class: 'msg-time', dateTime: m.createdAt || '', title: formatTime(m.createdAt, { full: true }) },
    formatTime(m.createdAt));
  li.appendChild(h('div', { class: 'msg-meta' },
    h('span', { class: 'msg-author', 'data-testid': 'message-author', title: authorOf(m) }, authorOf(m)), time));
  li.appendChild(h('div', { class: 'msg-body', 'data-testid': 'message-body' }, m.body ?? ''));
  const turn = sender === 'BOT' ? botTurn(m, state.convs.get(m.conversationId)) : null;
  if (turn) {
    li.botMessage = m;
    li.appendChild(turn);
  }

  if (status) li.appendChild(statusLine(status, item));
}

function statusLine(status, item) {
  const line = h('div', { class: `msg-status msg-status-${status}`, 'data-testid': 'message-status' });
  if (status === 'sent') {
    line.appendChild(document.createTextNode('Sent ✓'));
  } else if (status === 'sending') {
    line.appendChild(document.createTextNode(item?.error || 'Sending…'));
  } else {
    line.appendChild(document.createTextNode(`Not sent${item?.error ? `: ${item.error}` : ''} `));
    const clientId = item?.clientId;
    line.appendChild(h('button', {
      type: 'button', class: 'btn-link', 'data-testid': 'message-retry',
      onclick: () => { const it = state.outbox.get(clientId); if (it) transmit(it); },
    }, 'Retry'));
    line.appendChild(document.createTextNode(' · '));
    line.appendChild(h('button', {
      type: 'button', class: 'btn-link', 'data-testid': 'message-discard',
      onclick: () => discard(clientId),
    }, 'Discard'));
  }
  return line;
}

function renderPending(item) {
  const m = {
    sender: 'AGENT', agentId: state.me.id, agentName: state.me.name,
    body: item.body, createdAt: item.createdAt, clientId: item.clientId,
  };
  let el = pendingEls.get(item.clientId);
  const fresh = !el;
  if (fresh) {
    el = h('li', { 'data-testid': 'message' });
    pendingEls.set(item.clientId, el);
  }
  fillMessage(el, m, item.state === 'failed' ? 'failed' : 'sending', item);
  if (fresh) $('#messages').appendChild(el);
}

function updatePending(clientId) {
  const item = state.outbox.get(clientId);
  if (item && pendingEls.has(clientId)) renderPending(item);
}

function discard(clientId) {
  state.outbox.remove(clientId);
  clearTimeout(ackTimers.get(clientId));
  ackTimers.delete(clientId);
  const el = pendingEls.get(clientId);
  if (el) el.remove();
  pendingEls.delete(clientId);
}

// ---------------------------------------------------------------- sending

function sendReply() {
  const id = state.selectedId;
  if (!id) return;
  if (isNoteMode()) return submitNote(); // a private note goes over REST, never as a message
  const input = $('#reply-input');
  if (input.disabled) return; // resolved
  const body = input.value.trim();
  if (!body) return;
  if ([...body].length > MAX_BODY) {
    updateReplyHint();
    return;
  }
  const item = state.outbox.add(id, body);
  input.value = '';
  drafts.delete(id);
  updateReplyHint();
  renderPending(item);
  scrollToBottom();
  transmit(item);
}

// (Re-)sends one outbox item with its original client id.
function transmit(item) {
  const frame = { type: 'send', conversationId: item.conversationId, clientId: item.clientId, body: item.body };
  const sent = !!state.socket && state.socket.send(frame);
  state.outbox.update(item.clientId, {
    state: 'sending', permanent: false, error: sent ? '' : 'Waiting for connection…',
  });
  updatePending(item.clientId);
  clearTimeout(ackTimers.get(item.clientId));
  ackTimers.delete(item.clientId);
  if (sent) {
    ackTimers.set(item.clientId, setTimeout(() => {
      ackTimers.delete(item.clientId);
      const it = state.outbox.get(item.clientId);
      if (it && it.state === 'sending') {
        // Still kept: re-sent after a reconnect, or by "Retry" (same client id, stored once).
        state.outbox.update(item.clientId, { state: 'failed', error: 'no confirmation from the server yet' });
        updatePending(item.clientId);
      }
    }, ACK_TIMEOUT_MS));
  }
}

// An `error` frame naming a client id: that reply failed. False when it is not ours. A
// transient failure (the server busy or its database away) is retried by itself, with the same
// client id, after a growing, jittered pause — as the widget does; any other shows "Not sent".
export function handleSendError(f) {
  const item = state.outbox.get(f.clientId);
  if (!item) return false;
  clearTimeout(ackTimers.get(f.clientId));
  ackTimers.delete(f.clientId);
  if (TRANSIENT_CODES.has(f.code)) {
    const tries = (item.tries || 0) + 1;
    state.outbox.update(f.clientId, { state: 'sending', permanent: false, tries, error: 'Server busy — retrying…' });
    updatePending(f.clientId);
    const pause = 500 + Math.random() * Math.min(30000, 1000 * 2 ** Math.min(tries, 5));
    ackTimers.set(f.clientId, setTimeout(() => {
      ackTimers.delete(f.clientId);
      const it = state.outbox.get(f.clientId);
      if (it) transmit(it);
    }, pause));
    return true;
  }
  state.outbox.update(f.clientId, { state: 'failed', permanent: true, error: f.message || f.code || 'error' });
  updatePending(f.clientId);
  if (item.conversationId !== state.selectedId) toast(`A reply could not be sent: ${f.message || f.code}`);
  return true;
}

// After every `ready`: catch up on the open conversation, re-send what was not acknowledged.
export function onSocketReady() {
  if (state.selectedId) {
    state.socket.send({ type: 'sync', conversationId: state.selectedId, after: syncCursor });
    loadNotes(state.selectedId); // notes added while disconnected
  }
  for (const item of state.outbox.resendable()) transmit(item);
  markSelectedSeen(); // a read that could not be sent while disconnected
}

function updateReplyHint() {
  const hint = $('#reply-hint');
  const len = [...$('#reply-input').value.trim()].length;
  const over = len > MAX_BODY;
  hint.classList.toggle('is-error', over);
  setText(hint, len > MAX_BODY - 500 ? `${len} / ${MAX_BODY}${over ? ' — too long to send' : ''}` : '');
}

function maybeSendTyping() {
  const id = state.selectedId;
  if (!id || isNoteMode() || !$('#reply-input').value.trim()) return; // a note shows the visitor nothing
  const now = Date.now();
  if (now - lastTypingSent < TYPING_SEND_EVERY_MS) return;
  if (state.socket && state.socket.send({ type: 'typing', conversationId: id })) lastTypingSent = now;
}

// ---------------------------------------------------------------- typing and seen

export function showTyping(conversationId, label) {
  const prev = state.typing.get(conversationId);
  if (prev) clearTimeout(prev.timer);
  const timer = setTimeout(() => clearTyping(conversationId), TYPING_SHOW_MS);
  state.typing.set(conversationId, { label, timer });
  renderTyping();
  if (!prev && state.list.includes(conversationId)) renderList();
}

export function clearTyping(conversationId) {
  const prev = state.typing.get(conversationId);
  if (!prev) return;
  clearTimeout(prev.timer);
  state.typing.delete(conversationId);
  renderTyping();
  if (state.list.includes(conversationId)) renderList();
}

function renderTyping() {
  const el = $('#typing');
  const t = state.selectedId ? state.typing.get(state.selectedId) : null;
  setText(el, t ? t.label : '');
  el.hidden = !t;
}

// The agent reads what the selected conversation shows, only while this tab is visible: the
// server moves their read position (every tab's unread marker clears) and tells the others.
export function markSelectedSeen() {
  const id = state.selectedId;
  if (!id || !loaded || document.visibilityState !== 'visible') return;
  // Up to the newest message someone else wrote: the agent's own replies need no read (and
  // cost no event), the unread count is of visitor messages only.
  if (sendRead(state.convs.get(id), lastOtherId)) renderList();
}

// *Seen* under the last agent message the visitor has read (their read position).
export function renderSeen() {
  const c = state.selectedId ? state.convs.get(state.selectedId) : null;
  const upTo = readOf(c).visitor;
  let target = 0;
  for (const [id, m] of messages) if (m.sender === 'AGENT' && id <= upTo && id > target) target = id;
  const shown = $('#messages').querySelector('[data-testid="seen"]');
  const li = target ? $('#messages').querySelector(`li[data-message-id="${target}"]`) : null;
  if (shown && shown.parentElement === li) return;
  if (shown) shown.remove();
  if (li) li.appendChild(h('div', { class: 'msg-status msg-seen', 'data-testid': 'seen' }, 'Seen'));
}

function isNearBottom() {
  const s = $('#messages-scroll');
  return s.scrollHeight - s.scrollTop - s.clientHeight < 80;
}

function scrollToBottom() {
  const s = $('#messages-scroll');
  s.scrollTop = s.scrollHeight;
}
