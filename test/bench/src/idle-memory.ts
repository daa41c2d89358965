/**
 * Idle memory: the RSS of every service process at rest, the way the system bench takes its
 * "idle" figures (the same stack, the same warm-up: 50 tenants and one completed run), but after
 * IDLE_SECONDS (default 20) of rest instead of 3, and READINGS (default 3) times with a fresh
 * stack each, printing every reading and the median per process. No BullMQ peer, so it runs in
 * about a minute a reading beside other work. LOAD_RUNS=N then starts N runs (16 at a time) and
 * prints each process's CPU per run and its RSS after them: what a V8 heap setting costs in CPU.
 *
 *   node test/bench/dist/idle-memory.js        (KAFKA_BROKERS and MONGO_URL set, services built)
 */
import { RunCompletions, startStack, testInfra, type Stack } from '@tenantatlas/testing';
import { GatewayApi } from './api';
import { rssMb } from './bullmq-peer';
import { cpuSeconds, PROCESS_NAMES } from './measure';
import { closedLoop } from './timing';

const IDLE_SECONDS = Number(process.env.IDLE_SECONDS ?? 20);
const READINGS = Number(process.env.READINGS ?? 3);
const LOAD_RUNS = Number(process.env.LOAD_RUNS ?? 0);

const rssOf = (stack: Stack) => new Map(PROCESS_NAMES.map((name) => [name, rssMb(stack.process(name).child.pid)]));
const cpuOf = (stack: Stack) => new Map(PROCESS_NAMES.map((name) => [name, cpuSeconds(stack.process(name).child.pid!) ?? 0]));

/** CPU ms per run of every process over LOAD_RUNS runs started through the gateway, and RSS after them. */
async function underLoad(stack: Stack, api: GatewayApi, completions: RunCompletions): Promise<void> {
  const before = cpuOf(stack);
  const ids: string[] = [];
  await closedLoop(LOAD_RUNS, 16, async (i) => ids.push((await api.startRun({ key: `load-${i}`, type: 'diagnostics.noop' })).run.id));
  await Promise.all(ids.map((id) => completions.completed(id)));
  const after = cpuOf(stack);
  const rss = rssOf(stack);
  const line = PROCESS_NAMES.map((name) => `${name} ${(((after.get(name)! - before.get(name)!) * 1000) / LOAD_RUNS).toFixed(1)} ms ${rss.get(name)!.toFixed(0)} MB`);
  console.log(`  ${LOAD_RUNS} runs, CPU per run and RSS after: ${line.join(', ')}`);
}

async function oneReading(): Promise<Map<string, number>> {
  const infra = testInfra();
  const diagnostics = { DIAGNOSTIC_RUN_TYPES: 'true' };
  const stack = await startStack({ name: 'idle', operationsRole: 'api', workerReplicas: 2, logLevel: 'warn', envOf: { operations: diagnostics, worker: diagnostics } });
  const completions = new RunCompletions(infra.kafkaBrokers, `${stack.prefix}.`);
  try {
    await completions.start();
    const api = await GatewayApi.connect(stack.gatewayUrl, stack.admin);
    await api.addTenants(50);
    const warm = await api.startRun({ key: 'warm-up', type: 'diagnostics.noop' });
    await completions.completed(warm.run.id);
    await new Promise((resolve) => setTimeout(resolve, IDLE_SECONDS * 1000));
    const idle = rssOf(stack);
    if (LOAD_RUNS > 0) await underLoad(stack, api, completions);
    return idle;
  } finally {
    await completions.stop();
    await stack.stop();
  }
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;

async function main(): Promise<void> {
  const readings: Map<string, number>[] = [];
  for (let i = 1; i <= READINGS; i++) {
    const reading = await oneReading();
    readings.push(reading);
    console.log(`reading ${i}: ${[...reading].map(([name, mb]) => `${name} ${mb.toFixed(0)}`).join(', ')} MB`);
  }
  console.log(`median of ${READINGS} after ${IDLE_SECONDS} s idle (MB):`);
  for (const name of PROCESS_NAMES) console.log(`  ${name.padEnd(12)} ${median(readings.map((r) => r.get(name)!)).toFixed(0)}`);
}

main().then(
  () => process.exit(0),
  (err) => {
    console.error(err);
    process.exit(1);
  },
);
