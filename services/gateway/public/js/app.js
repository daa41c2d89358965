import { ApiError, describeError, get, post, setCsrf } from './api.js';
import { h, mount } from './dom.js';
import { connectLive } from './live.js';
import { auditView } from './views/audit.js';
import { connectionsView } from './views/connections.js';
import { invitationView } from './views/invitation.js';
import { loginView } from './views/login.js';
import { runDetailView, runsView } from './views/runs.js';
import { tenantsView } from './views/tenants.js';
import { wizardView } from './views/wizard.js';

const root = document.getElementById('app');
const state = { me: null, workspace: null, disconnectLive: null, liveWorkspace: null, view: null };

/** What the views get: the workspace, capability checks, navigation and the error banner. */
const ui = {
  get workspace() {
    return state.workspace;
  },
  can: (capability) => Boolean(state.workspace?.capabilities.includes(capability)),
  go: (hash) => {
    location.hash = hash;
  },
  wsPath: (suffix = '') => `/api/workspaces/${encodeURIComponent(state.workspace.id)}${suffix}`,
  wsHash: (suffix = '') => `#/w/${encodeURIComponent(state.workspace.id)}${suffix}`,
  showError(err) {
    const banner = document.getElementById('banner');
    banner.textContent = describeError(err);
    banner.hidden = false;
  },
  clearError() {
    document.getElementById('banner').hidden = true;
  },
  describeError,
};

async function loadMe() {
  try {
    state.me = await get('/api/me');
    if (state.me.csrfToken) setCsrf(state.me.csrfToken);
  } catch (err) {
    if (err instanceof ApiError && err.status === 401) state.me = null;
    else throw err;
  }
}

function renderTopbar(active) {
  const bar = document.getElementById('topbar');
  bar.hidden = !state.me;
  if (!state.me) return;
  document.getElementById('whoami').textContent = state.me.user.email;
  const picker = document.getElementById('workspace-picker');
  picker.replaceChildren(...state.me.workspaces.map((w) => h('option', { value: w.id, selected: w.id === state.workspace?.id }, w.name)));
  picker.onchange = () => ui.go(`#/w/${encodeURIComponent(picker.value)}/tenants`);
  const links = state.workspace
    ? [
        ['tenants', 'Tenants', 'tenant.view'],
        ['runs', 'Runs', 'operations.view'],
        ['connections', 'Connections', 'connection.view'],
        ['audit', 'Audit', 'audit.view'],
      ].filter(([, , cap]) => ui.can(cap))
    : [];
  mount(document.getElementById('nav'), links.map(([key, label]) => h('a', { href: ui.wsHash(`/${key}`), class: key === active ? 'active' : '' }, label)));
}

function ensureLive() {
  if (state.liveWorkspace === state.workspace?.id) return;
  state.disconnectLive?.();
  state.liveWorkspace = state.workspace?.id ?? null;
  if (!state.workspace) return;
  state.disconnectLive = connectLive(state.workspace.id, (change) => state.view?.onChange?.(change), document.getElementById('live-indicator'));
}

const ROUTES = [
  [/^#\/w\/([^/]+)\/tenants$/, (m) => ['tenants', () => tenantsView(ui)]],
  [/^#\/w\/([^/]+)\/onboarding\/([^/]+)$/, (m) => ['tenants', () => wizardView(ui, decodeURIComponent(m[2]))]],
  [/^#\/w\/([^/]+)\/runs$/, (m) => ['runs', () => runsView(ui)]],
  [/^#\/w\/([^/]+)\/runs\/([^/]+)$/, (m) => ['runs', () => runDetailView(ui, decodeURIComponent(m[2]))]],
  [/^#\/w\/([^/]+)\/connections$/, (m) => ['connections', () => connectionsView(ui)]],
  [/^#\/w\/([^/]+)\/audit$/, (m) => ['audit', () => auditView(ui)]],
];

async function route() {
  ui.clearError();
  state.view?.dispose?.();
  state.view = null;
  const invitation = /^#\/invitations\/([A-Za-z0-9_-]+)$/.exec(location.hash);
  if (invitation) {
    state.workspace = null;
    ensureLive();
    renderTopbar();
    mount(root, invitationView(invitation[1], async (joined) => {
      setCsrf(joined.csrfToken);
      await loadMe();
      // Replaces the link in the history: the used token has no business being there.
      location.replace(`#/w/${encodeURIComponent(joined.workspace.id)}/tenants`);
    }));
    return;
  }
  if (!state.me) {
    renderTopbar();
    mount(root, loginView(async (email, password) => {
      const session = await post('/api/auth/login', { email, password });
      setCsrf(session.csrfToken);
      await loadMe();
      ui.go('#/');
      await route();
    }));
    return;
  }
  const hash = location.hash || '#/';
  for (const [pattern, make] of ROUTES) {
    const match = pattern.exec(hash);
    if (!match) continue;
    const workspace = state.me.workspaces.find((w) => w.id === decodeURIComponent(match[1]));
    if (!workspace) break;
    state.workspace = workspace;
    const [active, build] = make(match);
    renderTopbar(active);
    ensureLive();
    state.view = build();
    mount(root, state.view.element);
    await state.view.load?.();
    return;
  }
  // Workspace picker: straight in when there is only one.
  state.workspace = null;
  ensureLive();
  renderTopbar();
  if (state.me.workspaces.length === 1) return ui.go(`#/w/${encodeURIComponent(state.me.workspaces[0].id)}/tenants`);
  mount(
    root,
    h('h1', {}, 'Choose a workspace'),
    h('p', { class: 'sub' }, state.me.workspaces.length ? 'Your role in each workspace decides what you can do there.' : 'You are not a member of any workspace yet.'),
    h('div', { class: 'card' }, state.me.workspaces.map((w) =>
      h('div', { class: 'row' }, h('a', { href: `#/w/${encodeURIComponent(w.id)}/tenants`, 'data-workspace': w.name }, w.name), h('span', { class: 'muted' }, w.role)),
    )),
  );
}

document.getElementById('sign-out').addEventListener('click', async () => {
  await post('/api/auth/logout').catch(() => undefined);
  setCsrf('');
  state.me = null;
  state.workspace = null;
  ensureLive();
  ui.go('#/');
  await route();
});

window.addEventListener('hashchange', () => route().catch(ui.showError));
loadMe()
  .then(route)
  .catch(ui.showError);
