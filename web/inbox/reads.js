// Read receipts (docs/PROTOCOL.md, "Read receipts"). The server keeps how far this agent and the
// visitor have read each conversation; every conversation from the REST API carries
// `read: {me, visitor, unread}` and `read` frames move it live. Unread markers and counts come
// from there, so this agent's tabs and devices agree; the visitor's position gives *Seen*.

import { state, isId } from './state.js';

const NONE = Object.freeze({ me: 0, visitor: 0, unread: 0 });

export function readOf(c) {
  const r = c && c.read;
  return r && typeof r === 'object' ? r : NONE;
}

export function unreadCount(c) {
  const n = readOf(c).unread;
  return isId(n) && n > 0 ? n : 0;
}

// Tells the server this agent has read `c` up to message `upTo`, the newest message of it
// not their own (the caller knows the conversation is shown in a visible tab). True when sent;
// this tab's marker clears at once, the other tabs' when the `read` event comes back.
export function sendRead(c, upTo) {
  if (!c || !isId(upTo) || upTo <= readOf(c).me) return false;
  if (!state.socket || !state.socket.send({ type: 'read', conversationId: c.id, upTo })) return false;
  c.read = { ...readOf(c), me: upTo, unread: 0 };
  return true;
}

// A `read` frame: returns what it changed — 'visitor' (Seen may move), 'me' (markers), 'recount'
// (this agent read part of what is unread: ask the server for the count), or null.
export function applyReadFrame(f) {
  const c = isId(f.conversationId) ? state.convs.get(f.conversationId) : null;
  if (!c || !isId(f.upTo)) return null;
  const r = readOf(c);
  if (f.reader === 'visitor') {
    if (f.upTo <= r.visitor) return null;
    c.read = { ...r, visitor: f.upTo };
    return 'visitor';
  }
  if (f.reader !== 'agent' || f.agentId !== state.me?.id || f.upTo <= r.me) return null;
  const all = f.upTo >= (c.lastMessage?.id || 0);
  c.read = { ...r, me: f.upTo, unread: all ? 0 : r.unread };
  return all ? 'me' : 'recount';
}

// Merges the read state of a newer REST answer into the cached one: positions never go back
// (a `read` event may have overtaken the answer).
export function mergeRead(old, fresh) {
  if (!old) return fresh;
  if (!fresh) return old;
  const keepMine = old.me > fresh.me;
  return {
    me: keepMine ? old.me : fresh.me,
    visitor: Math.max(old.visitor || 0, fresh.visitor || 0),
    unread: keepMine ? old.unread : fresh.unread,
  };
}

// A new message on `c` (newer than its last one): a visitor's is unread until this agent reads it.
export function countIncoming(c, m) {
  if (m.sender !== 'VISITOR') return;
  const r = readOf(c);
  if (m.id > r.me) c.read = { ...r, unread: r.unread + 1 };
}
