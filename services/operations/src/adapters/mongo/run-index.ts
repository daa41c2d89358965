import { RevisionLog, type RevisionDocument, type RevisionHeadDocument } from '@tenantatlas/store';
import type { Model } from 'mongoose';
import type { RunIndexPosition } from '../../app/ports';
import type { RunIndexEntry } from './run.schema';

interface Waiting {
  runId: string;
  resolve: () => void;
  reject: (err: unknown) => void;
}

/** the most run ids one revision lists */
const MAX_BATCH = 500;
/** how often a batch may find its revision taken by another replica before its starts fail */
const MAX_RACES = 20;
/** the head hint is written at every 16th revision; a read of the newest probes 16 at once */
const HINT_EVERY = 16;
/** workspaces whose newest revision this process remembers */
const MAX_KNOWN = 10_000;

/**
 * A workspace's runs in the order they were started, as a log of the workspace (`<ws>:<n>`): each
 * revision lists the runs one batch of starts registered. A start registers its run before storing
 * it, so every stored run is listed; an id whose run never got stored is skipped by readers. The
 * task board's newest page is then a walk down the newest revisions and a read of their runs, all
 * by `_id`: its cost is the page, however many runs the workspace has.
 *
 * Starts of one workspace that arrive while a revision is being written go into the next one, so a
 * burst of starts costs a few writes. Replicas append to one log: the unique `_id` lets exactly one
 * writer take each revision, and the others append after it.
 */
export class RunIndex {
  private readonly log: RevisionLog<RunIndexEntry>;
  private readonly queued = new Map<string, Waiting[]>();
  /** the revision this process last appended, per workspace: where its next append most likely goes */
  private readonly appended = new Map<string, number>();

  constructor(revisions: Model<RevisionDocument<RunIndexEntry>>, heads: Model<RevisionHeadDocument>) {
    this.log = new RevisionLog({ revisions, heads, topic: '', outbox: { track: () => undefined }, firstRevision: 1, hintEvery: HINT_EVERY });
  }

  /** Lists `runId` as the workspace's newest run. */
  register(workspaceId: string, runId: string): Promise<void> {
    return new Promise((resolve, reject) => {
      const queue = this.queued.get(workspaceId);
      if (queue) return void queue.push({ runId, resolve, reject });
      this.queued.set(workspaceId, [{ runId, resolve, reject }]);
      void this.flush(workspaceId);
    });
  }

  private async flush(workspaceId: string): Promise<void> {
    const queue = this.queued.get(workspaceId)!;
    while (queue.length > 0) {
      const batch = queue.splice(0, MAX_BATCH);
      try {
        await this.append(workspaceId, batch.map((waiting) => waiting.runId));
        for (const waiting of batch) waiting.resolve();
      } catch (err) {
        this.appended.delete(workspaceId);
        for (const waiting of batch) waiting.reject(err);
      }
    }
    // nothing awaited since the queue was found empty, so no registration can be left behind
    this.queued.delete(workspaceId);
  }

  private async append(workspaceId: string, runIds: string[]): Promise<void> {
    let revision = (this.appended.get(workspaceId) ?? (await this.newestRevision(workspaceId))) + 1;
    for (let race = 0; race < MAX_RACES; race++) {
      if (await this.log.append(workspaceId, workspaceId, revision, { runIds }, [])) {
        if (this.appended.size >= MAX_KNOWN) this.appended.clear();
        this.appended.set(workspaceId, revision);
        return;
      }
      revision = Math.max(revision, await this.newestRevision(workspaceId)) + 1;
    }
    throw new Error(`the run index of workspace ${workspaceId} kept moving under this start (${MAX_RACES} races)`);
  }

  private async newestRevision(workspaceId: string): Promise<number> {
    return (await this.log.latestOf(workspaceId))?.revision ?? 0;
  }

  /**
   * Up to `count` run ids, newest first, from `from` on (the newest when absent), each with the
   * position a walk continues from after it.
   */
  async walk(workspaceId: string, count: number, from?: RunIndexPosition): Promise<{ runId: string; position: RunIndexPosition }[]> {
    const found: { runId: string; position: RunIndexPosition }[] = [];
    let top = from ? from.revision : await this.newestRevision(workspaceId);
    while (top >= 1 && found.length < count) {
      // every revision lists at least one run: this many revisions hold enough
      const revisions = Array.from({ length: Math.min(top, count - found.length) }, (_, i) => top - i);
      for (const { revision, body } of await this.log.revisionsAt(workspaceId, revisions)) {
        const newestFirst = [...body.runIds].reverse();
        for (let taken = from && revision === from.revision ? from.taken : 0; taken < newestFirst.length && found.length < count; taken++) {
          found.push({ runId: newestFirst[taken]!, position: { revision, taken: taken + 1 } });
        }
      }
      top = revisions.at(-1)! - 1;
    }
    return found;
  }
}
