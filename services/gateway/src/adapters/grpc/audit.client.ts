import { fromGrpcError, promiseClient, type PromiseClient } from '@tenantatlas/grpc';
import type { AuditServiceClient } from '@tenantatlas/grpc/proto/tenantatlas/audit/v1/AuditService';
import type { ExportAuditEventsRequest } from '@tenantatlas/grpc/proto/tenantatlas/audit/v1/ExportAuditEventsRequest';
import type { ExportAuditEventsResponse__Output } from '@tenantatlas/grpc/proto/tenantatlas/audit/v1/ExportAuditEventsResponse';
import { downstreamUnavailable as unavailable } from '../../domain/errors';

/** The audit service's unary calls, plus its export as a stream of chunks. */
export type AuditPort = PromiseClient<AuditServiceClient> & {
  exportEvents(request: ExportAuditEventsRequest): AsyncIterable<ExportAuditEventsResponse__Output>;
};

/**
 * How long one export may stream: a million records take about 50 s through the gateway
 * (docs/benchmarks.md), and a slow client slows the stream down to its own pace, so the bound is
 * generous; a stream cut off by it ends the HTTP response early (an incomplete body, not a file
 * that looks whole).
 */
const EXPORT_DEADLINE_MS = 60 * 60_000;

function auditExport(client: AuditServiceClient) {
  return async function* exportEvents(request: ExportAuditEventsRequest): AsyncIterable<ExportAuditEventsResponse__Output> {
    const stream = client.ExportAuditEvents(request, { deadline: Date.now() + EXPORT_DEADLINE_MS });
    try {
      for await (const chunk of stream as AsyncIterable<ExportAuditEventsResponse__Output>) yield chunk;
    } catch (err) {
      const mapped = fromGrpcError(err);
      throw mapped.kind === 'unavailable' && mapped.code.startsWith('GRPC.') ? unavailable('audit', 'not reachable') : mapped;
    }
  };
}

function withExport(base: PromiseClient<AuditServiceClient>, exportEvents: AuditPort['exportEvents']): AuditPort {
  return new Proxy(base, {
    get: (target, property, receiver) => (property === 'exportEvents' ? exportEvents : Reflect.get(target, property, receiver)),
  }) as AuditPort;
}

export function auditClient(client: AuditServiceClient): AuditPort {
  return withExport(promiseClient(client), auditExport(client));
}
