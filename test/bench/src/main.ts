/**
 * `npm run bench`: the whole system as real processes (gateway, onboarding, connections, the
 * operations API, two worker replicas, audit, the provider simulator) on the local Kafka and
 * FerretDB, measured through the gateway's public API, side by side with the floor (one insert of
 * the same document) and BullMQ on Redis doing the same job. Prints each figure as it is measured
 * and writes the report (BENCH_REPORT, default docs/benchmarks.md).
 *
 *   BENCH_ONLY=start,e2e,provider,dedupe,throughput,retention,rows,rest   sections to run (default: all); the
 *                       report keeps the other sections' figures from the last run (benchmarks.json)
 *   BENCH_ONLY=audit-ingest,connections-check,gateway-access,onboarding-drafts,operations-start
 *                       the service benches (src/services: one service as a real process, printed
 *                       only); `services` = all five. They run first, and never by default.
 *   BENCH_SCALE=0.2     fewer runs per section (a quick look); BENCH_ROWS=1000000 rows to list over
 */
import os from 'node:os';
import path from 'node:path';
import { connectMongo } from '@tenantatlas/store';
import { percentile, REPO_ROOT, RunCompletions, startStack, testInfra } from '@tenantatlas/testing';
import { GatewayApi } from './api';
import { BullmqPeer } from './bullmq-peer';
import { Floor } from './floor';
import { concurrentDedupe, drain, endToEndLatency, peerSustained, providerCheckLatency, PROCESS_NAMES, RssSampler, startLatency, sustained, untilMachineAtRest, type Bench } from './measure';
import { Report } from './report';
import { atRest } from './rest';
import { retentionUnderLoad } from './retention';
import { listOverManyRows } from './rows';
import { SERVICE_BENCHES, type ServiceBench } from './services';

const SECTIONS = ['start', 'e2e', 'provider', 'dedupe', 'throughput', 'retention', 'rows', 'rest'] as const;
type Section = (typeof SECTIONS)[number];
const SERVICE_BENCH_NAMES = Object.keys(SERVICE_BENCHES) as ServiceBench[];

/** The system sections and the service benches BENCH_ONLY names (default: every system section, no service bench). */
function chosen(): { sections: Set<Section>; serviceBenches: ServiceBench[] } {
  const only = process.env.BENCH_ONLY?.split(',').map((s) => s.trim()).filter(Boolean);
  if (!only) return { sections: new Set(SECTIONS), serviceBenches: [] };
  const known: string[] = [...SECTIONS, ...SERVICE_BENCH_NAMES, 'services'];
  const unknown = only.filter((s) => !known.includes(s));
  if (unknown.length > 0) throw new Error(`BENCH_ONLY: unknown section ${unknown.join(', ')} (known: ${known.join(', ')})`);
  return {
    sections: new Set(SECTIONS.filter((s) => only.includes(s))),
    serviceBenches: SERVICE_BENCH_NAMES.filter((name) => only.includes(name) || only.includes('services')),
  };
}

/** lag of the throughput runs' records: measured while more runs are started than the system completes, it includes the backlog */
const AUDIT_LAG_UNDER_LOAD = 'audit lag under the sustained load (event committed → recorded, queryable)';

async function throughputMatrix(bench: Bench, rss: RssSampler): Promise<void> {
  const lags: number[] = [];
  const rates = new Map<string, number>();
  rss.start();
  for (const workers of [1, 2]) {
    if (workers === 1) await bench.stack.process('worker-2').stop('SIGTERM');
    else await bench.stack.restart('worker-2', 'SIGTERM');
    for (const sleepMs of [0, 50]) {
      const total = Math.round((sleepMs === 0 ? 2000 : 1200) * bench.scale);
      await bench.peer.setWorkers(workers, 8, sleepMs);
      const label = `tp-w${workers}-l${sleepMs}`;
      const warm = await bench.api.startRun({ key: `${label}-warm`, type: 'diagnostics.noop' });
      await drain(bench, [warm.run.id]);
      const ours = await sustained(bench, total, sleepMs, label);
      const bull = await peerSustained(bench, total, label);
      lags.push(...ours.auditLags);
      rates.set(`${workers}/${sleepMs}`, ours.rate);
      const section = `sustained completed runs, ${workers} worker replica${workers > 1 ? 's' : ''}, provider latency ${sleepMs} ms`;
      bench.report.add({ section, name: 'runs/s', value: ours.rate, unit: '/s', peers: [{ name: 'BullMQ', value: bull }] });
      bench.report.add({
        section,
        name: 'audited runs/s',
        value: ours.auditedRate,
        unit: '/s',
        ...(sleepMs === 0 ? { target: { op: '≥', value: 300 } } : {}),
        peers: [{ name: 'BullMQ', value: bull }],
      });
      if (sleepMs === 0) {
        bench.report.add({ section, name: 'audited runs/s ÷ BullMQ', value: ours.auditedRate / bull, unit: '×', target: { op: '≥', value: 0.5 } });
        const cores = os.cpus().length;
        const cpuSection = `CPU from first start to last completion, ${workers} worker replica${workers > 1 ? 's' : ''}, provider latency 0 ms (% of one core; ${cores} cores = ${cores * 100} %)`;
        for (const [name, share] of [...ours.cpuShares].sort((a, b) => b[1] - a[1])) {
          bench.report.add({ section: cpuSection, name, value: share, unit: '%' });
        }
        const costSection = `cost per audited run, ${workers} worker replica${workers > 1 ? 's' : ''}, provider latency 0 ms (first start → last run recorded by audit; the bench's export polls taken out)`;
        bench.report.add({ section: costSection, name: 'queries not by exact _id', value: ours.perRun.notById, unit: 'queries' });
        bench.report.add({ section: costSection, name: 'database writes', value: ours.perRun.writes, unit: 'writes' });
        bench.report.add({ section: costSection, name: 'reads by exact _id', value: ours.perRun.readsById, unit: 'reads' });
        bench.report.add({ section: costSection, name: 'Node CPU, services summed', value: ours.perRun.serviceCpuMs, unit: 'ms' });
        for (const [collection, perRun] of [...ours.perRun.notByIdOf].sort((a, b) => b[1] - a[1])) {
          if (perRun > 0) bench.report.add({ section: costSection, name: `queries not by exact _id: ${collection}`, value: perRun, unit: 'queries' });
        }
        for (const [collection, perRun] of [...ours.perRun.writesOf].sort((a, b) => b[1] - a[1])) {
          if (perRun > 0) bench.report.add({ section: costSection, name: `database writes: ${collection}`, value: perRun, unit: 'writes' });
        }
        for (const [collection, perRun] of [...ours.perRun.readsByIdOf].sort((a, b) => b[1] - a[1])) {
          if (perRun > 0) bench.report.add({ section: costSection, name: `reads by exact _id: ${collection}`, value: perRun, unit: 'reads' });
        }
      }
    }
  }
  rss.stop();
  for (const sleepMs of [0, 50]) {
    bench.report.add({
      section: `second worker replica, provider latency ${sleepMs} ms`,
      name: 'speed-up',
      value: rates.get(`2/${sleepMs}`)! / rates.get(`1/${sleepMs}`)!,
      unit: '×',
      ...(sleepMs === 50 ? { target: { op: '≥', value: 1.6 } } : {}),
    });
  }
  bench.report.add({ section: AUDIT_LAG_UNDER_LOAD, name: 'p50', value: percentile(lags, 50), unit: 'ms' });
  bench.report.add({ section: AUDIT_LAG_UNDER_LOAD, name: 'p99', value: percentile(lags, 99), unit: 'ms', target: { op: '≤', value: 250 } });
}

function reportRss(bench: Bench, idle: Map<string, number>, rss: RssSampler): void {
  for (const [name, mb] of idle) {
    const isOurs = (PROCESS_NAMES as readonly string[]).includes(name);
    bench.report.add({ section: 'memory (RSS)', name: `${name} idle`, value: mb, unit: 'MB', ...(isOurs ? { target: { op: '≤', value: 120 } } : {}) });
  }
  for (const [name, mb] of rss.peak) if (mb > 0) bench.report.add({ section: 'memory (RSS)', name: `${name} loaded (peak)`, value: mb, unit: 'MB' });
}

const log = (text: string) => process.stderr.write(`[bench] ${text}\n`);

async function main(): Promise<void> {
  const { sections, serviceBenches } = chosen();
  const scale = Number(process.env.BENCH_SCALE ?? 1);
  if (!(scale > 0)) throw new Error('BENCH_SCALE must be a positive number');
  for (const name of serviceBenches) {
    log(`— ${name}`);
    await SERVICE_BENCHES[name](scale);
  }
  if (sections.size > 0) await systemBench(sections, scale);
}

async function systemBench(sections: Set<Section>, scale: number): Promise<void> {
  const infra = testInfra();
  const diagnostics = { DIAGNOSTIC_RUN_TYPES: 'true' };
  log('starting the system (Kafka and FerretDB are up; services as processes)…');
  const stack = await startStack({
    name: 'bench',
    operationsRole: 'api',
    workerReplicas: 2,
    logLevel: 'warn',
    envOf: { operations: diagnostics, worker: diagnostics, gateway: { RATE_LIMIT_PER_MINUTE: '100000000' } },
  });
  const completions = new RunCompletions(infra.kafkaBrokers, `${stack.prefix}.`);
  const peer = new BullmqPeer();
  const floor = new Floor(infra.mongoUrl, `${stack.prefix}_floor`.replace(/-/g, '_'));
  const report = new Report();
  try {
    await Promise.all([completions.start(), peer.start(), floor.start()]);
    await peer.setWorkers(2, 8, 0);
    const api = await GatewayApi.connect(stack.gatewayUrl, stack.admin);
    // runs name real tenants (operations asks onboarding): a pool of them, made before measuring
    await api.addTenants(50);
    const warm = await api.startRun({ key: 'warm-up', type: 'diagnostics.noop' });
    await completions.completed(warm.run.id);
    const operationsDb = await connectMongo(infra.mongoUrl, `${stack.prefix}_operations`.replace(/-/g, '_'));
    const runDocument = (await operationsDb.collection('runs').findOne({ _id: warm.run.id as never })) as Record<string, unknown>;
    await operationsDb.close();
    const bench: Bench = { stack, api, completions, peer, floor, report, runDocument, scale };
    const rss = new RssSampler(bench);
    // idle means at rest: the machine quiet after the warm-up (and the peer's start), then two of the
    // 5 s windows after which a service compacts its heap (runService), so one has passed whole
    await untilMachineAtRest();
    await new Promise((resolve) => setTimeout(resolve, 10_000));
    const idle = rss.sample();

    const rows = Number(process.env.BENCH_ROWS ?? 1_000_000);
    // each size of the rows section is a section of the report: 10k, 100k and 1M stand side by side
    const reportStep = (name: Section): string => (name === 'rows' ? `rows ${rows}` : name);
    const step = async (name: Section, run: () => Promise<void>) => {
      if (!sections.has(name)) return;
      log(`— ${name}`);
      report.step = reportStep(name);
      const unavailableBefore = api.unavailableAnswers;
      try {
        await run();
        // each section's own count, so a report that keeps other sections' figures keeps theirs too
        if (name !== 'rows' && name !== 'rest' && name !== 'retention') report.add({ section: 'errors', name: `${name}: starts answered 503 and retried (same idempotency key)`, value: api.unavailableAnswers - unavailableBefore, unit: 'runs' });
      } catch (err) {
        // one failed section must not cost the figures of the others: it is named in the report
        const why = err instanceof Error ? err.message : String(err);
        log(`${name} failed: ${why}`);
        // a process that died says why in its last lines
        for (const service of stack.processes().filter((p) => p.child.exitCode !== null || p.child.signalCode !== null)) {
          log(`${service.name} exited (${service.child.exitCode ?? service.child.signalCode}); its last output:\n${service.output().split('\n').slice(-15).join('\n')}`);
        }
        report.note(`The ${name} section failed: ${why.slice(0, 300)}`);
      }
    };
    await step('start', () => startLatency(bench));
    await step('e2e', () => endToEndLatency(bench));
    await step('provider', () => providerCheckLatency(bench));
    await step('dedupe', () => concurrentDedupe(bench));
    await step('throughput', () => throughputMatrix(bench, rss));
    report.step = 'throughput'; // the loaded figures are sampled while it runs; the idle ones go with them
    if (sections.has('throughput')) reportRss(bench, idle, rss);
    await step('retention', () => retentionUnderLoad(bench));
    // before the rows section: its million rows are not what "at rest" is about (3k and 100k are)
    await step('rest', () => atRest(bench));
    await step('rows', () => listOverManyRows(bench, rows));
    report.step = undefined;

    console.log(`\n${report.table()}\n`);
    const file = process.env.BENCH_REPORT ?? path.join(REPO_ROOT, 'docs', 'benchmarks.md');
    if (process.env.BENCH_ONLY) report.keepOthersFrom(file, [...sections].map(reportStep));
    report.write(file, `npm run bench${process.env.BENCH_ONLY ? ` (BENCH_ONLY=${process.env.BENCH_ONLY})` : ''}${sections.has('rows') && process.env.BENCH_ROWS ? ` (BENCH_ROWS=${rows})` : ''}${scale !== 1 ? ` (BENCH_SCALE=${scale})` : ''}`);
    log(`report written to ${path.relative(process.cwd(), file)}`);
  } finally {
    await completions.stop().catch(() => undefined);
    await peer.stop().catch(() => undefined);
    await floor.stop().catch(() => undefined);
    await stack.stop();
  }
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    console.error(`[bench] failed: ${err instanceof Error ? err.message : String(err)}`);
    process.exit(1);
  },
);
