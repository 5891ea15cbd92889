// app — one Application: summary, the resource graph (the app's resources
// and what they own — ReplicaSets, Pods, Jobs — from the API's resource
// tree) with a panel per resource (live and desired manifests, diff, events;
// the live manifest of an owned object), the whole-app diff, the Sync dialog
// with live progress per wave, refresh, history with commit messages and
// rollback, and the app's alerts. Everything follows the live applications
// stream; managed resources and the tree are fetched again when it changes.
import { h, put, svg, clear, link, field, syncBadge, healthBadge, modal, confirmDialog, toast, timeEl, shortRev, ago } from '../dom.js';
import { apps, alerts, get, post, del, enc } from '../api.js';
import { toYaml, maskSecret, normalizeLive, projectLive, diffView, codeBlock } from '../text.js';
import { repoOf, syncOf, healthOf, deleteApp } from './apps.js';

const TABS = ['resources', 'diff', 'history', 'alerts', 'events'];
const TAB_NAMES = { resources: 'Resources', diff: 'Diff', history: 'History', alerts: 'Alerts', events: 'Events' };

const KIND_ICON = {
  Deployment: 'deploy', StatefulSet: 'sts', DaemonSet: 'ds', ReplicaSet: 'rs', Pod: 'pod', Service: 'svc',
  ConfigMap: 'cm', Secret: 'sec', Ingress: 'ing', Job: 'job', CronJob: 'cron', Namespace: 'ns',
  ServiceAccount: 'sa', Role: 'role', RoleBinding: 'rb', ClusterRole: 'crole', ClusterRoleBinding: 'crb',
  PersistentVolumeClaim: 'pvc', HorizontalPodAutoscaler: 'hpa', NetworkPolicy: 'netpol',
  CustomResourceDefinition: 'crd', Application: 'app', Endpoints: 'ep',
};
const kindIcon = (k) => KIND_ICON[k] || (k || '?').replace(/[a-z]/g, '').toLowerCase().slice(0, 4) || k.slice(0, 3).toLowerCase();

const keyOf = (r) => `${r.group || ''}/${r.kind}/${r.namespace || ''}/${r.name}`;
const MAX_OWNED = 300;   // owned objects drawn at most (a Deployment of 1,000 replicas)

// Commit metadata by repository revision, shared by every app page: a
// commit never changes. Values: {author, date, message} or {error, at}; an
// error is asked again after a while (the repo server may be back).
const commits = new Map();
const COMMIT_RETRY_MS = 30000;
function commitOf(app, rev, redraw) {
  if (!rev) return null;
  const key = `${app}@${rev}`;
  const have = commits.get(key);
  if (have === undefined || (have && have.error && Date.now() - have.at > COMMIT_RETRY_MS)) {
    commits.set(key, have ? { ...have, at: Date.now() } : null);   // one request at a time
    get(`/api/v1/applications/${enc(app)}/revisions/${enc(rev)}/metadata`)
      .then((m) => commits.set(key, m), (e) => commits.set(key, { error: e.message, at: Date.now() }))
      .then(redraw);
  }
  return commits.get(key);
}
const subject = (m) => (m && m.message ? m.message.split('\n')[0] : '');
const infoValue = (n, name) => ((n.info || []).find((i) => i.name === name) || {}).value || '';
const parse = (s) => { try { return s ? JSON.parse(s) : null; } catch (e) { return null; } };
const waveOf = (obj) => {
  const a = (obj && obj.metadata && obj.metadata.annotations) || {};
  const w = parseInt(a['bosun.io/sync-wave'] ?? a['argocd.argoproj.io/sync-wave'] ?? '0', 10);
  return Number.isFinite(w) ? w : 0;
};

export function render(main, [name], query, ctx) {
  let tab = TABS.includes(query.get('tab')) ? query.get('tab') : 'resources';
  let selected = query.get('node') || '';
  let managed = null;          // [{group, kind, namespace, name, live, target, syncStatus}]
  let managedErr = '';
  let tree = [];               // resource tree nodes: {group, kind, namespace, name, uid, parentRefs, health, info}
  const ownedLive = new Map(); // key → {manifest} or {error} of owned objects opened in the panel
  let fetchedFor = '';
  let fetching = false;
  let events = null;
  let gone = false;

  const head = h('div', { class: 'page-head' });
  const summary = h('section', { class: 'summary', 'aria-label': 'Summary' });
  const opBox = h('section', { class: 'operation', 'aria-live': 'polite' });
  const tabBar = h('div', { class: 'tabs', role: 'tablist', 'aria-label': 'Application views' });
  const panel = h('section', { class: 'tab-panel', role: 'tabpanel' });
  const side = h('aside', { class: 'node-panel', 'aria-label': 'Resource details', hidden: true });
  put(main, h('p', { class: 'crumbs' }, link('/applications', {}, 'Applications'), ' / ', h('span', { text: name })),
    head, summary, opBox, tabBar, h('div', { class: 'detail-body' }, panel, side));

  const tabButtons = TABS.map((t) => h('button', {
    role: 'tab', id: `tab-${t}`, 'aria-controls': 'tab-panel', class: 'tab',
    onclick: () => { tab = t; ctx.setQuery({ tab: t === 'resources' ? '' : t }); draw(); },
  }, TAB_NAMES[t]));
  put(tabBar, ...tabButtons);
  tabBar.addEventListener('keydown', (e) => {
    const i = TABS.indexOf(tab);
    let j = -1;
    if (e.key === 'ArrowRight') j = (i + 1) % TABS.length;
    if (e.key === 'ArrowLeft') j = (i - 1 + TABS.length) % TABS.length;
    if (j < 0) return;
    e.preventDefault();
    tabButtons[j].click();
    tabButtons[j].focus();
  });
  panel.id = 'tab-panel';

  const app = () => apps.apps.get(name);

  async function fetchManaged(force) {
    const a = app();
    if (!a || fetching) return;
    const stamp = JSON.stringify([a.status && a.status.reconciledAt, a.status && a.status.sync, a.status && a.status.resources, a.status && a.status.operationState && a.status.operationState.phase]);
    if (!force && stamp === fetchedFor) return;
    fetchedFor = stamp;
    fetching = true;
    try {
      const [r, t] = await Promise.all([
        get(`/api/v1/applications/${enc(name)}/managed-resources`),
        get(`/api/v1/applications/${enc(name)}/resource-tree`).catch(() => ({ nodes: tree })),
      ]);
      managed = (r.items || []).map((i) => ({ ...i, live: parse(i.liveState), target: parse(i.targetState) }));
      tree = t.nodes || [];
      ownedLive.clear();
      managedErr = '';
    } catch (e) {
      managedErr = e.message;
    } finally {
      fetching = false;
    }
    if (!gone) draw();
  }

  async function fetchEvents() {
    try { events = (await get(`/api/v1/applications/${enc(name)}/events`)).items || []; } catch (e) { events = e.message; }
    if (!gone) draw();
  }

  function drawHead(a) {
    put(clear(head), 
      h('div', { class: 'title-row' }, h('h1', { text: name }), healthBadge(healthOf(a)), syncBadge(syncOf(a))),
      h('div', { class: 'head-actions' },
        h('button', { class: 'btn primary', onclick: () => syncDialog(a, managed) }, 'Sync'),
        h('button', { class: 'btn', onclick: () => refresh('normal') }, 'Refresh'),
        h('button', { class: 'btn', onclick: () => refresh('hard') }, 'Hard refresh'),
        h('button', { class: 'btn', onclick: () => { tab = 'diff'; ctx.setQuery({ tab: 'diff' }); draw(); } }, 'App diff'),
        h('button', { class: 'btn danger-text', onclick: () => deleteApp(name, ctx, () => ctx.navigate('/applications')) }, 'Delete')));
  }

  async function refresh(kind) {
    try {
      await get(`/api/v1/applications/${enc(name)}?refresh=${kind}`);
      toast(kind === 'hard' ? 'Hard refresh requested' : 'Refresh requested');
    } catch (e) { toast(e.message, 'error'); }
  }

  function drawSummary(a) {
    const src = repoOf(a), dest = a.spec.destination || {}, st = a.status || {};
    const sync = st.sync || {};
    const redraw = () => { if (!gone) draw(); };
    const meta = commitOf(name, sync.revision, redraw) || {};
    const pol = a.spec.syncPolicy || {};
    const policy = pol.automated ? `Automated${pol.automated.prune ? ', prune' : ''}${pol.automated.selfHeal ? ', self heal' : ''}` : 'Manual';
    const conds = st.conditions || [];
    const last = (st.history || []).slice(-1)[0];
    put(clear(summary), h('dl', { class: 'kv wide' },
      h('dt', { text: 'Project' }), h('dd', { text: a.spec.project || 'default' }),
      h('dt', { text: 'Repository' }), h('dd', { class: 'break', text: src.repoURL || '' }),
      h('dt', { text: 'Path' }), h('dd', { text: src.path || src.chart || '.' }),
      h('dt', { text: 'Target revision' }), h('dd', {}, src.targetRevision || 'HEAD',
        sync.revision ? h('code', { title: sync.revision, text: ` (${shortRev(sync.revision)})` }) : null,
        meta.message ? h('span', { class: 'muted', text: ` ${subject(meta)}` }) : null,
        meta.author ? h('span', { class: 'muted', text: ` — ${meta.author}` }) : null),
      h('dt', { text: 'Deployed revision' }), h('dd', { class: 'deployed-revision' }, last
        ? [h('code', { title: last.revision || '', text: shortRev(last.revision) }),
          subject(commitOf(name, last.revision, redraw)) ? h('span', { class: 'commit-subject', text: ` ${subject(commitOf(name, last.revision, redraw))}` }) : null,
          h('span', { class: 'muted' }, ` history ${last.id}, `, timeEl(last.deployedAt))]
        : h('span', { class: 'muted', text: 'never deployed' })),
      h('dt', { text: 'Destination' }), h('dd', { text: `${dest.name || dest.server || ''} / ${dest.namespace || ''}` }),
      h('dt', { text: 'Sync policy' }), h('dd', { text: policy }),
      h('dt', { text: 'Last reconciled' }), h('dd', {}, timeEl(st.reconciledAt)),
      h('dt', { text: 'Conditions' }), h('dd', {}, conds.length
        ? h('ul', { class: 'conditions' }, conds.map((c) => h('li', { class: /Error|Warning|Drift/.test(c.type) ? 'warn' : '' },
          h('strong', { text: c.type }), ': ', c.message || '')))
        : h('span', { class: 'muted', text: 'none' }))));
  }

  function drawOperation(a) {
    clear(opBox);
    const op = a.status && a.status.operationState;
    const pending = a.operation;
    if (!op && !pending) { opBox.hidden = true; return; }
    opBox.hidden = false;
    const phase = pending && (!op || op.phase !== 'Running') ? 'Pending' : op.phase;
    const running = phase === 'Running' || phase === 'Pending' || phase === 'Terminating';
    const results = (op && op.syncResult && op.syncResult.resources) || [];
    const title = h('div', { class: 'op-head' },
      h('strong', { text: `Last operation: ${phase}` }),
      op && op.operation && op.operation.rollback ? h('span', { class: 'badge', text: `rollback to ${op.operation.rollback.id}` }) : null,
      op && op.operation && ((op.operation.sync && op.operation.sync.dryRun) || (op.operation.rollback && op.operation.rollback.dryRun)) ? h('span', { class: 'badge', text: 'dry run' }) : null,
      h('span', { class: 'muted', text: op && op.message ? ` — ${op.message}` : '' }),
      op && op.finishedAt ? h('span', { class: 'muted' }, ' · finished ', timeEl(op.finishedAt)) : null,
      running ? h('button', { class: 'btn small', onclick: async () => {
        try { await del(`/api/v1/applications/${enc(name)}/operation`); toast('Termination requested'); } catch (e) { toast(e.message, 'error'); }
      } }, 'Terminate') : null);
    opBox.className = ['operation', `phase-${String(phase).toLowerCase()}`].join(' ');
    // group by phase and wave; waves come from the desired manifests
    const waves = new Map();
    const targetByKey = new Map((managed || []).map((m) => [keyOf(m), m.target]));
    const done = new Set();
    for (const r of results) {
      const w = waveOf(targetByKey.get(keyOf(r)));
      const k = `${r.syncPhase || 'Sync'}|${w}`;
      if (!waves.has(k)) waves.set(k, { phase: r.syncPhase || 'Sync', wave: w, items: [] });
      waves.get(k).items.push(r);
      done.add(keyOf(r));
    }
    if (running && managed) {
      for (const m of managed) {
        if (done.has(keyOf(m)) || !m.target) continue;
        const w = waveOf(m.target);
        const k = `Sync|${w}`;
        if (!waves.has(k)) waves.set(k, { phase: 'Sync', wave: w, items: [] });
        waves.get(k).items.push({ ...m, status: 'Pending', message: 'waiting' });
      }
    }
    const order = { PreSync: 0, Sync: 1, PostSync: 2, SyncFail: 3 };
    const groups = [...waves.values()].sort((x, y) => (order[x.phase] ?? 1) - (order[y.phase] ?? 1) || x.wave - y.wave);
    put(opBox, title, groups.length ? h('ol', { class: 'waves' }, groups.map((g) => {
      const allDone = g.items.every((i) => i.status && i.status !== 'Pending');
      return h('li', { class: 'wave' }, h('div', { class: 'wave-head' },
        h('strong', { text: `${g.phase} · wave ${g.wave}` }),
        h('span', { class: 'muted', text: ` ${g.items.filter((i) => i.status !== 'Pending').length}/${g.items.length}${allDone ? ' done' : ''}` })),
      h('ul', {}, g.items.map((i) => h('li', { class: `res-${String(i.status || '').toLowerCase()}` },
        h('span', { class: 'kind-chip', text: kindIcon(i.kind) }), ` ${i.kind}/${i.name} `,
        h('span', { class: 'status', text: i.status || '' }), i.message ? h('span', { class: 'muted', text: ` ${i.message}` }) : null))));
    })) : null);
  }

  function drawTabs() {
    tabButtons.forEach((b, i) => {
      const on = TABS[i] === tab;
      b.setAttribute('aria-selected', String(on));
      b.tabIndex = on ? 0 : -1;
    });
    panel.setAttribute('aria-labelledby', `tab-${tab}`);
  }

  function draw() {
    const a = app();
    if (!a) {
      if (apps.loaded) {
        put(clear(head), h('h1', { text: name }));
        put(clear(panel), h('p', { class: 'muted', text: `Application ${name} does not exist (or was deleted).` }));
        summary.hidden = opBox.hidden = tabBar.hidden = true;
      }
      return;
    }
    summary.hidden = tabBar.hidden = false;
    drawHead(a);
    drawSummary(a);
    drawOperation(a);
    drawTabs();
    const focusKey = document.activeElement && panel.contains(document.activeElement) && document.activeElement.dataset
      ? document.activeElement.dataset.key : null;
    clear(panel);
    if (tab === 'resources') put(panel, graph(a));
    else if (tab === 'diff') put(panel, appDiff());
    else if (tab === 'history') put(panel, historyView(a));
    else if (tab === 'alerts') put(panel, alertsView());
    else if (tab === 'events') put(panel, eventsView());
    if (focusKey) { const el = panel.querySelector(`[data-key="${CSS.escape(focusKey)}"]`); if (el) el.focus(); }
    drawSide();
    fetchManaged(false);
  }

  // ---------------------------------------------------------------- graph
  // The app's resources (status.resources, with their sync state) joined
  // with the resource tree: a tree node that is not one of them is an owned
  // object (ReplicaSet, Pod, Job, ...) hung under its parentRefs.
  function treeNodes(a) {
    const res = (a.status && a.status.resources) || [];
    const nodes = res.map((r) => ({ ...r, key: keyOf(r), own: true, parents: [] }));
    const byKey = new Map(nodes.map((n) => [n.key, n]));
    const byUid = new Map();
    let owned = 0;
    for (const t of tree) {
      const k = keyOf(t);
      let n = byKey.get(k);
      if (n) {
        n.uid = t.uid;
        n.info = t.info;
        n.parentRefs = t.parentRefs;
        if (!n.health && t.health) n.health = t.health;
      } else {
        if (!(t.parentRefs || []).length || owned >= MAX_OWNED) continue;
        owned++;
        n = { ...t, key: k, own: false, parents: [] };
        nodes.push(n);
        byKey.set(k, n);
      }
      if (t.uid) byUid.set(t.uid, n);
    }
    for (const n of nodes) {
      for (const o of n.parentRefs || []) {
        const p = byUid.get(o.uid);
        if (p && p !== n && !n.parents.includes(p)) n.parents.push(p);
      }
    }
    return { nodes: nodes.filter((n) => n.own || n.parents.length), byKey, hidden: tree.filter((t) => (t.parentRefs || []).length).length - owned };
  }

  function graph(a) {
    const { nodes, hidden } = treeNodes(a);
    if (!nodes.length) return h('p', { class: 'muted', text: 'No resources yet: the controller has not compared this application, or its source renders nothing.' });
    const depth = (n, seen = new Set()) => {
      if (!n.parents.length || seen.has(n)) return 1;
      seen.add(n);
      return 1 + Math.max(...n.parents.map((p) => depth(p, seen)));
    };
    const cols = [];
    for (const n of nodes) { n.col = depth(n); (cols[n.col] = cols[n.col] || []).push(n); }
    const W = 230, H = 52, GX = 60, GY = 14;
    const kindOrder = (k) => Object.keys(KIND_ICON).indexOf(k) < 0 ? 99 : Object.keys(KIND_ICON).indexOf(k);
    const rows = Math.max(1, ...cols.filter(Boolean).map((c) => c.length));
    // each column in its parents' order, so edges cross as little as may be
    cols.forEach((c, ci) => {
      if (!c) return;
      const firstParent = (n) => (n.parents.length ? Math.min(...n.parents.map((p) => p.row)) : 0);
      c.sort((x, y) => firstParent(x) - firstParent(y) || kindOrder(x.kind) - kindOrder(y.kind) || x.name.localeCompare(y.name));
      c.forEach((n, i) => { n.row = i; n.x = ci * (W + GX); n.y = i * (H + GY); });
    });
    const root = { x: 0, y: ((rows - 1) * (H + GY)) / 2, kind: 'Application', name: a.metadata.name };
    const width = (cols.length) * (W + GX), height = rows * (H + GY);
    const edges = svg('g', { class: 'edges' });
    const g = svg('g', { class: 'nodes' });
    const line = (p, c) => put(edges, svg('path', { d: `M${p.x + W},${p.y + H / 2} C${p.x + W + GX / 2},${p.y + H / 2} ${c.x - GX / 2},${c.y + H / 2} ${c.x},${c.y + H / 2}` }));
    for (const n of nodes) {
      if (!n.parents.length) line(root, n);
      for (const p of n.parents) line(p, n);
    }
    const box = (n, isRoot) => {
      const health = isRoot ? healthOf(a) : (n.health && n.health.status) || '';
      const sync = isRoot ? syncOf(a) : n.own ? n.status || '' : '';
      const reason = isRoot ? '' : infoValue(n, 'Status Reason') || infoValue(n, 'Revision');
      const label = `${n.kind} ${n.name}${health ? `, health ${health}` : ''}${sync ? `, sync ${sync}` : ''}${reason ? `, ${reason}` : ''}`;
      const node = svg('g', {
        class: `node ${isRoot ? 'root' : ''} ${!isRoot && !n.own ? 'owned' : ''} health-${(health || 'none').toLowerCase()} ${selected === n.key ? 'selected' : ''}`,
        transform: `translate(${n.x},${n.y})`, tabindex: isRoot ? null : 0, role: isRoot ? 'img' : 'button',
        'aria-label': label, 'data-key': n.key || '', 'data-kind': n.kind,
      },
      svg('title', { text: label }),
      svg('rect', { width: W, height: H, rx: 6 }),
      svg('circle', { class: 'icon', cx: 24, cy: H / 2, r: 16 }),
      svg('text', { class: kindIcon(n.kind).length > 4 ? 'icon-text long' : 'icon-text', x: 24, y: H / 2 + 4, 'text-anchor': 'middle', text: kindIcon(n.kind) }),
      svg('text', { class: 'name', x: 48, y: 21, text: n.name.length > 24 ? `${n.name.slice(0, 23)}…` : n.name }),
      svg('text', { class: 'kind', x: 48, y: 38, text: reason ? `${n.kind} · ${reason}` : n.kind }),
      svg('circle', { class: `hdot h-${(health || 'none').toLowerCase()}`, cx: W - 16, cy: 16, r: 6 }),
      sync ? svg('text', { class: `sync s-${sync.toLowerCase()}`, x: W - 10, y: 40, 'text-anchor': 'end', text: sync === 'Synced' ? '✓' : sync === 'OutOfSync' ? '≠' : '?' }) : null);
      if (!isRoot) {
        const open = () => { selected = n.key; ctx.setQuery({ node: n.key }); draw(); side.querySelector('button, [tabindex]')?.focus(); };
        node.addEventListener('click', open);
        node.addEventListener('keydown', (e) => { if (e.key === 'Enter' || e.key === ' ') { e.preventDefault(); open(); } });
      }
      return node;
    };
    put(g, box(root, true), ...nodes.map((n) => box(n, false)));
    const legend = h('p', { class: 'legend muted' }, '✓ synced · ≠ out of sync · dot colour is health · owned objects (ReplicaSets, Pods, …) have a dashed border. Select a resource for its manifests, diff and events.');
    return h('div', {}, legend, h('div', { class: 'graph-wrap' },
      svg('svg', { class: 'graph', width, height, viewBox: `0 0 ${width} ${height}`, role: 'group', 'aria-label': 'Resource tree' }, edges, g)),
    hidden > 0 ? h('p', { class: 'muted', text: `${hidden} more owned objects are not drawn.` }) : null,
    managedErr ? h('p', { class: 'error', text: `live state: ${managedErr}` }) : null);
  }

  // ------------------------------------------------------------ node panel
  let sideTab = 'live';
  function drawSide() {
    clear(side);
    const a = app();
    const r = selected && a && ((a.status && a.status.resources) || []).find((x) => keyOf(x) === selected);
    const o = !r && selected && a && tab === 'resources' ? treeNodes(a).byKey.get(selected) : null;
    if (o) { drawOwned(o); return; }
    if (!r || tab !== 'resources') { side.hidden = true; return; }
    side.hidden = false;
    const m = (managed || []).find((x) => keyOf(x) === selected) || {};
    const st = ['live', 'desired', 'diff', 'events'];
    const btns = st.map((t) => h('button', { role: 'tab', class: 'tab', 'aria-selected': String(sideTab === t), onclick: () => { sideTab = t; drawSide(); } },
      { live: 'Live manifest', desired: 'Desired manifest', diff: 'Diff', events: 'Events' }[t]));
    let body;
    const live = m.live ? maskSecret(m.live) : null, target = m.target ? maskSecret(m.target) : null;
    if (!managed) body = h('p', { class: 'muted', text: 'Loading…' });
    else if (sideTab === 'live') body = live ? codeBlock(toYaml(live)) : h('p', { class: 'muted', text: 'Not in the cluster.' });
    else if (sideTab === 'desired') body = target ? codeBlock(toYaml(target)) : h('p', { class: 'muted', text: 'Not in git (the resource would be pruned).' });
    else if (sideTab === 'diff') body = diffView(liveText(live, target), target ? toYaml(target) : '');
    else {
      const evs = Array.isArray(events) ? events.filter((e) => (e.message || '').includes(r.name)) : [];
      if (events === null) fetchEvents();
      body = events === null ? h('p', { class: 'muted', text: 'Loading…' })
        : typeof events === 'string' ? h('p', { class: 'error', text: events })
          : evs.length ? eventList(evs) : h('p', { class: 'muted', text: 'No events mention this resource.' });
    }
    put(side, h('header', {}, h('h2', {}, h('span', { class: 'kind-chip', text: kindIcon(r.kind) }), ` ${r.kind}/${r.name}`),
      h('button', { class: 'icon-btn', 'aria-label': 'Close resource details', text: '×', onclick: () => { selected = ''; ctx.setQuery({ node: '' }); draw(); } })),
    h('p', {}, r.health && r.health.status ? [healthBadge(r.health.status), ' '] : null, syncBadge(r.status || 'Unknown'),
      r.namespace ? h('span', { class: 'muted', text: ` namespace ${r.namespace}` }) : null),
    r.health && r.health.message ? h('p', { class: 'muted', text: r.health.message }) : null,
    h('div', { class: 'tabs small', role: 'tablist' }, btns), body);
  }

  // An object the app's resources own (a ReplicaSet, a Pod): not in git, so
  // only its live manifest, health and what the tree says about it.
  function drawOwned(n) {
    side.hidden = false;
    let live = ownedLive.get(n.key);
    if (!live) {
      ownedLive.set(n.key, live = { loading: true });
      const q = new URLSearchParams({ group: n.group || '', version: n.version || '', kind: n.kind, namespace: n.namespace || '', resourceName: n.name });
      get(`/api/v1/applications/${enc(name)}/resource?${q}`)
        .then((res) => {
          const m = parse(res.manifest);
          if (m && m.metadata) delete m.metadata.managedFields;   // noise here; status stays
          ownedLive.set(n.key, { manifest: m });
        }, (e) => ownedLive.set(n.key, { error: e.message }))
        .then(() => { if (!gone && selected === n.key) drawSide(); });
    }
    const owners = n.parents.map((p) => `${p.kind}/${p.name}`).join(', ');
    const body = live.loading ? h('p', { class: 'muted', text: 'Loading…' })
      : live.error ? h('p', { class: 'error', text: live.error })
        : codeBlock(toYaml(maskSecret(live.manifest)));
    put(side, h('header', {}, h('h2', {}, h('span', { class: 'kind-chip', text: kindIcon(n.kind) }), ` ${n.kind}/${n.name}`),
      h('button', { class: 'icon-btn', 'aria-label': 'Close resource details', text: '×', onclick: () => { selected = ''; ctx.setQuery({ node: '' }); draw(); } })),
    h('p', {}, n.health && n.health.status ? [healthBadge(n.health.status), ' '] : null,
      n.namespace ? h('span', { class: 'muted', text: `namespace ${n.namespace}` }) : null),
    n.health && n.health.message ? h('p', { class: 'muted', text: n.health.message }) : null,
    h('dl', { class: 'kv owned-info' },
      owners ? [h('dt', { text: 'Owned by' }), h('dd', { text: owners })] : null,
      (n.info || []).map((i) => [h('dt', { text: i.name }), h('dd', { text: i.value })]),
      (n.images || []).length ? [h('dt', { text: 'Images' }), h('dd', { text: n.images.join(', ') })] : null,
      n.createdAt ? [h('dt', { text: 'Created' }), h('dd', {}, timeEl(n.createdAt))] : null),
    h('h3', { class: 'small-head', text: 'Live manifest' }), body);
  }

  // ------------------------------------------------------------ whole diff
  function appDiff() {
    if (managedErr) return h('p', { class: 'error', text: managedErr });
    if (!managed) return h('p', { class: 'muted', text: 'Loading…' });
    const changed = managed.filter((m) => m.syncStatus !== 'Synced' || !m.live || !m.target);
    const out = h('div', { class: 'app-diff' });
    put(out, h('p', { class: 'muted', text: `${changed.length} of ${managed.length} resources differ from git. Secret values are masked.` }));
    for (const m of managed) {
      const live = liveText(m.live && maskSecret(m.live), m.target && maskSecret(m.target));
      const target = m.target ? toYaml(maskSecret(m.target)) : '';
      const differs = live !== target && (m.syncStatus !== 'Synced' || !m.live || !m.target);
      if (!differs) continue;
      put(out, h('details', { open: true, class: 'diff-item' },
        h('summary', {}, h('span', { class: 'kind-chip', text: kindIcon(m.kind) }), ` ${m.kind}/${m.name} `, syncBadge(m.syncStatus || 'Unknown')),
        diffView(live, target)));
    }
    if (!changed.length) put(out, h('p', { text: 'Everything in the cluster matches git.' }));
    return out;
  }

  // ------------------------------------------------------------ history
  function historyView(a) {
    const hist = ((a.status && a.status.history) || []).slice().reverse();
    if (!hist.length) return h('p', { class: 'muted', text: 'No deployments yet.' });
    const auto = !!(a.spec.syncPolicy && a.spec.syncPolicy.automated);
    return h('div', {}, auto ? h('p', { class: 'muted', text: 'Rollback is disabled while automated sync is on.' }) : null,
      h('div', { class: 'table-wrap' }, h('table', { class: 'grid' },
        h('thead', {}, h('tr', {}, ['ID', 'Revision', 'Commit', 'Source', 'Deployed', 'Initiator', ''].map((c) => h('th', { scope: 'col', text: c })))),
        h('tbody', {}, hist.map((e, i) => {
          const c = commitOf(name, e.revision, () => { if (!gone && tab === 'history') draw(); });
          return h('tr', { 'data-key': `hist-${e.id}` },
            h('td', { text: String(e.id) }),
            h('td', {}, h('code', { title: e.revision || '', text: shortRev(e.revision) }), i === 0 ? h('span', { class: 'badge', text: 'current' }) : null),
            h('td', { class: 'commit' }, c === null ? h('span', { class: 'muted', text: '…' })
              : c.error ? h('span', { class: 'muted', title: c.error, text: 'unknown' })
                : [h('div', { class: 'commit-subject', title: c.message || '', text: subject(c) }),
                  h('span', { class: 'muted' }, c.author ? `${c.author.replace(/\s*<[^>]*>$/, '')}, ` : '', timeEl(c.date),
                    (c.tags || []).length ? ` · ${c.tags.join(', ')}` : '')]),
            h('td', {}, h('span', { class: 'muted', text: e.source ? `${e.source.path || e.source.chart || '.'}${e.rollbackOf !== undefined ? ` (rollback to ${e.rollbackOf})` : ''}` : '' })),
            h('td', {}, timeEl(e.deployedAt)),
            h('td', { text: (e.initiatedBy && (e.initiatedBy.username || (e.initiatedBy.automated ? 'automated' : ''))) || '' }),
            h('td', {}, h('button', {
              class: 'btn small', disabled: auto || i === 0, 'data-key': `rollback-${e.id}`, 'aria-label': `Roll back to history ${e.id}`,
              onclick: () => rollback(e),
            }, 'Rollback')));
        })))));
  }

  async function rollback(e) {
    const ok = await confirmDialog(`Roll back ${name}?`,
      `Deploy revision ${shortRev(e.revision)} (history ${e.id}, deployed ${ago(e.deployedAt)}) again, exactly as it was applied then, even if git no longer has it. Git is not changed; the app stays out of sync until you sync it again.`, 'Roll back');
    if (!ok) return;
    try {
      await post(`/api/v1/applications/${enc(name)}/rollback`, { id: e.id });
      toast(`Rollback to ${shortRev(e.revision)} started`);
    } catch (ex) { toast(ex.message, 'error'); }
  }

  // ------------------------------------------------------------ alerts, events
  function alertsView() {
    const mine = alerts.items.filter((x) => x.app === name);
    if (!mine.length) return h('p', { class: 'muted', text: 'No alerts for this application.' });
    return alertList(mine);
  }

  function eventsView() {
    if (events === null) { fetchEvents(); return h('p', { class: 'muted', text: 'Loading…' }); }
    if (typeof events === 'string') return h('p', { class: 'error', text: events });
    return h('div', {}, h('button', { class: 'btn small', onclick: () => { events = null; draw(); } }, 'Reload'),
      events.length ? eventList(events) : h('p', { class: 'muted', text: 'No events.' }));
  }

  const offApps = apps.on(draw);
  const offAlerts = alerts.on(() => { if (tab === 'alerts') draw(); });
  draw();
  return () => { gone = true; offApps(); offAlerts(); };
}

// The live manifest as the diff shows it: cut to git's fields when git has it.
function liveText(live, target) {
  if (!live) return '';
  return toYaml(target ? projectLive(live, target) : normalizeLive(live));
}

export function alertList(items) {
  return h('ul', { class: 'alerts' }, items.map((x) => h('li', { class: ['alert', `alert-${(x.type || '').toLowerCase()}`, x.severity === 'Warning' && 'warn'] },
    h('span', { class: 'alert-type', text: x.type }),
    h('span', { class: 'alert-body' }, link(`/applications/${enc(x.app)}`, { class: 'app-name' }, x.app), ' ', x.message),
    h('span', { class: 'alert-meta' }, timeEl(x.time), x.count > 1 ? h('span', { class: 'muted', text: ` ×${x.count}` }) : null,
      ' ', link(`/applications/${enc(x.app)}?tab=diff`, { class: 'diff-link', 'aria-label': `Diff of ${x.app}` }, 'View diff')))));
}

function eventList(items) {
  return h('ul', { class: 'events' }, items.slice().reverse().map((e) => h('li', { class: e.type === 'Warning' ? 'warn' : '' },
    h('strong', { text: e.reason || '' }), ' ', e.message || '', ' ',
    timeEl(e.lastTimestamp || e.eventTime || (e.metadata && e.metadata.creationTimestamp)))));
}

// ---------------------------------------------------------------- sync dialog
async function syncDialog(a, managed) {
  const name = a.metadata.name;
  const res = (a.status && a.status.resources) || (managed || []);
  const started = await modal(`Sync ${name}`, (close) => {
    const rev = h('input', { value: repoOf(a).targetRevision || 'HEAD' });
    const prune = h('input', { type: 'checkbox' });
    const dry = h('input', { type: 'checkbox' });
    const boxes = res.map((r) => ({ r, box: h('input', { type: 'checkbox', checked: true, 'aria-label': `${r.kind} ${r.name}` }) }));
    const all = h('input', { type: 'checkbox', checked: true });
    all.addEventListener('change', () => boxes.forEach((b) => { b.box.checked = all.checked; }));
    const err = h('p', { class: 'error', role: 'alert' });
    const form = h('form', { class: 'form' },
      field('Revision', rev, 'Branch, tag or commit to sync to'),
      h('div', { class: 'inline' }, h('label', { class: 'check' }, prune, ' Prune resources not in git'),
        h('label', { class: 'check' }, dry, ' Dry run')),
      res.length ? h('fieldset', { class: 'resource-pick' }, h('legend', { text: 'Resources' }),
        h('label', { class: 'check all' }, all, ' All'),
        h('ul', {}, boxes.map(({ r, box }) => h('li', {}, h('label', { class: 'check' }, box,
          h('span', { class: 'kind-chip', text: kindIcon(r.kind) }), ` ${r.kind}/${r.name} `, syncBadge(r.status || 'Unknown')))))) : null,
      err,
      h('div', { class: 'actions' }, h('button', { type: 'button', class: 'btn', onclick: () => close() }, 'Cancel'),
        h('button', { type: 'submit', class: 'btn primary' }, 'Synchronize')));
    form.addEventListener('submit', async (e) => {
      e.preventDefault();
      err.textContent = '';
      const body = { revision: rev.value.trim(), prune: prune.checked, dryRun: dry.checked };
      const picked = boxes.filter((b) => b.box.checked).map(({ r }) => ({ group: r.group || '', kind: r.kind, name: r.name, namespace: r.namespace || '' }));
      if (boxes.length && !picked.length) { err.textContent = 'select at least one resource'; return; }
      if (picked.length < boxes.length) body.resources = picked;
      try {
        await post(`/api/v1/applications/${enc(name)}/sync`, body);
        close(true);
      } catch (ex) { err.textContent = ex.message; }
    });
    setTimeout(() => form.querySelector('button[type=submit]').focus(), 0);
    return form;
  }, { wide: true });
  if (started) toast(`Sync of ${name} started`);
}
