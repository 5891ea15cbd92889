// repos — registered repositories with their connection status; register
// HTTPS (user name and password) or SSH (private key) repositories; delete.
import { h, put, clear, field, modal, confirmDialog, toast, timeEl } from '../dom.js';
import { get, post, del, encUrl } from '../api.js';

export function render(main) {
  const list = h('div', {});
  const reg = h('button', { class: 'btn primary', onclick: () => register().then((ok) => ok && load()) }, '+ Register repository');
  put(main, h('div', { class: 'page-head' }, h('div', { class: 'title-row' }, h('h1', { text: 'Repositories' })), h('div', { class: 'head-actions' }, reg)), list);
  let seq = 0;   // a slower, older answer must not overwrite a newer one
  async function load() {
    const mine = ++seq;
    try {
      const items = (await get('/api/v1/repositories')).items || [];
      if (mine !== seq) return;
      put(clear(list), items.length ? h('div', { class: 'table-wrap' }, h('table', { class: 'grid' },
        h('thead', {}, h('tr', {}, ['Repository', 'Type', 'Name', 'Credentials', 'Connection', ''].map((c) => h('th', { scope: 'col', text: c })))),
        h('tbody', {}, items.map((r) => {
          const cs = r.connectionState || {};
          return h('tr', {},
            h('td', { class: 'break' }, h('code', { text: r.repo })),
            h('td', { text: r.type || 'git' }), h('td', { text: r.name || '' }),
            h('td', { text: r.hasCredentials ? `yes${r.username ? ` (${r.username})` : ''}` : 'none' }),
            h('td', {}, h('span', { class: ['badge', cs.status === 'Successful' ? 'health-healthy' : cs.status ? 'health-degraded' : 'health-unknown'] },
              h('span', { class: 'dot', 'aria-hidden': 'true' }), cs.status || 'Unknown'),
            cs.message ? h('div', { class: 'muted small', text: cs.message }) : null, cs.attemptedAt ? h('div', { class: 'muted small' }, timeEl(cs.attemptedAt)) : null),
            h('td', {}, h('button', { class: 'btn small danger-text', 'aria-label': `Delete ${r.repo}`, onclick: async () => {
              if (!await confirmDialog('Delete repository?', `Forget ${r.repo} and its credentials? Applications using it stop syncing.`, 'Delete')) return;
              try { await del(`/api/v1/repositories/${encUrl(r.repo)}`); toast('Repository deleted'); load(); } catch (e) { toast(e.message, 'error'); }
            } }, 'Delete')));
        })))) : h('p', { class: 'muted', text: 'No repositories registered. Public repositories work without registering.' }));
    } catch (e) { if (mine === seq) put(clear(list), h('p', { class: 'error', text: e.message })); }
  }
  load();
}

function register() {
  return modal('Register repository', (close) => {
    const url = h('input', { required: true, autocomplete: 'off', placeholder: 'https://git.example.com/team/app.git or git@host:team/app.git' });
    const type = h('select', {}, h('option', { value: 'git', text: 'git' }), h('option', { value: 'helm', text: 'helm' }));
    const name = h('input', { autocomplete: 'off' });
    const method = h('select', {}, h('option', { value: 'none', text: 'None (public)' }), h('option', { value: 'https', text: 'HTTPS: user name and password' }), h('option', { value: 'ssh', text: 'SSH private key' }));
    const user = h('input', { autocomplete: 'off' });
    const pass = h('input', { type: 'password', autocomplete: 'new-password' });
    const key = h('textarea', { rows: 5, spellcheck: 'false', placeholder: '-----BEGIN OPENSSH PRIVATE KEY-----' });
    const known = h('textarea', { rows: 2, spellcheck: 'false' });
    const insecure = h('input', { type: 'checkbox' });
    const https = h('div', { hidden: true }, field('User name', user), field('Password or token', pass));
    const ssh = h('div', { hidden: true }, field('SSH private key', key), field('Known hosts', known, 'Lines of ssh_known_hosts; empty uses the defaults'));
    method.addEventListener('change', () => { https.hidden = method.value !== 'https'; ssh.hidden = method.value !== 'ssh'; });
    url.addEventListener('change', () => {
      if (method.value === 'none' && /^(ssh:\/\/|[\w.-]+@)/.test(url.value)) { method.value = 'ssh'; method.dispatchEvent(new Event('change')); }
    });
    const err = h('p', { class: 'error', role: 'alert' });
    const submit = h('button', { type: 'submit', class: 'btn primary' }, 'Connect and register');
    const form = h('form', { class: 'form' }, field('Repository URL', url), field('Type', type), field('Name', name, 'Optional'),
      field('Credentials', method), https, ssh,
      h('label', { class: 'check' }, insecure, ' Skip server certificate / host key verification (insecure)'), err,
      h('div', { class: 'actions' }, h('button', { type: 'button', class: 'btn', onclick: () => close() }, 'Cancel'), submit));
    form.addEventListener('submit', async (e) => {
      e.preventDefault();
      err.textContent = '';
      const body = { repo: url.value.trim(), type: type.value };
      if (name.value.trim()) body.name = name.value.trim();
      if (method.value === 'https') { body.username = user.value; body.password = pass.value; }
      if (method.value === 'ssh') { body.sshPrivateKey = key.value; if (known.value.trim()) body.sshKnownHosts = known.value; }
      if (insecure.checked) body.insecure = true;
      submit.disabled = true;
      submit.textContent = 'Connecting…';
      try {
        await post('/api/v1/repositories', body);
        toast('Repository registered');
        close(true);
      } catch (ex) {
        err.textContent = ex.message;
        submit.disabled = false;
        submit.textContent = 'Connect and register';
      }
    });
    setTimeout(() => url.focus(), 0);
    return form;
  }, { wide: true });
}
