import { get } from '../api.js';
import { badge, runBadge } from '../badges.js';
import { h, notice, table, when } from '../dom.js';

export const STEPS = [
  { key: 'identify', label: 'Identify tenant', checkpoint: 'identify' },
  { key: 'connect', label: 'Connect provider', checkpoint: 'connect_provider' },
  { key: 'verify', label: 'Verify access', checkpoint: 'verify_access' },
  { key: 'bootstrap', label: 'Bootstrap', checkpoint: 'bootstrap' },
  { key: 'complete', label: 'Complete', checkpoint: 'complete' },
];
const CHECKPOINT_ORDER = STEPS.map((s) => s.checkpoint);

let runTypesOnce;
const runTypes = () => (runTypesOnce ??= get('/api/run-types').catch((err) => ((runTypesOnce = undefined), Promise.reject(err))));

export function stepDone(draft, step) {
  return CHECKPOINT_ORDER.indexOf(draft.last_completed_checkpoint) >= CHECKPOINT_ORDER.indexOf(step.checkpoint);
}

function field(id, label, attrs = {}) {
  const input = h('input', { id, name: id, ...attrs });
  return { input, el: h('div', {}, h('label', { for: id }, label), input) };
}

export function identifyStep(ctx) {
  const { draft } = ctx;
  if (draft.tenant_id) {
    return h('dl', { class: 'kv' },
      h('dt', {}, 'Tenant'), h('dd', {}, draft.tenant_name),
      h('dt', {}, 'Tenant id'), h('dd', { class: 'mono' }, draft.external_tenant_id),
      h('dt', {}, 'Primary domain'), h('dd', {}, draft.primary_domain || '—'));
  }
  if (!ctx.can('onboarding.manage')) return notice('info', 'The tenant has not been identified yet.');
  const ext = field('external-tenant-id', 'Tenant id (Entra directory id)', { required: true, placeholder: '00000000-0000-0000-0000-000000000000' });
  const name = field('tenant-name', 'Name', { required: true });
  const domain = field('primary-domain', 'Primary domain', { placeholder: 'contoso.onmicrosoft.com' });
  return h('form', {
    onsubmit: (e) => {
      e.preventDefault();
      ctx.act('identify', { external_tenant_id: ext.input.value, name: name.input.value, primary_domain: domain.input.value || undefined });
    },
  }, ext.el, name.el, domain.el, h('div', { class: 'row' }, h('button', { class: 'primary', type: 'submit', id: 'identify-submit' }, 'Identify tenant')));
}

export function connectStep(ctx) {
  const { draft, readiness } = ctx;
  if (!draft.tenant_id) return notice('info', 'Identify the tenant first.');
  const provider = readiness?.provider;
  const selected = draft.state?.selected_connection_id;
  const box = ctx.connections instanceof Error
    ? notice('error', ctx.describeError(ctx.connections))
    : table(
      [
        { label: 'Connection', render: (c) => h('span', {}, c.display_name, c.id === selected ? h('span', { class: 'badge info' }, ' selected') : '') },
        { label: 'Consent', render: (c) => badge(c.consent_status) },
        { label: 'Verification', render: (c) => badge(c.verification_status) },
        { label: '', render: (c) => (ctx.can('onboarding.manage') && c.id !== selected ? h('button', { onclick: () => ctx.act('connection', { connection_id: c.id }) }, 'Use this connection') : '') },
      ],
      ctx.connections ?? [],
    );
  const parts = [provider?.summary ? notice('info', provider.summary) : null, h('h2', {}, 'Connections of this tenant'), box];
  if (ctx.can('onboarding.manage') && ctx.can('connection.manage')) {
    const name = field('connection-name', 'Display name', { required: true, value: `${draft.tenant_name ?? ''} app` });
    const client = field('client-id', 'Application (client) id', { required: true });
    const target = field('target-tenant-id', 'Directory (tenant) id', { required: true, value: draft.external_tenant_id });
    const secret = field('client-secret', 'Client secret (write-only, never shown again)', { type: 'password', autocomplete: 'off' });
    parts.push(h('h2', {}, 'Create a connection'), h('form', {
      onsubmit: (e) => {
        e.preventDefault();
        ctx.act('connection', {
          new_connection: { display_name: name.input.value, client_id: client.input.value, target_tenant_id: target.input.value, client_secret: secret.input.value || undefined },
        });
      },
    }, name.el, client.el, target.el, secret.el, h('div', { class: 'row' }, h('button', { class: 'primary', type: 'submit', id: 'connection-submit' }, 'Create and select connection'))));
  }
  return h('div', {}, parts);
}

export function verifyStep(ctx) {
  const v = ctx.readiness?.verification;
  if (!ctx.draft.state?.selected_connection_id) return notice('info', 'Select a provider connection first.');
  const canStart = ctx.can('onboarding.manage') && v && !v.is_active;
  return h('div', {},
    h('dl', { class: 'kv' },
      h('dt', {}, 'Verification'), h('dd', {}, badge(v?.status)),
      h('dt', {}, 'Reason'), h('dd', {}, v?.reason_code || '—'),
      h('dt', {}, 'Run'), h('dd', {}, v?.run_id ? h('a', { href: ctx.wsHash(`/runs/${encodeURIComponent(v.run_id)}`) }, 'Open operation') : '—')),
    canStart ? h('div', { class: 'row' }, h('button', { id: 'start-verification', onclick: () => ctx.act('verification', {}) }, v?.status === 'not_started' ? 'Start verification' : 'Rerun verification')) : null);
}

export function bootstrapStep(ctx) {
  const runs = ctx.readiness?.bootstrap ?? [];
  const parts = [table(
    [
      { label: 'Bootstrap run', render: (r) => r.type },
      { label: 'Status', render: (r) => runBadge(r) },
      { label: 'Reason', render: (r) => r.reason_code || '—' },
    ],
    runs,
    (r) => r.run_id && ctx.go(ctx.wsHash(`/runs/${encodeURIComponent(r.run_id)}`)),
  )];
  if (ctx.can('onboarding.manage') && ctx.readiness?.verification?.status === 'succeeded') {
    const box = h('div', { class: 'row checks' });
    runTypes()
      .then(({ types }) => {
        const choices = types.filter((t) => !t.name.startsWith('diagnostics.') && t.name !== 'provider.connection.check');
        const checks = choices.map((t) => h('input', { type: 'checkbox', value: t.name, id: `bt-${t.name}`, checked: t.name === 'inventory.sync' }));
        box.replaceChildren(...choices.map((t, i) => h('label', { for: `bt-${t.name}` }, checks[i], ` ${t.name}`)),
          h('button', { id: 'start-bootstrap', onclick: () => ctx.act('bootstrap', { types: checks.filter((c) => c.checked).map((c) => c.value) }) }, 'Start bootstrap'));
      })
      .catch((err) => box.replaceChildren(notice('error', ctx.describeError(err))));
    parts.push(h('h2', {}, 'Start bootstrap runs'), box);
  }
  return h('div', {}, parts);
}

export function completeStep(ctx) {
  const { draft, readiness } = ctx;
  if (draft.lifecycle_state === 'completed') return notice('info', `Onboarding completed ${when(draft.completed_at)}. The tenant is active.`);
  if (draft.lifecycle_state === 'cancelled') return notice('warn', 'This draft was cancelled.');
  const parts = [readiness?.ready ? notice('info', 'Readiness allows activation.') : notice('warn', readiness?.blocker?.operator_summary || 'Not ready for activation yet.')];
  if (ctx.can('onboarding.activate') && readiness?.ready) {
    parts.push(h('button', { class: 'primary', id: 'complete-onboarding', onclick: () => ctx.act('activate', {}) }, 'Complete onboarding'));
  } else if (ctx.can('onboarding.activate.override')) {
    const reason = field('override-reason', 'Override reason (recorded in audit)', { required: true });
    parts.push(h('form', { onsubmit: (e) => (e.preventDefault(), ctx.act('activate', { override: true, override_reason: reason.input.value })) },
      reason.el, h('button', { class: 'danger', type: 'submit' }, 'Complete with override')));
  }
  return h('div', {}, parts);
}
