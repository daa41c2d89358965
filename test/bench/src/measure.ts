/**
 * The measurements, each run against TenantAtlas (through the gateway's public API, with every
 * service a real process) and, in the same run, against the floor and BullMQ.
 */
import fs from 'node:fs';
import path from 'node:path';
import { percentile, REPO_ROOT, RunCompletions, waitFor, type Stack } from '@tenantatlas/testing';
import type { GatewayApi } from './api';
import { closedLoop } from './timing';
import { BullmqPeer, rssMb } from './bullmq-peer';
import { difference, readDbOperations, type DbOperationTotals } from './db-operations';
import type { Floor } from './floor';
import { latencyFigures, type Report } from './report';

export interface Bench {
  stack: Stack;
  api: GatewayApi;
  completions: RunCompletions;
  peer: BullmqPeer;
  floor: Floor;
  report: Report;
  /** a stored run document, for the floor's inserts */
  runDocument: Record<string, unknown>;
  scale: number;
}

const n = (bench: Bench, count: number) => Math.max(1, Math.round(count * bench.scale));
const noop = (key: string) => ({ key, type: 'diagnostics.noop' });

export async function drain(bench: Bench, runIds: string[]): Promise<void> {
  await Promise.all(runIds.map((id) => bench.completions.completed(id)));
}

export async function startLatency(bench: Bench): Promise<void> {
  for (const concurrency of [1, 16, 64]) {
    const total = n(bench, concurrency === 1 ? 200 : concurrency * 25);
    const ids: string[] = [];
    const ours = await closedLoop(total, concurrency, (i) => bench.api.startRun(noop(`start-${concurrency}-${i}`)).then((r) => ids.push(r.run.id)));
    const bull = await closedLoop(total, concurrency, (i) => bench.peer.add(`start-${concurrency}-${i}`));
    const floor = await bench.floor.inserts(bench.runDocument, total, concurrency);
    const section = `start a run, ${concurrency} concurrent`;
    const peersAt = (p: number) => [
      { name: 'BullMQ', value: percentile(bull.latencies, p) },
      { name: 'floor', value: percentile(floor.latencies, p) },
    ];
    for (const figure of latencyFigures(section, 'latency', ours.latencies, percentile, {
      50: { peers: peersAt(50) },
      95: { peers: peersAt(95) },
      99: { peers: peersAt(99), ...(concurrency === 64 ? { target: { op: '≤', value: 50 } } : {}) },
    })) {
      bench.report.add(figure);
    }
    bench.report.add({
      section,
      name: 'throughput',
      value: total / ours.seconds,
      unit: '/s',
      peers: [
        { name: 'BullMQ', value: total / bull.seconds },
        { name: 'floor', value: total / floor.seconds },
      ],
    });
    await drain(bench, ids);
  }
}

export async function endToEndLatency(bench: Bench): Promise<void> {
  const runs = n(bench, 50);
  const ours: number[] = [];
  const bull: number[] = [];
  const ids: string[] = [];
  const since = new Date();
  for (let i = 0; i < runs; i++) {
    const t = performance.now();
    const { run } = await bench.api.startRun(noop(`e2e-${i}`));
    ids.push(run.id);
    ours.push((await bench.completions.completed(run.id)).at - t);
    const b = performance.now();
    await bench.peer.add(`e2e-${i}`);
    bull.push((await bench.peer.completed(`e2e-${i}`)) - b);
  }
  const peers = (p: number) => [{ name: 'BullMQ', value: percentile(bull, p) }];
  for (const figure of latencyFigures('run start → succeeded (no-op, one at a time)', 'latency', ours, percentile, {
    50: { peers: peers(50) },
    95: { peers: peers(95), target: { op: '≤', value: 150 } },
    99: { peers: peers(99) },
  })) {
    bench.report.add(figure);
  }
  // the same runs' audit lag: the pipeline's own delay, without the backlog of a saturating load
  const lags = (await succeededRecords(bench, ids, since, 'the one-at-a-time runs')).map(auditLag);
  for (const figure of latencyFigures('audit lag, one run at a time (event committed → recorded, queryable)', 'lag', lags, percentile, { 99: { target: { op: '≤', value: 250 } } })) {
    bench.report.add(figure);
  }
}

/** A real provider run: the worker calls connections, which calls the provider simulator (no added latency). */
export async function providerCheckLatency(bench: Bench): Promise<void> {
  const { api } = bench;
  const created = await api.request('POST', `${api.ws}/connections`, {
    tenant_id: api.tenantFor('bench-provider'),
    display_name: 'Bench app',
    client_id: 'aaaaaaaa-0000-4000-8000-00000000b001',
    target_tenant_id: '11111111-1111-4111-8111-111111111111',
    client_secret: 'bench-secret-value',
  });
  if (created.status !== 201) throw new Error(`creating the connection answered ${created.status}: ${created.text}`);
  const connectionId = created.json.connection?.id ?? created.json.id;
  const latencies: number[] = [];
  for (let i = 0; i < n(bench, 20); i++) {
    const t = performance.now();
    const res = await api.request('POST', `${api.ws}/connections/${connectionId}/check`, {});
    const done = await bench.completions.completed(res.json.run.id);
    if (done.outcome !== 'succeeded') throw new Error(`the connection check ended ${done.outcome}`);
    latencies.push(done.at - t);
  }
  for (const figure of latencyFigures('connection check start → succeeded (gateway → operations → worker → connections → simulator)', 'latency', latencies, percentile)) {
    bench.report.add(figure);
  }
}

export async function concurrentDedupe(bench: Bench): Promise<void> {
  const callers = 500;
  const responses: { run: { id: string }; deduplicated: boolean }[] = [];
  // A key of its own per caller: what merges them is the dedupe of active runs, not idempotency.
  // The run outlives the slowest start (a start after it completed rightly creates a new run).
  const ours = await closedLoop(callers, callers, (i) =>
    bench.api.startRun({ key: 'dedupe-500', type: 'diagnostics.scripted', context: { script: 'sleep:30000+ok' }, idempotency_key: `dedupe-500:${i}` }).then((r) => responses.push(r)),
  );
  const ids = new Set(responses.map((r) => r.run.id));
  const before = await bench.peer.jobCount();
  const bull = await closedLoop(callers, callers, () => bench.peer.add('dedupe-500'));
  const bullCreated = (await bench.peer.jobCount()) - before;
  const section = `${callers} concurrent starts of the same run`;
  bench.report.add({ section, name: 'runs created', value: responses.filter((r) => !r.deduplicated).length, unit: 'runs', target: { op: '≤', value: 1 }, peers: [{ name: 'BullMQ', value: bullCreated }] });
  bench.report.add({ section, name: 'distinct run ids answered', value: ids.size, unit: 'runs', target: { op: '≤', value: 1 } });
  bench.report.add({ section, name: 'latency p99', value: percentile(ours.latencies, 99), unit: 'ms', peers: [{ name: 'BullMQ', value: percentile(bull.latencies, 99) }] });
  await drain(bench, [...ids]);
}

/** The `run.succeeded` audit records of `ids` (every run started after `since`), once audit holds them all. */
async function succeededRecords(bench: Bench, ids: string[], since: Date, what: string, onPoll = () => {}): Promise<AuditedRun[]> {
  const { api } = bench;
  const wanted = new Set(ids);
  return waitFor(
    async () => {
      onPoll();
      const res = await api.request('GET', `${api.ws}/audit/export?format=ndjson&action=run.succeeded&from=${encodeURIComponent(since.toISOString())}`);
      const lines = res.text.split('\n').filter(Boolean).map((l) => JSON.parse(l) as AuditedRun);
      const mine = lines.filter((r) => wanted.has(r.subject_id));
      return mine.length >= wanted.size ? mine : undefined;
    },
    // an export scans the audit log on FerretDB: asked every few seconds, not every one, so the
    // figure it reads (recorded_at of each record) is not slowed down by the asking
    { timeoutMs: 600_000, intervalMs: 5_000, what: `audit records of ${what}` },
  );
}

interface AuditedRun {
  subject_id: string;
  occurred_at: string;
  recorded_at: string;
}

const auditLag = (r: AuditedRun) => Date.parse(r.recorded_at) - Date.parse(r.occurred_at);

export interface ThroughputResult {
  /** the runs started, in the order their starts answered */
  ids: string[];
  rate: number;
  auditedRate: number;
  auditLags: number[];
  /** each process's share of one core from the first start to the last completion */
  cpuShares: Map<string, number>;
  /** from the first start until audit recorded the last run, divided by the runs */
  perRun: { notById: number; writes: number; readsById: number; serviceCpuMs: number; notByIdOf: Map<string, number>; writesOf: Map<string, number>; readsByIdOf: Map<string, number> };
}

function runningServices(bench: Bench) {
  return PROCESS_NAMES.flatMap((name) => {
    const pid = pidOf(bench, name);
    return pid && cpuSeconds(pid) !== undefined ? [bench.stack.process(name)] : [];
  });
}

/** User + system CPU seconds of every running service process together. */
function servicesCpuSeconds(bench: Bench): Map<string, number> {
  return new Map(runningServices(bench).map((p) => [p.name + p.child.pid, cpuSeconds(p.child.pid!) ?? 0]));
}

/** What one export poll of the bench costs the database (it is not the system's own work). */
async function pollCost(bench: Bench, since: Date): Promise<DbOperationTotals> {
  const before = await readDbOperations(runningServices(bench));
  await bench.api.request('GET', `${bench.api.ws}/audit/export?format=ndjson&action=run.succeeded&from=${encodeURIComponent(since.toISOString())}`);
  return difference(await readDbOperations(runningServices(bench)), before);
}

/** `total` runs started 64 at a time; completed/s until the last terminal event, and until audit recorded it. */
export async function sustained(bench: Bench, total: number, sleepMs: number, label: string): Promise<ThroughputResult> {
  const { api } = bench;
  const phaseStart = new Date();
  const t0 = performance.now();
  const ids: string[] = [];
  const script = sleepMs > 0 ? `sleep:${sleepMs}+ok` : 'ok';
  const dbBefore = await readDbOperations(runningServices(bench));
  const cpuBefore = servicesCpuSeconds(bench);
  // the CPU of starting and completing the runs; the audit export the bench then polls is left out
  const { result: done, shares } = await cpuShares(bench, async () => {
    await closedLoop(total, 64, (i) => api.startRun({ key: `${label}-${i}`, type: 'diagnostics.scripted', context: { script } }).then((r) => ids.push(r.run.id)));
    return Promise.all(ids.map((id) => bench.completions.completed(id)));
  });
  const rate = total / ((Math.max(...done.map((d) => d.at)) - t0) / 1000);
  let polls = 0;
  const records = await succeededRecords(bench, ids, phaseStart, label, () => polls++);
  const cpuAfter = servicesCpuSeconds(bench);
  const db = difference(await readDbOperations(runningServices(bench)), dbBefore);
  // the bench's own export polls are taken out: what is left is what the runs cost
  const poll = await pollCost(bench, phaseStart);
  const cpuSpent = [...cpuAfter].reduce((sum, [key, end]) => sum + end - (cpuBefore.get(key) ?? end), 0);
  const perRunOf = (measured: Map<string, number>, perPoll: Map<string, number>) =>
    new Map([...measured].map(([c, v]) => [c, Math.max(0, v - polls * (perPoll.get(c) ?? 0)) / total]));
  const lastRecorded = Math.max(...records.map((r) => Date.parse(r.recorded_at)));
  return {
    ids,
    rate,
    auditedRate: total / ((lastRecorded - phaseStart.getTime()) / 1000),
    auditLags: records.map(auditLag),
    cpuShares: shares,
    perRun: {
      notById: Math.max(0, db.notById - polls * poll.notById) / total,
      writes: Math.max(0, db.writes - polls * poll.writes) / total,
      readsById: Math.max(0, db.readsById - polls * poll.readsById) / total,
      serviceCpuMs: (cpuSpent * 1000) / total,
      notByIdOf: perRunOf(db.notByIdOf, poll.notByIdOf),
      writesOf: perRunOf(db.writesOf, poll.writesOf),
      readsByIdOf: perRunOf(db.readsByIdOf, poll.readsByIdOf),
    },
  };
}

export async function peerSustained(bench: Bench, total: number, label: string): Promise<number> {
  const t0 = performance.now();
  await closedLoop(total, 64, (i) => bench.peer.add(`${label}-${i}`));
  const done = await Promise.all(Array.from({ length: total }, (_, i) => bench.peer.completed(`${label}-${i}`)));
  return total / ((Math.max(...done) - t0) / 1000);
}

export class RssSampler {
  readonly peak = new Map<string, number>();
  private timer: NodeJS.Timeout | undefined;

  constructor(private readonly bench: Bench) {}

  sample(): Map<string, number> {
    const now = new Map<string, number>();
    for (const name of PROCESS_NAMES) {
      const pid = pidOf(this.bench, name);
      if (pid) now.set(name, rssMb(pid));
    }
    now.set('redis (peer)', this.bench.peer.rssMb());
    for (const [name, mb] of now) this.peak.set(name, Math.max(this.peak.get(name) ?? 0, mb));
    return now;
  }

  start(): void {
    this.timer = setInterval(() => this.sample(), 500);
  }

  stop(): void {
    clearInterval(this.timer);
  }
}

function pidOf(bench: Bench, name: (typeof PROCESS_NAMES)[number]): number | undefined {
  try {
    return bench.stack.process(name).child.pid;
  } catch {
    return undefined;
  }
}

/** Linux reports process times in clock ticks of 1/100 s (USER_HZ) on every architecture Node runs on. */
const TICKS_PER_SECOND = 100;

/** User + system CPU seconds a process has used so far; undefined once it is gone. */
export function cpuSeconds(pid: number): number | undefined {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / TICKS_PER_SECOND;
  } catch {
    return undefined;
  }
}

/** Busy, total and stolen CPU time of the whole machine so far (all cores, in clock ticks), from /proc/stat. */
function machineTicks(): { busy: number; total: number; steal: number } {
  const [user = 0, nice = 0, system = 0, idle = 0, iowait = 0, irq = 0, softirq = 0, steal = 0] = readOr('/proc/stat').split('\n', 1)[0]!.split(/\s+/).slice(1, 9).map(Number);
  const total = user + nice + system + idle + iowait + irq + softirq + steal;
  return { busy: total - idle - iowait, total, steal };
}

/**
 * What the machine made the bench wait for so far: time some task stalled on I/O (pressure stall
 * information), major page faults, file pages read back after the kernel had dropped them from
 * its cache (refaults), and CPU time the host gave to other guests (steal). Two snapshots around
 * a request tell whether a slow one waited on the disk or the host.
 */
export interface KernelWaits { ioStallMs: number; majorFaults: number; refaults: number; stolenMs: number }

export function kernelWaits(): KernelWaits {
  const total = /some [^\n]*total=(\d+)/.exec(readOr('/proc/pressure/io'))?.[1];
  const vmstat = new Map(readOr('/proc/vmstat').split('\n').map((line) => line.split(' ') as [string, string]));
  return { ioStallMs: Number(total ?? 0) / 1000, majorFaults: Number(vmstat.get('pgmajfault') ?? 0), refaults: Number(vmstat.get('workingset_refault_file') ?? 0), stolenMs: (machineTicks().steal * 1000) / TICKS_PER_SECOND };
}

export function kernelWaitsBetween(before: KernelWaits, after: KernelWaits): string {
  return `I/O stall ${Math.round(after.ioStallMs - before.ioStallMs)} ms, ${after.majorFaults - before.majorFaults} major faults, ${after.refaults - before.refaults} pages read back, ${after.stolenMs - before.stolenMs} ms of CPU stolen`;
}

function readOr(file: string): string {
  try {
    return fs.readFileSync(file, 'utf8');
  } catch {
    return ''; // (not Linux, or no pressure stall information: the figures read 0)
  }
}

/**
 * Waits until the machine is at rest: under `busyShare` of its CPU used, every second for
 * `seconds` seconds in a row (at most `limitMs`). A bulk seed and a full scan leave the database
 * and the kernel working for a while after they return (checkpoints, writeback, reclaim); what a
 * page costs is timed after that, not on top of it. Returns how long it waited.
 */
export async function untilMachineAtRest({ busyShare = 0.1, seconds = 3, limitMs = 180_000 } = {}): Promise<{ waitedMs: number; atRest: boolean }> {
  const began = performance.now();
  let before = machineTicks();
  for (let quiet = 0; quiet < seconds; ) {
    if (performance.now() - began > limitMs) return { waitedMs: performance.now() - began, atRest: false };
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    const now = machineTicks();
    quiet = (now.busy - before.busy) / Math.max(1, now.total - before.total) < busyShare ? quiet + 1 : 0;
    before = now;
  }
  return { waitedMs: performance.now() - began, atRest: true };
}

/** The infrastructure processes `npm run bench` started itself (their pid files); none for external brokers. */
function infraPids(): Map<string, number> {
  const dir = path.join(REPO_ROOT, '.run', process.env.INFRA_INSTANCE ?? 'bench');
  const pids = new Map<string, number>();
  for (const name of ['ferretdb', 'kafka']) {
    const file = path.join(dir, `${name}.pid`);
    const pid = fs.existsSync(file) ? Number(fs.readFileSync(file, 'utf8').trim()) : 0;
    if (pid > 0) pids.set(name, pid);
  }
  return pids;
}

/**
 * Where the CPU goes while `work` runs: each process's share of one core (the machine's cores
 * together are 100 % × cores), for the services, the bench's infrastructure and the bench itself.
 */
export async function cpuShares<T>(bench: Bench, work: () => Promise<T>, { withBench = true } = {}): Promise<{ result: T; shares: Map<string, number> }> {
  const pids = new Map<string, number>([...PROCESS_NAMES.flatMap((name) => {
    const pid = pidOf(bench, name);
    return pid ? [[name, pid] as const] : [];
  }), ...infraPids(), ...(withBench ? [['bench (load and measurement)', process.pid] as const] : [])]);
  const before = new Map([...pids].map(([name, pid]) => [name, cpuSeconds(pid)]));
  const t0 = performance.now();
  const result = await work();
  const seconds = (performance.now() - t0) / 1000;
  const shares = new Map<string, number>();
  for (const [name, pid] of pids) {
    const start = before.get(name);
    const end = cpuSeconds(pid);
    if (start !== undefined && end !== undefined) shares.set(name, ((end - start) / seconds) * 100);
  }
  return { result, shares };
}

export const PROCESS_NAMES = ['gateway', 'onboarding', 'connections', 'operations', 'audit', 'worker-1', 'worker-2'] as const;
