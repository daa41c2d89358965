const mongoose = require('mongoose');
const { runModel, runTransitionModel } = require('./dist/adapters/mongo/run.schema.js');
const conn = mongoose.createConnection();
const Run = runModel(conn), T = runTransitionModel(conn);
const now = new Date();
const run = { _id: 'r-1', workspaceId: 'ws', tenantId: 't', type: 'diagnostics.noop', subject: 'x', status: 'queued', outcome: null, reasonCode: null, message: null,
  attemptCount: 0, maxAttempts: 3, attempts: [], summaryCounts: {}, context: {}, idempotencyKey: 'k', rerunOf: null, initiator: { kind: 'user', id: 'u' },
  createdAt: now, updatedAt: now, startedAt: null, completedAt: null, nextAttemptAt: now, redispatchAt: null, leaseOwner: null, leaseExpiresAt: null, traceparent: null, version: 0,
  outbox: [{ topic: 'x', key: 'k', eventId: 'e1', event: { id: 'e1', data: { x: 'v'.repeat(800) } } }], outboxPending: true };
const tr = { _id: 'r-1:1', runId: 'r-1', version: 1, set: [{ path: 'status', value: 'running' }, { path: 'attempts', value: [{ number: 1, startedAt: now, endedAt: null }] }, { path: 'updatedAt', value: now }], committedAt: now, outbox: run.outbox, outboxPending: true };
async function time(label, n, fn) { const t0 = process.hrtime.bigint(); for (let i = 0; i < n; i++) await fn(); console.log(label, (Number(process.hrtime.bigint() - t0) / 1e6 / n * 1000).toFixed(1), 'µs'); }
(async () => {
  for (const [name, M, d] of [['run', Run, run], ['transition', T, tr]]) {
    await time(`${name} doc+validate+toObject`, 2000, async () => { const x = new M(d); await x.validate(); x.toObject({ transform: false, virtuals: false, getters: false, depopulate: true }); });
    await time(`${name} castObject(applyDefaults)`, 2000, async () => { M.castObject(M.applyDefaults({ ...d })); });
    await time(`${name} applyDefaults`, 2000, async () => { M.applyDefaults({ ...d }); });
  }
  const q = () => Run.updateOne({ _id: 'r-1' }, { $set: Object.fromEntries(tr.set.map((s) => [s.path, s.value])) });
  await time('updateOne cast (getUpdate)', 2000, async () => { const qq = q(); qq._castUpdate(qq._update); });
})();
setTimeout(() => {
  const util = require('util'); const canon=(v)=>JSON.parse(JSON.stringify(v,(k,x)=>x&&typeof x==='object'&&!Array.isArray(x)?Object.fromEntries(Object.entries(x).sort(([a],[b])=>a<b?-1:1)):x));
  for (const [M, d] of [[Run, run], [T, tr]]) {
    const a = new M(d).toObject({ transform: false, virtuals: false, getters: false, depopulate: true });
    const b = M.applyDefaults({ ...d });
    console.log(util.isDeepStrictEqual(canon(a), canon(b)));
    if (!util.isDeepStrictEqual(canon(a), canon(b))) console.log(JSON.stringify(a).slice(0,600), '\n', JSON.stringify(b).slice(0,600));
    const partial = { _id: 'x', workspaceId: 'w', tenantId: 't', type: 'y', status: 'queued', attemptCount: 0, maxAttempts: 1, initiator: {kind:'user'}, createdAt: now, updatedAt: now, version: 0 };
    if (M === Run) { const a2 = new M(partial).toObject({ transform: false, virtuals: false, getters: false, depopulate: true }); const b2 = M.applyDefaults({ ...partial }); console.log('partial', util.isDeepStrictEqual(canon(a2), canon(b2))); console.log(JSON.stringify(a2)); console.log(JSON.stringify(b2)); }
  }
}, 100);
setTimeout(() => {
  const canon=(v)=>JSON.parse(JSON.stringify(v,(k,x)=>x&&typeof x==='object'&&!Array.isArray(x)?Object.fromEntries(Object.entries(x).sort(([a],[b])=>a<b?-1:1)):x));
  for (const [M, d] of [[Run, run], [T, tr]]) {
    const a = canon(new M(d).toObject({ transform: false, virtuals: false, getters: false, depopulate: true })); const b = canon(M.applyDefaults({ ...d }));
    for (const k of new Set([...Object.keys(a), ...Object.keys(b)])) if (JSON.stringify(a[k]) !== JSON.stringify(b[k])) console.log('DIFF', k, JSON.stringify(a[k]).replace(/v{20,}/g,'…'), '|', JSON.stringify(b[k]).replace(/v{20,}/g,'…'));
  }
}, 200);
