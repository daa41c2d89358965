import type { EventEnvelope } from '@tenantatlas/kafka';

/** What the UI learns about a change: enough to know what to re-read, nothing more. */
export interface LiveChange {
  id: string;
  type: string;
  subject: string;
  tenantId: string | null;
  time: string;
  outcome?: string;
  reasonCode?: string;
}

type Listener = (change: LiveChange) => void;

/** Fans lifecycle events out to the open SSE streams of their workspace. */
export class LiveFeed {
  private readonly listeners = new Map<string, Set<Listener>>();

  subscribe(workspaceId: string, listener: Listener): () => void {
    const set = this.listeners.get(workspaceId) ?? new Set<Listener>();
    set.add(listener);
    this.listeners.set(workspaceId, set);
    return () => {
      set.delete(listener);
      if (set.size === 0 && this.listeners.get(workspaceId) === set) this.listeners.delete(workspaceId);
    };
  }

  get subscribers(): number {
    let total = 0;
    for (const set of this.listeners.values()) total += set.size;
    return total;
  }

  publish(event: EventEnvelope): void {
    const set = this.listeners.get(event.workspaceId);
    if (!set) return;
    const { outcome, reasonCode } = event.data as { outcome?: unknown; reasonCode?: unknown };
    const change: LiveChange = {
      id: event.id,
      type: event.type,
      subject: event.subject,
      tenantId: event.tenantId,
      time: event.time,
      ...(typeof outcome === 'string' ? { outcome } : {}),
      ...(typeof reasonCode === 'string' ? { reasonCode } : {}),
    };
    for (const listener of set) listener(change);
  }
}
