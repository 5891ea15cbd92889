// projects — AppProjects: which repositories and destinations their
// applications may use; list, add, remove.
import { h, put, clear, field, modal, confirmDialog, toast } from '../dom.js';
import { get, post, del, enc } from '../api.js';

export function render(main) {
  const list = h('div', {});
  put(main, h('div', { class: 'page-head' }, h('div', { class: 'title-row' }, h('h1', { text: 'Projects' })),
    h('div', { class: 'head-actions' }, h('button', { class: 'btn primary', onclick: () => add().then((ok) => ok && load()) }, '+ New project'))), list);
  let seq = 0;   // a slower, older answer must not overwrite a newer one
  async function load() {
    const mine = ++seq;
    try {
      const items = (await get('/api/v1/projects')).items || [];
      if (mine !== seq) return;
      put(clear(list), items.length ? h('div', { class: 'table-wrap' }, h('table', { class: 'grid' },
        h('thead', {}, h('tr', {}, ['Name', 'Description', 'Source repositories', 'Destinations', ''].map((c) => h('th', { scope: 'col', text: c })))),
        h('tbody', {}, items.map((p) => {
          const s = p.spec || {};
          return h('tr', {},
            h('td', { text: p.metadata.name }), h('td', { text: s.description || '' }),
            h('td', {}, (s.sourceRepos || []).map((r) => h('div', {}, h('code', { text: r })))),
            h('td', {}, (s.destinations || []).map((d) => h('div', {}, h('code', { text: `${d.server || d.name || '*'} / ${d.namespace || '*'}` })))),
            h('td', {}, h('button', { class: 'btn small danger-text', 'aria-label': `Remove ${p.metadata.name}`, onclick: async () => {
              if (!await confirmDialog('Remove project?', `Remove project ${p.metadata.name}? Projects still used by applications cannot be removed.`, 'Remove')) return;
              try { await del(`/api/v1/projects/${enc(p.metadata.name)}`); toast('Project removed'); load(); } catch (e) { toast(e.message, 'error'); }
            } }, 'Remove')));
        })))) : h('p', { class: 'muted', text: 'No projects.' }));
    } catch (e) { if (mine === seq) put(clear(list), h('p', { class: 'error', text: e.message })); }
  }
  load();
}

const lines = (t) => t.split(/[\n,]/).map((x) => x.trim()).filter(Boolean);

function add() {
  return modal('New project', (close) => {
    const name = h('input', { required: true, autocomplete: 'off', pattern: '[a-z0-9]([a-z0-9.\\-]*[a-z0-9])?' });
    const desc = h('input', {});
    const repos = h('textarea', { rows: 3, spellcheck: 'false', value: '*' });
    const dests = h('textarea', { rows: 3, spellcheck: 'false', value: 'https://kubernetes.default.svc *' });
    const err = h('p', { class: 'error', role: 'alert' });
    const form = h('form', { class: 'form' }, field('Name', name), field('Description', desc),
      field('Source repositories', repos, 'One URL pattern a line; * allows any'),
      field('Destinations', dests, 'One "server namespace" a line; * allows any'), err,
      h('div', { class: 'actions' }, h('button', { type: 'button', class: 'btn', onclick: () => close() }, 'Cancel'),
        h('button', { type: 'submit', class: 'btn primary' }, 'Create')));
    form.addEventListener('submit', async (e) => {
      e.preventDefault();
      const destinations = dests.value.split('\n').map((l) => l.trim()).filter(Boolean).map((l) => {
        const [server, namespace] = l.split(/\s+/);
        return { server: server || '*', namespace: namespace || '*' };
      });
      try {
        await post('/api/v1/projects', { project: { metadata: { name: name.value.trim() },
          spec: { description: desc.value, sourceRepos: lines(repos.value), destinations } } });
        toast('Project created');
        close(true);
      } catch (ex) { err.textContent = ex.message; }
    });
    setTimeout(() => name.focus(), 0);
    return form;
  }, { wide: true });
}
