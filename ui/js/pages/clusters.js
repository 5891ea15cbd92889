// clusters — destination clusters: the built-in in-cluster and added ones.
import { h, put, clear, field, modal, confirmDialog, toast } from '../dom.js';
import { get, post, del, encUrl } from '../api.js';

export function render(main) {
  const list = h('div', {});
  put(main, h('div', { class: 'page-head' }, h('div', { class: 'title-row' }, h('h1', { text: 'Clusters' })),
    h('div', { class: 'head-actions' }, h('button', { class: 'btn primary', onclick: () => add().then((ok) => ok && load()) }, '+ Add cluster'))), list);
  let seq = 0;   // a slower, older answer must not overwrite a newer one
  async function load() {
    const mine = ++seq;
    try {
      const items = (await get('/api/v1/clusters')).items || [];
      if (mine !== seq) return;
      put(clear(list), h('div', { class: 'table-wrap' }, h('table', { class: 'grid' },
        h('thead', {}, h('tr', {}, ['Name', 'Server', 'Project', 'TLS', ''].map((c) => h('th', { scope: 'col', text: c })))),
        h('tbody', {}, items.map((c) => h('tr', {},
          h('td', { text: c.name || '' }), h('td', { class: 'break' }, h('code', { text: c.server })),
          h('td', { text: c.project || '' }),
          h('td', { text: c.config && c.config.tlsClientConfig && c.config.tlsClientConfig.insecure ? 'insecure' : 'verified' }),
          h('td', {}, c.server === 'https://kubernetes.default.svc' ? h('span', { class: 'muted small', text: 'built in' })
            : h('button', { class: 'btn small danger-text', 'aria-label': `Remove ${c.name}`, onclick: async () => {
              if (!await confirmDialog('Remove cluster?', `Remove ${c.name} (${c.server})? Its applications stop syncing.`, 'Remove')) return;
              try { await del(`/api/v1/clusters/${encUrl(c.server)}`); toast('Cluster removed'); load(); } catch (e) { toast(e.message, 'error'); }
            } }, 'Remove'))))))));
    } catch (e) { if (mine === seq) put(clear(list), h('p', { class: 'error', text: e.message })); }
  }
  load();
}

function add() {
  return modal('Add cluster', (close) => {
    const name = h('input', { required: true, autocomplete: 'off' });
    const server = h('input', { required: true, type: 'url', placeholder: 'https://10.0.0.1:6443' });
    const token = h('input', { type: 'password', autocomplete: 'off' });
    const ca = h('textarea', { rows: 3, spellcheck: 'false', placeholder: 'base64 of the CA certificate (PEM)' });
    const insecure = h('input', { type: 'checkbox' });
    const err = h('p', { class: 'error', role: 'alert' });
    const form = h('form', { class: 'form' }, field('Name', name), field('API server URL', server), field('Bearer token', token),
      field('CA data', ca, 'Optional'), h('label', { class: 'check' }, insecure, ' Skip TLS verification (insecure)'), err,
      h('div', { class: 'actions' }, h('button', { type: 'button', class: 'btn', onclick: () => close() }, 'Cancel'),
        h('button', { type: 'submit', class: 'btn primary' }, 'Add')));
    form.addEventListener('submit', async (e) => {
      e.preventDefault();
      const tls = { insecure: insecure.checked };
      if (ca.value.trim()) tls.caData = ca.value.trim();
      const config = { tlsClientConfig: tls };
      if (token.value) config.bearerToken = token.value;
      try {
        await post('/api/v1/clusters', { name: name.value.trim(), server: server.value.trim(), config });
        toast('Cluster added');
        close(true);
      } catch (ex) { err.textContent = ex.message; }
    });
    setTimeout(() => name.focus(), 0);
    return form;
  }, { wide: true });
}
