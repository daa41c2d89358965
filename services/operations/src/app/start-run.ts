import { randomUUID } from 'node:crypto';
import { context, propagation } from '@opentelemetry/api';
import { conflict, invalidArgument, type Actor } from '@tenantatlas/shared';
import { effectiveLimits } from '../domain/catalog';
import type { Run } from '../domain/run';
import { activeSlot, idempotencySlot, validateStart, type StartInput } from '../domain/run-type';
import type { RunAdmission } from './admission';
import type { RunEvents } from './events';
import type { RunRepository } from './ports';
import type { RunTypeRegistry } from './registry';
import type { RunMetrics } from './metrics';

export interface StartRunCommand extends StartInput {
  rerunOf?: string | null;
}

export interface StartRunResult {
  run: Run;
  deduplicated: boolean;
  replayed: boolean;
}

/** How often a start re-reads after losing an insert race whose winner completed meanwhile. */
const MAX_RACES = 5;
/** pauses before re-reading the hints of the start that won an insert race */
const HINT_WAITS_MS = [5, 20, 50, 100];

/**
 * Create-or-reuse, once the owners confirmed the tenant and the subject. The database decides: the insert carries the dedupe key in `activeSlot` and the
 * idempotency key in `idempotencySlot`, both unique, so concurrent starts on any number of
 * replicas produce exactly one run; the losers read the winner back.
 */
export class StartRun {
  constructor(
    private readonly runs: RunRepository,
    private readonly registry: RunTypeRegistry,
    private readonly admission: RunAdmission,
    private readonly events: RunEvents,
    private readonly metrics: RunMetrics,
    private readonly redispatchAfterMs: number,
    private readonly now: () => Date = () => new Date(),
  ) {}

  async execute(command: StartRunCommand): Promise<StartRunResult> {
    const type = this.registry.get(command.type);
    validateStart(type, command);
    // before anything is read or written: a start naming what is not its tenant's creates nothing
    await this.admission.admit(type, command);
    const slot = activeSlot(type, command);
    for (let race = 0; race < MAX_RACES; race++) {
      // first a cheap look; after a refused insert an exhaustive one
      const existing = await this.existing(command, slot, race > 0);
      if (existing) return this.reused(existing, command);
      const run = this.newRun(command, effectiveLimits(type, command.context).maxAttempts);
      const outbox = [...this.events.lifecycle('queued', run, command.actor as Actor), ...this.events.request(run, command.actor as Actor)];
      const inserted = await this.runs.insert(run, { activeSlot: slot, idempotencySlot: idempotencySlot(run.workspaceId, run.idempotencyKey, run.id) }, outbox);
      if (inserted === 'created') {
        this.metrics.started(run.type, false);
        return { run, deduplicated: false, replayed: false };
      }
    }
    throw conflict('RUN.START_CONTENDED', 'the run was started and completed concurrently; try again');
  }

  /**
   * After a refused insert the winner's hints usually appear within milliseconds; they are waited
   * for (reads by `_id`) before the authoritative queries, which scan every run on FerretDB: 500
   * concurrent starts of one run must not mean 500 scans.
   */
  private async existing(command: StartRunCommand, slot: string, exhaustive: boolean): Promise<{ run: Run; replayed: boolean } | null> {
    const hinted = await this.lookup(command, slot, false);
    if (hinted || !exhaustive) return hinted;
    for (const waitMs of HINT_WAITS_MS) {
      await new Promise((resolve) => setTimeout(resolve, waitMs));
      const found = await this.lookup(command, slot, false);
      if (found) return found;
    }
    return this.lookup(command, slot, true);
  }

  private async lookup(command: StartRunCommand, slot: string, exhaustive: boolean): Promise<{ run: Run; replayed: boolean } | null> {
    if (command.idempotencyKey !== null) {
      const byKey = await this.runs.findByIdempotencySlot(idempotencySlot(command.workspaceId, command.idempotencyKey, ''), exhaustive);
      if (byKey) return { run: byKey, replayed: true };
    }
    const active = await this.runs.findActive(slot, exhaustive);
    // the caller's own earlier start (its key hint was never written, e.g. the process died right
    // after the insert) is a replay, not a dedupe onto someone else's run
    return active ? { run: active, replayed: command.idempotencyKey !== null && active.idempotencyKey === command.idempotencyKey } : null;
  }

  private reused({ run, replayed }: { run: Run; replayed: boolean }, command: StartRunCommand): StartRunResult {
    if (replayed && (run.type !== command.type || run.tenantId !== command.tenantId || run.subject !== command.subject)) {
      throw invalidArgument('RUN.IDEMPOTENCY_KEY_REUSED', 'this idempotency_key was used for a different run', { field: 'idempotency_key' });
    }
    this.metrics.started(run.type, true);
    return { run, deduplicated: !replayed, replayed };
  }

  private newRun(command: StartRunCommand, maxAttempts: number): Run {
    const now = this.now();
    const carrier: Record<string, string> = {};
    propagation.inject(context.active(), carrier);
    return {
      id: randomUUID(),
      workspaceId: command.workspaceId,
      tenantId: command.tenantId,
      type: command.type,
      subject: command.subject,
      status: 'queued',
      outcome: null,
      reasonCode: null,
      message: null,
      attemptCount: 0,
      maxAttempts,
      attempts: [],
      summaryCounts: {},
      context: command.context,
      initiator: command.actor as Actor,
      idempotencyKey: command.idempotencyKey,
      rerunOf: command.rerunOf ?? null,
      createdAt: now,
      updatedAt: now,
      startedAt: null,
      completedAt: null,
      nextAttemptAt: now,
      // the request goes out with the insert; the sweeper only steps in if nobody took it by then
      redispatchAt: new Date(now.getTime() + this.redispatchAfterMs),
      leaseOwner: null,
      leaseExpiresAt: null,
      traceparent: carrier.traceparent ?? null,
    };
  }
}
