// REST client for the agent API (docs/PROTOCOL.md). Same origin; the session is the
// HttpOnly cookie, so every request simply carries credentials: 'same-origin'.

export class ApiError extends Error {
  constructor(status, code, message, retryAfter = null) {
    super(message);
    this.name = 'ApiError';
    this.status = status;
    this.code = code;
    this.retryAfter = retryAfter; // seconds, when the server sent Retry-After
  }
}

let unauthenticatedHandler = null;

// Called when a request answers 401 with anything but bad_credentials: the session ended
// (logout elsewhere, password changed, expired).
export function onUnauthenticated(fn) {
  unauthenticatedHandler = fn;
}

const DEFAULT_MESSAGES = {
  0: 'Cannot reach the server. Check your connection.',
  401: 'Your session has ended. Please sign in again.',
  403: 'This action is not allowed.',
  404: 'Not found.',
  409: 'That change conflicts with the current state of the conversation.',
  413: 'That is too large to send.',
  429: 'Too many requests. Please wait a moment.',
  503: 'The service is temporarily unavailable. Please try again.',
};

function parseRetryAfter(value) {
  if (!value) return null;
  const secs = Number(value);
  if (Number.isFinite(secs)) return Math.max(0, Math.ceil(secs));
  const at = Date.parse(value);
  return Number.isNaN(at) ? null : Math.max(0, Math.ceil((at - Date.now()) / 1000));
}

export async function request(method, path, body, { handle401 = true } = {}) {
  const init = { method, credentials: 'same-origin', headers: { Accept: 'application/json' } };
  if (body !== undefined) {
    init.headers['Content-Type'] = 'application/json';
    init.body = JSON.stringify(body);
  }
  let res;
  try {
    res = await fetch(path, init);
  } catch {
    throw new ApiError(0, 'network', DEFAULT_MESSAGES[0]);
  }
  let data = null;
  if (res.status !== 204) {
    const text = await res.text().catch(() => '');
    if (text) {
      try { data = JSON.parse(text); } catch { data = null; }
    }
  }
  if (!res.ok) {
    const err = (data && typeof data.error === 'object' && data.error) || {};
    const code = typeof err.code === 'string' ? err.code : `http_${res.status}`;
    const message = typeof err.message === 'string' && err.message
      ? err.message
      : DEFAULT_MESSAGES[res.status] || `Request failed (${res.status}).`;
    const e = new ApiError(res.status, code, message, parseRetryAfter(res.headers.get('Retry-After')));
    e.body = data; // a 409 carries the conversation as it is now (and who has it)
    if (res.status === 401 && handle401 && code !== 'bad_credentials' && unauthenticatedHandler) {
      unauthenticatedHandler(e);
    }
    throw e;
  }
  return data;
}

// Query string with literal commas (status=OPEN,ASSIGNED), every value encoded otherwise.
function query(params) {
  const parts = [];
  for (const [k, v] of Object.entries(params)) {
    if (v === null || v === undefined || v === '') continue;
    parts.push(`${encodeURIComponent(k)}=${encodeURIComponent(String(v)).replace(/%2C/gi, ',')}`);
  }
  return parts.length ? `?${parts.join('&')}` : '';
}

const conv = (id) => `/api/inbox/${encodeURIComponent(id)}`;

export const api = {
  me: () => request('GET', '/api/me'),
  login: (email, password) =>
    request('POST', '/api/auth/login', { email, password }, { handle401: false }),
  logout: () => request('POST', '/api/auth/logout', undefined, { handle401: false }),
  changePassword: (current, password) =>
    request('POST', '/api/me/password', { current, password }, { handle401: false }),
  rename: (name) => request('PATCH', '/api/me', { name }),
  setStatus: (status) => request('POST', '/api/me/status', { status }),
  agents: () => request('GET', '/api/agents'),
  inbox: (params) => request('GET', `/api/inbox${query(params)}`),
  search: (params) => request('GET', `/api/search${query(params)}`),
  conversation: (id, after) => request('GET', `${conv(id)}${query({ after: after || null })}`),
  // Only an unassigned conversation is assigned, unless takeOver (for the version seen).
  assign: (id, agentId, { takeOver = false, version = null } = {}) =>
    request('POST', `${conv(id)}/assign`, { agentId, ...(takeOver ? { takeOver, version } : {}) }),
  unassign: (id) => request('POST', `${conv(id)}/unassign`),
  resolve: (id) => request('POST', `${conv(id)}/resolve`),
  reopen: (id) => request('POST', `${conv(id)}/reopen`),
};
