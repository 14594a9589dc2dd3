// The agent's WebSocket to /ws: authenticated by the session cookie at the upgrade (no auth
// frame). Reconnects with exponential backoff (0.5 s doubling to 30 s) and full jitter.

const BASE_DELAY_MS = 500;
const MAX_DELAY_MS = 30000;
const READY_TIMEOUT_MS = 15000;

export class AgentSocket {
  /**
   * @param {object} o
   * @param {(frame: object) => void} o.onFrame   every parsed frame, `ready` included
   * @param {(state: string, info?: object) => void} o.onState  'connecting' | 'open' | 'waiting'
   * @param {() => Promise<boolean>} [o.beforeReconnect]  false stops reconnecting (session ended)
   */
  constructor({ onFrame, onState, beforeReconnect }) {
    const scheme = location.protocol === 'https:' ? 'wss:' : 'ws:';
    this.url = `${scheme}//${location.host}/ws`;
    this.onFrame = onFrame;
    this.onState = onState;
    this.beforeReconnect = beforeReconnect;
    this.ws = null;
    this.isReady = false;
    this.attempt = 0;
    this.timer = null;
    this.readyTimer = null;
    this.stopped = true;
    this.reconnecting = false;
  }

  start() {
    this.stopped = false;
    this.attempt = 0;
    this._open();
  }

  stop() {
    this.stopped = true;
    clearTimeout(this.timer);
    clearTimeout(this.readyTimer);
    this.timer = null;
    const ws = this.ws;
    this.ws = null;
    this.isReady = false;
    if (ws) {
      try { ws.close(1000, 'bye'); } catch { /* already closed */ }
    }
  }

  get connected() {
    return !!(this.ws && this.isReady && this.ws.readyState === WebSocket.OPEN);
  }

  // Sends a frame if the socket is ready; false otherwise (the caller keeps it for later).
  send(frame) {
    if (!this.connected) return false;
    try {
      this.ws.send(JSON.stringify(frame));
      return true;
    } catch {
      return false;
    }
  }

  // Skip the remaining backoff (e.g. the browser came back online, or the user asked).
  reconnectNow() {
    if (this.stopped || this.ws || this.reconnecting) return;
    clearTimeout(this.timer);
    this.timer = null;
    this._reconnect();
  }

  // A fresh socket now, without the "reconnecting" state: the server reads the agent's name
  // when the socket connects (a rename takes effect on replies sent after this).
  renew() {
    if (this.stopped || this.reconnecting || !this.ws) return; // a socket on its way gets it anyway
    const ws = this.ws;
    this.ws = null;
    this.isReady = false;
    clearTimeout(this.timer);
    this.timer = null;
    try { ws.close(1000, 'renew'); } catch { /* already closed */ }
    this._open({ quiet: true });
  }

  _open({ quiet = false } = {}) {
    if (this.stopped) return;
    let ws;
    if (!quiet) this.onState('connecting');
    try {
      ws = new WebSocket(this.url);
    } catch {
      this._schedule();
      return;
    }
    this.ws = ws;
    this.isReady = false;
    clearTimeout(this.readyTimer);
    this.readyTimer = setTimeout(() => {
      if (this.ws === ws && !this.isReady) {
        try { ws.close(4000, 'no ready'); } catch { /* ignore */ }
      }
    }, READY_TIMEOUT_MS);

    ws.addEventListener('message', (ev) => {
      if (this.ws !== ws) return;
      let frame;
      try {
        frame = JSON.parse(ev.data);
      } catch {
        return;
      }
      if (!frame || typeof frame.type !== 'string') return;
      // Under load the server packs the frames of one moment into one (docs/PROTOCOL.md).
      if (frame.type === 'batch') {
        if (Array.isArray(frame.frames)) for (const f of frame.frames) if (f && typeof f.type === 'string') this.onFrame(f);
        return;
      }
      if (frame.type === 'ready') {
        this.isReady = true;
        this.attempt = 0;
        clearTimeout(this.readyTimer);
        this.onState('open');
      }
      this.onFrame(frame);
    });

    ws.addEventListener('close', (ev) => {
      if (this.ws !== ws) return;
      this.ws = null;
      this.isReady = false;
      clearTimeout(this.readyTimer);
      if (this.stopped) return;
      this._schedule(ev.code);
    });
    // 'error' is always followed by 'close'; nothing to do here.
  }

  _schedule(code) {
    if (this.stopped) return;
    const cap = Math.min(MAX_DELAY_MS, BASE_DELAY_MS * 2 ** this.attempt);
    this.attempt = Math.min(this.attempt + 1, 10);
    const delay = Math.round(Math.random() * cap); // full jitter
    this.onState('waiting', { delay, code });
    clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      this.timer = null;
      this._reconnect();
    }, delay);
  }

  async _reconnect() {
    if (this.stopped || this.reconnecting) return;
    this.reconnecting = true;
    try {
      if (this.beforeReconnect) {
        const go = await this.beforeReconnect();
        if (!go) return;
      }
      this._open();
    } finally {
      this.reconnecting = false;
    }
  }
}
