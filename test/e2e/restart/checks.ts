/**
 * Reads what must hold after a restart: every run of the workspace with its lifecycle events on
 * the operations topic and in audit (each exactly once), and the audit chain's verification.
 */
import * as grpc from '@grpc/grpc-js';
import { loadProto, promiseClient } from '@tenantatlas/grpc';
import type { ProtoGrpcType as AuditProto } from '@tenantatlas/grpc/proto/audit';
import { waitFor } from '../system-stack';
import type { FaultApi } from '../faults/api';
import { auditRunRecords, checkEvents, listRuns, readRunEvents, runProblems } from '../faults/verify';

export interface RunLedger {
  runs: number;
  /** distinct run lifecycle events on the topic */
  events: number;
  /** problems of the runs themselves and of their events (one queued, one terminal, one started per attempt) */
  problems: string[];
  /** event ids of the topic that audit does not hold, holds twice, or audit records with no event */
  missingInAudit: string[];
  duplicatedInAudit: string[];
  unknownInAudit: string[];
}

/**
 * Every run of the workspace against the topic and audit. A run the API shows completed may have
 * its last event still on the way to the topic (the relay publishes right after the commit), and
 * audit follows the topic: both are waited for, and what is still wrong then is reported.
 */
export async function runLedger(api: FaultApi, brokers: string[], stackPrefix: string): Promise<RunLedger> {
  const runs = await listRuns(api);
  let eventCheck = checkEvents([], new Map());
  await waitFor(
    async () => {
      eventCheck = checkEvents((await readRunEvents(brokers, stackPrefix)).events, new Map(runs.map((run) => [run.id, run])));
      return eventCheck.problems.length === 0;
    },
    { timeoutMs: 60_000, intervalMs: 1_000, what: 'every run event on the topic' },
  ).catch(() => undefined);
  let records: { event_id: string }[] = [];
  const missing = () => {
    const recorded = new Set(records.map((r) => r.event_id));
    return [...eventCheck.ids].filter((id) => !recorded.has(id));
  };
  await waitFor(
    async () => {
      records = await auditRunRecords(api);
      return missing().length === 0;
    },
    { timeoutMs: 120_000, intervalMs: 1_000, what: 'audit to record every run event of the topic' },
  ).catch(() => undefined);
  const seen = new Map<string, number>();
  for (const record of records) seen.set(record.event_id, (seen.get(record.event_id) ?? 0) + 1);
  return {
    runs: runs.length,
    events: eventCheck.ids.size,
    problems: [...runs.flatMap(runProblems), ...eventCheck.problems],
    missingInAudit: missing(),
    duplicatedInAudit: [...seen].filter(([, n]) => n > 1).map(([id]) => id),
    unknownInAudit: [...seen.keys()].filter((id) => !eventCheck.ids.has(id)),
  };
}

/** The audit service's verification of the workspace's hash chain (gRPC; the gateway has no route for it). */
export async function verifyAuditChain(auditAddress: string, workspaceId: string) {
  const proto = loadProto<AuditProto>('tenantatlas/audit/v1/audit.proto').tenantatlas.audit.v1;
  const raw = new proto.AuditService(auditAddress, grpc.credentials.createInsecure());
  try {
    return await promiseClient(raw).VerifyAuditChain({ workspace_id: workspaceId });
  } finally {
    raw.close();
  }
}
