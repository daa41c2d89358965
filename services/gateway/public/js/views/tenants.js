import { get, post } from '../api.js';
import { badge } from '../badges.js';
import { h, mount, notice, table, when } from '../dom.js';

/** Landing: managed tenants and the draft picker with compact readiness. */
export function tenantsView(ui) {
  const tenantsBox = h('div', {}, notice('info', 'Loading tenants…'));
  const draftsBox = h('div', {}, notice('info', 'Loading drafts…'));
  const start = ui.can('onboarding.manage')
    ? h('button', {
        class: 'primary',
        id: 'start-onboarding',
        onclick: async () => {
          try {
            const { draft } = await post(ui.wsPath('/drafts'));
            ui.go(ui.wsHash(`/onboarding/${encodeURIComponent(draft.id)}`));
          } catch (err) {
            ui.showError(err);
          }
        },
      }, 'Start onboarding')
    : null;
  const element = h(
    'section',
    {},
    h('div', { class: 'row' }, h('div', {}, h('h1', {}, 'Managed tenants'), h('p', { class: 'sub' }, `Workspace ${ui.workspace.name} · your role: ${ui.workspace.role}`)), h('span', { class: 'spacer' }), start),
    h('h2', {}, 'Onboarding in progress'),
    draftsBox,
    h('h2', {}, 'Tenants'),
    tenantsBox,
  );

  async function load() {
    const [tenants, drafts] = await Promise.allSettled([get(ui.wsPath('/tenants')), get(ui.wsPath('/drafts'))]);
    if (tenants.status === 'fulfilled') {
      mount(tenantsBox, table(
        [
          { label: 'Name', render: (t) => t.name || '—' },
          { label: 'Tenant id', render: (t) => h('span', { class: 'mono' }, t.external_tenant_id) },
          { label: 'Domain', render: (t) => t.primary_domain || '—' },
          { label: 'Status', render: (t) => badge(t.status) },
          { label: 'Activated', render: (t) => when(t.activated_at) },
        ],
        tenants.value.tenants,
      ));
    } else mount(tenantsBox, notice('error', ui.describeError(tenants.reason)));
    if (drafts.status === 'fulfilled') {
      mount(draftsBox, table(
        [
          { label: 'Tenant', render: (d) => d.draft.tenant_name || h('span', { class: 'muted' }, 'not identified yet') },
          { label: 'Stage', render: (d) => h('span', {}, badge(d.readiness?.lifecycle_state || d.draft.lifecycle_state), ' ', d.readiness?.stage_label || '') },
          { label: 'Next action', render: (d) => d.readiness?.next_action?.label || '—' },
          { label: 'Blocked by', render: (d) => d.readiness?.blocking_reason_code || '—' },
          { label: 'Updated', render: (d) => when(d.draft.updated_at) },
        ],
        drafts.value.drafts,
        (d) => ui.go(ui.wsHash(`/onboarding/${encodeURIComponent(d.draft.id)}`)),
      ));
    } else mount(draftsBox, notice('error', ui.describeError(drafts.reason)));
  }

  let pending;
  return {
    element,
    load,
    onChange: () => {
      clearTimeout(pending);
      pending = setTimeout(() => load().catch(ui.showError), 300);
    },
    dispose: () => clearTimeout(pending),
  };
}
