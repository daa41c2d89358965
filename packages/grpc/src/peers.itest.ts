/**
 * A peer run as several replicas, over real gRPC sockets: the client built from a list of
 * addresses spreads its calls over them, and while one is down the others answer every call.
 */
import * as grpc from '@grpc/grpc-js';
import { loadConfig, z, configFields } from '@tenantatlas/core';
import { PEER_CHANNEL_OPTIONS, peerTarget } from './client';
import { HEALTH_PROTO } from './health';
import { loadProto } from './proto';

interface HealthPackage {
  grpc: { health: { v1: { Health: grpc.ServiceClientConstructor } } };
}
const { Health } = loadProto<HealthPackage>(HEALTH_PROTO).grpc.health.v1;

/** one replica: a Health service that counts the calls it answered */
interface Replica {
  address: string;
  answered: number;
  stop(): void;
}

async function startReplica(): Promise<Replica> {
  const server = new grpc.Server();
  const replica = { address: '', answered: 0, stop: () => server.forceShutdown() };
  server.addService(Health.service, {
    Check: (_call: grpc.ServerUnaryCall<unknown, unknown>, callback: grpc.sendUnaryData<unknown>) => {
      replica.answered++;
      callback(null, { status: 'SERVING' });
    },
  });
  const port = await new Promise<number>((resolve, reject) =>
    server.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (err, bound) => (err ? reject(err) : resolve(bound))),
  );
  replica.address = `127.0.0.1:${port}`;
  return replica;
}

/** a port nothing listens on: bound once, then released */
async function closedAddress(): Promise<string> {
  const replica = await startReplica();
  replica.stop();
  return replica.address;
}

function peerClient(address: string) {
  const client = new Health(peerTarget(address), grpc.credentials.createInsecure(), PEER_CHANNEL_OPTIONS);
  const check = () =>
    new Promise<void>((resolve, reject) =>
      (client as unknown as { Check(req: unknown, opts: grpc.CallOptions, cb: (err: Error | null) => void): void }).Check(
        { service: '' },
        { deadline: Date.now() + 5_000 },
        (err) => (err ? reject(err) : resolve()),
      ),
    );
  return { check, close: () => client.close() };
}

/** a gateway-like config with one peer address */
const parsePeer = (value: string) => loadConfig(z.object({ PEER_GRPC_ADDR: configFields.peerAddress }), { PEER_GRPC_ADDR: value }).PEER_GRPC_ADDR;

describe('a peer with replicas', () => {
  const cleanup: (() => void)[] = [];
  afterEach(() => cleanup.splice(0).forEach((stop) => stop()));

  it('accepts host:port or a list of IPv4:port as its address, and nothing else', () => {
    expect(parsePeer('operations:50053')).toBe('operations:50053');
    expect(parsePeer('127.0.0.1:1,127.0.0.1:2')).toBe('127.0.0.1:1,127.0.0.1:2');
    expect(() => parsePeer('operations-a:50053,operations-b:50053')).toThrow(/IPv4:port,IPv4:port/);
    expect(() => parsePeer('127.0.0.1:1,')).toThrow(/PEER_GRPC_ADDR/);
    expect(() => parsePeer('operations')).toThrow(/expected host:port/);
  });

  it('spreads calls over every replica', async () => {
    const replicas = [await startReplica(), await startReplica()];
    cleanup.push(...replicas.map((r) => r.stop));
    const client = peerClient(replicas.map((r) => r.address).join(','));
    cleanup.push(client.close);

    // the first calls may go out while only one connection is up; round robin then alternates
    for (let calls = 0; calls < 200 && replicas.some((r) => r.answered === 0); calls++) await client.check();
    const before = replicas.map((r) => r.answered);
    for (let i = 0; i < 20; i++) await client.check();

    expect(replicas.map((r, i) => r.answered - before[i]!)).toEqual([10, 10]);
  });

  it('sends every call to the replicas that are up', async () => {
    const up = await startReplica();
    cleanup.push(up.stop);
    const client = peerClient([await closedAddress(), up.address].join(','));
    cleanup.push(client.close);

    for (let i = 0; i < 20; i++) await client.check();

    expect(up.answered).toBe(20);
  });

  it('goes on answering through the other replica when one is killed', async () => {
    const [killed, survivor] = [await startReplica(), await startReplica()];
    cleanup.push(survivor.stop);
    const client = peerClient([killed.address, survivor.address].join(','));
    cleanup.push(client.close);
    for (let calls = 0; calls < 200 && killed.answered === 0; calls++) await client.check();

    killed.stop();
    // a call already on its way to the killed replica fails; the client hears of the closed
    // connection at once and sends the next ones to the survivor
    const failures: unknown[] = [];
    for (let i = 0; i < 20; i++) await client.check().catch((err: unknown) => failures.push(err));
    const answered = survivor.answered;
    for (let i = 0; i < 20; i++) await client.check();

    expect(failures.length).toBeLessThanOrEqual(1);
    expect(survivor.answered - answered).toBe(20);
  });
});
