/**
 * MongoDB stays first-class: every query shape the services and the store send has a declared
 * index that serves it, so production walks an index where FerretDB scans (docs/storage.md). The
 * shapes are read from the source (query-shapes.ts); the indexes from the schemas themselves,
 * compiled on a connection that never connects. An index serves a shape when its leading keys are
 * the filter's equality fields (in any order), then the sort's keys (in order, all the same way or
 * all reversed), then at most one range field. A filter that names `_id`, or every key of a unique
 * index, by equality reads at most one document and needs nothing more.
 */
import fs from 'node:fs';
import path from 'node:path';
import mongoose, { type Connection, type Model } from 'mongoose';
import { ProcessedEvents } from '@tenantatlas/store';
import { auditModels } from '../../services/audit/src/adapters/mongo/audit-record.schema';
import { connectionModels } from '../../services/connections/src/adapters/mongo/connection.schema';
import { identityModels } from '../../services/gateway/src/adapters/mongo/identity-models';
import { onboardingModels } from '../../services/onboarding/src/adapters/mongo/schemas';
import { runLookupModel, runModel, runScheduleModel, runTransitionModel } from '../../services/operations/src/adapters/mongo/run.schema';
import { queryShapes, type Direction, type QueryShape } from './query-shapes';

const ROOT = path.resolve(__dirname, '../..');

/** Every model a service (or the store, for it) declares, each on its own unconnected connection. */
const MODEL_SETS: ((c: Connection) => Model<any>[])[] = [
  (c) => Object.values(auditModels(c)),
  (c) => Object.values(connectionModels(c)),
  (c) => Object.values(identityModels(c)),
  (c) => Object.values(onboardingModels(c)),
  (c) => [runModel(c), runTransitionModel(c), runLookupModel(c), runScheduleModel(c)],
  (c) => [new ProcessedEvents(c, 'index-coverage').model],
];

interface Index {
  keys: [string, Direction][];
  unique: boolean;
}

function declaredIndexes(): { indexes: Map<string, Index[]>; outbox: string[] } {
  const indexes = new Map<string, Index[]>();
  const outbox = new Set<string>();
  for (const models of MODEL_SETS) {
    for (const model of models(mongoose.createConnection())) {
      const collection = model.collection.collectionName;
      const declared = model.schema.indexes().map(([keys, options]) => ({ keys: Object.entries(keys) as [string, Direction][], unique: !!options?.unique }));
      indexes.set(collection, [{ keys: [['_id', 1]], unique: true }, ...declared]);
      if (model.schema.path('outboxPending')) outbox.add(collection);
    }
  }
  return { indexes, outbox: [...outbox] };
}

/**
 * Which collection a receiver is, per file. `OUTBOX`: every collection whose documents carry an
 * outbox (the relay is handed each of them); `REVISIONS`/`HEADS`: every RevisionLog's collections.
 */
const RECEIVERS: Record<string, Record<string, string[]>> = {
  'packages/store/src/outbox-relay.ts': { model: ['OUTBOX'] },
  'packages/store/src/processed-events.ts': { 'this.model': ['processed_events'] },
  'packages/store/src/revision-log.ts': { 'this.model': ['REVISIONS'], heads: ['HEADS'], 'this.options.heads': ['HEADS'] },
  'services/audit/src/adapters/kafka/dead-letter-topic.ts': { 'this.store': ['audit_dead_letters'] },
  'services/audit/src/adapters/mongo/audit-log.repository.ts': { 'this.models.records': ['audit_records'], 'this.models.heads': ['audit_chain_heads'] },
  'services/connections/src/adapters/mongo/connection.repository.ts': { 'this.m.heads': ['connections'] },
  'services/gateway/src/adapters/mongo/identity-store.ts': {
    'this.models.User': ['users'],
    'this.models.Workspace': ['workspaces'],
    'this.models.Membership': ['memberships'],
    'this.models.Session': ['sessions'],
    'this.models.ApiToken': ['api_tokens'],
    'this.models.Invitation': ['invitations'],
    'this.models.PendingInvitation': ['pending_invitations'],
  },
  'services/onboarding/src/adapters/mongo/draft.repository.ts': { 'this.m.draftHeads': ['onboarding_drafts'], 'this.m.openDrafts': ['onboarding_open_drafts'] },
  'services/onboarding/src/adapters/mongo/tenant.repository.ts': { 'this.m.tenantHeads': ['managed_tenants'] },
  'services/operations/src/adapters/mongo/run.repository.ts': {
    'this.runs': ['runs'],
    'this.transitions': ['run_transitions'],
    'this.lookups': ['run_lookups'],
    'this.schedule': ['run_schedule'],
  },
  'services/operations/src/adapters/mongo/run.scans.ts': { 'this.runs': ['runs'], 'this.schedule': ['run_schedule'] },
};
const GROUPS: Record<string, string[]> = {
  REVISIONS: ['connection_revisions', 'connection_defaults', 'onboarding_draft_revisions', 'managed_tenant_revisions'],
  HEADS: ['connections', 'connection_default_heads', 'onboarding_drafts', 'managed_tenants'],
};

/**
 * Shapes no index serves, on purpose. Each is a path that reads a whole (small) collection, where
 * an index would cost every write for a read that rarely runs.
 */
const ALLOWED: Record<string, string> = {
  // The ingest status (an operator's question) counts every dead letter: there is nothing to
  // narrow, and the collection holds only the messages audit could not record.
  'audit_dead_letters: {} sort {}': 'the ingest status counts the whole collection',
  // The outbox relay's recovery pass, once at start (and after an overflow of its memory): the
  // `outboxPending` index narrows it to the documents whose events are still unpublished, a
  // handful, which are sorted by `_id` to page through them. A second key in an index that every
  // insert of every outbox collection writes would cost more than sorting that handful.
  'OUTBOX: {outboxPending} sort {_id: 1}': 'the relay recovery pass sorts the few pending documents',
  'OUTBOX: {outboxPending, _id: range} sort {_id: 1}': 'the next page of the relay recovery pass',
};

/** `collection: {equality…, range…} sort {…}`, the key of a shape in messages and in ALLOWED. */
function shapeKey(collection: string, shape: Pick<QueryShape, 'equality' | 'range' | 'sort'>): string {
  const filter = [...shape.equality, ...shape.range.map((f) => `${f}: range`)].join(', ');
  return `${collection}: {${filter}} sort {${shape.sort.map(([f, d]) => `${f}: ${d}`).join(', ')}}`;
}

export function serves(index: Index, shape: Pick<QueryShape, 'equality' | 'range' | 'sort'>): boolean {
  const equality = new Set(shape.equality);
  // a unique index whose every key is given (the implicit one on `_id` among them) finds one document
  if (index.unique && index.keys.every(([key]) => equality.has(key))) return true;
  const keys = index.keys;
  if (!keys.slice(0, equality.size).every(([key]) => equality.has(key)) || keys.length < equality.size) return false;
  // a sort key fixed by an equality orders nothing
  const sort = shape.sort.filter(([field]) => !equality.has(field));
  const sorted = keys.slice(equality.size, equality.size + sort.length);
  if (sorted.length < sort.length || sorted.some(([key], i) => key !== sort[i]![0])) return false;
  const flips = new Set(sorted.map(([, dir], i) => dir * sort[i]![1]));
  if (flips.size > 1) return false;
  const ranges = shape.range.filter((field) => !equality.has(field) && !sort.some(([key]) => key === field));
  if (ranges.length === 0) return true;
  return ranges.length === 1 && keys[equality.size + sort.length]?.[0] === ranges[0];
}

/** Each distinct shape (by shapeKey) with where the code sends it, and which of them an index serves. */
function coverage(shapes: QueryShape[], indexes: Map<string, Index[]>, groups: Record<string, string[]>) {
  const where = new Map<string, string[]>();
  const served = new Set<string>();
  const used = new Set<Index>();
  const note = (key: string, shape: QueryShape) => where.set(key, [...(where.get(key) ?? []), `${shape.file}:${shape.line}`]);
  for (const shape of shapes) {
    const narrows = shape.equality.length + shape.sort.length + shape.range.length > 0;
    for (const receiver of RECEIVERS[shape.file]?.[shape.receiver] ?? []) {
      // a shape of a whole group (every outbox collection) is allowed, or not, as one
      if (groups[receiver] && ALLOWED[shapeKey(receiver, shape)]) {
        note(shapeKey(receiver, shape), shape);
        // the index that narrows an allowed shape's filter is still walked
        for (const collection of groups[receiver]) (indexes.get(collection) ?? []).filter((index) => serves(index, { ...shape, sort: [], range: [] })).forEach((index) => used.add(index));
        continue;
      }
      for (const collection of groups[receiver] ?? [receiver]) {
        const key = shapeKey(collection, shape);
        note(key, shape);
        const serving = narrows ? (indexes.get(collection) ?? []).filter((index) => serves(index, shape)) : [];
        serving.forEach((index) => used.add(index));
        if (serving.length > 0) served.add(key);
      }
    }
  }
  // an index no shape walks costs every write; a unique one is a rule, not a read path
  const unused = [...indexes].flatMap(([collection, list]) =>
    list.filter((index) => !index.unique && !used.has(index)).map((index) => `${collection} {${index.keys.map(([k, d]) => `${k}: ${d}`).join(', ')}}`));
  return { where, served, unused };
}

function sourceFiles(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) return ['node_modules', 'dist', 'generated', 'testing'].includes(entry.name) ? [] : sourceFiles(full);
    return entry.name.endsWith('.ts') && !/\.(i?test|d)\.ts$/.test(entry.name) ? [full] : [];
  });
}

/** A service file can query a model only if it reaches mongoose, the store or a mongo adapter's models. */
const REACHES_MODELS = /from '(mongoose|@tenantatlas\/store)'|from '[./]*\/?adapters\/mongo\/|from '\.\/[\w.-]*(schema|schemas|models)'/;
const QUERYING_FILES = [
  ...fs
    .readdirSync(path.join(ROOT, 'services'))
    .flatMap((service) => sourceFiles(path.join(ROOT, 'services', service, 'src')))
    .filter((file) => REACHES_MODELS.test(fs.readFileSync(file, 'utf8'))),
  ...sourceFiles(path.join(ROOT, 'packages/store/src')),
];

describe('index coverage', () => {
  const { indexes, outbox } = declaredIndexes();
  const groups: Record<string, string[]> = { ...GROUPS, OUTBOX: outbox };
  const { shapes, unresolved } = queryShapes(QUERYING_FILES, ROOT);

  it('reads every query the code sends', () => {
    expect(unresolved.map((u) => `${u.file}:${u.line}: ${u.reason} — resolve it or add a query-shape comment`)).toEqual([]);
  });

  it('knows the collection of every query', () => {
    const unknown = shapes.filter((s) => !RECEIVERS[s.file]?.[s.receiver]).map((s) => `${s.file}:${s.line}: ${s.receiver} is no known model`);
    const missing = Object.values(RECEIVERS).flatMap((r) => Object.values(r).flat()).flatMap((c) => groups[c] ?? [c]).filter((c) => !indexes.has(c));
    expect([...unknown, ...missing.map((c) => `${c}: no schema declares this collection`)]).toEqual([]);
  });

  it('serves every query shape with a declared index', () => {
    const { where, served, unused } = coverage(shapes, indexes, groups);
    const keys = [...where.keys()];
    const unserved = keys.filter((k) => !served.has(k) && !ALLOWED[k]);
    const stale = Object.keys(ALLOWED).filter((k) => !where.has(k));
    const collections = new Set(keys.flatMap((k) => groups[k.split(':')[0]!] ?? [k.split(':')[0]]));
    console.log(`index coverage: ${keys.length} query shapes in ${collections.size} collections, ${unserved.length === 0 ? 'all served' : `${unserved.length} unserved`} (${Object.keys(ALLOWED).length} allowed unserved)` +
      (unused.length > 0 ? `; indexes no query walks: ${unused.join('; ')}` : ''));
    expect([
      ...unserved.map((k) => `${k} — no index serves it (${[...new Set(where.get(k))].join(', ')})`),
      ...stale.map((k) => `${k} — allowed unserved, but no query has this shape any more`),
    ]).toEqual([]);
  });

  it('tells a served shape from an unserved one', () => {
    const index: Index = { keys: [['workspaceId', 1], ['createdAt', -1], ['_id', -1]], unique: false };
    expect(serves(index, { equality: ['workspaceId'], sort: [['createdAt', 1], ['_id', 1]], range: ['createdAt'] })).toBe(true);
    expect(serves(index, { equality: ['workspaceId', 'createdAt'], sort: [['createdAt', -1], ['_id', -1]], range: ['_id'] })).toBe(true);
    expect(serves(index, { equality: ['workspaceId'], sort: [['createdAt', -1], ['_id', 1]], range: [] })).toBe(false);
    expect(serves(index, { equality: ['workspaceId', 'tenantId'], sort: [['createdAt', -1]], range: [] })).toBe(false);
    expect(serves(index, { equality: [], sort: [['createdAt', -1]], range: [] })).toBe(false);
    expect(serves({ keys: [['_id', 1]], unique: true }, { equality: ['_id', 'outboxVersion'], sort: [], range: [] })).toBe(true);
    expect(serves({ keys: [['activeSlot', 1]], unique: true }, { equality: ['activeSlot'], sort: [['createdAt', 1]], range: [] })).toBe(true);
    expect(serves({ keys: [['dueAt', 1]], unique: false }, { equality: [], sort: [['dueAt', 1]], range: ['dueAt'] })).toBe(true);
  });
});
