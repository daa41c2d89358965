/**
 * The faults, one after another while the load runs: SIGKILL and restart of each service (each
 * replica of operations and of audit in turn) and a worker, the broker stopped for a while, the database stopped for a while. Each step waits until
 * the system serves again and then lets it settle, so the next fault does not land on a process
 * still starting (a process cannot start while Kafka or the database is down).
 */
import type { DedicatedFerretDB, DedicatedKafkaBroker } from '@tenantatlas/testing';
import type { ProcessName, Stack } from '../system-stack';
import { isProblem, type FaultApi, type Reply } from './api';
import type { Load } from './load';
import type { FaultWindow, Progress } from './progress';
import { KILLED_PROCESSES, type FaultSettings } from './settings';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export interface OutageReport {
  window: FaultWindow;
  /** when the broker or database answered again after its restart (`window.end`) */
  readyAt: number;
  /**
   * The first moment after `readyAt` the system did through the gateway what needs the restarted
   * process: after FerretDB, a read and a start both answered 200; after Kafka, a run accepted
   * while it was down (its dispatch waited in the outbox) is read back completed.
   */
  recoveredAt?: number;
  /** database outage: the first request through the gateway (a start, a read or a probe) answered 200 after `readyAt` */
  firstAnswerAt?: number;
  /** processes that exited or were replaced during the outage (must be none) */
  restartedProcesses: string[];
}

export interface FaultReport {
  restarts: FaultWindow[];
  kafka?: OutageReport;
  db?: OutageReport;
}

export class FaultInjector {
  readonly report: FaultReport = { restarts: [] };

  constructor(
    private readonly stack: Stack,
    private readonly kafka: DedicatedKafkaBroker,
    private readonly db: DedicatedFerretDB,
    private readonly api: FaultApi,
    private readonly load: Load,
    private readonly progress: Progress,
    private readonly settings: FaultSettings,
  ) {}

  async runAll(): Promise<FaultReport> {
    for (const name of KILLED_PROCESSES) {
      await this.restart(name);
      await this.settle();
    }
    await this.kafkaOutage();
    await this.settle();
    await this.dbOutage();
    return this.report;
  }

  private async settle(): Promise<void> {
    await sleep(this.settings.settleMs);
  }

  private async restart(name: ProcessName): Promise<void> {
    const window = this.progress.begin(`SIGKILL + restart ${name}`);
    await this.stack.restart(name, 'SIGKILL');
    this.progress.end(window);
    this.report.restarts.push(window);
  }

  /**
   * Stops a piece of infrastructure for `downMs` while the load goes on (half of the load's reserve
   * of starts is opened so that some arrive during the outage), then starts it again.
   */
  private async outage(name: string, target: { stop(): Promise<void>; start(): Promise<void> }, downMs: number, whileDown?: () => void): Promise<FaultWindow> {
    this.progress.log(`stopping ${name}…`);
    await target.stop();
    const window = this.progress.begin(`${name} down ${downMs} ms`);
    this.load.openReserve(0.5);
    whileDown?.();
    await sleep(downMs);
    window.liftedAt = Date.now();
    this.progress.log(`starting ${name} again…`);
    await target.start();
    this.progress.end(window);
    return window;
  }

  private async kafkaOutage(): Promise<void> {
    const pids = this.pids();
    const window = await this.outage('Kafka', this.kafka, this.settings.kafkaDownMs);
    const recoveredAt = await this.firstRunCompletedAfter(window);
    if (recoveredAt) this.progress.log(`a run that waited for Kafka read back completed ${((recoveredAt - window.end!) / 1000).toFixed(1)} s after Kafka was ready again`);
    this.report.kafka = { window, readyAt: window.end!, recoveredAt, restartedProcesses: this.changedSince(pids) };
  }

  /**
   * Reads back, through the gateway, the first runs accepted since the outage began (or, if none
   * was, the first accepted after it) until one of them is completed: their dispatch and events
   * waited in the outbox, so this needs the relay to publish and a worker to consume again.
   */
  private async firstRunCompletedAfter(window: FaultWindow): Promise<number | undefined> {
    const deadline = Date.now() + 180_000;
    while (Date.now() < deadline) {
      const waiting = this.load.starts.filter((s) => s.runId && s.acceptedReply!.startedAt >= window.start).slice(0, 5);
      for (const start of waiting) {
        const reply = await this.api.ws('GET', `/runs/${start.runId}`, undefined, 10_000);
        if (reply.status === 200 && reply.json?.run?.status === 'completed') return reply.endedAt;
      }
      await sleep(250);
    }
    return undefined;
  }

  private async dbOutage(): Promise<void> {
    const pids = this.pids();
    let probing = true;
    let probes: Promise<void> = Promise.resolve();
    const window = await this.outage('FerretDB', this.db, this.settings.dbDownMs, () => {
      probes = this.probe(() => probing);
    });
    const readyAt = window.end!;
    // recovered: a read and a start through the gateway succeed, with every process as it was
    const recoveryDeadline = Date.now() + 180_000;
    let recoveredAt: number | undefined;
    let readOkAt: number | undefined;
    const startOkAt = () =>
      this.load.replies.find(({ kind, reply }) => kind === 'start' && reply.status === 200 && reply.endedAt >= readyAt)?.reply.endedAt;
    while (Date.now() < recoveryDeadline) {
      const read = await this.api.ws('GET', '/runs?pageSize=1', undefined, 10_000);
      if (read.status === 200) readOkAt ??= read.endedAt;
      const started = startOkAt() ?? (this.load.begun >= this.load.starts.length ? Date.now() : undefined);
      if (readOkAt !== undefined && started !== undefined) {
        recoveredAt = Math.max(readOkAt, started);
        break;
      }
      await sleep(250);
    }
    probing = false;
    await probes;
    // the probes read every 200 ms, the starts retry up to 2 s apart: the first 200 of any of them
    const answers = [readOkAt, ...this.load.replies.filter(({ reply }) => reply.status === 200 && reply.endedAt >= readyAt).map(({ reply }) => reply.endedAt)];
    const answeredAt = answers.filter((t): t is number => t !== undefined);
    const firstAnswerAt = answeredAt.length > 0 ? Math.min(...answeredAt) : undefined;
    if (recoveredAt) this.progress.log(`recovered ${((recoveredAt - readyAt) / 1000).toFixed(1)} s after FerretDB answered again, without restarting any process`);
    this.report.db = { window, readyAt, recoveredAt, firstAnswerAt, restartedProcesses: this.changedSince(pids) };
  }

  /** Reads through the gateway every 200 ms: its own store (/api/me) and the backends'. */
  private async probe(active: () => boolean): Promise<void> {
    const paths = ['/runs?pageSize=1', '/audit?pageSize=1', '/'];
    let i = 0;
    while (active()) {
      const path = paths[i++ % paths.length]!;
      const reply: Reply = await this.api.ws('GET', path, undefined, 20_000);
      this.load.record('probe', reply);
      if (reply.status !== 200 && reply.status !== 503) {
        this.progress.log(`probe GET ${path} → ${reply.status || reply.error} ${isProblem(reply) ? reply.json.code : reply.text.slice(0, 200)}`);
      }
      await sleep(200);
    }
  }

  private pids(): Map<string, number | undefined> {
    return new Map(this.stack.processes().map((p) => [`${p.name}:${p.port}`, p.child.pid]));
  }

  private changedSince(before: Map<string, number | undefined>): string[] {
    const now = this.pids();
    const changed: string[] = [];
    for (const [key, pid] of before) if (now.get(key) !== pid) changed.push(key);
    for (const p of this.stack.processes()) if (p.child.exitCode !== null || p.child.signalCode !== null) changed.push(`${p.name}:${p.port} exited`);
    return changed;
  }
}
