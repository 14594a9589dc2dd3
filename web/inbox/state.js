// The inbox's shared state. One object, mutated by the view modules, never by the network
// layer directly.

import { parseTime } from './dom.js';
import { mergeRead, countIncoming } from './reads.js';

export const state = {
  me: null,                 // Agent
  agents: new Map(),        // id → Agent (presence from `agents` frames)
  view: 'open',
  selectedId: null,
  convs: new Map(),         // id → Conversation: everything this tab has seen
  list: [],                 // ids shown in the middle column, newest update first
  nextCursor: null,
  listGen: 0,
  listLoading: false,
  listLoaded: false,
  outbox: null,             // Outbox
  socket: null,             // AgentSocket
  typing: new Map(),        // conversationId → {label, timer}
};

export const VIEWS = {
  open: {
    title: 'Open',
    query: { status: 'OPEN,ASSIGNED' },
    match: (c) => c.status !== 'RESOLVED',
  },
  mine: {
    title: 'Mine',
    query: { status: 'OPEN,ASSIGNED', assignedTo: 'me' },
    match: (c) => c.status !== 'RESOLVED' && !!c.assignedTo && c.assignedTo.id === state.me?.id,
  },
  unassigned: {
    title: 'Unassigned',
    query: { status: 'OPEN', assignedTo: 'none' },
    match: (c) => c.status === 'OPEN' && !c.assignedTo,
  },
  resolved: {
    title: 'Resolved',
    query: { status: 'RESOLVED' },
    match: (c) => c.status === 'RESOLVED',
  },
};

export function isId(v) {
  return typeof v === 'number' && Number.isFinite(v);
}

// Merges what we learn about a conversation into the cache; returns the merged object.
// A partial update ({id, status}) keeps the rest; an older lastMessage never replaces a newer.
export function cacheConversation(c) {
  if (!c || !isId(c.id)) return null;
  const old = state.convs.get(c.id);
  if (!old) {
    state.convs.set(c.id, c);
    return c;
  }
  const merged = { ...old, ...c };
  // Status and assignee carry a version: an older view (a REST answer overtaken by a newer
  // event from a colleague) must not undo a newer one.
  if (Number.isFinite(old.version) && Number.isFinite(c.version) && c.version < old.version) {
    for (const key of ['status', 'assignedTo', 'version', 'bot']) merged[key] = old[key];
  }
  if (old.lastMessage && (!c.lastMessage || c.lastMessage.id < old.lastMessage.id)) {
    merged.lastMessage = old.lastMessage;
  }
  if (parseTime(old.updatedAt) > parseTime(merged.updatedAt)) merged.updatedAt = old.updatedAt;
  merged.read = mergeRead(old.read, c.read);
  state.convs.set(c.id, merged);
  return merged;
}

// Records a new message on its conversation (preview, time). Returns the conversation or null.
export function cacheMessage(m) {
  const c = state.convs.get(m.conversationId);
  if (!c) return null;
  if (!c.lastMessage || c.lastMessage.id < m.id) {
    countIncoming(c, m);
    c.lastMessage = m;
    if (parseTime(m.createdAt) > parseTime(c.updatedAt)) c.updatedAt = m.createdAt;
  }
  return c;
}

export function compareConversations(a, b) {
  const d = parseTime(b.updatedAt) - parseTime(a.updatedAt);
  return d !== 0 ? d : b.id - a.id;
}

export function statusLabel(status) {
  return { OPEN: 'Open', ASSIGNED: 'Assigned', RESOLVED: 'Resolved' }[status] || String(status || '');
}
