// dom — the only way the UI builds HTML: elements from createElement with
// text set through textContent, never parsed from HTML strings. Links go through
// safeHref, so no `javascript:` (or any other non-http URL) is ever rendered.

const SVG_NS = 'http://www.w3.org/2000/svg';

function apply(el, attrs) {
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === undefined || v === null || v === false) continue;
    if (k === 'class') el.className = Array.isArray(v) ? v.filter(Boolean).join(' ') : v;
    else if (k === 'text') el.textContent = v;
    else if (k === 'href') el.setAttribute('href', safeHref(v));
    else if (k.startsWith('on') && typeof v === 'function') el.addEventListener(k.slice(2), v);
    else if (k === 'dataset') Object.assign(el.dataset, v);
    else if (k === 'value' && 'value' in el) el.value = v;
    else if (k === 'checked' || k === 'selected' || k === 'disabled') el[k] = !!v;
    else el.setAttribute(k, v === true ? '' : String(v));
  }
}

function append(el, children) {
  for (const c of children.flat(Infinity)) {
    if (c === null || c === undefined || c === false) continue;
    el.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
  return el;
}

// h('button', {class: 'btn', onclick}, 'Sync') → <button>
export function h(tag, attrs, ...children) {
  const el = document.createElement(tag);
  apply(el, attrs);
  return append(el, children);
}

export function svg(tag, attrs, ...children) {
  const el = document.createElementNS(SVG_NS, tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === undefined || v === null) continue;
    if (k === 'class') el.setAttribute('class', v);
    else if (k === 'text') el.textContent = v;
    else if (k.startsWith('on') && typeof v === 'function') el.addEventListener(k.slice(2), v);
    else el.setAttribute(k, String(v));
  }
  return append(el, children);
}

export function clear(el) {
  while (el.firstChild) el.removeChild(el.firstChild);
  return el;
}

// An in-app path ("/applications/x"), or an http(s) URL; anything else "#".
export function safeHref(url) {
  const s = String(url ?? '');
  if (s.startsWith('/') && !s.startsWith('//')) return s;
  if (s.startsWith('#') || s.startsWith('?')) return s;
  try {
    const u = new URL(s, location.origin);
    if (u.protocol === 'http:' || u.protocol === 'https:') return u.href;
  } catch (e) { /* not a URL */ }
  return '#';
}

// A link to an in-app route; the router intercepts clicks on [data-route].
export function link(path, attrs, ...children) {
  return h('a', { ...attrs, href: path, 'data-route': '' }, ...children);
}

let fieldSeq = 0;
// A labelled form field: label + control (+ hint).
export function field(label, control, hint) {
  if (!control.id) control.id = `f${++fieldSeq}`;
  return h('div', { class: 'field' },
    h('label', { for: control.id }, label), control,
    hint ? h('small', { class: 'hint' }, hint) : null);
}

export function badge(kind, value) {
  const v = value || 'Unknown';
  return h('span', { class: ['badge', `${kind}-${v.toLowerCase()}`], title: `${kind}: ${v}` },
    h('span', { class: 'dot', 'aria-hidden': 'true' }), v);
}

export function syncBadge(s) { return badge('sync', s); }
export function healthBadge(s) { return badge('health', s); }

// A transient message at the bottom; errors stay until dismissed.
export function toast(msg, kind = 'info') {
  let box = document.getElementById('toasts');
  if (!box) {
    box = h('div', { id: 'toasts', role: 'status', 'aria-live': 'polite' });
    document.body.append(box);
  }
  const close = h('button', { class: 'icon-btn', 'aria-label': 'Dismiss', text: '×' });
  const t = h('div', { class: ['toast', kind] }, h('span', { text: msg }), close);
  close.addEventListener('click', () => t.remove());
  box.append(t);
  while (box.children.length > 3) box.firstChild.remove();
  if (kind !== 'error') setTimeout(() => t.remove(), 3000);
}

// A modal <dialog>: content is a function (close) → Node; resolves with
// what close() was given (undefined when dismissed with Esc).
export function modal(title, content, { wide = false } = {}) {
  return new Promise((resolve) => {
    const d = h('dialog', { class: ['modal', wide && 'wide'], 'aria-labelledby': 'modal-title' });
    let done = false;
    const close = (v) => {
      if (done) return;
      done = true;
      d.close();
      d.remove();
      resolve(v);
    };
    const x = h('button', { class: 'icon-btn', 'aria-label': 'Close', text: '×', onclick: () => close() });
    d.append(h('header', {}, h('h2', { id: 'modal-title', text: title }), x), content(close));
    d.addEventListener('cancel', (e) => { e.preventDefault(); close(); });
    document.body.append(d);
    d.showModal();
  });
}

export function confirmDialog(title, message, action = 'Confirm', danger = true) {
  return modal(title, (close) => h('div', {},
    h('p', { text: message }),
    h('div', { class: 'actions' },
      h('button', { class: 'btn', onclick: () => close(false) }, 'Cancel'),
      h('button', { class: ['btn', danger ? 'danger' : 'primary'], onclick: () => close(true) }, action))));
}

export function ago(iso) {
  const t = Date.parse(iso || '');
  if (!t) return '';
  const s = Math.round((Date.now() - t) / 1000);
  if (s < 60) return `${Math.max(s, 0)}s ago`;
  if (s < 3600) return `${Math.floor(s / 60)}m ago`;
  if (s < 86400) return `${Math.floor(s / 3600)}h ago`;
  return `${Math.floor(s / 86400)}d ago`;
}

export function timeEl(iso) {
  return h('time', { datetime: iso || '', title: iso || '', text: ago(iso) || '—' });
}

export function shortRev(r) {
  return /^[0-9a-f]{40}$/.test(r || '') ? r.slice(0, 7) : (r || '');
}

// el.append without the null/false children (which DOM append prints).
export function put(el, ...children) {
  return append(el, children);
}
