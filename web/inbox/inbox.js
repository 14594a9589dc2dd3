// Parley agent inbox: entry point. Signs in, holds the WebSocket, routes (#/view/id) and
// dispatches live frames to the list and the conversation pane.

import { api, onUnauthenticated } from './api.js';
import { AgentSocket } from './socket.js';
import { applyReadFrame } from './reads.js';
import { Outbox } from './outbox.js';
import {
  alertOnce, notificationPermission, primeAudio, requestNotificationPermission,
} from './alerts.js';
import {
  $, h, clear, setText, visitorName, oneLine, truncate, toast, refreshRelativeTimes, parseTime,
} from './dom.js';
import { state, VIEWS, isId } from './state.js';
import { botHolds } from './bot.js';
import { routeSection } from './sections.js';
import { initCanned } from './canned.js';
import { initSearch } from './search.js';
import { applyLabelFrame, filterIsGone, initLabelFilter, labels, loadLabels, onConversationLabels } from './labels.js';
import { initList, loadList, placeInList, renderList, resetList, scheduleCountsRefresh } from './list.js';
import { initProfile } from './profile.js';
import { routingChanged } from './routing.js';
import { teamChanged } from './team.js';
import { applyCsat, initCsatView, loadCsatView } from './csat.js';
import {
  initConversation, openConversation, closeConversation, forgetEverything, applyConversation,
  ensureConversation, receiveMessage, handleMessagesFrame, handleSendError, onSocketReady,
  renderHeader, renderAgentSelect, presenceOf, showTyping, markSelectedSeen, renderSeen, refreshRead,
} from './conversation.js';
import { initNotes, receiveNote } from './notes.js';
import { noteForMe } from './mentions.js';

let relTimer = null;
let hadConnection = false;
let presenceBusy = false;
let loginLockTimer = null;

// ---------------------------------------------------------------- screens

function showScreen(name) {
  $('#boot').hidden = true;
  $('#login-view').hidden = name !== 'login';
  $('#app').hidden = name !== 'app';
}

function showLogin(notice = '', error = '') {
  showScreen('login');
  const n = $('#login-notice');
  setText(n, notice);
  n.hidden = !notice;
  showLoginError(error);
  const email = $('#login-email');
  (email.value ? $('#login-password') : email).focus();
}

function showLoginError(text, code = '') {
  const el = $('#login-error');
  setText(el, text);
  el.dataset.code = code;
  el.hidden = !text;
}

// ---------------------------------------------------------------- session

async function boot() {
  wireStatic();
  try {
    const data = await api.me();
    startApp(data.agent);
  } catch (e) {
    if (e.status === 401) showLogin();
    else showLogin('', `Could not reach Parley: ${e.message}`);
  }
}

function startApp(agent) {
  if (!agent || !isId(agent.id)) {
    showLogin('', 'Unexpected answer from the server.');
    return;
  }
  state.me = agent;
  state.agents = new Map([[agent.id, agent]]);
  state.outbox = new Outbox(agent.id);
  hadConnection = false;

  renderMe();
  initProfile(agent); // notification preferences, admin-only links
  renderPresence();
  renderNotificationButton();
  renderTeam();
  renderAgentSelect();
  showScreen('app');

  state.socket = new AgentSocket({ onFrame, onState: renderConnection, beforeReconnect });
  state.socket.start();
  loadAgents();
  loadLabels();
  state.view = null; // force route() to load the list
  route();
  clearInterval(relTimer);
  relTimer = setInterval(() => refreshRelativeTimes($('#conv-list')), 30000);
}

// Leaves the inbox (logout, password change, session ended elsewhere).
function endSession(notice) {
  if (!state.me) return;
  if (state.socket) state.socket.stop();
  state.socket = null;
  clearInterval(relTimer);
  forgetEverything();
  resetList();
  for (const t of state.typing.values()) clearTimeout(t.timer);
  state.typing.clear();
  state.convs.clear();
  state.agents = new Map();
  state.me = null;
  state.outbox = null;
  state.view = 'open';
  for (const dlg of [$('#password-dialog'), $('#profile-dialog')]) if (dlg.open) dlg.close();
  clear($('#team'));
  $('#conn-status').hidden = true;
  showLogin(notice);
}

onUnauthenticated(() => endSession('Your session has ended. Please sign in again.'));

// Before each reconnect: is the session still valid? (A dead session fails the upgrade with
// a 401 the browser does not expose to the socket.)
async function beforeReconnect() {
  try {
    await api.me();
    return true;
  } catch (e) {
    return e.status !== 401; // 401 → onUnauthenticated has already ended the session
  }
}

async function onLoginSubmit(e) {
  e.preventDefault();
  const email = $('#login-email').value.trim();
  const password = $('#login-password').value;
  if (!email || !password) {
    showLoginError('Enter your email and password.');
    return;
  }
  const submit = $('[data-testid="login-submit"]');
  submit.disabled = true;
  showLoginError('');
  $('#login-notice').hidden = true;
  let locked = false;
  try {
    const data = await api.login(email, password);
    $('#login-password').value = '';
    startApp(data?.agent);
  } catch (err) {
    if (err.status === 401) {
      showLoginError('Wrong email or password.', err.code);
      $('#login-password').select();
    } else if (err.status === 429) {
      const secs = err.retryAfter || 60;
      showLoginError(`Too many sign-in attempts. Try again in ${secs} second${secs === 1 ? '' : 's'}.`, err.code);
      locked = true;
      clearTimeout(loginLockTimer);
      loginLockTimer = setTimeout(() => { submit.disabled = false; }, secs * 1000);
    } else {
      showLoginError(err.message, err.code);
    }
  } finally {
    if (!locked) submit.disabled = false;
  }
}

async function logout() {
  try {
    await api.logout();
  } catch (e) {
    if (e.status !== 401) {
      toast(`Could not log out: ${e.message}`);
      return;
    }
  }
  endSession('You have signed out.');
}

// ---------------------------------------------------------------- profile (display name)

function renderMe() {
  const me = state.me;
  if (!me) return;
  setText($('#me-name'), me.name || me.email || '');
  $('#me-name').dataset.initial = [...(me.name || me.email || '?')][0].toUpperCase();
  $('#me-name').title = `Your profile: ${me.email || ''} (click to change your display name)`;
}

// The agent's own name changed (here, or in another tab: an `agents` frame says so).
function applyMyName(name) {
  if (!state.me || typeof name !== 'string' || !name || name === state.me.name) return;
  state.me = { ...state.me, name };
  renderMe();
  const mine = state.agents.get(state.me.id);
  if (mine && mine.name !== name) state.agents.set(mine.id, { ...mine, name });
  renderTeam();
  renderAgentSelect();
  state.socket?.renew(); // the socket carries the name it connected with: replies from now on use the new one
}

function openProfileDialog() {
  const dlg = $('#profile-dialog');
  $('#profile-form').reset();
  $('#profile-name').value = state.me?.name || '';
  setText($('#profile-email'), state.me?.email ? `Signed in as ${state.me.email}` : '');
  setText($('#profile-error'), '');
  $('#profile-error').hidden = true;
  dlg.showModal();
  $('#profile-name').select();
}

async function onProfileSubmit(e) {
  e.preventDefault();
  const err = $('#profile-error');
  const fail = (text) => { setText(err, text); err.hidden = false; $('#profile-name').focus(); };
  const name = $('#profile-name').value.trim();
  if (!name) return fail('Enter a name.');
  if ([...name].length > 80) return fail('At most 80 characters.');
  if (/[\u0000-\u001f\u007f-\u009f]/.test(name)) return fail('The name cannot contain control characters.');
  if (name === state.me?.name) {
    $('#profile-dialog').close();
    return;
  }
  const submit = $('[data-testid="profile-save"]');
  submit.disabled = true;
  try {
    const res = await api.rename(name);
    $('#profile-dialog').close();
    applyMyName(res?.agent?.name || name);
    toast('Your display name is changed.', 'info', 3000);
  } catch (ex) {
    if (ex.status === 401) $('#profile-dialog').close();
    else fail(ex.message);
  } finally {
    submit.disabled = false;
  }
}

function openPasswordDialog() {
  const dlg = $('#password-dialog');
  $('#password-form').reset();
  setText($('#pw-error'), '');
  $('#pw-error').hidden = true;
  dlg.showModal();
  $('#pw-current').focus();
}

async function onPasswordSubmit(e) {
  e.preventDefault();
  const current = $('#pw-current').value;
  const next = $('#pw-new').value;
  const err = $('#pw-error');
  const fail = (text) => { setText(err, text); err.hidden = false; };
  if (!current || !next) return fail('Fill in both passwords.');
  if (next !== $('#pw-confirm').value) return fail('The new passwords do not match.');
  if (next === current) return fail('The new password must differ from the current one.');
  const submit = $('[data-testid="password-submit"]');
  submit.disabled = true;
  try {
    await api.changePassword(current, next);
    $('#password-dialog').close();
    endSession('Password changed. Sign in with your new password.');
  } catch (ex) {
    if (ex.status === 401 && ex.code !== 'bad_credentials' && ex.code !== 'bad_password') {
      $('#password-dialog').close();
      endSession('Your session has ended. Please sign in again.');
    } else if (ex.status === 401 || ex.status === 403) {
      fail('The current password is wrong.');
    } else {
      fail(ex.message);
    }
  } finally {
    submit.disabled = false;
  }
}

// ---------------------------------------------------------------- routing

function parseHash() {
  const m = /^#\/(open|mine|unassigned|resolved)(?:\/(\d+))?$/.exec(location.hash);
  return m ? { view: m[1], id: m[2] ? Number(m[2]) : null } : { view: 'open', id: null };
}

function route() {
  if (!state.me) return;
  const inSection = routeSection(location.hash); // #/articles, #/reports (sections.js)
  const csat = location.hash === '#/csat';
  document.body.classList.toggle('show-csat', csat);
  $('#csat-view').hidden = !csat;
  if (csat) {
    if (!state.view) { // opened at #/csat: the list (hidden) still follows live frames
      state.view = 'open';
      resetList();
      loadList();
    }
    for (const a of document.querySelectorAll('.view-link')) {
      if (a.dataset.view === 'csat') a.setAttribute('aria-current', 'page');
      else a.removeAttribute('aria-current');
    }
    loadCsatView();
    return;
  }
  if (inSection) {
    if (!state.view) { // opened at a section (a reload at #/profile): the hidden list still follows live frames
      state.view = 'open';
      resetList();
      loadList();
    }
    return;
  }
  const { view, id } = parseHash();
  if (view !== state.view) {
    state.view = view;
    resetList();
    loadList();
  }
  renderViewNav(); // also when coming back from a section or #/csat
  if (id !== state.selectedId) {
    if (id) openConversation(id);
    else closeConversation();
  } else if (id) {
    renderHeader(); // back-link follows the view
  }
}

function renderViewNav() {
  for (const a of document.querySelectorAll('.view-link')) {
    if (a.dataset.view === state.view) a.setAttribute('aria-current', 'page');
    else a.removeAttribute('aria-current');
  }
  setText($('#list-title'), VIEWS[state.view].title);
}

function goTo(conversationId) {
  location.hash = `#/${state.view || 'open'}/${conversationId}`;
}

// ---------------------------------------------------------------- live frames

function onFrame(f) {
  if (!state.me) return;
  switch (f.type) {
    case 'ready':
      hadConnection = true;
      if (f.agent && f.agent.id === state.me.id) state.me = { ...state.me, ...f.agent };
      renderMe();
      if (Array.isArray(f.agents)) setAgents(f.agents);
      renderPresence();
      loadList({ keepShown: true }); // whatever happened while we were away, as far down as was shown
      loadLabels(); // label changes missed meanwhile
      routingChanged(); // the queue count
      onSocketReady(); // sync the open conversation, re-send unacknowledged replies
      break;
    case 'message':
      if (f.message) onLiveMessage(f.message);
      break;
    case 'ack':
      if (f.message) receiveMessage({ clientId: f.clientId, ...f.message }, { fromAck: true });
      break;
    case 'messages':
      handleMessagesFrame(f);
      break;
    case 'conversation':
      if (f.conversation) onConversationFrame(f.conversation);
      routingChanged(); // queued or assigned: the queue count
      break;
    case 'typing':
      onTyping(f);
      break;
    case 'team':
      teamChanged();
      break;
    case 'agents':
      setAgents(f.agents);
      routingChanged(); // someone came online or left: the Routing page's statuses
      break;
    case 'csat': {
      const c = applyCsat(f.csat);
      if (c) applyConversation(c);
      break;
    }
    case 'read':
      onRead(f);
      break;
    case 'note': // a private note: agents only (docs/PROTOCOL.md)
      receiveNote(f.note);
      noteForMe(f.note);
      break;
    case 'label':
    case 'labelDeleted':
    case 'conversationLabels':
      onLabelFrame(f);
      break;
    case 'error':
      if (!(f.clientId && handleSendError(f))) toast(f.message || f.code || 'Server error');
      break;
    default:
      break; // presence, visitor, … are for the widget
  }
}

function onLiveMessage(m) {
  receiveMessage(m);
  if (m.sender === 'VISITOR' && document.hidden) alertForMessage(m);
}

// Read receipts: the visitor's position moves *Seen*; this agent's (from another tab or
// device) clears unread markers.
function onRead(f) {
  const changed = applyReadFrame(f);
  if (changed === 'visitor' && f.conversationId === state.selectedId) renderSeen();
  if (changed === 'me') renderList();
  if (changed === 'recount') refreshRead(f.conversationId);
}

// Labels (labels.js): a conversation's labels changed, or the team's labels did (a rename or
// a delete shows on every row and in the header).
function onLabelFrame(f) {
  const changed = applyLabelFrame(f);
  if (!changed) {
    // A conversation this tab has not seen got the label the list is filtered by: fetch it
    // (without its messages) so that it joins the list.
    if (f.type === 'conversationLabels' && labels.filter !== null && Array.isArray(f.labels) &&
        f.labels.some((l) => l.id === labels.filter) && isId(f.conversationId)) {
      ensureConversation(f.conversationId, Number.MAX_SAFE_INTEGER);
    }
    return;
  }
  if (f.type === 'labelDeleted' && filterIsGone()) {
    resetList();
    loadList();
  }
  if (changed === true) renderList();
  else showLabelsOf(changed);
  if (state.selectedId) renderHeader();
}

function showLabelsOf(c) {
  placeInList(c); // with a label filter, a conversation may join or leave the list
  if (labels.filter !== null) scheduleCountsRefresh();
  if (c.id === state.selectedId) renderHeader();
}

// While the FAQ bot holds a conversation (docs/BOT.md) nobody is alerted; when it gives the
// conversation to the team (a person was asked for, or it had no answer), that is the alert.
function onConversationFrame(c) {
  if (!isId(c.id)) return;
  const before = state.convs.get(c.id);
  const wasKnown = !!before;
  const held = botHolds(before);
  const merged = applyConversation(c);
  if (!merged || !document.hidden || botHolds(merged)) return;
  if (!wasKnown) alertForNewConversation(merged);
  else if (held && (merged.bot === 'handed' || merged.bot === 'quiet')) alertForNewConversation(merged, true);
}

function onTyping(f) {
  if (!isId(f.conversationId)) return;
  if (f.from === 'visitor') {
    showTyping(f.conversationId, 'Visitor is typing…');
  } else if (f.from === 'agent') {
    if (f.agentId === state.me.id || (f.agentId === undefined && f.name === state.me.name)) return;
    showTyping(f.conversationId, `${f.name || 'A colleague'} is typing…`);
  }
}

// ---------------------------------------------------------------- alerts

// A brand-new conversation (created now, not assigned) while this tab is in the background.
function alertForNewConversation(c, fromBot = false) {
  if (c.status !== 'OPEN' || c.assignedTo) return;
  const created = parseTime(c.createdAt);
  const updated = parseTime(c.updatedAt);
  if (!fromBot && created && updated && Math.abs(updated - created) > 10000) return; // an old one that changed
  const who = visitorName(c.visitor);
  alertOnce(`conv:${c.id}`, {
    event: 'newConversation',
    title: 'New conversation',
    body: c.lastMessage ? `${who}: ${truncate(oneLine(c.lastMessage.body), 140)}` : `${who} started a conversation`,
    tag: `parley-conv-${c.id}`,
    onClick: () => goTo(c.id),
  });
}

// A visitor wrote in an unassigned conversation (or one assigned to me).
async function alertForMessage(m) {
  const c = await ensureConversation(m.conversationId, m.id);
  if (!c || !state.me || botHolds(c)) return;
  if (c.assignedTo && c.assignedTo.id !== state.me.id) return;
  alertOnce(`msg:${m.id}`, {
    // Preferences: a message in my conversation, or one in the unassigned queue (new work).
    event: c.assignedTo ? 'newMessageOnMine' : 'newConversation',
    title: `${visitorName(c.visitor)} wrote`,
    body: truncate(oneLine(m.body), 140),
    tag: `parley-conv-${c.id}`,
    unlessRecent: [`conv:${c.id}`],
    onClick: () => goTo(c.id),
  });
}

function renderNotificationButton() {
  const btn = $('#enable-notifications');
  const p = notificationPermission();
  btn.hidden = p === 'granted' || p === 'unsupported';
  btn.disabled = p === 'denied';
  setText(btn, p === 'denied' ? 'Notifications blocked' : 'Enable notifications');
  btn.title = p === 'denied' ? 'Allow notifications for this site in your browser settings.' : '';
}

async function enableNotifications() {
  primeAudio();
  const p = await requestNotificationPermission();
  renderNotificationButton();
  if (p === 'granted') toast('Notifications are on: you will be alerted while this tab is in the background.', 'info');
}

// ---------------------------------------------------------------- agents and presence

async function loadAgents() {
  try {
    const data = await api.agents();
    if (Array.isArray(data?.agents)) setAgents(data.agents, { complete: true });
  } catch {
    /* the socket's `ready`/`agents` frames fill it too */
  }
}

// `agents` lists agents with their presence; anyone we knew but who is missing is treated as
// disconnected (unless the list is the complete directory from GET /api/agents).
function setAgents(list, { complete = false } = {}) {
  if (!Array.isArray(list) || !state.me) return;
  const present = new Set();
  for (const a of list) {
    if (a && isId(a.id)) {
      state.agents.set(a.id, { ...state.agents.get(a.id), ...a });
      present.add(a.id);
    }
  }
  if (!complete) {
    for (const [id, a] of state.agents) if (!present.has(id) && a.connected) state.agents.set(id, { ...a, connected: false });
  }
  const me = state.agents.get(state.me.id);
  if (me && !presenceBusy) state.me = { ...state.me, status: me.status };
  if (me && me.name) applyMyName(me.name);
  renderPresence();
  renderTeam();
  renderAgentSelect();
}

function renderTeam() {
  const ul = $('#team');
  clear(ul);
  const agents = [...state.agents.values()].sort((a, b) => {
    if (a.id === state.me.id) return -1;
    if (b.id === state.me.id) return 1;
    return String(a.name).localeCompare(String(b.name));
  });
  for (const a of agents) {
    const p = presenceOf(a);
    ul.appendChild(h('li', {
      class: `team-member presence-${p}`, 'data-testid': 'team-member', 'data-agent-id': a.id, 'data-presence': p,
      title: `${a.name} — ${p}`,
    },
    h('span', { class: `presence-dot dot-${p}`, 'aria-hidden': 'true' }),
    h('span', { class: 'team-name' }, a.id === state.me.id ? `${a.name} (you)` : a.name),
    h('span', { class: 'team-state' }, p)));
  }
}

function renderPresence() {
  const btn = $('#presence-toggle');
  const online = state.me?.status === 'online';
  btn.setAttribute('aria-checked', online ? 'true' : 'false');
  btn.dataset.status = online ? 'online' : 'away';
  btn.title = online ? 'You are online: click to go away' : 'You are away: click to go online';
  setText($('#presence-label'), online ? 'Online' : 'Away');
}

async function togglePresence() {
  if (!state.me || presenceBusy) return;
  const prev = state.me.status;
  const next = prev === 'online' ? 'away' : 'online';
  presenceBusy = true;
  state.me = { ...state.me, status: next };
  renderPresence();
  $('#presence-toggle').setAttribute('aria-busy', 'true');
  try {
    const res = await api.setStatus(next);
    if (res?.agent && state.me) state.me = { ...state.me, ...res.agent };
  } catch (e) {
    if (e.status === 401 || !state.me) return;
    state.me = { ...state.me, status: prev };
    toast(`Could not change your status: ${e.message}`);
  } finally {
    presenceBusy = false;
    $('#presence-toggle').removeAttribute('aria-busy');
    if (state.me) {
      const mine = state.agents.get(state.me.id);
      if (mine) state.agents.set(mine.id, { ...mine, status: state.me.status });
      renderPresence();
      renderTeam();
    }
  }
}

// ---------------------------------------------------------------- connection banner

function renderConnection(s) {
  const box = $('#conn-status');
  box.dataset.state = s;
  if (s === 'open') {
    box.hidden = true;
    return;
  }
  if (s === 'connecting' && !hadConnection) {
    box.hidden = true; // first connection: no banner unless it fails
    return;
  }
  setText($('#conn-text'), s === 'connecting' ? 'Reconnecting…' : 'Connection lost. Reconnecting…');
  $('#conn-retry').hidden = s === 'connecting';
  box.hidden = false;
  hadConnection = true; // from now on show the banner while connecting
}

// ---------------------------------------------------------------- wiring

function wireStatic() {
  $('#login-form').addEventListener('submit', onLoginSubmit);
  $('#logout-btn').addEventListener('click', logout);
  $('#change-password-btn').addEventListener('click', openPasswordDialog);
  $('#me-name').addEventListener('click', openProfileDialog);
  $('#profile-form').addEventListener('submit', onProfileSubmit);
  $('#profile-cancel').addEventListener('click', () => $('#profile-dialog').close());
  $('#password-form').addEventListener('submit', onPasswordSubmit);
  $('#pw-cancel').addEventListener('click', () => $('#password-dialog').close());
  $('#presence-toggle').addEventListener('click', togglePresence);
  $('#enable-notifications').addEventListener('click', enableNotifications);
  $('#conn-retry').addEventListener('click', () => state.socket?.reconnectNow());

  initList();
  initSearch();
  initConversation();
  initNotes();
  initCanned(); // the `/` menu of canned replies in the reply box
  initCsatView();
  initLabelFilter(() => { // another label in the list's filter: the list (and counts) again
    resetList();
    loadList();
  });
  onConversationLabels(showLabelsOf);

  window.addEventListener('hashchange', route);
  window.addEventListener('online', () => state.socket?.reconnectNow());
  document.addEventListener('visibilitychange', () => {
    if (document.visibilityState === 'visible' && state.me) markSelectedSeen();
  });
  // Audio may only start after a user gesture: unlock it on the first one.
  const unlock = () => primeAudio();
  document.addEventListener('pointerdown', unlock, { capture: true, passive: true });
  document.addEventListener('keydown', unlock, { capture: true, passive: true });
}

if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', boot);
else boot();
