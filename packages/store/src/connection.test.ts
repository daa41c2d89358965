import { EventEmitter } from 'node:events';
import type { Connection } from 'mongoose';
import { longestHealthyCheckMs, MONGO_DRIVER_SETTINGS, reviveWedgedMonitor } from './connection';

/** The parts of a MongoClient the watchdog uses: heartbeat events, close and connect. */
class FakeClient extends EventEmitter {
  closes = 0;
  connects = 0;
  reachable = true;
  async close(): Promise<void> {
    this.closes++;
  }
  async connect(): Promise<void> {
    this.connects++;
    if (!this.reachable) throw new Error('connect ECONNREFUSED');
  }
}

function watched(options: Parameters<typeof reviveWedgedMonitor>[2]) {
  const client = new FakeClient();
  const connection = Object.assign(new EventEmitter(), { getClient: () => client }) as unknown as Connection;
  reviveWedgedMonitor(connection, undefined, options);
  return { client, connection };
}

const until = async (condition: () => boolean) => {
  for (let i = 0; i < 200 && !condition(); i++) await new Promise((resolve) => setTimeout(resolve, 10));
  return condition();
};

describe('the database monitor watchdog', () => {
  it('a poll of 2 × connectTimeoutMS + 1 s is the longest healthy check; a streaming hello may also wait out heartbeatFrequencyMS', () => {
    expect(longestHealthyCheckMs(false)).toBe(2 * MONGO_DRIVER_SETTINGS.connectTimeoutMS + 1_000);
    expect(longestHealthyCheckMs(true)).toBe(2 * MONGO_DRIVER_SETTINGS.connectTimeoutMS + MONGO_DRIVER_SETTINGS.heartbeatFrequencyMS + 1_000);
  });

  it('reconnects the client when a check never ends, and only then', async () => {
    const { client, connection } = watched({ hungAfterMs: () => 50, checkEveryMs: 10, retryConnectEveryMs: 10 });
    client.emit('serverHeartbeatStarted', { connectionId: 'db:27017', awaited: false });
    client.emit('serverHeartbeatSucceeded', { connectionId: 'db:27017' });
    await new Promise((resolve) => setTimeout(resolve, 120));
    expect(client.closes).toBe(0);

    client.emit('serverHeartbeatStarted', { connectionId: 'db:27017', awaited: false });
    expect(await until(() => client.connects === 1)).toBe(true);
    expect(client.closes).toBe(1);
    connection.emit('close');
  });

  it('keeps connecting until the database answers again', async () => {
    const { client, connection } = watched({ hungAfterMs: () => 20, checkEveryMs: 10, retryConnectEveryMs: 10 });
    client.reachable = false;
    client.emit('serverHeartbeatStarted', { connectionId: 'db:27017', awaited: false });
    expect(await until(() => client.connects >= 3)).toBe(true);
    client.reachable = true;
    const connects = client.connects;
    await new Promise((resolve) => setTimeout(resolve, 80));
    expect(client.connects).toBeLessThanOrEqual(connects + 1);
    connection.emit('close');
  });

  it('gives a streaming (awaited) hello the time it may legitimately wait', async () => {
    const { client, connection } = watched({ hungAfterMs: (awaited) => (awaited ? 10_000 : 20), checkEveryMs: 10 });
    client.emit('serverHeartbeatStarted', { connectionId: 'db:27017', awaited: true });
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(client.closes).toBe(0);
    connection.emit('close');
  });
});
