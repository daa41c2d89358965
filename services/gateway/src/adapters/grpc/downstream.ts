import * as grpc from '@grpc/grpc-js';
import { isDomainError } from '@tenantatlas/core';
import { insecureCredentials, loadProto, PEER_CHANNEL_OPTIONS, peerTarget, promiseClient, type PromiseClient } from '@tenantatlas/grpc';
import { downstreamUnavailable as unavailable } from '../../domain/errors';
import { auditClient, type AuditPort } from './audit.client';
import type { ProtoGrpcType as AuditProto } from '@tenantatlas/grpc/proto/audit';
import type { ProtoGrpcType as ConnectionsProto } from '@tenantatlas/grpc/proto/connections';
import type { ProtoGrpcType as OnboardingProto } from '@tenantatlas/grpc/proto/onboarding';
import type { ProtoGrpcType as OperationsProto } from '@tenantatlas/grpc/proto/operations';
import type { ConnectionsServiceClient } from '@tenantatlas/grpc/proto/tenantatlas/connections/v1/ConnectionsService';
import type { OnboardingServiceClient } from '@tenantatlas/grpc/proto/tenantatlas/onboarding/v1/OnboardingService';
import type { OperationsServiceClient } from '@tenantatlas/grpc/proto/tenantatlas/operations/v1/OperationsService';

export type OnboardingPort = PromiseClient<OnboardingServiceClient>;
export type ConnectionsPort = PromiseClient<ConnectionsServiceClient>;
export type OperationsPort = PromiseClient<OperationsServiceClient>;
export type { AuditPort };

/** The four backend services the gateway calls; each may be missing or down without stopping us. */
export interface Downstream {
  onboarding: OnboardingPort;
  connections: ConnectionsPort;
  operations: OperationsPort;
  audit: AuditPort;
  close(): void;
}

export interface DownstreamAddresses {
  onboarding?: string;
  connections?: string;
  operations?: string;
  audit?: string;
}

/**
 * Transport failures (connection refused, deadline) become one clear 503 naming the service;
 * errors the service itself raised keep their stable code.
 */
export function translated<T extends object>(service: string, client: T): T {
  return new Proxy(client, {
    get(target, property, receiver) {
      const value = Reflect.get(target, property, receiver) as unknown;
      if (typeof value !== 'function' || property === 'close' || property === 'exportEvents') return value;
      return async (...args: unknown[]) => {
        try {
          return await (value as (...a: unknown[]) => Promise<unknown>).apply(target, args);
        } catch (err) {
          if (isDomainError(err) && err.kind === 'unavailable' && err.code.startsWith('GRPC.')) throw unavailable(service, 'not reachable');
          throw err;
        }
      };
    },
  });
}

/** Stands in for a service whose address is not configured: every call is a 503. */
function notConfigured<T extends object>(service: string): T {
  return new Proxy({} as T, {
    get(_target, property) {
      if (property === 'close') return () => undefined;
      if (property === 'then') return undefined;
      if (property === 'exportEvents') {
        // eslint-disable-next-line require-yield
        return async function* refuse() {
          throw unavailable(service, 'not configured');
        };
      }
      return () => Promise.reject(unavailable(service, 'not configured'));
    },
  });
}

export function connectDownstream(addresses: DownstreamAddresses): Downstream {
  const creds = insecureCredentials();
  const clients: grpc.Client[] = [];
  const make = <C extends grpc.Client>(
    service: string,
    address: string | undefined,
    ctor: new (a: string, c: grpc.ChannelCredentials, o: grpc.ChannelOptions) => C,
  ) => {
    if (!address) return undefined;
    const client = new ctor(peerTarget(address), creds, PEER_CHANNEL_OPTIONS);
    clients.push(client);
    return client;
  };
  const onboarding = make('onboarding', addresses.onboarding, loadProto<OnboardingProto>('tenantatlas/onboarding/v1/onboarding.proto').tenantatlas.onboarding.v1.OnboardingService);
  const connections = make('connections', addresses.connections, loadProto<ConnectionsProto>('tenantatlas/connections/v1/connections.proto').tenantatlas.connections.v1.ConnectionsService);
  const operations = make('operations', addresses.operations, loadProto<OperationsProto>('tenantatlas/operations/v1/operations.proto').tenantatlas.operations.v1.OperationsService);
  const audit = make('audit', addresses.audit, loadProto<AuditProto>('tenantatlas/audit/v1/audit.proto').tenantatlas.audit.v1.AuditService);
  return {
    onboarding: onboarding ? translated('onboarding', promiseClient(onboarding)) : notConfigured('onboarding'),
    connections: connections ? translated('connections', promiseClient(connections)) : notConfigured('connections'),
    operations: operations ? translated('operations', promiseClient(operations)) : notConfigured('operations'),
    audit: audit ? translated('audit', auditClient(audit)) : notConfigured('audit'),
    close: () => clients.forEach((client) => client.close()),
  };
}
