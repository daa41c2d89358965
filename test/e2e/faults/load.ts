/**
 * The load: N runs started through the gateway on distinct tenant/subject pairs (so dedupe never
 * merges two of them; the tenants are real ones of the workspace, made before the load), each with its own idempotency key. A start that fails (gateway being
 * restarted, a backend or the database down) is retried with the same key until it is accepted,
 * so each logical start maps to exactly one run, even when an answer was lost.
 */
import type { FaultApi, Reply } from './api';
import type { FaultSettings } from './settings';

export interface LogicalStart {
  index: number;
  tenantId: string;
  subject: string;
  idempotencyKey: string;
  runId?: string;
  /** when the accepted answer arrived */
  acceptedAt?: number;
  acceptedReply?: Reply;
  /** every answer this start got, in order */
  replies: Reply[];
  /** a refusal that retrying cannot fix (4xx other than 429) */
  refused?: Reply;
}

/** how many tenants the runs are spread over */
export const LOAD_TENANTS = 25;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export class Load {
  readonly starts: LogicalStart[];
  /** every answer to a request of the run (starts and probes), for the fault windows */
  readonly replies: { kind: 'start' | 'probe'; reply: Reply }[] = [];
  private next = 0;
  private throttled = true;
  private firstAt = 0;
  private issued = 0;
  /**
   * Starts are held back from the end of the load until the faults are over, so the load never
   * runs out before a fault (each outage opens part of the reserve; `unthrottle` the rest).
   */
  private allowance: number;
  private readonly reserve: number;

  constructor(
    private readonly api: FaultApi,
    private readonly settings: FaultSettings,
    tag: string,
    tenantIds: string[],
  ) {
    this.starts = Array.from({ length: settings.runs }, (_, index) => ({
      index,
      tenantId: tenantIds[index % tenantIds.length]!,
      subject: `subject-${index}`,
      idempotencyKey: `${tag}-start-${index}`,
      replies: [],
    }));
    this.reserve = Math.min(Math.floor(settings.runs / 2), Math.max(20, Math.round(settings.runs * 0.1)));
    this.allowance = settings.runs - this.reserve;
  }

  /** Lets part of the held-back starts go (an outage: starts must keep coming during it). */
  openReserve(fraction: number): void {
    this.allowance = Math.min(this.starts.length, this.allowance + Math.ceil(this.reserve * fraction));
  }

  /** starts sent so far (the first request of each) */
  get begun(): number {
    return this.issued;
  }

  get accepted(): number {
    return this.starts.filter((s) => s.runId).length;
  }

  get retries(): number {
    return this.starts.reduce((n, s) => n + Math.max(0, s.replies.length - 1), 0);
  }

  /** Starts what is left as fast as the concurrency allows (the faults are over). */
  unthrottle(): void {
    this.throttled = false;
    this.allowance = this.starts.length;
  }

  record(kind: 'start' | 'probe', reply: Reply): void {
    this.replies.push({ kind, reply });
  }

  async run(): Promise<void> {
    this.firstAt = Date.now();
    await Promise.all(Array.from({ length: this.settings.concurrency }, () => this.lane()));
  }

  private async lane(): Promise<void> {
    for (;;) {
      const index = this.next++;
      if (index >= this.starts.length) return;
      while (index >= this.allowance) await sleep(100);
      if (this.throttled) {
        const due = this.firstAt + (this.issued * 1000) / this.settings.startsPerSecond;
        if (due > Date.now()) await sleep(due - Date.now());
      }
      this.issued++;
      await this.startOne(this.starts[index]!);
    }
  }

  private async startOne(start: LogicalStart): Promise<void> {
    const body = {
      tenant_id: start.tenantId,
      type: 'diagnostics.scripted',
      subject: start.subject,
      context: { script: this.settings.script, max_attempts: String(this.settings.maxAttempts) },
      idempotency_key: start.idempotencyKey,
    };
    const giveUpAt = Date.now() + 10 * 60_000;
    for (let attempt = 1; ; attempt++) {
      const reply = await this.api.ws('POST', '/runs', body, 20_000);
      start.replies.push(reply);
      this.record('start', reply);
      if (reply.status === 200 && reply.json?.run?.id) {
        start.runId = reply.json.run.id as string;
        start.acceptedAt = reply.endedAt;
        start.acceptedReply = reply;
        return;
      }
      const retryable = reply.status === 0 || reply.status === 429 || reply.status >= 500;
      if (!retryable || Date.now() > giveUpAt) {
        start.refused = reply;
        return;
      }
      await sleep(Math.min(2_000, 250 * attempt));
    }
  }
}
