import { randomUUID } from 'node:crypto';
import { context, metrics, propagation } from '@opentelemetry/api';
import type { Actor } from '@tenantatlas/core';
import { runError } from '../domain/errors';
import type { Run } from '../domain/run';
import {
  activeSlot,
  isOwnStart,
  newRun,
  reuse,
  slotHolder,
  subjectConnection,
  subjectNotFound,
  tenantRefusal,
  validateStart,
  type RunTypePolicy,
  type StartInput,
} from '../domain/run-type';
import type { ConnectionDirectory, RunRepository, SlotClaim, TenantDirectory } from './ports';
import type { RunRetention } from './run-retention';

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
  /** told of every run a start stored: retention keeps pace with the history it grows */
  retention?: Pick<RunRetention, 'afterStart'>;
  now?: () => Date;
}

type Holder = ReturnType<typeof slotHolder>;

/** How often a start decides again after another start took the dedupe key's next claim first. */
const MAX_RACES = 5;
/** pauses between reads of a run whose start claimed the dedupe key and is storing it */
const STORING_WAITS_MS = [5, 10, 20, ...Array<number>(128).fill(50)];

/**
 * Create-or-reuse, once the owners confirmed the tenant and the subject. The database decides: a
 * new run first claims its dedupe key (the next revision of the key's claim log, a unique `_id`),
 * so concurrent starts on any number of replicas produce exactly one run; the others read the
 * claim and the run it names, by `_id`. An idempotency key is remembered with the run it created,
 * so a replay finds it. What a start may be and what it creates is decided in domain/run-type.ts.
 */
export class StartRunUseCase {
  private readonly now: () => Date;
  /** waits for a run being stored, by run id: the starts of this process that wait for one share one */
  private readonly storing = new Map<string, Promise<Holder>>();
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
    const key = command.idempotencyKey;
    // the replay and the dedupe key are looked up together; a replay answers first
    const [replayed, newestFirst] = await Promise.all([
      key === null ? null : this.deps.runs.findByIdempotencyKey(command.workspaceId, key),
      this.deps.runs.newestClaim(slot),
    ]);
    if (replayed) return this.started(reuse({ run: replayed, replayed: true }, command), true);
    for (let race = 0; race < MAX_RACES; race++) {
      const newest = race === 0 ? newestFirst : await this.deps.runs.newestClaim(slot);
      const holder = newest ? await this.holder(newest) : 'free';
      if (typeof holder === 'object') {
        if ('held' in holder) return this.started(reuse({ run: holder.held, replayed: isOwnStart(holder.held, key) }, command), true);
        // the caller's own earlier start may have run to completion before it remembered its
        // idempotency key: that run is the answer; anyone else's completed run frees the key
        if (isOwnStart(holder.completed, key)) return this.started(reuse({ run: holder.completed, replayed: true }, command), true);
      } else if (holder !== 'free') continue;
      const run = newRun(type, { ...command, actor }, { id: randomUUID(), now: this.now(), traceparent: traceparent(), redispatchAfterMs: this.deps.redispatchAfterMs });
      const claim = { revision: (newest?.revision ?? 0) + 1, runId: run.id, at: run.createdAt };
      if (!(await this.deps.runs.claim(run.workspaceId, slot, claim))) continue;
      if ((await this.deps.runs.insert(run, actor)) === 'abandoned') continue;
      this.deps.retention?.afterStart(run.workspaceId);
      return this.started(await this.remembered(run, key), false);
    }
    throw runError('RUN.START_CONTENDED', 'the run was started and completed concurrently; try again');
  }

  /**
   * Who holds the key of `claim`. A run being stored by its start usually appears within
   * milliseconds and is waited for (reads by `_id`, shared by every start of this process that
   * waits for the same run: 500 concurrent starts of one run read it once every 50 ms, not 500
   * times); one that does not appear in time is given up ('free' once abandoned, 'storing' when it
   * appeared meanwhile and is read again).
   */
  private holder(claim: SlotClaim): Promise<Holder> {
    const waiting = this.storing.get(claim.runId);
    if (waiting) return waiting;
    const holder = this.waitForHolder(claim).finally(() => this.storing.delete(claim.runId));
    this.storing.set(claim.runId, holder);
    return holder;
  }

  private async waitForHolder(claim: SlotClaim): Promise<Holder> {
    for (const waitMs of [0, ...STORING_WAITS_MS]) {
      if (waitMs > 0) await new Promise((resolve) => setTimeout(resolve, waitMs));
      const state = slotHolder(claim, await this.deps.runs.runOfClaim(claim.runId), this.now());
      if (state !== 'storing') return state === 'stalled' ? ((await this.deps.runs.abandon(claim.runId)) ? 'free' : 'storing') : state;
    }
    return 'storing';
  }

  /** The created run, once its idempotency key names it (or names an earlier start's run: a race of one key). */
  private async remembered(run: Run, key: string | null): Promise<StartRunResult> {
    if (key === null) return { run, deduplicated: false, replayed: false };
    const holder = await this.deps.runs.rememberIdempotencyKey(run.workspaceId, key, run.id);
    if (holder === run.id) return { run, deduplicated: false, replayed: false };
    const earlier = await this.deps.runs.findById(holder);
    return earlier ? reuse({ run: earlier, replayed: true }, run) : { run, deduplicated: false, replayed: false };
  }

  private started(result: StartRunResult, reused: boolean): StartRunResult {
    this.startedTotal.add(1, { type: result.run.type, deduplicated: String(reused) });
    return result;
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
