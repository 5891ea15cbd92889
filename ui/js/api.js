// api — JSON calls to /api/v1 with the session cookie, and the two live
// stores the pages share: applications and alerts, each filled by one list
// request and kept current by one server-sent event stream.

export class ApiError extends Error {
  constructor(status, message) {
    super(message);
    this.status = status;
  }
}

let onUnauthorized = () => {};
export function setUnauthorizedHandler(fn) { onUnauthorized = fn; }

export async function api(method, path, body) {
  const opts = { method, credentials: 'same-origin', headers: { Accept: 'application/json' } };
  if (body !== undefined) {
    opts.headers['Content-Type'] = 'application/json';
    opts.body = JSON.stringify(body);
  }
  let resp;
  try {
    resp = await fetch(path, opts);
  } catch (e) {
    throw new ApiError(0, `cannot reach the server: ${e.message}`);
  }
  let doc = null;
  const text = await resp.text();
  try { doc = text ? JSON.parse(text) : {}; } catch (e) { doc = { error: text }; }
  if (!resp.ok) {
    if (resp.status === 401 && !path.endsWith('/session')) onUnauthorized();
    throw new ApiError(resp.status, (doc && (doc.error || doc.message)) || `${resp.status} ${resp.statusText}`);
  }
  return doc;
}

export const get = (p) => api('GET', p);
export const post = (p, b) => api('POST', p, b ?? {});
export const put = (p, b) => api('PUT', p, b);
export const del = (p) => api('DELETE', p);

export const enc = encodeURIComponent;
// A URL (repository or cluster server) as the last part of an API path.
export const encUrl = (u) => encodeURI(u).replace(/\?/g, '%3F').replace(/#/g, '%23');

// A set of subscribers notified at most once per animation frame.
class Emitter {
  constructor() { this.subs = new Set(); this.pending = false; this.retry = 0; }

  // EventSource retries by itself after a dropped connection, but gives up
  // on an HTTP error (an ended session, a restarted server): start over
  // then, which lists again and reports a 401 to the session handler.
  retryIfClosed() {
    if (!this.active || !this.es || this.es.readyState !== EventSource.CLOSED) return;
    clearTimeout(this.retry);
    this.retry = setTimeout(() => this.start().catch(() => this.retryLater()), 3000);
  }

  retryLater() {
    if (!this.active) return;
    clearTimeout(this.retry);
    this.retry = setTimeout(() => this.start().catch(() => this.retryLater()), 10000);
  }

  on(fn) { this.subs.add(fn); return () => this.subs.delete(fn); }
  emit() {
    if (this.pending) return;
    this.pending = true;
    requestAnimationFrame(() => {
      this.pending = false;
      for (const fn of [...this.subs]) fn();
    });
  }
}

// Every application the user may see, by name, live.
export class AppStore extends Emitter {
  constructor() {
    super();
    this.apps = new Map();
    this.loaded = false;
    this.connected = false;
    this.es = null;
  }

  async start() {
    this.stop();
    this.active = true;
    const list = await get('/api/v1/applications');
    this.apps.clear();
    for (const a of list.items || []) this.apps.set(a.metadata.name, a);
    this.loaded = true;
    this.emit();
    const rv = list.metadata && list.metadata.resourceVersion;
    const q = rv ? `?lastEventId=${enc(rv)}` : '';
    this.es = new EventSource(`/api/v1/stream/applications${q}`);
    this.es.onopen = () => { this.connected = true; this.emit(); };
    this.es.onerror = () => {
      this.connected = false;
      this.emit();
      this.retryIfClosed();
    };
    this.es.onmessage = (ev) => {
      let msg;
      try { msg = JSON.parse(ev.data); } catch (e) { return; }
      const r = msg.result || {};
      const a = r.application;
      if (!a || !a.metadata) return;
      if (r.type === 'DELETED') this.apps.delete(a.metadata.name);
      else this.apps.set(a.metadata.name, a);
      this.emit();
    };
  }

  stop() {
    if (this.es) this.es.close();
    this.es = null;
    this.connected = false;
    clearTimeout(this.retry);
    this.active = false;
  }

  // Applications whose drift is open (the controller's DriftDetected condition).
  driftCount() {
    let n = 0;
    for (const a of this.apps.values())
      if (((a.status && a.status.conditions) || []).some((c) => c.type === 'DriftDetected')) n++;
    return n;
  }
}

// The last alerts, newest first, live.
export class AlertStore extends Emitter {
  constructor() { super(); this.items = []; this.ids = new Set(); this.es = null; this.loaded = false; }

  add(a) {
    if (!a || this.ids.has(a.id)) return false;
    this.ids.add(a.id);
    this.items.unshift(a);
    if (this.items.length > 1000) this.ids.delete(this.items.pop().id);
    return true;
  }

  async start() {
    this.stop();
    this.active = true;
    const list = await get('/api/v1/alerts');
    const items = (list.items || []).slice().sort((x, y) => Number(x.id) - Number(y.id));
    this.items = [];
    this.ids.clear();
    for (const a of items) this.add(a);
    this.loaded = true;
    this.emit();
    const last = items.length ? items[items.length - 1].id : '0';
    this.es = new EventSource(`/api/v1/stream/alerts?lastEventId=${enc(last)}`);
    this.es.onerror = () => this.retryIfClosed();
    this.es.onmessage = (ev) => {
      let a;
      try { a = JSON.parse(ev.data); } catch (e) { return; }
      if (this.add(a)) this.emit();
    };
  }

  stop() {
    if (this.es) this.es.close();
    this.es = null;
    clearTimeout(this.retry);
    this.active = false;
  }
}

export const apps = new AppStore();
export const alerts = new AlertStore();
