import { h } from './dom.js';

// The one mapping from status values to badge tone and label (every view uses it).
const TONES = {
  // runs
  queued: 'info', running: 'info', completed: 'neutral',
  succeeded: 'ok', partially_succeeded: 'warn', failed: 'bad', cancelled: 'neutral',
  // tenants
  draft: 'neutral', onboarding: 'info', active: 'ok', archived: 'neutral',
  // onboarding lifecycle
  verifying: 'info', action_required: 'warn', bootstrapping: 'info', ready_for_activation: 'ok',
  // verification summary
  not_started: 'neutral', stale: 'warn',
  // connections
  healthy: 'ok', degraded: 'warn', blocked: 'bad', error: 'bad', pending: 'info', unknown: 'neutral',
  granted: 'ok', required: 'warn', revoked: 'bad',
  // audit
  denied: 'bad',
};

const LABELS = {
  ready_for_activation: 'ready to activate',
  action_required: 'action required',
  partially_succeeded: 'partially succeeded',
  not_started: 'not started',
};

export function badge(value) {
  if (!value) return h('span', { class: 'badge neutral' }, '—');
  return h('span', { class: `badge ${TONES[value] || 'neutral'}`, 'data-status': value }, LABELS[value] || value.replaceAll('_', ' '));
}

/** A run's one badge: its outcome when completed, otherwise its status. */
export function runBadge(run) {
  return badge(run.status === 'completed' ? run.outcome || 'completed' : run.status);
}
