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
import os from 'node:os';
import path from 'node:path';
import mongoose, { type Connection, type Model } from 'mongoose';
import { ProcessedEvents } from '@tenantatlas/store';
import { auditModels } from '../../services/audit/src/adapters/mongo/audit-record.schema';
import { connectionModels } from '../../services/connections/src/adapters/mongo/connection.schema';
import { identityModels } from '../../services/gateway/src/adapters/mongo/identity-models';
import { onboardingModels } from '../../services/onboarding/src/adapters/mongo/schemas';
import { runModels } from '../../services/operations/src/adapters/mongo/run.schema';
import { queryShapes, type Direction, type QueryShape } from './query-shapes';

const ROOT = path.resolve(__dirname, '../..');

/**
 * Every model each service (and the store, for all of them) declares, by the name its repositories
 * hold it under, compiled on a connection of its own that never connects.
 */
const MODEL_SETS: Record<string, (c: Connection) => Record<string, Model<any>>> = {
  audit: (c) => ({ ...auditModels(c) }),
  connections: (c) => ({ ...connectionModels(c) }),
  gateway: (c) => identityModels(c),
  onboarding: (c) => ({ ...onboardingModels(c) }),
  operations: (c) => runModels(c),
  store: (c) => ({ processedEvents: new ProcessedEvents(c, 'index-coverage').model }),
};

interface Index {
  keys: [string, Direction][];
  unique: boolean;
}

interface Declared {
  indexes: Map<string, Index[]>;
  /**
   * Collections a shared receiver stands for, known by their fields: OUTBOX (documents carrying an
   * outbox), REVISIONS (a RevisionLog's versions), HEADS (what holds a `latestRevision` hint).
   */
  groups: Record<string, string[]>;
  /** `<service>:<name>` → the collection of the model a service holds under that name */
  named: Map<string, string>;
}

function declared(): Declared {
  const indexes = new Map<string, Index[]>();
  const groups: Record<string, string[]> = { OUTBOX: [], REVISIONS: [], HEADS: [] };
  const named = new Map<string, string>();
  for (const [service, models] of Object.entries(MODEL_SETS)) {
    for (const [name, model] of Object.entries(models(mongoose.createConnection()))) {
      const collection = model.collection.collectionName;
      const keyed = model.schema.indexes().map(([keys, options]) => ({ keys: Object.entries(keys) as [string, Direction][], unique: !!options?.unique }));
      indexes.set(collection, [{ keys: [['_id', 1]], unique: true }, ...keyed]);
      named.set(`${service}:${name}`, collection);
      const has = (field: string) => !!model.schema.path(field);
      if (has('outboxPending')) groups.OUTBOX!.push(collection);
      if (has('entityId') && has('revision')) groups.REVISIONS!.push(collection);
      if (has('latestRevision')) groups.HEADS!.push(collection);
    }
  }
  for (const [group, collections] of Object.entries(groups)) groups[group] = [...new Set(collections)];
  return { indexes, groups, named };
}

/**
 * Which collection a receiver is, where its name is not one its service's models go by (below).
 * A group (see Declared) stands for each of its collections: the store's relay and RevisionLog are
 * handed them all.
 */
const RECEIVERS: Record<string, Record<string, string[]>> = {
  'packages/store/src/outbox-relay.ts': { model: ['OUTBOX'] },
  'packages/store/src/processed-events.ts': { 'this.model': ['processed_events'] },
  'packages/store/src/revision-log.ts': { 'this.model': ['REVISIONS'], heads: ['HEADS'], 'this.options.heads': ['HEADS'] },
  'services/audit/src/adapters/kafka/dead-letter-topic.ts': { 'this.store': ['audit_dead_letters'] },
};

/**
 * Shapes no index serves, on purpose, each with its reason: a read that rarely runs over few
 * documents, where an index (or a wider one) would cost every write.
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

/** Whether walking `index` answers the shape without a scan or an in-memory sort. */
function serves(index: Index, shape: Pick<QueryShape, 'equality' | 'range' | 'sort'>): boolean {
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

/**
 * The collections (or groups) a query's receiver stands for: named in RECEIVERS, else the model its
 * service holds under the receiver's last name (`this.models.records`, `this.m.heads`, `this.runs`).
 */
function receiverOf(shape: QueryShape, named: Map<string, string>): string[] {
  const listed = RECEIVERS[shape.file]?.[shape.receiver];
  if (listed) return listed;
  const service = /^services\/([^/]+)\//.exec(shape.file)?.[1];
  const name = /(?:^|\.)(\w+)$/.exec(shape.receiver)?.[1];
  const collection = service && name ? named.get(`${service}:${name}`) : undefined;
  return collection ? [collection] : [];
}

/** Each distinct shape (by shapeKey) with where the code sends it, and which of them an index serves. */
function coverage(shapes: QueryShape[], { indexes, named, groups }: Declared) {
  const where = new Map<string, string[]>();
  const served = new Set<string>();
  const used = new Set<Index>();
  const note = (key: string, shape: QueryShape) => where.set(key, [...(where.get(key) ?? []), `${shape.file}:${shape.line}`]);
  for (const shape of shapes) {
    const narrows = shape.equality.length + shape.sort.length + shape.range.length > 0;
    for (const receiver of receiverOf(shape, named)) {
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
  const models = declared();
  const { indexes, named, groups } = models;
  const { shapes, unresolved } = queryShapes(QUERYING_FILES, ROOT);

  it('reads every query the code sends', () => {
    expect(unresolved.map((u) => `${u.file}:${u.line}: ${u.reason} — resolve it or add a query-shape comment`)).toEqual([]);
  });

  it('knows the collection of every query', () => {
    const unknown = shapes.filter((s) => receiverOf(s, named).length === 0).map((s) => `${s.file}:${s.line}: ${s.receiver} is no model of its service (name it in RECEIVERS)`);
    const missing = Object.values(RECEIVERS).flatMap((r) => Object.values(r).flat()).flatMap((c) => groups[c] ?? [c]).filter((c) => !indexes.has(c));
    expect([...unknown, ...missing.map((c) => `${c}: no schema declares this collection`)]).toEqual([]);
  });

  it('serves every query shape with a declared index', () => {
    const { where, served, unused } = coverage(shapes, models);
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
    expect(serves({ keys: [['_id', 1]], unique: true }, { equality: ['_id', 'workspaceId'], sort: [], range: [] })).toBe(true);
    expect(serves({ keys: [['activeSlot', 1]], unique: true }, { equality: ['activeSlot'], sort: [['createdAt', 1]], range: [] })).toBe(true);
    expect(serves({ keys: [['dueAt', 1]], unique: false }, { equality: [], sort: [['dueAt', 1]], range: ['dueAt'] })).toBe(true);
  });

  it('reads filters through variables, conditions, cursors and callers, and reports what it cannot', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'query-shapes-'));
    const file = path.join(dir, 'items.repository.ts');
    fs.writeFileSync(file, [
      'export class Items {',
      '  list(workspaceId: string, tenantId?: string, after?: Date) {',
      '    const filter: Record<string, unknown> = { workspaceId, ...(tenantId ? { tenantId } : {}) };',
      '    if (after) filter.createdAt = { $lt: after };',
      '    return this.items.find(filter).sort({ createdAt: -1 }).limit(10);',
      '  }',
      '  byKey(key: string) { return this.one({ key }); }',
      '  private one(filter: object) { return this.items.findOne(filter); }',
      '  odd() { return this.items.find(build()); }',
      '}',
    ].join('\n'));
    const read = queryShapes([file], dir);
    fs.rmSync(dir, { recursive: true });
    expect(read.shapes.map((s) => `${s.line} ${shapeKey(s.receiver, s)}`).sort()).toEqual([
      '5 this.items: {tenantId, workspaceId, createdAt: range} sort {createdAt: -1}',
      '5 this.items: {tenantId, workspaceId} sort {createdAt: -1}',
      '5 this.items: {workspaceId, createdAt: range} sort {createdAt: -1}',
      '5 this.items: {workspaceId} sort {createdAt: -1}',
      '8 this.items: {key} sort {}',
    ]);
    expect(read.unresolved).toEqual([{ file: 'items.repository.ts', line: 9, receiver: 'this.items', reason: 'a filter built by build, not a function declared in reach' }]);
  });
});
