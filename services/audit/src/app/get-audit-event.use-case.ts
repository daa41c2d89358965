import { auditError } from '../domain/errors';
import { parseQuery } from '../domain/audit-query';
import type { AuditRecord } from '../domain/audit-record';
import type { AuditLogStore } from './ports';

export interface GetAuditEventCommand {
  workspaceId: string;
  eventId: string;
}

/** One record by its event id, inside the workspace asked for. */
export class GetAuditEventUseCase {
  constructor(private readonly deps: { store: AuditLogStore }) {}

  async execute({ workspaceId, eventId }: GetAuditEventCommand): Promise<AuditRecord> {
    const query = parseQuery(workspaceId, null);
    const id = eventId?.trim();
    const record = id ? await this.deps.store.findByEventId(query.workspaceId, id) : null;
    if (!record) throw auditError('AUDIT.EVENT_NOT_FOUND', 'no such audit event', { eventId: id ?? '' });
    return record;
  }
}
