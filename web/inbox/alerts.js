// Desktop notifications (Notification API) and a short chime made with WebAudio (no audio
// file). Several tabs of the same agent alert once per event: a Web Lock serialises the
// check-and-mark in localStorage.

const ALERTED_KEY = 'parley.inbox.alerted';
let audioCtx = null;

// The agent's notification preferences (GET /api/me/preferences; profile.js loads them and
// sets them here): desktop notifications, sound, and which events alert at all.
let prefs = { desktop: true, sound: true, events: { newConversation: true, newMessageOnMine: true, mentions: true } };

export function setAlertPrefs(next) {
  if (!next || typeof next !== 'object') return;
  const events = next.events && typeof next.events === 'object' ? next.events : {};
  prefs = {
    desktop: next.desktop !== false,
    sound: next.sound !== false,
    events: {
      newConversation: events.newConversation !== false,
      newMessageOnMine: events.newMessageOnMine !== false,
      mentions: events.mentions !== false,
    },
  };
}

export function alertPrefs() {
  return prefs;
}

// Call from a user gesture: browsers only let audio start after one.
export function primeAudio() {
  try {
    if (!audioCtx) {
      const Ctx = window.AudioContext || window.webkitAudioContext;
      if (!Ctx) return;
      audioCtx = new Ctx();
    }
    if (audioCtx.state === 'suspended') audioCtx.resume().catch(() => {});
  } catch {
    audioCtx = null;
  }
}

export function playChime() {
  if (!audioCtx) return;
  try {
    if (audioCtx.state === 'suspended') audioCtx.resume().catch(() => {});
    const t0 = audioCtx.currentTime + 0.01;
    const notes = [[880, 0], [1318.5, 0.13]]; // A5 then E6: a soft two-note ding
    for (const [freq, offset] of notes) {
      const osc = audioCtx.createOscillator();
      const gain = audioCtx.createGain();
      osc.type = 'sine';
      osc.frequency.setValueAtTime(freq, t0 + offset);
      gain.gain.setValueAtTime(0.0001, t0 + offset);
      gain.gain.exponentialRampToValueAtTime(0.18, t0 + offset + 0.02);
      gain.gain.exponentialRampToValueAtTime(0.0001, t0 + offset + 0.4);
      osc.connect(gain);
      gain.connect(audioCtx.destination);
      osc.start(t0 + offset);
      osc.stop(t0 + offset + 0.45);
    }
  } catch {
    /* audio is a nicety */
  }
}

export function notificationPermission() {
  if (!('Notification' in window)) return 'unsupported';
  return Notification.permission; // 'default' | 'granted' | 'denied'
}

export async function requestNotificationPermission() {
  if (!('Notification' in window)) return 'unsupported';
  try {
    return await Notification.requestPermission();
  } catch {
    return Notification.permission;
  }
}

function readAlerted() {
  try {
    const list = JSON.parse(localStorage.getItem(ALERTED_KEY) || '[]');
    return Array.isArray(list) ? list : [];
  } catch {
    return [];
  }
}

const LOCK_PREFIX = 'parley-inbox-alert:';
const HOLD_MS = 15000;

function fire({ title, body, tag, onClick }) {
  if (prefs.sound) playChime();
  if (!prefs.desktop || notificationPermission() !== 'granted') return;
  try {
    const n = new Notification(title, { body, tag, renotify: true });
    n.addEventListener('click', () => {
      window.focus();
      n.close();
      if (onClick) onClick();
    });
  } catch {
    /* e.g. Android Chrome needs a service worker for notifications */
  }
}

// Check-and-mark in localStorage (a fallback, and a memory for tabs that see an event late).
function markAlerted(key, unlessRecent) {
  const now = Date.now();
  let list = readAlerted().filter((e) => Array.isArray(e) && now - e[1] < 10 * 60 * 1000);
  if (list.some((e) => e[0] === key)) return false;
  if (list.some((e) => unlessRecent.includes(e[0]) && now - e[1] < HOLD_MS)) return false;
  list.push([key, now]);
  if (list.length > 300) list = list.slice(-300);
  try { localStorage.setItem(ALERTED_KEY, JSON.stringify(list)); } catch { /* full or denied */ }
  return true;
}

/**
 * Alerts (sound + desktop notification) once across this agent's tabs. The first tab to
 * take the Web Lock named after the event holds it for a while; the others find it taken.
 * @param {string} key  unique event key, e.g. "conv:12" or "msg:345"
 * @param {object} o
 * @param {string} o.title
 * @param {string} o.body
 * @param {string} o.tag  notification tag (same tag replaces the previous notification)
 * @param {string[]} [o.unlessRecent]  skip if one of these keys alerted moments ago
 * @param {'newConversation'|'newMessageOnMine'|'mentions'} [o.event]  the preference that
 *   decides whether this event alerts at all
 * @param {() => void} [o.onClick]
 */
export async function alertOnce(key, { unlessRecent = [], event = null, ...what }) {
  if (event && prefs.events[event] === false) return;
  if (!prefs.sound && !prefs.desktop) return;
  const locks = navigator.locks;
  if (!locks || typeof locks.request !== 'function' || typeof locks.query !== 'function') {
    if (markAlerted(key, unlessRecent)) fire(what);
    return;
  }
  try {
    if (unlessRecent.length) {
      const { held = [] } = await locks.query();
      if (held.some((l) => unlessRecent.some((k) => l.name === LOCK_PREFIX + k))) return;
    }
    locks.request(LOCK_PREFIX + key, { ifAvailable: true }, (lock) => {
      if (!lock || !markAlerted(key, unlessRecent)) return null;
      fire(what);
      return new Promise((resolve) => { setTimeout(resolve, HOLD_MS); });
    }).catch(() => {});
  } catch {
    if (markAlerted(key, unlessRecent)) fire(what);
  }
}
