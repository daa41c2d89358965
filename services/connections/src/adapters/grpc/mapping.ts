import type { Actor } from '@tenantatlas/core';
import { actorFromProto, protoTime } from '@tenantatlas/grpc';
import type { Actor__Output } from '@tenantatlas/grpc/proto/tenantatlas/common/v1/Actor';
import type { Connection as ConnectionMessage } from '@tenantatlas/grpc/proto/tenantatlas/connections/v1/Connection';
import type { PermissionPosture as PostureMessage } from '@tenantatlas/grpc/proto/tenantatlas/connections/v1/PermissionPosture';
import type { Connection } from '../../domain/connection';
import { connectionError } from '../../domain/errors';
import { posture, type RequiredPermissions } from '../../domain/permissions';

/** Every mutation names who acts: a user (through the gateway) or a system component. */
export function toActor(actor: Actor__Output | null | undefined): Actor {
  const found = actorFromProto(actor);
  if (!found) throw connectionError('CONNECTION.ACTOR_REQUIRED', 'actor must name exactly one of user_id or component');
  return found;
}

export function toPostureMessage(required: RequiredPermissions, connection: Connection, now: Date): PostureMessage {
  const p = posture(required, connection.granted, now);
  return {
    required_application: p.requiredApplication,
    granted_application: p.grantedApplication,
    missing_application: p.missingApplication,
    required_delegated: p.requiredDelegated,
    granted_delegated: p.grantedDelegated,
    missing_delegated: p.missingDelegated,
    missing_application_count: p.missingApplication.length,
    missing_delegated_count: p.missingDelegated.length,
    last_refreshed_at: protoTime(p.lastRefreshedAt),
    is_stale: p.isStale,
  };
}

/** The only way a connection leaves the service: an explicit list of fields, never the credential. */
export function toConnectionMessage(connection: Connection, required: RequiredPermissions, now: Date): ConnectionMessage {
  const hasCredential = connection.credential !== null;
  return {
    id: connection.id,
    workspace_id: connection.workspaceId,
    tenant_id: connection.tenantId,
    provider: connection.provider,
    display_name: connection.displayName,
    connection_type: connection.connectionType,
    client_id: connection.clientId,
    target_tenant_id: connection.targetTenantId,
    is_default: connection.isDefault,
    enabled: connection.enabled,
    consent_status: connection.consentStatus,
    verification_status: connection.verificationStatus,
    last_verified_at: protoTime(connection.lastVerifiedAt),
    last_reason_code: connection.lastReasonCode,
    verification_stale: connection.verificationStale,
    has_credential: hasCredential,
    has_secret: hasCredential,
    credential_key_id: connection.credential?.keyId ?? '',
    credential_rotated_at: protoTime(connection.credentialRotatedAt),
    permissions: toPostureMessage(required, connection, now),
    created_at: protoTime(connection.createdAt),
    updated_at: protoTime(connection.updatedAt),
    version: connection.version,
  };
}
