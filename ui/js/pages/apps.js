// apps — the Applications page: tiles or a table, filters kept in the query
// string, a search, live updates from the applications stream, paging so a
// thousand applications stay fast, and the New app and delete actions.
import { h, put, clear, link, field, syncBadge, healthBadge, modal, confirmDialog, toast, shortRev } from '../dom.js';
import { apps, get, post, del, enc } from '../api.js';

const PAGE = { tiles: 48, table: 100 };
const SYNC = ['Synced', 'OutOfSync', 'Unknown'];
const HEALTH = ['Healthy', 'Progressing', 'Degraded', 'Suspended', 'Missing', 'Unknown'];

export const repoOf = (a) => (a.spec && (a.spec.source || (a.spec.sources || [])[0]) || {});
export const syncOf = (a) => (a.status && a.status.sync && a.status.sync.status) || 'Unknown';
export const healthOf = (a) => (a.status && a.status.health && a.status.health.status) || 'Unknown';
const projectOf = (a) => (a.spec && a.spec.project) || 'default';

// "k=v,k2" → [[k, v], [k2, null]]
function parseLabels(s) {
  return (s || '').split(',').map((x) => x.trim()).filter(Boolean).map((x) => {
    const i = x.indexOf('=');
    return i < 0 ? [x, null] : [x.slice(0, i).trim(), x.slice(i + 1).trim()];
  });
}

function matches(a, f) {
  const name = a.metadata.name;
  if (f.search && !name.toLowerCase().includes(f.search.toLowerCase())) return false;
  if (f.project && projectOf(a) !== f.project) return false;
  if (f.sync && syncOf(a) !== f.sync) return false;
  if (f.health && healthOf(a) !== f.health) return false;
  if (f.repo && repoOf(a).repoURL !== f.repo) return false;
  const labels = a.metadata.labels || {};
  for (const [k, v] of parseLabels(f.label)) {
    if (!(k in labels)) return false;
    if (v !== null && labels[k] !== v) return false;
  }
  return true;
}

function select(label, value, options, onchange) {
  const s = h('select', { onchange: () => onchange(s.value) },
    h('option', { value: '', text: `All` }),
    options.map((o) => h('option', { value: o, text: o, selected: o === value })));
  return field(label, s);
}

export function render(main, _params, query, ctx) {
  const f = {
    search: query.get('search') || '', project: query.get('project') || '', sync: query.get('sync') || '',
    health: query.get('health') || '', repo: query.get('repo') || '', label: query.get('label') || '',
  };
  let view = query.get('view') || localStorage.getItem('bosun.view') || 'tiles';
  let page = Number(query.get('page') || 1);

  const title = h('h1', { text: 'Applications' });
  const count = h('span', { class: 'muted', 'aria-live': 'polite' });
  const live = h('span', { class: 'live-dot', title: 'live updates' });
  const newBtn = h('button', { class: 'btn primary', onclick: () => newApp(ctx) }, '+ New app');
  const viewBtns = ['tiles', 'table'].map((v) => h('button', {
    class: 'btn seg', 'aria-pressed': String(view === v), 'data-view': v,
    onclick: () => { view = v; localStorage.setItem('bosun.view', v); page = 1; ctx.setQuery({ view: v, page: '' }); update(); },
  }, v === 'tiles' ? 'Tiles' : 'Table'));

  const filters = h('div', { class: 'filters', role: 'search', id: 'app-filters' });
  const filtersToggle = h('button', { class: 'btn filters-toggle', 'aria-expanded': 'false', 'aria-controls': 'app-filters',
    onclick: () => {
      const open = filters.classList.toggle('open');
      filtersToggle.setAttribute('aria-expanded', String(open));
    } }, 'Filters');
  const list = h('div', { class: 'app-list' });
  const pager = h('nav', { class: 'pager', 'aria-label': 'Pages' });

  const setF = (k) => (v) => { f[k] = v; page = 1; ctx.setQuery({ [k]: v, page: '' }); update(); };
  const search = h('input', { type: 'search', value: f.search, placeholder: 'Search by name', 'aria-label': 'Search applications' });
  search.addEventListener('input', () => setF('search')(search.value));
  const label = h('input', { value: f.label, placeholder: 'team=web', 'aria-label': 'Label selector' });
  label.addEventListener('change', () => setF('label')(label.value));

  function buildFilters() {
    const all = [...apps.apps.values()];
    const projects = [...new Set(all.map(projectOf))].sort();
    const repos = [...new Set(all.map((a) => repoOf(a).repoURL).filter(Boolean))].sort();
    if (f.project && !projects.includes(f.project)) projects.push(f.project);
    if (f.repo && !repos.includes(f.repo)) repos.push(f.repo);
    put(clear(filters), 
      field('Search', search),
      select('Project', f.project, projects, setF('project')),
      select('Sync', f.sync, SYNC, setF('sync')),
      select('Health', f.health, HEALTH, setF('health')),
      select('Repository', f.repo, repos, setF('repo')),
      field('Labels', label),
      h('button', { class: 'btn ghost', onclick: () => {
        for (const k of Object.keys(f)) f[k] = '';
        search.value = label.value = '';
        ctx.setQuery({ search: '', project: '', sync: '', health: '', repo: '', label: '', page: '' });
        update(true);
      } }, 'Clear filters'));
  }
  let filterKey = '';
  let lastSig = '';

  function update(force) {
    const all = [...apps.apps.values()];
    const key = JSON.stringify([...new Set(all.map(projectOf))].sort()) + JSON.stringify([...new Set(all.map((a) => repoOf(a).repoURL))].sort());
    if (force || key !== filterKey) {
      const focused = document.activeElement && filters.contains(document.activeElement) ? document.activeElement : null;
      if (!focused || force) { buildFilters(); filterKey = key; }
    }
    for (const b of viewBtns) b.setAttribute('aria-pressed', String(b.dataset.view === view));
    live.classList.toggle('on', apps.connected);
    live.setAttribute('aria-label', apps.connected ? 'live' : 'reconnecting');
    const shown = all.filter((a) => matches(a, f)).sort((x, y) => x.metadata.name.localeCompare(y.metadata.name));
    const per = PAGE[view] || PAGE.tiles;
    const pages = Math.max(1, Math.ceil(shown.length / per));
    if (page > pages) page = pages;
    const slice = shown.slice((page - 1) * per, page * per);
    count.textContent = apps.loaded ? `${shown.length} of ${all.length}` : 'loading…';
    const active = ['project', 'sync', 'health', 'repo', 'label'].filter((k) => f[k]).length;
    filtersToggle.textContent = active ? `Filters (${active})` : 'Filters';
    // live updates to apps off this page change nothing here: skip the DOM work
    const sig = `${apps.loaded}|${view}|${page}|${pages}|${all.length}|${shown.length}|${slice.map((a) => `${a.metadata.name}@${a.metadata.resourceVersion}`).join(',')}`;
    if (!force && sig === lastSig) return;
    lastSig = sig;
    const focusName = document.activeElement && list.contains(document.activeElement)
      ? [document.activeElement.closest('[data-app]')?.dataset.app, document.activeElement.dataset.action] : null;
    clear(list);
    if (apps.loaded && !all.length) {
      put(list, h('div', { class: 'empty' }, h('p', { text: 'No applications yet.' }),
        h('button', { class: 'btn primary', onclick: () => newApp(ctx) }, 'Create the first application')));
    } else if (apps.loaded && !shown.length) {
      put(list, h('p', { class: 'empty muted', text: 'No application matches the filters.' }));
    } else if (view === 'table') {
      put(list, table(slice, ctx));
    } else {
      put(list, h('ul', { class: 'tiles' }, slice.map((a) => tile(a, ctx))));
    }
    if (focusName && focusName[0]) {
      const el = list.querySelector(`[data-app="${CSS.escape(focusName[0])}"] ${focusName[1] ? `[data-action="${focusName[1]}"]` : 'a'}`);
      if (el) el.focus();
    }
    clear(pager);
    if (pages > 1) {
      const go = (p) => { page = p; ctx.setQuery({ page: p === 1 ? '' : p }); update(); list.scrollIntoView({ block: 'start' }); };
      put(pager, 
        h('button', { class: 'btn', disabled: page === 1, onclick: () => go(page - 1) }, '‹ Previous'),
        h('span', { text: `Page ${page} of ${pages}` }),
        h('button', { class: 'btn', disabled: page === pages, onclick: () => go(page + 1) }, 'Next ›'));
    }
  }

  put(main, 
    h('div', { class: 'page-head' }, h('div', { class: 'title-row' }, title, live, count),
      h('div', { class: 'head-actions' }, h('div', { class: 'segmented', role: 'group', 'aria-label': 'View' }, viewBtns), filtersToggle, newBtn)),
    filters, list, pager);
  update(true);
  return apps.on(() => update());
}

function actions(a, ctx) {
  const name = a.metadata.name;
  return [
    h('button', { class: 'btn small', 'data-action': 'sync', 'aria-label': `Sync ${name}`, onclick: async () => {
      try { await post(`/api/v1/applications/${enc(name)}/sync`, {}); toast(`Sync of ${name} started`); } catch (e) { toast(e.message, 'error'); }
    } }, 'Sync'),
    h('button', { class: 'btn small danger-text', 'data-action': 'delete', 'aria-label': `Delete ${name}`, onclick: () => deleteApp(name, ctx) }, 'Delete'),
  ];
}

function tile(a, ctx) {
  const name = a.metadata.name;
  const src = repoOf(a);
  const dest = a.spec.destination || {};
  const labels = Object.entries(a.metadata.labels || {});
  return h('li', { class: ['tile', `health-${healthOf(a).toLowerCase()}`], 'data-app': name },
    h('div', { class: 'tile-head' }, link(`/applications/${enc(name)}`, { class: 'app-name' }, name),
      h('span', { class: 'muted small', text: (a.spec && a.spec.project) || 'default' })),
    h('div', { class: 'badges' }, healthBadge(healthOf(a)), syncBadge(syncOf(a)),
      a.status && a.status.operationState && a.status.operationState.phase === 'Running' ? h('span', { class: 'badge op', text: 'Syncing…' }) : null),
    h('dl', { class: 'kv' },
      h('dt', { text: 'Repository' }), h('dd', { class: 'ellipsis', title: src.repoURL || '', text: src.repoURL || src.chart || '' }),
      h('dt', { text: 'Path' }), h('dd', { text: src.path || src.chart || '.' }),
      h('dt', { text: 'Revision' }), h('dd', { text: `${src.targetRevision || 'HEAD'}${a.status && a.status.sync && a.status.sync.revision ? ` (${shortRev(a.status.sync.revision)})` : ''}` }),
      h('dt', { text: 'Destination' }), h('dd', { class: 'ellipsis', text: `${dest.name || dest.server || ''}/${dest.namespace || ''}` })),
    labels.length ? h('div', { class: 'labels' }, labels.map(([k, v]) => h('span', { class: 'label', text: `${k}=${v}` }))) : null,
    h('div', { class: 'tile-actions' }, actions(a, ctx)));
}

function table(list, ctx) {
  return h('div', { class: 'table-wrap' }, h('table', { class: 'grid' },
    h('thead', {}, h('tr', {}, ['Name', 'Project', 'Health', 'Sync', 'Repository', 'Path', 'Revision', 'Destination', ''].map((c) => h('th', { scope: 'col', text: c })))),
    h('tbody', {}, list.map((a) => {
      const src = repoOf(a), dest = a.spec.destination || {};
      return h('tr', { 'data-app': a.metadata.name },
        h('td', {}, link(`/applications/${enc(a.metadata.name)}`, {}, a.metadata.name)),
        h('td', { text: a.spec.project || 'default' }),
        h('td', {}, healthBadge(healthOf(a))), h('td', {}, syncBadge(syncOf(a))),
        h('td', { class: 'ellipsis', title: src.repoURL || '', text: src.repoURL || '' }),
        h('td', { text: src.path || src.chart || '' }),
        h('td', { text: shortRev((a.status && a.status.sync && a.status.sync.revision) || src.targetRevision || '') }),
        h('td', { text: `${dest.name || dest.server || ''}/${dest.namespace || ''}` }),
        h('td', { class: 'row-actions' }, actions(a, ctx)));
    }))));
}

export async function deleteApp(name, ctx, after) {
  const ok = await modal(`Delete ${name}?`, (close) => {
    const cascade = h('input', { type: 'checkbox', checked: true });
    const confirmName = h('input', { autocomplete: 'off', placeholder: name });
    const go = h('button', { class: 'btn danger', disabled: true, onclick: () => close({ cascade: cascade.checked }) }, 'Delete');
    confirmName.addEventListener('input', () => { go.disabled = confirmName.value !== name; });
    return h('div', {},
      h('p', { text: `The application ${name} will be deleted.` }),
      h('label', { class: 'check' }, cascade, ' Also delete its resources from the cluster (cascade)'),
      field(`Type ${name} to confirm`, confirmName),
      h('div', { class: 'actions' }, h('button', { class: 'btn', onclick: () => close() }, 'Cancel'), go));
  });
  if (!ok) return;
  try {
    await del(`/api/v1/applications/${enc(name)}?cascade=${ok.cascade}`);
    toast(`Application ${name} deleted`);
    if (after) after();
  } catch (e) { toast(e.message, 'error'); }
}

// "a=b\nc=d" → [{name, value}]
function pairs(text) {
  return text.split('\n').map((l) => l.trim()).filter(Boolean).map((l) => {
    const i = l.indexOf('=');
    if (i <= 0) throw new Error(`'${l}' is not name=value`);
    return { name: l.slice(0, i).trim(), value: l.slice(i + 1).trim() };
  });
}

export async function newApp(ctx) {
  let repos = [], clusters = [], projects = [];
  try {
    [repos, clusters, projects] = await Promise.all([
      get('/api/v1/repositories').then((r) => r.items || []).catch(() => []),
      get('/api/v1/clusters').then((r) => r.items || []).catch(() => []),
      get('/api/v1/projects').then((r) => r.items || []).catch(() => []),
    ]);
  } catch (e) { /* lists are hints only */ }
  const created = await modal('New application', (close) => {
    const name = h('input', { required: true, pattern: '[a-z0-9]([a-z0-9.\\-]*[a-z0-9])?', maxlength: 63, autocomplete: 'off' });
    const project = h('select', {}, (projects.length ? projects.map((p) => p.metadata.name) : ['default'])
      .map((p) => h('option', { value: p, text: p, selected: p === 'default' })));
    const repo = h('input', { required: true, list: 'repo-options', autocomplete: 'off', placeholder: 'https://git.example.com/team/app.git' });
    const repoList = h('datalist', { id: 'repo-options' }, repos.map((r) => h('option', { value: r.repo })));
    if (repos.length === 1) repo.value = repos[0].repo;
    const path = h('input', { value: '.', placeholder: 'guestbook' });
    const rev = h('input', { value: 'HEAD' });
    const cluster = h('select', {}, (clusters.length ? clusters : [{ server: 'https://kubernetes.default.svc', name: 'in-cluster' }])
      .map((c) => h('option', { value: c.server, text: `${c.name} (${c.server})` })));
    const ns = h('input', { value: 'default', required: true });
    const policy = h('select', {}, h('option', { value: 'manual', text: 'Manual' }), h('option', { value: 'auto', text: 'Automated' }));
    const prune = h('input', { type: 'checkbox' });
    const selfHeal = h('input', { type: 'checkbox' });
    const createNs = h('input', { type: 'checkbox', checked: true });
    const autoOpts = h('div', { class: 'inline', hidden: true },
      h('label', { class: 'check' }, prune, ' Prune'), h('label', { class: 'check' }, selfHeal, ' Self heal'));
    policy.addEventListener('change', () => { autoOpts.hidden = policy.value !== 'auto'; });
    const labels = h('input', { placeholder: 'team=web, tier=front' });
    const values = h('textarea', { rows: 5, spellcheck: 'false', placeholder: 'replicaCount: 2' });
    const params = h('textarea', { rows: 3, spellcheck: 'false', placeholder: 'image.tag=1.2.3' });
    const valueFiles = h('input', { placeholder: 'values-prod.yaml' });
    const err = h('p', { class: 'error', role: 'alert' });
    const form = h('form', { class: 'form two-col' },
      h('fieldset', {}, h('legend', { text: 'General' }),
        field('Application name', name, 'Lower-case letters, digits, - and .'), field('Project', project),
        field('Labels', labels, 'Comma separated name=value')),
      h('fieldset', {}, h('legend', { text: 'Source' }), field('Repository URL', repo), repoList,
        field('Path', path), field('Revision', rev, 'Branch, tag or commit')),
      h('fieldset', {}, h('legend', { text: 'Destination' }), field('Cluster', cluster), field('Namespace', ns)),
      h('fieldset', {}, h('legend', { text: 'Sync policy' }), field('Policy', policy), autoOpts,
        h('label', { class: 'check' }, createNs, ' Create the namespace')),
      h('details', { class: 'span2' }, h('summary', { text: 'Helm (optional)' }),
        field('Values (YAML)', values), field('Parameters', params, 'One name=value a line'),
        field('Value files', valueFiles, 'Comma separated, relative to the path')),
      h('div', { class: 'span2' }, err),
      h('div', { class: 'actions span2' }, h('button', { type: 'button', class: 'btn', onclick: () => close() }, 'Cancel'),
        h('button', { type: 'submit', class: 'btn primary' }, 'Create')));
    form.addEventListener('submit', async (e) => {
      e.preventDefault();
      err.textContent = '';
      try {
        const source = { repoURL: repo.value.trim(), path: path.value.trim() || '.', targetRevision: rev.value.trim() || 'HEAD' };
        const helm = {};
        if (values.value.trim()) helm.values = values.value;
        const p = pairs(params.value);
        if (p.length) helm.parameters = p;
        const vf = valueFiles.value.split(',').map((x) => x.trim()).filter(Boolean);
        if (vf.length) helm.valueFiles = vf;
        if (Object.keys(helm).length) source.helm = helm;
        const syncPolicy = {};
        if (policy.value === 'auto') syncPolicy.automated = { prune: prune.checked, selfHeal: selfHeal.checked };
        if (createNs.checked) syncPolicy.syncOptions = ['CreateNamespace=true'];
        const meta = { name: name.value.trim() };
        const lab = {};
        for (const [k, v] of parseLabels(labels.value)) lab[k] = v ?? '';
        if (Object.keys(lab).length) meta.labels = lab;
        const body = { metadata: meta, spec: { project: project.value, source,
          destination: { server: cluster.value, namespace: ns.value.trim() }, syncPolicy } };
        await post('/api/v1/applications', body);
        close(meta.name);
      } catch (ex) { err.textContent = ex.message; }
    });
    setTimeout(() => name.focus(), 0);
    return form;
  }, { wide: true });
  if (created) {
    toast(`Application ${created} created`);
    ctx.navigate(`/applications/${enc(created)}`);
  }
}
