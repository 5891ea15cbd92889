// login — user name and password; POST /api/v1/session sets the session cookie.
import { h, put, field } from '../dom.js';
import { api } from '../api.js';

export function render(main, _params, query, ctx) {
  const user = h('input', { name: 'username', autocomplete: 'username', required: true, value: 'admin' });
  const pass = h('input', { name: 'password', type: 'password', autocomplete: 'current-password', required: true });
  const err = h('p', { class: 'error', role: 'alert' });
  const submit = h('button', { type: 'submit', class: 'btn primary' }, 'Log in');
  const form = h('form', { class: 'form login-form', 'aria-labelledby': 'login-title' },
    h('div', { class: 'login-brand' }, h('img', { src: '/img/bosun.svg', alt: '', width: 40, height: 40 }),
      h('h1', { id: 'login-title', text: 'Bosun' })),
    h('p', { class: 'muted', text: 'GitOps continuous delivery' }),
    field('User name', user), field('Password', pass), err, submit);
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    err.textContent = '';
    submit.disabled = true;
    try {
      await api('POST', '/api/v1/session', { username: user.value, password: pass.value });
      await ctx.loggedIn(user.value);
      let next = query.get('next') || '/applications';
      if (!next.startsWith('/') || next.startsWith('//') || next.startsWith('/login')) next = '/applications';
      ctx.navigate(next, { replace: true });
    } catch (ex) {
      err.textContent = ex.message;
      submit.disabled = false;
      pass.focus();
    }
  });
  put(main, h('div', { class: 'login-page' }, form));
  (user.value ? pass : user).focus();
}
