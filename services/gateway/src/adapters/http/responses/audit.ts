import { z } from '@tenantatlas/core';
import { actorSchema } from './common';
import { pageOf, text, timestamp } from './present';

export const auditRecordSchema = z
  .object({
    event_id: z.string(),
    seq: z.string().regex(/^\d+$/).describe('position in the workspace chain (int64 as a decimal string)'),
    workspace_id: z.string(),
    tenant_id: text(),
    type: z.string(),
    action: text(),
    source_service: text(),
    actor: actorSchema,
    actor_kind: text(),
    subject_type: text(),
    subject_id: text(),
    outcome: text(),
    reason_code: text(),
    before: z.record(z.string(), z.string()),
    after: z.record(z.string(), z.string()),
    details: z.record(z.string(), z.string()),
    trace_id: text(),
    occurred_at: timestamp(),
    recorded_at: timestamp(),
    hash: z.string(),
    prev_hash: text(),
  })
  ;

export const auditPage = pageOf('events', auditRecordSchema);
