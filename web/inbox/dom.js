// Small DOM helpers. Nothing here ever parses HTML: every string becomes a text node or a
// property value, so data a visitor wrote can never turn into markup.

export const $ = (sel, root = document) => root.querySelector(sel);

const ATTRIBUTE_KEYS = new Set(['role', 'for', 'tabindex']);

// h('li', {class: 'x', 'data-testid': 'message', text: body}, child, 'text', …)
export function h(tag, props, ...children) {
  const el = document.createElement(tag);
  if (props) {
    for (const [key, value] of Object.entries(props)) {
      if (value === null || value === undefined || value === false) continue;
      if (key === 'class') el.className = value;
      else if (key === 'text') el.textContent = String(value);
      else if (key.startsWith('on') && typeof value === 'function') {
        el.addEventListener(key.slice(2), value);
      } else if (key.startsWith('data-') || key.startsWith('aria-') || ATTRIBUTE_KEYS.has(key)) {
        el.setAttribute(key, String(value));
      } else {
        el[key] = value;
      }
    }
  }
  append(el, children);
  return el;
}

function append(el, children) {
  for (const child of children) {
    if (child === null || child === undefined || child === false) continue;
    if (Array.isArray(child)) append(el, child);
    else if (child instanceof Node) el.appendChild(child);
    else el.appendChild(document.createTextNode(String(child)));
  }
}

export function clear(el) {
  while (el.firstChild) el.removeChild(el.firstChild);
}

export function setText(el, value) {
  const s = value === null || value === undefined ? '' : String(value);
  if (el.textContent !== s) el.textContent = s;
}

// Display name of a visitor: their name, else the email they left, else "Visitor #id".
export function visitorName(visitor) {
  if (!visitor) return 'Visitor';
  const name = typeof visitor.name === 'string' ? visitor.name.trim() : '';
  const email = typeof visitor.email === 'string' ? visitor.email.trim() : '';
  return name || email || `Visitor #${visitor.id}`;
}

export function parseTime(iso) {
  const t = Date.parse(iso);
  return Number.isNaN(t) ? 0 : t;
}

// The one way the inbox shows a time, in the agent's locale (12 or 24 hours as it prefers):
//   default   today "14:05", this year "Dec 3, 14:05", before "Dec 3, 2024, 14:05"
//   relative  "now", "5m", "3h", "2d", then the date alone ("Dec 3", "Dec 3, 2024")
//   full      always date, year and time (tooltips)
export function formatTime(iso, { relative = false, full = false, now = Date.now() } = {}) {
  const t = parseTime(iso);
  if (!t) return '';
  if (relative) {
    const s = Math.max(0, Math.round((now - t) / 1000));
    if (s < 45) return 'now';
    const m = Math.round(s / 60);
    if (m < 60) return `${m}m`;
    const hrs = Math.round(m / 60);
    if (hrs < 24) return `${hrs}h`;
    const d = Math.round(hrs / 24);
    if (d < 7) return `${d}d`;
  }
  const date = new Date(t);
  const today = new Date(now);
  const opts = {};
  if (full || relative || date.toDateString() !== today.toDateString()) Object.assign(opts, { month: 'short', day: 'numeric' });
  if (full || date.getFullYear() !== today.getFullYear()) opts.year = 'numeric';
  if (!relative) Object.assign(opts, { hour: 'numeric', minute: '2-digit' });
  return date.toLocaleString(undefined, opts);
}

// A <time> element whose text is kept fresh by refreshRelativeTimes().
export function relTimeEl(iso, extraClass = '') {
  const el = h('time', { class: `rel-time ${extraClass}`.trim(), 'data-rel': '1' });
  updateRelTimeEl(el, iso);
  return el;
}

export function updateRelTimeEl(el, iso) {
  if (el.dateTime !== (iso || '')) {
    el.dateTime = iso || '';
    el.title = formatTime(iso, { full: true });
  }
  setText(el, formatTime(iso, { relative: true }));
}

export function refreshRelativeTimes(root = document) {
  for (const el of root.querySelectorAll('time[data-rel]')) setText(el, formatTime(el.dateTime, { relative: true }));
}

// A link only for http(s) URLs; anything else is shown as plain text.
export function safeLink(url) {
  const text = String(url);
  if (/^https?:\/\//i.test(text)) {
    try {
      const parsed = new URL(text);
      if (parsed.protocol === 'http:' || parsed.protocol === 'https:') {
        const a = h('a', { target: '_blank', rel: 'noopener noreferrer' });
        a.href = parsed.href;
        a.textContent = text;
        return a;
      }
    } catch { /* fall through to text */ }
  }
  return document.createTextNode(text);
}

export function truncate(s, n) {
  const str = String(s ?? '');
  return str.length > n ? `${str.slice(0, n - 1)}…` : str;
}

// One line of text from a message body for previews and notifications.
export function oneLine(s) {
  return String(s ?? '').replace(/\s+/g, ' ').trim();
}

let toastRoot = null;
export function toast(message, kind = 'error', ms = 6000) {
  toastRoot ||= document.getElementById('toasts');
  if (!toastRoot) return;
  const el = h('div', { class: `toast toast-${kind}`, 'data-testid': 'toast' }, String(message));
  const close = h('button', { type: 'button', class: 'toast-close', 'aria-label': 'Dismiss' }, '×');
  close.addEventListener('click', () => el.remove());
  el.appendChild(close);
  toastRoot.appendChild(el);
  while (toastRoot.children.length > 4) toastRoot.firstChild.remove();
  setTimeout(() => el.remove(), ms);
}
