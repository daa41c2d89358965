import { describeError } from '../api.js';
import { h, notice } from '../dom.js';

export function loginView(signIn) {
  const error = h('div');
  const email = h('input', { id: 'email', type: 'email', name: 'email', autocomplete: 'username', required: true });
  const password = h('input', { id: 'password', type: 'password', name: 'password', autocomplete: 'current-password', required: true });
  const submit = h('button', { class: 'primary', type: 'submit' }, 'Sign in');
  const form = h(
    'form',
    {
      class: 'card login',
      onsubmit: async (e) => {
        e.preventDefault();
        submit.disabled = true;
        error.replaceChildren();
        try {
          await signIn(email.value, password.value);
        } catch (err) {
          error.replaceChildren(notice('error', err.status === 401 ? 'E-mail or password is wrong.' : describeError(err)));
          submit.disabled = false;
        }
      },
    },
    h('h1', {}, 'Sign in to TenantAtlas'),
    h('p', { class: 'sub' }, 'Onboard and operate managed tenants.'),
    h('label', { for: 'email' }, 'E-mail'),
    email,
    h('label', { for: 'password' }, 'Password'),
    password,
    error,
    h('div', { class: 'row' }, submit),
  );
  return form;
}
