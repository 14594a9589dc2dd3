// Init scripts that let a test see what a page does outside its DOM. Give each to
// `context.addInitScript(fn)` (several may be added): Playwright sends the function's source
// text, so each must be self-contained — nothing from this module's scope is reachable.

/** Records each `new Notification(…)` in window.__notifications (the real one is still created). */
export function recordNotifications() {
  window.__notifications = [];
  const Real = window.Notification;
  if (!Real) return;
  window.Notification = class extends Real {
    constructor(title, options) {
      window.__notifications.push({ title, body: options && options.body });
      super(title, options);
    }
  };
}

/** Counts the inbox's chimes (each starts an oscillator) in window.__chimes. */
export function countChimes() {
  window.__chimes = 0;
  const start = OscillatorNode.prototype.start;
  OscillatorNode.prototype.start = function (...args) {
    window.__chimes++;
    return start.apply(this, args);
  };
}

/** Lets the test hide and show the page: window.__setHidden(true|false) sets
 *  document.hidden / visibilityState and fires `visibilitychange`. */
export function controlVisibility() {
  let hidden = false;
  Object.defineProperty(Document.prototype, 'hidden', { configurable: true, get: () => hidden });
  Object.defineProperty(Document.prototype, 'visibilityState', { configurable: true, get: () => (hidden ? 'hidden' : 'visible') });
  window.__setHidden = (h) => {
    hidden = h;
    document.dispatchEvent(new Event('visibilitychange'));
  };
}

/** Keeps the loader's closed shadow root reachable as window.__parleyShadow (observes, replaces nothing). */
export function keepWidgetShadowRoot() {
  const attach = Element.prototype.attachShadow;
  Element.prototype.attachShadow = function (options) {
    const root = attach.call(this, options);
    if (this.localName === 'parley-chat') window.__parleyShadow = root;
    return root;
  };
}

/** Records each JSON frame the page sends on a WebSocket in window.__sent (the real send still runs). */
export function recordSocketFrames() {
  window.__sent = [];
  const send = WebSocket.prototype.send;
  WebSocket.prototype.send = function (data) {
    try {
      window.__sent.push(JSON.parse(data));
    } catch {
      /* not JSON */
    }
    return send.call(this, data);
  };
}
