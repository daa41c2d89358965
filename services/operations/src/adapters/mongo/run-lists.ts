import { apartFromTheCall } from '@tenantatlas/core';
import { isDuplicateKeyError, packText, RevisionLog, unpackText, type RevisionDocument, type RevisionHeadDocument } from '@tenantatlas/store';
import type { Model } from 'mongoose';
import type { RunListPosition } from '../../app/ports';
import { listedIdStalled, openSealedRuns, sealableRuns, sealRuns, type ListedRun } from '../../domain/run-list';
import type { Run } from '../../domain/run';
import type { RunListEntry, SealedRunListDocument } from './run.schema';

/** The runs a list names, as stored now, and the way to give up an id whose start stalled. */
export interface ListedRuns {
  read(runId: string): Promise<ListedRun>;
  /** true when the id is given up for good; false when its run was stored after all */
  giveUp(runId: string): Promise<boolean>;
}

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
/** revisions a walk reads first, before it knows how many runs a revision of its list holds */
const FIRST_READ = 4;
/** revisions read after the newest one this process knows of a list, to find the newest now */
const PROBE_AFTER_KNOWN = 4;
/** how long a revision found with a run still going is not read whole again to seal it */
const RETRY_SEAL_AFTER_MS = 10_000;
/** lists whose newest revision this process remembers */
const MAX_KNOWN = 10_000;

/**
 * Run lists (domain/run-list.ts: a workspace's runs, a tenant's runs there) in the order the runs
 * were started, each a log of its own (`<list>:<n>`) whose revisions list the runs one batch of
 * starts registered. A start registers its run before storing it, so every stored run is listed;
 * an id whose run never got stored is skipped by readers. A page of runs is then a walk down the
 * newest revisions and a read of their runs, all by `_id`: its cost is the page, however many runs
 * the workspace has.
 *
 * Starts of one list that arrive while a revision is being written go into the next one, so a
 * burst of starts costs a few writes. Replicas append to one log: the unique `_id` lets exactly one
 * writer take each revision, and the others append after it.
 */
export class RunLists {
  private readonly log: RevisionLog<RunListEntry>;
  private readonly queued = new Map<string, Waiting[]>();
  /** the revision this process last appended, per list: where its next append most likely goes */
  private readonly appended = new Map<string, number>();
  /** the newest revision this process found, per list */
  private readonly seen = new Map<string, number>();
  /** revisions (`<list>:<n>`) found with a run still going, and when to look at them again */
  private readonly stillGoing = new Map<string, number>();

  constructor(
    revisions: Model<RevisionDocument<RunListEntry>>,
    heads: Model<RevisionHeadDocument>,
    private readonly listSeals: Model<SealedRunListDocument>,
    private readonly runs: ListedRuns,
  ) {
    this.log = new RevisionLog({ revisions, heads, topic: '', outbox: { track: () => undefined }, firstRevision: 1, hintEvery: HINT_EVERY });
  }

  /** Lists `runId` as the newest run of `list`, a run list of the workspace. */
  register(workspaceId: string, list: string, runId: string): Promise<void> {
    return new Promise((resolve, reject) => {
      const queue = this.queued.get(list);
      if (queue) return void queue.push({ runId, resolve, reject });
      this.queued.set(list, [{ runId, resolve, reject }]);
      // the flush serves the starts that queue behind this one too: no one call's deadline limits it
      void apartFromTheCall(() => this.flush(workspaceId, list));
    });
  }

  private async flush(workspaceId: string, list: string): Promise<void> {
    const queue = this.queued.get(list)!;
    while (queue.length > 0) {
      const batch = queue.splice(0, MAX_BATCH);
      try {
        await this.append(workspaceId, list, batch.map((waiting) => waiting.runId));
        for (const waiting of batch) waiting.resolve();
      } catch (err) {
        this.appended.delete(list);
        for (const waiting of batch) waiting.reject(err);
      }
    }
    // nothing awaited since the queue was found empty, so no registration can be left behind
    this.queued.delete(list);
  }

  private async append(workspaceId: string, list: string, runIds: string[]): Promise<void> {
    let revision = (this.appended.get(list) ?? (await this.newestRevision(list))) + 1;
    for (let race = 0; race < MAX_RACES; race++) {
      if (await this.log.append(workspaceId, list, revision, { runIds, at: new Date() }, [])) {
        if (this.appended.size >= MAX_KNOWN) this.appended.clear();
        this.appended.set(list, revision);
        return;
      }
      revision = Math.max(revision, await this.newestRevision(list)) + 1;
    }
    throw new Error(`the run list ${list} kept moving under this start (${MAX_RACES} races)`);
  }

  /**
   * The newest revision of `list`. Revisions are appended one after the other and never removed,
   * so one this process saw is a lower bound: it probes the few after it, and reads the head and
   * probes from its hint only for a list it has not seen.
   */
  private async newestRevision(list: string): Promise<number> {
    const known = Math.max(this.appended.get(list) ?? 0, this.seen.get(list) ?? 0);
    let newest: number;
    if (known === 0) newest = (await this.log.latestOf(list))?.revision ?? 0;
    else {
      const after = Array.from({ length: PROBE_AFTER_KNOWN }, (_, k) => known + 1 + k);
      const stored = (await this.log.revisionsAt(list, after)).length;
      newest = stored < PROBE_AFTER_KNOWN ? known + stored : ((await this.log.latest(list, known + stored))?.revision ?? known + stored);
    }
    if (this.seen.size >= MAX_KNOWN) this.seen.clear();
    this.seen.set(list, newest);
    return newest;
  }

  /**
   * Up to `count` runs of `list`, newest first, from `from` on (the newest when absent), each with
   * the position a walk continues from after it. A sealed revision gives its runs in one read; the
   * runs of an open one are read one by one, and ids without a run (not stored, given up) are
   * skipped. An open revision found final is sealed after the answer (see sealWhenFinal).
   */
  async walk(workspaceId: string, list: string, count: number, from: RunListPosition | undefined): Promise<{ run: Run; position: RunListPosition }[]> {
    const found: { run: Run; position: RunListPosition }[] = [];
    // where the walk goes on: a revision, and how many of its ids (newest first) are behind it
    let at: RunListPosition = from ?? { revision: await this.newestRevision(list), taken: 0 };
    const held = { revisions: 0, runs: 0 };
    while (at.revision >= 1 && found.length < count) {
      // Every revision lists at least one run, most of a busy list many: the next read is sized by
      // what the revisions read so far held (a few at first), not by the worst case.
      const wanted = count - found.length;
      const size = held.revisions === 0 ? Math.min(wanted, FIRST_READ) : Math.ceil(wanted / Math.max(1, held.runs / held.revisions));
      const numbers = Array.from({ length: Math.min(at.revision, size) }, (_, i) => at.revision - i);
      const revisions = await this.revisionsAt(list, numbers);
      let remaining = wanted;
      // An id that names no run of this workspace (not stored, given up) fills no place of the
      // page: when the page's places run out inside a revision, the walk goes on from there, not
      // below the revisions it read.
      let next: RunListPosition = { revision: numbers.at(-1)! - 1, taken: 0 };
      const taking = revisions.map((revision) => {
        const first = revision.revision === at.revision ? at.taken : 0;
        if (first === 0) {
          held.revisions += 1;
          held.runs += revision.runIds.length;
        }
        const last = Math.min(revision.runIds.length, first + remaining);
        const taken = Array.from({ length: Math.max(0, last - first) }, (_, k) => first + k);
        remaining -= taken.length;
        if (last < revision.runIds.length && next.revision < revision.revision) next = { revision: revision.revision, taken: last };
        return { revision, taken, runs: taken.map((k) => (revision.sealed ? Promise.resolve(revision.sealed[k]!) : this.runs.read(revision.runIds[k]!))) };
      });
      for (const { revision, taken, runs } of taking) {
        const listed = await Promise.all(runs);
        taken.forEach((k, i) => {
          const run = listed[i];
          if (isRun(run) && run.workspaceId === workspaceId) found.push({ run, position: { revision: revision.revision, taken: k + 1 } });
        });
        // after the answer: not limited by the deadline of the call that found it
        if (!revision.sealed) void apartFromTheCall(() => this.sealWhenFinal(workspaceId, list, revision, new Map(taken.map((k, i) => [k, listed[i]!]))));
      }
      at = next;
    }
    return found;
  }

  /**
   * The stored revisions among `numbers` (in that order), each with its run ids newest first, and
   * its runs when it is sealed: the seals are read first, and only the revisions without one.
   */
  private async revisionsAt(list: string, numbers: number[]): Promise<OpenedRevision[]> {
    const seals = await Promise.all(
      numbers.map(async (revision) => {
        const sealed = await this.listSeals.findById(`${list}:${revision}`, { packed: 1 }).lean<Pick<SealedRunListDocument, 'packed'>>();
        return sealed ? unpackText(sealed.packed) : null;
      }),
    );
    const open = new Map((await this.log.revisionsAt(list, numbers.filter((_, i) => seals[i] === null))).map(({ revision, body }) => [revision, body]));
    return numbers.flatMap((revision, i): OpenedRevision[] => {
      const sealed = seals[i];
      if (typeof sealed === 'string') {
        const runs = openSealedRuns(sealed).reverse();
        return [{ revision, runIds: runs.map((run) => (typeof run === 'object' ? run.id : '')), sealed: runs }];
      }
      const body = open.get(revision);
      return body ? [{ revision, runIds: [...body.runIds].reverse(), at: body.at ? new Date(body.at) : undefined }] : [];
    });
  }

  /**
   * Seals `revision` when every run it lists is final: `known` holds the runs a walk read (by
   * their index, newest first); the others are read only when those were all final. Best effort
   * after the answer: a seal only makes later reads cheaper, and a revision left open is read run
   * by run as before.
   */
  private async sealWhenFinal(workspaceId: string, list: string, revision: OpenedRevision, known: Map<number, ListedRun>): Promise<void> {
    if (sealableRuns([...known.values()]) === null) return;
    const id = `${list}:${revision.revision}`;
    const partial = known.size < revision.runIds.length;
    // the rest of a revision found still going is read again only a while later, not every page
    if (partial && (this.stillGoing.get(id) ?? 0) > Date.now()) return;
    try {
      // a reader leaves an id without a run alone: its start may still be storing it
      const runs = await this.sealIfFinal(workspaceId, list, revision, known, false);
      if (!runs && partial) {
        if (this.stillGoing.size >= MAX_KNOWN) this.stillGoing.clear();
        this.stillGoing.set(id, Date.now() + RETRY_SEAL_AFTER_MS);
      }
    } catch {
      // not stored now: the next reader tries again
    }
  }

  /**
   * The runs of `revision` in its order (null for a given-up id) once every one is final, sealed
   * under the revision's `_id`; null while one may still change. Replicas that seal one revision
   * write the same runs, so the second insert is refused and nothing is lost.
   */
  private async sealIfFinal(workspaceId: string, list: string, revision: OpenedRevision, known: Map<number, ListedRun>, giveUpStalled: boolean): Promise<(Run | null)[] | null> {
    const listed = await Promise.all(revision.runIds.map((runId, k) => known.get(k) ?? this.runs.read(runId)));
    const runs = sealableRuns(giveUpStalled ? await this.settled(revision, listed) : listed);
    if (!runs) return null;
    // oldest first, as the revision lists them
    const inOrder = [...runs].reverse();
    try {
      await this.listSeals.insertMany([{ _id: `${list}:${revision.revision}`, workspaceId, packed: await packText(sealRuns(inOrder)) }], { lean: true });
    } catch (err) {
      if (!isDuplicateKeyError(err)) throw err;
    }
    return inOrder;
  }

  /**
   * `listed` with each id whose run is still not stored long after its revision was written given
   * up (its start stalled or failed between listing and storing it); an id whose run appeared
   * meanwhile is read again.
   */
  private async settled(revision: OpenedRevision, listed: ListedRun[]): Promise<ListedRun[]> {
    const written = revision.at ?? oldestCreation(listed);
    return Promise.all(
      listed.map(async (run, k) => {
        if (run !== 'not stored' || !written || !listedIdStalled(written, new Date())) return run;
        const runId = revision.runIds[k]!;
        return (await this.runs.giveUp(runId)) ? 'given up' : this.runs.read(runId);
      }),
    );
  }

  /**
   * The runs of revision `revision` of `list`, oldest first (null for a given-up id), once every
   * one is final, sealed; null while the revision is not stored or one of its runs may change, and
   * for an open revision written at or after `writtenBefore` (its runs are not read).
   */
  async finalRevision(workspaceId: string, list: string, revision: number, writtenBefore: Date): Promise<(Run | null)[] | null> {
    const [opened] = await this.revisionsAt(list, [revision]);
    if (!opened || (opened.at && opened.at.getTime() >= writtenBefore.getTime())) return null;
    if (opened.sealed) return opened.sealed.map((run) => (isRun(run) ? run : null)).reverse();
    // only revisions written before the window began come here: an id still without a run then
    // belongs to a start that stalled or failed long ago
    return this.sealIfFinal(workspaceId, list, opened, new Map(), true);
  }

  /** The run at `place` (in list order) of the sealed revision `revisionId` (`<list>:<n>`). */
  async sealedRunAt(revisionId: string, place: number): Promise<Run | null> {
    const sealed = await this.listSeals.findById(revisionId, { packed: 1 }).lean<Pick<SealedRunListDocument, 'packed'>>();
    const run = sealed ? openSealedRuns(await unpackText(sealed.packed))[place] : undefined;
    return isRun(run) ? run : null;
  }
}

interface OpenedRevision {
  revision: number;
  /** newest first */
  runIds: string[];
  /** its runs by the same index, once sealed */
  sealed?: ListedRun[];
  /** when it was written (revisions written before they carried a time: unknown) */
  at?: Date;
}

/** When the oldest stored run of a revision was created: no later than the revision was written. */
function oldestCreation(listed: readonly ListedRun[]): Date | undefined {
  const times = listed.filter(isRun).map((run) => run.createdAt.getTime());
  return times.length > 0 ? new Date(Math.min(...times)) : undefined;
}

const isRun = (run: ListedRun | undefined): run is Run => typeof run === 'object';
