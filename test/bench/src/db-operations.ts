/**
 * What a phase costs the database, read from every service's `tenantatlas_db_operations_total`
 * before and after it: queries that are not an exact `_id` lookup (each a collection scan on
 * FerretDB) and writes (documents inserted, updated or deleted).
 */
import fs from 'node:fs';
import type { ServiceProcess } from '@tenantatlas/testing';

export interface DbOperationTotals {
  /** finds, counts, aggregations, updates and deletes whose filter is not one exact `_id` */
  notById: number;
  /** documents inserted, plus updates, deletes and findAndModify statements */
  writes: number;
  /** finds, counts and aggregations of one exact `_id` */
  readsById: number;
  /** notById per collection */
  notByIdOf: Map<string, number>;
  /** readsById per collection */
  readsByIdOf: Map<string, number>;
  /** writes per collection */
  writesOf: Map<string, number>;
}

const add = (map: Map<string, number>, key: string, value: number) => map.set(key, (map.get(key) ?? 0) + value);
const empty = (): DbOperationTotals => ({ notById: 0, writes: 0, readsById: 0, notByIdOf: new Map(), writesOf: new Map(), readsByIdOf: new Map() });

const SAMPLE = /^tenantatlas_db_operations_total\{([^}]*)\} ([0-9.e+]+)/;

function labelsOf(text: string): Record<string, string> {
  return Object.fromEntries([...text.matchAll(/(\w+)="([^"]*)"/g)].map((m) => [m[1]!, m[2]!]));
}

const WRITES = new Set(['insert', 'update', 'delete', 'findAndModify']);

export function totalsOf(metricsText: string): DbOperationTotals {
  const totals = empty();
  for (const line of metricsText.split('\n')) {
    const match = SAMPLE.exec(line);
    if (!match) continue;
    const { collection = '?', operation = '?', shape = '?' } = labelsOf(match[1]!);
    const value = Number(match[2]);
    if (WRITES.has(operation)) {
      totals.writes += value;
      add(totals.writesOf, collection, value);
    }
    if (shape === 'id_in' || shape === 'other') {
      totals.notById += value;
      add(totals.notByIdOf, collection, value);
    } else if (shape === 'id' && !WRITES.has(operation)) {
      totals.readsById += value;
      add(totals.readsByIdOf, collection, value);
    }
  }
  return totals;
}

/** Inodes of the sockets a process holds open. */
function socketInodes(pid: number): Set<string> {
  const inodes = new Set<string>();
  for (const fd of fs.readdirSync(`/proc/${pid}/fd`)) {
    try {
      const match = /^socket:\[(\d+)\]$/.exec(fs.readlinkSync(`/proc/${pid}/fd/${fd}`));
      if (match) inodes.add(match[1]!);
    } catch {
      // the descriptor closed meanwhile
    }
  }
  return inodes;
}

/**
 * The ports a service listens on besides its own: the stack starts every process with
 * METRICS_PORT=0 (a free port each), so `/metrics` is served on one of them.
 */
export function otherListeningPorts(service: ServiceProcess): number[] {
  const pid = service.child.pid;
  if (!pid) return [];
  const inodes = socketInodes(pid);
  const ports: number[] = [];
  for (const table of ['/proc/net/tcp', '/proc/net/tcp6']) {
    const rows = fs.existsSync(table) ? fs.readFileSync(table, 'utf8').trim().split('\n').slice(1) : [];
    for (const row of rows) {
      const cols = row.trim().split(/\s+/);
      const port = parseInt(cols[1]!.split(':').at(-1)!, 16);
      if (cols[3] === '0A' && inodes.has(cols[9]!) && port !== service.port && !ports.includes(port)) ports.push(port);
    }
  }
  return ports;
}

/** The service's Prometheus text, from whichever of its other ports serves `/metrics`. */
async function scrape(service: ServiceProcess): Promise<string | undefined> {
  let ports: number[];
  try {
    ports = otherListeningPorts(service);
  } catch {
    return undefined; // the process is gone
  }
  for (const port of ports) {
    const res = await fetch(`http://127.0.0.1:${port}/metrics`).catch(() => undefined);
    if (res?.ok) return res.text();
  }
  return undefined;
}

/** The services' counters summed (a process whose endpoint cannot be read is left out). */
export async function readDbOperations(services: ServiceProcess[]): Promise<DbOperationTotals> {
  const sum = empty();
  await Promise.all(
    services.map(async (service) => {
      const text = await scrape(service);
      if (text === undefined) return;
      const totals = totalsOf(text);
      sum.notById += totals.notById;
      sum.writes += totals.writes;
      sum.readsById += totals.readsById;
      for (const [collection, value] of totals.readsByIdOf) add(sum.readsByIdOf, collection, value);
      for (const [collection, value] of totals.notByIdOf) add(sum.notByIdOf, collection, value);
      for (const [collection, value] of totals.writesOf) add(sum.writesOf, collection, value);
    }),
  );
  return sum;
}

function mapDifference(after: Map<string, number>, before: Map<string, number>): Map<string, number> {
  const delta = new Map<string, number>();
  for (const [collection, value] of after) if (value > (before.get(collection) ?? 0)) delta.set(collection, value - (before.get(collection) ?? 0));
  return delta;
}

export function difference(after: DbOperationTotals, before: DbOperationTotals): DbOperationTotals {
  return {
    notById: after.notById - before.notById,
    writes: after.writes - before.writes,
    readsById: after.readsById - before.readsById,
    readsByIdOf: mapDifference(after.readsByIdOf, before.readsByIdOf),
    notByIdOf: mapDifference(after.notByIdOf, before.notByIdOf),
    writesOf: mapDifference(after.writesOf, before.writesOf),
  };
}
