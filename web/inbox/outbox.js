// Replies not yet acknowledged by the server. Kept in sessionStorage so a reload of this tab
// does not lose them; re-sent with the same client id (the server stores each once).

export function newClientId() {
  if (crypto.randomUUID) return crypto.randomUUID();
  const b = crypto.getRandomValues(new Uint8Array(16));
  return Array.from(b, (x) => x.toString(16).padStart(2, '0')).join('');
}

export class Outbox {
  constructor(agentId) {
    this.key = `parley.inbox.outbox.${agentId}`;
    this.items = new Map();
    try {
      const saved = JSON.parse(sessionStorage.getItem(this.key) || '[]');
      if (Array.isArray(saved)) {
        for (const it of saved) {
          if (it && typeof it.clientId === 'string' && typeof it.body === 'string') {
            // After a reload nothing is in flight: everything restored is to be (re)sent.
            this.items.set(it.clientId, { ...it, state: it.permanent ? 'failed' : 'sending' });
          }
        }
      }
    } catch {
      /* ignore corrupt storage */
    }
  }

  _save() {
    try {
      const list = [...this.items.values()].map(({ clientId, conversationId, body, createdAt, state, permanent, error }) =>
        ({ clientId, conversationId, body, createdAt, state, permanent, error }));
      if (list.length) sessionStorage.setItem(this.key, JSON.stringify(list));
      else sessionStorage.removeItem(this.key);
    } catch {
      /* ignore */
    }
  }

  add(conversationId, body) {
    const item = {
      clientId: newClientId(),
      conversationId,
      body,
      createdAt: new Date().toISOString(),
      state: 'sending',
      permanent: false,
      error: '',
    };
    this.items.set(item.clientId, item);
    this._save();
    return item;
  }

  get(clientId) {
    return clientId ? this.items.get(clientId) || null : null;
  }

  update(clientId, patch) {
    const it = this.items.get(clientId);
    if (!it) return null;
    Object.assign(it, patch);
    this._save();
    return it;
  }

  remove(clientId) {
    const had = this.items.delete(clientId);
    if (had) this._save();
    return had;
  }

  forConversation(conversationId) {
    return [...this.items.values()].filter((it) => it.conversationId === conversationId);
  }

  // What to re-send after a reconnect: everything not refused for good.
  resendable() {
    return [...this.items.values()].filter((it) => !it.permanent);
  }
}
