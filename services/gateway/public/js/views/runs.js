import { get, post } from '../api.js';
import { badge, runBadge } from '../badges.js';
import { h, mount, notice, table, tenantNames, when } from '../dom.js';

function debounced(load, ui) {
  let pending;
  return {
    onChange: () => {
      clearTimeout(pending);
      pending = setTimeout(() => load().catch(ui.showError), 300);
    },
    dispose: () => clearTimeout(pending),
  };
}

function runActions(ui, run, after) {
  if (!ui.can('operations.start')) return null;
  const act = (action) => async (e) => {
    e.stopPropagation();
    try {
      await post(ui.wsPath(`/runs/${encodeURIComponent(run.id)}/${action}`));
    } catch (err) {
      ui.showError(err);
    }
    await after();
  };
  if (run.status === 'completed') return h('button', { class: 'rerun', onclick: act('rerun') }, 'Rerun');
  return h('button', { class: 'danger cancel', onclick: act('cancel') }, 'Cancel run');
}

/** The task board: every run of the workspace the member may see, newest first. */
export function runsView(ui) {
  const filter = h('select', { id: 'run-status-filter' }, ['', 'queued', 'running', 'completed'].map((v) => h('option', { value: v }, v || 'any status')));
  const box = h('div', {}, notice('info', 'Loading runs…'));
  const retry = ui.can('operations.start')
    ? h('button', {
        id: 'retry-failed',
        onclick: async () => {
          try {
            const { retried } = await post(ui.wsPath('/runs/retry-failed'), {});
            box.prepend(notice('info', `Retried ${retried.length} failed run(s).`));
          } catch (err) {
            ui.showError(err);
          }
          await load();
        },
      }, 'Retry failed runs')
    : null;
  const element = h('section', {}, h('div', { class: 'row' }, h('h1', {}, 'Runs'), h('span', { class: 'spacer' }), filter, retry), h('p', { class: 'sub' }, 'Operation runs with their status, attempts and reason codes.'), box);
  filter.onchange = () => load();

  async function load() {
    try {
      const [{ runs }, tenantName] = await Promise.all([get(ui.wsPath(`/runs?pageSize=100${filter.value ? `&status=${filter.value}` : ''}`)), tenantNames(get, ui.wsPath('/tenants'))]);
      mount(box, table(
        [
          { label: 'Type', render: (r) => r.type },
          { label: 'Tenant', render: (r) => tenantName(r.tenant_id) },
          { label: 'Status', render: (r) => runBadge(r) },
          { label: 'Attempts', render: (r) => `${r.attempt_count}/${r.max_attempts}` },
          { label: 'Reason', render: (r) => r.reason_code || '—' },
          { label: 'Created', render: (r) => when(r.created_at) },
          { label: '', render: (r) => runActions(ui, r, load) },
        ],
        runs,
        (r) => ui.go(ui.wsHash(`/runs/${encodeURIComponent(r.id)}`)),
      ));
    } catch (err) {
      mount(box, notice('error', ui.describeError(err)));
    }
  }
  return { element, load, ...debounced(load, ui) };
}

export function runDetailView(ui, runId) {
  const element = h('section', {}, notice('info', 'Loading run…'));
  async function load() {
    try {
      const { run } = await get(ui.wsPath(`/runs/${encodeURIComponent(runId)}`));
      mount(element,
        h('p', {}, h('a', { href: ui.wsHash('/runs') }, '← Runs')),
        h('div', { class: 'row' }, h('h1', {}, run.type), runBadge(run), h('span', { class: 'spacer' }), runActions(ui, run, load)),
        h('div', { class: 'card' }, h('dl', { class: 'kv' },
          h('dt', {}, 'Run id'), h('dd', { class: 'mono' }, run.id),
          h('dt', {}, 'Tenant'), h('dd', { class: 'mono' }, run.tenant_id),
          h('dt', {}, 'Subject'), h('dd', { class: 'mono' }, run.subject || '—'),
          h('dt', {}, 'Status'), h('dd', {}, badge(run.status), ' ', run.outcome ? badge(run.outcome) : ''),
          h('dt', {}, 'Reason'), h('dd', {}, run.reason_code || '—'),
          h('dt', {}, 'Message'), h('dd', {}, run.message || '—'),
          h('dt', {}, 'Started by'), h('dd', {}, run.initiator?.display_name || run.initiator?.user_id || run.initiator?.component || '—'),
          h('dt', {}, 'Created'), h('dd', {}, when(run.created_at)),
          h('dt', {}, 'Completed'), h('dd', {}, when(run.completed_at)),
          h('dt', {}, 'Next attempt'), h('dd', {}, when(run.next_attempt_at)))),
        h('h2', {}, 'Attempts'),
        table(
          [
            { label: '#', render: (a) => a.number },
            { label: 'Result', render: (a) => badge(a.result) },
            { label: 'Reason', render: (a) => a.reason_code || '—' },
            { label: 'Message', render: (a) => a.message || '—' },
            { label: 'Retry after', render: (a) => (a.retry_after_ms ? `${a.retry_after_ms} ms` : '—') },
            { label: 'Started', render: (a) => when(a.started_at) },
            { label: 'Ended', render: (a) => when(a.ended_at) },
          ],
          run.attempts,
        ));
    } catch (err) {
      mount(element, notice('error', ui.describeError(err)));
    }
  }
  return { element, load, ...debounced(load, ui) };
}
