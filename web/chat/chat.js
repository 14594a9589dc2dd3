// Parley chat frame, served at ${server}/chat/ and embedded by widget.js (see docs/EMBED.md,
// docs/PROTOCOL.md). Persistent state (token, outbox, last seen id) is handed to the loader,
// which keeps it first-party on the customer's page; this frame's own storage may be
// partitioned, so it is used only when the page is opened on its own (no parent).

const $ = id => document.getElementById(id);
const el = (tag, cls, text) => {
  const e = document.createElement(tag);
  if (cls) e.className = cls;
  if (text != null) e.textContent = text;
  return e;
};

const IDENTIFY_URL = new URL('../api/visitors/identify', location.href);
// role=visitor: on Parley's own origin an agent's session cookie rides along; this socket is the visitor's.
const WS_URL = new URL('../ws?role=visitor', location.href);
WS_URL.protocol = WS_URL.protocol === 'https:' ? 'wss:' : 'ws:';
const PERMANENT = new Set(['bad_request', 'bad_json', 'invalid_field', 'body_too_large']);
const STANDALONE = window.parent === window;
const LOCAL_KEY = 'parley.visitor';

// ---- state ----
let parentOrigin = null; // learned from the first message event
let inited = false, started = false, fatal = false;
let cfg = {}, page = '', isOpen = false;
let token = null, visitorId = null, identified = false, skipMeta = false, bad400 = 0;
let ws = null, authed = false, gen = 0, attempt = 0, retryTimer = 0;
let teamAvailable = null, hrs = null, conv = null; // conv: {id, status} of the open conversation
let lastId = 0, lastThem = 0, seen, synced = false, historyAsked = false, unreadSent = -1, readSent = 0;
let preview = false, previewSent = false; // a reply shown beside the launcher while closed
// Where the next `sync` starts: the highest id pushed or synced — never one from an ack, which
// can overtake the push of a message committed just before it (docs/PROTOCOL.md).
let syncCursor = 0;
// A `sync` unanswered: a transient error frame (no clientId) asks again, with back-off.
let syncPending = false, syncTries = 0, syncTimer = 0;
let email = '', pendingEmail = null, lastTypingSent = 0, typingTimer = 0;
const msgs = new Map();       // message id → message shown in the live area
const sections = new Map();   // conversation id → <section>
const outbox = [];            // [{clientId, body, page}] not yet acknowledged, oldest first
// One message on the wire at a time, the oldest first: nothing typed later can be stored before
// an earlier one, whatever is refused. After a transient refusal (rate_limited, overloaded,
// unavailable) sending pauses (`hold`, a timer) with back-off, then goes on from the same message.
let hold = 0, refusals = 0;
const pendingEls = new Map(); // clientId → bubble element

// ---- talking to the loader ----
function toParent(m) {
  if (STANDALONE) {
    if (!['token', 'outbox', 'seen'].includes(m.type)) return;
    try {
      const s = JSON.parse(localStorage[LOCAL_KEY] || '{}');
      if (m.type === 'outbox') s.outbox = (s.outbox || []).filter(i => i.clientId !== m.del).concat(m.add);
      else s[m.type] = m[m.type];
      localStorage[LOCAL_KEY] = JSON.stringify(s);
    } catch (e) { /* storage unavailable: state lives in memory only */ }
  } else if (parentOrigin) {
    parent.postMessage(m, parentOrigin);
  }
}

addEventListener('message', e => {
  if (STANDALONE || e.source !== window.parent) return;
  if (!parentOrigin) parentOrigin = e.origin;
  else if (e.origin !== parentOrigin) return;
  const m = e.data;
  if (!m || typeof m !== 'object') return;
  if (m.type === 'init') onInit(m);
  else if (m.type === 'open') setOpen(true, m.page);
  else if (m.type === 'close') setOpen(false);
  else if (m.type === 'identify') onIdentify(m.user, m.userHash);
});

function onInit(m) {
  if (inited) return;
  inited = true;
  cfg = { user: m.user, userHash: m.userHash };
  token = typeof m.token === 'string' && m.token ? m.token : null;
  seen = Number.isFinite(m.seen) ? m.seen : undefined;
  if (typeof m.page === 'string') page = m.page.slice(0, 2000);
  if (typeof m.color === 'string' && CSS.supports('color', m.color)) {
    document.documentElement.style.setProperty('--c', m.color);
  }
  if (typeof m.greeting === 'string' && m.greeting.trim()) $('greeting').textContent = m.greeting;
  if (typeof m.title === 'string' && m.title.trim()) setTitle(m.title.trim().slice(0, 60));
  if (cfg.user && typeof cfg.user.email === 'string') email = cfg.user.email;
  for (const it of Array.isArray(m.outbox) ? m.outbox : []) {
    if (it && typeof it.clientId === 'string' && typeof it.body === 'string' && !pendingEls.has(it.clientId)) {
      addPending({ clientId: it.clientId, body: it.body, page: it.page });
    }
  }
  isOpen = !!m.open;
  sendUnread();
  if (token || userId() || outbox.length || isOpen) start();
}

function onIdentify(user, userHash) {
  const was = userId();
  cfg = { user, userHash };
  if (was && userId() !== was) forget(); // someone else: nothing of the earlier user stays
  email = user && typeof user.email === 'string' ? user.email : email;
  identified = false;
  fatal = false;
  skipMeta = false;
  bad400 = 0;
  if (started) run();
  else if (userId()) start();
}

function setOpen(open, p) {
  isOpen = open;
  if (typeof p === 'string') page = p.slice(0, 2000);
  if (!open) return;
  hidePreview();
  start();
  sendUnread();
  scrollDown(true);
  if (innerWidth > 480) $('input').focus();
}

// ---- identify, connect, reconnect ----
const userId = () => cfg.user && cfg.user.id != null && cfg.user.id !== '' ? String(cfg.user.id) : '';

function start() {
  if (started || !inited) return;
  started = true;
  run();
}

async function run() {
  clearTimeout(retryTimer);
  const g = ++gen;
  dropSocket();
  if (fatal) return;
  setStatus();
  if (!identified) {
    let delay = 0;
    try {
      delay = await identify();
    } catch (e) {
      delay = 0;
    }
    if (g !== gen || fatal) return;
    if (!identified) return retry(delay);
  }
  connect(g);
}

// Resolves when identified; returns a minimum retry delay (ms) otherwise; sets `fatal` when
// retrying cannot help.
async function identify() {
  const u = cfg.user && typeof cfg.user === 'object' ? cfg.user : {};
  const body = {};
  if (userId()) body.id = userId();
  if (typeof u.email === 'string' && u.email) body.email = u.email;
  if (typeof u.name === 'string' && u.name) body.name = u.name;
  const meta = {};
  for (const [k, v] of Object.entries(u)) {
    if (k !== 'id' && k !== 'email' && k !== 'name' && ['string', 'number', 'boolean'].includes(typeof v)) meta[k] = v;
  }
  if (!skipMeta && Object.keys(meta).length) body.metadata = meta;
  if (body.id && cfg.userHash) body.userHash = String(cfg.userHash);
  const headers = { 'Content-Type': 'application/json' };
  if (token) headers.Authorization = 'Bearer ' + token;
  const res = await fetch(IDENTIFY_URL, {
    method: 'POST', headers, body: JSON.stringify(body), credentials: 'omit', cache: 'no-store',
  });
  const data = await res.json().catch(() => ({}));
  if (res.ok && typeof data.visitorToken === 'string') {
    if (data.visitorToken !== token) {
      token = data.visitorToken;
      toParent({ type: 'token', token });
    }
    if (visitorId != null && data.visitorId !== visitorId) resetView();
    visitorId = data.visitorId;
    identified = true;
    return 0;
  }
  const code = data.error && data.error.code;
  if (res.status === 401 && code === 'bad_user_hash') {
    return giveUp('We could not verify who you are, so the chat is unavailable on this page.',
      'identify: userHash does not match user.id (bad_user_hash)');
  }
  if (res.status === 401 && token) { // a token the server no longer knows: start afresh
    token = null;
    toParent({ type: 'token', token: null });
    return 0;
  }
  if (res.status === 400 && bad400++ === 0 && body.metadata) { // try again without metadata
    skipMeta = true;
    console.warn('[Parley] identify rejected the metadata:', data.error && data.error.message);
    return 0;
  }
  if (res.status >= 400 && res.status < 500 && res.status !== 429 && res.status !== 408) {
    return giveUp('The chat is unavailable right now.', `identify: ${res.status} ${code || ''}`);
  }
  const ra = Number(res.headers.get('Retry-After'));
  return Number.isFinite(ra) && ra > 0 ? ra * 1000 : 0;
}

function giveUp(text, why) {
  fatal = true;
  console.warn('[Parley]', why);
  const p = $('problem');
  p.textContent = text;
  p.hidden = false;
  setStatus();
  return 0;
}

function connect(g) {
  let s, gotReady = false;
  try {
    s = ws = new WebSocket(WS_URL);
  } catch (e) {
    ws = null;
    return retry();
  }
  s.onopen = () => s.send(JSON.stringify({ type: 'auth', visitorToken: token }));
  s.onmessage = e => {
    if (ws !== s) return;
    let f;
    try { f = JSON.parse(e.data); } catch (x) { return; }
    if (!f || typeof f !== 'object') return;
    if (f.type === 'ready') gotReady = true;
    onFrame(f);
  };
  s.onclose = () => {
    if (ws !== s || g !== gen) return;
    ws = null;
    authed = false;
    if (!gotReady) identified = false; // maybe the token: identify again before the next try
    setStatus();
    retry();
  };
}

function dropSocket() {
  if (!ws) return;
  ws.onclose = ws.onmessage = ws.onopen = null;
  try { ws.close(); } catch (e) { /* already closed */ }
  ws = null;
  authed = false;
}

function retry(min = 0) { // exponential backoff, 0.5 s doubling to 30 s, full jitter
  clearTimeout(retryTimer);
  const cap = Math.min(30000, 500 * 2 ** Math.min(attempt++, 10));
  retryTimer = setTimeout(run, Math.max(min, Math.random() * cap));
}

function wake() { // the network came back or the tab became visible: try now
  if (started && !fatal && !ws) {
    attempt = 0;
    run();
  }
}
addEventListener('online', wake);
document.addEventListener('visibilitychange', () => {
  if (!document.hidden) { wake(); sendUnread(); }
});

function send(frame) {
  if (!ws || !authed || ws.readyState !== 1) return false; // nothing before `ready`
  ws.send(JSON.stringify(frame));
  return true;
}

// ---- frames from the server ----
function onFrame(f) {
  switch (f.type) {
    case 'ready': {
      if (f.role && f.role !== 'visitor') return;
      authed = true;
      attempt = 0;
      teamAvailable = f.teamAvailable !== false;
      hrs = f.hours;
      const c = f.conversation && typeof f.conversation.id === 'number' ? f.conversation : null;
      if (conv && (!c || c.id !== conv.id)) { // ours was resolved while we were away
        markResolved(conv.id);
        historyAsked = false;
      }
      conv = c;
      syncTries = 0;
      askSync();
      clearTimeout(hold);
      hold = 0;
      for (const it of outbox) it.out = false;
      pump();
      if (pendingEmail) send({ type: 'email', email: pendingEmail });
      if (!historyAsked) historyAsked = send({ type: 'history' });
      sendUnread(); // a read held back while disconnected
      setStatus();
      break;
    }
    case 'messages':
      syncPending = false;
      syncTries = 0;
      for (const m of f.messages || []) addFromFeed(m);
      for (const j of f.joined || []) joined(f.conversationId, j.agent, j.after);
      if (f.more) askSync();
      else if (!synced) {
        synced = true;
        if (seen === undefined) markSeen(true);
        sendUnread();
      }
      break;
    case 'ack':
      if (f.message) addMsg(f.message);
      settle(f.clientId);
      break;
    case 'message':
      addFromFeed(f.message);
      break;
    case 'typing':
      if (f.from !== 'visitor') showTyping(f.name);
      break;
    case 'presence':
      teamAvailable = !!f.teamAvailable;
      hrs = f.hours;
      if (teamAvailable && !pendingEmail) $('away').hidden = true;
      setStatus();
      break;
    case 'conversation': {
      const c = f.conversation;
      if (!c || typeof c.id !== 'number') break;
      if (c.status === 'RESOLVED') {
        botDone();
        markResolved(c.id);
        if (conv && conv.id === c.id) conv = null;
      } else {
        // A person took it (automatically or by hand): say who, once per new assignee.
        if (c.agent && (!conv || conv.id !== c.id || conv.agent !== c.agent)) joined(c.id, c.agent, lastId);
        conv = { id: c.id, status: c.status, bot: c.bot, agent: c.agent };
        if (c.bot === 'handed') botDone();
        const sec = sections.get(c.id);
        if (sec) sec.classList.remove('done');
      }
      break;
    }
    case 'history':
      renderHistory(f.conversations);
      break;
    case 'visitor':
      if (f.email) emailSaved(f.email);
      break;
    case 'csat':
      onCsat(f.csat);
      break;
    case 'error':
      onError(f);
      break;
  }
}

function askSync() {
  clearTimeout(syncTimer);
  syncPending = send({ type: 'sync', after: syncCursor }); // else the next `ready` asks
}

function onError(f) {
  if (f.clientId) {
    const item = outbox.find(it => it.clientId === f.clientId);
    if (!item) return;
    if (PERMANENT.has(f.code)) {
      outbox.splice(outbox.indexOf(item), 1);
      keep(item);
      setState(item, 'failed', f.message);
      pump();
    } else { // transient (e.g. database unavailable): the same client id again, later, in order
      setState(item, 'retrying');
      item.out = false;
      if (!hold) hold = setTimeout(() => { hold = 0; pump(); }, 500 + Math.random() * Math.min(30000, 1000 * 2 ** Math.min(++refusals, 5)));
    }
  } else if (syncPending && !PERMANENT.has(f.code) && f.code !== 'bad_token' && f.code !== 'unauthenticated') {
    // Most likely our sync (the database was away): without it messages are missed until the
    // next reconnect. Asking again is harmless if the error was for something else.
    syncPending = false;
    clearTimeout(syncTimer);
    syncTimer = setTimeout(askSync, 500 + Math.random() * Math.min(30000, 1000 * 2 ** Math.min(syncTries++, 5)));
  } else if (f.code === 'bad_token' || f.code === 'unauthenticated') {
    identified = false;
    if (ws) ws.close(); // onclose reconnects, identifying first
  } else if (f.code === 'invalid_field' && pendingEmail) {
    pendingEmail = null;
    const b = $('emailForm').querySelector('button');
    b.disabled = false;
    b.textContent = 'Save';
    $('email').setCustomValidity(f.message || 'Please check this address');
    $('email').reportValidity();
  }
}

// ---- CSAT: the question after a resolve, answered in the thread (docs/CSAT.md) ----
const RATES = ['Very bad', 'Bad', 'Okay', 'Good', 'Very good'];
function onCsat(s) {
  if (!s || typeof s.conversationId !== 'number') return;
  const sec = section(s.conversationId);
  let card = sec.querySelector('.csat');
  if (!card) {
    card = el('form', 'csat');
    const faces = el('div', 'faces');
    faces.setAttribute('role', 'group');
    faces.setAttribute('aria-label', 'How did we do?');
    RATES.forEach((r, i) => {
      const b = el('button', '', [...'😠😟😐😊😄'][i]);
      b.type = 'button';
      b.value = i + 1;
      b.setAttribute('aria-label', `${r} (${i + 1} of 5)`);
      b.onclick = () => rate(card, i + 1);
      faces.append(b);
    });
    const c = card.c = el('textarea');
    c.maxLength = 1000;
    c.placeholder = 'A comment (optional)';
    c.setAttribute('aria-label', 'Comment');
    card.append(el('p', 'q', 'How did we do?'), faces, c, el('button', 'ok', 'Send comment'), el('p', 'st'));
    card.onsubmit = e => { e.preventDefault(); rate(card, card.rating); };
    sec.append(card);
  }
  card.conv = s.conversationId;
  card.rating = s.rating || card.rating;
  card.classList.toggle('rated', !!s.rating);
  for (const b of card.querySelectorAll('.faces button')) {
    b.setAttribute('aria-pressed', +b.value === s.rating);
    b.disabled = s.editable === false;
  }
  if (s.comment && document.activeElement !== card.c) card.c.value = s.comment;
  card.lastChild.textContent = s.rating ? 'Thanks for your rating!' : '';
}
function rate(card, r) {
  if (r) send({ type: 'csat', conversationId: card.conv, rating: r, comment: card.c.value });
}

// ---- messages ----
function section(convId) {
  let sec = sections.get(convId);
  if (sec) return sec;
  sec = el('section', 'conv');
  sec.dataset.id = convId;
  let ref = null;
  for (const [id, s] of sections) if (id > convId && (!ref || id < +ref.dataset.id)) ref = s;
  $('live').insertBefore(sec, ref);
  sections.set(convId, sec);
  return sec;
}

function markResolved(convId) {
  const sec = sections.get(convId);
  if (sec) sec.classList.add('done');
}

function bubble(m) {
  const mine = m.sender === 'VISITOR';
  const row = el('div', 'msg ' + (mine ? 'me' : 'them'));
  if (!mine) {
    const who = m.sender === 'BOT' && !/^hours-/.test(m.clientId) ? 'Bot' : m.agentName || 'Support';
    row.dataset.who = who;
    row.append(el('div', 'who', who));
  }
  const body = el('div', 'body');
  linkify(body, String(m.body || ''));
  row.append(body);
  if (Array.isArray(m.articles)) {
    for (const a of m.articles.slice(0, 3)) body.append(artLink(a));
    if (conv && m.conversationId === conv.id && conv.bot !== 'handed') botAsk(row, conv.id);
  }
  row.append(el('time', 'tm'));
  if (mine) row.append(el('div', 'st'));
  stamp(row, m.createdAt);
  return row;
}

// The time under a bubble, in the visitor's locale ("14:05"; "Dec 3, 14:05" before today).
// A run of messages from one side within the same minute shows it once, under the last.
function stamp(row, iso) {
  const t = new Date(iso || NaN), tm = row.querySelector('.tm');
  if (isNaN(t)) return;
  const o = { hour: 'numeric', minute: '2-digit' };
  if (t.toDateString() !== new Date().toDateString()) Object.assign(o, { month: 'short', day: 'numeric' });
  tm.textContent = t.toLocaleString([], o);
  tm.dateTime = iso;
  row.title = t.toLocaleString();
}

function groupTimes(node) {
  for (const [a, b] of [[node.previousElementSibling, node], [node, node.nextElementSibling]]) {
    if (!a || !b || !a.classList.contains('msg')) continue;
    const same = a.classList.contains('me') === b.classList.contains('me') && a.dataset.who === b.dataset.who &&
      a.querySelector('.tm').textContent === b.querySelector('.tm').textContent;
    a.classList.toggle('nt', same);
  }
}

function setTitle(title) {
  document.querySelector('h1').textContent = title;
  document.querySelector('.avatar').textContent = [...title][0].toUpperCase();
}

function linkify(node, text) { // text nodes and http(s) links only, never HTML
  const re = /\bhttps?:\/\/[^\s<>"']+[^\s<>"'.,;:!?)\]]/g;
  let i = 0, m;
  while ((m = re.exec(text))) {
    node.append(text.slice(i, m.index));
    const a = el('a', null, m[0]);
    a.href = m[0];
    a.target = '_blank';
    a.rel = 'noopener noreferrer nofollow';
    node.append(a);
    i = m.index + m[0].length;
  }
  node.append(text.slice(i));
}

// In id order; "Bo joined" sits at its message's id + .5, once (live, and from sync/history).
function place(sec, node, id) {
  let ref = null;
  for (let x = sec.lastElementChild; x && +x.dataset.id > id; x = x.previousElementSibling) ref = x;
  sec.insertBefore(node, ref);
}
const jt = name => name + ' joined the conversation';
function joined(cid, name, after) {
  const sec = section(cid), at = after + .5, p = el('p', 'sys', jt(name));
  for (const x of sec.children) if (x.dataset.id == at && x.textContent == p.textContent) return;
  p.dataset.id = at;
  place(sec, p, at);
  groupTimes(p);
}

function addFromFeed(m) {
  addMsg(m);
  if (m && typeof m.id === 'number' && m.id > syncCursor) syncCursor = m.id;
}

function addMsg(m) {
  if (!m || typeof m.id !== 'number' || msgs.has(m.id)) return; // ack and message both arrive
  msgs.set(m.id, m);
  if (m.id > lastId) lastId = m.id;
  if (m.sender !== 'VISITOR' && m.id > lastThem) lastThem = m.id;
  const stick = nearBottom();
  let node = m.clientId && pendingEls.get(m.clientId);
  if (node) {
    pendingEls.delete(m.clientId);
    settle(m.clientId);
    stamp(node, m.createdAt);
  } else {
    node = bubble(m);
  }
  node.dataset.id = m.id;
  if (m.sender === 'VISITOR') setNodeState(node, 'sent');
  const convId = typeof m.conversationId === 'number' ? m.conversationId : conv ? conv.id : 0;
  if (convId && (!conv || conv.id !== convId) && !sections.get(convId)?.classList.contains('done')) {
    conv = { id: convId, status: 'OPEN' }; // our first message opened it, or an agent wrote in it
  }
  place(section(convId), node, m.id);
  const prev = node.previousElementSibling;
  node.classList.toggle('cont', !!(prev && node.dataset.who && prev.dataset.who === node.dataset.who));
  groupTimes(node);
  if (m.sender !== 'VISITOR') hideTyping();
  if (synced) {
    const { id, conversationId, sender, body, createdAt, agentName } = m;
    toParent({ type: 'message', message: { id, conversationId, sender, body, createdAt, agentName } });
    if (!isOpen && !STANDALONE && m.sender !== 'VISITOR') showPreview(node.dataset.who, m.body);
  }
  sendUnread();
  scrollDown(stick || m.sender === 'VISITOR');
}

// ---- unread ----
function markSeen(force) {
  const looking = isOpen && !document.hidden;
  if ((force || looking) && (seen === undefined || lastId > seen)) {
    seen = lastId;
    toParent({ type: 'seen', seen });
  }
  // read receipt (agents show Seen): the team's messages, only while the chat is seen
  const m = msgs.get(lastThem);
  if (looking && m && lastThem > readSent && send({ type: 'read', conversationId: m.conversationId, upTo: lastThem })) readSent = lastThem;
}

function sendUnread() {
  if (synced) markSeen();
  let n = 0;
  if (seen !== undefined) for (const m of msgs.values()) if (m.sender !== 'VISITOR' && m.id > seen) n++;
  if (n !== unreadSent || preview !== previewSent) {
    unreadSent = n;
    previewSent = preview;
    toParent({ type: 'unread', count: n, preview });
  }
}

// ---- preview of the latest reply while closed ----
function showPreview(who, body) {
  $('pvWho').textContent = who;
  $('pvText').textContent = String(body || '');
  $('pvOpen').title = String(body || '');
  document.documentElement.classList.add('pv');
  preview = true;
}

function hidePreview() {
  if (!preview) return;
  document.documentElement.classList.remove('pv');
  preview = false;
  sendUnread();
}

$('pvOpen').addEventListener('click', () => toParent({ type: 'open' }));
$('pvClose').addEventListener('click', hidePreview);

// ---- sending ----
const newId = () => crypto.randomUUID ? crypto.randomUUID()
  : Array.from(crypto.getRandomValues(new Uint8Array(16)), b => b.toString(16).padStart(2, '0')).join('');

function addPending(item) {
  outbox.push(item);
  const node = bubble({ sender: 'VISITOR', body: item.body });
  pendingEls.set(item.clientId, node);
  $('outq').append(node);
  setState(item, authed ? 'sending' : 'waiting');
}

// The stored outbox is shared by every tab of the page: each change names its one message
// (added, or deleted once acknowledged or refused for good), never the whole list, so that
// nothing another tab keeps there is overwritten.
function keep(item, add) {
  toParent({ type: 'outbox', add: add ? [{ clientId: item.clientId, body: item.body, page: item.page }] : [], del: add ? '' : item.clientId });
}

function pump() {
  const head = outbox[0];
  if (head && !head.out && !hold) sendItem(head);
}

function sendItem(item) {
  const frame = { type: 'send', clientId: item.clientId, body: item.body };
  if (item.page || page) frame.page = item.page || page;
  if (send(frame)) {
    item.out = true;
    item.sentAt = Date.now();
    setState(item, 'sending');
  } else {
    setState(item, 'waiting');
  }
}

function settle(clientId) { // acknowledged: forget it from the outbox
  const i = outbox.findIndex(it => it.clientId === clientId);
  if (i < 0) return;
  keep(outbox.splice(i, 1)[0]);
  refusals = 0;
  pump();
}

// Unacknowledged for a while on a live socket (lost ack?): send again, same client id.
setInterval(() => {
  const head = outbox[0];
  if (authed && !hold && head && head.out && Date.now() - head.sentAt > 15000) sendItem(head);
}, 5000);

const LABELS = {
  waiting: 'Waiting for connection…',
  sending: 'Sending…',
  retrying: 'Not sent yet — retrying…',
  failed: 'Not sent.',
  sent: 'Sent',
};

function setNodeState(node, state, why) {
  node.classList.remove('waiting', 'sending', 'retrying', 'failed', 'sent');
  node.classList.add(state);
  const st = node.querySelector('.st');
  if (!st) return;
  st.textContent = LABELS[state];
  if (state === 'failed') {
    if (why) st.title = why;
    const b = el('button', 'retry', 'Retry');
    b.type = 'button';
    st.append(' ', b);
  }
}

function setState(item, state, why) {
  const node = pendingEls.get(item.clientId);
  if (!node) return;
  setNodeState(node, state, why);
  if (state !== 'failed') return;
  node.querySelector('.retry').onclick = () => { // the same client id: stored at most once
    if (outbox.includes(item)) return;
    outbox.push(item);
    keep(item, 1);
    item.out = false;
    setState(item, 'waiting');
    $('outq').append(node);
    pump();
  };
}

function submit() {
  const input = $('input');
  const body = input.value.trim();
  if (!body) return;
  input.value = '';
  grow();
  if ($('ch')) choose('person');
  suggest(); // the input is empty now: hides the suggestions, cancels a search on its way
  const item = { clientId: newId(), body, page };
  addPending(item);
  keep(item, 1);
  if (authed) pump();
  else start();
  if (teamAvailable === false) showAway();
  scrollDown(true);
}

// ---- away mode ----
function showAway() {
  $('away').hidden = false;
  if (!email) $('emailForm').hidden = false;
}

function emailSaved(addr) {
  email = addr;
  pendingEmail = null;
  $('emailForm').hidden = true;
  const ok = $('emailOk');
  ok.textContent = `Thanks! We'll email you at ${addr}.`;
  ok.hidden = false;
}

$('emailForm').addEventListener('submit', e => {
  e.preventDefault();
  const input = $('email');
  input.setCustomValidity('');
  const v = input.value.trim();
  if (!v || !input.checkValidity()) return input.reportValidity();
  pendingEmail = v;
  const b = e.target.querySelector('button');
  b.disabled = true;
  b.textContent = 'Saving…';
  send({ type: 'email', email: v }); // or after the next `ready`
});
$('email').addEventListener('input', e => e.target.setCustomValidity(''));

// ---- typing ----
function showTyping(name) {
  $('typingText').textContent = `${name || 'Support'} is typing…`;
  const stick = nearBottom();
  $('typing').hidden = false;
  scrollDown(stick);
  clearTimeout(typingTimer);
  typingTimer = setTimeout(hideTyping, 5000);
}

function hideTyping() {
  clearTimeout(typingTimer);
  $('typing').hidden = true;
}

// ---- history ----
function renderHistory(list) {
  const box = $('history');
  box.replaceChildren();
  const convs = (Array.isArray(list) ? list : []).filter(c => c && typeof c.id === 'number');
  for (const c of convs.reverse()) { // oldest first, above the current conversation
    const messages = Array.isArray(c.messages) ? c.messages : [];
    // Shown live, or its survey may still be answered (the page was reloaded): in the thread.
    if (sections.has(c.id) || (conv && conv.id === c.id) || c.csat) {
      for (const m of messages) addMsg(m);
      for (const j of c.joined || []) joined(c.id, j.agent, j.after);
      markResolved(c.id);
      if (conv && conv.id === c.id) conv = null;
      onCsat(c.csat);
      continue;
    }
    if (!messages.length) continue;
    const d = el('details', 'past');
    const s = el('summary');
    const when = new Date(c.createdAt);
    s.append(el('span', 'when', `Earlier conversation${isNaN(when) ? '' : ' · ' + when.toLocaleDateString()}`));
    s.append(el('span', 'preview', String(messages[0].body || '').slice(0, 120)));
    d.append(s);
    for (const m of messages) {
      groupTimes(d.appendChild(bubble(m)));
      for (const j of c.joined || []) if (j.after === m.id) d.append(el('p', 'sys', jt(j.agent)));
    }
    box.append(d);
  }
}

// Another user on this page: drop the earlier user's token (an unverified id would otherwise be
// recorded on the same visitor), unsent messages and everything shown.
function forget() {
  token = visitorId = null;
  toParent({ type: 'token', token });
  for (const it of outbox.splice(0)) keep(it);
  clearTimeout(hold);
  hold = 0;
  pendingEls.clear();
  $('outq').replaceChildren();
  email = '';
  pendingEmail = null;
  $('away').hidden = $('emailOk').hidden = true;
  hideTyping();
  resetView();
  sendUnread();
}

function resetView() { // another visitor (identify changed who this is): start a clean slate
  msgs.clear();
  sections.clear();
  $('live').replaceChildren();
  $('history').replaceChildren();
  lastId = lastThem = 0;
  syncCursor = 0;
  conv = null;
  synced = false;
  historyAsked = false;
  seen = undefined;
  readSent = 0;
  hidePreview();
}

// ---- header, composer, scrolling ----
function setStatus() {
  const s = $('status'), t = $('statusText');
  let cls, text;
  if (fatal) [cls, text] = ['off', 'Unavailable'];
  else if (!authed) [cls, text] = started && attempt > 0 ? ['off', 'Reconnecting…'] : ['connecting', 'Connecting…'];
  else if (teamAvailable) [cls, text] = ['online', hrs?.reply ? 'Typically replies in ' + hrs.reply : 'Online — ask us anything'];
  else [cls, text] = ['away', hrs?.open === false ? backText() : "Away — we'll reply by email"];
  s.className = cls;
  t.textContent = text;
  if (cls === 'away') $('awayText').textContent = hrs?.open === false ? text + ". We'll reply by email." : "The team is away — we'll reply by email.";
}

// Business hours: the next opening (an instant) in the visitor's own zone and clock.
function backText() {
  const d = new Date(hrs.nextOpening), f = o => d.toLocaleString('en', o), day = x => new Date(x).setHours(0, 0, 0, 0);
  const n = Math.round((day(d) - day(Date.now())) / 864e5);
  return !hrs.nextOpening ? 'Closed for now' : "We're back " + (n < 1 ? 'today' : n < 2 ? 'tomorrow' : f(n < 7 ? { weekday: 'long' } : { month: 'long', day: 'numeric' })) +
    ' at ' + d.toLocaleTimeString([], { hour: 'numeric', minute: '2-digit' });
}

function nearBottom() {
  const log = $('log');
  return log.scrollHeight - log.scrollTop - log.clientHeight < 80;
}

function scrollDown(really) {
  if (really) requestAnimationFrame(() => { const log = $('log'); log.scrollTop = log.scrollHeight; });
}

function grow() {
  const input = $('input');
  input.style.height = 'auto';
  input.style.height = Math.min(input.scrollHeight, 120) + 'px';
}

$('composer').addEventListener('submit', e => {
  e.preventDefault();
  submit();
});
$('input').addEventListener('keydown', e => {
  if (e.key === 'Enter' && !e.shiftKey && !e.isComposing) {
    e.preventDefault();
    submit();
  }
});
$('input').addEventListener('input', () => {
  grow();
  suggest();
  if (conv && authed && $('input').value.trim() && Date.now() - lastTypingSent > 2000) {
    lastTypingSent = Date.now();
    send({ type: 'typing' });
  }
});
$('close').addEventListener('click', () => toParent({ type: 'close' }));
addEventListener('keydown', e => { if (e.key === 'Escape') !$('art').hidden ? $('artBack').click() : preview ? hidePreview() : toParent({ type: 'close' }); });

// ---- help articles (docs/BOT.md): suggested while a first message is typed, read here ----
const HELP = new URL('../api/help/', location.href);
let sugCtl, sugTimer = 0;
function suggest() { // debounced; the request before is cancelled; none under 3 characters
  clearTimeout(sugTimer);
  sugCtl?.abort();
  const q = $('input').value.trim();
  if (conv || outbox.length || q.length < 3) return showSug([]);
  sugTimer = setTimeout(async () => {
    const c = sugCtl = new AbortController();
    try {
      const r = await fetch(HELP + 'search?limit=3&q=' + encodeURIComponent(q.slice(0, 200)), { signal: c.signal, credentials: 'omit' });
      showSug(r.ok ? (await r.json()).results : []);
    } catch (e) { /* cancelled, or offline: no suggestions */ }
  }, 250);
}
function showSug(list) {
  const box = $('sug');
  box.replaceChildren(...(list || []).slice(0, 3).map(artLink));
  box.hidden = !box.firstChild;
}
function artLink(a) {
  const b = el('button', 'al', a.title);
  b.type = 'button';
  b.onclick = () => openArt(a.slug);
  return b;
}
async function openArt(slug) {
  const v = $('art'), body = $('artBody');
  body.textContent = 'Loading…';
  v.hidden = false;
  v.focus();
  try {
    const a = (await (await fetch(HELP + 'articles/' + encodeURIComponent(slug), { credentials: 'omit' })).json()).article;
    body.replaceChildren(el('h2', null, a.title));
    body.insertAdjacentHTML('beforeend', a.html); // rendered by the server in libcmark's safe mode
    for (const l of body.querySelectorAll('a')) l.target = '_blank', l.rel = 'noopener noreferrer';
  } catch (e) {
    body.textContent = 'This article could not be loaded.';
  }
}
$('artBack').onclick = () => { $('art').hidden = true; $('input').focus(); };
// The bot's two choices, under its answer while it waits (one box at a time, id "ch").
function botAsk(row, id) {
  botDone();
  const box = el('div');
  box.id = 'ch';
  box.dataset.c = id;
  for (const [k, t] of [['answered', 'That answered my question'], ['person', 'Talk to a person']]) {
    const b = box.appendChild(el('button', null, t));
    b.type = 'button';
    b.onclick = () => choose(k);
  }
  row.append(box);
}
function botDone(text) {
  const box = $('ch');
  if (box) text ? box.replaceWith(el('p', 'cn', text)) : box.remove();
}
function choose(choice) {
  const id = +$('ch').dataset.c;
  botDone(choice === 'person' ? 'Someone from the team will answer here.' : 'Glad that helped!');
  if (choice === 'person' && teamAvailable === false) showAway();
  fetch(new URL('../api/visitors/bot-choice', location.href), {
    method: 'POST', credentials: 'omit',
    headers: { 'Content-Type': 'application/json', Authorization: 'Bearer ' + token },
    body: JSON.stringify({ conversationId: id, choice }),
  }).catch(() => {}); // lost: writing again, or the server's sweep, still reaches a person
}

// Opened on its own (not in the loader's iframe): a full-page chat with its own storage and
// the stored widget settings.
if (STANDALONE) {
  document.documentElement.classList.add('standalone');
  let s = {};
  try { s = JSON.parse(localStorage[LOCAL_KEY] || '{}') || {}; } catch (e) { /* none */ }
  fetch('../widget.json').then(r => r.json()).catch(() => 0).then(w => onInit({ ...w, ...s, open: true }));
}
