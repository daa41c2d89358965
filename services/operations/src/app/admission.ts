import { subjectNotFound, tenantRefusal } from '../domain/admission';
import { subjectConnection, type RunTypePolicy, type StartInput } from '../domain/run-type';
import type { ConnectionDirectory, TenantDirectory } from './ports';

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
