import type { Counter } from '@opentelemetry/api';
import type { Connection } from 'mongoose';
import { lazyInstrument } from '@tenantatlas/core';

/**
 * Every query and write a service sends to its database, counted by collection, operation and
 * shape, because what a request costs the database depends on the shape of its filter:
 *   - `id`: the filter names one document by its exact `_id` (answered from the primary key);
 *   - `id_in`: the filter names documents by a list of `_id`s (`$in`);
 *   - `other`: any other filter (on an engine without secondary indexes, a scan of the collection);
 *   - `new`: an insert (no filter; counted once per document).
 * The counting happens on the wire (the driver's command events), so it sees calls made through
 * the models and straight on a collection alike.
 */
export type OperationShape = 'id' | 'id_in' | 'other' | 'new';

export interface CountedOperation {
  collection: string;
  operation: string;
  shape: OperationShape;
  count: number;
}

/** `tenantatlas_db_operations_total{collection, operation, shape}` */
export const dbOperationsCounter = lazyInstrument<Counter>((meter) =>
  meter.createCounter('tenantatlas_db_operations_total', {
    description: 'Queries and writes sent to the database, by collection, operation and filter shape (documents for inserts)',
  }),
);

const isPlainObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value) && Object.getPrototypeOf(value) === Object.prototype;

/** The shape of a filter: how the database can find the documents it names. */
export function filterShape(filter: unknown): OperationShape {
  if (!isPlainObject(filter) || !('_id' in filter)) return 'other';
  const id = filter._id;
  // a value that is not an operator expression (a string, a number, an ObjectId, a subdocument) is an exact match
  const operators = isPlainObject(id) ? Object.keys(id) : [];
  if (operators.length === 0 || !operators.every((key) => key.startsWith('$'))) return 'id';
  if (operators.length === 1 && operators[0] === '$eq') return 'id';
  if (operators.length === 1 && operators[0] === '$in') return 'id_in';
  return 'other';
}

function firstMatch(pipeline: unknown): unknown {
  const first = Array.isArray(pipeline) ? (pipeline[0] as Record<string, unknown> | undefined) : undefined;
  return first && '$match' in first ? first.$match : undefined;
}

/**
 * What one database command does, as counted operations (none for commands that touch no
 * documents: handshakes, index builds, cursor continuations).
 */
export function operationsOf(commandName: string, command: Record<string, unknown>): CountedOperation[] {
  const collection = typeof command[commandName] === 'string' ? (command[commandName] as string) : '(database)';
  const one = (shape: OperationShape, operation = commandName): CountedOperation[] => [{ collection, operation, shape, count: 1 }];
  const each = (statements: unknown, filterKey: string): CountedOperation[] =>
    (Array.isArray(statements) ? statements : []).map((statement: Record<string, unknown>) => ({
      collection,
      operation: commandName,
      shape: filterShape(statement?.[filterKey]),
      count: 1,
    }));
  switch (commandName) {
    case 'find':
      return one(filterShape(command.filter));
    case 'count':
    case 'distinct':
    case 'findAndModify':
      return one(filterShape(command.query));
    case 'aggregate':
      return one(filterShape(firstMatch(command.pipeline)));
    case 'insert': {
      const documents = Array.isArray(command.documents) ? command.documents.length : 0;
      return documents > 0 ? [{ collection, operation: 'insert', shape: 'new', count: documents }] : [];
    }
    case 'update':
      return each(command.updates, 'q');
    case 'delete':
      return each(command.deletes, 'q');
    default:
      return [];
  }
}

/** Operations that change documents (an insert counts one per document). */
export function isWrite(operation: string): boolean {
  return operation === 'insert' || operation === 'update' || operation === 'delete' || operation === 'findAndModify';
}

/**
 * Counts every command this connection sends. Needs the connection opened with
 * `monitorCommands: true` (connectMongo does); listeners stay when the client reconnects.
 */
export function countDatabaseOperations(connection: Connection): void {
  connection.getClient().on('commandStarted', (event) => {
    for (const op of operationsOf(event.commandName, event.command as Record<string, unknown>)) {
      dbOperationsCounter().add(op.count, { collection: op.collection, operation: op.operation, shape: op.shape });
    }
  });
}
