import { createEvent } from '@tenantatlas/kafka';
import { decideAccess, type Capability, type Membership } from '../domain/access';
import { gatewayError } from '../domain/errors';
import { SOURCE } from './identity';
import type { IdentityStore, SecurityEventSink, User } from './ports';

export const ACCESS_DENIED_EVENT = 'tenantatlas.gateway.access.denied' as const;

export interface AccessAttempt {
  user: User;
  workspaceId: string;
  capability: Capability;
  tenantId?: string;
  /** e.g. "POST /api/workspaces/{workspaceId}/runs" — the route template, not the concrete URL */
  operation: string;
}

/** The workspace does not exist for this caller: the same answer whether it exists or not. */
export const workspaceNotFound = () => gatewayError('WORKSPACE.NOT_FOUND', 'workspace not found');
export const tenantNotFound = () => gatewayError('TENANT.NOT_FOUND', 'tenant not found');

/**
 * Decides every request before any downstream call, and reports each refusal as a security event
 * (for audit) before answering 404 or 403.
 */
export class AccessGuard {
  constructor(
    private readonly store: IdentityStore,
    private readonly events: SecurityEventSink,
  ) {}

  async membership(attempt: AccessAttempt): Promise<Membership> {
    const membership = await this.store.findMembership(attempt.workspaceId, attempt.user.id);
    this.check(membership, attempt);
    return membership!;
  }

  /**
   * The membership when it still grants an access granted before (a stream that outlives its
   * request), else null. Not a new attempt by the caller, so a refusal is not reported.
   */
  async stillGranted(attempt: AccessAttempt): Promise<Membership | null> {
    const membership = await this.store.findMembership(attempt.workspaceId, attempt.user.id);
    return decideAccess(membership, attempt).allowed ? membership : null;
  }

  /** For a tenant or an extra capability learned after the first check (body, fetched resource). */
  check(membership: Membership | null, attempt: AccessAttempt): void {
    const decision = decideAccess(membership, attempt);
    if (decision.allowed) return;
    this.events.publish(
      createEvent({
        type: ACCESS_DENIED_EVENT,
        source: SOURCE,
        subject: `workspace/${attempt.workspaceId}`,
        workspaceId: attempt.workspaceId,
        tenantId: attempt.tenantId ?? null,
        actor: { kind: 'user', userId: attempt.user.id },
        data: { outcome: 'denied', reasonCode: decision.reason, capability: attempt.capability, operation: attempt.operation },
      }),
    );
    if (decision.visibleAs === 'forbidden') {
      throw gatewayError('ACCESS.CAPABILITY_MISSING', `your role lacks the capability ${attempt.capability}`, {
        capability: attempt.capability,
      });
    }
    throw decision.reason === 'TENANT_OUT_OF_SCOPE' ? tenantNotFound() : workspaceNotFound();
  }
}
