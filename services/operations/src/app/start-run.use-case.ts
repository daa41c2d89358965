import { randomUUID } from 'node:crypto';
import { context, metrics, propagation } from '@opentelemetry/api';
import type { Actor } from '@tenantatlas/core';
import { runError } from '../domain/errors';
import type { Run } from '../domain/run';
import {
  activeSlot,
  idempotencySlot,
  isOwnStart,
  newRun,
  reuse,
  subjectConnection,
  subjectNotFound,
  tenantRefusal,
  validateStart,
  type ExistingRun,
  type RunTypePolicy,
  type StartInput,
} from '../domain/run-type';
import type { ConnectionDirectory, RunRepository, TenantDirectory } from './ports';

export interface StartRunCommand extends StartInput {
  rerunOf?: string | null;
}

export interface StartRunResult {
  run: Run;
  deduplicated: boolean;
  replayed: boolean;
}

export interface StartRunDeps {
  runs: RunRepository;
  /** the run types this process accepts, by name */
  runTypes: ReadonlyMap<string, RunTypePolicy>;
  admission: RunAdmission;
  /** a queued run nobody took is dispatched again after this long */
  redispatchAfterMs: number;
  now?: () => Date;
}

/** How often a start re-reads after losing an insert race whose winner completed meanwhile. */
const MAX_RACES = 5;
/** pauses before re-reading the hints of the start that won an insert race */
const HINT_WAITS_MS = [5, 20, 50, 100];

/**
 * Create-or-reuse, once the owners confirmed the tenant and the subject. The database decides: the
 * insert carries the dedupe key in `activeSlot` and the idempotency key in `idempotencySlot`, both
 * unique, so concurrent starts on any number of replicas produce exactly one run; the losers read
 * the winner back. What a start may be and what it creates is decided in domain/run-type.ts.
 */
export class StartRunUseCase {
  private readonly now: () => Date;
  private readonly startedTotal = metrics.getMeter('operations').createCounter('tenantatlas_runs_started_total', {
    description: 'StartRun calls, by type and whether an existing run was returned',
  });

  constructor(private readonly deps: StartRunDeps) {
    this.now = deps.now ?? (() => new Date());
  }

  async execute(command: StartRunCommand): Promise<StartRunResult> {
    const type = this.deps.runTypes.get(command.type);
    validateStart(type, command);
    const actor = command.actor as Actor;
    // before anything is read or written: a start naming what is not its tenant's creates nothing
    await this.deps.admission.admit(type, command);
    const slot = activeSlot(type, command);
    for (let race = 0; race < MAX_RACES; race++) {
      // first a cheap look; after a refused insert an exhaustive one
      const existing = await this.existing(command, slot, race > 0);
      if (existing) return this.started(reuse(existing, command), true);
      const run = newRun(type, { ...command, actor }, { id: randomUUID(), now: this.now(), traceparent: traceparent(), redispatchAfterMs: this.deps.redispatchAfterMs });
      const slots = { activeSlot: slot, idempotencySlot: idempotencySlot(run.workspaceId, run.idempotencyKey, run.id) };
      if ((await this.deps.runs.insert(run, slots, actor)) === 'created') return this.started({ run, deduplicated: false, replayed: false }, false);
    }
    throw runError('RUN.START_CONTENDED', 'the run was started and completed concurrently; try again');
  }

  private started(result: StartRunResult, reused: boolean): StartRunResult {
    this.startedTotal.add(1, { type: result.run.type, deduplicated: String(reused) });
    return result;
  }

  /**
   * After a refused insert the winner's hints usually appear within milliseconds; they are waited
   * for (reads by `_id`) before the authoritative queries, which scan every run on FerretDB: 500
   * concurrent starts of one run must not mean 500 scans.
   */
  private async existing(command: StartRunCommand, slot: string, exhaustive: boolean): Promise<ExistingRun | null> {
    const hinted = await this.lookup(command, slot, false);
    if (hinted || !exhaustive) return hinted;
    for (const waitMs of HINT_WAITS_MS) {
      await new Promise((resolve) => setTimeout(resolve, waitMs));
      const found = await this.lookup(command, slot, false);
      if (found) return found;
    }
    return this.lookup(command, slot, true);
  }

  private async lookup(command: StartRunCommand, slot: string, exhaustive: boolean): Promise<ExistingRun | null> {
    if (command.idempotencyKey !== null) {
      const byKey = await this.deps.runs.findByIdempotencySlot(idempotencySlot(command.workspaceId, command.idempotencyKey, ''), exhaustive);
      if (byKey) return { run: byKey, replayed: true };
    }
    const active = await this.deps.runs.findActive(slot, exhaustive);
    return active ? { run: active, replayed: isOwnStart(active, command.idempotencyKey) } : null;
  }
}

/** The W3C trace context of the start, so every attempt of the run continues its trace. */
function traceparent(): string | null {
  const carrier: Record<string, string> = {};
  propagation.inject(context.active(), carrier);
  return carrier.traceparent ?? null;
}

/**
 * Positive answers of the owners, kept for a few seconds so that a burst of starts for one tenant
 * (or 500 concurrent starts of one run) asks once: a look-up in flight is shared, a "yes" is kept
 * `ttlMs`, a "no" or an error is forgotten at once. Tenants and connections are never deleted and
 * a connection never changes tenant, so the only answer that can turn is "not archived": an
 * archive takes effect for new starts within `ttlMs`.
 */
export class RecentAnswers {
  private readonly answers = new Map<string, { until: number; answer: Promise<unknown> }>();

  constructor(
    private readonly ttlMs: number,
    private readonly maxEntries = 10_000,
    private readonly now: () => number = Date.now,
  ) {}

  /** The answer to `lookup`, shared while in flight and kept `ttlMs` when `positive` says so. */
  ask<T>(key: string, lookup: () => Promise<T>, positive: (answer: T) => boolean): Promise<T> {
    if (this.ttlMs <= 0) return lookup();
    const known = this.answers.get(key);
    if (known && known.until > this.now()) return known.answer as Promise<T>;
    if (this.answers.size >= this.maxEntries) this.answers.delete(this.answers.keys().next().value as string);
    const answer = lookup().then(
      (value) => {
        if (!positive(value)) this.forget(key, answer);
        return value;
      },
      (err: unknown) => {
        this.forget(key, answer);
        throw err;
      },
    );
    this.answers.set(key, { until: this.now() + this.ttlMs, answer });
    return answer;
  }

  private forget(key: string, answer: Promise<unknown>): void {
    if (this.answers.get(key)?.answer === answer) this.answers.delete(key);
  }
}

/**
 * Asks the owners of what a start names before it is accepted: onboarding whether the tenant exists
 * in the workspace (and is not archived), connections whether a connection subject belongs to that
 * tenant there. Both are one gRPC call answered by one `_id` read, asked in parallel; an owner that
 * does not answer fails the start (unavailable), never lets it through.
 */
export class RunAdmission {
  private readonly recent: RecentAnswers;

  constructor(
    private readonly tenants: TenantDirectory,
    private readonly connections: ConnectionDirectory,
    cacheMs: number,
  ) {
    this.recent = new RecentAnswers(cacheMs);
  }

  async admit(policy: Pick<RunTypePolicy, 'subjectKind'>, input: Pick<StartInput, 'workspaceId' | 'tenantId' | 'subject'>): Promise<void> {
    const connectionId = subjectConnection(policy, input);
    const [tenant, subject] = await Promise.allSettled([
      this.admitTenant(input.workspaceId, input.tenantId),
      connectionId ? this.belongs(input.workspaceId, input.tenantId, connectionId) : Promise.resolve(true),
    ]);
    // the tenant's answer first: a foreign tenant's subject is never looked at on its own
    if (tenant.status === 'rejected') throw tenant.reason;
    if (subject.status === 'rejected') throw subject.reason;
    if (!subject.value) throw subjectNotFound();
  }

  /** Throws TENANT.NOT_FOUND / TENANT.ARCHIVED unless runs may start for the tenant. */
  async admitTenant(workspaceId: string, tenantId: string): Promise<void> {
    const refusal = await this.recent.ask(
      JSON.stringify(['tenant', workspaceId, tenantId]),
      async () => tenantRefusal(await this.tenants.standing(workspaceId, tenantId)),
      (answer) => answer === null,
    );
    if (refusal) throw refusal;
  }

  private belongs(workspaceId: string, tenantId: string, connectionId: string): Promise<boolean> {
    return this.recent.ask(
      JSON.stringify(['connection', workspaceId, tenantId, connectionId]),
      () => this.connections.belongsTo(workspaceId, tenantId, connectionId),
      (yes) => yes,
    );
  }
}
