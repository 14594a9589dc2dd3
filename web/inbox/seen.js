// Unread markers: the last message id this agent has seen per conversation, kept in this
// browser's localStorage and shared by its tabs (the 'storage' event tells the others).

const MAX_ENTRIES = 3000;

export class SeenStore {
  constructor(agentId, onExternalChange) {
    this.key = `parley.inbox.seen.${agentId}`;
    this.map = this._load();
    this._onStorage = (ev) => {
      if (ev.key !== this.key) return;
      this.map = this._load();
      onExternalChange();
    };
    window.addEventListener('storage', this._onStorage);
  }

  dispose() {
    window.removeEventListener('storage', this._onStorage);
  }

  _load() {
    try {
      const v = JSON.parse(localStorage.getItem(this.key) || '{}');
      return v && typeof v === 'object' && !Array.isArray(v) ? v : {};
    } catch {
      return {};
    }
  }

  lastSeen(conversationId) {
    const v = this.map[conversationId];
    return typeof v === 'number' ? v : 0;
  }

  // Records that messages up to `messageId` were seen. True when that changed anything.
  mark(conversationId, messageId) {
    if (!messageId) return false;
    this.map = this._load(); // another tab may have written meanwhile
    if (this.lastSeen(conversationId) >= messageId) return false;
    this.map[conversationId] = messageId;
    const ids = Object.keys(this.map);
    if (ids.length > MAX_ENTRIES) {
      // Forget the oldest conversations (smallest last-seen ids) first.
      ids.sort((a, b) => this.map[a] - this.map[b]);
      for (const id of ids.slice(0, ids.length - MAX_ENTRIES)) delete this.map[id];
    }
    try {
      localStorage.setItem(this.key, JSON.stringify(this.map));
    } catch {
      /* storage full or disabled: markers then only last for this page */
    }
    return true;
  }

  // Unread: the last message is newer than what was seen here, and is not this agent's own.
  isUnread(conversation, meId) {
    const m = conversation && conversation.lastMessage;
    if (!m || typeof m.id !== 'number') return false;
    if (m.sender === 'AGENT' && m.agentId === meId) return false;
    return m.id > this.lastSeen(conversation.id);
  }
}
