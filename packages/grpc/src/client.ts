import * as grpc from '@grpc/grpc-js';
import { propagation, context } from '@opentelemetry/api';
import { fromGrpcError } from './errors';

export interface CallOptions {
  /** milliseconds until the call is abandoned; defaults to the client's */
  timeoutMs?: number;
  metadata?: grpc.Metadata;
}

type LastOverload<F> = F extends (request: infer Req, callback: grpc.requestCallback<infer Res>) => grpc.ClientUnaryCall
  ? (request: Req, options?: CallOptions) => Promise<Res>
  : never;

/** A generated grpc-js client turned into promise-returning methods, one per unary RPC. */
export type PromiseClient<C> = {
  [K in keyof C as K extends string ? (C[K] extends (...args: never[]) => grpc.ClientUnaryCall ? K : never) : never]: LastOverload<C[K]>;
} & { close(): void };

/**
 * Wraps a generated client so each RPC returns a promise, carries a deadline, and rejects with the
 * DomainError the server raised (so callers can branch on its stable code).
 */
export function promiseClient<C extends grpc.Client>(client: C, defaultTimeoutMs = 10_000): PromiseClient<C> {
  return new Proxy(client, {
    get(target, property, receiver) {
      if (property === 'close') return () => target.close();
      const method = Reflect.get(target, property, receiver) as unknown;
      if (typeof method !== 'function' || typeof property !== 'string') return method;
      return (request: unknown, options: CallOptions = {}) =>
        new Promise((resolve, reject) => {
          const metadata = options.metadata?.clone() ?? new grpc.Metadata();
          // grpc-js instrumentation injects too; doing it here keeps propagation independent of it.
          propagation.inject(context.active(), metadata, {
            set: (carrier, key, value) => carrier.set(key, value),
          });
          const deadline = Date.now() + (options.timeoutMs ?? defaultTimeoutMs);
          (method as (...args: unknown[]) => unknown).call(target, request, metadata, { deadline }, (err: unknown, res: unknown) =>
            err ? reject(fromGrpcError(err)) : resolve(res),
          );
        });
    },
  }) as unknown as PromiseClient<C>;
}

export function insecureCredentials(): grpc.ChannelCredentials {
  return grpc.credentials.createInsecure();
}

/**
 * Channel options of every client of a peer service. While a peer is down, grpc-js reconnects
 * with a backoff growing to 120 s by default, and a call in between fails at once: a peer back
 * after a minute's outage would be reported unavailable for up to two more minutes. Capped at
 * 2 s, a caller reaches a restarted peer within about 2 s of it listening.
 */
export const PEER_CHANNEL_OPTIONS: grpc.ChannelOptions = {
  'grpc.initial_reconnect_backoff_ms': 200,
  'grpc.max_reconnect_backoff_ms': 2_000,
  // round_robin keeps a connection to every address of the peer and sends each call to the next
  // one that is connected: calls spread over the replicas, and while one is down (killed, rolled)
  // they go to the others. grpc-js' default, pick_first, would send everything to one replica.
  'grpc.service_config': JSON.stringify({ loadBalancingConfig: [{ round_robin: {} }] }),
};

/**
 * The grpc-js target for a peer's address (`configFields.peerAddress`): a `host:port` goes to DNS
 * as it is; a list of replicas `IPv4:port,IPv4:port` becomes grpc-js' static `ipv4:` target, over
 * whose addresses PEER_CHANNEL_OPTIONS balance.
 */
export function peerTarget(address: string): string {
  return address.includes(',') ? `ipv4:${address}` : address;
}
