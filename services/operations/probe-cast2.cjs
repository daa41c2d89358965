const mongoose = require('mongoose');
const { runModel, runTransitionModel } = require('./dist/adapters/mongo/run.schema.js');
const conn = mongoose.createConnection();
const Run = runModel(conn);
const now = new Date();
const run = { _id: 'r-1', workspaceId: 'ws', tenantId: 't', type: 'diagnostics.noop', subject: 'x', status: 'queued', outcome: null, reasonCode: null, message: null,
  attemptCount: 0, maxAttempts: 3, attempts: [], summaryCounts: {}, context: {}, idempotencyKey: 'k', rerunOf: null, initiator: { kind: 'user', id: 'u' },
  createdAt: now, updatedAt: now, startedAt: null, completedAt: null, nextAttemptAt: now, redispatchAt: null, leaseOwner: null, leaseExpiresAt: null, traceparent: null, version: 0,
  outbox: [{ topic: 'x', eventId: 'e1', event: { id: 'e1', data: { x: 'v'.repeat(800) } } }], outboxPending: true };
async function time(label, n, fn) { const t0 = process.hrtime.bigint(); for (let i = 0; i < n; i++) await fn(); console.log(label, (Number(process.hrtime.bigint() - t0) / 1e6 / n * 1000).toFixed(1), 'µs'); }
(async () => {
  for (let k = 0; k < 2; k++) {
  await time('doc+validate+toObject', 5000, async () => { const x = new Run(run); await x.validate(); x.toObject({ transform: false, virtuals: false, getters: false, depopulate: true }); });
  await time('static Model.validate', 5000, async () => { await Run.validate({ ...run }); });
  await time('new doc only', 5000, async () => { new Run(run); });
  await time('doc + toObject', 5000, async () => { new Run(run).toObject({ transform: false, virtuals: false, getters: false, depopulate: true }); });
  }
  const v = await Run.validate({ ...run }); console.log(Object.keys(v).length, v.outcome);
  try { await Run.validate({ _id: 'x' }); } catch (e) { console.log('refused', e.name); }
})();
