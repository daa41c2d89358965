import { ApiError, get, post } from '../api.js';
import { badge, runBadge } from '../badges.js';
import { h, mount, notice, table, when } from '../dom.js';
import { bootstrapStep, completeStep, connectStep, identifyStep, STEPS, stepDone, verifyStep } from './wizard-steps.js';

const STEP_VIEWS = { identify: identifyStep, connect: connectStep, verify: verifyStep, bootstrap: bootstrapStep, complete: completeStep };
const NEXT_ACTION_STEP = {
  identify_tenant: 'identify', connect_provider: 'connect', grant_consent: 'connect', review_permissions: 'connect',
  review_bootstrap: 'bootstrap',
};

/** The 5-step onboarding wizard; every status shown comes from the backend's readiness. */
export function wizardView(ui, draftId) {
  const element = h('section', {}, notice('info', 'Loading draft…'));
  const s = { draft: null, readiness: null, runs: null, connections: null, viewStep: null, lastServerStep: null, message: null, busy: false };

  async function load() {
    try {
      const [{ draft }, readiness] = await Promise.all([
        get(ui.wsPath(`/drafts/${encodeURIComponent(draftId)}`)),
        get(ui.wsPath(`/drafts/${encodeURIComponent(draftId)}/readiness`)).then((r) => r.readiness).catch(() => null),
      ]);
      // Related lists load with the draft, so a refresh re-renders once without flicker.
      const tenant = encodeURIComponent(draft.tenant_id);
      const [runs, connections] = await Promise.all([
        draft.tenant_id && ui.can('operations.view') ? get(ui.wsPath(`/runs?tenantId=${tenant}&pageSize=20`)).then((r) => r.runs, (err) => err) : null,
        draft.tenant_id && ui.can('connection.view') ? get(ui.wsPath(`/connections?tenantId=${tenant}`)).then((r) => r.connections, (err) => err) : null,
      ]);
      Object.assign(s, { draft, readiness, runs, connections });
      // Follow the server's step when it moves; keep the operator's own navigation otherwise.
      if (s.lastServerStep !== draft.current_step) s.viewStep = draft.current_step;
      s.lastServerStep = draft.current_step;
      render();
    } catch (err) {
      mount(element, notice('error', ui.describeError(err)));
    }
  }

  async function act(action, body) {
    if (s.busy) return;
    s.busy = true;
    s.message = null;
    try {
      await post(ui.wsPath(`/drafts/${encodeURIComponent(draftId)}/${action}`), { expected_version: s.draft.version, ...body });
      for (const form of element.querySelectorAll('form')) form.reset();
    } catch (err) {
      const conflict = err instanceof ApiError && err.status === 409;
      s.message = { kind: conflict ? 'warn' : 'error', text: ui.describeError(err), conflict };
    } finally {
      s.busy = false;
    }
    await load();
  }

  const ctx = () => ({ ...s, can: ui.can, act, go: ui.go, wsPath: ui.wsPath, wsHash: ui.wsHash, describeError: ui.describeError });

  function nextActionPanel() {
    const next = s.readiness?.next_action;
    if (!next || next.kind === 'none') return null;
    let button = null;
    if (['start_verification', 'rerun_verification'].includes(next.kind) && ui.can('onboarding.manage')) {
      button = h('button', { class: 'primary', id: 'next-action', onclick: () => act('verification', {}) }, next.label);
    } else if (next.kind === 'complete_onboarding' && ui.can('onboarding.activate')) {
      button = h('button', { class: 'primary', id: 'next-action', onclick: () => act('activate', {}) }, next.label);
    } else if (next.kind === 'open_operation' && next.run_id) {
      button = h('a', { class: 'button primary', id: 'next-action', href: ui.wsHash(`/runs/${encodeURIComponent(next.run_id)}`) }, next.label);
    } else if (NEXT_ACTION_STEP[next.kind]) {
      button = h('button', { class: 'primary', id: 'next-action', onclick: () => ((s.viewStep = NEXT_ACTION_STEP[next.kind]), render()) }, next.label);
    }
    return h('div', { class: 'next-action', 'data-next-action': next.kind },
      h('strong', {}, 'Next: '), h('span', {}, next.label),
      h('span', { class: 'spacer' }),
      s.readiness.blocker?.operator_summary ? h('span', { class: 'muted' }, s.readiness.blocker.operator_summary) : null,
      button);
  }

  function taskBoard() {
    if (!s.runs) return null;
    const board = s.runs instanceof Error
      ? notice('error', ui.describeError(s.runs))
      : table(
        [
          { label: 'Run', render: (r) => r.type },
          { label: 'Status', render: (r) => runBadge(r) },
          { label: 'Attempts', render: (r) => `${r.attempt_count}/${r.max_attempts}` },
          { label: 'Reason', render: (r) => r.reason_code || '—' },
          { label: 'Started', render: (r) => when(r.created_at) },
        ],
        s.runs,
        (r) => ui.go(ui.wsHash(`/runs/${encodeURIComponent(r.id)}`)),
      );
    return h('div', {}, h('h2', {}, 'Task board'), board);
  }

  /** Live refreshes re-render the page: what the operator was typing survives them. */
  function keepTyping(renderPage) {
    const edited = [...element.querySelectorAll('input[id]')]
      .filter((i) => (i.type === 'checkbox' ? i.checked !== i.defaultChecked : i.value !== i.defaultValue))
      .map((i) => [i.id, i.type === 'checkbox' ? i.checked : i.value]);
    const focused = element.contains(document.activeElement) ? document.activeElement.id : '';
    renderPage();
    for (const [id, value] of edited) {
      const input = element.querySelector(`#${CSS.escape(id)}`);
      if (input) input[input.type === 'checkbox' ? 'checked' : 'value'] = value;
    }
    if (focused) element.querySelector(`#${CSS.escape(focused)}`)?.focus();
  }

  function render() {
    keepTyping(renderPage);
  }

  function renderPage() {
    const { draft } = s;
    const terminal = ['completed', 'cancelled'].includes(draft.lifecycle_state);
    const stepIndex = STEPS.findIndex((st) => st.key === draft.current_step);
    mount(
      element,
      h('div', { class: 'row' },
        h('div', {}, h('h1', {}, draft.tenant_name || 'New onboarding'),
          h('p', { class: 'sub' }, 'Lifecycle ', badge(draft.lifecycle_state), ` · version ${draft.version} · updated ${when(draft.updated_at)}`)),
        h('span', { class: 'spacer' }),
        !terminal && ui.can('onboarding.manage') ? h('button', { class: 'danger', onclick: () => confirm('Cancel this onboarding draft?') && act('cancel', {}) }, 'Cancel draft') : null),
      s.message ? h('div', { class: `notice ${s.message.kind}`, role: 'alert', id: s.message.conflict ? 'conflict-message' : 'action-error' }, s.message.text) : null,
      s.readiness?.from_stored_evidence ? notice('warn', 'Some services could not be reached; this shows the last stored evidence.') : null,
      nextActionPanel(),
      h('div', { class: 'stepper' }, STEPS.map((st, i) =>
        h('button', {
          class: `step ${stepDone(draft, st) ? 'done' : ''} ${st.key === s.viewStep ? 'current' : ''}`,
          'data-step': st.key,
          onclick: () => ((s.viewStep = st.key), render()),
        }, h('span', { class: 'n' }, stepDone(draft, st) ? '✓' : String(i + 1)), st.label))),
      h('div', { class: 'card', id: `step-${s.viewStep}` }, h('h2', {}, STEPS.find((st) => st.key === s.viewStep).label), STEP_VIEWS[s.viewStep](ctx())),
      stepIndex >= 3 ? taskBoard() : null,
    );
  }

  let pending;
  return {
    element,
    load,
    onChange: (change) => {
      const mine = change.type === 'poll' || change.subject === `draft/${draftId}` || (s.draft?.tenant_id && change.tenantId === s.draft.tenant_id);
      if (!mine) return;
      clearTimeout(pending);
      pending = setTimeout(load, 250);
    },
    dispose: () => clearTimeout(pending),
  };
}
