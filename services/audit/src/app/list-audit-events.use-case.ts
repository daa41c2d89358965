import { notFound } from '@tenantatlas/shared';
import {
  decodePageToken,
  encodePageToken,
  parsePageSize,
  parseQuery,
  type RawFilter,
} from '../domain/audit-query';
import type { AuditRecord } from '../domain/hash-chain';
import type { AuditLogStore } from './ports';

export interface ListCommand {
  workspaceId: string;
  filter?: RawFilter | null;
  pageSize?: number;
  pageToken?: string;
}

/** Newest first; the token is the last seq returned, so arriving records never shift pages. */
export class ListAuditEvents {
  constructor(private readonly store: AuditLogStore) {}

  async execute(command: ListCommand): Promise<{ records: AuditRecord[]; nextPageToken: string }> {
    const query = parseQuery(command.workspaceId, command.filter);
    const limit = parsePageSize(command.pageSize);
    const before = decodePageToken(command.pageToken);
    const { records, more } = await this.store.page(query, { limit, before });
    const last = records.at(-1);
    return { records, nextPageToken: more && last ? encodePageToken(last.seq) : '' };
  }
}

export class GetAuditEvent {
  constructor(private readonly store: AuditLogStore) {}

  async execute(workspaceId: string, eventId: string): Promise<AuditRecord> {
    const query = parseQuery(workspaceId, null);
    const id = eventId?.trim();
    const record = id ? await this.store.findByEventId(query.workspaceId, id) : null;
    if (!record) throw notFound('AUDIT.EVENT_NOT_FOUND', 'no such audit event', { eventId: id ?? '' });
    return record;
  }
}
