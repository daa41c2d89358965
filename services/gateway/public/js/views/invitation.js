import { describeError, post } from '../api.js';
import { h, notice } from '../dom.js';

/**
 * The page an invitation link opens: the invitee sets a password (or gives the one of the account
 * their e-mail already has) and is signed in. The token stays in the link's fragment, which the
 * browser never sends to a server; only this page's POST carries it.
 */
export function invitationView(token, joined) {
  const error = h('div');
  const password = h('input', { id: 'invitation-password', type: 'password', name: 'password', autocomplete: 'new-password', minlength: 8, maxlength: 200, required: true });
  const displayName = h('input', { id: 'invitation-name', name: 'name', autocomplete: 'name', maxlength: 100 });
  const submit = h('button', { class: 'primary', type: 'submit' }, 'Join the workspace');
  const explain = (err) => {
    if (err.status === 401) return 'Your e-mail already has an account: enter its password.';
    if (err.status === 404) return 'This invitation link does not work any more: it was used, it expired or a newer one replaced it. Ask for a new invitation.';
    return describeError(err);
  };
  return h(
    'form',
    {
      class: 'card login',
      id: 'invitation',
      onsubmit: async (e) => {
        e.preventDefault();
        submit.disabled = true;
        error.replaceChildren();
        try {
          await joined(await post('/api/invitations/accept', { token, password: password.value, displayName: displayName.value.trim() || undefined }));
        } catch (err) {
          error.replaceChildren(notice('error', explain(err)));
          submit.disabled = false;
        }
      },
    },
    h('h1', {}, 'Join a TenantAtlas workspace'),
    h('p', { class: 'sub' }, 'Choose a password (at least 8 characters). If your e-mail already has an account, enter its password instead.'),
    h('label', { for: 'invitation-password' }, 'Password'),
    password,
    h('label', { for: 'invitation-name' }, 'Your name (optional, for a new account)'),
    displayName,
    error,
    h('div', { class: 'row' }, submit),
  );
}
