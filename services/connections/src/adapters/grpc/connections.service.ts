import { unary, type Logger } from '@tenantatlas/shared';
import type { ConnectionsServiceHandlers } from '@tenantatlas/shared/proto/tenantatlas/connections/v1/ConnectionsService';
import { rotateCredential, recordConsent, setEnabled, updateConnection } from '../../app/change-connection';
import { checkConnection } from '../../app/check-connection';
import { createConnection } from '../../app/create-connection';
import type { ConnectionsContext } from '../../app/ports';
import { getConnection, listConnections } from '../../app/queries';
import { refreshPermissions } from '../../app/refresh-permissions';
import { setDefault } from '../../app/set-default';
import { syncInventory } from '../../app/sync-inventory';
import type { Connection } from '../../domain/connection';
import { toActor, toConnectionMessage, toPostureMessage } from './mapping';

/** Transport only: requests become use-case commands, entities become messages. */
export function connectionsHandlers(ctx: ConnectionsContext, logger: Logger): ConnectionsServiceHandlers {
  const message = (c: Connection) => toConnectionMessage(c, ctx.required, ctx.now());
  const reply = (c: Connection) => ({ connection: message(c) });
  const ref = (r: { workspace_id: string; connection_id: string; tenant_id?: string }) => ({
    workspaceId: r.workspace_id,
    connectionId: r.connection_id,
    tenantId: r.tenant_id || undefined,
  });

  return {
    CreateConnection: unary(logger, async (r) =>
      reply(
        await createConnection(ctx, {
          workspaceId: r.workspace_id,
          actor: toActor(r.actor),
          tenantId: r.tenant_id,
          provider: r.provider,
          displayName: r.display_name,
          connectionType: r.connection_type,
          clientId: r.client_id,
          targetTenantId: r.target_tenant_id,
          clientSecret: r.client_secret || undefined,
          makeDefault: r.make_default,
          disabled: r.disabled,
        }),
      ),
    ),
    GetConnection: unary(logger, async (r) => reply(await getConnection(ctx, ref(r)))),
    ListConnections: unary(logger, async (r) => {
      const page = await listConnections(ctx, {
        workspaceId: r.workspace_id,
        tenantId: r.tenant_id,
        pageSize: r.page?.page_size,
        pageToken: r.page?.page_token,
      });
      return { connections: page.connections.map(message), next_page_token: page.next ?? '' };
    }),
    UpdateConnection: unary(logger, async (r) =>
      reply(
        await updateConnection(ctx, {
          ...ref(r),
          actor: toActor(r.actor),
          displayName: r.display_name,
          clientId: r.client_id,
          targetTenantId: r.target_tenant_id,
          connectionType: r.connection_type,
        }),
      ),
    ),
    RotateCredential: unary(logger, async (r) =>
      reply(await rotateCredential(ctx, { ...ref(r), actor: toActor(r.actor), clientSecret: r.client_secret })),
    ),
    SetDefaultConnection: unary(logger, async (r) => reply(await setDefault(ctx, { ...ref(r), actor: toActor(r.actor) }))),
    EnableConnection: unary(logger, async (r) => reply(await setEnabled(ctx, { ...ref(r), actor: toActor(r.actor) }, true))),
    DisableConnection: unary(logger, async (r) => reply(await setEnabled(ctx, { ...ref(r), actor: toActor(r.actor) }, false))),
    RecordConsentResult: unary(logger, async (r) =>
      reply(await recordConsent(ctx, { ...ref(r), actor: toActor(r.actor), consentStatus: r.consent_status })),
    ),
    CheckConnection: unary(logger, async (r) => {
      const actor = toActor(r.actor);
      const { report, connection, checkedAt } = await checkConnection(ctx, { ...ref(r), actor });
      logger.info(
        { connectionId: connection.id, status: report.status, reasonCode: report.reasonCode, retryAfterMs: report.retryAfterMs },
        'connection checked',
      );
      return {
        status: report.status,
        consent_status: report.consent ?? connection.consentStatus,
        reason_code: report.reasonCode,
        retryable: report.retryable,
        retry_after_ms: report.retryAfterMs,
        missing_permissions: report.missingPermissions,
        checks: report.checks.map((c) => ({ key: c.key, status: c.status, reason_code: c.reasonCode, message: c.message })),
        checked_at: checkedAt.toISOString(),
        connection: message(connection),
        message: report.message,
      };
    }),
    RefreshPermissions: unary(logger, async (r) => {
      const result = await refreshPermissions(ctx, { ...ref(r), actor: toActor(r.actor) });
      return {
        status: result.status,
        reason_code: result.reasonCode,
        retryable: result.retryable,
        retry_after_ms: result.retryAfterMs,
        permissions: toPostureMessage(ctx.required, result.connection, ctx.now()),
        connection: message(result.connection),
      };
    }),
    SyncInventory: unary(logger, async (r) => {
      const page = await syncInventory(ctx, {
        ...ref(r),
        actor: toActor(r.actor),
        resource: r.resource,
        pageToken: r.page_token,
        pageSize: r.page_size,
      });
      return {
        items: page.items.map((i) => ({ id: i.id, display_name: i.displayName, kind: i.kind })),
        next_page_token: page.nextPageToken ?? '',
      };
    }),
  };
}
