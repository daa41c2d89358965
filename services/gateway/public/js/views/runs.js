import { get, post } from '../api.js';
import { badge, runBadge } from '../badges.js';
import { h, mount, notice, table, when } from '../dom.js';

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

const PAGE_SIZE = 50;

/**
 * The task board: the runs of the workspace the member may see, newest first, narrowed by tenant,
 * status, outcome, type and reason code, a page at a time ("Older runs" appends the next one). A
 * filter that matches rarely may answer a short page with more to look at below it.
 */
export function runsView(ui) {
  const select = (id, label, values) => h('select', { id, 'aria-label': label }, values.map(([value, text]) => h('option', { value }, text)));
  const filters = {
    tenantId: select('run-tenant-filter', 'Tenant', [['', 'any tenant']]),
    status: select('run-status-filter', 'Status', ['', 'queued', 'running', 'completed'].map((v) => [v, v || 'any status'])),
    outcome: select('run-outcome-filter', 'Outcome', ['', 'succeeded', 'partially_succeeded', 'failed', 'cancelled'].map((v) => [v, v || 'any outcome'])),
    type: h('input', { id: 'run-type-filter', placeholder: 'type, e.g. inventory.sync', 'aria-label': 'Type' }),
    reasonCode: h('input', { id: 'run-reason-filter', placeholder: 'reason code', 'aria-label': 'Reason code' }),
  };
  const box = h('div', {}, notice('info', 'Loading runs…'));
  const more = h('div', { class: 'row' });
  // the runs the filters select, every page of them, as a file
  const exports = h('span', { class: 'row' });
  const retry = ui.can('operations.start')
    ? h('button', {
        id: 'retry-failed',
        onclick: async () => {
          try {
            // the tenant chosen above narrows the retry as it narrows the board
            const { retried } = await post(ui.wsPath('/runs/retry-failed'), filters.tenantId.value ? { tenant_id: filters.tenantId.value } : {});
            box.prepend(notice('info', `Retried ${retried.length} failed run(s).`));
          } catch (err) {
            ui.showError(err);
          }
          await load();
        },
      }, 'Retry failed runs')
    : null;
  const element = h('section', {},
    h('div', { class: 'row' }, h('h1', {}, 'Runs'), h('span', { class: 'spacer' }), retry),
    h('p', { class: 'sub' }, 'Operation runs with their status, attempts and reason codes.'),
    h('div', { class: 'row filters' }, Object.values(filters), exports),
    box, more);
  let typing;
  for (const input of Object.values(filters)) {
    input.onchange = () => load();
    if (input.tagName === 'INPUT') input.oninput = () => (clearTimeout(typing), (typing = setTimeout(load, 400)));
  }

  // what the table shows: the listing's filters, its runs so far and the token of its next page
  const shown = { params: '', runs: [], pages: 0, token: '', tenantName: (id) => id || '—' };
  // every request starts a new listing: an answer that comes back after a newer request started is dropped
  let listing = 0;
  // the listing of an older page on its way (0: none): no live refresh replaces the table meanwhile
  let paging = 0;
  const query = () => {
    const params = new URLSearchParams({ pageSize: String(PAGE_SIZE) });
    for (const [key, input] of Object.entries(filters)) if (input.value.trim()) params.set(key, input.value.trim());
    return params.toString();
  };

  function render() {
    // a filter that matches rarely: the service looked at its share of runs and found none here
    const stretch = shown.runs.length === 0 && shown.token ? notice('info', 'No run matched among the newest ones looked at; older runs may match.') : null;
    mount(box, stretch || table(
      [
        { label: 'Type', render: (r) => r.type },
        { label: 'Tenant', render: (r) => shown.tenantName(r.tenant_id) },
        { label: 'Status', render: (r) => runBadge(r) },
        { label: 'Attempts', render: (r) => `${r.attempt_count}/${r.max_attempts}` },
        { label: 'Reason', render: (r) => r.reason_code || '—' },
        { label: 'Created', render: (r) => when(r.created_at) },
        { label: '', render: (r) => runActions(ui, r, load) },
      ],
      shown.runs,
      (r) => ui.go(ui.wsHash(`/runs/${encodeURIComponent(r.id)}`)),
    ));
    mount(more, shown.token ? h('button', { id: 'older-runs', onclick: () => olderPage().catch(ui.showError) }, 'Older runs') : null);
  }

  /** The first page again, as the filters say now (the pages after it are dropped). */
  async function load() {
    const mine = ++listing;
    const params = query();
    const link = (format, label) => {
      const p = new URLSearchParams(params);
      p.delete('pageSize');
      p.set('format', format);
      return h('a', { class: 'button', id: `export-runs-${format}`, href: ui.wsPath(`/runs/export?${p}`), download: '' }, label);
    };
    mount(exports, link('csv', 'Export CSV'), link('ndjson', 'Export NDJSON'));
    try {
      const [{ runs, next_page_token }, tenants] = await Promise.all([get(ui.wsPath(`/runs?${params}`)), get(ui.wsPath('/tenants')).catch(() => null)]);
      if (mine !== listing) return;
      // tenants that could not be read leave the names and choices as they were
      if (tenants) {
        const names = new Map(tenants.tenants.map((t) => [t.id, t.name]));
        shown.tenantName = (id) => names.get(id) || id || '—';
        const chosen = filters.tenantId.value;
        mount(filters.tenantId, h('option', { value: '' }, 'any tenant'), tenants.tenants.map((t) => h('option', { value: t.id, selected: t.id === chosen }, t.name)));
      }
      Object.assign(shown, { params, runs, pages: 1, token: next_page_token || '' });
      render();
    } catch (err) {
      if (mine !== listing) return;
      mount(box, notice('error', ui.describeError(err)));
      mount(more);
    }
  }

  /** The next page of the listing shown (its own filters and token, whatever the controls say now). */
  async function olderPage() {
    const mine = ++listing;
    paging = mine;
    try {
      const params = new URLSearchParams(shown.params);
      params.set('pageToken', shown.token);
      const { runs, next_page_token } = await get(ui.wsPath(`/runs?${params}`));
      if (mine !== listing) return;
      Object.assign(shown, { runs: [...shown.runs, ...runs], pages: shown.pages + 1, token: next_page_token || '' });
      render();
    } finally {
      if (paging === mine) paging = 0;
    }
    // the filters changed while this page was on its way (their load gave way to it): follow them now
    if (mine === listing && query() !== shown.params) await load();
  }

  // a live change refreshes the first page; pages the operator went on to stay as they are
  const live = debounced(() => (shown.pages <= 1 && !paging ? load() : Promise.resolve()), ui);
  return {
    element,
    load,
    onChange: live.onChange,
    dispose: () => (clearTimeout(typing), live.dispose()),
  };
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
