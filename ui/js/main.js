// main — the UI's entry: session check, client-side routes (history API; the
// server answers every unknown path with index.html), the header with its
// drift badge and user menu, and the live stores every page reads.
import { h, put, clear, toast, modal, field } from './dom.js';
import { api, get, apps, alerts, setUnauthorizedHandler } from './api.js';
import * as loginPage from './pages/login.js';
import * as appsPage from './pages/apps.js';
import * as appPage from './pages/app.js';
import * as alertsPage from './pages/alerts.js';
import * as reposPage from './pages/repos.js';
import * as clustersPage from './pages/clusters.js';
import * as projectsPage from './pages/projects.js';

const main = document.getElementById('main');
const session = { user: null };
let cleanup = null;
let storesStarted = false;

const routes = [
  [/^\/login$/, loginPage, 'login'],
  [/^\/applications$/, appsPage, 'applications'],
  [/^\/applications\/([^/]+)$/, appPage, 'applications'],
  [/^\/alerts$/, alertsPage, 'alerts'],
  [/^\/repositories$/, reposPage, 'repositories'],
  [/^\/clusters$/, clustersPage, 'clusters'],
  [/^\/projects$/, projectsPage, 'projects'],
];

export function navigate(path, { replace = false } = {}) {
  if (replace) history.replaceState(null, '', path);
  else history.pushState(null, '', path);
  route();
}

// Updates the query string without a re-render (filters, tabs).
export function setQuery(params) {
  const q = new URLSearchParams(location.search);
  for (const [k, v] of Object.entries(params)) {
    if (v === '' || v === null || v === undefined) q.delete(k);
    else q.set(k, v);
  }
  const s = q.toString();
  history.replaceState(null, '', location.pathname + (s ? `?${s}` : ''));
}

async function startStores() {
  if (storesStarted) return;
  storesStarted = true;
  try {
    await Promise.all([apps.start(), alerts.start()]);
  } catch (e) {
    storesStarted = false;
    toast(`cannot load live data: ${e.message}`, 'error');
  }
}

function stopStores() {
  apps.stop();
  alerts.stop();
  storesStarted = false;
}

function updateBadge() {
  const b = document.getElementById('drift-badge');
  const n = apps.driftCount();
  b.hidden = n === 0;
  b.textContent = String(n);
  b.setAttribute('aria-label', `${n} open drift alert${n === 1 ? '' : 's'}`);
  b.title = `${n} application${n === 1 ? '' : 's'} with open drift`;
}

async function route() {
  if (cleanup) { try { cleanup(); } catch (e) { /* page gone */ } }
  cleanup = null;
  closeUserMenu();
  let path = location.pathname.replace(/\/+$/, '') || '/';
  if (path === '/' || path === '/index.html') {
    history.replaceState(null, '', '/applications');
    path = '/applications';
  }
  if (!session.user && path !== '/login') {
    const next = location.pathname + location.search;
    history.replaceState(null, '', `/login?next=${encodeURIComponent(next)}`);
    path = '/login';
  }
  const top = document.getElementById('top');
  top.hidden = path === '/login';
  for (const [re, page, nav] of routes) {
    const m = path.match(re);
    if (!m) continue;
    for (const a of document.querySelectorAll('#nav a'))
      if (a.dataset.nav === nav) a.setAttribute('aria-current', 'page');
      else a.removeAttribute('aria-current');
    clear(main);
    if (path !== '/login') startStores();
    let params;
    try { params = m.slice(1).map(decodeURIComponent); } catch (e) { params = m.slice(1); }
    cleanup = page.render(main, params, new URLSearchParams(location.search), ctx) || null;
    return;
  }
  clear(main);
  put(main, h('h1', { text: 'Not found' }), h('p', {}, 'No page at ', h('code', { text: path }), '.'));
}

const ctx = {
  navigate,
  setQuery,
  session,
  async loggedIn(user) {
    session.user = user;
    document.getElementById('user-name').textContent = user;
    await startStores();
  },
};

function closeUserMenu() {
  const m = document.getElementById('user-menu');
  if (!m) return;
  m.hidden = true;
  document.getElementById('user-button').setAttribute('aria-expanded', 'false');
}

function setupUserMenu() {
  const btn = document.getElementById('user-button');
  const menu = document.getElementById('user-menu');
  btn.addEventListener('click', (e) => {
    e.stopPropagation();
    const open = menu.hidden;
    menu.hidden = !open;
    btn.setAttribute('aria-expanded', String(open));
    if (open) menu.querySelector('button').focus();
  });
  menu.addEventListener('keydown', (e) => {
    const items = [...menu.querySelectorAll('button')];
    const i = items.indexOf(document.activeElement);
    if (e.key === 'ArrowDown') { e.preventDefault(); items[(i + 1) % items.length].focus(); }
    if (e.key === 'ArrowUp') { e.preventDefault(); items[(i - 1 + items.length) % items.length].focus(); }
    if (e.key === 'Escape') { closeUserMenu(); btn.focus(); }
  });
  document.addEventListener('click', (e) => { if (!menu.contains(e.target)) closeUserMenu(); });
  document.getElementById('menu-logout').addEventListener('click', async () => {
    closeUserMenu();
    try { await api('DELETE', '/api/v1/session'); } catch (e) { /* the session may be gone already */ }
    session.user = null;
    stopStores();
    navigate('/login');
  });
  document.getElementById('menu-password').addEventListener('click', () => {
    closeUserMenu();
    changePassword();
  });
}

function changePassword() {
  modal('Change password', (close) => {
    const cur = h('input', { type: 'password', autocomplete: 'current-password', required: true });
    const next = h('input', { type: 'password', autocomplete: 'new-password', required: true, minlength: 8 });
    const again = h('input', { type: 'password', autocomplete: 'new-password', required: true, minlength: 8 });
    const err = h('p', { class: 'error', role: 'alert' });
    const form = h('form', { class: 'form' },
      field('Current password', cur), field('New password', next, 'At least 8 characters.'),
      field('New password again', again), err,
      h('div', { class: 'actions' },
        h('button', { type: 'button', class: 'btn', onclick: () => close() }, 'Cancel'),
        h('button', { type: 'submit', class: 'btn primary' }, 'Change password')));
    form.addEventListener('submit', async (e) => {
      e.preventDefault();
      err.textContent = '';
      if (next.value !== again.value) { err.textContent = 'the new passwords differ'; return; }
      try {
        await api('PUT', '/api/v1/account/password', { currentPassword: cur.value, newPassword: next.value });
        close(true);
        toast('Password changed; log in again with the new password');
        session.user = null;
        stopStores();
        navigate('/login');
      } catch (ex) { err.textContent = ex.message; }
    });
    return form;
  });
}

// In-app links: same-origin anchors marked data-route navigate without a reload.
document.addEventListener('click', (e) => {
  const a = e.target.closest && e.target.closest('a[data-route]');
  if (!a || e.defaultPrevented || e.button !== 0 || e.metaKey || e.ctrlKey || e.shiftKey || e.altKey) return;
  const url = new URL(a.href, location.href);
  if (url.origin !== location.origin) return;
  e.preventDefault();
  navigate(url.pathname + url.search);
});
window.addEventListener('popstate', route);

setUnauthorizedHandler(() => {
  if (!session.user) return;
  session.user = null;
  stopStores();
  toast('Your session ended; please log in again', 'error');
  navigate(`/login?next=${encodeURIComponent(location.pathname + location.search)}`, { replace: true });
});

async function boot() {
  setupUserMenu();
  apps.on(updateBadge);
  try {
    const info = await get('/api/v1/session/userinfo');
    if (info.loggedIn) {
      session.user = info.username;
      document.getElementById('user-name').textContent = info.username;
    }
  } catch (e) { /* not logged in */ }
  route();
}

boot();
