import * as grpc from '@grpc/grpc-js';
import { isDomainError, type Actor } from '@tenantatlas/core';
import { insecureCredentials, loadProto, PEER_CHANNEL_OPTIONS, peerTarget, promiseClient, type PromiseClient } from '@tenantatlas/grpc';
import type { ProtoGrpcType } from '@tenantatlas/grpc/proto/operations';
import type { OperationsServiceClient } from '@tenantatlas/grpc/proto/tenantatlas/operations/v1/OperationsService';
import type { Run__Output } from '@tenantatlas/grpc/proto/tenantatlas/operations/v1/Run';
import type { OperationsPort } from '../../app/ports';
import { isRunStatus, type RunEvidence, type RunOutcome } from '../../domain/evidence';
import { actorToProto } from './mapping';

const OUTCOMES: readonly RunOutcome[] = ['', 'succeeded', 'partially_succeeded', 'failed', 'cancelled'];
const date = (value: string) => (value ? new Date(value) : null);

export function runEvidence(run: Run__Output, observedAt: Date): RunEvidence {
  return {
    runId: run.id,
    type: run.type,
    subject: run.subject,
    status: isRunStatus(run.status) ? run.status : 'queued',
    outcome: OUTCOMES.includes(run.outcome as RunOutcome) ? (run.outcome as RunOutcome) : 'failed',
    reasonCode: run.reason_code,
    createdAt: date(run.created_at),
    observedAt: date(run.updated_at) ?? observedAt,
  };
}

/** OperationsPort over the operations service's gRPC API. */
export class GrpcOperations implements OperationsPort {
  private readonly client: PromiseClient<OperationsServiceClient>;
  private subjectPolicy: Promise<Map<string, string>> | undefined;

  constructor(address: string, private readonly timeoutMs = 5_000) {
    const { OperationsService } = loadProto<ProtoGrpcType>('tenantatlas/operations/v1/operations.proto').tenantatlas.operations.v1;
    this.client = promiseClient(new OperationsService(peerTarget(address), insecureCredentials(), PEER_CHANNEL_OPTIONS) as OperationsServiceClient & grpc.Client, timeoutMs);
  }

  async startRun(input: Parameters<OperationsPort['startRun']>[0]): Promise<{ run: RunEvidence; deduplicated: boolean }> {
    // A type that takes no subject would reject one; ask the registry once.
    const subject = (await this.subjectOf(input.type)) === 'none' ? '' : input.subject;
    const res = await this.client.StartRun({
      workspace_id: input.workspaceId,
      actor: actorToProto(input.actor as Actor),
      tenant_id: input.tenantId,
      type: input.type,
      subject,
      context: input.context ?? {},
      idempotency_key: input.idempotencyKey ?? '',
    });
    if (!res.run) throw new Error('operations returned no run');
    return { run: runEvidence(res.run, new Date()), deduplicated: res.deduplicated };
  }

  async getRun(workspaceId: string, runId: string): Promise<RunEvidence | null> {
    try {
      const res = await this.client.GetRun({ workspace_id: workspaceId, run_id: runId });
      return res.run ? runEvidence(res.run, new Date()) : null;
    } catch (err) {
      if (isDomainError(err) && err.kind === 'not_found') return null;
      throw err;
    }
  }

  close(): void {
    this.client.close();
  }

  private async subjectOf(type: string): Promise<string | undefined> {
    this.subjectPolicy ??= this.client
      .ListRunTypes({})
      .then((res) => new Map(res.types.map((t) => [t.name, t.subject])))
      .catch((err: unknown) => {
        this.subjectPolicy = undefined;
        throw err;
      });
    return (await this.subjectPolicy).get(type);
  }
}
