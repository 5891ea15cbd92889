// alerts — the live feed of drift, sync-failed, health-degraded and deployed
// alerts, filterable by type, each linking to the diff that caused it.
import { h, put, clear, field } from '../dom.js';
import { alerts, apps } from '../api.js';
import { alertList } from './app.js';

const TYPES = ['Drift', 'SyncFailed', 'HealthDegraded', 'Deployed'];

export function render(main, _params, query, ctx) {
  let type = query.get('type') || '';
  const sel = h('select', { onchange: () => { type = sel.value; ctx.setQuery({ type }); draw(); } },
    h('option', { value: '', text: 'All' }), TYPES.map((t) => h('option', { value: t, text: t, selected: t === type })));
  const open = h('p', { class: 'muted', 'aria-live': 'polite' });
  const list = h('div', { 'aria-live': 'polite' });
  put(main, h('div', { class: 'page-head' }, h('div', { class: 'title-row' }, h('h1', { text: 'Alerts' }), h('span', { class: 'live-dot on', title: 'live' }))),
    h('div', { class: 'filters' }, field('Type', sel)), open, list);
  function draw() {
    const n = apps.driftCount();
    open.textContent = `${n} application${n === 1 ? '' : 's'} with open drift.`;
    const items = alerts.items.filter((a) => !type || a.type === type);
    put(clear(list), !alerts.loaded ? h('p', { class: 'muted', text: 'Loading…' })
      : items.length ? alertList(items.slice(0, 300)) : h('p', { class: 'muted', text: 'No alerts.' }));
  }
  draw();
  const a = alerts.on(draw), b = apps.on(draw);
  return () => { a(); b(); };
}
