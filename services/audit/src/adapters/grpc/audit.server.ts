import type * as grpc from '@grpc/grpc-js';
import { DomainError, untilDrainedOrClosed } from '@tenantatlas/core';
import { toGrpcError, unary } from '@tenantatlas/grpc';
import type { AuditServiceHandlers } from '@tenantatlas/grpc/proto/tenantatlas/audit/v1/AuditService';
import type { ExportAuditEventsRequest__Output } from '@tenantatlas/grpc/proto/tenantatlas/audit/v1/ExportAuditEventsRequest';
import type { ExportAuditEventsResponse } from '@tenantatlas/grpc/proto/tenantatlas/audit/v1/ExportAuditEventsResponse';
import type { Logger } from 'pino';
import type { ExportAuditEventsUseCase } from '../../app/export-audit-events.use-case';
import type { GetAuditEventUseCase } from '../../app/get-audit-event.use-case';
import type { GetIngestStatusUseCase } from '../../app/get-ingest-status.use-case';
import type { ListAuditEventsUseCase } from '../../app/list-audit-events.use-case';
import type { VerifyAuditChainUseCase } from '../../app/verify-audit-chain.use-case';
import { CONTENT_TYPES } from '../../domain/export-format';
import { formatOf, toProto } from './mapping';

export interface AuditUseCases {
  list: ListAuditEventsUseCase;
  get: GetAuditEventUseCase;
  exportEvents: ExportAuditEventsUseCase;
  verify: VerifyAuditChainUseCase;
  ingestStatus: GetIngestStatusUseCase;
}

/** Export as a server stream: waits for the client to drain, stops when it cancels (also mid-wait). */
function exportHandler(logger: Logger, exportEvents: ExportAuditEventsUseCase) {
  return (call: grpc.ServerWritableStream<ExportAuditEventsRequest__Output, ExportAuditEventsResponse>) => {
    const run = async () => {
      const request = call.request;
      const format = formatOf(request.format);
      const chunks = exportEvents.execute({
        workspaceId: request.workspace_id,
        filter: request.filter,
        format,
        oldestFirst: request.oldest_first,
      });
      const stamp = new Date().toISOString().replace(/[:.]/g, '-');
      let first: Partial<ExportAuditEventsResponse> = {
        content_type: CONTENT_TYPES[format],
        file_name: `audit-${request.workspace_id.replace(/[^\w-]/g, '_')}-${stamp}.${format === 'csv' ? 'csv' : 'ndjson'}`,
      };
      let sentAny = false;
      for await (const text of chunks()) {
        if (!call.write({ data: Buffer.from(text, 'utf8'), ...first })) await untilDrainedOrClosed(call);
        // a client that went away gets nothing more read for it (leaving the loop ends the walk)
        if (call.cancelled) return;
        first = {};
        sentAny = true;
      }
      // An empty result is still a (valid, empty) file: the client learns its type and name.
      if (!sentAny) call.write({ data: Buffer.alloc(0), ...first });
      call.end();
    };
    run().catch((err: unknown) => {
      if (!(err instanceof DomainError) || err.kind === 'internal') {
        logger.error({ err, method: call.getPath() }, 'unhandled error in gRPC export');
      }
      call.emit('error', toGrpcError(err));
    });
  };
}

export function auditHandlers(logger: Logger, useCases: AuditUseCases): AuditServiceHandlers {
  return {
    ListAuditEvents: unary(logger, async (request) => {
      const { records, nextPageToken } = await useCases.list.execute({
        workspaceId: request.workspace_id,
        filter: request.filter,
        pageSize: request.page?.page_size,
        pageToken: request.page?.page_token,
      });
      return { events: records.map(toProto), next_page_token: nextPageToken };
    }),
    GetAuditEvent: unary(logger, async (request) =>
      toProto(await useCases.get.execute({ workspaceId: request.workspace_id, eventId: request.event_id })),
    ),
    VerifyAuditChain: unary(logger, async (request) => {
      const verdict = await useCases.verify.execute({ workspaceId: request.workspace_id });
      return verdict.ok
        ? { ok: true, records_checked: verdict.checked, last_seq: verdict.lastSeq, head_hash: verdict.headHash }
        : {
            ok: false,
            records_checked: verdict.checked,
            last_seq: verdict.lastSeq,
            first_bad_seq: verdict.firstBadSeq,
            problem: verdict.problem,
            message: verdict.message,
          };
    }),
    GetIngestStatus: unary(logger, async () => {
      const status = await useCases.ingestStatus.execute();
      return { lag: status.lag, total_lag: status.totalLag, dead_lettered: status.deadLettered };
    }),
    ExportAuditEvents: exportHandler(logger, useCases.exportEvents),
  };
}
