import { get } from '../api.js';
import { badge } from '../badges.js';
import { h, mount, notice, table, when } from '../dom.js';

const FILTERS = [
  ['action', 'Action', 'run.completed'],
  ['tenantId', 'Tenant id', ''],
  ['actorId', 'Actor', ''],
  ['outcome', 'Outcome', 'succeeded'],
];

/** The audit log with filters, cursor paging and export. */
export function auditView(ui) {
  const inputs = Object.fromEntries(FILTERS.map(([key, , placeholder]) => [key, h('input', { id: `audit-${key}`, placeholder })]));
  const box = h('div', {}, notice('info', 'Loading audit log…'));
  const exports = h('span', { class: 'row' });
  let pageToken = '';
  const query = () => {
    const params = new URLSearchParams();
    for (const [key] of FILTERS) if (inputs[key].value.trim()) params.set(key, inputs[key].value.trim());
    return params;
  };
  const form = h('form', {
    class: 'card row',
    onsubmit: (e) => {
      e.preventDefault();
      pageToken = '';
      load();
    },
  }, FILTERS.map(([key, label]) => h('div', {}, h('label', { for: `audit-${key}` }, label), inputs[key])), h('button', { type: 'submit', class: 'primary' }, 'Apply filters'), exports);
  const element = h('section', {}, h('h1', {}, 'Audit log'), h('p', { class: 'sub' }, 'Every change and every refused access, append-only and tamper-evident.'), form, box);

  async function load() {
    const params = query();
    if (ui.can('audit.export')) {
      const link = (format, label) => {
        const p = new URLSearchParams(params);
        p.set('format', format);
        return h('a', { class: 'button', href: ui.wsPath(`/audit/export?${p}`), download: '' }, label);
      };
      mount(exports, link('csv', 'Export CSV'), link('ndjson', 'Export NDJSON'));
    }
    if (pageToken) params.set('pageToken', pageToken);
    try {
      const { events, next_page_token } = await get(ui.wsPath(`/audit?${params}`));
      // a filter that matches rarely: the service looked at its share of the log and found none here
      const stretch = events.length === 0 && next_page_token ? notice('info', 'No record matched in this stretch of the log; older records may match.') : null;
      mount(box,
        stretch || table(
          [
            { label: 'When', render: (e) => when(e.occurred_at) },
            { label: 'Action', render: (e) => e.action },
            { label: 'Outcome', render: (e) => badge(e.outcome) },
            { label: 'Reason', render: (e) => e.reason_code || '—' },
            { label: 'Subject', render: (e) => h('span', { class: 'mono' }, [e.subject_type, e.subject_id].filter(Boolean).join('/')) },
            { label: 'Actor', render: (e) => e.actor?.display_name || e.actor?.user_id || e.actor?.component || '—' },
            { label: 'Tenant', render: (e) => h('span', { class: 'mono' }, e.tenant_id || '—') },
          ],
          events,
        ),
        next_page_token ? h('div', { class: 'row' }, h('button', { onclick: () => ((pageToken = next_page_token), load()) }, 'Older records')) : null);
    } catch (err) {
      mount(box, notice('error', ui.describeError(err)));
    }
  }
  return { element, load };
}
