import { Schema, type Connection } from 'mongoose';
import pino from 'pino';
import { serveMetrics, type MetricsEndpoint } from '@tenantatlas/core';
import { connectMongo } from '@tenantatlas/store';
import { testInfra, uniqueName } from '../index';

interface Gadget {
  _id: string;
  workspaceId: string;
}

/** The value of `tenantatlas_db_operations_total` for the labels, 0 when the series is absent. */
function counted(text: string, labels: Record<string, string>): number {
  for (const line of text.split('\n')) {
    if (!line.startsWith('tenantatlas_db_operations_total{')) continue;
    if (Object.entries(labels).every(([k, v]) => line.includes(`${k}="${v}"`))) return Number(line.slice(line.lastIndexOf(' ') + 1));
  }
  return 0;
}

describe('database operations counted by shape (real FerretDB, /metrics)', () => {
  let connection: Connection;
  let endpoint: MetricsEndpoint;
  const collection = uniqueName('gadgets');

  beforeAll(async () => {
    connection = await connectMongo(testInfra().mongoUrl, uniqueName('opmetrics').replace(/-/g, '_'));
    endpoint = (await serveMetrics('test', pino({ level: 'silent' }), { port: 0 }, '127.0.0.1'))!;
  });
  afterAll(async () => {
    await endpoint?.stop();
    await connection?.close();
  });

  const scrape = async () => (await fetch(`http://127.0.0.1:${endpoint.port}/metrics`)).text();

  it('counts what a service sends, through a model or straight on the collection, by collection, operation and shape', async () => {
    const gadgets = connection.model<Gadget>(collection, new Schema<Gadget>({ _id: String, workspaceId: String }, { collection }));
    await gadgets.collection.insertMany([
      { _id: 'g1', workspaceId: 'w' },
      { _id: 'g2', workspaceId: 'w' },
      { _id: 'g3', workspaceId: 'w' },
    ] as never[]);
    await gadgets.findById('g1').lean();
    await gadgets.find({ _id: { $in: ['g1', 'g2'] } }).lean();
    await gadgets.find({ workspaceId: 'w' }).lean();
    await gadgets.updateOne({ _id: 'g2' }, { $set: { workspaceId: 'v' } });
    await gadgets.deleteMany({ workspaceId: 'v' });

    const text = await scrape();
    const of = (operation: string, shape: string) => counted(text, { collection, operation, shape });
    expect(of('insert', 'new')).toBe(3);
    expect(of('find', 'id')).toBe(1);
    expect(of('find', 'id_in')).toBe(1);
    expect(of('find', 'other')).toBe(1);
    expect(of('update', 'id')).toBe(1);
    expect(of('delete', 'other')).toBe(1);
  });
});
