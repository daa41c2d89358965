import { get, post } from '../api.js';
import { badge } from '../badges.js';
import { h, mount, notice, table, tenantNames, when } from '../dom.js';

/** Provider connections of the workspace; secrets never reach the browser. */
export function connectionsView(ui) {
  const box = h('div', {}, notice('info', 'Loading connections…'));
  const element = h('section', {}, h('h1', {}, 'Connections'), h('p', { class: 'sub' }, 'How TenantAtlas reaches each managed tenant at its provider.'), box);
  const verify = (c) => async () => {
    try {
      const { run } = await post(ui.wsPath(`/connections/${encodeURIComponent(c.id)}/check`));
      ui.go(ui.wsHash(`/runs/${encodeURIComponent(run.id)}`));
    } catch (err) {
      ui.showError(err);
    }
  };
  async function load() {
    try {
      const [{ connections }, tenantName] = await Promise.all([get(ui.wsPath('/connections')), tenantNames(get, ui.wsPath('/tenants'))]);
      mount(box, table(
        [
          { label: 'Name', render: (c) => c.display_name },
          { label: 'Tenant', render: (c) => tenantName(c.tenant_id) },
          { label: 'Consent', render: (c) => badge(c.consent_status) },
          { label: 'Verification', render: (c) => h('span', {}, badge(c.verification_status), c.verification_stale ? ' (stale)' : '') },
          { label: 'Reason', render: (c) => c.last_reason_code || '—' },
          { label: 'Default', render: (c) => (c.is_default ? 'yes' : '') },
          { label: 'Enabled', render: (c) => (c.enabled ? 'yes' : 'no') },
          { label: 'Last verified', render: (c) => when(c.last_verified_at) },
          { label: '', render: (c) => (ui.can('connection.manage') && ui.can('operations.start') ? h('button', { onclick: verify(c) }, 'Verify connection') : '') },
        ],
        connections,
      ));
    } catch (err) {
      mount(box, notice('error', ui.describeError(err)));
    }
  }
  let pending;
  return {
    element,
    load,
    onChange: (change) => {
      if (change.type !== 'poll' && !change.type.startsWith('tenantatlas.connections.')) return;
      clearTimeout(pending);
      pending = setTimeout(load, 300);
    },
    dispose: () => clearTimeout(pending),
  };
}
