import { startService, type ServiceProcess, type StartServiceOptions } from './index';

/**
 * Concurrent calls spread over the replicas of one service, the way a load balancer spreads a
 * crowd of operators: what each call came to, and which replica answered it.
 */

/** A call's answer, or the refusal it got as `<kind> <code>`; `via` is the index of the replica called. */
export type CallOutcome<T> = { ok: true; value: T; via: number } | { ok: false; refusal: string; via: number };

/** `count` calls at once, call i to `replicas[i % replicas.length]`; a rejection is kept, not thrown. */
export function spreadCalls<C, T>(replicas: C[], count: number, call: (replica: C, i: number) => Promise<T>): Promise<CallOutcome<T>[]> {
  return Promise.all(
    Array.from({ length: count }, (_, i) => {
      const via = i % replicas.length;
      return call(replicas[via]!, i).then(
        (value): CallOutcome<T> => ({ ok: true, value, via }),
        (err: { code?: string; kind?: string }): CallOutcome<T> => ({ ok: false, refusal: `${String(err.kind)} ${String(err.code)}`, via }),
      );
    }),
  );
}

export interface Tally<T> {
  won: T[];
  /** `<kind> <code>` of each refused call */
  refused: string[];
  /** how many calls each replica let win */
  wonBy: number[];
}

export function tally<T>(outcomes: CallOutcome<T>[], replicas: number): Tally<T> {
  return {
    won: outcomes.flatMap((o) => (o.ok ? [o.value] : [])),
    refused: outcomes.flatMap((o) => (o.ok ? [] : [o.refusal])),
    wonBy: Array.from({ length: replicas }, (_, via) => outcomes.filter((o) => o.ok && o.via === via).length),
  };
}

/** A replica of a service: its process and a client that calls it alone. */
export interface ServiceReplica<C> {
  service: ServiceProcess;
  client: C;
}

/** Processes of one service on the same stores and peers (one env), each with its client; stopped together. */
export class ServiceReplicas<C extends { close(): void }> {
  private readonly started: ServiceReplica<C>[] = [];

  constructor(
    private readonly name: string,
    private readonly options: StartServiceOptions,
    private readonly clientOf: (service: ServiceProcess) => C,
  ) {}

  /** starts one more; `port` places it where its peers were told to look */
  async start(port?: number): Promise<ServiceReplica<C>> {
    const service = await startService(this.name, { ...this.options, port });
    const replica = { service, client: this.clientOf(service) };
    this.started.push(replica);
    return replica;
  }

  async stop(): Promise<void> {
    for (const { service, client } of this.started.splice(0)) {
      client.close();
      await service.stop();
    }
  }
}
